"""Holds: an account that must not be pursued for a while. A hold with an end date (a hardship
pause) ends by itself; the morning run releases it before planning the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.errors import UserError
from bot.language.model import N_, _
from bot.ledger.records.accounts import find_account
from bot.ledger.rules.balance import is_closed
from bot.parsing.echo import quoted
from bot.roster.records import require_supervisor
from bot.vocabulary import AccountStatus, status_name
from storage.models import Account


def release_expired_holds(session: Session, *, today: date, now: datetime) -> int:
    """Accounts whose hold ended before today return to active; returns how many."""
    query = select(Account).where(Account.status == AccountStatus.ON_HOLD, Account.hold_until < today)
    released = 0
    for account in session.scalars(query.with_for_update()):
        _change_hold(
            session, account, AccountStatus.ACTIVE, None, action="hold.ended", actor="collect-bot", now=now
        )
        released += 1
    return released


def _change_hold(
    session: Session,
    account: Account,
    status: AccountStatus,
    reason: str | None,
    *,
    action: str,
    actor: str,
    now: datetime,
    detail: dict[str, str] | None = None,
) -> None:
    """Puts the account on or off hold (any end date cleared), audited with `detail` beside its state."""
    before = audit.account_state(account)
    account.status, account.hold_reason, account.hold_until = status, reason, None
    account.updated_at = now
    audit.record(
        session, at=now, actor=actor, action=action, entity="account", entity_key=account.account_id,
        before=before, after={**audit.account_state(account), **(detail or {})},
    )  # fmt: skip


def lift_hold(
    session: Session,
    account: Account,
    *,
    action: str,
    actor: str,
    now: datetime,
    detail: dict[str, str] | None = None,
) -> None:
    """The account back to active, its hold gone, audited: for a rule that ends a hold by itself
    (bot.correspondence: a verification sent lifts a dispute hold)."""
    _change_hold(
        session, account, AccountStatus.ACTIVE, None, action=action, actor=actor, now=now, detail=detail
    )


PLACEABLE = ("dispute", "cease-communication", "bankruptcy", "attorney")


@dataclass(frozen=True, slots=True)
class HoldOutcome:
    account_id: str
    customer_name: str
    reason: str | None
    placed: bool


def place_hold(
    session: Session, account_id: str, reason: str, note: str, *, actor: str, now: datetime, today: date
) -> HoldOutcome:
    """Anyone who works the account may stop its collection: being careful is never refused."""
    if reason not in PLACEABLE:
        raise UserError(
            _("{reason} is not a hold.").format(reason=quoted(reason)),
            _("Type one of {holds}.").format(holds=", ".join(f"`{r}`" for r in PLACEABLE)),
        )
    account = find_account(session, account_id, for_update=True, actor=actor, today=today)
    if is_closed(account.status):
        raise UserError(
            _("`{account_id}` is {status}: there is nothing to hold.").format(
                account_id=account.account_id, status=status_name(account.status)
            )
        )
    _change_hold(
        session, account, AccountStatus.ON_HOLD, reason, action="hold.placed", actor=actor, now=now,
        detail={"note": note},
    )  # fmt: skip
    return HoldOutcome(account.account_id, account.customer_name, reason, placed=True)


def release_hold(
    session: Session, account_id: str, reason: str, *, actor: str, now: datetime, today: date
) -> HoldOutcome:
    """Only a supervisor lifts a hold, and says why (verification sent, attorney withdrawn…)."""
    require_supervisor(session, actor, N_("release a hold"))
    account = find_account(session, account_id, for_update=True, actor=actor, today=today)
    if account.status not in (AccountStatus.ON_HOLD, AccountStatus.LEGAL):
        raise UserError(_("`{account_id}` is not on hold.").format(account_id=account.account_id))
    if not reason.strip():
        raise UserError(
            _("Say why the hold is lifted."),
            _("Type `/collect release {account_id} <reason>`.").format(account_id=account.account_id),
        )
    _change_hold(
        session, account, AccountStatus.ACTIVE, None, action="hold.released", actor=actor, now=now,
        detail={"reason": reason},
    )  # fmt: skip
    return HoldOutcome(account.account_id, account.customer_name, None, placed=False)
