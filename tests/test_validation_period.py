"""The validation period as the bot tracks it (issue 21, Regulation F): set on the account when a
validation notice goes out (an email the day it is sent, a letter when its batch is written),
stated by later documents, no reminder or final notice during it (US profile), and a dispute hold
lifted by sending the verification, by nothing else and for no other hold. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.compliance.records import ComplianceRefusedError
from bot.correspondence import desk
from bot.correspondence.model import DocumentKind, DocumentStatus, SendChannel
from bot.correspondence.records import after_document_sent, document_facts, letter_printed
from bot.ledger.records.contacts import log_contact
from bot.runtime import Runtime
from bot.vocabulary import AccountStatus, Channel, Outcome
from storage.database import Database
from storage.models import Account, AuditEntry, ComplianceRefusal, Document
from tests.conftest import make_runtime
from tests.portfolio import add_account, add_agent
from tests.test_email import Recorder, smtp_server
from wiring.standin.web_api import SlackStandIn

CREDITOR = {
    "COLLECT_CREDITOR_NAME": "Acme Credit LLC",
    "COLLECT_CREDITOR_ADDRESS": "100 Main St;Springfield, IL 62701",
    "COLLECT_PAYMENT_INSTRUCTIONS": "Pay at any branch.",
}
ACCOUNT: dict[str, Any] = {
    "email": "maria@customer.example",
    "address_line1": "12 Elm St",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02101",
    "itemization_date": date(2026, 9, 30),
    "itemization_amount": Decimal("1300.00"),
    "interest_since": Decimal("0"),
    "fees_since": Decimal("0"),
}
# 14:00 UTC on Monday 23 November 2026: 09:00 in New York.
MORNING = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
SUPERVISOR = "U0SUPER1"


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def mailing(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    clock: ManualClock,
    smtp: tuple[Recorder, int],
    settings_asked: dict[str, str],
) -> Runtime:
    runtime = make_runtime(
        db, database_url, standin, clock, COLLECT_SMTP_URL=f"smtp://127.0.0.1:{smtp[1]}",
        COLLECT_MAIL_FROM="Acme Credit <collections@acme.example>", **CREDITOR, **settings_asked,
    )  # fmt: skip
    add_agent(db, "U0AGENT1", "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1042", "1250.00", **ACCOUNT)
    return runtime


def send(runtime: Runtime, kind: DocumentKind, channel: SendChannel = SendChannel.EMAIL) -> Any:
    return desk.send(runtime, account_id="ACC-1042", kind=kind, channel=channel, actor=SUPERVISOR)


def account(runtime: Runtime) -> Account:
    with runtime.db.reading() as session:
        return session.scalars(select(Account).where(Account.account_id == "ACC-1042")).one()


def audited(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def dispute(runtime: Runtime, channel: Channel = Channel.LETTER) -> None:
    with runtime.db.transaction() as session:
        log_contact(
            session, "ACC-1042", channel, Outcome.DISPUTE, "says the debt is not theirs",
            actor="U0AGENT1", now=runtime.now(), today=runtime.today(), zone=runtime.zone,
        )  # fmt: skip


# --- The period set on send ------------------------------------------------------------------------


def test_an_emailed_notice_starts_a_30_day_period_the_notice_states(mailing: Runtime) -> None:
    assert account(mailing).validation_ends is None
    sent = send(mailing, DocumentKind.VALIDATION_NOTICE)
    assert account(mailing).validation_ends == date(2026, 12, 23)
    with mailing.db.reading() as session:
        text = session.get_one(Document, sent.document_id).text
    assert "The validation period ends on December 23, 2026" in text
    [entry] = audited(mailing, "validation.period")
    assert entry.after is not None and entry.after["validation_ends"] == "2026-12-23"
    # Later documents state the tracked period.
    with mailing.db.reading() as session:
        facts = document_facts(
            session, "ACC-1042", DocumentKind.VERIFICATION, mailing.settings, mailing.today()
        )
    assert facts.validation_ends == date(2026, 12, 23)


def test_a_mailed_notice_starts_its_period_when_its_batch_is_written(
    mailing: Runtime, clock: ManualClock
) -> None:
    sent = send(mailing, DocumentKind.VALIDATION_NOTICE, SendChannel.LETTER)
    assert sent.status == DocumentStatus.QUEUED and account(mailing).validation_ends is None
    clock.advance(timedelta(days=1))  # printed on Tuesday the 24th
    with mailing.db.transaction() as session:
        letter_printed(session, sent.document_id, batch=mailing.today(), now=mailing.now())
    # Received after 5 federal working days (Thanksgiving on the 26th): Wednesday 2 December; +30.
    assert account(mailing).validation_ends == date(2027, 1, 1)
    with mailing.db.transaction() as session:  # printed again: nothing moves
        letter_printed(session, sent.document_id, batch=mailing.today(), now=mailing.now())
    assert len(audited(mailing, "validation.period")) == 1


def test_a_notice_without_an_itemization_is_refused_and_nothing_written(mailing: Runtime) -> None:
    add_account(mailing.db, "ACC-2", "80.00", email="x@customer.example")
    with pytest.raises(Exception, match="itemization_date"):
        desk.send(
            mailing, account_id="ACC-2", kind=DocumentKind.VALIDATION_NOTICE, channel=SendChannel.EMAIL,
            actor=SUPERVISOR,
        )  # fmt: skip
    with mailing.db.reading() as session:
        assert session.scalars(select(Document)).all() == []


# --- No overshadowing ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [DocumentKind.REMINDER, DocumentKind.FINAL_NOTICE])
def test_no_demand_during_the_validation_period(
    mailing: Runtime, clock: ManualClock, kind: DocumentKind
) -> None:
    send(mailing, DocumentKind.VALIDATION_NOTICE)
    with pytest.raises(ComplianceRefusedError) as refused:
        send(mailing, kind, SendChannel.LETTER)
    assert refused.value.rule == "validation-period"
    assert "Dec 23, 2026" in str(refused.value) and "overshadows" in str(refused.value)
    with mailing.db.reading() as session:
        assert session.scalars(select(Document.kind)).all() == ["validation-notice"]
        assert session.scalars(select(ComplianceRefusal.rule)).all() == ["validation-period"]
    assert send(mailing, DocumentKind.STATEMENT).status == DocumentStatus.SENT, "a statement answers"

    clock.set(datetime(2026, 12, 23, 22, 0, tzinfo=UTC))  # the period's last day, 17:00 in New York
    with pytest.raises(ComplianceRefusedError):
        send(mailing, kind, SendChannel.LETTER)
    clock.set(datetime(2026, 12, 24, 14, 0, tzinfo=UTC))
    assert send(mailing, kind, SendChannel.LETTER).status == DocumentStatus.QUEUED


@pytest.mark.settings(COLLECT_COMPLIANCE_PROFILE="off")
def test_the_off_profile_has_no_validation_period_to_respect(mailing: Runtime) -> None:
    send(mailing, DocumentKind.VALIDATION_NOTICE)
    assert send(mailing, DocumentKind.REMINDER, SendChannel.LETTER).status == DocumentStatus.QUEUED


# --- A dispute held until the verification is sent -------------------------------------------------


def test_a_written_dispute_holds_until_the_verification_is_emailed(mailing: Runtime) -> None:
    send(mailing, DocumentKind.VALIDATION_NOTICE)
    dispute(mailing, Channel.LETTER)
    assert (account(mailing).status, account(mailing).hold_reason) == (AccountStatus.ON_HOLD, "dispute")
    with pytest.raises(ComplianceRefusedError):
        send(mailing, DocumentKind.STATEMENT)
    send(mailing, DocumentKind.VERIFICATION)
    held = account(mailing)
    assert (held.status, held.hold_reason) == (AccountStatus.ACTIVE, None)
    [released] = audited(mailing, "hold.released")
    assert released.actor == "collect-bot"
    assert released.after is not None and released.after["reason"] == "verification sent"


def test_a_mailed_verification_lifts_the_hold_when_its_batch_is_written(
    mailing: Runtime, clock: ManualClock
) -> None:
    dispute(mailing, Channel.EMAIL)
    sent = send(mailing, DocumentKind.VERIFICATION, SendChannel.LETTER)
    assert account(mailing).hold_reason == "dispute", "queued is not sent"
    clock.advance(timedelta(hours=6))
    with mailing.db.transaction() as session:
        letter_printed(session, sent.document_id, batch=mailing.today(), now=mailing.now())
    assert account(mailing).status == AccountStatus.ACTIVE
    assert len(audited(mailing, "hold.released")) == 1


def _kept(runtime: Runtime, kind: DocumentKind, status: str = "sent") -> Document:
    """A document row as sending keeps it, for after_document_sent to be given directly."""
    with runtime.db.transaction() as session:
        document = Document(
            account_pk=account(runtime).id, kind=kind.value, channel="letter", language="en",
            recipient="12 Elm St", subject="s", text="t", html="h", pdf=b"%PDF", sha256="0" * 64,
            status=status, source="slack", actor=SUPERVISOR, created_at=runtime.now(),
        )  # fmt: skip
        session.add(document)
    return document


@pytest.mark.parametrize("kind", [k for k in DocumentKind if k != DocumentKind.VERIFICATION])
def test_no_other_document_lifts_a_dispute_hold(mailing: Runtime, kind: DocumentKind) -> None:
    dispute(mailing)
    document = _kept(mailing, kind)
    with mailing.db.transaction() as session:
        held = session.get_one(Account, account(mailing).id)
        after_document_sent(session, held, session.get_one(Document, document.id), mailing.now())
    assert account(mailing).hold_reason == "dispute" and audited(mailing, "hold.released") == []


@pytest.mark.parametrize("hold", ["attorney", "bankruptcy", "cease-communication", "hardship"])
def test_a_verification_lifts_no_other_hold(mailing: Runtime, hold: str) -> None:
    with mailing.db.transaction() as session:
        held = session.get_one(Account, account(mailing).id)
        held.status, held.hold_reason = AccountStatus.ON_HOLD, hold
    document = _kept(mailing, DocumentKind.VERIFICATION)
    with mailing.db.transaction() as session:
        held = session.get_one(Account, account(mailing).id)
        after_document_sent(session, held, session.get_one(Document, document.id), mailing.now())
    assert (account(mailing).status, account(mailing).hold_reason) == (AccountStatus.ON_HOLD, hold)


def test_a_verification_not_yet_sent_lifts_nothing(mailing: Runtime) -> None:
    dispute(mailing)
    for status in ("queued", "cancelled"):
        document = _kept(mailing, DocumentKind.VERIFICATION, status)
        with mailing.db.transaction() as session:
            held = session.get_one(Account, account(mailing).id)
            after_document_sent(session, held, session.get_one(Document, document.id), mailing.now())
    assert account(mailing).hold_reason == "dispute"
