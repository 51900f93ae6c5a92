"""Promises to pay: the rules for when a payment keeps one, and when one is due or broken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.calendar import add_days, local_day
from bot.ledger.model import PromiseStanding


@dataclass(frozen=True, slots=True)
class PromiseProgress:
    paid_toward: Decimal
    kept: bool


def counts_toward(
    *, made_at: datetime, due_date: date, received_at: datetime, grace_days: int, zone: ZoneInfo
) -> bool:
    """A payment counts when it arrives after the promise and by its date plus grace (team-local)."""
    received_day = local_day(received_at, zone)
    return received_at >= made_at and received_day <= add_days(due_date, grace_days)


def progress_after_payment(
    amount_promised: Decimal, paid_toward: Decimal, payment: Decimal
) -> PromiseProgress:
    total = paid_toward + payment
    return PromiseProgress(paid_toward=total, kept=total >= amount_promised)


def standing(due_date: date, today: date, grace_days: int) -> PromiseStanding:
    if today < due_date:
        return PromiseStanding.PENDING
    if today == due_date:
        return PromiseStanding.DUE_TODAY
    if today <= add_days(due_date, grace_days):
        return PromiseStanding.IN_GRACE
    return PromiseStanding.BROKEN
