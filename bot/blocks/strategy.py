"""The answer to `/collect strategy promote|stop NAME`."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import clip_escaped, code, escape
from bot.language.model import _, speaker
from bot.strategy.model import Decided, Decision, StrategyReport
from bot.strategy.render import result_lines


def strategy_decided(decided: Decided) -> Reply:
    lines = []
    for segment, champion, challenger in decided.segments:
        if decided.decision == Decision.PROMOTE:
            line = _(
                ":trophy: Segment {segment}: {challenger} is now the treatment of every account (was {champion})."
            )
        else:
            line = _(
                ":stop_sign: Segment {segment}: the challenger {challenger} is stopped; its accounts return to {champion}."
            )
        lines.append(line.format(segment=code(segment), champion=code(champion), challenger=code(challenger)))
    summary = _("Challenger promoted") if decided.decision == Decision.PROMOTE else _("Challenger stopped")
    return Reply(text=summary, blocks=[section("\n".join(lines))])


SECTION_LIMIT = 2900
"""Slack's section text holds 3,000 characters; a longer set of tests is cut, with the command line
(`collect-bot report --strategy`) giving all of it."""


def strategy_results(found: StrategyReport) -> Reply:
    """The monthly digest's champion/challenger section, in its thread: each test's sides with their
    95% intervals and a verdict per measure. Segments and treatments only: no customer is named."""
    title = _("Champion/challenger tests, {first} to {last}").format(
        first=speaker().day(found.first), last=speaker().day(found.last)
    )
    lines = escape("\n".join(result_lines(found.results)))
    return Reply(
        text=title,
        blocks=[section(f"*{escape(title)}*"), section(clip_escaped(f"```{lines}```", SECTION_LIMIT))],
    )
