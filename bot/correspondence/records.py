"""What a document says about an account, read from the ledger: `document_facts`."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import may_send_documents
from bot.aging import aging_bucket, days_past_due
from bot.correspondence.model import (
    DocumentFacts,
    DocumentKind,
    DocumentPreview,
    PaymentLine,
    PostalAddress,
    PromiseLine,
    SendChannel,
    SettlementTerms,
)
from bot.correspondence.render import Templates, render_parts
from bot.correspondence.rules import (
    default_channel,
    document_locale,
    missing_for_kind,
    payment_link,
    recipient,
    refusal_to_send,
)
from bot.errors import UserError
from bot.language.model import _
from bot.ledger.records.accounts import find_account, open_promises
from bot.roster.records import find_member
from bot.settings import Settings
from bot.vocabulary import EscalationKind, EscalationStatus
from storage.models import Account, Escalation, Payment

RECENT_PAYMENTS = 5
# Regulation F's validation period ends 30 days after the notice is received, and a consumer is
# taken to receive a mailed notice within 5 working days; 35 calendar days covers both until the
# bot tracks each account's validation period (issue 21, later).
VALIDATION_DAYS = 35
# An approved settlement's offer stands this long when the approval named no date of its own.
SETTLEMENT_DAYS = 30


def document_facts(
    session: Session, account_id: str, kind: DocumentKind, settings: Settings, today: date
) -> DocumentFacts:
    """The facts of `kind` for the account, `today` being the team's day. A document names its
    creditor, so without COLLECT_CREDITOR_NAME and COLLECT_CREDITOR_ADDRESS none is written."""
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
        address=PostalAddress(
            account.address_line1,
            account.address_line2,
            account.city,
            account.region,
            account.postal_code,
            account.country,
        ),
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
        validation_ends=today + timedelta(days=VALIDATION_DAYS),
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


def document_preview(
    session: Session,
    *,
    account_id: str,
    kind: DocumentKind,
    channel: SendChannel | None,
    actor: str,
    settings: Settings,
    today: date,
    templates: Templates,
) -> DocumentPreview:
    """The document `actor` is about to send, as it would go out now (subject and text; no PDF),
    by `channel` (None: email when the account has an address for it, else a letter). Refused, with
    nothing about the customer in the refusal, to anyone who may not send it (bot.access
    .may_send_documents), and when the document cannot go: no creditor set, nothing for this kind
    to say, no email or postal address for the channel."""
    account = sendable_account(session, account_id, actor=actor, today=today)
    facts = document_facts(session, account.account_id, kind, settings, today)
    missing = missing_for_kind(facts)
    if missing:
        raise UserError(_(missing), _("Choose another kind of document."), field="kind")
    going = channel or default_channel(facts)
    refusal = refusal_to_send(going, facts)
    if refusal:
        raise UserError(_(refusal), field="channel")
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
    """The account, when `actor` may send its customer a document (bot.access.may_send_documents).
    Someone who may not work it is told what any such request is told (bot.access
    .no_such_account); someone who works it but may not write to its customer, who sends them."""
    account = find_account(session, account_id, actor=actor, today=today)
    member = find_member(session, actor)
    if not may_send_documents(member.role if member else None, actor, assigned_to=account.assigned_to):
        raise UserError(
            _(
                "Documents to the customer of `{account}` are sent by the agent who holds it or a supervisor."
            ).format(account=account.account_id),
            _("Ask your supervisor to send it, or to assign the account to you (`/collect assign`)."),
            field="account",
        )
    return account
