"""Days past due and aging buckets, as DOMAIN.md defines them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class AgingBucket(StrEnum):
    CURRENT = "current"
    B1_30 = "1-30"
    B31_60 = "31-60"
    B61_90 = "61-90"
    B91_120 = "91-120"
    B120_PLUS = "120+"


def days_past_due(due_date: date, today: date) -> int:
    """Team-local today minus the oldest unpaid due date, never negative."""
    return max(0, (today - due_date).days)


def aging_bucket(dpd: int) -> AgingBucket:
    if dpd <= 0:
        return AgingBucket.CURRENT
    if dpd <= 30:
        return AgingBucket.B1_30
    if dpd <= 60:
        return AgingBucket.B31_60
    if dpd <= 90:
        return AgingBucket.B61_90
    if dpd <= 120:
        return AgingBucket.B91_120
    return AgingBucket.B120_PLUS
