"""A complaint as the bot shows it: plain data, read from the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.vocabulary import ComplaintCategory

# The most the list shows at once; the rest are counted.
LIST_LIMIT = 20


@dataclass(frozen=True, slots=True)
class ComplaintView:
    id: int
    account_id: str
    customer_name: str
    category: ComplaintCategory
    text: str
    recorded_by: str
    handler: str | None
    """None: the supervisors as a group."""
    opened_on: date
    due_on: date
    outcome: str | None = None
    resolved_by: str | None = None


@dataclass(frozen=True, slots=True)
class OpenComplaints:
    shown: list[ComplaintView]
    total: int
    today: date


@dataclass(frozen=True, slots=True)
class ComplaintCounts:
    """A period's complaints for the digests and the spreadsheet."""

    opened: int = 0
    resolved: int = 0
    overdue: int = 0
    """Open at the period's end and past their due date."""
    by_category: dict[str, int] = field(default_factory=dict)
    """Opened in the period, by category."""
    by_agent: dict[str, int] = field(default_factory=dict)
    """Opened in the period, by the account's holder when recorded ("" for the shared queue)."""

    @property
    def any(self) -> bool:
        return bool(self.opened or self.resolved or self.overdue)
