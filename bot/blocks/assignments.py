"""Confirmations of the assignment commands: away and assign."""

from __future__ import annotations

from bot.assignments.records.absences import AbsenceOutcome
from bot.assignments.records.moves import MoveOutcome
from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import code, escape, mention
from bot.language.model import _, speaker


def away_recorded(outcome: AbsenceOutcome) -> Reply:
    reader = speaker()
    days = {"start": reader.day(outcome.starts_on), "end": reader.day(outcome.ends_on)}
    text = _(
        ":palm_tree: {agent} is away from {start} to {end}. Their accounts are shared out on those days and"
        " come back after."
    ).format(agent=escape(outcome.agent_name), **days)
    return Reply(
        text=_("{agent} away {start} to {end}").format(agent=outcome.agent_name, **days),
        blocks=[section(text)],
    )


def account_moved(outcome: MoveOutcome) -> Reply:
    account = f"{code(outcome.account_id)} ({escape(outcome.customer_name)})"
    text = (
        _(":arrow_right: {account} moved from {from_agent} to {to_agent}.").format(
            account=account, from_agent=mention(outcome.from_agent), to_agent=mention(outcome.to_agent)
        )
        if outcome.from_agent
        else _(":arrow_right: {account} moved to {to_agent}.").format(
            account=account, to_agent=mention(outcome.to_agent)
        )
    )
    summary = _("{account_id} moved to {agent}").format(account_id=outcome.account_id, agent=outcome.to_name)
    return Reply(text=summary, blocks=[section(text)])
