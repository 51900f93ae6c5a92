"""The dunning job against a real database with a controlled clock: each account its due stage
once, the rest held back with a reason, one summary for the supervisors, nothing twice across
runs and processes; the dry run writes nothing; a payment cancels the dunning letters waiting for
the print room."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bot.assignments.records.arrivals import payments_arrived
from bot.clock import ManualClock
from bot.dunning.job import JOB, plan_dunning
from bot.dunning.model import HeldBack
from bot.imports.model import ArrivedPayment
from bot.runtime import Runtime
from schedules.runner import run_job
from storage.database import Database
from storage.models import Account, AuditEntry, Contact, Document, JobRun, OutboxMessage, Payment, Promise
from tests.portfolio import add_account
from wiring.cli.main import main

# Monday 2026-11-23, 09:00 in New York: the start of the working day.
MONDAY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
DOCUMENTS = {
    "COLLECT_CREDITOR_NAME": "Acme Collections",
    "COLLECT_CREDITOR_ADDRESS": "1 Main St; Springfield IL 62701",
    "COLLECT_SMTP_URL": "smtp://127.0.0.1:2525",
    "COLLECT_MAIL_FROM": "collections@acme.example",
}
ADDRESS = {"address_line1": "5 Elm St", "city": "Springfield", "region": "IL", "postal_code": "62704"}
pytestmark = pytest.mark.settings(**DOCUMENTS)


def past_due(days: int) -> date:
    return TODAY - timedelta(days=days)


def portfolio(db: Database) -> None:
    add_account(db, "D-REMIND", "250.00", due_date=past_due(10), email="a@example.com")
    add_account(db, "D-HOLD", "300.00", due_date=past_due(25), email="b@example.com",
                status="on_hold", hold_reason="dispute")  # fmt: skip
    add_account(db, "D-LETTER", "900.00", due_date=past_due(50), email="c@example.com", **ADDRESS)
    add_account(db, "D-NOMAIL", "120.00", due_date=past_due(30))
    add_account(db, "D-PROMISE", "400.00", due_date=past_due(25), email="d@example.com")
    add_account(db, "D-EARLY", "80.00", due_date=past_due(3), email="e@example.com")
    add_account(db, "D-PAID", "0.00", due_date=past_due(30), email="f@example.com", status="paid")
    with db.transaction() as session:
        pk = session.scalars(select(Account.id).where(Account.account_id == "D-PROMISE")).one()
        session.add(Promise(account_pk=pk, amount=Decimal("400.00"), currency="USD", due_date=TODAY + timedelta(days=2),
                            status="open", paid_toward=Decimal(0), made_by="U0AGENT1", made_at=MONDAY))  # fmt: skip


def documents(db: Database) -> list[tuple[str, str | None, str, str]]:
    with db.reading() as session:
        rows = session.execute(
            select(Account.account_id, Document.stage, Document.channel, Document.status)
            .join(Account, Account.id == Document.account_pk)
            .order_by(Document.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def summaries(db: Database) -> list[str]:
    with db.reading() as session:
        payloads = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "dunning-summary")
        )
        return [json.dumps(payload["blocks"], ensure_ascii=False) for payload in payloads]


def test_each_account_gets_its_due_stage_and_the_rest_are_held_back_with_a_reason(runtime: Runtime) -> None:
    portfolio(runtime.db)
    report = run_job(runtime, JOB, MONDAY, by="test")
    assert report.ran and not report.failed, report.message
    assert documents(runtime.db) == [
        ("D-REMIND", "reminder", "email", "sent"),
        ("D-LETTER", "final-notice", "letter", "queued"),
    ]
    with runtime.db.reading() as session:
        contacts = session.execute(select(Contact.channel, Contact.outcome, Contact.source)).all()
        emails = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "email")
        )
        actions = set(session.scalars(select(AuditEntry.action)))
    # The email is a contact at once; the letter becomes one when its print batch is written.
    assert [tuple(c) for c in contacts] == [("email", "left-message", "dunning")]
    assert emails == 1
    assert {"document.sent", "document.queued"} <= actions
    (summary,) = summaries(runtime.db)
    assert "2 documents sent" in summary
    assert "`reminder` by email: 1" in summary and "`final-notice` by letter: 1" in summary
    assert "3 held back" in summary
    assert "on hold 1" in summary and "an open promise 1" in summary and "no email address 1" in summary
    # No customer named: ids nor names.
    assert "D-" not in summary and "Maria" not in summary


def test_the_same_day_again_sends_nothing_and_a_later_day_sends_only_the_next_stage(runtime: Runtime) -> None:
    portfolio(runtime.db)
    run_job(runtime, JOB, MONDAY, by="test")
    again = run_job(runtime, JOB, MONDAY + timedelta(hours=2), by="test")
    assert not again.ran and "already ran" in again.message
    assert len(documents(runtime.db)) == 2
    # Tuesday: nothing new is due (the reminder was had, the second reminder is at 20 days).
    tuesday = run_job(runtime, JOB, MONDAY + timedelta(days=1), by="test")
    assert len(documents(runtime.db)) == 2, tuesday.message
    # Ten days on, D-REMIND is 20 days past due: the second reminder (its last email was 10 days
    # ago, beyond the 7 quiet days); D-LETTER's final notice is never sent again.
    later = MONDAY + timedelta(days=10)
    with runtime.db.transaction() as session:
        session.execute(delete(Promise))  # D-PROMISE's promise is gone: it gets its stage
    run_job(runtime, JOB, later, by="test")
    assert set(documents(runtime.db)[2:]) == {
        ("D-REMIND", "second-reminder", "email", "sent"),
        ("D-PROMISE", "second-reminder", "email", "sent"),
        ("D-EARLY", "reminder", "email", "sent"),  # 13 days past due by then
    }


def test_a_run_that_died_before_its_claim_is_finished_by_another_process_without_sending_twice(
    runtime: Runtime,
) -> None:
    portfolio(runtime.db)
    run_job(runtime, JOB, MONDAY, by="first")
    with runtime.db.transaction() as session:
        session.execute(delete(JobRun).where(JobRun.job == JOB))
        session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "dunning-summary"))
    other = Database(runtime.db.url)
    try:
        second = Runtime(settings=runtime.settings, db=other, clock=ManualClock(MONDAY))
        report = run_job(second, JOB, MONDAY + timedelta(minutes=1), by="second")
    finally:
        other.dispose()
    assert report.ran, report.message
    assert len(documents(runtime.db)) == 2
    # The summary counts what dunning sent that day, whichever run sent it.
    (summary,) = summaries(runtime.db)
    assert "2 documents sent" in summary


def test_a_weekend_or_before_the_working_day_is_not_due(runtime: Runtime) -> None:
    from schedules.jobs import JOBS

    job = JOBS[JOB]
    assert job.due(runtime, MONDAY)
    assert not job.due(runtime, MONDAY - timedelta(minutes=1))
    assert not job.due(runtime, MONDAY - timedelta(days=1))  # Sunday


@pytest.mark.settings(COLLECT_TIMEZONE="America/New_York")
def test_an_email_outside_the_customers_hours_is_held_back_as_refused_and_the_refusal_noted(
    runtime: Runtime,
) -> None:
    # 09:00 in New York is 06:00 in Los Angeles: too early for an email to arrive.
    add_account(runtime.db, "D-WEST", "250.00", due_date=past_due(10), email="w@example.com",
                customer_timezone="America/Los_Angeles")  # fmt: skip
    run_job(runtime, JOB, MONDAY, by="test")
    assert documents(runtime.db) == []
    (summary,) = summaries(runtime.db)
    assert "refused by the contact rules 1" in summary
    with runtime.db.reading() as session:
        assert "compliance.refused" in set(session.scalars(select(AuditEntry.action)))


def test_one_bad_account_stops_nobody_else(runtime: Runtime) -> None:
    portfolio(runtime.db)
    # An email address only a direct write could leave (it would smuggle a second recipient): that
    # account is left out and told, the others are served.
    add_account(runtime.db, "D-BAD", "250.00", due_date=past_due(10), email="x@example.com, y@example.com")
    report = run_job(runtime, JOB, MONDAY, by="test")
    assert not report.failed
    assert [row[0] for row in documents(runtime.db)] == ["D-REMIND", "D-LETTER"]
    with runtime.db.reading() as session:
        notices = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "skipped-row")
        ).all()
    assert any("D-BAD" in json.dumps(payload) for payload in notices)


def test_the_dry_run_lists_what_would_go_and_what_is_held_back_and_writes_nothing(
    runtime: Runtime, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    portfolio(runtime.db)
    planned = plan_dunning(runtime, MONDAY)
    assert {(d.account_id, d.stage.name, d.held) for d in planned.decisions} == {
        ("D-REMIND", "reminder", None),
        ("D-LETTER", "final-notice", None),
        ("D-HOLD", "second-reminder", HeldBack.ON_HOLD),
        ("D-NOMAIL", "second-reminder", HeldBack.NO_EMAIL),
        ("D-PROMISE", "second-reminder", HeldBack.PROMISE),
    }
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLLECT_TIMEZONE", "America/New_York")
    for name, value in DOCUMENTS.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "dunning", "--at", "2026-11-23T09:00", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would send 2:" in out and "D-REMIND  reminder: reminder by email" in out
    assert "D-LETTER  final-notice: final-notice by letter" in out
    assert "would hold back 3:" in out and "D-HOLD  second-reminder: on-hold (dispute)" in out
    assert "D-PROMISE  second-reminder: promise (2026-11-26)" in out
    assert documents(runtime.db) == []
    with runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert main(["run", "housekeeping", "--dry-run"]) == 2


def test_a_payment_cancels_the_dunning_letters_waiting_for_the_print_room(runtime: Runtime) -> None:
    portfolio(runtime.db)
    run_job(runtime, JOB, MONDAY, by="test")
    paid_at = MONDAY + timedelta(hours=3)
    with runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "D-LETTER")).one()
        payment = Payment(account_pk=account.id, amount=Decimal("100.00"), currency="USD", method="ach",
                          received_at=paid_at, recorded_by="import", source="import", created_at=paid_at)  # fmt: skip
        session.add(payment)
        session.flush()
        arrived = ArrivedPayment(payment.id, account.id, "D-LETTER", payment.amount, "USD", "ach", paid_at)
        payments_arrived(session, runtime, [arrived], paid_at)
    assert ("D-LETTER", "final-notice", "letter", "cancelled") in documents(runtime.db)
    with runtime.db.reading() as session:
        cancelled = session.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "document.cancelled")
        ).one()
    assert cancelled is not None and cancelled["reason"] == "payment"
    # The stage is used: the next day does not queue it again.
    run_job(runtime, JOB, MONDAY + timedelta(days=1), by="test")
    assert [row for row in documents(runtime.db) if row[0] == "D-LETTER"] == [
        ("D-LETTER", "final-notice", "letter", "cancelled")
    ]


def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLLECT_TIMEZONE", "America/New_York")
    for name, value in DOCUMENTS.items():
        monkeypatch.setenv(name, value)


def test_the_print_batch_writes_each_letter_and_a_manifest_once_and_a_hold_since_cancels_a_letter(
    runtime: Runtime, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from pypdf import PdfReader

    portfolio(runtime.db)
    add_account(
        runtime.db, "D-LATER", "700.00", due_date=past_due(60), customer_name="=HYPERLINK(1)", **ADDRESS
    )
    run_job(runtime, JOB, MONDAY, by="test")
    # A dispute after the letter was queued: the batch cancels it rather than print it.
    with runtime.db.transaction() as session:
        later = session.scalars(select(Account).where(Account.account_id == "D-LATER")).one()
        later.status, later.hold_reason = "on_hold", "dispute"
    out = tmp_path / "print"
    out.mkdir()
    cli_env(monkeypatch, database_url, tmp_path)
    assert main(["letters", "--date", "2026-11-23", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 written and counted as sent" in said and "cancelled: hold:dispute" in said
    (pdf,) = sorted(out.glob("*.pdf"))
    assert pdf.name.endswith("final-notice-D-LETTER.pdf")
    assert "Acme Collections" in "".join(page.extract_text() for page in PdfReader(pdf).pages)
    lines = (out / "manifest.csv").read_text().splitlines()
    assert (
        lines[0]
        == "document_id,account_id,customer_name,address_1,address_2,address_3,address_4,kind,pages,sha256,file"
    )
    (row,) = lines[1:]
    assert ",D-LETTER,Maria Silva,5 Elm St,Springfield IL 62704,,,final-notice,1," in row and row.endswith(
        pdf.name
    )
    assert not list(out.glob(".*"))  # no temporary file left
    assert ("D-LETTER", "final-notice", "letter", "sent") in documents(runtime.db)
    assert ("D-LATER", "final-notice", "letter", "cancelled") in documents(runtime.db)
    with runtime.db.reading() as session:
        letter = session.scalars(
            select(Document).where(Document.channel == "letter", Document.status == "sent")
        ).one()
        assert letter.batch == TODAY and letter.contact_pk is not None
        contact = session.get_one(Contact, letter.contact_pk)
        assert (contact.channel, contact.source) == ("letter", "dunning")
        sent = session.scalars(select(AuditEntry.after).where(AuditEntry.action == "document.sent")).all()
        assert any(after and after.get("sha256") == letter.sha256 for after in sent)
        reason = session.scalars(select(Document.cancel_reason).where(Document.status == "cancelled")).one()
        assert reason == "hold:dispute"

    # Again: nothing new is written or counted.
    before = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    assert main(["letters", "--date", "2026-11-23", "--out", str(out)]) == 0
    assert "0 written and counted as sent, 1 in the batch" in capsys.readouterr().out
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == before

    # A run that died after counting, before its files were in place: the next run puts them back.
    pdf.unlink()
    (out / "manifest.csv").unlink()
    assert main(["letters", "--date", "2026-11-23", "--out", str(out)]) == 0
    assert "1 files of the batch were missing" in capsys.readouterr().out
    assert pdf.is_file() and (out / "manifest.csv").read_text().splitlines()[1:] == [row]


def test_the_print_batch_refuses_a_bad_date_or_folder_with_one_line(
    runtime: Runtime, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    cli_env(monkeypatch, database_url, tmp_path)
    assert main(["letters", "--date", "7/12/2026", "--out", str(tmp_path)]) == 2
    assert "give it as 2026-12-07" in capsys.readouterr().err
    assert main(["letters", "--date", "2026-12-07", "--out", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.settings(COLLECT_SMTP_URL="", COLLECT_MAIL_FROM="")
def test_without_a_mail_server_email_stages_are_held_back_and_letters_still_go(runtime: Runtime) -> None:
    portfolio(runtime.db)
    run_job(runtime, JOB, MONDAY, by="test")
    assert documents(runtime.db) == [("D-LETTER", "final-notice", "letter", "queued")]
    (summary,) = summaries(runtime.db)
    assert "email not set up 2" in summary


@pytest.mark.settings(COLLECT_CREDITOR_NAME="", COLLECT_CREDITOR_ADDRESS="")
def test_a_team_that_writes_no_documents_never_has_dunning_due(runtime: Runtime) -> None:
    from schedules.jobs import JOBS

    assert not JOBS[JOB].due(runtime, MONDAY)
    add_account(runtime.db, "D-REMIND", "250.00", due_date=past_due(10), email="a@example.com")
    report = run_job(runtime, JOB, MONDAY, by="test")
    assert not report.ran and "dunning is off" in report.message
    assert documents(runtime.db) == []


def test_two_processes_running_it_at_once_send_each_stage_once_and_one_summary(runtime: Runtime) -> None:
    import threading

    portfolio(runtime.db)
    for n in range(8):
        add_account(runtime.db, f"D-MORE-{n}", "150.00", due_date=past_due(6 + n), email=f"m{n}@example.com")
    reports = []
    start = threading.Barrier(2)

    def process(name: str) -> None:
        db = Database(runtime.db.url)
        try:
            other = Runtime(settings=runtime.settings, db=db, clock=ManualClock(MONDAY))
            start.wait()
            reports.append(run_job(other, JOB, MONDAY, by=name))
        finally:
            db.dispose()

    threads = [threading.Thread(target=process, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not any(report.failed for report in reports), [report.message for report in reports]
    sent = documents(runtime.db)
    assert len(sent) == len(set(sent)) == 10
    assert len(summaries(runtime.db)) == 1
    with runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == JOB)) == 1


@pytest.mark.settings(COLLECT_DUNNING_PER_DAY="1")
def test_the_days_limit_sends_the_most_past_due_and_the_rest_follow_on_the_next_days(
    runtime: Runtime,
) -> None:
    portfolio(runtime.db)
    run_job(runtime, JOB, MONDAY, by="test")
    assert documents(runtime.db) == [("D-LETTER", "final-notice", "letter", "queued")]
    (summary,) = summaries(runtime.db)
    assert "over the day's limit (next working day) 1" in summary
    run_job(runtime, JOB, MONDAY + timedelta(days=1), by="test")
    assert documents(runtime.db)[1:] == [("D-REMIND", "reminder", "email", "sent")]


def test_the_validation_period_holds_a_reminder_back_before_sending_with_no_refusal_noted(
    runtime: Runtime,
) -> None:
    add_account(runtime.db, "D-VALID", "250.00", due_date=past_due(10), email="v@example.com",
                validation_ends=TODAY + timedelta(days=3))  # fmt: skip
    run_job(runtime, JOB, MONDAY, by="test")
    assert documents(runtime.db) == []
    (summary,) = summaries(runtime.db)
    assert "in the validation period 1" in summary
    with runtime.db.reading() as session:
        assert "compliance.refused" not in set(session.scalars(select(AuditEntry.action)))
    # The day after it ends, the reminder goes.
    run_job(runtime, JOB, MONDAY + timedelta(days=4), by="test")
    assert documents(runtime.db) == [("D-VALID", "reminder", "email", "sent")]


def test_a_verification_letter_printed_during_a_dispute_goes_out_and_lifts_the_hold(
    runtime: Runtime, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bot.correspondence.model import DocumentKind, SendChannel
    from bot.correspondence.records import send_document
    from bot.correspondence.render import load_templates

    add_account(runtime.db, "D-DISPUTED", "300.00", due_date=past_due(25), status="on_hold",
                hold_reason="dispute", **ADDRESS)  # fmt: skip
    with runtime.db.transaction() as session:
        send_document(session, account_id="D-DISPUTED", kind=DocumentKind.VERIFICATION, channel=SendChannel.LETTER,
                      actor="U0SUPER1", now=MONDAY, today=TODAY, settings=runtime.settings,
                      templates=load_templates(), check_access=False)  # fmt: skip
    out = tmp_path / "print"
    out.mkdir()
    cli_env(monkeypatch, database_url, tmp_path)
    assert main(["letters", "--date", "2026-11-23", "--out", str(out)]) == 0
    assert "1 written and counted as sent" in capsys.readouterr().out
    with runtime.db.reading() as session:
        account = session.scalars(select(Account).where(Account.account_id == "D-DISPUTED")).one()
        assert account.status == "active"
