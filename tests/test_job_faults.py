"""No single row stops a job: rows planted straight into the database (past every parser and form)
that a job cannot handle are skipped and recorded, the supervisors' channel is told once per job,
row and problem, and everyone else is still served. Every job is run by the scheduler's own tick."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text, update

from schedules.runner import run_job, tick
from storage.database import Database
from storage.models import Account, Escalation, OutboxMessage, Promise, SkippedRow
from tests.conftest import MONDAY_9AM, RunningBot
from tests.portfolio import SET_UP_AT, add_account, add_agent

ANA, BO, SAM = "U0AGENT1", "U0AGENT2", "U0SUPER1"
SUPERVISORS = "C0SUPERVISORS"
MONDAY_8AM = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # in New York
MONDAY_10AM = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
MONDAY_EVENING = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 18:00, after the daily digest's time


@pytest.fixture
def desk(bot: RunningBot) -> RunningBot:
    db = bot.runtime.db
    add_agent(db, ANA, "Ana Agent", daily_capacity=5)
    add_agent(db, BO, "Bo Agent", daily_capacity=5, tier="senior")
    add_agent(db, SAM, "Sam Supervisor", role="supervisor")
    add_account(db, "OK-1", "500.00", assigned_to=ANA)
    add_account(db, "OK-2", "25000.00", assigned_to=BO)  # high value: an alert every slot
    add_account(db, "BAD-1", "700.00", assigned_to=ANA)
    return bot


def scheduler_tick(bot: RunningBot, at: datetime) -> None:
    bot.clock.set(at)
    tick(bot.runtime, by="scheduler@test")


def dms(bot: RunningBot, user: str) -> list[str]:
    return [
        json.dumps(call.params)
        for call in bot.slack.calls("chat.postMessage")
        if call.params.get("channel") == user and call.ok
    ]


def notices(bot: RunningBot, job: str, what: str) -> list[dict[str, Any]]:
    """The supervisors' notices that `job` left `what` out, as their blocks show them (the
    notification text beside them is escaped whole, the bot's own formatting included)."""
    return [
        {"text": shown}
        for message in bot.slack.messages(SUPERVISORS)
        for shown in [
            " ".join(str(block.get("text", {}).get("text", "")) for block in message.get("blocks", []))
        ]
        if "could not handle" in shown and f"*{job}*" in shown and what in shown
    ]


def skipped(bot: RunningBot) -> list[SkippedRow]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(SkippedRow).order_by(SkippedRow.id)))


def account_pk(db: Database, account_id: str) -> int:
    with db.reading() as session:
        pk = session.scalar(select(Account.id).where(Account.account_id == account_id))
    assert pk is not None
    return pk


def plant_unusable_value(db: Database, account_id: str) -> None:
    """A value no form or import lets in, as a direct write to the database can leave it: SQLite
    keeps a word in an integer column (the propensity score), PostgreSQL a NaN in a NUMERIC one
    (the balance). Neither is a date: the guard must hold whatever the fault."""
    with db.transaction() as session:
        if db.is_sqlite:
            session.execute(
                text("UPDATE accounts SET risk_score = 'high' WHERE account_id = :a"), {"a": account_id}
            )
        else:
            session.execute(
                text("UPDATE accounts SET balance = 'NaN' WHERE account_id = :a"), {"a": account_id}
            )


def plant_promise(db: Database, account_id: str, due: date) -> None:
    with db.transaction() as session:
        session.add(
            Promise(
                account_pk=account_pk(db, account_id), amount=Decimal("100.00"), currency="USD", due_date=due,
                status="open", paid_toward=Decimal("0"), made_by=ANA, made_at=SET_UP_AT,
            )
        )  # fmt: skip


def plant_unreadable(db: Database, table: str, column: str, where: str) -> None:
    """A value the database driver itself cannot turn into Python: SQLite keeps a word in a date
    or money column, PostgreSQL an infinite date or timestamp (beyond Python's datetime)."""
    value = {
        ("sqlite", "due_date"): "'soon'",
        ("sqlite", "monthly_target"): "'lots'",
        ("postgresql", "due_date"): "'infinity'",
        ("postgresql", "updated_at"): "'infinity'",
    }[("sqlite" if db.is_sqlite else "postgresql", column)]
    with db.transaction() as session:
        session.execute(text(f"UPDATE {table} SET {column} = {value} WHERE {where}"))


def test_the_morning_worklists_leave_out_an_account_they_cannot_score_and_say_so_once(
    desk: RunningBot,
) -> None:
    plant_unusable_value(desk.runtime.db, "BAD-1")
    scheduler_tick(desk, MONDAY_8AM)
    ana, bo = dms(desk, ANA), dms(desk, BO)
    assert len(ana) == 1 and "OK-1" in ana[0] and "BAD-1" not in ana[0]
    assert len(bo) == 1 and "OK-2" in bo[0]
    assert any("Ana Agent" in json.dumps(m) for m in desk.slack.messages(SUPERVISORS))  # the summary
    recorded = [row for row in skipped(desk) if row.job == "daily-assignments"]
    assert [(row.row_key, row.account_id) for row in recorded] == [("account BAD-1", "BAD-1")]
    assert recorded[0].problem
    told = notices(desk, "daily-assignments", "BAD-1")
    assert len(told) == 1 and "`BAD-1`" in told[0]["text"]

    scheduler_tick(desk, MONDAY_8AM + timedelta(minutes=1))
    scheduler_tick(desk, MONDAY_8AM + timedelta(days=1))  # Tuesday: the row is still bad
    assert len(dms(desk, ANA)) == 2 and "BAD-1" not in dms(desk, ANA)[1]
    assert len(notices(desk, "daily-assignments", "BAD-1")) == 1
    again = [row for row in skipped(desk) if row.job == "daily-assignments"]
    assert len(again) == 1 and again[0].times == 2


def test_a_promise_dated_9999_12_31_stops_no_job(desk: RunningBot) -> None:
    plant_promise(desk.runtime.db, "BAD-1", date.max)
    scheduler_tick(desk, MONDAY_8AM)  # the worklists, and Monday's weekly digest
    scheduler_tick(desk, MONDAY_10AM)  # the alerts
    scheduler_tick(desk, MONDAY_EVENING)  # the daily digest
    assert "OK-1" in dms(desk, ANA)[0] and "OK-2" in dms(desk, BO)[0]
    posted = json.dumps(desk.slack.messages(SUPERVISORS))
    assert "high value" in posted  # the alerts
    digests = [m for m in desk.slack.messages(SUPERVISORS) if "week of" in m.get("text", "")]
    assert digests and any(
        "Monday 23 November 2026" in m.get("text", "") for m in desk.slack.messages(SUPERVISORS)
    )
    # Whether the promise's dates can be worked with or not, nothing else was left out, and what
    # was is told once per job.
    rows = skipped(desk)
    assert {row.account_id for row in rows} <= {"BAD-1"}
    for row in rows:
        assert len(notices(desk, row.job, "BAD-1")) == 1


def test_alerts_skip_accounts_they_cannot_judge_or_read_and_raise_the_others(desk: RunningBot) -> None:
    db = desk.runtime.db
    add_account(db, "BAD-2", "30000.00", assigned_to=BO)
    add_account(db, "BAD-3", "40000.00", assigned_to=BO)
    # A balance that is not a number: no threshold can judge it (NaN on both databases here).
    with db.transaction() as session:
        session.execute(text("UPDATE accounts SET balance = 'NaN' WHERE account_id = 'BAD-2'"))
    plant_unreadable(db, "accounts", "due_date", "account_id = 'BAD-3'")
    scheduler_tick(desk, MONDAY_10AM)
    alerts = [m for m in desk.slack.messages(SUPERVISORS) if "high value" in json.dumps(m)]
    assert len(alerts) == 1 and "OK-2" in json.dumps(alerts[0])
    assert "BAD-2" not in json.dumps(alerts[0]) and "BAD-3" not in json.dumps(alerts[0])
    rows = sorted(row.row_key for row in skipped(desk) if row.job == "supervisor-alerts")
    assert rows == ["account BAD-2", "account BAD-3"]
    scheduler_tick(desk, MONDAY_10AM + timedelta(minutes=15))
    scheduler_tick(desk, MONDAY_10AM + timedelta(minutes=30))
    assert len(notices(desk, "supervisor-alerts", "BAD-2")) == 1
    assert len(notices(desk, "supervisor-alerts", "BAD-3")) == 1


def plant_outbox(db: Database, key: str, channel: str, payload: Any, kind: str = "worklist") -> int:
    with db.transaction() as session:
        message = OutboxMessage(
            dedupe_key=key, kind=kind, channel=channel, payload=payload, state="pending", attempts=0,
            next_attempt_at=MONDAY_9AM - timedelta(minutes=5), created_at=MONDAY_9AM - timedelta(minutes=5),
        )  # fmt: skip
        session.add(message)
        session.flush()
        return message.id


def test_a_corrupt_outbox_message_is_set_aside_and_the_others_are_delivered(desk: RunningBot) -> None:
    db = desk.runtime.db
    before = plant_outbox(db, "planted:before", ANA, {"text": "first, for Ana"})
    corrupt = plant_outbox(db, "planted:corrupt", BO, ["not", "a", "message"])
    # Posted, but its key names no escalation to remember the post's ts on.
    unnamed = plant_outbox(
        db, "escalation:not-a-number", SUPERVISORS, {"text": "an odd one"}, kind="escalation"
    )
    after = plant_outbox(db, "planted:after", BO, {"text": "then, for Bo"})
    faulty = [corrupt, unnamed]
    if db.is_sqlite:  # SQLite keeps any text in a JSON column; PostgreSQL's json type refuses it
        torn = plant_outbox(db, "planted:torn", ANA, {"text": "torn"})
        with db.transaction() as session:
            session.execute(text('UPDATE outbox SET payload = \'{"text": "to\' WHERE id = :id'), {"id": torn})
        faulty.append(torn)
    scheduler_tick(desk, MONDAY_9AM)
    assert any("first, for Ana" in dm for dm in dms(desk, ANA))
    assert any("then, for Bo" in dm for dm in dms(desk, BO))
    with db.reading() as session:
        states = dict(session.execute(select(OutboxMessage.id, OutboxMessage.state)).all())
    assert states[before] == states[after] == "sent"
    assert {states[message] for message in faulty} == {"failed"}
    rows = [row.row_key for row in skipped(desk) if row.job == "outbox-delivery"]
    assert sorted(rows) == sorted(f"outbox message {message}" for message in faulty)
    for _ in range(3):
        desk.clock.advance(timedelta(minutes=10))
        scheduler_tick(desk, desk.clock.now())
    for message in faulty:
        assert len(notices(desk, "outbox-delivery", f"outbox message {message}")) == 1
    assert len([m for m in desk.slack.messages(SUPERVISORS) if "an odd one" in m.get("text", "")]) == 1


def without_foreign_keys(db: Database, statement: Callable[[Any], None]) -> None:
    """Runs a raw statement the foreign keys would refuse: a row deleted by hand, as a careless
    maintenance script would."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.is_sqlite:
            cursor.execute("PRAGMA foreign_keys=OFF")
            statement(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
        else:
            cursor.execute("SET session_replication_role = replica")
            statement(cursor)
            cursor.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()


def test_reminders_skip_escalations_they_cannot_show_and_remind_the_others(desk: RunningBot) -> None:
    db = desk.runtime.db
    add_account(db, "GONE-1", "900.00", assigned_to=ANA)
    desk.clock.set(MONDAY_9AM)
    for typed in (
        "escalate OK-1 legal refuses to pay",
        "escalate BAD-1 legal lawyer",
        "escalate GONE-1 legal x",
    ):
        assert desk.send.slash_command(ANA, typed).status == 200
    scheduler_tick(desk, MONDAY_9AM)  # the escalations are posted
    with db.transaction() as session:
        ids = dict(session.execute(select(Account.account_id, Escalation.id).join(Account)).all())
        session.execute(update(Escalation).where(Escalation.id == ids["BAD-1"]).values(kind="bribe"))
    gone = account_pk(db, "GONE-1")
    without_foreign_keys(db, lambda cursor: cursor.execute(f"DELETE FROM accounts WHERE id = {gone}"))

    scheduler_tick(desk, MONDAY_9AM + timedelta(hours=4, minutes=6))
    reminded = [
        m
        for m in desk.slack.messages(SUPERVISORS)
        if m.get("thread_ts") and "waiting" in json.dumps(m).lower()
    ]
    assert len(reminded) == 1 and "OK-1" in json.dumps(reminded[0])
    rows = {row.row_key for row in skipped(desk) if row.job == "escalation-reminders"}
    assert rows == {f"escalation {ids['BAD-1']}", f"escalation {ids['GONE-1']}"}
    for minutes in (7, 8, 30):
        scheduler_tick(desk, MONDAY_9AM + timedelta(hours=4, minutes=minutes))
    assert len(notices(desk, "escalation-reminders", f"escalation {ids['BAD-1']}")) == 1
    assert len(notices(desk, "escalation-reminders", f"escalation {ids['GONE-1']}")) == 1


def test_the_morning_run_finds_an_account_it_cannot_even_read_and_plans_without_it(desk: RunningBot) -> None:
    """Such a value fails the portfolio's whole streamed read, not one row's step: the unreadable
    account is found (halving the ids) and the day planned without it."""
    db = desk.runtime.db
    for number in range(2, 40):
        add_account(db, f"OK-{number + 1}", "100.00", assigned_to=None)
    plant_unreadable(db, "accounts", "due_date", "account_id = 'BAD-1'")
    scheduler_tick(desk, MONDAY_8AM)
    ana, bo = dms(desk, ANA), dms(desk, BO)
    assert len(ana) == 1 and "OK-1" in ana[0] and "BAD-1" not in ana[0]
    assert len(bo) == 1 and "OK-2" in bo[0]
    assert [(row.row_key, row.account_id) for row in skipped(desk) if row.job == "daily-assignments"] == [
        ("account BAD-1", "BAD-1")
    ]
    scheduler_tick(desk, MONDAY_8AM + timedelta(days=1))
    assert len(dms(desk, ANA)) == 2
    assert len(notices(desk, "daily-assignments", "BAD-1")) == 1


def test_a_job_that_fails_as_a_whole_is_told_once_and_stops_no_other(desk: RunningBot) -> None:
    """A roster row the driver cannot read fails the morning run as a whole (no account is at
    fault): the run is recorded and told once, and the alerts and the deliveries of the same ticks
    still go out; once the row is corrected, the lists go out that day."""
    db = desk.runtime.db
    column = "monthly_target" if db.is_sqlite else "updated_at"
    plant_unreadable(db, "agents", column, f"slack_user_id = '{BO}'")
    plant_outbox(db, "planted:hello", BO, {"text": "hello Bo"})
    scheduler_tick(desk, MONDAY_10AM)
    scheduler_tick(desk, MONDAY_10AM + timedelta(minutes=15))
    assert any("hello Bo" in dm for dm in dms(desk, BO))
    assert any("high value" in json.dumps(m) for m in desk.slack.messages(SUPERVISORS))
    assert not [dm for dm in dms(desk, ANA) if "OK-1" in dm]  # no worklists: the run failed
    assert "failed" in run_job(desk.runtime, "daily-assignments", MONDAY_10AM, by="by hand").message
    assert len(notices(desk, "daily-assignments", "the whole run")) == 1
    with db.transaction() as session:
        corrected = "NULL" if db.is_sqlite else "created_at"
        session.execute(text(f"UPDATE agents SET {column} = {corrected} WHERE slack_user_id = '{BO}'"))
    scheduler_tick(desk, MONDAY_10AM + timedelta(minutes=30))  # corrected: the lists go out that day
    assert any("OK-1" in dm for dm in dms(desk, ANA))


def test_the_digests_sum_the_portfolio_without_an_account_that_spoils_the_sums(desk: RunningBot) -> None:
    """The database sums the portfolio for the digests' aging and flow numbers, so a NaN balance
    spoils its whole group: the accounts at fault are found one by one and the rest summed again."""
    db = desk.runtime.db
    if db.is_sqlite:
        pytest.skip("SQLite holds money as integers: no balance there is not a number")
    plant_unusable_value(db, "BAD-1")
    scheduler_tick(desk, MONDAY_EVENING)  # Monday's daily digest, and the weekly one
    texts = [m.get("text", "") for m in desk.slack.messages(SUPERVISORS)]
    assert any("Monday 23 November 2026" in t for t in texts) and any("week of" in t for t in texts)
    for job in ("performance-digest-day", "performance-digest-week"):
        assert [row.row_key for row in skipped(desk) if row.job == job] == ["account BAD-1"]
        assert len(notices(desk, job, "BAD-1")) == 1
    scheduler_tick(desk, MONDAY_EVENING + timedelta(days=1))  # Tuesday's digest
    assert any("Tuesday 24 November 2026" in m.get("text", "") for m in desk.slack.messages(SUPERVISORS))
    assert len(notices(desk, "performance-digest-day", "BAD-1")) == 1
