"""An escalation as its message shows it, and a plan's instalments: plain data the rules compute
and the Block Kit builders render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.ledger.model import ContactLine
from bot.vocabulary import AccountStatus, EscalationKind, EscalationStatus

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int
    """1 for the first instalment."""
    due_date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class EscalationCard:
    id: int
    kind: EscalationKind
    status: EscalationStatus
    account_id: str
    customer_name: str
    currency: str
    balance: Decimal
    days_past_due: int
    amount: Decimal | None
    """The instalment (payment plan), the settled amount (settlement), the amount written off."""
    instalments: int | None
    until: date | None
    """A plan's last instalment, or the end of a hardship pause."""
    forgiven: Decimal
    """What the decision gives up (a settlement's discount, the amount written off): while open,
    what approving would give up now; once approved, what it gave up."""
    reason: str
    requested_by: str
    requested_at: datetime
    attempts_last_30_days: int
    recent_contacts: tuple[ContactLine, ...]
    recommended_by: str | None = None
    recommended_at: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None
    requested_balance: Decimal | None = None
    """The balance when the request was made (None for requests recorded before it was kept)."""
    notice: str | None = None
    """While open: how the account changed since the request and what that does to approving.
    Once returned: why it went back to the agent, as a clause (`The account is now paid`)."""
    returns: bool = False
    """While open: approving now would send the request back to the agent (see `notice`)."""
    applied: Decimal | None = None
    """Once approved: the amount written off, the settlement's discount, or the plan's total."""
    schedule: tuple[Instalment, ...] = ()
    """A plan's instalments: while open, as approving would schedule them now; once approved, as scheduled."""
    question: str | None = None
    """The latest question a supervisor asked the agent (shown while it waits for the answer)."""
    asked_by: str | None = None
    account_status: str = AccountStatus.ACTIVE
    """The account's status now: a card on an account paid, settled or written off says so
    rather than counting days past due."""
    zone: ZoneInfo = UTC_ZONE
    """The team's zone: the times shown are each reader's own (Slack date tokens), and this is
    the zone of their plain fallback."""
