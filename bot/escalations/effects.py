"""What an approval does to the account: a plan's instalments, a settlement's agreed amount, a
write-off, or a hold (legal, hardship, dispute) that keeps it off the worklists until it ends."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.escalations.rules import add_months, hold_for, instalment_schedule
from bot.vocabulary import AccountStatus, EscalationKind, PromiseStatus
from storage.models import Account, Escalation, Promise


def apply_decision(
    session: Session, escalation: Escalation, *, actor: str, now: datetime, today: date
) -> None:
    account = session.get_one(Account, escalation.account_pk, with_for_update=True)
    before = audit.account_state(account)
    kind = EscalationKind(escalation.kind)
    if kind == EscalationKind.PAYMENT_PLAN:
        _start_plan(session, account, escalation, now=now, today=today)
    elif kind == EscalationKind.SETTLEMENT:
        account.settlement_amount = escalation.amount
        account.settlement_approved_at = now
    elif kind == EscalationKind.WRITE_OFF:
        _write_off(account, escalation.amount or account.balance)
    else:
        _hold(account, hold_for(kind) or kind.value, escalation.until)
    account.updated_at = now
    audit.record(
        session,
        at=now,
        actor=actor,
        action=f"account.{kind.value}",
        entity="account",
        entity_key=account.account_id,
        before=before,
        after={**audit.account_state(account), "escalation": escalation.id},
    )


def _start_plan(
    session: Session, account: Account, escalation: Escalation, *, now: datetime, today: date
) -> None:
    """Each instalment behaves as a promise; the open promise it replaces is cancelled."""
    assert escalation.amount is not None
    schedule = instalment_schedule(
        escalation.amount,
        account.balance,
        count=escalation.instalments,
        until=escalation.until,
        first_due=first_instalment_due(today),
    )
    for promise in session.scalars(
        select(Promise).where(Promise.account_pk == account.id, Promise.status == PromiseStatus.OPEN)
    ):
        promise.status, promise.resolved_at = PromiseStatus.CANCELLED, now
    for instalment in schedule:
        session.add(
            Promise(
                account_pk=account.id,
                amount=instalment.amount,
                currency=account.currency,
                due_date=instalment.due_date,
                status=PromiseStatus.OPEN,
                paid_toward=Decimal(0),
                made_by=escalation.requested_by,
                made_at=now,
                plan_escalation_id=escalation.id,
                instalment=instalment.number,
            )
        )
    account.status = AccountStatus.PLAN


def first_instalment_due(today: date) -> date:
    """A month after approval, on the same day of the month (or the month's last day)."""
    return add_months(today, 1)


def _write_off(account: Account, amount: Decimal) -> None:
    account.written_off_amount = (account.written_off_amount or Decimal(0)) + amount
    account.balance -= amount
    if account.balance <= 0:
        account.status = AccountStatus.WRITTEN_OFF


def _hold(account: Account, reason: str, until: date | None) -> None:
    account.status = AccountStatus.LEGAL if reason == "legal" else AccountStatus.ON_HOLD
    account.hold_reason = reason
    account.hold_until = until
