"""The answer to `/collect strategy promote|stop NAME`."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import code
from bot.language.model import _
from bot.strategy.model import Decided, Decision


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
