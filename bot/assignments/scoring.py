"""How urgent an account is today, and why, in words an agent and a supervisor can read.

The score is a sum of weighted parts (weights in settings, formula in the README): larger
balances, older buckets, a promise due today or just broken, a callback asked for today, days
without any attempt or without a conversation, a balance nearly paid off, and the billing
system's propensity-to-pay score raise it; a promise not yet due lowers it.

A score is a ranking, not money: balances enter it through a logarithm as floats, and no amount
is ever computed from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from bot.aging import AgingBucket, aging_bucket
from bot.currency import format_money


class ScoreWeights(BaseModel):
    """Each part's weight; 0 switches a part off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    balance: float = Field(default=1.0, ge=0)
    aging: float = Field(default=1.0, ge=0)
    promise_due_today: float = Field(default=8.0, ge=0)
    promise_broken: float = Field(default=6.0, ge=0)
    promise_pending: float = Field(default=6.0, ge=0)
    callback_today: float = Field(default=10.0, ge=0)
    no_contact: float = Field(default=0.2, ge=0)
    no_conversation: float = Field(default=0.05, ge=0)
    near_payoff: float = Field(default=2.0, ge=0)
    propensity: float = Field(default=3.0, ge=0)


# Older debts are harder to collect: points per bucket rise to 91-120 and ease off after.
BUCKET_POINTS: dict[AgingBucket, float] = {
    AgingBucket.CURRENT: 0.0,
    AgingBucket.B1_30: 1.0,
    AgingBucket.B31_60: 2.0,
    AgingBucket.B61_90: 3.0,
    AgingBucket.B91_120: 4.0,
    AgingBucket.B120_PLUS: 3.0,
}
NO_CONTACT_CAP_DAYS = 30
NO_CONVERSATION_CAP_DAYS = 60
NEAR_PAYOFF_SHARE = Decimal("0.25")


class AccountFacts(NamedTuple):
    """One open account as the scorer sees it: plain values, read in one query."""

    pk: int
    account_id: str
    currency: str
    balance: Decimal
    original_amount: Decimal | None
    due_date: date
    assigned_to: str | None
    language: str | None
    risk_score: int | None
    last_contact_on: date | None
    last_conversation_on: date | None
    callback_on: date | None
    promise_amount: Decimal | None
    promise_due: date | None


def part_points(
    facts: AccountFacts, today: date, weights: ScoreWeights, grace_days: int
) -> tuple[float, ...]:
    """The points of each part, in the order of _WORDS. The hot path of the morning run: no text."""
    dpd = (today - facts.due_date).days
    return (
        # log10: $10,000 should outrank $1,000, but not ten times over.
        weights.balance * math.log10(1 + max(0.0, float(facts.balance))),
        weights.aging * BUCKET_POINTS[aging_bucket(dpd)],
        _promise_points(facts, today, weights, grace_days),
        weights.callback_today if facts.callback_on == today else 0.0,
        weights.no_contact * _days_capped(facts.last_contact_on, today, NO_CONTACT_CAP_DAYS),
        weights.no_conversation * _days_capped(facts.last_conversation_on, today, NO_CONVERSATION_CAP_DAYS),
        weights.near_payoff if _near_payoff(facts) else 0.0,
        weights.propensity * facts.risk_score / 100 if facts.risk_score is not None else 0.0,
    )


def score(facts: AccountFacts, today: date, weights: ScoreWeights, grace_days: int) -> float:
    return sum(part_points(facts, today, weights, grace_days))


def reasons(
    facts: AccountFacts, today: date, weights: ScoreWeights, grace_days: int, most: int = 3
) -> list[str]:
    """The parts that weigh most, in words: "promise of $250.00 due today", "91-120 days, $4,310.00"."""
    points = part_points(facts, today, weights, grace_days)
    ranked = sorted(range(len(points)), key=lambda index: -points[index])
    return [_WORDS[index](facts, today, grace_days) for index in ranked if points[index] > 0][:most]


def _promise_points(facts: AccountFacts, today: date, weights: ScoreWeights, grace_days: int) -> float:
    if facts.promise_due is None:
        return 0.0
    if facts.promise_due == today:
        return weights.promise_due_today
    if today > facts.promise_due + timedelta(days=grace_days):
        return weights.promise_broken
    if today < facts.promise_due:
        return -weights.promise_pending
    return 0.0


def _days_capped(since: date | None, today: date, cap: int) -> int:
    return cap if since is None else min(max((today - since).days, 0), cap)


def _near_payoff(facts: AccountFacts) -> bool:
    original = facts.original_amount
    return bool(original and original > 0 and facts.balance <= original * NEAR_PAYOFF_SHARE)


def _money(facts: AccountFacts, amount: Decimal | None = None) -> str:
    return format_money(facts.balance if amount is None else amount, facts.currency)


def _balance_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    return f"balance {_money(facts)}"


def _aging_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    bucket = aging_bucket((today - facts.due_date).days)
    return f"{bucket} days, {_money(facts)}"


def _promise_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    promised = _money(facts, facts.promise_amount)
    assert facts.promise_due is not None
    if facts.promise_due == today:
        return f"promise of {promised} due today"
    if today > facts.promise_due:
        return f"promise of {promised} broken ({facts.promise_due.isoformat()})"
    return f"promise of {promised} due {facts.promise_due.isoformat()}"


def _callback_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    return "asked for a callback today"


def _no_contact_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    if facts.last_contact_on is None:
        return "never contacted"
    return f"no contact for {(today - facts.last_contact_on).days} days"


def _no_conversation_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    if facts.last_conversation_on is None:
        return "never reached"
    return f"no conversation for {(today - facts.last_conversation_on).days} days"


def _near_payoff_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    assert facts.original_amount
    return f"only {int(facts.balance * 100 / facts.original_amount)}% of the original amount left"


def _propensity_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    return f"propensity to pay {facts.risk_score}/100"


_WORDS: tuple[Callable[[AccountFacts, date, int], str], ...] = (
    _balance_words,
    _aging_words,
    _promise_words,
    _callback_words,
    _no_contact_words,
    _no_conversation_words,
    _near_payoff_words,
    _propensity_words,
)
