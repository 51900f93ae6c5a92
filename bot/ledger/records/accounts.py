"""Finding accounts by the id people type, and the summary `/collect account` shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, overload
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    exists,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, class_mapper

from bot import audit
from bot.access import (
    may_work,
    no_such_account,
    not_on_roster,
    sees_every_account,
    sees_in_full,
    works_accounts,
)
from bot.aging import aging_bucket, days_past_due
from bot.compliance.rules.privacy import mask_email, mask_phone
from bot.correspondence.model import DocumentStatus
from bot.dunning.model import SOURCE as DUNNING
from bot.errors import NotFoundError
from bot.ledger.model import UTC_ZONE, AccountSummary, ContactLine, PaymentLine, PromiseLine
from bot.ledger.records.submissions import replayed, row_claim
from bot.ledger.rules.accounts import account_key
from bot.ledger.rules.promises import standing
from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH
from bot.roster.records import find_member
from bot.vocabulary import PromiseStatus
from storage.models import (
    Account,
    Agent,
    Alert,
    Assignment,
    AuditEntry,
    Contact,
    Document,
    Payment,
    Promise,
    ReceivedRequest,
    table_of,
)
from storage.prepared import PreparedStatement, connection_of


@overload
def find_account(session: Session, account_id: str, *, for_update: bool = False) -> Account: ...


@overload
def find_account(
    session: Session,
    account_id: str,
    *,
    for_update: bool = False,
    actor: str,
    today: date,
) -> Account: ...


def find_account(
    session: Session,
    account_id: str,
    *,
    for_update: bool = False,
    actor: str | None = None,
    today: date | None = None,
) -> Account:
    """The account with this id, locked for the rest of the transaction when it will be changed.
    With an `actor` (and the team's `today`, whose worklists count), refused unless they may work
    it (bot.access.may_work), with the same answer whether it does not exist or is not theirs."""
    if actor is None:
        found = session.execute(
            _account_lookup(for_update, False), {"key": account_key(account_id)}
        ).one_or_none()
        if found is None:
            raise unknown_account(session, account_id)
        return found[0]
    assert today is not None, "an actor's access depends on today's worklists"
    params: dict[str, object] = {"key": account_key(account_id), "actor": actor, "today": today}
    found = session.execute(_account_lookup(for_update, True), params).one_or_none()
    role: str | None = found[1] if found is not None else _active_role(session, actor)
    if role is None:
        raise not_on_roster()  # before anything about the account: nothing to learn from it
    if found is None or not may_work(role, actor, assigned_to=found[0].assigned_to, listed_for=found[2]):
        raise unknown_account(session, account_id, actor=actor, today=today, role=role)
    account: Account = found[0]
    return account


@dataclass(frozen=True, slots=True)
class LockedAccount:
    """An account locked for a change by someone who may work it, with what the change needs to
    know of its neighbours, read in the same statement: whose list it is on today, and whether it
    has an open promise, an open alert or a letter waiting for the print room (each False means
    there is nothing to read or change there)."""

    account: Account
    listed_for: str | None
    open_promise: bool
    open_alert: bool
    letter_waiting: bool


def lock_for_change(
    session: Session,
    account_id: str,
    *,
    actor: str,
    today: date,
    claim: str | None = None,
    claimed_on: type[Payment] | type[Contact] = Payment,
    neighbours: bool = True,
) -> LockedAccount:
    """find_account(for_update=True, actor=…) and the account's neighbours, in one round trip: a
    payment typed in Slack is most of a busy morning's writes. The account is read as plain
    columns and comes back outside the session (transient): the ORM's loading and its unit of
    work cost more than the payment's own SQL, so its caller writes the change back itself
    (apply_payment(detached=True)) with a single UPDATE. `neighbours`: False for a change that
    needs none of them (a contact): they are then not read, and said to be there (True: not known).

    `claim`: the slash command's key, looked for in the same statement and refused as a replay
    (UserError) when an earlier command took it: in received_requests (a refused log's claim, and
    every command's before 0.17.3) or on the row of `claimed_on` it wrote (row_claim). The caller
    claims it on the row it writes, whose unique key refuses a copy that looked at the same moment."""
    params: dict[str, object] = {"key": account_key(account_id), "actor": actor, "today": today}
    connection = connection_of(session)
    if claim is None:
        found = _LOCK_FOR_CHANGE[neighbours].first(connection, params)
    else:
        found = _lock_looking_for_claim(neighbours, claimed_on).first(
            connection, {**params, "claim_key": claim, "row_claim_key": row_claim(claim)}
        )
        if found is not None and found[-1]:
            raise replayed()
    role: str | None = found[_ROLE] if found is not None else _active_role(session, actor)
    if role is None:
        raise not_on_roster()
    listed_for: str | None = found[_ROLE + 1] if found is not None else None
    if found is None or not may_work(role, actor, assigned_to=found[_ASSIGNED_TO], listed_for=listed_for):
        raise unknown_account(session, account_id, actor=actor, today=today, role=role)
    account = _transient_account(found[:_ROLE])
    promise, alert, letter = found[_ROLE + 2 : _ROLE + 5] if neighbours else (True, True, True)
    return LockedAccount(account, listed_for, bool(promise), bool(alert), bool(letter))


def _transient_account(values: Sequence[object]) -> Account:
    """The locked row as an Account outside the session, its attributes filled in as the ORM
    loads them (straight into the instance's dict): the declarative constructor sets each of the
    45 columns through its instrumentation, which cost as much as the lock's own SQL."""
    account: Account = _ACCOUNT_MANAGER.new_instance()
    account.__dict__.update(zip(_ACCOUNT_ATTRIBUTES, values, strict=True))
    return account


def write_back(
    session: Session,
    account: Account,
    fields: tuple[str, ...],
    *,
    at: datetime,
    actor: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """The change to an account read with lock_for_change (outside the session) written back: one
    UPDATE of `fields`, and the change's audit row. On PostgreSQL in one round trip, a data-modifying
    WITH whose UPDATE ... RETURNING feeds the audit row's INSERT ... SELECT, so the row is written
    only with the account's change."""
    changed = {f"new_{field}": getattr(account, field) for field in fields}
    connection = connection_of(session)
    written, audited = _write_back_statements(fields)
    if connection.dialect.name == "postgresql":
        audit_row = {"at": at, "actor": actor, "action": action, "entity": "account",
                     "entity_key": account.account_id, "before": before, "after": after}  # fmt: skip
        audited.run(connection, {"account_pk": account.id, **changed, **audit_row})
        return
    written.run(connection, {"account_pk": account.id, **changed})
    audit.record(
        session, at=at, actor=actor, action=action, entity="account", entity_key=account.account_id,
        before=before, after=after,
    )  # fmt: skip


@cache
def _write_back_statements(fields: tuple[str, ...]) -> tuple[PreparedStatement, PreparedStatement]:
    """The UPDATE of these fields, and (PostgreSQL) the same feeding its audit row: built once,
    run on the driver's cursor (storage.prepared)."""
    written = (
        update(_ACCOUNTS)
        .where(_ACCOUNTS.c.id == bindparam("account_pk"))
        .values({field: bindparam(f"new_{field}") for field in fields})
    )
    changed = written.returning(_ACCOUNTS.c.id).cte("changed")
    audited = (
        insert(_AUDIT_LOG)
        .from_select(
            list(_AUDITED_COLUMNS),
            select(
                *(bindparam(name, type_=_AUDIT_LOG.c[name].type) for name in _AUDITED_COLUMNS)
            ).select_from(changed),
        )
        .add_cte(changed)
    )
    return PreparedStatement(written), PreparedStatement(audited)


_AUDIT_LOG = table_of(AuditEntry)
_AUDITED_COLUMNS = ("at", "actor", "action", "entity", "entity_key", "before", "after")


def workable_account(session: Session, account_id: str, *, actor: str, today: date) -> Account | None:
    """The account with this id when the actor may work it (bot.access.may_work), else None with
    nothing said: for ids read out of someone's text, where a refusal or a suggestion would tell
    which accounts exist."""
    params = {"key": account_key(account_id), "actor": actor, "today": today}
    found = session.execute(_account_lookup(False, True), params).one_or_none()
    if found is None or found[1] is None:
        return None
    if not may_work(found[1], actor, assigned_to=found[0].assigned_to, listed_for=found[2]):
        return None
    account: Account = found[0]
    return account


def _active_role(session: Session, actor: str) -> str | None:
    return session.scalar(_ACTIVE_ROLE, {"actor": actor})


_ACTIVE_ROLE = select(Agent.role).where(Agent.slack_user_id == bindparam("actor"), Agent.active.is_(True))


@cache
def _account_lookup(for_update: bool, with_actor: bool) -> Select[Account, str | None, str | None]:
    """Every change on a busy morning starts here, so the statement is built once (building it
    costs more than running it), and the actor's role (while active) and whose list the account is
    on today come in the same query."""
    role = _ACTIVE_ROLE.limit(1).scalar_subquery() if with_actor else null()
    listed_for = (
        select(Assignment.agent)
        .where(Assignment.account_pk == Account.id, Assignment.work_date == bindparam("today"))
        .limit(1)
        .scalar_subquery()
        if with_actor
        else null()
    )
    query = select(Account, role, listed_for).where(Account.account_key == bindparam("key"))
    return query.with_for_update(of=Account) if for_update else query


# The account's mapped attributes, in the order of their columns in _LOCKED_ACCOUNT.
_ACCOUNT_ATTRIBUTES = tuple(prop.key for prop in class_mapper(Account).column_attrs)
_ACCOUNT_MANAGER = class_mapper(Account).class_manager
_ROLE = len(_ACCOUNT_ATTRIBUTES)
_ASSIGNED_TO = _ACCOUNT_ATTRIBUTES.index("assigned_to")
# Plain Core, tables' columns only: a statement that names a mapped attribute anywhere goes through
# the ORM's compiling and loading, which cost more than the query.
_ACCOUNTS, _PROMISES, _ALERTS, _DOCUMENTS = (table_of(m) for m in (Account, Promise, Alert, Document))
_ASSIGNMENTS, _AGENTS = table_of(Assignment), table_of(Agent)
_LOCKED_ACCOUNT = (
    select(
        *(_ACCOUNTS.c[prop.columns[0].key] for prop in class_mapper(Account).column_attrs),
        select(_AGENTS.c.role)
        .where(_AGENTS.c.slack_user_id == bindparam("actor"), _AGENTS.c.active.is_(True))
        .limit(1)
        .scalar_subquery(),
        select(_ASSIGNMENTS.c.agent)
        .where(_ASSIGNMENTS.c.account_pk == _ACCOUNTS.c.id, _ASSIGNMENTS.c.work_date == bindparam("today"))
        .limit(1)
        .scalar_subquery(),
    )
    .where(_ACCOUNTS.c.account_key == bindparam("key"))
    .with_for_update(of=_ACCOUNTS)
)
# What a payment may keep, clear or cancel: an open promise, an open alert, a letter waiting.
_WITH_NEIGHBOURS = _LOCKED_ACCOUNT.add_columns(
    exists().where(_PROMISES.c.account_pk == _ACCOUNTS.c.id, _PROMISES.c.status == PromiseStatus.OPEN),
    exists().where(_ALERTS.c.account_pk == _ACCOUNTS.c.id, _ALERTS.c.cleared_at.is_(None)),
    exists().where(
        _DOCUMENTS.c.account_pk == _ACCOUNTS.c.id,
        _DOCUMENTS.c.source == DUNNING,
        _DOCUMENTS.c.status == DocumentStatus.QUEUED,
    ),
)


def _claim_taken(rows: Table) -> ColumnElement[bool]:
    """Whether a slash command's claim was taken before: in received_requests, or on `rows` (the
    payments or the contacts, by their unique dedupe_key). Index lookups, nothing written."""
    received = table_of(ReceivedRequest)
    return or_(
        exists().where(received.c.request_key == bindparam("claim_key", type_=received.c.request_key.type)),
        exists().where(rows.c.dedupe_key == bindparam("row_claim_key", type_=rows.c.dedupe_key.type)),
    )


# Run on the driver's cursor (storage.prepared): every change on a busy morning starts here. By
# whether the neighbours are read.
_LOCKS = {True: _WITH_NEIGHBOURS, False: _LOCKED_ACCOUNT}
_LOCK_FOR_CHANGE = {neighbours: PreparedStatement(lock) for neighbours, lock in _LOCKS.items()}


@cache
def _lock_looking_for_claim(neighbours: bool, claimed_on: type[Payment] | type[Contact]) -> PreparedStatement:
    return PreparedStatement(_LOCKS[neighbours].add_columns(_claim_taken(table_of(claimed_on))))


def unknown_account(
    session: Session,
    account_id: str,
    *,
    actor: str | None = None,
    today: date | None = None,
    role: str | None = None,
) -> NotFoundError:
    """No such account, or (with an actor who may not see everything) none they may work: the
    same answer either way, with suggestions among the accounts they may work."""
    sees_everything = actor is None or sees_every_account(role)
    visible = None if sees_everything or actor is None or today is None else workable_by(actor, today)
    suggestions = closest_account_ids(session, account_id, among=visible)
    return no_such_account(account_id, suggestions=suggestions, sees_everything=sees_everything)


def workable_by(agent: str, today: date) -> ColumnElement[bool]:
    """bot.access.may_work for an agent (an active member who does not see everything), as a
    condition on accounts: theirs, the shared queue's, and those on their list today."""
    on_their_list = select(Assignment.account_pk).where(
        Assignment.work_date == today, Assignment.agent == agent
    )
    return or_(Account.assigned_to == agent, Account.assigned_to.is_(None), Account.id.in_(on_their_list))


def closest_account_ids(
    session: Session, account_id: str, limit: int = 3, *, among: ColumnElement[bool] | None = None
) -> list[str]:
    """Near misses by spelling, looked for among ids sharing a piece with what was typed, so that
    a portfolio of a million accounts is never scanned in Python; `among` narrows them to the
    accounts someone may work."""
    import difflib  # for a mistyped id only: the idle bot does without it

    key = account_key(account_id)[:MAX_ACCOUNT_ID_LENGTH]
    pieces = {key[:3], key[-3:], key[-4:]} - {""}
    digits = "".join(ch for ch in key if ch.isdigit())
    if len(digits) >= 3:
        pieces.add(digits[-3:])
    like = [Account.account_key.contains(piece, autoescape=True) for piece in pieces]
    query = select(Account.account_id).where(or_(*like))
    if among is not None:
        query = query.where(among)
    candidates = session.scalars(query.limit(2000)).all()
    by_key = {candidate.casefold(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)
    return [by_key[match] for match in matches]


def search_accounts(session: Session, text: str, actor: str, today: date, limit: int = 20) -> list[Account]:
    """The account picker: ids starting with, or customer names containing, what was typed, among
    the accounts the person may work (bot.access.may_work)."""
    needle = text.strip().casefold()
    query = select(Account)
    if needle:
        query = query.where(
            or_(
                Account.account_key.startswith(needle, autoescape=True),
                func.lower(Account.customer_name).contains(needle, autoescape=True),
            )
        )
    role = _active_role(session, actor)
    if not works_accounts(role):
        return []
    if not sees_every_account(role):
        query = query.where(workable_by(actor, today))
    return list(session.scalars(query.order_by(Account.account_key).limit(limit)))


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
    zone: ZoneInfo = UTC_ZONE,
) -> AccountSummary:
    if actor is None:
        account, in_full = find_account(session, account_id), True
    else:
        account = find_account(session, account_id, actor=actor, today=today)
        in_full = sees_in_full(
            _active_role(session, actor), actor, assigned_to=account.assigned_to,
            listed_for=session.scalar(_LISTED_FOR, {"account_pk": account.id, "today": today}),
        )  # fmt: skip
    agent = find_member(session, account.assigned_to) if account.assigned_to else None
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
        product=account.product,
        zone=zone,
    )


_LISTED_FOR = select(Assignment.agent).where(
    Assignment.account_pk == bindparam("account_pk"), Assignment.work_date == bindparam("today")
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
