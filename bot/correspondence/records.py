"""What a document says about an account, read from the ledger: `document_facts`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.aging import aging_bucket, days_past_due
from bot.calendar import add_days, start_of_day
from bot.correspondence.model import (
    DocumentFacts,
    DocumentKind,
    Itemization,
    PaymentLine,
    PostalAddress,
    PromiseLine,
    SendChannel,
    SettlementTerms,
)
from bot.correspondence.rules import document_locale, itemize, payment_link, validation_period_end
from bot.errors import UserError
from bot.language.model import _
from bot.ledger.records.accounts import find_account, open_promises
from bot.settings import Settings
from bot.vocabulary import EscalationKind, EscalationStatus
from storage.models import Account, Escalation, Payment
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
        validation_ends=_validation_ends(account, kind, today, channel),
        itemization=_itemization(session, account, zone_start=lambda day: start_of_day(day, zone)),
    )


def _validation_ends(account: Account, kind: DocumentKind, today: date, channel: SendChannel | None) -> date:
    if kind != DocumentKind.VALIDATION_NOTICE and account.validation_ends is not None:
        return account.validation_ends
    return validation_period_end(today, channel or SendChannel.LETTER)


def _itemization(
    session: Session, account: Account, *, zone_start: Callable[[date], datetime]
) -> Itemization | None:
    """Model form B-1's itemization when the billing system gave the date and the amount then; the
    payments since are the ledger's, received after the itemization day (the team's days: the amount
    on that day already counts that day's payments)."""
    if account.itemization_date is None or account.itemization_amount is None:
        return None
    paid = session.scalar(
        select(func.coalesce(money_sum(Payment.amount), Decimal(0))).where(
            Payment.account_pk == account.id,
            Payment.received_at >= zone_start(add_days(account.itemization_date, 1)),
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
