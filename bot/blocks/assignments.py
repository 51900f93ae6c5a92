"""Confirmations of the assignment commands: away and assign."""

from __future__ import annotations

from bot.assignments.records.absences import AbsenceOutcome
from bot.assignments.records.moves import MoveOutcome
from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import code, escape, mention


def away_recorded(outcome: AbsenceOutcome) -> Reply:
    text = (
        f":palm_tree: {escape(outcome.agent_name)} is away from {outcome.starts_on.isoformat()}"
        f" to {outcome.ends_on.isoformat()}. Their accounts are shared out on those days and come back after."
    )
    return Reply(
        text=f"{outcome.agent_name} away {outcome.starts_on} to {outcome.ends_on}", blocks=[section(text)]
    )


def account_moved(outcome: MoveOutcome) -> Reply:
    before = f" from {mention(outcome.from_agent)}" if outcome.from_agent else ""
    text = (
        f":arrow_right: {code(outcome.account_id)} ({escape(outcome.customer_name)}) moved{before}"
        f" to {mention(outcome.to_agent)}."
    )
    return Reply(text=f"{outcome.account_id} moved to {outcome.to_name}", blocks=[section(text)])
