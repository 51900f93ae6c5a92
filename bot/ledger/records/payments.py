"""Recording a payment: lower the balance, keep promises, close paid accounts, audit it all."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, bindparam, func, insert, select
from sqlalchemy.orm import Session

from bot import audit
from bot.calendar import local_day
from bot.clock import team_today
from bot.currency import has_valid_precision, is_storable
from bot.errors import ConflictError, UserError
from bot.language.model import _, speaker
from bot.ledger.records.accounts import lock_for_change, open_promises, write_back
from bot.ledger.records.submissions import replayed, row_claim
from bot.ledger.rules.balance import is_overpayment, status_after_payment
from bot.ledger.rules.promises import counts_toward, progress_after_payment
from bot.ledger.rules.references import payment_reference_key
from bot.parsing.amounts import AmountTooLargeError, parse_amount
from bot.roster.records import roster_name
from bot.vocabulary import AccountStatus, EscalationKind, EscalationStatus, PromiseStatus
from storage.models import Account, Escalation, Payment, Promise, table_of
from storage.prepared import PreparedStatement, connection_of
from storage.types import money_sum


class OverpaymentError(UserError):
    """More than the balance: recorded only once the agent confirms."""

    def __init__(self, account_id: str, amount: Decimal, balance: Decimal, currency: str) -> None:
        reader = speaker()
        super().__init__(
            _("{amount} is more than the balance of {balance} on `{account_id}`.").format(
                amount=reader.money(amount, currency),
                balance=reader.money(balance, currency),
                account_id=account_id,
            ),
            _("Check the amount, or confirm to record it and leave a credit balance."),
            field="amount",
        )
        self.account_id = account_id
        self.amount = amount
        self.balance = balance
        self.currency = currency


class DuplicatePaymentError(ConflictError):
    """The reference, or the same confirmed click, is already recorded on the account."""

    def __init__(self, account_id: str, earlier: Payment, recorded_by: str, zone: ZoneInfo) -> None:
        reader = speaker()
        when = reader.day(local_day(earlier.received_at, zone))  # the team's day, not UTC's
        by = _("the payment feed") if earlier.source == "import" else recorded_by
        what = (
            _("reference `{reference}`").format(reference=earlier.reference)
            if earlier.reference
            else _("this payment")
        )
        super().__init__(
            _("`{account_id}` already has {what}: {amount} received {when}, recorded by {by}.").format(
                account_id=account_id,
                what=what,
                amount=reader.money(earlier.amount, earlier.currency),
                when=when,
                by=by,
            ),
            _("Nothing was recorded again. Use another reference if this is a different payment."),
            field="reference",
        )
        self.earlier_id = earlier.id


@dataclass(frozen=True, slots=True)
class PaymentDetails:
    """Everything about a payment but its amount, which is read in the account's currency."""

    method: str | None
    reference: str | None
    payer: str | None
    received_at: datetime
    actor: str
    source: str = "slack"
    dedupe_key: str | None = None
    allow_overpayment: bool = False
    confirmed: bool = False
    """The agent confirmed a question (a repeat of a payment just typed): ask nothing again."""


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    account_id: str
    customer_name: str
    currency: str
    amount: Decimal
    reference: str | None
    balance_before: Decimal
    balance_after: Decimal
    status_after: str
    promise_kept: Decimal | None
    payment_id: int = 0
    told: frozenset[str] = frozenset()
    """The agents told of it because the account is on their list today: their Homes to refresh."""
    account_pk: int = 0
    listed_for: str | None = None
    """Whose list the account is on today (a typed payment reads it with the account)."""
    open_alert: bool = True
    letter_waiting: bool = True
    """Whether the account had an open alert, or a letter waiting for the print room, when it was
    locked: what the payment may clear or cancel (True when not known)."""


def record_typed_payment(
    session: Session,
    account_id: str,
    amount_text: str,
    details: PaymentDetails,
    *,
    now: datetime,
    zone: ZoneInfo,
    grace_days: int,
    claim: str | None = None,
) -> PaymentOutcome:
    """`/collect pay`: the amount is read in the account's currency, so it is parsed here.
    `claim`: the slash command's key, looked for with the account's lock (lock_for_change) and
    claimed on the payment (row_claim)."""
    locked = lock_for_change(
        session, account_id, actor=details.actor, today=team_today(now, zone), claim=claim
    )
    amount = parse_amount(amount_text, locked.account.currency)
    outcome = apply_payment(
        session, locked.account, amount, details, now=now, zone=zone, grace_days=grace_days,
        refuse_quick_repeat=not details.reference and not details.confirmed,
        promise_open=locked.open_promise, detached=True, claim=row_claim(claim) if claim else None,
    )  # fmt: skip
    return replace(
        outcome, listed_for=locked.listed_for, open_alert=locked.open_alert,
        letter_waiting=locked.letter_waiting,
    )  # fmt: skip


REPEAT_WINDOW = timedelta(minutes=2)


class RepeatedPaymentError(UserError):
    """The same amount on the same account by the same person moments ago, without a reference:
    more likely typed twice than paid twice, so it waits for a one-click confirmation."""

    def __init__(self, account_id: str, amount: Decimal, currency: str) -> None:
        super().__init__(
            _("You recorded {amount} on `{account_id}` less than two minutes ago.").format(
                amount=speaker().money(amount, currency), account_id=account_id
            ),
            _("If this is a second payment, confirm it; a reference (`ref:…`) tells them apart."),
            field="amount",
        )
        self.account_id = account_id
        self.amount = amount


# Built once, as every statement of a typed payment: building one costs more than running it.
_QUICK_REPEAT = select(Payment.id).where(
    Payment.account_pk == bindparam("account_pk"),
    Payment.recorded_by == bindparam("actor"),
    Payment.amount == bindparam("amount"),
    Payment.source == "slack",
    Payment.created_at >= bindparam("since"),
)


def _refuse_a_quick_repeat(
    session: Session, account: Account, amount: Decimal, actor: str, now: datetime, claim: str | None
) -> None:
    params = {"account_pk": account.id, "actor": actor, "amount": amount, "since": now - REPEAT_WINDOW}
    if session.scalar(_QUICK_REPEAT, params) is not None:
        if claim is not None and _holds(session, account, claim):
            raise replayed()  # a copy of the command sent at the same moment, not a second typing
        raise RepeatedPaymentError(account.account_id, amount, account.currency)


# The unique (account_pk, reference_key) constraint's index answers this.
_BY_REFERENCE = select(Payment).where(
    Payment.account_pk == bindparam("account_pk"), Payment.reference_key == bindparam("reference_key")
)
# Within the account: a key that is not this account's names nothing (another account's payment
# must never be shown in a refusal about this one).
_BY_DEDUPE_KEY = select(Payment).where(
    Payment.account_pk == bindparam("account_pk"), Payment.dedupe_key == bindparam("dedupe_key")
)


def _holds(session: Session, account: Account, claim: str) -> bool:
    """Whether a payment of the account holds the slash command's claim (in its dedupe_key)."""
    return (
        session.scalars(_BY_DEDUPE_KEY, {"account_pk": account.id, "dedupe_key": claim}).first() is not None
    )


def find_duplicate(
    session: Session, account: Account, details: PaymentDetails, key: str | None
) -> Payment | None:
    """`key`: payment_reference_key(details.reference)."""
    if key:
        earlier = session.scalars(_BY_REFERENCE, {"account_pk": account.id, "reference_key": key}).first()
        if earlier:
            return earlier
    if details.dedupe_key:
        return session.scalars(
            _BY_DEDUPE_KEY, {"account_pk": account.id, "dedupe_key": details.dedupe_key}
        ).first()
    return None


def _refuse_a_duplicate(
    session: Session, account: Account, details: PaymentDetails, key: str | None, zone: ZoneInfo
) -> None:
    earlier = find_duplicate(session, account, details, key)
    if earlier is not None:  # the same reference, click or form again: say it is done, not "repeat?"
        raise DuplicatePaymentError(
            account.account_id, earlier, roster_name(session, earlier.recorded_by), zone
        )


def apply_payment(
    session: Session,
    account: Account,
    amount: Decimal,
    details: PaymentDetails,
    *,
    now: datetime,
    zone: ZoneInfo,
    grace_days: int,
    refuse_quick_repeat: bool = False,
    promise_open: bool = True,
    detached: bool = False,
    claim: str | None = None,
) -> PaymentOutcome:
    """The caller has locked the account (find_account(for_update=True)) for this transaction.
    `refuse_quick_repeat`: a typed payment like one the same person recorded moments ago waits
    for a confirmation. `promise_open`: False when the caller knows the account has no open
    promise (read with the lock), so none is looked for. `detached`: the account is not in the
    session (lock_for_change), so its change is written here, in one UPDATE. `claim`: the slash
    command's claim as the payment keeps it (row_claim), in its dedupe_key."""
    _check_amount(account, amount)
    key = payment_reference_key(details.reference)
    over = is_overpayment(account.balance, amount) and not details.allow_overpayment
    storable = is_storable(account.balance - amount)
    before = audit.account_state(account)
    status_before = account.status
    asked = refuse_quick_repeat or over or not storable
    if asked:
        # A question or a refusal may follow: a duplicate is said first (it is done, not "repeat?").
        _refuse_a_duplicate(session, account, details, key, zone)
        if refuse_quick_repeat:
            _refuse_a_quick_repeat(session, account, amount, details.actor, now, claim)
        if over:
            raise OverpaymentError(account.account_id, amount, account.balance, account.currency)
        if not storable:
            credit = speaker().money(amount - account.balance, account.currency)
            raise AmountTooLargeError(
                _("The credit of {amount} it would leave on `{account_id}`").format(
                    amount=credit, account_id=account.account_id
                ),
                account.currency,
            )
    # The reference's, the click's or the command's unique key is the check, in the insert (after
    # a question, only the command's can still conflict: a copy of it sent at the same moment).
    payment_state = _insert_payment(
        session,
        account,
        amount,
        details,
        key,
        now,
        claim=claim,
        unless_recorded=not asked or claim is not None,
    )
    if payment_state is None:
        if claim is not None and _holds(session, account, claim):
            raise replayed()
        _refuse_a_duplicate(session, account, details, key, zone)
        raise AssertionError("a payment's unique key conflicted with no payment of the account")
    promises = open_promises(session, account) if promise_open else []
    promise_kept = _apply_to_promise(
        session, promises, amount, details, zone=zone, grace_days=grace_days, now=now
    )
    balance_before = account.balance
    account.balance -= amount
    _note_last_payment(account, amount, details, zone)
    promise_left = any(promise.status == PromiseStatus.OPEN for promise in promises)
    account.status = status_after_payment(account.status, account.balance, open_promise_left=promise_left)
    forgiven = _settle_if_reached(session, account, now)
    account.updated_at = now
    # The status only when it changed: SQLite rewrites the status index's entry for a status set
    # to what it was, a page of every pay's commit (issue 23).
    paid_fields = _PAID_FIELDS if account.status != status_before else _PAID_FIELDS_BUT_STATUS
    after = {
        **audit.account_state(account),
        "payment": payment_state,
        **({"settlement_forgiven": str(forgiven)} if forgiven is not None else {}),
    }
    if detached:
        write_back(
            session, account, paid_fields, at=now, actor=details.actor, action="payment.recorded",
            before=before, after=after,
        )  # fmt: skip
    else:
        audit.record(
            session, at=now, actor=details.actor, action="payment.recorded", entity="account",
            entity_key=account.account_id, before=before, after=after,
        )  # fmt: skip
    return PaymentOutcome(
        account_id=account.account_id,
        customer_name=account.customer_name,
        currency=account.currency,
        amount=amount,
        reference=details.reference,
        balance_before=balance_before,
        balance_after=account.balance,
        status_after=account.status,
        promise_kept=promise_kept,
        payment_id=int(str(payment_state["id"])),
        account_pk=account.id,
    )


def _check_amount(account: Account, amount: Decimal) -> None:
    # The parser refuses these for typed amounts; imports and confirmations arrive here directly.
    if amount <= 0:
        raise UserError(_("A payment must be more than zero."), _("Type the amount received, like `250.00`."))
    if not has_valid_precision(amount, account.currency):
        raise UserError(
            _("{amount} has more decimals than {currency} allows.").format(
                amount=amount, currency=account.currency
            ),
            _("Type the amount exactly as received."),
            field="amount",
        )


# What a payment changes on its account (balance and status by _settle_if_reached too).
_PAID_FIELDS = ("balance", "status", "last_payment_date", "last_payment_amount", "updated_at")
_PAID_FIELDS_BUT_STATUS = tuple(field for field in _PAID_FIELDS if field != "status")

# What a payment's INSERT gives (_insert_payment's values), in the order of the statement's columns.
_PAYMENT_COLUMNS = (
    "account_pk", "amount", "currency", "method", "reference", "reference_key", "payer", "received_at",
    "recorded_by", "source", "dedupe_key", "created_at",
)  # fmt: skip
_INSERT_PAYMENT = PreparedStatement(
    insert(table_of(Payment)).returning(table_of(Payment).c.id), column_keys=_PAYMENT_COLUMNS
)


@functools.cache
def _insert_payment_unless_recorded(dialect: str) -> PreparedStatement:
    """_INSERT_PAYMENT writing nothing (and returning no id) when the payment's reference or click
    key is taken on the account: the unique constraint answers instead of a query before the insert.
    Built for the database in use only: importing a dialect's package loads every driver it ships
    for (a megabyte of the idle bot's memory for the database it does not use)."""
    statement: Insert
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(table_of(Payment)).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table_of(Payment)).on_conflict_do_nothing()
    else:
        raise ValueError(f"no insert-unless-recorded for {dialect}")
    return PreparedStatement(statement.returning(table_of(Payment).c.id), column_keys=_PAYMENT_COLUMNS)


# The busiest writes go on the driver's cursor of the session's connection (storage.prepared):
# plain statements need none of the ORM's execute steps (autoflush, compile state) nor Core's,
# which cost more than the statements; nothing they depend on is pending in the session.


def _insert_payment(
    session: Session,
    account: Account,
    amount: Decimal,
    details: PaymentDetails,
    key: str | None,
    now: datetime,
    *,
    claim: str | None = None,
    unless_recorded: bool = False,
) -> dict[str, object] | None:
    """Writes the payment; returns what the audit row says of it. `claim`: the slash command's, in
    its dedupe_key. `unless_recorded`: None, and nothing written, when its reference, click key or
    claim is already recorded."""
    assert claim is None or details.dedupe_key is None, "one unique key: a command's or a click's or a form's"
    values = {
        "account_pk": account.id,
        "amount": amount,
        "currency": account.currency,
        "method": details.method,
        "reference": details.reference,
        "reference_key": key,
        "payer": details.payer,
        "received_at": details.received_at,
        "recorded_by": details.actor,
        "source": details.source,
        "dedupe_key": details.dedupe_key if claim is None else claim,
        "created_at": now,
    }
    connection = connection_of(session)
    if unless_recorded:
        found = _insert_payment_unless_recorded(connection.dialect.name).first(connection, values)
        if found is None:
            return None
    else:
        found = _INSERT_PAYMENT.first(connection, values)
        assert found is not None, "an INSERT ... RETURNING returns its row"
    payment_id = found[0]
    return audit.snapshot({"id": payment_id, **{key: values[key] for key in _AUDITED_PAYMENT_FIELDS}})


_AUDITED_PAYMENT_FIELDS = ("amount", "currency", "method", "reference", "received_at", "source")


def _apply_to_promise(
    session: Session,
    promises: list[Promise],
    amount: Decimal,
    details: PaymentDetails,
    *,
    zone: ZoneInfo,
    grace_days: int,
    now: datetime,
) -> Decimal | None:
    """Adds the payment to the open promises it counts toward, earliest first (a plan's
    instalments in order, what is left over carrying to the next); returns what it kept."""
    remaining, kept = amount, Decimal(0)
    for promise in promises:
        if remaining <= 0:
            break
        if not counts_toward(
            made_at=promise.made_at,
            due_date=promise.due_date,
            received_at=details.received_at,
            grace_days=grace_days,
            zone=zone,
        ):
            continue
        applied = min(remaining, promise.amount - promise.paid_toward)
        progress = progress_after_payment(promise.amount, promise.paid_toward, applied)
        promise.paid_toward, remaining = progress.paid_toward, remaining - applied
        if progress.kept:
            promise.status, promise.resolved_at = PromiseStatus.KEPT, now
            kept += promise.amount
    return kept or None


# The discount of the account's latest approved settlement; None for one approved before it was kept.
_APPROVED_FORGIVENESS = (
    select(Escalation.applied_amount)
    .where(
        Escalation.account_pk == bindparam("account_pk"),
        Escalation.kind == EscalationKind.SETTLEMENT,
        Escalation.status == EscalationStatus.APPROVED,
    )
    .order_by(Escalation.decided_at.desc())
    .limit(1)
)


def _settle_if_reached(session: Session, account: Account, now: datetime) -> Decimal | None:
    """An approved settlement closes the account once payments since its approval reach the agreed
    amount; what is left of the balance is forgiven. Returns the amount forgiven."""
    if account.settlement_amount is None or account.settlement_approved_at is None:
        return None
    paid = session.scalar(
        select(func.coalesce(money_sum(Payment.amount), Decimal(0))).where(
            Payment.account_pk == account.id, Payment.received_at >= account.settlement_approved_at
        )
    )
    if paid is None or paid < account.settlement_amount:
        return None
    # Never more than the approver forgave: charges the billing system added since are still owed,
    # and the account settles once they are paid too.
    approved = session.scalar(_APPROVED_FORGIVENESS, {"account_pk": account.id})
    if approved is not None and account.balance > approved:
        return None
    forgiven = max(account.balance, Decimal(0))
    account.balance -= forgiven
    account.status = AccountStatus.SETTLED
    return forgiven


def _note_last_payment(account: Account, amount: Decimal, details: PaymentDetails, zone: ZoneInfo) -> None:
    received_day = details.received_at.astimezone(zone).date()
    if account.last_payment_date is None or received_day >= account.last_payment_date:
        account.last_payment_date = received_day
        account.last_payment_amount = amount
