"""Supervisors hear about the accounts that need them, once; management gets the numbers, with a
chart and a spreadsheet in the digest's thread."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from bot.ids import ActionId
from bot.outbox.job import deliver_due
from schedules.runner import run_job
from storage.models import Account, Agent, Alert, Contact, Payment, Promise
from tests.conftest import RunningBot
from tests.portfolio import SET_UP_AT, add_account, add_agent

AGENT, SUPERVISOR = "U0AGENT1", "U0SUPER1"
CHANNEL = "C0SUPERVISORS"
MONDAY_10AM = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture
def watched_desk(bot: RunningBot) -> RunningBot:
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent", monthly_target=Decimal("20000"))
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "BIG-1", "25000.00", due_date=date(2026, 11, 20), assigned_to=AGENT)
    add_account(db, "QUIET-1", "800.00", last_contact_at=datetime(2026, 11, 9, 15, tzinfo=UTC))
    add_account(db, "FINE-1", "300.00", last_contact_at=datetime(2026, 11, 23, 14, tzinfo=UTC))
    add_account(
        db, "PROM-1", "500.00", last_contact_at=datetime(2026, 11, 20, 15, tzinfo=UTC), status="promised"
    )
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "PROM-1")).one()
        session.add(
            Promise(
                account_pk=account.id, amount=Decimal("200.00"), currency="USD", due_date=date(2026, 11, 19),
                status="open", paid_toward=Decimal("0"), made_by=AGENT, made_at=SET_UP_AT,
            )
        )  # fmt: skip
    return bot


def alerts_run(bot: RunningBot, at: datetime) -> str:
    return bot.run_job("supervisor-alerts", at)


def channel(bot: RunningBot) -> list[dict[str, Any]]:
    return bot.slack.messages(CHANNEL)


def test_alerts_come_as_one_message_once_and_the_agent_hears_of_a_broken_promise(
    watched_desk: RunningBot,
) -> None:
    # BIG-1 is delinquent and never contacted, QUIET-1 stalled, PROM-1's promise broken.
    assert alerts_run(watched_desk, MONDAY_10AM) == "4 new alerts"
    posted = channel(watched_desk)
    assert len(posted) == 1
    text = json.dumps(posted[0])
    for why in ("high value", "stalled", "broken promise"):
        assert why in text
    assert "FINE-1" not in text
    dm = [c for c in watched_desk.slack.calls("chat.postMessage") if c.params.get("channel") == AGENT]
    assert len(dm) == 1 and "PROM-1" in json.dumps(dm[0].params)
    alerts_run(watched_desk, MONDAY_10AM + timedelta(minutes=15))
    assert len(channel(watched_desk)) == 1  # nothing new: raised once until it clears or is snoozed


def test_an_alert_clears_when_its_condition_does(watched_desk: RunningBot) -> None:
    alerts_run(watched_desk, MONDAY_10AM)
    assert (
        "Promise of $200.00" in watched_desk.send.slash_command(AGENT, "promise PROM-1 200 friday").body
    )  # a new one
    alerts_run(watched_desk, MONDAY_10AM + timedelta(minutes=15))
    with watched_desk.runtime.db.reading() as session:
        broken = session.scalars(select(Alert).where(Alert.condition == "broken-promise")).one()
    assert broken.cleared_at is not None


def click(watched_desk: RunningBot, user: str, action: dict[str, Any]) -> str:
    message = channel(watched_desk)[0]
    answer = watched_desk.send.block_actions(user, [action], message=message)
    return json.dumps(watched_desk.slack.wait_for_response(url=answer.response_url)[-1])


def test_take_over_reassign_and_snooze(watched_desk: RunningBot) -> None:
    alerts_run(watched_desk, MONDAY_10AM)
    with watched_desk.runtime.db.reading() as session:
        ids = {a.condition: a.id for a in session.scalars(select(Alert))}
    taken = click(
        watched_desk, SUPERVISOR, {"action_id": ActionId.ALERT_TAKE_OVER, "value": str(ids["stalled"])}
    )
    assert "Sam Supervisor" in taken
    refused = click(
        watched_desk, AGENT, {"action_id": ActionId.ALERT_SNOOZE, "value": str(ids["high-value"])}
    )
    assert "Only supervisors" in refused
    assert "Snoozed" in click(
        watched_desk, SUPERVISOR, {"action_id": ActionId.ALERT_SNOOZE, "value": str(ids["high-value"])}
    )
    with watched_desk.runtime.db.reading() as session:
        quiet = session.scalars(select(Account).where(Account.account_id == "QUIET-1")).one()
    assert quiet.assigned_to == SUPERVISOR
    alerts_run(watched_desk, MONDAY_10AM + timedelta(days=1))
    assert "high value" not in json.dumps(channel(watched_desk)[1:])  # snoozed for 3 days
    alerts_run(watched_desk, MONDAY_10AM + timedelta(days=4))
    assert "high value" in json.dumps(
        channel(watched_desk)[-1]
    )  # the snooze ended, the condition is still there


def test_two_processes_raise_a_slot_once(watched_desk: RunningBot) -> None:
    alerts_run(watched_desk, MONDAY_10AM)
    assert "already ran" in alerts_run(watched_desk, MONDAY_10AM)
    assert len(channel(watched_desk)) == 1


def add_day_of_work(bot: RunningBot) -> None:
    with bot.runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "BIG-1")).one()
        at = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
        session.add(
            Contact(
                account_pk=account.id,
                at=at,
                channel="call",
                outcome="right-party",
                agent=AGENT,
                created_at=at,
            )
        )
        session.add(
            Contact(
                account_pk=account.id, at=at, channel="call", outcome="no-answer", agent=AGENT, created_at=at
            )
        )
        late = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # 23:30 in New York: still Monday
        session.add(
            Payment(
                account_pk=account.id, amount=Decimal("1500.00"), currency="USD", method="card", reference="TX-1",
                received_at=late, recorded_by=AGENT, source="slack", created_at=late,
            )
        )  # fmt: skip


def test_the_daily_digest_posts_numbers_a_chart_and_a_spreadsheet_in_its_thread(
    watched_desk: RunningBot,
) -> None:
    add_day_of_work(watched_desk)
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 17:30 on Tuesday in New York
    watched_desk.clock.set(evening)
    assert "queued" in run_job(watched_desk.runtime, "performance-digest-day", evening, by="test").message
    deliver_due(watched_desk.runtime)
    # Monday, complete to midnight (with its 23:30 payment), then Tuesday so far for the supervisors.
    digest, today = [m for m in channel(watched_desk) if m["thread_ts"] is None]
    text = json.dumps(digest, ensure_ascii=False)
    assert "Daily numbers — Monday 23 November 2026" in text and "to the end of Mon 23 Nov 2026" in text
    assert "Ana Agent" in text and "$1,500.00" in text
    assert "Tuesday 24 November 2026, to 17:30 (so far)" in json.dumps(today)
    assert "$1,500.00" not in json.dumps(today)
    uploads = [f for f in watched_desk.slack.uploaded_files.values() if f.completed]
    assert {f.filename.rsplit(".", 1)[1] for f in uploads} == {"png", "xlsx"}
    assert all(f.thread_ts == digest["ts"] and f.channel == CHANNEL for f in uploads)
    png = next(f for f in uploads if f.filename.endswith(".png"))
    assert png.data.startswith(b"\x89PNG")
    workbook = openpyxl.load_workbook(
        io.BytesIO(next(f for f in uploads if f.filename.endswith(".xlsx")).data)
    )
    payments = list(workbook["Payments"].iter_rows(values_only=True))
    assert len(payments) == 2 and any(isinstance(cell, datetime) for cell in payments[1])
    assert 1500 in [cell for cell in payments[1] if isinstance(cell, (int, float, Decimal))]
    assert (
        "already ran" in run_job(watched_desk.runtime, "performance-digest-day", evening, by="again").message
    )


def test_report_on_demand_and_targets(watched_desk: RunningBot) -> None:
    add_day_of_work(watched_desk)
    watched_desk.clock.set(datetime(2026, 11, 24, 4, 45, tzinfo=UTC))
    mine = watched_desk.send.slash_command(AGENT, "report day").body
    assert "$1,500.00" in mine
    assert "own numbers only" in watched_desk.send.slash_command(AGENT, f"report <@{SUPERVISOR}>").body
    assert "Ana Agent" in watched_desk.send.slash_command(SUPERVISOR, f"report week <@{AGENT}>").body
    assert "Only supervisors" in watched_desk.send.slash_command(AGENT, f"target <@{AGENT}> 99999").body
    assert "15,000.00" in watched_desk.send.slash_command(SUPERVISOR, f"target <@{AGENT}> 15000").body
    with watched_desk.runtime.db.reading() as session:
        assert session.scalars(
            select(Agent.monthly_target).where(Agent.slack_user_id == AGENT)
        ).one() == Decimal("15000")


@pytest.mark.settings(COLLECT_MANAGEMENT_CHANNEL="C0MANAGEMENT")
def test_the_management_channel_gets_the_numbers_with_account_ids_masked(watched_desk: RunningBot) -> None:
    watched_desk.slack.add_channel("C0MANAGEMENT", name="management")
    add_day_of_work(watched_desk)
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # Tuesday's digest: Monday complete
    watched_desk.clock.set(evening)
    run_job(watched_desk.runtime, "performance-digest-day", evening, by="test")
    deliver_due(watched_desk.runtime)
    supervisors = json.dumps(watched_desk.slack.messages(CHANNEL)[0])
    # Management gets the closed days only; today so far is for the supervisors.
    assert len([m for m in watched_desk.slack.messages("C0MANAGEMENT") if m["thread_ts"] is None]) == 1
    management = json.dumps(watched_desk.slack.messages("C0MANAGEMENT")[0], ensure_ascii=False)
    assert "BIG-1" in supervisors
    assert "BIG-1" not in management and "payment on …-1" in management
    sheet = next(
        f
        for f in watched_desk.slack.uploaded_files.values()
        if f.channel == "C0MANAGEMENT" and f.filename.endswith("xlsx")
    )
    payments = list(openpyxl.load_workbook(io.BytesIO(sheet.data))["Payments"].iter_rows(values_only=True))
    assert "BIG-1" not in json.dumps(payments, default=str)
