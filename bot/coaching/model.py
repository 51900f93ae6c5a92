"""Coaching figures as plain data: one agent's weeks (or month) beside the team's median, and a new
agent's first weeks beside the team's ramp-up. Money is in one currency per figure, never added
across currencies; a ratio or a median without anything to take it of is None, shown as "n/a"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reports.model import PerformanceReport

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


class ClosedWeeks:
    """The ramp-up's week reports of weeks already over, kept for the rest of the team's day (one
    per runtime): the Home is rebuilt at every change a supervisor should see, and the earlier
    agents' first weeks and the new agents' past weeks are up to 56 reports that do not change.
    A week still running is read again every time; the next day starts afresh (a correction to a
    closed week, such as a back-dated import, shows from then)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day: date | None = None
        self._reports: dict[tuple[date, date], PerformanceReport] = {}

    @property
    def kept(self) -> int:
        return len(self._reports)

    def report(
        self, today: date, first: date, last: date, build: Callable[[], PerformanceReport]
    ) -> PerformanceReport:
        with self._lock:
            if self._day != today:
                self._day, self._reports = today, {}
            found = self._reports.get((first, last))
        if found is not None:
            return found
        made = build()
        if made.complete and last < today:
            with self._lock:
                if self._day == today:
                    self._reports[(first, last)] = made
        return made
