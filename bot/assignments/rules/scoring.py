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
from datetime import date
from decimal import Decimal
from math import log10
from typing import NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bot.aging import AgingBucket, aging_bucket
from bot.calendar import add_days
from bot.language.model import _, counted, speaker


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

_Key = TypeVar("_Key")


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
    product: str | None = None
    """Not scored: read for the strategy's segments by product."""


def part_points(
    facts: AccountFacts, today: date, weights: ScoreWeights, grace_days: int
) -> tuple[float, ...]:
    """The points of each part, in the order of _WORDS."""
    return (
        _balance_points(facts.balance, weights),
        _aging_points(facts.due_date, today, weights),
        _promise_points(facts.promise_due, today, weights, grace_days),
        _callback_points(facts.callback_on, today, weights),
        _no_contact_points(facts.last_contact_on, today, weights),
        _no_conversation_points(facts.last_conversation_on, today, weights),
        _near_payoff_points(facts.balance, facts.original_amount, weights),
        _propensity_points(facts.risk_score, weights),
    )


def score(facts: AccountFacts, today: date, weights: ScoreWeights, grace_days: int) -> float:
    return sum(part_points(facts, today, weights, grace_days))


class _Memo(dict[_Key, float]):
    """A part's points by the one value they depend on, each worked out when first looked up."""

    def __init__(self, points: Callable[[_Key], float]) -> None:
        super().__init__()
        self.points = points

    def __missing__(self, value: _Key) -> float:
        found = self[value] = self.points(value)
        return found


class DayScorer:
    """score() for every open account on one day: the hot path of the morning run.

    The parts that depend on one date or on the risk score alone (aging, promise, callback, days
    without contact or conversation, propensity) are looked up by that value: a million accounts
    share a few hundred dates, so each is worked out once. It takes plain values, so that no
    AccountFacts is built per account, and sums the same parts in the same order as score(), so it
    gives exactly the same floats.
    """

    def __init__(self, today: date, weights: ScoreWeights, grace_days: int) -> None:
        self.weights = weights
        self.aging: _Memo[date] = _Memo(lambda due: _aging_points(due, today, weights))
        self.promise: _Memo[date | None] = _Memo(lambda due: _promise_points(due, today, weights, grace_days))
        self.callback: _Memo[date | None] = _Memo(lambda on: _callback_points(on, today, weights))
        self.no_contact: _Memo[date | None] = _Memo(lambda since: _no_contact_points(since, today, weights))
        self.no_conversation: _Memo[date | None] = _Memo(
            lambda since: _no_conversation_points(since, today, weights)
        )
        self.propensity: _Memo[int | None] = _Memo(lambda risk: _propensity_points(risk, weights))

    def score(
        self,
        balance: Decimal,
        original_amount: Decimal | None,
        due_date: date,
        promise_due: date | None,
        callback_on: date | None,
        last_contact_on: date | None,
        last_conversation_on: date | None,
        risk_score: int | None,
    ) -> float:
        weights = self.weights
        return sum(
            (
                _balance_points(balance, weights),
                self.aging[due_date],
                self.promise[promise_due],
                self.callback[callback_on],
                self.no_contact[last_contact_on],
                self.no_conversation[last_conversation_on],
                _near_payoff_points(balance, original_amount, weights),
                self.propensity[risk_score],
            )
        )

    def score_units(
        self,
        balance: int,
        original_amount: int | None,
        units: int,
        due_date: date,
        promise_due: date | None,
        callback_on: date | None,
        last_contact_on: date | None,
        last_conversation_on: date | None,
        risk_score: int | None,
    ) -> float:
        """score() with the amounts as whole numbers of 1/`units` (the database's ten-thousandths,
        storage.types.money_units), so that a million accounts are scored without a Decimal each.
        The same floats as score(): `balance / units` is the correctly rounded float of the amount,
        as float(Decimal) is; the near-payoff comparison is exact in any one scale; and the parts
        are added left to right in score()'s order, as sum() adds floats on Python 3.11."""
        weights = self.weights
        # _balance_points and _near_payoff_points written out (a million calls fewer each); the
        # balance of a listed account is above 0, and `units` makes it the amount's float.
        return (
            weights.balance * log10(1 + max(0.0, balance / units))
            + self.aging[due_date]
            + self.promise[promise_due]
            + self.callback[callback_on]
            + self.no_contact[last_contact_on]
            + self.no_conversation[last_conversation_on]
            + (
                weights.near_payoff
                if original_amount and original_amount > 0 and balance <= original_amount * NEAR_PAYOFF_SHARE
                else 0.0
            )
            + self.propensity[risk_score]
        )


def reasons(
    facts: AccountFacts,
    today: date,
    weights: ScoreWeights,
    grace_days: int,
    most: int = 3,
    propensity_words: str | None = None,
) -> list[str]:
    """The parts that weigh most, in words: "promise of $250.00 due today", "91-120 days past due".

    The balance is left out: every worklist line shows it already, next to these words.
    `propensity_words`: the learned propensity's own explanation ("likely to pay: kept 4 of 5
    promises", bot/propensity), said in place of "propensity to pay 62/100".
    """
    points = part_points(facts, today, weights, grace_days)
    ranked = sorted(range(len(points)), key=lambda index: -points[index])
    worded = [_WORDS[index] for index in ranked if points[index] > 0]
    said = []
    for words in worded:
        if words is _propensity_words and propensity_words is not None:
            said.append(propensity_words)
        elif words is not None:
            said.append(words(facts, today, grace_days))
    return said[:most]


def reasons_now(
    facts: AccountFacts | None,
    today: date,
    weights: ScoreWeights,
    grace_days: int,
    propensity_words: str | None = None,
) -> tuple[str, ...]:
    """A worklist line's reasons as its account stands now (after today's payments, promises and
    contacts), worded as the morning's were; none for an account no longer open or owing nothing
    (`facts` None), whose line shows its status instead."""
    if facts is None or facts.balance <= 0:
        return ()
    return tuple(reasons(facts, today, weights, grace_days, propensity_words=propensity_words))


def _balance_points(balance: Decimal | float, weights: ScoreWeights) -> float:
    # log10: $10,000 should outrank $1,000, but not ten times over.
    return weights.balance * math.log10(1 + max(0.0, float(balance)))


def _aging_points(due_date: date, today: date, weights: ScoreWeights) -> float:
    return weights.aging * BUCKET_POINTS[aging_bucket((today - due_date).days)]


def _promise_points(promise_due: date | None, today: date, weights: ScoreWeights, grace_days: int) -> float:
    if promise_due is None:
        return 0.0
    if promise_due == today:
        return weights.promise_due_today
    if today > add_days(promise_due, grace_days):
        return weights.promise_broken
    if today < promise_due:
        return -weights.promise_pending
    return 0.0


def _callback_points(callback_on: date | None, today: date, weights: ScoreWeights) -> float:
    return weights.callback_today if callback_on == today else 0.0


def _no_contact_points(last_contact_on: date | None, today: date, weights: ScoreWeights) -> float:
    return weights.no_contact * _days_capped(last_contact_on, today, NO_CONTACT_CAP_DAYS)


def _no_conversation_points(last_conversation_on: date | None, today: date, weights: ScoreWeights) -> float:
    return weights.no_conversation * _days_capped(last_conversation_on, today, NO_CONVERSATION_CAP_DAYS)


def _days_capped(since: date | None, today: date, cap: int) -> int:
    return cap if since is None else min(max((today - since).days, 0), cap)


def _near_payoff_points(
    balance: Decimal | int, original: Decimal | int | None, weights: ScoreWeights
) -> float:
    # Exact with Decimals, and with both amounts as whole numbers of one unit (score_units).
    near = original and original > 0 and balance <= original * NEAR_PAYOFF_SHARE
    return weights.near_payoff if near else 0.0


def _propensity_points(risk_score: int | None, weights: ScoreWeights) -> float:
    return weights.propensity * risk_score / 100 if risk_score is not None else 0.0


def _aging_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    bucket = aging_bucket((today - facts.due_date).days)
    return _("{bucket} days past due").format(bucket=bucket)


def _promise_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    assert facts.promise_due is not None and facts.promise_amount is not None
    reader = speaker()
    promised = reader.money(facts.promise_amount, facts.currency)
    if facts.promise_due == today:
        return _("promise of {amount} due today").format(amount=promised)
    due = reader.day(facts.promise_due)
    if today > facts.promise_due:
        return _("promise of {amount} broken ({date})").format(amount=promised, date=due)
    return _("promise of {amount} due {date}").format(amount=promised, date=due)


def _callback_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    return _("asked for a callback today")


def _no_contact_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    if facts.last_contact_on is None:
        return _("never contacted")
    return counted(
        "no contact for {count} day", "no contact for {count} days", (today - facts.last_contact_on).days
    )


def _no_conversation_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    if facts.last_conversation_on is None:
        return _("never reached")
    days = (today - facts.last_conversation_on).days
    return counted("no conversation for {count} day", "no conversation for {count} days", days)


def _near_payoff_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    assert facts.original_amount
    share = speaker().percent(Decimal(int(facts.balance * 100 / facts.original_amount)) / 100)
    return _("only {share} of the original amount left").format(share=share)


def _propensity_words(facts: AccountFacts, today: date, grace_days: int) -> str:
    return _("propensity to pay {score}/100").format(score=facts.risk_score)


# None for the balance: the line it would be written on shows the balance already.
_WORDS: tuple[Callable[[AccountFacts, date, int], str] | None, ...] = (
    None,
    _aging_words,
    _promise_words,
    _callback_words,
    _no_contact_words,
    _no_conversation_words,
    _near_payoff_words,
    _propensity_words,
)
