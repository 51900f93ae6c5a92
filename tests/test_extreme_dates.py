"""Dates at the calendar's edges: refused where they enter, and harmless when they are in the database
anyway (planted there directly, as an old import or another program could have left them)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.outbox import deliver_due
from schedules.runner import run_job
from storage.models import Absence, Account, Promise
from tests.conftest import RunningBot
from tests.portfolio import SET_UP_AT, add_account, add_agent

AGENT, AGENT2, SUPERVISOR = "U0AGENT1", "U0AGENT2", "U0SUPER1"
MONDAY_8AM = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York, the digest time
FAR = date(9999, 12, 31)
EXTREMES = (date.max, date.min, FAR)
FAILED = "Something went wrong"


def said(bot: RunningBot, user: str, typed: str) -> str:
    """The whole answer to a command, whether it came in the response or later by response_url."""
    response = bot.send.slash_command(user, typed)
    assert response.status == 200, response.body
    body = response.json() if response.body else {}
    if not body:
        body = bot.slack.wait_for_response(url=response.response_url)[-1]
    return json.dumps(body, ensure_ascii=False)


def plant_promise(bot: RunningBot, account_id: str, due: date, *, status: str = "open") -> None:
    with bot.runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        session.add(
            Promise(
                account_pk=account.id, amount=Decimal("100.00"), currency="USD", due_date=due,
                status=status, paid_toward=Decimal("0"), made_by=AGENT, made_at=SET_UP_AT,
            )
        )  # fmt: skip


@pytest.fixture
def planted(bot: RunningBot) -> RunningBot:
    """Every date column an account, a promise and an absence have, at date.max, date.min and 9999-12-31."""
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent", monthly_target=Decimal("20000"))
    add_agent(db, AGENT2, "Bo Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "FAR-1", "900.00", status="promised", last_contact_at=SET_UP_AT)
    plant_promise(bot, "FAR-1", FAR)
    for n, extreme in enumerate(EXTREMES):
        add_account(
            db, f"EDGE-{n}", "500.00", due_date=extreme, last_payment_date=extreme, callback_on=extreme,
            status="promised",
        )  # fmt: skip
        plant_promise(bot, f"EDGE-{n}", extreme)
        add_account(db, f"HELD-{n}", "300.00", status="on_hold", hold_reason="hardship", hold_until=extreme)
    with db.transaction() as session:
        session.add(Absence(agent=AGENT2, starts_on=date.min, ends_on=date.max, recorded_by=SUPERVISOR,
                            created_at=SET_UP_AT))  # fmt: skip
    bot.clock.set(MONDAY_8AM)
    return bot


@pytest.mark.parametrize(
    "typed",
    ["pay FAR-1 10", "account FAR-1", "pay EDGE-0 10", "pay EDGE-1 10", "account EDGE-0", "account EDGE-1",
     "account EDGE-2", "account HELD-0", "report", "report week", "report month", "mine"],
)  # fmt: skip
def test_commands_answer_over_extreme_dates(planted: RunningBot, typed: str) -> None:
    answer = said(planted, AGENT, typed)
    assert FAILED not in answer
    if typed.startswith("pay"):
        assert "Recorded $10.00" in answer, answer


@pytest.mark.parametrize(
    "job",
    ["daily-assignments", "supervisor-alerts", "performance-digest-day", "performance-digest-week",
     "performance-digest-month"],
)  # fmt: skip
def test_jobs_run_over_extreme_dates(planted: RunningBot, job: str) -> None:
    at = MONDAY_8AM + timedelta(hours=10) if job == "performance-digest-day" else MONDAY_8AM
    report = run_job(planted.runtime, job, at, by="test")
    assert report.ran, report.message
    deliver_due(planted.runtime)


def test_supervisor_report_and_agent_report_over_extreme_dates(planted: RunningBot) -> None:
    for typed in ("report", f"report week <@{AGENT}>", "report month"):
        assert FAILED not in said(planted, SUPERVISOR, typed)


MONDAY_10AM = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
MONDAY_EVENING = datetime(2026, 11, 24, 4, 45, tzinfo=UTC)  # 23:45 in New York


@pytest.fixture
def replaced(bot: RunningBot) -> RunningBot:
    """FAR-1's 9999-12-31 promise, made this morning (planted, as the parser refuses it now), then
    replaced by a promise for Friday; and an older one to a date long past, cancelled too."""
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent", monthly_target=Decimal("20000"))
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "FAR-1", "900.00", status="promised", last_contact_at=SET_UP_AT)
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "FAR-1")).one()
        morning = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
        for due, status, made_at in ((date(2026, 11, 22), "cancelled", morning), (FAR, "open", morning)):
            session.add(
                Promise(
                    account_pk=account.id, amount=Decimal("100.00"), currency="USD", due_date=due,
                    status=status, paid_toward=Decimal("0"), made_by=AGENT, made_at=made_at,
                )
            )  # fmt: skip
    bot.clock.set(MONDAY_10AM)
    assert "Promise of $200.00" in said(bot, AGENT, "promise FAR-1 200 friday")
    bot.clock.advance(timedelta(minutes=5))
    return bot


def test_a_replaced_promise_is_in_no_report(replaced: RunningBot) -> None:
    with replaced.runtime.db.reading() as session:
        statuses = sorted(session.scalars(select(Promise.status)))
    assert statuses == ["cancelled", "cancelled", "open"]
    for user, typed in ((AGENT, "report"), (SUPERVISOR, "report week"), (SUPERVISOR, "report month")):
        answer = said(replaced, user, typed)
        assert FAILED not in answer
        assert "1 made · 0 kept · 0 broken" in answer or "PTP 1/0/0" in answer, answer
    replaced.clock.set(MONDAY_EVENING)
    assert "queued" in run_job(replaced.runtime, "performance-digest-day", MONDAY_EVENING, by="test").message
    for job in ("daily-assignments", "supervisor-alerts"):
        assert run_job(replaced.runtime, job, MONDAY_EVENING, by="test").ran
    deliver_due(replaced.runtime)
    digest = json.dumps(replaced.slack.messages("C0SUPERVISORS"))
    assert "PTP 1/0/0" in digest and "broken promise" not in digest
