"""Dates at the calendar's edges: refused where they enter, and harmless when they are in the database
anyway (planted there directly, as an old import or another program could have left them)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import ActionId, BlockId
from bot.outbox.job import deliver_due
from bot.settings import SettingsError, load_settings
from schedules.runner import run_job
from storage.models import Absence, Account, Contact, Escalation, Payment, Promise
from tests.conftest import RunningBot, bot_settings
from tests.portfolio import SET_UP_AT, add_account, add_agent

AGENT, AGENT2, SUPERVISOR = "U0AGENT1", "U0AGENT2", "U0SUPER1"
MONDAY_8AM = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York, the digest time
FAR = date(9999, 12, 31)
EXTREMES = (date.max, date.min, FAR)
EARLIEST, LATEST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
FAILED = "Something went wrong"


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
    for n, (first, last) in enumerate(((EARLIEST, LATEST), (LATEST, EARLIEST))):
        add_account(
            db, f"TALK-{n}", "700.00", last_contact_at=first, last_conversation_at=last, due_date=date(2026, 1, 5)
        )  # fmt: skip
    with db.transaction() as session:
        for n, at in enumerate((LATEST, EARLIEST)):
            account = session.scalars(select(Account).where(Account.account_id == f"TALK-{n}")).one()
            session.add(Contact(account_pk=account.id, at=at, channel="call", outcome="right-party", agent=AGENT,
                                created_at=SET_UP_AT))  # fmt: skip
            session.add(
                Payment(
                    account_pk=account.id, amount=Decimal("1.00"), currency="USD", method="card", reference=f"X-{n}",
                    received_at=at, recorded_by=AGENT, source="slack", created_at=SET_UP_AT,
                )
            )  # fmt: skip
        edge = session.scalars(select(Account).where(Account.account_id == "EDGE-0")).one()
        session.add(
            Escalation(
                account_pk=edge.id, kind="payment-plan", amount=Decimal("100.00"), currency="USD", until=date.max,
                reason="planted", status="open", requested_by=AGENT, requested_at=SET_UP_AT, channel="C0SUPERVISORS",
                message_ts="1700000000.000100",
            )
        )  # fmt: skip
        session.add(Absence(agent=AGENT2, starts_on=date.min, ends_on=date.max, recorded_by=SUPERVISOR,
                            created_at=SET_UP_AT))  # fmt: skip
    bot.clock.set(MONDAY_8AM)
    return bot


@pytest.mark.parametrize(
    "typed",
    ["pay FAR-1 10", "account FAR-1", "pay EDGE-0 10", "pay EDGE-1 10", "account EDGE-0", "account EDGE-1",
     "account EDGE-2", "account HELD-0", "account TALK-0", "account TALK-1", "log TALK-0 call no-answer",
     "pay TALK-1 10", "report", "report week", "report month", "mine", "escalations"],
)  # fmt: skip
def test_commands_answer_over_extreme_dates(planted: RunningBot, typed: str) -> None:
    answer = planted.collect(AGENT, typed)
    assert FAILED not in answer
    if typed.startswith("pay"):
        assert "Recorded $10.00" in answer, answer


@pytest.mark.parametrize(
    "job",
    ["daily-assignments", "supervisor-alerts", "performance-digest-day", "performance-digest-week",
     "performance-digest-month", "escalation-reminders"],
)  # fmt: skip
def test_jobs_run_over_extreme_dates(planted: RunningBot, job: str) -> None:
    at = MONDAY_8AM + timedelta(hours=10) if job == "performance-digest-day" else MONDAY_8AM
    report = run_job(planted.runtime, job, at, by="test")
    assert report.ran, report.message
    deliver_due(planted.runtime)


def test_supervisor_report_and_agent_report_over_extreme_dates(planted: RunningBot) -> None:
    for typed in ("report", f"report week <@{AGENT}>", "report month"):
        assert FAILED not in planted.collect(SUPERVISOR, typed)


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
    assert "Promise of $200.00" in bot.collect(AGENT, "promise FAR-1 200 friday")
    bot.clock.advance(timedelta(minutes=5))
    return bot


def test_a_replaced_promise_is_in_no_report(replaced: RunningBot) -> None:
    with replaced.runtime.db.reading() as session:
        statuses = sorted(session.scalars(select(Promise.status)))
    assert statuses == ["cancelled", "cancelled", "open"]
    for user, typed in ((AGENT, "report"), (SUPERVISOR, "report week"), (SUPERVISOR, "report month")):
        answer = replaced.collect(user, typed)
        assert FAILED not in answer
        assert "1 made · 0 kept · 0 broken" in answer or "PTP 1/0/0" in answer, answer
    replaced.clock.set(MONDAY_EVENING)
    assert "queued" in run_job(replaced.runtime, "performance-digest-day", MONDAY_EVENING, by="test").message
    for job in ("daily-assignments", "supervisor-alerts"):
        assert run_job(replaced.runtime, job, MONDAY_EVENING, by="test").ran
    deliver_due(replaced.runtime)
    digest = json.dumps(replaced.slack.messages("C0SUPERVISORS"))
    assert "PTP 1/0/0" in digest and "broken promise" not in digest


# --- dates beyond their bounds are refused where they enter ---------------------------------------


@pytest.fixture
def desk(bot: RunningBot) -> RunningBot:
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1", "5000.00", last_contact_at=SET_UP_AT)
    bot.clock.set(MONDAY_10AM)  # today is 2026-11-23; a year ahead is 2027-11-23
    return bot


def written(bot: RunningBot, model: type[Any]) -> int:
    with bot.runtime.db.reading() as session:
        return len(session.scalars(select(model)).all())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("promise ACC-1 100 9999-12-31",
         "The promise date 9999-12-31 is more than 365 days ahead; the latest is 2027-11-23."),
        ("promise ACC-1 100 2027-11-24", "the latest is 2027-11-23"),
        ("promise ACC-1 100 +9999w", "the latest is 2027-11-23"),
        ("promise ACC-1 100 +9999999d", "not a date I understand"),
        ("escalate ACC-1 payment-plan 250 x600 lost overtime", "from 1 to 120 instalments"),
        ("escalate ACC-1 payment-plan 250 x13 lost overtime",
         "A plan of 13 monthly instalments would end on 2027-12-23"),
        ("escalate ACC-1 payment-plan 250 until 3000-01-01 lost overtime",
         "The plan's end date 3000-01-01 is more than 365 days ahead; the latest is 2027-11-23."),
        ("escalate ACC-1 hardship until 9999-12-31 lost job", "lasts at most 366 days"),
        (f"away <@{AGENT}> 2026-12-01 9999-12-31", "the latest is 2027-11-24"),
        (f"away <@{AGENT}> 9999-12-30 9999-12-31", "the latest is 2027-11-24"),
        ("log ACC-1 call callback 9999-12-31 after the kids' school", "The callback date 9999-12-31"),
    ],
)  # fmt: skip
def test_a_date_beyond_its_bound_is_refused_saying_what_to_type(
    desk: RunningBot, typed: str, expected: str
) -> None:
    answer = desk.collect(SUPERVISOR if typed.startswith("away") else AGENT, typed)
    assert expected in answer, answer
    assert FAILED not in answer
    assert written(desk, Promise) == 0 and written(desk, Escalation) == 0 and written(desk, Absence) == 0
    assert written(desk, Contact) == 0


@pytest.mark.parametrize(
    ("typed", "model"),
    [("promise ACC-1 100 2027-11-23", Promise), ("escalate ACC-1 payment-plan 250 x12 lost overtime", Escalation),
     ("escalate ACC-1 payment-plan 250 until 2027-11-23 lost overtime", Escalation),
     (f"away <@{AGENT}> 2027-11-20 2027-11-24", Absence)],
)  # fmt: skip
def test_a_date_at_its_bound_is_accepted(desk: RunningBot, typed: str, model: type[Any]) -> None:
    answer = desk.collect(SUPERVISOR if typed.startswith("away") else AGENT, typed)
    assert FAILED not in answer and written(desk, model) == 1, answer


def test_the_horizon_is_a_setting(db: Any, database_url: str, standin: Any, clock: Any) -> None:
    assert bot_settings(database_url, standin).promise_horizon_days == 365
    longer = bot_settings(database_url, standin, COLLECT_PROMISE_HORIZON_DAYS="730")
    assert longer.promise_horizon_days == 730
    with pytest.raises(SettingsError, match="COLLECT_PROMISE_HORIZON_DAYS"):
        load_settings(_env_file=None, COLLECT_PROMISE_HORIZON_DAYS="0")


@pytest.mark.settings(COLLECT_PROMISE_HORIZON_DAYS="730")
def test_a_longer_horizon_lets_a_longer_promise_in(desk: RunningBot) -> None:
    assert "Promise of $100.00" in desk.collect(AGENT, "promise ACC-1 100 2028-11-22")
    assert "the latest is 2028-11-22" in desk.collect(AGENT, "promise ACC-1 100 2028-11-23")


def _open_form(bot: RunningBot, typed: str) -> dict[str, Any]:
    opened = len(bot.slack.calls("views.open"))
    assert bot.send.slash_command(AGENT, typed).status == 200
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    return view


def test_the_promise_form_refuses_a_far_date_on_its_date_picker(desk: RunningBot) -> None:
    view = _open_form(desk, "promise")
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1"}}},
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "100"}},
        BlockId.DATE: {ActionId.DATE_PICKER: {"type": "datepicker", "selected_date": "9999-12-31"}},
    }  # fmt: skip
    refused = desk.send.view_submission(AGENT, view, values)
    assert refused.json()["response_action"] == "errors"
    assert "the latest is 2027-11-23" in refused.json()["errors"][BlockId.DATE]
    assert written(desk, Promise) == 0


def test_the_escalation_form_refuses_a_far_plan_end(desk: RunningBot) -> None:
    view = _open_form(desk, "escalate")
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1"}}},
        BlockId.KIND: {ActionId.ESCALATION_KIND_SELECT: {"type": "static_select",
                                                         "selected_option": {"value": "payment-plan"}}},
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "250"}},
        BlockId.UNTIL: {ActionId.ESCALATION_UNTIL_PICKER: {"type": "datepicker", "selected_date": "3000-01-01"}},
        BlockId.REASON: {ActionId.ESCALATION_REASON_INPUT: {"type": "plain_text_input", "value": "lost overtime"}},
    }  # fmt: skip
    refused = desk.send.view_submission(AGENT, view, values)
    assert refused.json()["response_action"] == "errors", refused.body
    assert "the latest is 2027-11-23" in json.dumps(refused.json()["errors"])
    assert written(desk, Escalation) == 0


def test_the_worklist_shows_accounts_with_extreme_dates(planted: RunningBot) -> None:
    assert run_job(planted.runtime, "daily-assignments", MONDAY_8AM, by="test").ran
    deliver_due(planted.runtime)
    answer = planted.collect(AGENT, "mine")
    assert FAILED not in answer and "EDGE-0" in answer and "FAR-1" in answer, answer
