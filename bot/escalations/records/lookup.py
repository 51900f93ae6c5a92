"""Reading escalations: by id, the open one of an account, and as the card their messages show."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.aging import days_past_due
from bot.errors import NotFoundError
from bot.escalations.model import EscalationCard, Instalment
from bot.escalations.records.effects import effect_now
from bot.language.model import _
from bot.ledger.model import ContactLine
from bot.vocabulary import OPEN_ESCALATION_STATUSES, EscalationKind, EscalationStatus
from storage.models import Account, Contact, Escalation, Promise

RECENT_CONTACTS = 3


def message_key(escalation_id: int) -> str:
    """The outbox key of an escalation's channel message: its thread and its edits refer to it."""
    return f"escalation:{escalation_id}"


def find_escalation(session: Session, escalation_id: int, *, for_update: bool = False) -> Escalation:
    query = select(Escalation).where(Escalation.id == escalation_id)
    found = session.scalars(query.with_for_update() if for_update else query).first()
    if found is None:
        raise NotFoundError(
            _("I can't find that escalation any more."),
            _("Type `/collect escalations` to see the open ones."),
        )
    return found


def open_escalation_of(session: Session, account_pk: int) -> Escalation | None:
    query = select(Escalation).where(
        Escalation.account_pk == account_pk, Escalation.status.in_([str(s) for s in OPEN_ESCALATION_STATUSES])
    )
    return session.scalars(query.order_by(Escalation.id).limit(1)).first()


def by_thread(session: Session, channel: str, thread_ts: str) -> Escalation | None:
    query = select(Escalation).where(Escalation.channel == channel, Escalation.message_ts == thread_ts)
    return session.scalars(query).first()


def card_of(
    session: Session, escalation: Escalation, today: date, now: datetime, zone: ZoneInfo
) -> EscalationCard:
    """While open, the card shows what approving would do to the account as it is now (the effect
    the decision itself computes); once decided, what the decision did."""
    account = session.get_one(Account, escalation.account_pk)
    kind = EscalationKind(escalation.kind)
    status = EscalationStatus(escalation.status)
    if status in OPEN_ESCALATION_STATUSES:
        effect = effect_now(escalation, account, today)
        forgiven, notice, schedule, returns = effect.forgiven, effect.notice, effect.schedule, effect.returned
    else:
        forgiven, notice, returns = (
            _recorded_forgiven(escalation, account),
            escalation.returned_because,
            False,
        )
        schedule = _scheduled(session, escalation) if status == EscalationStatus.APPROVED else ()
    return EscalationCard(
        id=escalation.id,
        kind=kind,
        status=status,
        account_id=account.account_id,
        customer_name=account.customer_name,
        currency=account.currency,
        balance=account.balance,
        days_past_due=days_past_due(account.due_date, today),
        amount=escalation.amount,
        instalments=escalation.instalments,
        until=escalation.until,
        forgiven=forgiven,
        reason=escalation.reason,
        requested_by=escalation.requested_by,
        requested_at=escalation.requested_at,
        attempts_last_30_days=_attempts_since(session, account.id, now - timedelta(days=30)),
        recent_contacts=_recent_contacts(session, account.id),
        recommended_by=escalation.recommended_by,
        recommended_at=escalation.recommended_at,
        decided_by=escalation.decided_by,
        decided_at=escalation.decided_at,
        comment=escalation.comment,
        requested_balance=escalation.requested_balance,
        notice=notice,
        returns=returns,
        applied=escalation.applied_amount if status == EscalationStatus.APPROVED else None,
        schedule=schedule,
        question=escalation.question,
        asked_by=escalation.asked_by,
        account_status=account.status,
        zone=zone,
    )


def _recorded_forgiven(escalation: Escalation, account: Account) -> Decimal:
    """What the decision gave up, as recorded when it was applied."""
    if escalation.status != EscalationStatus.APPROVED:
        return Decimal(0)
    if escalation.kind not in (EscalationKind.WRITE_OFF, EscalationKind.SETTLEMENT):
        return Decimal(0)
    if escalation.applied_amount is not None:
        return escalation.applied_amount
    # Approved before what was applied was recorded (migration 0009): the best account of it.
    if escalation.kind == EscalationKind.WRITE_OFF:
        return escalation.amount or account.written_off_amount or Decimal(0)
    return Decimal(0)


def _scheduled(session: Session, escalation: Escalation) -> tuple[Instalment, ...]:
    query = (
        select(Promise)
        .where(Promise.plan_escalation_id == escalation.id)
        .order_by(Promise.instalment, Promise.id)
    )
    return tuple(
        Instalment(promise.instalment or index + 1, promise.due_date, promise.amount)
        for index, promise in enumerate(session.scalars(query))
    )


def _attempts_since(session: Session, account_pk: int, since: datetime) -> int:
    query = (
        select(func.count()).select_from(Contact).where(Contact.account_pk == account_pk, Contact.at >= since)
    )
    return int(session.scalar(query) or 0)


def _recent_contacts(session: Session, account_pk: int) -> tuple[ContactLine, ...]:
    query = (
        select(Contact)
        .where(Contact.account_pk == account_pk)
        .order_by(Contact.at.desc(), Contact.id.desc())
        .limit(RECENT_CONTACTS)
    )
    return tuple(
        ContactLine(at=c.at, channel=c.channel, outcome=c.outcome, agent=c.agent, notes=c.notes)
        for c in session.scalars(query)
    )


def posted_in(session: Session, escalation_id: int) -> tuple[str | None, str | None] | None:
    """The channel and ts of the escalation's message (None: no such escalation)."""
    posted = session.execute(
        select(Escalation.channel, Escalation.message_ts).where(Escalation.id == escalation_id)
    ).first()
    return None if posted is None else (posted.channel, posted.message_ts)


def open_ones(session: Session, *, of: str | None) -> list[Escalation]:
    """The open escalations, oldest first: everyone's, or those `of` asked for."""
    query = select(Escalation).where(Escalation.status.in_([str(s) for s in OPEN_ESCALATION_STATUSES]))
    if of is not None:
        query = query.where(Escalation.requested_by == of)
    return list(session.scalars(query.order_by(Escalation.requested_at)))
