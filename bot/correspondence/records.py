"""Customer documents and the ledger: what a document says about an account (`document_facts`),
and sending one (`send_document`): the contact rules at the moment of sending, the document kept as
it went out, the email queued in the outbox with it, the contact and the audit with its hash. A
letter waits `queued` for its print batch (`letter_printed` counts it as sent)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.access import may_send_documents
from bot.aging import aging_bucket, days_past_due
from bot.calendar import add_days, start_of_day
from bot.compliance.records import ComplianceRefusedError, debt_facts
from bot.compliance.rules.regulation import Verdict, check_document
from bot.correspondence.model import (
    DocumentFacts,
    DocumentKind,
    DocumentPreview,
    DocumentStatus,
    Itemization,
    PaymentLine,
    PostalAddress,
    PromiseLine,
    RenderedDocument,
    SendChannel,
    SentDocument,
    SettlementTerms,
)
from bot.correspondence.render import Templates, render_document, render_parts
from bot.correspondence.rules import (
    OVERSHADOWING_REFUSAL,
    VALIDATION_PERIOD_RULE,
    address_lines,
    content_hash,
    default_channel,
    document_locale,
    itemize,
    missing_for_kind,
    overshadows,
    payment_link,
    recipient,
    refusal_to_send,
    releases_on_verification,
    validation_period_end,
)
from bot.errors import UserError
from bot.language.model import _, speaker
from bot.ledger.records.accounts import find_account, open_promises
from bot.ledger.records.contacts import note_contact_on_account
from bot.ledger.records.holds import lift_hold
from bot.mail import Attachment, Email
from bot.outbox.records import enqueue_email
from bot.roster.records import find_member
from bot.settings import Settings
from bot.vocabulary import EscalationKind, EscalationStatus, Outcome
from storage.models import Account, Contact, Document, Escalation, Payment
from storage.types import money_sum

RECENT_PAYMENTS = 5
# An approved settlement's offer stands this long when the approval named no date of its own.
SETTLEMENT_DAYS = 30


def document_facts(
    session: Session,
    account_id: str,
    kind: DocumentKind,
    settings: Settings,
    today: date,
    *,
    channel: SendChannel | None = None,
) -> DocumentFacts:
    """The facts of `kind` for the account, `today` being the team's day. A document names its
    creditor, so without COLLECT_CREDITOR_NAME and COLLECT_CREDITOR_ADDRESS none is written.

    The validation period a document states is the account's tracked one (set when a validation
    notice was sent); a validation notice states the one it starts, sent today by `channel` (a
    letter's, the longer, when the channel is not known yet)."""
    if not settings.creditor_name or not settings.creditor_address_lines:
        raise UserError(
            _("Documents need the creditor's name and address."),
            _("Set COLLECT_CREDITOR_NAME and COLLECT_CREDITOR_ADDRESS (lines apart with `;`)."),
        )
    account = find_account(session, account_id)
    zone = settings.zone
    payments = session.scalars(
        select(Payment)
        .where(Payment.account_pk == account.id)
        .order_by(Payment.received_at.desc(), Payment.id.desc())
        .limit(RECENT_PAYMENTS)
    )
    promised = [
        (PromiseLine(p.due_date, p.amount, p.status, p.instalment), p.plan_escalation_id is not None)
        for p in open_promises(session, account)
    ]
    dpd = days_past_due(account.due_date, today)
    return DocumentFacts(
        kind=kind,
        language=document_locale(account.language, settings.language),
        today=today,
        creditor_name=settings.creditor_name,
        creditor_address=settings.creditor_address_lines,
        account_id=account.account_id,
        customer_name=account.customer_name,
        email=account.email,
        address=postal_address(account),
        currency=account.currency,
        balance=account.balance,
        original_amount=account.original_amount,
        due_date=account.due_date,
        days_past_due=dpd,
        aging=aging_bucket(dpd).value,
        recent_payments=tuple(PaymentLine(p.received_at.astimezone(zone).date(), p.amount) for p in payments),
        open_promises=tuple(line for line, _in_plan in promised),
        promise=next((line for line, _in_plan in promised), None),
        plan=tuple(line for line, in_plan in promised if in_plan),
        settlement=_settlement(session, account, zone_today=today),
        payment_instructions=settings.payment_instructions,
        payment_link=payment_link(settings.payment_link, account.account_id),
        dispute_contact=settings.dispute_contact or ", ".join(settings.creditor_address_lines),
        validation_ends=_validation_ends(account, kind, today, channel),
        itemization=_itemization(session, account, zone),
    )


def _validation_ends(account: Account, kind: DocumentKind, today: date, channel: SendChannel | None) -> date:
    if kind != DocumentKind.VALIDATION_NOTICE and account.validation_ends is not None:
        return account.validation_ends
    return validation_period_end(today, channel or SendChannel.LETTER)


def _itemization(session: Session, account: Account, zone: ZoneInfo) -> Itemization | None:
    """Model form B-1's itemization when the billing system gave the date and the amount then; the
    payments since are the ledger's, received after the itemization day (the team's days: the amount
    on that day already counts that day's payments)."""
    if account.itemization_date is None or account.itemization_amount is None:
        return None
    paid = session.scalar(
        select(func.coalesce(money_sum(Payment.amount), Decimal(0))).where(
            Payment.account_pk == account.id,
            Payment.received_at >= start_of_day(add_days(account.itemization_date, 1), zone),
        )
    )
    return itemize(
        account.itemization_date,
        account.itemization_amount,
        account.interest_since,
        account.fees_since,
        paid if paid is not None else Decimal(0),
        account.balance,
    )


def _settlement(session: Session, account: Account, *, zone_today: date) -> SettlementTerms | None:
    """The latest approved settlement still on the account (its amount is the account's)."""
    if account.settlement_amount is None:
        return None
    approved = session.scalars(
        select(Escalation)
        .where(
            Escalation.account_pk == account.id,
            Escalation.kind == EscalationKind.SETTLEMENT,
            Escalation.status == EscalationStatus.APPROVED,
        )
        .order_by(Escalation.decided_at.desc(), Escalation.id.desc())
        .limit(1)
    ).first()
    decided = approved.decided_at.date() if approved and approved.decided_at else zone_today
    pay_by = approved.until if approved and approved.until else decided + timedelta(days=SETTLEMENT_DAYS)
    return SettlementTerms(account.settlement_amount, pay_by)


def send_document(
    session: Session,
    *,
    account_id: str,
    kind: DocumentKind,
    channel: SendChannel,
    actor: str,
    now: datetime,
    today: date,
    settings: Settings,
    templates: Templates,
    source: str = "slack",
    stage: str | None = None,
    check_access: bool = True,
) -> SentDocument:
    """Render `kind` for the account from the ledger as it is and send it by `channel`, in the
    caller's transaction. With `check_access` the actor must be allowed to work the account
    (agents their own, supervisors any; jobs pass False). Raises UserError (no such account,
    nothing to say, no address, email not set up) or ComplianceRefusedError, having written nothing."""
    if check_access:
        account = find_account(session, account_id, for_update=True, actor=actor, today=today)
        require_sender(session, account, actor)
    else:
        account = find_account(session, account_id, for_update=True)
    if channel == SendChannel.EMAIL and not (settings.smtp_url.get_secret_value() and settings.mail_from):
        raise UserError(
            _("Email is not set up for this team."),
            _("Send it as a letter, or set COLLECT_SMTP_URL and COLLECT_MAIL_FROM."),
        )
    facts = document_facts(session, account.account_id, kind, settings, today, channel=channel)
    missing = missing_for_kind(facts)
    if missing:
        raise UserError(_(missing))
    unreachable = refusal_to_send(channel, facts)
    if unreachable:
        raise UserError(_(unreachable))
    guard_document(session, account, kind, channel, now=now, settings=settings)
    rendered = render_document(facts, templates)
    recipient = (
        (facts.email or "") if channel == SendChannel.EMAIL else "\n".join(address_lines(facts.address))
    )
    document = Document(
        account_pk=account.id,
        kind=kind.value,
        channel=channel.value,
        language=rendered.language,
        recipient=recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        pdf=rendered.pdf,
        sha256=rendered.sha256,
        status=DocumentStatus.QUEUED if channel == SendChannel.LETTER else DocumentStatus.SENT,
        source=source,
        stage=stage,
        actor=actor,
        created_at=now,
    )
    session.add(document)
    session.flush()
    if channel == SendChannel.EMAIL:
        enqueue_email(
            session,
            key=f"document:{document.id}",
            email=document_email(rendered, recipient, account.account_id),
            now=now,
        )
        mark_sent(session, account, document, now=now, today=today)
    else:
        audit.record(
            session, at=now, actor=actor, action="document.queued", entity="account",
            entity_key=account.account_id, after=_audited(document),
        )  # fmt: skip
    return sent_document(account, document)


def guard_document(
    session: Session,
    account: Account,
    kind: DocumentKind,
    channel: SendChannel,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """The contact rules for a document, now: ComplianceRefusedError when they refuse it. In the US
    profile a reminder or a final notice waits until the account's validation period has ended, so
    that no demand overshadows the right to dispute (§1006.38(b))."""
    today = now.astimezone(settings.zone).date()
    if overshadows(kind, account.validation_ends, today, settings.compliance_profile):
        assert account.validation_ends is not None
        ends = account.validation_ends
        verdict = Verdict(
            False, VALIDATION_PERIOD_RULE, _(OVERSHADOWING_REFUSAL).format(ends=speaker().day(ends))
        )
        raise ComplianceRefusedError(
            verdict, account.id, f"send {kind.value} by {channel.value}",
            recorded=OVERSHADOWING_REFUSAL.format(ends=ends.isoformat()),
        )  # fmt: skip
    facts = debt_facts(session, account, now, settings.zone, with_calls=False)
    verdict = check_document(
        kind.value, channel.value, now.astimezone(settings.zone), facts, profile=settings.compliance_profile
    )
    if not verdict.allowed:
        raise ComplianceRefusedError(verdict, account.id, f"send {kind.value} by {channel.value}")


def mark_sent(
    session: Session, account: Account, document: Document, *, now: datetime, today: date | None = None
) -> None:
    """The document has gone out (an email queued, or a letter's print batch written): it becomes a
    contact of its channel on the account's history and an audited send carrying its hash; then
    what sending it changes on the account (after_document_sent). `today` is the team's day."""
    contact = Contact(
        account_pk=account.id,
        at=now,
        channel=document.channel,
        # One-way: nobody was reached in conversation, so it is never a right-party contact.
        outcome=Outcome.LEFT_MESSAGE,
        agent=document.actor,
        notes=f"{document.kind} (document {document.id})",
        callback_on=None,
        source=document.source,
        created_at=now,
    )
    session.add(contact)
    session.flush()
    note_contact_on_account(account, now, Outcome.LEFT_MESSAGE, None)
    document.status = DocumentStatus.SENT
    document.sent_at = now
    document.contact_pk = contact.id
    audit.record(
        session, at=now, actor=document.actor, action="document.sent", entity="account",
        entity_key=account.account_id, after=_audited(document),
    )  # fmt: skip
    after_document_sent(session, account, document, now, today=today)


def after_document_sent(
    session: Session, account: Account, document: Document, now: datetime, *, today: date | None = None
) -> None:
    """What a document changes on the account once it has actually gone out (an email sent, a
    letter's batch written), idempotent (a second call changes nothing):

    - a validation notice starts the validation period: its last day is kept on the account
      (bot.correspondence.rules.validation_period_end, counted from the day it went out: `today`,
      else the letter's batch day, else the UTC day of `now`), never moved earlier;
    - a verification answers the dispute: a hold placed for a dispute is lifted (audited as
      hold.released by collect-bot with the document), and no other hold."""
    if document.status != DocumentStatus.SENT:
        return
    kind, channel = DocumentKind(document.kind), SendChannel(document.channel)
    if kind == DocumentKind.VALIDATION_NOTICE:
        sent_on = today or document.batch or now.date()
        ends = validation_period_end(sent_on, channel)
        if account.validation_ends is None or ends > account.validation_ends:
            before = {
                "validation_ends": account.validation_ends.isoformat() if account.validation_ends else None
            }
            account.validation_ends = ends
            account.updated_at = now
            audit.record(
                session, at=now, actor="collect-bot", action="validation.period", entity="account",
                entity_key=account.account_id, before=before,
                after={"validation_ends": ends.isoformat(), "document_id": document.id},
            )  # fmt: skip
    elif kind == DocumentKind.VERIFICATION and releases_on_verification(account.status, account.hold_reason):
        lift_hold(
            session, account, action="hold.released", actor="collect-bot", now=now,
            detail={"reason": "verification sent", "document_id": str(document.id)},
        )  # fmt: skip


def letter_printed(session: Session, document_id: int, *, batch: date, now: datetime) -> None:
    """A queued letter's print batch was written: it counts as sent from now."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.status != DocumentStatus.QUEUED:
        return
    account = session.get(Account, document.account_pk, with_for_update=True)
    assert account is not None
    document.batch = batch
    mark_sent(session, account, document, now=now)


def cancel_document(session: Session, document: Document, *, reason: str, actor: str, now: datetime) -> None:
    """A queued letter that must not go out after all (paid meanwhile, a hold came)."""
    if document.status != DocumentStatus.QUEUED:
        return
    account = session.get(Account, document.account_pk)
    assert account is not None
    document.status = DocumentStatus.CANCELLED
    document.cancel_reason = reason
    audit.record(
        session, at=now, actor=actor, action="document.cancelled", entity="account",
        entity_key=account.account_id, after={**_audited(document), "reason": reason},
    )  # fmt: skip


def postal_address(account: Account) -> PostalAddress:
    return PostalAddress(
        account.address_line1,
        account.address_line2,
        account.city,
        account.region,
        account.postal_code,
        account.country,
    )


def content_hash_of(document: Document) -> str:
    """The hash of a kept document's parts, to set beside the one its audit row carries."""
    return content_hash(document.subject, document.text, document.html, document.pdf)


def document_email(rendered: RenderedDocument, to: str, account_id: str) -> Email:
    return Email(
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=(Attachment(pdf_filename(rendered.kind, account_id), "application/pdf", rendered.pdf),),
    )


def pdf_filename(kind: DocumentKind, account_id: str) -> str:
    # An account id is the billing system's text: only safe characters reach a file name.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", account_id).strip("-.") or "account"
    return f"{kind.value}-{safe}.pdf"


def sent_document(account: Account, document: Document) -> SentDocument:
    return SentDocument(
        document_id=document.id,
        account_id=account.account_id,
        customer_name=account.customer_name,
        kind=DocumentKind(document.kind),
        channel=SendChannel(document.channel),
        status=DocumentStatus(document.status),
        recipient=document.recipient,
        sha256=document.sha256,
    )


def _audited(document: Document) -> dict[str, object]:
    # The hash, not the content: the document itself is kept in `documents` under the same id.
    return {
        "document_id": document.id,
        "kind": document.kind,
        "channel": document.channel,
        "language": document.language,
        "sha256": document.sha256,
        "source": document.source,
        "stage": document.stage,
        "status": document.status,
    }


def document_preview(
    session: Session,
    *,
    account_id: str,
    kind: DocumentKind,
    channel: SendChannel | None,
    actor: str,
    settings: Settings,
    now: datetime,
    today: date,
    templates: Templates,
) -> DocumentPreview:
    """The document `actor` is about to send, as it would go out now (subject and text; no PDF),
    by `channel` (None: email when the account has an address for it, else a letter). Refused, with
    nothing about the customer in the refusal, to anyone who may not send it (bot.access
    .may_send_documents), and when the document cannot go: no creditor set, nothing for this kind
    to say, no email or postal address for the channel, email not set up, or the contact rules
    refusing it now (a hold, the customer's hours): what Send would refuse, said before it."""
    account = sendable_account(session, account_id, actor=actor, today=today)
    facts = document_facts(session, account.account_id, kind, settings, today)
    missing = missing_for_kind(facts)
    if missing:
        raise UserError(_(missing), _("Choose another kind of document."), field="kind")
    going = channel or default_channel(facts)
    refusal = refusal_to_send(going, facts)
    if refusal:
        raise UserError(_(refusal), field="channel")
    if going == SendChannel.EMAIL and not (settings.smtp_url.get_secret_value() and settings.mail_from):
        raise UserError(
            _("Email is not set up for this team."),
            _("Send it as a letter, or set COLLECT_SMTP_URL and COLLECT_MAIL_FROM."),
            field="channel",
        )
    # Read-only here: the refusal is noted for coaching when Send is refused, not when previewed.
    guard_document(session, account, kind, going, now=now, settings=settings)
    subject, text, _html = render_parts(facts, templates)
    return DocumentPreview(
        account_id=facts.account_id,
        customer_name=facts.customer_name,
        kind=kind,
        channel=going,
        language=facts.language,
        subject=subject,
        text=text,
        recipient=recipient(going, facts),
    )


def sendable_account(session: Session, account_id: str, *, actor: str, today: date) -> Account:
    """The account, when `actor` may send its customer a document (see require_sender). Someone who
    may not work it is told what any such request is told (bot.access.no_such_account)."""
    account = find_account(session, account_id, actor=actor, today=today)
    require_sender(session, account, actor)
    return account


def require_sender(session: Session, account: Account, actor: str) -> None:
    """A document goes out in the creditor's name: from the agent who holds the account or a
    supervisor (bot.access.may_send_documents); whoever else works it (the shared queue, a day's
    loan) is told who sends them."""
    member = find_member(session, actor)
    if not may_send_documents(member.role if member else None, actor, assigned_to=account.assigned_to):
        raise UserError(
            _(
                "Documents to the customer of `{account}` are sent by the agent who holds it or a supervisor."
            ).format(account=account.account_id),
            _("Ask your supervisor to send it, or to assign the account to you (`/collect assign`)."),
            field="account",
        )
