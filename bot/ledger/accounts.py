"""Finding accounts by the id people type, and the summary `/collect account` shows."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, func, null, or_, select
from sqlalchemy.orm import Session

from bot.access import SEES_EVERYTHING, may_work, not_on_roster, not_yours
from bot.aging import AgingBucket, aging_bucket, days_past_due
from bot.compliance.privacy import mask_email, mask_phone
from bot.errors import NotFoundError
from bot.ledger.promise_rules import PromiseStanding, standing
from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH
from bot.roster import find_member
from bot.vocabulary import PromiseStatus
from storage.models import Account, Agent, Contact, Payment, Promise


def account_key(account_id: str) -> str:
    """Ids match regardless of case: `acc-1042` finds `ACC-1042`."""
    return account_id.strip().casefold()


def find_account(
    session: Session, account_id: str, *, for_update: bool = False, actor: str | None = None
) -> Account:
    """The account with this id, locked for the rest of the transaction when it will be changed.
    With an `actor`, refused unless they may work it (bot.access)."""
    params = {"key": account_key(account_id)} | ({"actor": actor} if actor is not None else {})
    found = session.execute(_account_lookup(for_update, actor is not None), params).one_or_none()
    if found is None:
        raise unknown_account(session, account_id)
    account: Account = found[0]
    role: str | None = found[1]
    if actor is not None:
        if role is None:
            raise not_on_roster()
        if not may_work(role, actor, account.assigned_to):
            raise not_yours(account.account_id)
    return account


@cache
def _account_lookup(for_update: bool, with_role: bool) -> Select[Account, str | None]:
    """Every change on a busy morning starts here, so the statement is built once (building it
    costs more than running it) and the actor's role comes in the same query."""
    role = (
        select(Agent.role).where(Agent.slack_user_id == bindparam("actor")).limit(1).scalar_subquery()
        if with_role
        else null()
    )
    query = select(Account, role).where(Account.account_key == bindparam("key"))
    return query.with_for_update(of=Account) if for_update else query


def unknown_account(session: Session, account_id: str) -> NotFoundError:
    suggestions = closest_account_ids(session, account_id)
    hint = (
        "Did you mean " + ", ".join(f"`{s}`" for s in suggestions) + "?"
        if suggestions
        else "Check the id in the billing system, or type `/collect account` with the exact id."
    )
    return NotFoundError(
        f"There is no account `{account_id[:MAX_ACCOUNT_ID_LENGTH]}`.", hint, field="account"
    )


def closest_account_ids(session: Session, account_id: str, limit: int = 3) -> list[str]:
    """Near misses by spelling, looked for among ids sharing a piece with what was typed, so that
    a portfolio of a million accounts is never scanned in Python."""
    key = account_key(account_id)[:MAX_ACCOUNT_ID_LENGTH]
    pieces = {key[:3], key[-3:], key[-4:]} - {""}
    digits = "".join(ch for ch in key if ch.isdigit())
    if len(digits) >= 3:
        pieces.add(digits[-3:])
    like = [Account.account_key.contains(piece, autoescape=True) for piece in pieces]
    candidates = session.scalars(select(Account.account_id).where(or_(*like)).limit(2000)).all()
    by_key = {candidate.casefold(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)
    return [by_key[match] for match in matches]


def search_accounts(session: Session, text: str, actor: str, limit: int = 20) -> list[Account]:
    """The account picker: ids starting with, or customer names containing, what was typed, among
    the accounts the person may work."""
    needle = text.strip().casefold()
    query = select(Account)
    if needle:
        query = query.where(
            or_(
                Account.account_key.startswith(needle, autoescape=True),
                func.lower(Account.customer_name).contains(needle, autoescape=True),
            )
        )
    member = find_member(session, actor)
    if member is None:
        return []
    if member.role not in SEES_EVERYTHING:
        query = query.where(or_(Account.assigned_to == actor, Account.assigned_to.is_(None)))
    return list(session.scalars(query.order_by(Account.account_key).limit(limit)))


@dataclass(frozen=True, slots=True)
class ContactLine:
    at: datetime
    channel: str
    outcome: str
    agent: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class PaymentLine:
    received_at: datetime
    amount: Decimal
    method: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class PromiseLine:
    amount: Decimal
    due_date: date
    paid_toward: Decimal
    standing: PromiseStanding


@dataclass(frozen=True, slots=True)
class AccountSummary:
    account_id: str
    customer_name: str
    currency: str
    balance: Decimal
    days_past_due: int
    aging_bucket: AgingBucket
    status: str
    hold_reason: str | None
    assigned_to: str | None
    assigned_name: str | None
    open_promise: PromiseLine | None
    contacts: list[ContactLine]
    payments: list[PaymentLine]
    phone: str | None = None
    email: str | None = None
    """Shown in full to the assigned agent and supervisors, masked to anyone else who may see the account."""


def open_promises(session: Session, account: Account) -> list[Promise]:
    """Earliest due first: a payment plan's instalments are kept in order."""
    return list(session.scalars(_OPEN_PROMISES, {"account_pk": account.id}))


_OPEN_PROMISES = (
    select(Promise)
    .where(Promise.account_pk == bindparam("account_pk"), Promise.status == PromiseStatus.OPEN)
    .order_by(Promise.due_date, Promise.id)
)


def open_promise(session: Session, account: Account) -> Promise | None:
    """The next promise (or instalment) due."""
    promises = open_promises(session, account)
    return promises[0] if promises else None


def summarise(
    session: Session,
    account_id: str,
    *,
    today: date,
    grace_days: int,
    actor: str | None = None,
    recent: int = 5,
) -> AccountSummary:
    account = find_account(session, account_id, actor=actor)
    agent = find_member(session, account.assigned_to) if account.assigned_to else None
    viewer = find_member(session, actor) if actor else None
    in_full = viewer is None or viewer.role in SEES_EVERYTHING or account.assigned_to == actor
    promise = open_promise(session, account)
    dpd = days_past_due(account.due_date, today)
    return AccountSummary(
        account_id=account.account_id,
        customer_name=account.customer_name,
        currency=account.currency,
        balance=account.balance,
        days_past_due=dpd,
        aging_bucket=aging_bucket(dpd),
        status=account.status,
        hold_reason=account.hold_reason,
        assigned_to=account.assigned_to,
        assigned_name=agent.name if agent else None,
        open_promise=_promise_line(promise, today, grace_days) if promise else None,
        contacts=_recent_contacts(session, account, recent),
        payments=_recent_payments(session, account, recent),
        phone=(account.phone if in_full else mask_phone(account.phone)) if account.phone else None,
        email=(account.email if in_full else mask_email(account.email)) if account.email else None,
    )


def _promise_line(promise: Promise, today: date, grace_days: int) -> PromiseLine:
    return PromiseLine(
        amount=promise.amount,
        due_date=promise.due_date,
        paid_toward=promise.paid_toward,
        standing=standing(promise.due_date, today, grace_days),
    )


def _recent_contacts(session: Session, account: Account, limit: int) -> list[ContactLine]:
    query = (
        select(Contact).where(Contact.account_pk == account.id).order_by(Contact.at.desc(), Contact.id.desc())
    )
    return [
        ContactLine(at=c.at, channel=c.channel, outcome=c.outcome, agent=c.agent, notes=c.notes)
        for c in session.scalars(query.limit(limit))
    ]


def _recent_payments(session: Session, account: Account, limit: int) -> list[PaymentLine]:
    query = (
        select(Payment)
        .where(Payment.account_pk == account.id)
        .order_by(Payment.received_at.desc(), Payment.id.desc())
    )
    return [
        PaymentLine(received_at=p.received_at, amount=p.amount, method=p.method, reference=p.reference)
        for p in session.scalars(query.limit(limit))
    ]
