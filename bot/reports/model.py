"""A performance report as plain data: what the digest message, the chart and the spreadsheet
are built from. Money is per currency (currencies are never added together); a ratio is None
when its denominator is zero, shown as "n/a"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from bot.complaints.model import ComplaintCounts

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
    """Worklist lines worked (an attempt on the account that day), summed over the period's days."""
    accounts_assigned: int
    """Worklist lines assigned, summed over the period's days."""
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
class ActivityNumbers:
    """The team's work in the period, everyone's counted (supervisors' attempts, promises credited to
    nobody, worklist lines of people no longer on the roster), so the agents' lines add up to it or
    less."""

    attempts: int = 0
    attempts_by_channel: tuple[tuple[str, int], ...] = ()
    """(channel, attempts), most first: calls beside the emails and letters the bot sent."""
    right_party_contacts: int = 0
    """Attempts that reached the debtor: outcomes right-party, refused and dispute."""
    rpc_rate: Decimal | None = None
    promises_made: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    kept_rate: Decimal | None = None
    """Of the promises whose due date + grace fell in the period: kept ÷ (kept + broken)."""
    lines_worked: int = 0
    """Worklist lines with an attempt on the account on the line's day, summed over the days."""
    lines_assigned: int = 0
    """Worklist lines, summed over the days of the period."""


@dataclass(frozen=True, slots=True)
class TeamNumbers:
    collected: Money
    target: Decimal | None
    target_currency: str
    projected: Money | None
    """Open promises and instalments due in the rest of the period, weighted by the kept rate over
    the last 90 days; empty when nothing is due, None (n/a) when something is but no kept rate."""
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
    activity: ActivityNumbers = field(default_factory=ActivityNumbers)
    complaints: ComplaintCounts = field(default_factory=ComplaintCounts)
    """Opened and resolved in the period, overdue at its end; by category and by agent (bot/complaints)."""


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    kind: PeriodKind
    label: str
    """For people, saying exactly what is counted: "Monday 23 November 2026" (a closed day),
    "Friday 20 to Sunday 22 November 2026" (closed days), "week of 23 November 2026", "November
    2026", and for a period still running its cut: "Monday 23 November 2026, to 17:30 (so far)"."""
    start: datetime
    end: datetime
    """The end of what is counted (excluded): the period's end, or the moment of the report while
    the period is still running."""
    zone: str
    team: TeamNumbers
    agents: tuple[AgentNumbers, ...]
    wins: tuple[Win, ...] = ()
    payments: tuple[PaymentRow, ...] = field(default=())
    promises: tuple[PromiseRow, ...] = field(default=())
    complete: bool = True
    """The period was over when the report was made (every day in it counted to its midnight);
    False for the current period so far."""


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    agent_id: str
    agent_name: str
    target: Decimal
    currency: str


def complaints_by_agent(report: PerformanceReport) -> list[tuple[str | None, int]]:
    """The complaints opened in the period by the account's holder's name, the most first; None
    for the shared queue."""
    names = {agent.agent_id: agent.name for agent in report.agents}
    counts = report.team.complaints.by_agent
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(names.get(agent_id, agent_id) if agent_id else None, n) for agent_id, n in ordered]


@dataclass(frozen=True, slots=True)
class LineFigures:
    """What coaching reads of an agent's line of a report (AgentNumbers, and the complaints opened
    on the agent's accounts), counted as build_report counts them."""

    agent_id: str
    attempts: int
    rpc_rate: Decimal | None
    kept_rate: Decimal | None
    collected: dict[str, Decimal]
    target: Decimal | None
    attempted_breaches: int
    complaints: int


@dataclass(frozen=True, slots=True)
class WindowLines:
    start: datetime
    end: datetime
    complete: bool
    lines: dict[str, LineFigures]
