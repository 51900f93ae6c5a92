"""Sending customer documents (issue 21): the contact rules at the moment of sending (what each hold
allows, the customer's hours for email), the document kept as it went out with its hash in the
audit, the email through the outbox with the PDF attached and delivered once to a real SMTP server,
a letter queued until its print batch, the contact on the account's history, the account's export
reproducing the document byte for byte, and the purge taking it with the account."""

from __future__ import annotations

import base64
import email
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from bot.blocks.digest import digest_message
from bot.clock import ManualClock
from bot.compliance.records import ComplianceRefusedError
from bot.compliance.rules.contact_limits import ContactHistory, HoldReason
from bot.compliance.rules.regulation import DebtFacts, check_document
from bot.correspondence import desk
from bot.correspondence.model import DocumentKind, DocumentStatus, SendChannel
from bot.correspondence.records import cancel_document, content_hash_of, letter_printed
from bot.correspondence.rules import content_hash
from bot.errors import NotFoundError, UserError
from bot.ledger.records.contacts import log_contact
from bot.outbox.job import deliver_due
from bot.reports.records.numbers import build_report
from bot.retention.records.export import export_account
from bot.runtime import Runtime
from bot.vocabulary import Channel, Outcome
from storage.database import Database
from storage.models import Account, AuditEntry, ComplianceRefusal, Contact, Document, OutboxMessage
from tests.conftest import make_runtime
from tests.portfolio import add_account, add_agent
from tests.test_email import Recorder, smtp_server
from wiring.standin.web_api import SlackStandIn

CREDITOR = {
    "COLLECT_CREDITOR_NAME": "Acme Credit LLC",
    "COLLECT_CREDITOR_ADDRESS": "100 Main St;Springfield, IL 62701",
    "COLLECT_PAYMENT_INSTRUCTIONS": "Pay at any branch.",
}
ADDRESS: dict[str, Any] = {
    "address_line1": "12 Elm St",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02101",
}
# 14:00 UTC on Monday 23 November 2026: 09:00 in New York.
MORNING = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def mailing(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, smtp: tuple[Recorder, int]
) -> Runtime:
    runtime = make_runtime(
        db, database_url, standin, clock, COLLECT_SMTP_URL=f"smtp://127.0.0.1:{smtp[1]}",
        COLLECT_MAIL_FROM="Acme Credit <collections@acme.example>", **CREDITOR,
    )  # fmt: skip
    add_agent(db, "U0AGENT1", "Ana Agent")
    add_agent(db, "U0AGENT2", "Bea Agent")
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1042", "1250.00", email="maria@customer.example", **ADDRESS)
    return runtime


def _document(runtime: Runtime, document_id: int) -> Document:
    with runtime.db.reading() as session:
        return session.get_one(Document, document_id)


def _contacts(runtime: Runtime) -> list[Contact]:
    with runtime.db.reading() as session:
        return list(session.scalars(select(Contact).order_by(Contact.id)))


def _audit(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _set(runtime: Runtime, account_id: str, **values: object) -> None:
    with runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        for name, value in values.items():
            setattr(account, name, value)


# --- Email ------------------------------------------------------------------------------------------


def test_an_emailed_statement_is_kept_audited_contacted_and_delivered_once_with_its_pdf(
    mailing: Runtime, smtp: tuple[Recorder, int]
) -> None:
    sent = desk.send(
        mailing,
        account_id="acc-1042",
        kind=DocumentKind.STATEMENT,
        channel=SendChannel.EMAIL,
        actor="U0AGENT1",
    )
    assert (sent.status, sent.recipient, sent.account_id) == (
        DocumentStatus.SENT,
        "maria@customer.example",
        "ACC-1042",
    )
    kept = _document(mailing, sent.document_id)
    assert kept.sha256 == sent.sha256 == content_hash(kept.subject, kept.text, kept.html, kept.pdf)
    assert (kept.status, kept.source, kept.actor, kept.sent_at) == ("sent", "slack", "U0AGENT1", MORNING)
    [contact] = _contacts(mailing)
    assert (contact.channel, contact.outcome, contact.agent, contact.id) == (
        Channel.EMAIL, Outcome.LEFT_MESSAGE, "U0AGENT1", kept.contact_pk,
    )  # fmt: skip
    [audited] = _audit(mailing, "document.sent")
    assert audited.after is not None and audited.after["sha256"] == kept.sha256
    assert (audited.entity, audited.entity_key, audited.actor) == ("account", "ACC-1042", "U0AGENT1")

    for _round in range(3):
        deliver_due(mailing)
    recorder = smtp[0]
    assert len(recorder.received) == 1
    envelope = recorder.received[0]
    assert isinstance(envelope.content, bytes)
    message = email.message_from_bytes(envelope.content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "maria@customer.example"
    assert message["Subject"] == kept.subject
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "statement-ACC-1042.pdf"
    pdf = attachment.get_content()
    assert pdf == kept.pdf
    assert "ACC-1042" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_export_reproduces_the_kept_document_byte_for_byte(mailing: Runtime) -> None:
    sent = desk.send(
        mailing,
        account_id="ACC-1042",
        kind=DocumentKind.STATEMENT,
        channel=SendChannel.LETTER,
        actor="U0SUPER1",
    )
    with mailing.db.reading() as session:
        exported = export_account(session, "ACC-1042", now=MORNING)
    [document] = exported["documents"]
    pdf = base64.b64decode(document["pdf"]["base64"])
    assert pdf == _document(mailing, sent.document_id).pdf
    assert content_hash(document["subject"], document["text"], document["html"], pdf) == sent.sha256
    assert content_hash_of(_document(mailing, sent.document_id)) == sent.sha256


def test_an_email_outside_the_customers_hours_is_refused_and_the_refusal_noted(
    mailing: Runtime, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 24, 2, 30, tzinfo=UTC))  # 21:30 in New York
    with pytest.raises(ComplianceRefusedError) as refused:
        desk.send(
            mailing,
            account_id="ACC-1042",
            kind=DocumentKind.REMINDER,
            channel=SendChannel.EMAIL,
            actor="U0AGENT1",
        )
    assert "21:30" in str(refused.value)
    with mailing.db.reading() as session:
        assert session.scalars(select(Document)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []
        [noted] = session.scalars(select(ComplianceRefusal)).all()
        assert noted.rule == "time-of-day"
    # A letter waits in a mailbox: the hour does not matter.
    letter = desk.send(
        mailing,
        account_id="ACC-1042",
        kind=DocumentKind.REMINDER,
        channel=SendChannel.LETTER,
        actor="U0AGENT1",
    )
    assert letter.status == DocumentStatus.QUEUED


# --- Letters ---------------------------------------------------------------------------------------


def test_a_letter_waits_for_its_print_batch_and_counts_as_sent_when_printed(
    mailing: Runtime, clock: ManualClock
) -> None:
    sent = desk.send(
        mailing,
        account_id="ACC-1042",
        kind=DocumentKind.FINAL_NOTICE,
        channel=SendChannel.LETTER,
        actor="U0SUPER1",
    )
    assert sent.recipient == "12 Elm St\nBoston MA 02101"
    assert _contacts(mailing) == [] and _audit(mailing, "document.sent") == []
    assert len(_audit(mailing, "document.queued")) == 1
    clock.advance(timedelta(hours=20))
    with mailing.db.transaction() as session:
        letter_printed(session, sent.document_id, batch=mailing.today(), now=mailing.now())
    with mailing.db.transaction() as session:  # printing it again changes nothing
        letter_printed(session, sent.document_id, batch=mailing.today(), now=mailing.now())
    kept = _document(mailing, sent.document_id)
    assert (kept.status, kept.batch, kept.sent_at) == ("sent", mailing.today(), mailing.now())
    [contact] = _contacts(mailing)
    assert (contact.channel, contact.at) == (Channel.LETTER, mailing.now())
    assert len(_audit(mailing, "document.sent")) == 1


def test_a_cancelled_letter_is_never_printed(mailing: Runtime) -> None:
    sent = desk.send(
        mailing,
        account_id="ACC-1042",
        kind=DocumentKind.REMINDER,
        channel=SendChannel.LETTER,
        actor="U0SUPER1",
    )
    with mailing.db.transaction() as session:
        cancel_document(
            session,
            session.get_one(Document, sent.document_id),
            reason="paid",
            actor="billing",
            now=mailing.now(),
        )
    with mailing.db.transaction() as session:
        letter_printed(session, sent.document_id, batch=mailing.today(), now=mailing.now())
    assert _document(mailing, sent.document_id).status == "cancelled"
    assert _contacts(mailing) == []


# --- Refusals: nothing written ---------------------------------------------------------------------


def test_nobody_sends_to_an_account_they_may_not_work(mailing: Runtime) -> None:
    add_account(mailing.db, "ACC-2", "90.00", assigned_to="U0AGENT2", email="x@customer.example")
    with pytest.raises(NotFoundError):
        desk.send(
            mailing,
            account_id="ACC-2",
            kind=DocumentKind.STATEMENT,
            channel=SendChannel.EMAIL,
            actor="U0AGENT1",
        )
    sent = desk.send(
        mailing, account_id="ACC-2", kind=DocumentKind.STATEMENT, channel=SendChannel.EMAIL, actor="U0SUPER1"
    )
    assert sent.status == DocumentStatus.SENT


@pytest.mark.parametrize(
    ("account", "channel", "says"),
    [
        ({"email": None}, SendChannel.EMAIL, "No email address"),
        ({"address_line1": None}, SendChannel.LETTER, "No postal address"),
    ],
)
def test_a_channel_that_cannot_reach_the_customer_is_refused(
    mailing: Runtime, account: dict[str, object], channel: SendChannel, says: str
) -> None:
    _set(mailing, "ACC-1042", **account)
    with pytest.raises(UserError, match=says):
        desk.send(
            mailing, account_id="ACC-1042", kind=DocumentKind.STATEMENT, channel=channel, actor="U0SUPER1"
        )
    with mailing.db.reading() as session:
        assert session.scalars(select(Document)).all() == []


def test_email_is_refused_while_the_team_has_no_mail_server(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> None:
    runtime = make_runtime(db, database_url, standin, clock, **CREDITOR)
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1042", "1250.00", email="maria@customer.example", **ADDRESS)
    with pytest.raises(UserError, match="Email is not set up"):
        desk.send(
            runtime,
            account_id="ACC-1042",
            kind=DocumentKind.STATEMENT,
            channel=SendChannel.EMAIL,
            actor="U0SUPER1",
        )


@pytest.mark.parametrize(
    ("hold", "kind", "channel", "allowed"),
    [
        (HoldReason.DISPUTE, DocumentKind.REMINDER, SendChannel.LETTER, False),
        (HoldReason.DISPUTE, DocumentKind.STATEMENT, SendChannel.EMAIL, False),
        (HoldReason.DISPUTE, DocumentKind.VERIFICATION, SendChannel.LETTER, True),
        (HoldReason.DISPUTE, DocumentKind.VERIFICATION, SendChannel.EMAIL, True),
        (HoldReason.CEASE_COMMUNICATION, DocumentKind.STATEMENT, SendChannel.LETTER, False),
        (HoldReason.CEASE_COMMUNICATION, DocumentKind.VERIFICATION, SendChannel.LETTER, False),
        (HoldReason.BANKRUPTCY, DocumentKind.STATEMENT, SendChannel.LETTER, False),
        (HoldReason.ATTORNEY, DocumentKind.REMINDER, SendChannel.LETTER, False),
        (HoldReason.HARDSHIP, DocumentKind.STATEMENT, SendChannel.LETTER, True),
        (HoldReason.HARDSHIP, DocumentKind.STATEMENT, SendChannel.EMAIL, False),
        (HoldReason.HARDSHIP, DocumentKind.FINAL_NOTICE, SendChannel.LETTER, False),
    ],
)
def test_each_hold_allows_only_its_documents(
    mailing: Runtime, hold: str, kind: DocumentKind, channel: SendChannel, allowed: bool
) -> None:
    _set(mailing, "ACC-1042", status="on_hold", hold_reason=hold)
    if allowed:
        desk.send(mailing, account_id="ACC-1042", kind=kind, channel=channel, actor="U0SUPER1")
        return
    with pytest.raises(ComplianceRefusedError) as refused:
        desk.send(mailing, account_id="ACC-1042", kind=kind, channel=channel, actor="U0SUPER1")
    assert refused.value.rule == f"hold:{hold}"
    with mailing.db.reading() as session:
        assert session.scalars(select(Document)).all() == []
        assert session.scalars(select(ComplianceRefusal.rule)).all() == [f"hold:{hold}"]


# --- The rule itself -----------------------------------------------------------------------------------

NO_CALLS = ContactHistory((), None)
NOON_IN_NEW_YORK = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


@given(
    hold=st.sampled_from([*HoldReason, "something-else"]),
    kind=st.sampled_from(list(DocumentKind)),
    channel=st.sampled_from(list(SendChannel)),
)
def test_a_held_account_gets_nothing_its_hold_does_not_allow(
    hold: str, kind: DocumentKind, channel: SendChannel
) -> None:
    facts = DebtFacts("on_hold", hold, "America/New_York", None, NO_CALLS)
    verdict = check_document(kind.value, channel.value, NOON_IN_NEW_YORK, facts)
    by_hold: dict[str, set[tuple[DocumentKind, SendChannel]]] = {
        HoldReason.DISPUTE: {
            (DocumentKind.VERIFICATION, SendChannel.EMAIL),
            (DocumentKind.VERIFICATION, SendChannel.LETTER),
        },
        HoldReason.HARDSHIP: {
            (DocumentKind.STATEMENT, SendChannel.LETTER),
            (DocumentKind.PROMISE_CONFIRMATION, SendChannel.LETTER),
            (DocumentKind.PLAN_CONFIRMATION, SendChannel.LETTER),
        },
    }
    allowed = by_hold.get(hold, set())
    assert verdict.allowed == ((kind, channel) in allowed)
    assert verdict.allowed or (verdict.rule or "").startswith("hold:")
    assert not verdict.overridable, "a hold is lifted by releasing it, never by an override"


def test_the_off_profile_lets_everything_through() -> None:
    facts = DebtFacts("on_hold", "bankruptcy", None, None, NO_CALLS)
    assert check_document("reminder", "email", NOON_IN_NEW_YORK, facts, profile="off").allowed


def test_the_digest_counts_the_documents_sent_beside_the_calls(mailing: Runtime, database_url: str) -> None:
    desk.send(
        mailing,
        account_id="ACC-1042",
        kind=DocumentKind.STATEMENT,
        channel=SendChannel.EMAIL,
        actor="U0AGENT1",
    )
    letter = desk.send(
        mailing,
        account_id="ACC-1042",
        kind=DocumentKind.REMINDER,
        channel=SendChannel.LETTER,
        actor="U0AGENT1",
    )
    with mailing.db.transaction() as session:
        letter_printed(session, letter.document_id, batch=mailing.today(), now=mailing.now())
        log_contact(
            session, "ACC-1042", Channel.CALL, Outcome.NO_ANSWER, None, actor="U0AGENT1", now=mailing.now(),
            today=mailing.today(), zone=mailing.zone,
        )  # fmt: skip
        session.flush()
        report = build_report(
            session, "week", mailing.today(), mailing.settings, mailing.now() + timedelta(minutes=1)
        )
    assert report.team.activity.attempts == 3
    assert report.team.activity.attempts_by_channel == (("call", 1), ("email", 1), ("letter", 1))
    assert "*Team:* 3 attempts (call 1, email 1, letter 1) · 0 right-party" in str(
        digest_message(report).blocks
    )
