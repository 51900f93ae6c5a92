"""Records: exporting one account's whole history, and purging what is past the retention period
(three years after the last activity, 12 CFR 1006.100) and never anything younger."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import NotFoundError
from bot.retention.records.export import SCHEMA, export_account
from bot.retention.records.purge import ACTION, ACTOR, TABLES, PurgePlan, plan_purge, purge, retention_cutoff
from bot.settings import Settings
from storage.database import Database
from storage.models import (
    Account,
    AccountNote,
    Alert,
    Assignment,
    AuditEntry,
    Base,
    Complaint,
    Contact,
    Document,
    Escalation,
    OutboxMessage,
    Payment,
    Promise,
)
from tests.portfolio import add_account, add_agent
from wiring.cli.retention import add_records_commands

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CUTOFF = date(2023, 11, 23)  # three years before TODAY
OLD = datetime(2022, 6, 1, 15, 0, tzinfo=UTC)  # well past the retention period
LATE = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)  # inside it
AGENT, SUPERVISOR = "U0AGENT1", "U0SUPER1"
MODELS: tuple[type[Base], ...] = (
    Account, Contact, Payment, Promise, Escalation, AccountNote, Assignment, Alert, AuditEntry, OutboxMessage,
    Document, Complaint,
)  # fmt: skip


@dataclass(frozen=True)
class History:
    account_pk: int
    escalation_id: int
    alert_id: int


def add_history(db: Database, account_id: str, at: datetime) -> History:
    """One of everything the bot records about an account, all at `at` (the account's own
    timestamps included), and the Slack messages about its escalation and alert."""
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        account.created_at = account.updated_at = at
        escalation, alert = _escalation(account, at), _alert(account, at)
        session.add_all([escalation, alert, *_ledger_rows(account, at)])
        session.flush()
        session.add_all(_notes_and_audit(account, escalation, alert, at))
        letter = _document(account, at)
        session.add_all([letter, _complaint(account, at)])
        session.flush()
        session.add_all(_outbox(escalation.id, alert.id, letter.id, at))
        return History(account.id, escalation.id, alert.id)


def _escalation(account: Account, at: datetime) -> Escalation:
    return Escalation(
        account_pk=account.id,
        kind="settlement",
        amount=Decimal("900.00"),
        currency=account.currency,
        reason="customer lost their job",
        status="approved",
        requested_by=AGENT,
        requested_at=at,
        decided_by=SUPERVISOR,
        decided_at=at + timedelta(minutes=30),
        comment="ok",
        channel="C0SUPERVISORS",
    )


def _alert(account: Account, at: datetime) -> Alert:
    return Alert(account_pk=account.id, condition="broken_promise", why="promise broken", raised_at=at)


def _ledger_rows(account: Account, at: datetime) -> list[Base]:
    money, day = {"currency": account.currency}, at.astimezone(NY).date()
    return [
        Contact(account_pk=account.id, at=at, channel="call", outcome="right-party", agent=AGENT, created_at=at),
        Payment(account_pk=account.id, amount=Decimal("100.00"), received_at=at, recorded_by=AGENT, created_at=at, **money),
        Promise(account_pk=account.id, amount=Decimal("50.00"), due_date=day, paid_toward=Decimal("50.00"),
                made_by=AGENT, made_at=at, resolved_at=at, status="kept", **money),
        Assignment(account_pk=account.id, work_date=day, agent=AGENT, rank=1, score=1.0, reasons=["dpd"]),
    ]  # fmt: skip


def _notes_and_audit(account: Account, escalation: Escalation, alert: Alert, at: datetime) -> list[Base]:
    def audit(entity: str, key: str, action: str) -> AuditEntry:
        return AuditEntry(at=at, actor=AGENT, action=action, entity=entity, entity_key=key, after={"x": "1"})

    return [
        AccountNote(
            account_pk=account.id, escalation_id=escalation.id, author=SUPERVISOR, text="why?", at=at
        ),
        audit("account", account.account_id, "payment.recorded"),
        audit("escalation", str(escalation.id), "escalation.approved"),
        audit("alert", str(alert.id), "alert.snoozed"),
    ]


def _document(account: Account, at: datetime) -> Document:
    return Document(
        account_pk=account.id, kind="statement", channel="email", language="en", recipient="m@example.com",
        subject="Statement", text="t", html="<p>t</p>", pdf=b"%PDF-1.4", sha256="0" * 64, status="sent",
        source="slack", actor=AGENT, created_at=at, sent_at=at,
    )  # fmt: skip


def _complaint(account: Account, at: datetime) -> Complaint:
    day = at.astimezone(NY).date()
    return Complaint(
        account_pk=account.id, category="fees", text="too much", recorded_by=AGENT, recorded_at=at,
        opened_on=day, due_on=day + timedelta(days=15),
    )  # fmt: skip


def _outbox(escalation_id: int, alert_id: int, document_id: int, at: datetime) -> list[OutboxMessage]:
    keys = [
        f"escalation:{escalation_id}", f"escalation:{escalation_id}:outcome", f"alert:{alert_id}:agent",
        f"document:{document_id}",
    ]  # fmt: skip
    return [
        OutboxMessage(dedupe_key=key, kind="k", channel="C0SUPERVISORS", payload={"text": "Maria Silva"},
                      state="sent", attempts=1, next_attempt_at=at, created_at=at)
        for key in keys
    ]  # fmt: skip


def counts(db: Database) -> dict[str, int]:
    with db.reading() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in MODELS
        }


def account_ids(db: Database) -> set[str]:
    with db.reading() as session:
        return set(session.scalars(select(Account.account_id)))


def plan(db: Database, before: date = TODAY, today: date = TODAY) -> PurgePlan:
    with db.reading() as session:
        return plan_purge(session, before=before, today=today, zone=NY)


def purge_now(db: Database, before: date = TODAY) -> PurgePlan:
    with db.transaction() as session:
        return purge(session, plan_purge(session, before=before, today=TODAY, zone=NY), now=NOW)


@pytest.fixture
def archive(db: Database) -> Database:
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    return db


# ---------------------------------------------------------------------------------------- export


def test_export_holds_every_section_with_money_and_instants_serialised(archive: Database) -> None:
    add_account(archive, "ACC-1042", "1250.00", phone="+15551234567", original_amount=Decimal("2000.00"))
    history = add_history(archive, "ACC-1042", OLD)
    with archive.reading() as session:
        document = export_account(session, "acc-1042", now=NOW)

    assert json.loads(json.dumps(document)) == document  # plain JSON, nothing custom left
    assert document["schema"] == SCHEMA and document["exported_at"] == "2026-11-23T15:00:00+00:00"
    account = document["account"]
    assert account["account_id"] == "ACC-1042" and account["phone"] == "+15551234567"
    assert account["balance"] == {"amount": "1250.00", "currency": "USD"}
    assert account["original_amount"] == {"amount": "2000.00", "currency": "USD"}
    assert account["due_date"] == "2026-10-01" and account["updated_at"] == "2022-06-01T15:00:00+00:00"
    assert account["product"] is None  # no product recorded: there, and null
    sections = (
        "contacts",
        "payments",
        "promises",
        "escalations",
        "notes",
        "assignments",
        "alerts",
        "documents",
    )
    for section in (*sections, "complaints"):
        assert len(document[section]) == 1, section
        assert "account_pk" not in document[section][0]
    assert document["payments"][0]["amount"] == {"amount": "100.00", "currency": "USD"}
    escalation = document["escalations"][0]
    assert escalation["id"] == history.escalation_id and escalation["status"] == "approved"
    assert escalation["decided_by"] == SUPERVISOR and escalation["decided_at"] == "2022-06-01T15:30:00+00:00"
    assert escalation["decisions"] == [
        {"at": "2022-06-01T15:00:00+00:00", "actor": AGENT, "action": "escalation.approved"}
    ]
    assert document["assignments"][0]["reasons"] == ["dpd"]
    assert {(row["entity"], row["entity_key"]) for row in document["audit"]} == {
        ("account", "ACC-1042"),
        ("escalation", str(history.escalation_id)),
        ("alert", str(history.alert_id)),
    }


def test_export_lists_are_in_time_order_and_leave_other_accounts_out(archive: Database) -> None:
    add_account(archive, "ACC-1042", "1250.00")
    add_account(archive, "ACC-1043", "80.00", customer_name="Other Person")
    add_history(archive, "ACC-1043", OLD)
    with archive.transaction() as session:
        pk = session.scalars(select(Account.id).where(Account.account_id == "ACC-1042")).one()
        for at in (OLD + timedelta(days=2), OLD, OLD + timedelta(days=1)):
            session.add(Contact(account_pk=pk, at=at, channel="call", outcome="no-answer", created_at=NOW))
            session.add(
                AuditEntry(
                    at=at, actor=AGENT, action="contact.logged", entity="account", entity_key="ACC-1042"
                )
            )
    with archive.reading() as session:
        document = export_account(session, "ACC-1042", now=NOW)

    contact_times = [row["at"] for row in document["contacts"]]
    audit_times = [row["at"] for row in document["audit"]]
    assert contact_times == sorted(contact_times) and len(contact_times) == 3
    assert audit_times == sorted(audit_times) and len(audit_times) == 3
    assert document["escalations"] == [] and document["payments"] == [] and document["alerts"] == []


def test_export_shows_a_currency_with_its_own_decimals(archive: Database) -> None:
    add_account(archive, "JP-1", "5000", currency="JPY")
    with archive.reading() as session:
        document = export_account(session, "JP-1", now=NOW)
    assert document["account"]["balance"] == {"amount": "5000", "currency": "JPY"}


def test_export_of_an_unknown_id_names_the_closest_ones(archive: Database) -> None:
    add_account(archive, "ACC-1042", "1250.00")
    with archive.reading() as session, pytest.raises(NotFoundError) as raised:
        export_account(session, "ACC-1024", now=NOW)
    assert "ACC-1042" in raised.value.hint


# ----------------------------------------------------------------------------------------- purge


def test_retention_cutoff_is_three_years_back_and_never_later_on_a_leap_day() -> None:
    assert retention_cutoff(TODAY) == CUTOFF
    assert retention_cutoff(date(2028, 2, 29)) == date(2025, 2, 28)


def test_a_shorter_retention_period_is_refused(archive: Database) -> None:
    with archive.reading() as session, pytest.raises(ValueError, match="at least 3 years"):
        plan_purge(session, before=TODAY, today=TODAY, retention_years=2)


def test_dry_run_plans_the_old_closed_account_and_changes_nothing(archive: Database) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    add_history(archive, "OLD-PAID", OLD)
    before = counts(archive)

    planned = plan(archive)

    assert counts(archive) == before
    assert planned.accounts == ["OLD-PAID"]
    assert planned.rows == {
        "audit_log": 3, "account_notes": 1, "promises": 1, "contacts": 1, "payments": 1, "assignments": 1,
        "alerts": 1, "escalations": 1, "outbox": 4, "accounts": 1, "documents": 1, "complaints": 1,
    }  # fmt: skip
    assert planned.cutoff == CUTOFF and planned.kept_for_retention == 0


def test_purge_deletes_only_closed_accounts_past_the_cutoff(archive: Database) -> None:
    for account_id, status in (("OLD-PAID", "paid"), ("OLD-SETTLED", "settled"), ("OLD-WO", "written_off")):
        add_account(archive, account_id, "0.00", status=status)
        add_history(archive, account_id, OLD)
    for account_id, status in (("OLD-ACTIVE", "active"), ("OLD-LEGAL", "legal"), ("OLD-HOLD", "on_hold")):
        add_account(archive, account_id, "500.00", status=status)
        add_history(archive, account_id, OLD)
    add_account(archive, "YOUNG-PAID", "0.00", status="paid")
    add_history(archive, "YOUNG-PAID", LATE)
    planned = plan(archive)

    done = purge_now(archive)

    assert done.accounts == planned.accounts == ["OLD-PAID", "OLD-SETTLED", "OLD-WO"]
    assert done.rows == planned.rows
    assert account_ids(archive) == {"OLD-ACTIVE", "OLD-LEGAL", "OLD-HOLD", "YOUNG-PAID"}
    # The four accounts kept keep everything of theirs (the purge adds its own audit row).
    left = counts(archive)
    assert left["contacts"] == left["escalations"] == left["alerts"] == left["account_notes"] == 4
    assert left["documents"] == left["complaints"] == 4
    assert left["outbox"] == 16 and left["audit_log"] == 4 * 3 + 1


LateActivity = Callable[[Session, History, Account], None]


def _late_audit(entity: str, key: Callable[[History, Account], str]) -> LateActivity:
    def add(session: Session, history: History, account: Account) -> None:
        session.add(
            AuditEntry(at=LATE, actor=AGENT, action="x", entity=entity, entity_key=key(history, account))
        )

    return add


LATE_ACTIVITY: dict[str, LateActivity] = {
    "account changed": lambda s, h, a: setattr(a, "updated_at", LATE),
    "contact": lambda s, h, a: s.add(Contact(account_pk=h.account_pk, at=LATE, channel="sms", outcome="refused", created_at=LATE)),
    "old contact imported late": lambda s, h, a: s.add(Contact(account_pk=h.account_pk, at=OLD, channel="sms", outcome="refused", created_at=LATE)),
    "payment": lambda s, h, a: s.add(Payment(account_pk=h.account_pk, amount=Decimal("1.00"), currency="USD", received_at=LATE, recorded_by=AGENT, created_at=LATE)),
    "promise resolved": lambda s, h, a: setattr(s.get_one(Promise, _promise_pk(s, h)), "resolved_at", LATE),
    "escalation decided": lambda s, h, a: setattr(s.get_one(Escalation, h.escalation_id), "decided_at", LATE),
    "note": lambda s, h, a: s.add(AccountNote(account_pk=h.account_pk, author=AGENT, text="late", at=LATE)),
    "worklist line": lambda s, h, a: s.add(Assignment(account_pk=h.account_pk, work_date=LATE.date(), agent=AGENT, rank=1, score=1.0, reasons=[])),
    "alert cleared": lambda s, h, a: setattr(s.get_one(Alert, h.alert_id), "cleared_at", LATE),
    "audit row about the account": _late_audit("account", lambda h, a: a.account_id),
    "audit row about its escalation": _late_audit("escalation", lambda h, a: str(h.escalation_id)),
    "audit row about its alert": _late_audit("alert", lambda h, a: str(h.alert_id)),
}  # fmt: skip


def _promise_pk(session: Session, history: History) -> int:
    return int(session.scalars(select(Promise.id).where(Promise.account_pk == history.account_pk)).one())


@pytest.mark.parametrize("activity", sorted(LATE_ACTIVITY))
def test_any_activity_inside_three_years_keeps_a_closed_account(archive: Database, activity: str) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    history = add_history(archive, "OLD-PAID", OLD)
    with archive.transaction() as session:
        LATE_ACTIVITY[activity](session, history, session.get_one(Account, history.account_pk))

    done = purge_now(archive)

    assert done.accounts == [] and account_ids(archive) == {"OLD-PAID"}
    assert done.kept_for_retention == 1


def test_a_before_later_than_the_cutoff_still_keeps_young_records(archive: Database) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    add_history(archive, "OLD-PAID", OLD)
    add_account(archive, "YOUNG-PAID", "0.00", status="paid")
    add_history(archive, "YOUNG-PAID", LATE)

    done = purge_now(archive, before=date(2030, 1, 1))

    assert done.cutoff == CUTOFF
    assert done.accounts == ["OLD-PAID"] and done.kept_for_retention == 1
    assert account_ids(archive) == {"YOUNG-PAID"}


def test_a_before_earlier_than_the_cutoff_purges_only_what_is_older_than_it(archive: Database) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    add_history(archive, "OLD-PAID", OLD)

    done = purge_now(archive, before=date(2022, 1, 1))

    assert done.cutoff == date(2022, 1, 1) and done.accounts == [] and done.kept_for_retention == 0
    assert account_ids(archive) == {"OLD-PAID"}


def test_the_cutoff_day_is_the_teams_day(archive: Database) -> None:
    # 04:00 UTC on the cutoff day is still the evening before in New York: past the cutoff there.
    add_account(archive, "EVENING", "0.00", status="paid")
    add_history(archive, "EVENING", datetime(2023, 11, 23, 4, 0, tzinfo=UTC))
    add_account(archive, "MORNING", "0.00", status="paid")
    add_history(archive, "MORNING", datetime(2023, 11, 23, 5, 0, tzinfo=UTC))  # 00:00 in New York

    assert plan(archive).accounts == ["EVENING"]
    with archive.reading() as session:
        in_utc = plan_purge(session, before=TODAY, today=TODAY)
    assert in_utc.accounts == []


def test_purge_writes_one_audit_row_with_counts_and_no_personal_data(archive: Database) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid", customer_name="Maria Silva")
    add_history(archive, "OLD-PAID", OLD)

    done = purge_now(archive)

    with archive.reading() as session:
        rows = list(session.scalars(select(AuditEntry)))
    assert len(rows) == 1
    entry = rows[0]
    assert (entry.action, entry.actor, entry.entity, entry.at) == (ACTION, ACTOR, "records", NOW)
    assert entry.after is not None
    assert entry.after["cutoff"] == "2023-11-23" and entry.after["accounts"] == 1
    assert entry.after["rows"] == done.rows and sum(done.rows.values()) == 17
    assert "OLD-PAID" not in json.dumps(entry.after) and "Maria" not in json.dumps(entry.after)


def test_a_second_purge_finds_nothing_and_writes_nothing(archive: Database) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    add_history(archive, "OLD-PAID", OLD)
    purge_now(archive)
    after_first = counts(archive)

    again = purge_now(archive)

    assert again.accounts == [] and again.rows == dict.fromkeys(TABLES, 0)
    assert counts(archive) == after_first


def test_purge_leaves_messages_about_many_accounts_alone(archive: Database) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    history = add_history(archive, "OLD-PAID", OLD)
    with archive.transaction() as session:
        session.add_all(
            OutboxMessage(dedupe_key=key, kind="k", channel="C0", payload={}, state="sent", attempts=1,
                          next_attempt_at=OLD, created_at=OLD)
            for key in (f"alerts:{history.alert_id}", f"worklist:2022-06-01:{AGENT}", f"escalation:{history.escalation_id}0")
        )  # fmt: skip

    done = purge_now(archive)

    assert done.rows["outbox"] == 4
    with archive.reading() as session:
        assert len(list(session.scalars(select(OutboxMessage.id)))) == 3


def test_the_purge_skips_an_account_that_became_active_after_the_plan(archive: Database) -> None:
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    history = add_history(archive, "OLD-PAID", OLD)
    planned = plan(archive)
    with archive.transaction() as session:
        session.add(
            Contact(account_pk=history.account_pk, at=NOW, channel="call", outcome="refused", created_at=NOW)
        )
    with archive.transaction() as session:
        done = purge(session, planned, now=NOW)
    assert done.accounts == [] and account_ids(archive) == {"OLD-PAID"}


# ------------------------------------------------------------------------------------ command line


def cli_settings(database_url: str) -> Settings:
    make: Any = Settings
    settings: Settings = make(_env_file=None, DATABASE_URL=database_url, COLLECT_TIMEZONE="America/New_York")
    return settings


def run(database_url: str, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="collect-bot")
    add_records_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.run(cli_settings(database_url), args))


def test_export_command_prints_the_document(
    archive: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_account(archive, "ACC-2001", "4310.00", currency="BRL", customer_name="Pedro Álvares", product="card")

    assert run(database_url, "export", "account", "acc-2001") == 0

    out = capsys.readouterr().out
    assert "Pedro Álvares" in out  # ensure_ascii=False: names stay readable
    assert json.loads(out)["account"]["product"] == "card"
    assert json.loads(out)["account"]["balance"] == {"amount": "4310.00", "currency": "BRL"}


def test_export_command_with_an_unknown_id_says_so_in_one_line(
    archive: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_account(archive, "ACC-1042", "1250.00")

    assert run(database_url, "export", "account", "ACC-1024") == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        "collect-bot: There is no account `ACC-1024`. Did you mean `ACC-1042`?"
    ]


def test_purge_command_dry_run_then_for_real(
    archive: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command reads the real clock: history is placed relative to it.
    now = datetime.now(UTC)
    add_account(archive, "OLD-PAID", "0.00", status="paid")
    add_history(archive, "OLD-PAID", now - timedelta(days=5 * 366))
    add_account(archive, "YOUNG-PAID", "0.00", status="paid")
    add_history(archive, "YOUNG-PAID", now - timedelta(days=366))
    tomorrow = (now + timedelta(days=1)).date().isoformat()

    assert run(database_url, "purge", "--before", tomorrow, "--dry-run") == 0
    shown = capsys.readouterr().out
    assert "would delete 1 closed account, 17 rows:" in shown
    assert "kept: 1 closed account" in shown and "dry run: nothing was deleted" in shown
    assert account_ids(archive) == {"OLD-PAID", "YOUNG-PAID"}

    assert run(database_url, "purge", "--before", tomorrow) == 0
    assert "deleted 1 closed account, 17 rows:" in capsys.readouterr().out
    assert account_ids(archive) == {"YOUNG-PAID"}


def test_purge_command_needs_a_date(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(database_url, "purge", "--before", "last year")
    assert exited.value.code == 2
    assert "'last year' is not a date like 2023-01-31" in capsys.readouterr().err
