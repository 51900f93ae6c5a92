"""The ledger's plain data: an account as `/collect account` shows it, and its lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.aging import AgingBucket

UTC_ZONE = ZoneInfo("UTC")


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
    product: str | None = None
    """The kind of credit (card, personal-loan…), as the billing system sent it."""
    zone: ZoneInfo = UTC_ZONE
    """The team's zone: the times shown are each reader's own (Slack date tokens), and this is
    the zone of their plain fallback."""


class PromiseStanding(StrEnum):
    """How an open promise stands on a given team-local day."""

    PENDING = "pending"
    DUE_TODAY = "due today"
    IN_GRACE = "in grace"
    BROKEN = "broken"
