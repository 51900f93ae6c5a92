"""The strategy's words: a treatment's preferred channels on a worklist line, and each test's results
(the `collect-bot report --strategy` lines and the monthly digest's section), in the reader's
language."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal

from bot.language.model import _, speaker
from bot.strategy.model import ArmResult, EventKind, Rate, SegmentEvent, SegmentResult, Verdict
from bot.vocabulary import channel_name

_TENTH = Decimal("0.001")


def channels_words(channels: Sequence[str]) -> str:
    return _("try first: {channels}").format(
        channels=", ".join(channel_name(channel) for channel in channels)
    )


def verdict_words(verdict: Verdict) -> str:
    words = {
        Verdict.TOO_FEW: _("too few accounts to tell"),
        Verdict.CHALLENGER_AHEAD: _("challenger ahead, not yet significant"),
        Verdict.CHALLENGER_AHEAD_SIGNIFICANT: _("challenger ahead (significant)"),
        Verdict.CHAMPION_AHEAD: _("champion ahead, not yet significant"),
        Verdict.CHAMPION_AHEAD_SIGNIFICANT: _("champion ahead (significant)"),
        Verdict.LEVEL: _("level"),
    }
    return words[verdict]


def _share(value: float) -> str:
    # Rounded half up here, once, to a tenth of a percent: Babel would round half to even.
    return speaker().percent(Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_UP), 1)


def rate_words(found: Rate) -> str:
    """`30.8% (25.5% to 36.6%, 81 of 263)`; n/a with nothing tried."""
    if found.value is None or found.low is None or found.high is None:
        return _("n/a")
    return _("{rate} ({low} to {high}, {hits} of {trials})").format(
        rate=_share(found.value),
        low=_share(found.low),
        high=_share(found.high),
        hits=speaker().number(found.hits),
        trials=speaker().number(found.trials),
    )


def _collected(arm: ArmResult) -> str:
    reader = speaker()
    parts = [
        _("{mean} per account ({low} to {high})").format(
            mean=reader.money(mean.mean, mean.currency),
            low=reader.money(mean.low, mean.currency),
            high=reader.money(mean.high, mean.currency),
        )
        for mean in arm.collected
    ]
    return "; ".join(parts) or _("n/a")


def _arm_lines(arm: ArmResult) -> Iterator[str]:
    side = _("champion") if arm.arm == "champion" else _("challenger")
    yield _("  {side} {treatment}: {accounts} accounts").format(
        side=side, treatment=arm.treatment, accounts=speaker().number(arm.accounts)
    )
    yield "    " + _("collected: {collected}").format(collected=_collected(arm))
    yield "    " + _("RPC rate: {rate}").format(rate=rate_words(arm.rpc))
    yield "    " + _("kept rate: {rate}").format(rate=rate_words(arm.kept))
    yield "    " + _("cure rate: {rate}").format(rate=rate_words(arm.cured))


def _measure(name: str) -> str:
    if name.startswith("collected "):
        return _("collected per account, {currency}").format(currency=name.removeprefix("collected "))
    return {"rpc": _("RPC rate"), "kept": _("kept rate"), "cured": _("cure rate")}.get(name, name)


def result_lines(results: Sequence[SegmentResult]) -> Iterator[str]:
    """Each test: both sides' numbers with their 95% intervals, then a verdict per measure."""
    if not results:
        yield _("No champion/challenger test has drawn any account yet.")
        return
    for found in results:
        state = "" if found.active else " " + _("(ended)")
        yield _("Segment {segment}{state}").format(segment=found.segment, state=state)
        yield from _arm_lines(found.champion)
        if found.challenger is not None:
            yield from _arm_lines(found.challenger)
        for name, verdict in found.verdicts:
            yield "  " + _("{measure}: {verdict}").format(
                measure=_measure(name), verdict=verdict_words(verdict)
            )


def event_sentence(event: SegmentEvent) -> str:
    """What changed in a segment that month, with its day: the figures after it are said after it,
    not because of it."""
    day = speaker().day(event.on)
    if event.kind == EventKind.STARTED:
        if event.share is None:
            text = _("In the {segment} segment, the challenger {challenger} started on {day}.")
        else:
            text = _(
                "In the {segment} segment, the challenger {challenger} started on {day}, with {share}"
                " of the segment's accounts drawn for it."
            )
    elif event.kind == EventKind.PROMOTED:
        text = _("In the {segment} segment, {challenger} was promoted to champion on {day}.")
    else:
        text = _("In the {segment} segment, the challenger {challenger} was stopped on {day}.")
    share = speaker().percent(event.share) if event.share is not None else ""
    return text.format(segment=event.segment, challenger=event.challenger, day=day, share=share)


def segment_sentences(results: Sequence[SegmentResult], events: Sequence[SegmentEvent] = ()) -> list[str]:
    """For the monthly narrative, segment by segment: what changed in its treatment that month (each
    event on its day), then one sentence per running test: the cure rates side by side and the
    verdict on them (the digest's thread has every measure with its interval)."""
    told: list[str] = []
    sentences = []
    for found in results:
        told.append(found.segment)
        sentences += [event_sentence(event) for event in events if event.segment == found.segment]
        challenger = found.challenger
        if challenger is None or not found.active:
            continue
        cured = dict(found.verdicts).get("cured")
        champion_rate, challenger_rate = found.champion.cured.value, challenger.cured.value
        if cured is None or champion_rate is None or challenger_rate is None:
            continue
        sentences.append(
            _(
                "In the {segment} segment, the challenger {challenger} cured {rate} of its accounts"
                " against {champion_rate} under {champion} ({verdict})."
            ).format(
                segment=found.segment,
                challenger=challenger.treatment,
                rate=_share(challenger_rate),
                champion_rate=_share(champion_rate),
                champion=found.champion.treatment,
                verdict=verdict_words(cured),
            )
        )
    # A segment whose test no longer shows in the results (its draws gone) still says what changed.
    sentences += [event_sentence(event) for event in events if event.segment not in told]
    return sentences
