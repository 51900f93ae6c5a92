"""Holds: an account that must not be pursued for a while. A hold with an end date (a hardship
pause) ends by itself; the morning run releases it before planning the day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.vocabulary import AccountStatus
from storage.models import Account


def release_expired_holds(session: Session, *, today: date, now: datetime) -> int:
    """Accounts whose hold ended before today return to active; returns how many."""
    query = select(Account).where(Account.status == AccountStatus.ON_HOLD, Account.hold_until < today)
    released = 0
    for account in session.scalars(query.with_for_update()):
        before = audit.account_state(account)
        account.status, account.hold_reason, account.hold_until = AccountStatus.ACTIVE, None, None
        account.updated_at = now
        audit.record(
            session,
            at=now,
            actor="collect-bot",
            action="hold.ended",
            entity="account",
            entity_key=account.account_id,
            before=before,
            after=audit.account_state(account),
        )
        released += 1
    return released
