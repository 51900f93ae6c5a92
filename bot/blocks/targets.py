"""The confirmation of `/collect target`."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import escape
from bot.language.model import _, speaker
from bot.reports.model import TargetOutcome


def target_set(outcome: TargetOutcome) -> Reply:
    amount = speaker().money(outcome.target, outcome.currency)
    text = _(":dart: {agent}'s monthly target is now *{amount}*.").format(
        agent=escape(outcome.agent_name), amount=amount
    )
    return Reply(
        text=_("Target for {agent}: {amount}").format(agent=outcome.agent_name, amount=amount),
        blocks=[section(text)],
    )
