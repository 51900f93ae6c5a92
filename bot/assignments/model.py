"""What an agent's day looks like: the plain data the worklist messages, `/collect mine`, the App
Home tab and the supervisors' summary are rendered from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.vocabulary import AccountStatus

MORNING_RUN = "daily-assignments"
"""The job that plans the day and sends the worklists; its claim keeps the day's summary."""

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class PaidToday:
    """The latest payment recorded on a line's account during the team's day: the agent is not to
    call a customer who has just paid."""

    amount: Decimal
    currency: str
    method: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class PaidOnList:
    """An account on an agent's list today that has just paid, as their direct message names it."""

    rank: int
    account_id: str
    customer_name: str
    paid: PaidToday


@dataclass(frozen=True, slots=True)
class WorklistLine:
    rank: int
    account_id: str
    customer_name: str
    currency: str
    balance: Decimal
    days_past_due: int
    reasons: tuple[str, ...]
    done: bool = False
    """Worked today: a contact, payment or promise recorded since the team's midnight."""
    status: str = AccountStatus.ACTIVE
    """The account's status now: one paid off since the morning reads as paid, not past due."""
    callable_from: datetime | None = None
    """When the customer may first be called, when that was later than the morning's planning."""
    paid_today: PaidToday | None = None


@dataclass(frozen=True, slots=True)
class Worklist:
    agent_id: str
    agent_name: str
    work_date: date
    lines: tuple[WorklistLine, ...]
    zone: ZoneInfo = UTC_ZONE
    """The team's: where a time cannot show in the reader's own zone, it shows in this one."""

    @property
    def done_count(self) -> int:
        return sum(1 for line in self.lines if line.done)


@dataclass(frozen=True, slots=True)
class AgentTally:
    agent_id: str
    agent_name: str
    accounts: int
    balances: tuple[tuple[str, Decimal], ...]
    """Total balance assigned, one entry per currency: currencies are never added together."""


@dataclass(frozen=True, slots=True)
class NamedAccounts:
    """Some accounts, counted, the first of them by id (a summary names a few, counts them all)."""

    total: int = 0
    first: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SupervisorSummary:
    work_date: date
    tallies: tuple[AgentTally, ...]
    left_off: dict[str, int] = field(default_factory=dict)
    """Accounts that may not be contacted today, counted by reason."""
    beyond_capacity: int = 0
    agents_away: tuple[str, ...] = ()
    high_value_without_senior: NamedAccounts = NamedAccounts()
    """High-value accounts on the list of an agent not allowed high value, because no one allowed
    was at work with room (see rules.allocation), highest priority first."""
    seniors_at_work: bool = True
    """Whether anyone allowed high value had a list today: the summary says why they were not."""
    high_value_left_off: NamedAccounts = NamedAccounts()
    """High-value accounts that fitted in nobody's capacity (also counted in beyond_capacity)."""
