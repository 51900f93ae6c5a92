"""Coaching figures as plain data: one agent's weeks (or month) beside the team's median, and a new
agent's first weeks beside the team's ramp-up. Money is in one currency per figure, never added
across currencies; a ratio or a median without anything to take it of is None, shown as "n/a"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

Money = dict[str, Decimal]

TREND_WEEKS = 13
RAMP_UP_WEEKS = 8


@dataclass(frozen=True, slots=True)
class Figures:
    """One agent's figures for a period, or the team's medians of them (then counts may be halves)."""

    attempts: Decimal | None
    rpc_rate: Decimal | None
    kept_rate: Decimal | None
    collected: Money
    """Per currency: what came in (an agent), or the median over the agents (the team)."""
    target: Decimal | None
    """In the target currency: the agent's target for the period, or the median of the targets set."""
    share_of_target: Decimal | None
    """Collected in the target currency ÷ target; for the team, the median of the agents' shares."""
    attempted_breaches: Decimal | None
    """Contact attempts refused by the compliance rules."""
    complaints: Decimal | None
    """Complaints opened in the period on accounts the agent holds."""


FIGURE_NAMES = ("attempts", "rpc_rate", "kept_rate", "share_of_target", "attempted_breaches", "complaints")
"""The figures a trend draws and a review lists, in that order (collected is per currency)."""


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    label: str
    first_day: date
    agent: Figures
    median: Figures
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Trend:
    """An agent's last weeks, oldest first, each beside the team's median of the same week."""

    agent_id: str
    name: str
    currency: str
    """The target currency: collected against target is drawn in it; others are listed apart."""
    weeks: tuple[PeriodFigures, ...]


@dataclass(frozen=True, slots=True)
class MonthReview:
    """What a supervisor takes into a performance conversation: the month against the team's median
    and the agent's target, and the 13 weeks up to the month's end."""

    agent_id: str
    name: str
    month: PeriodFigures
    trend: Trend
    zone: str


@dataclass(frozen=True, slots=True)
class RampWeek:
    week: int
    """1..8, counted from the agent's start."""
    first_day: date
    agent: Figures
    ramp_up: Figures | None
    """The team's ramp-up for that week number; None when there is nothing to compare with."""
    complete: bool


@dataclass(frozen=True, slots=True)
class NewAgent:
    agent_id: str
    name: str
    started: date
    weeks: tuple[RampWeek, ...]


@dataclass(frozen=True, slots=True)
class RampUp:
    """The new agents on the supervisor's Home, and what their weeks are compared with."""

    agents: tuple[NewAgent, ...] = ()
    basis: str = "history"
    """"history": the median of what earlier agents did in their own weeks 1..8; "current": no
    earlier agent's first weeks are in the ledger, so the team's median of the same week."""
    agents_in_basis: int = 0
    currency: str = ""
    by_week: dict[int, Figures] = field(default_factory=dict)
