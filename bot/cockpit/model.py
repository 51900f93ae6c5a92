"""The team's day as a supervisor's App Home shows it: plain data the Home is rendered from. Money
is per currency (never added across currencies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.assignments.model import UTC_ZONE, NamedAccounts
from bot.coaching.model import RampUp
from bot.reports.model import PerformanceReport

Amounts = tuple[tuple[str, Decimal], ...]
"""Amounts by currency code, one entry per currency, by code."""


@dataclass(frozen=True, slots=True)
class AgentToday:
    agent_id: str
    name: str
    lines_done: int
    """Worklist lines worked today (a contact, payment or promise since midnight), as the agent's
    own Home counts them."""
    lines_assigned: int
    attempts: int
    right_party_contacts: int
    promises_made: int
    collected: Amounts
    refusals: int
    """Attempts refused by the contact rules today."""
    away: bool


@dataclass(frozen=True, slots=True)
class EscalationWaiting:
    id: int
    kind: str
    account_id: str
    customer_name: str
    amount: Decimal | None
    currency: str
    requested_by: str
    requested_by_name: str
    requested_at: datetime
    waited_hours: float
    """Working hours since the request, as the reminders count them."""


@dataclass(frozen=True, slots=True)
class ReminderThresholds:
    reminder_hours: float
    """Working hours after which the thread reminds the supervisors on duty."""
    raised_again_hours: float
    """A working day: after it the escalation is raised again in the channel."""


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """One account's open alerts, merged into one line (bot.alerts.rules.merged_by_account)."""

    alert_id: int
    """The alert its buttons act on (acting on it acts on all the account's open alerts)."""
    account_id: str
    customer_name: str
    said: str
    assigned_to: str | None
    balance: Decimal


@dataclass(frozen=True, slots=True)
class PromiseDue:
    account_id: str
    customer_name: str
    agent_name: str
    amount: Decimal
    currency: str
    paid_toward: Decimal
    due_date: date
    outcome: str
    """kept, pending or broken (bot.kpis.rules.promise_outcome)."""


@dataclass(frozen=True, slots=True)
class LeftOff:
    """What the morning's run left off the lists, as its summary counted it."""

    reasons: dict[str, int] = field(default_factory=dict)
    beyond_capacity: int = 0
    high_value_left_off: NamedAccounts = field(default_factory=NamedAccounts)
    high_value_without_senior: NamedAccounts = field(default_factory=NamedAccounts)
    seniors_at_work: bool = True


@dataclass(frozen=True, slots=True)
class TeamDay:
    day: date
    viewer: str
    waiting_on: str
    """Whose decision the escalations listed wait on: "a supervisor" or "a manager"."""
    agents: tuple[AgentToday, ...]
    escalations: tuple[EscalationWaiting, ...]
    thresholds: ReminderThresholds
    alerts: tuple[OpenAlert, ...]
    """Open alerts, one per account, the most pressing first (bot.alerts.rules.ranked), all of them:
    the Home lists the first `alerts_listed` and counts the rest."""
    alerts_listed: int
    promises_due: tuple[PromiseDue, ...]
    left_off: LeftOff | None
    """None before the morning's run (or on a day off)."""
    numbers: PerformanceReport
    """Today so far (bot.reports): the team's collected, target and activity."""
    zone: ZoneInfo = UTC_ZONE
    """The team's: where a time cannot show in the reader's own zone, it shows in this one."""
    new_agents: RampUp = field(default_factory=RampUp)
    """The agents in their first 8 weeks against the team's ramp-up (bot.coaching)."""
