"""What an approval does to the account: a plan's instalments, a settlement's agreed amount, a
write-off, or a hold (legal, hardship, dispute) that keeps it off the worklists until it ends.

Always from the account as it is at the decision, read under its row lock: `effect_now` computes
the effect once, the approval limit is checked against it, and `apply_effect` writes exactly it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.currency import is_storable
from bot.escalations.rules import AccountFacts, DecisionEffect, RequestTerms, decision_effect
from bot.escalations.rules import first_instalment_due as first_instalment_due  # the demo's import
from bot.language.model import _
from bot.parsing.amounts import AmountTooLargeError
from bot.vocabulary import AccountStatus, EscalationKind, PromiseStatus
from storage.models import Account, Escalation, Promise


def locked_account(session: Session, escalation: Escalation) -> Account:
    """The escalation's account, locked until the transaction ends, read afresh from the database."""
    return session.get_one(Account, escalation.account_pk, with_for_update=True, populate_existing=True)


def effect_now(escalation: Escalation, account: Account, today: date) -> DecisionEffect:
    """What approving `escalation` would do to `account` as it is now."""
    return decision_effect(terms_of(escalation), facts_then(escalation), facts_of(account), today=today)


def terms_of(escalation: Escalation) -> RequestTerms:
    return RequestTerms(
        kind=EscalationKind(escalation.kind),
        amount=escalation.amount,
        instalments=escalation.instalments,
        until=escalation.until,
        requested_by=escalation.requested_by,
        currency=escalation.currency,
    )


def facts_of(account: Account) -> AccountFacts:
    return AccountFacts(account.balance, account.status, account.assigned_to, account.hold_reason)


def facts_then(escalation: Escalation) -> AccountFacts | None:
    if escalation.requested_status is None or escalation.requested_balance is None:
        return None
    return AccountFacts(
        escalation.requested_balance,
        escalation.requested_status,
        escalation.requested_assignee,
        escalation.requested_hold_reason,
    )


def remember_request(escalation: Escalation, account: Account) -> None:
    """The account as the request sees it: a decision compares it with the account then."""
    escalation.requested_balance = account.balance
    escalation.requested_status = account.status
    escalation.requested_assignee = account.assigned_to
    escalation.requested_hold_reason = account.hold_reason


def apply_effect(
    session: Session,
    account: Account,
    escalation: Escalation,
    effect: DecisionEffect,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Writes `effect`, computed by effect_now from this locked account in this transaction."""
    if effect.returned:
        raise ValueError("a returned request changes nothing on the account")
    before = audit.account_state(account)
    kind = effect.kind
    if kind == EscalationKind.PAYMENT_PLAN:
        _start_plan(session, account, escalation, effect, now=now)
        escalation.applied_amount = sum((i.amount for i in effect.schedule), Decimal(0))
    elif kind == EscalationKind.SETTLEMENT:
        account.settlement_amount = effect.settlement
        account.settlement_approved_at = now
        escalation.applied_amount = effect.forgiven
    elif kind == EscalationKind.WRITE_OFF:
        _write_off(account, effect.written_off)
        escalation.applied_amount = effect.written_off
    else:
        _hold(account, effect.hold or kind.value, escalation.until)
    account.updated_at = now
    audit.record(
        session,
        at=now,
        actor=actor,
        action=f"account.{kind.value}",
        entity="account",
        entity_key=account.account_id,
        before=before,
        after={
            **audit.account_state(account),
            **audit.snapshot({"escalation": escalation.id, "applied": escalation.applied_amount}),
        },
    )


def _start_plan(
    session: Session, account: Account, escalation: Escalation, effect: DecisionEffect, *, now: datetime
) -> None:
    """Each instalment behaves as a promise; the open promise it replaces is cancelled."""
    for promise in session.scalars(
        select(Promise).where(Promise.account_pk == account.id, Promise.status == PromiseStatus.OPEN)
    ):
        promise.status, promise.resolved_at = PromiseStatus.CANCELLED, now
    for instalment in effect.schedule:
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


def _write_off(account: Account, amount: Decimal) -> None:
    if not Decimal(0) <= amount <= account.balance:
        # decision_effect caps it at the balance it read; a different balance here is a bug.
        raise ValueError(f"a write-off of {amount} on a balance of {account.balance}")
    total = (account.written_off_amount or Decimal(0)) + amount
    if not is_storable(total):
        raise AmountTooLargeError(_("The account's written-off total"), account.currency, field="comment")
    account.written_off_amount = total
    account.balance -= amount
    if account.balance <= 0:
        account.status = AccountStatus.WRITTEN_OFF


def _hold(account: Account, reason: str, until: date | None) -> None:
    account.status = AccountStatus.LEGAL if reason == "legal" else AccountStatus.ON_HOLD
    account.hold_reason = reason
    account.hold_until = until
