"""The learned propensity's plain data: an account's history as the features see it, a trained
model as stored, and a backtest's findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

HORIZON_DAYS = 14
"""The label: the account paid something within this many days from the snapshot date."""

FEATURES: tuple[str, ...] = (
    "days_past_due",
    "log_balance",
    "paid_down_30",
    "payments_90",
    "days_since_payment",
    "promises_kept",
    "promises_broken",
    "calls_answered",
    "texts_answered",
    "emails_answered",
    "unanswered_90",
    "days_since_conversation",
    "language_en",
    "language_pt",
    "language_es",
)
"""The features, in the order of every vector and of a stored model's coefficients."""


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    on: date
    amount: Decimal
    currency: str | None = None
    """None: the account's own. A payment in another currency counts as a payment (its day, the
    label) but its amount is never added to the account's money (balance, paid down)."""


@dataclass(frozen=True, slots=True)
class ContactEvent:
    on: date
    channel: str
    outcome: str
    callback_on: date | None = None
    """The callback the customer asked for: the account's until its next contact."""


@dataclass(frozen=True, slots=True)
class PromiseEvent:
    made_on: date
    status: str
    """As it stands now; it counts as kept or broken only from `resolved_on` on."""
    resolved_on: date | None
    due_on: date | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AccountHistory:
    """One account's history, however it came (typed in Slack, imported from CSV, the billing API):
    each list in date order. `balance` is today's; the balance on an earlier day is worked out by
    adding back what was paid since."""

    pk: int
    due_date: date
    balance: Decimal
    original_amount: Decimal | None
    language: str | None
    risk_score: int | None = None
    opened_on: date | None = None
    currency: str | None = None
    payments: tuple[PaymentEvent, ...] = ()
    contacts: tuple[ContactEvent, ...] = ()
    promises: tuple[PromiseEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Examples:
    """Snapshots made into rows: features, label, and the rule score at the same snapshot."""

    features: list[tuple[float, ...]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    rule_scores: list[float] = field(default_factory=list)
    snapshots: list[date] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """A standardised logistic regression as plain numbers: p = 1 / (1 + exp(-(b + Σ w·z))), with
    z = (x - mean) / scale; each w·z is that feature's contribution to the score."""

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Decile:
    predicted: float
    observed: float
    count: int


@dataclass(frozen=True, slots=True)
class Backtest:
    """Trained on the snapshots before `test_start` (their labels complete before it), tested on the
    snapshots from `test_start` to `window_end`."""

    window_start: date
    test_start: date
    window_end: date
    train_examples: int
    test_examples: int
    auc: float
    rule_auc: float
    calibration: tuple[Decile, ...]
    model: TrainedModel


class Thinness(StrEnum):
    FEW_EXAMPLES = "few-examples"
    ONE_CLASS = "one-class"
    FEW_TO_TEST = "few-to-test"


@dataclass(frozen=True, slots=True)
class ThinHistory:
    """Too little history to learn from: the rule score stays, and this says why."""

    thinness: Thinness
    examples: int
    payers: int
    test_examples: int
    test_payers: int
    needed: int


@dataclass(frozen=True, slots=True)
class Training:
    """What a training decided: the backtest (None when the history was thin) and the version stored."""

    backtest: Backtest | None
    thin: ThinHistory | None
    adopted: bool
    version: int | None


@dataclass(frozen=True, slots=True)
class StoredModel:
    version: int
    trained_at: datetime
    adopted: bool
    model: TrainedModel
    metrics: dict[str, object]


@dataclass(frozen=True, slots=True)
class LearnedScores:
    """The adopted model's view of today's open accounts: each one's feature row and its 0-100
    propensity (the priority score's `propensity` input in place of the billing system's)."""

    model: TrainedModel
    rows: dict[int, tuple[float, ...]]
    scores: dict[int, int]
