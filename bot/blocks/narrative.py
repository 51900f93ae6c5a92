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
    CollectedChange,
    CureChange,
    LowAgent,
    narrative_facts,
)

NAMES_TOLD = 5
_TENTH = Decimal("0.1")


def narrative(
    current: PerformanceReport, previous: PerformanceReport, segments: Sequence[str] = ()
) -> list[str]:
    """The sentences, in order: collections per currency, cure rates, the bucket that moved most,
    then `segments` (one sentence per strategy segment, written by the strategy feature; none until
    it exists), then the agents."""
    facts = narrative_facts(current, previous)
    sentences = [_collected(change) for change in facts.collected if change.now or change.before]
    sentences += [_cured(change) for change in facts.cure]
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
