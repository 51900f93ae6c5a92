"""The confirmation of `/collect target`."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import escape
from bot.currency import format_money
from bot.language.model import reader_locale
from bot.reports.model import TargetOutcome


def target_set(outcome: TargetOutcome) -> Reply:
    amount = format_money(outcome.target, outcome.currency, reader_locale())
    text = f":dart: {escape(outcome.agent_name)}'s monthly target is now *{amount}*."
    return Reply(text=f"Target for {outcome.agent_name}: {amount}", blocks=[section(text)])
