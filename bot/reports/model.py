"""A performance report as plain data: what the digest message, the chart and the spreadsheet
are built from. Money is per currency (currencies are never added together); a ratio is None
when its denominator is zero, shown as "n/a"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

PeriodKind = Literal["day", "week", "month"]
Money = dict[str, Decimal]
"""Amounts by currency code."""


@dataclass(frozen=True, slots=True)
class AgentNumbers:
    agent_id: str
    name: str
    attempts: int
    right_party_contacts: int
    rpc_rate: Decimal | None
    promises_made: int
    promises_kept: int
    promises_broken: int
    kept_rate: Decimal | None
    collected: Money
    target: Decimal | None
    """The agent's target for the period, prorated from the monthly one, in target_currency."""
    accounts_worked: int
    accounts_assigned: int
    escalations_raised: int
    attempted_breaches: int = 0
    """Contact attempts refused by the compliance rules (coaching material)."""


@dataclass(frozen=True, slots=True)
class Win:
    """Something worth recognising: a large payment, a promise kept, an account cured."""

    agent_id: str | None
    agent_name: str
    what: str
    amount: Decimal | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class PaymentRow:
    received_at: datetime
    account_id: str
    agent_id: str | None
    amount: Decimal
    currency: str
    method: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class PromiseRow:
    account_id: str
    agent_id: str | None
    made_at: datetime
    due_date: date
    amount: Decimal
    currency: str
    paid_toward: Decimal
    outcome: str
    """kept, broken, pending or cancelled."""


@dataclass(frozen=True, slots=True)
class TeamNumbers:
    collected: Money
    target: Decimal | None
    target_currency: str
    projected: Money
    """Open promises and instalments due in the rest of the period, weighted by the kept rate."""
    kept_rate_90_days: Decimal | None
    aging: dict[str, Money]
    """Currency → bucket → balance at the close of the period (now, while it is running)."""
    aging_previous: dict[str, Money]
    """The same at the opening of the period, which is the close of the previous period."""
    roll_rates: dict[str, dict[str, Decimal | None]]
    cei: dict[str, Decimal | None]
    """The delinquent-portfolio CEI, a percentage (0..100)."""
    cei_all_receivables: dict[str, Decimal | None]
    """The textbook CEI over all receivables, a percentage (0..100); shown in the monthly digest."""
    cure_rate: dict[str, Decimal | None]
    """Share of the delinquent opening balance current again at the close and still owing."""
    paid_off_rate: dict[str, Decimal | None]
    """Share of the delinquent opening balance owing nothing at the close."""
    escalations_opened: int
    escalations_decided: int
    escalations_waiting: int
    disputes_opened: int


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    kind: PeriodKind
    label: str
    """For people: "Monday 23 November 2026", "week of 23 November 2026", "November 2026"."""
    start: datetime
    end: datetime
    zone: str
    team: TeamNumbers
    agents: tuple[AgentNumbers, ...]
    wins: tuple[Win, ...] = ()
    payments: tuple[PaymentRow, ...] = field(default=())
    promises: tuple[PromiseRow, ...] = field(default=())
