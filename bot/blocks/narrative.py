"""The monthly digest's opening narrative: a few sentences written by rules from the month's report and
the month before's (bot.reports.rules decides what to say; this says it), no external service.

Each figure is shown with the digest's own formatting (money per currency, ratios rounded half up to
a tenth of a percent), so the narrative and the tables below it show the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from bot.blocks.digest import money_text, percent_text
from bot.blocks.mrkdwn import escape, one_line
from bot.language.model import _, counted, speaker
from bot.reports.model import PerformanceReport
from bot.reports.rules import (
    AgentRise,
    BucketMove,
    Cause,
    CollectedChange,
    CureChange,
    Drivers,
    LowAgent,
    narrative_facts,
)

NAMES_TOLD = 5
_TENTH = Decimal("0.1")


def narrative(
    current: PerformanceReport, previous: PerformanceReport, segments: Sequence[str] = ()
) -> list[str]:
    """The sentences, in order: collections per currency, the agents who made most of the change,
    cure rates (each with whether the rate or the volume made most of it), the bucket that moved
    most, then `segments` (one sentence per strategy segment, written by the strategy feature),
    then the agents. A "why" is said only as what came with the change, never as its cause."""
    facts = narrative_facts(current, previous)
    sentences = [_collected(change) for change in facts.collected if change.now or change.before]
    if facts.drivers is not None:
        sentences.append(_drivers(facts.drivers))
    for change in facts.cure:
        sentences.append(_cured(change))
        if (cause := _cure_cause(change)) is not None:
            sentences.append(cause)
    sentences += [_bucket(move) for move in facts.buckets]
    # Plain sentences naming the team's own segments and treatments: shown as text.
    sentences += [escape(sentence) for sentence in segments]
    if facts.agents_with_target:
        sentences.append(_low(facts.low_agents))
    if facts.best_rise is not None:
        sentences.append(_rise(facts.best_rise))
    return sentences


def _points(value: Decimal) -> str:
    return speaker().number(abs(value).quantize(_TENTH, rounding=ROUND_HALF_UP))


def _collected(change: CollectedChange) -> str:
    now, before = money_text(change.now, change.currency), money_text(change.before, change.currency)
    ratio = change.change
    if ratio is None:
        return _("Collections came to {amount}, against nothing the month before.").format(amount=now)
    if ratio > 0:
        text = _("Collections rose {change} to {amount} (from {before}).")
    elif ratio < 0:
        text = _("Collections fell {change} to {amount} (from {before}).")
    else:
        return _("Collections held at {amount}.").format(amount=now)
    return text.format(change=percent_text(abs(ratio)), amount=now, before=before)


def _cured(change: CureChange) -> str:
    if change.points > 0:
        text = _(
            "{currency} delinquent balances cured {share}, {points} points better than the month before."
        )
    elif change.points < 0:
        text = _("{currency} delinquent balances cured {share}, {points} points worse than the month before.")
    else:
        text = _("{currency} delinquent balances cured {share}, as the month before.")
    return text.format(
        currency=one_line(change.currency, 10), share=percent_text(change.now), points=_points(change.points)
    )


def _signed(amount: Decimal, currency: str) -> str:
    return ("+" if amount > 0 else "−") + money_text(abs(amount), currency)


def _drivers(drivers: Drivers) -> str:
    names = ", ".join(
        f"{escape(one_line(agent.name, 40))} ({_signed(agent.change, drivers.currency)})"
        for agent in drivers.agents
    )
    if drivers.change > 0:
        return _("Largest contributors to the rise in {currency}: {agents}.").format(
            currency=one_line(drivers.currency, 10), agents=names
        )
    return _("Largest contributors to the fall in {currency}: {agents}.").format(
        currency=one_line(drivers.currency, 10), agents=names
    )


def _cure_cause(change: CureChange) -> str | None:
    """Whether more (or less) was cured mostly with the rate or with the delinquent balance there was
    to cure; said with that balance at both openings (the aging tables' previous figures)."""
    cause = change.mostly
    if cause is None:
        return None
    more = change.now * change.opened > change.before * change.opened_before
    if cause is Cause.RATE:
        text = (
            _(
                "More {currency} balance was cured, mostly with the better rate: {opening} was delinquent at the month's opening, against {before} a month earlier."
            )
            if more
            else _(
                "Less {currency} balance was cured, mostly with the worse rate: {opening} was delinquent at the month's opening, against {before} a month earlier."
            )
        )
    else:
        text = (
            _(
                "More {currency} balance was cured, mostly with more of it delinquent: {opening} at the month's opening, against {before} a month earlier."
            )
            if more
            else _(
                "Less {currency} balance was cured, mostly with less of it delinquent: {opening} at the month's opening, against {before} a month earlier."
            )
        )
    return text.format(
        currency=one_line(change.currency, 10),
        opening=money_text(change.opened, change.currency),
        before=money_text(change.opened_before, change.currency),
    )


def _bucket(move: BucketMove) -> str:
    now, before = money_text(move.now, move.currency), money_text(move.before, move.currency)
    if move.now < move.before:
        text = _("The {bucket} bucket moved most: down to {amount} from {before}.")
    else:
        text = _("The {bucket} bucket moved most: up to {amount} from {before}.")
    return text.format(bucket=one_line(move.bucket, 10), amount=now, before=before)


def _low(low: Sequence[LowAgent]) -> str:
    if not low:
        return _("Every agent with a target reached 60% of it.")
    names = ", ".join(
        f"{escape(one_line(agent.name, 40))} ({percent_text(agent.share)})" for agent in low[:NAMES_TOLD]
    )
    more = len(low) - NAMES_TOLD
    if more > 0:
        names += ", " + counted("{count} more", "{count} more", more)
    said = counted("{count} agent below 60% of target", "{count} agents below 60% of target", len(low))
    return f"{said}: {names}."


def _rise(rise: AgentRise) -> str:
    return _("Biggest rise: {name}, {amount} (from {before}).").format(
        name=escape(one_line(rise.name, 40)),
        amount=money_text(rise.now, rise.currency),
        before=money_text(rise.before, rise.currency),
    )
