"""The supervisors' App Home in Block Kit: the team's day so far, the escalations waiting with
their decision buttons, the open alerts with theirs, the promises due today and what the morning
left off. Pure functions of bot.cockpit.model.

Every name from a person or a customer is escaped and clipped, and every list is capped with the
rest counted, so that no team or portfolio can push the view past Slack's 100 blocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from bot.blocks.alerts import ALERTS_COMMAND, AlertLine, alert_line
from bot.blocks.coaching import new_agents_blocks
from bot.blocks.digest import so_far_lines
from bot.blocks.escalations import KIND_LABELS, decision_buttons
from bot.blocks.kit import (
    SECTION_TEXT_LIMIT,
    VIEW_BLOCKS_LIMIT,
    Block,
    context,
    divider,
    header,
    lines_within,
    pack_lines,
    section,
)
from bot.blocks.mrkdwn import clip, clip_escaped, code, local_time, one_line
from bot.blocks.worklist import left_off_text, without_senior_text
from bot.cockpit.model import AgentToday, EscalationWaiting, PromiseDue, ReminderThresholds, TeamDay
from bot.language.model import N_, _, babel_name, counted, number, speaker
from bot.vocabulary import EscalationKind

NAME_LIMIT = 40
CUSTOMER_LIMIT = 60
MONEY_LIMIT = 30
AGENT_LINE_LIMIT = 400
AGENTS_TEXT_BUDGET = 4000
AGENT_CURRENCIES = 4
ESCALATIONS_LISTED = 8
ALERTS_LISTED_AT_MOST = 10
ESCALATION_TEXT_LIMIT = 600
ALERT_WHY_LIMIT = 300
PROMISES_LISTED = 15
PROMISE_LINE_LIMIT = 320
PROMISES_TEXT_BUDGET = 2500
NUMBERS_TEXT_LIMIT = 1500
# Slack documents no total text size for a view: these caps keep the whole Home under about 17,000
# characters whatever the team and portfolio (tests/test_team_home.py builds the worst case).

OUTCOME_ICONS = {"kept": ":white_check_mark:", "pending": ":hourglass_flowing_sand:", "broken": ":x:"}
_OUTCOMES = {"kept": N_("kept"), "pending": N_("pending"), "broken": N_("broken")}


def team_home(day: TeamDay) -> dict[str, Any]:
    blocks: list[Block] = [header(_("The team today: {day}").format(day=speaker().weekday(day.day)))]
    blocks += _numbers_blocks(day)
    blocks += [divider(), *_agent_blocks(day.agents)]
    if day.new_agents.agents:
        blocks += [divider(), *new_agents_blocks(day.new_agents)]
    blocks += [divider(), *_escalation_blocks(day)]
    blocks += [divider(), *_alert_blocks(day)]
    blocks += [divider(), *_promise_blocks(day)]
    blocks += [divider(), *_left_off_blocks(day)]
    # The caps above keep to about 60 blocks; this only guards against a future section's growth.
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS_LIMIT]}


def _money(amount: Decimal, currency: str) -> str:
    return one_line(speaker().money(amount, currency), MONEY_LIMIT)


def _amounts(amounts: Sequence[tuple[str, Decimal]], limit: int) -> str:
    """Each currency on its own, never added to another."""
    parts = [_money(amount, currency) for currency, amount in amounts[:limit]]
    if len(amounts) > limit:
        parts.append("+" + counted("{count} more currency", "{count} more currencies", len(amounts) - limit))
    return " · ".join(parts)


def _name(name: str, fallback: str) -> str:
    return one_line(name, NAME_LIMIT) or one_line(fallback, NAME_LIMIT) or _("someone unnamed")


# --- the numbers so far ------------------------------------------------------------------------------


def _numbers_blocks(day: TeamDay) -> list[Block]:
    text = "\n".join(so_far_lines(day.numbers))
    return [section(clip_escaped(text, NUMBERS_TEXT_LIMIT)), context(one_line(day.numbers.label, 200))]


# --- the agents --------------------------------------------------------------------------------------


def _agent_line(agent: AgentToday) -> str:
    name = f"*{_name(agent.name, agent.agent_id)}*"
    if agent.away:
        name += " " + _(":palm_tree: away today")
    lines = (
        _("{done} of {assigned} lines done").format(
            done=number(agent.lines_done), assigned=number(agent.lines_assigned)
        )
        if agent.lines_assigned
        else _("no list")
    )
    parts = [
        lines,
        counted("{count} attempt", "{count} attempts", agent.attempts),
        _("{count} right-party").format(count=number(agent.right_party_contacts)),
        counted("{count} promise made", "{count} promises made", agent.promises_made),
        _("collected {amounts}").format(amounts=_amounts(agent.collected, AGENT_CURRENCIES) or _("nothing")),
    ]
    if agent.refusals:
        refused = counted(
            ":no_entry: {count} refusal by the contact rules", ":no_entry: {count} refusals by the contact rules",
            agent.refusals,
        )  # fmt: skip
        parts.append(refused)
    return clip_escaped(f"• {name} — " + " · ".join(parts), AGENT_LINE_LIMIT)


def _agent_blocks(agents: Sequence[AgentToday]) -> list[Block]:
    title = _("*The agents*")
    if not agents:
        return [section(f"{title}\n" + _("Nobody has a list or any work recorded today."))]
    lines = lines_within((_agent_line(agent) for agent in agents), AGENTS_TEXT_BUDGET)
    blocks = [section(chunk) for chunk in pack_lines([title, *lines], SECTION_TEXT_LIMIT)]
    rest = len(agents) - len(lines)
    if rest:
        more = counted("{count} more agent", "{count} more agents", rest)
        blocks.append(context(_("…and {agents}: `/collect report day @someone`").format(agents=more)))
    return blocks


# --- escalations -------------------------------------------------------------------------------------


def _waited(escalation: EscalationWaiting, limits: ReminderThresholds) -> str:
    hours = escalation.waited_hours
    reader = speaker()
    waited = (
        _("{hours} working hours").format(
            hours=format_decimal(hours, "#,##0.0", locale=babel_name(reader.locale))
        )
        if hours >= 1
        else _("{minutes} working minutes").format(minutes=number(int(hours * 60)))
    )
    reminder = reader.number(Decimal(str(limits.reminder_hours)).normalize())
    if hours >= limits.raised_again_hours:
        return _(":rotating_light: {waited}: over a working day, raised again in the channel").format(
            waited=waited
        )
    if hours >= limits.reminder_hours:
        return _(":warning: {waited}: past the {hours} h reminder").format(waited=waited, hours=reminder)
    return _(":hourglass_flowing_sand: {waited} (reminder at {hours} h)").format(
        waited=waited, hours=reminder
    )


def _when(at: datetime, zone: ZoneInfo) -> str:
    return local_time(at, zone)


def _escalation_text(escalation: EscalationWaiting, limits: ReminderThresholds, zone: ZoneInfo) -> str:
    try:
        kind = _(KIND_LABELS[EscalationKind(escalation.kind)])
    except ValueError:
        kind = one_line(escalation.kind, 30)
    amount = f" · {_money(escalation.amount, escalation.currency)}" if escalation.amount is not None else ""
    who = _name(escalation.requested_by_name, escalation.requested_by)
    by = _("by {agent} {when}").format(agent=who, when=_when(escalation.requested_at, zone))
    return clip_escaped(
        f"*{kind}* {code(escalation.account_id[:40])} {one_line(escalation.customer_name, CUSTOMER_LIMIT)}"
        f"{amount} · {by}\n{_waited(escalation, limits)}",
        ESCALATION_TEXT_LIMIT,
    )


def _escalation_blocks(day: TeamDay) -> list[Block]:
    waiting = day.escalations
    heading = (
        _("*Escalations waiting on a manager*")
        if day.waiting_on == "a manager"
        else _("*Escalations waiting on a supervisor*")
    )
    title = heading + " " + _("({count}, oldest first)").format(count=number(len(waiting)))
    if not waiting:
        return [section(f"{heading}\n" + _("None: nothing waits for a decision."))]
    blocks = [section(title)]
    for escalation in waiting[:ESCALATIONS_LISTED]:
        blocks += [
            section(_escalation_text(escalation, day.thresholds, day.zone)),
            decision_buttons(escalation.id),
        ]
    rest = len(waiting) - ESCALATIONS_LISTED
    if rest > 0:
        blocks.append(context(_("…and {count} newer: `/collect escalations`").format(count=number(rest))))
    return blocks


# --- alerts ------------------------------------------------------------------------------------------


def _alert_blocks(day: TeamDay) -> list[Block]:
    alerts = day.alerts
    if not alerts:
        return [section(_("*Open alerts*") + "\n" + _("No account needs a supervisor right now."))]
    cap = max(1, min(day.alerts_listed, ALERTS_LISTED_AT_MOST))
    accounts = counted("{count} account", "{count} accounts", len(alerts))
    blocks = [section(_("*Open alerts* ({accounts}, the most pressing first)").format(accounts=accounts))]
    for alert in alerts[:cap]:
        blocks += alert_line(
            AlertLine(
                alert.alert_id,
                alert.account_id[:40],
                alert.customer_name,
                clip(alert.said, ALERT_WHY_LIMIT),
                alert.assigned_to,
                alert.balance,
            )
        )
    rest = len(alerts) - cap
    if rest > 0:
        blocks.append(
            context(
                _("…and {count} more, with the same buttons: `{command}`").format(
                    count=number(rest), command=ALERTS_COMMAND
                )
            )
        )
    return blocks


# --- promises due today -------------------------------------------------------------------------------


def _promise_line(promise: PromiseDue, day: TeamDay) -> str:
    icon = OUTCOME_ICONS.get(promise.outcome, "")
    due = (
        ""
        if promise.due_date == day.day
        else " " + _("(due {date})").format(date=speaker().day(promise.due_date))
    )
    paid = (
        ", " + _("{amount} paid").format(amount=_money(promise.paid_toward, promise.currency))
        if promise.paid_toward
        else ""
    )
    outcome = _(_OUTCOMES[promise.outcome]) if promise.outcome in _OUTCOMES else promise.outcome
    return clip_escaped(
        f"• {icon} *{outcome}* {code(promise.account_id[:40])} {one_line(promise.customer_name, CUSTOMER_LIMIT)}"
        f" · {_money(promise.amount, promise.currency)}{paid}{due} · {_holder(promise)}",
        PROMISE_LINE_LIMIT,
    )


def _holder(promise: PromiseDue) -> str:
    return _name(promise.agent_name, "") if promise.agent_name.strip() else _("unassigned")


def _promise_blocks(day: TeamDay) -> list[Block]:
    promises = day.promises_due
    if not promises:
        return [section(_("*Promises due today*") + "\n" + _("None."))]
    counts = {outcome: sum(1 for p in promises if p.outcome == outcome) for outcome in OUTCOME_ICONS}
    title = (
        _("*Promises due today*")
        + f" ({number(len(promises))}: "
        + ", ".join(f"{number(n)} {_(_OUTCOMES[o])}" for o, n in counts.items())
        + ")"
    )
    listed = (_promise_line(promise, day) for promise in promises[:PROMISES_LISTED])
    lines = lines_within(listed, PROMISES_TEXT_BUDGET)
    blocks = [section(chunk) for chunk in pack_lines([title, *lines], SECTION_TEXT_LIMIT)]
    rest = len(promises) - len(lines)
    if rest > 0:
        blocks.append(context(_("…and {count} more").format(count=number(rest))))
    return blocks


# --- left off ----------------------------------------------------------------------------------------


def _left_off_blocks(day: TeamDay) -> list[Block]:
    if day.left_off is None:
        return [section(_("*Left off today*") + "\n" + _("The worklists have not gone out today."))]
    found = day.left_off
    blocks = []
    if found.high_value_without_senior.total:
        blocks.append(section(without_senior_text(found.high_value_without_senior, found.seniors_at_work)))
    blocks.append(section(left_off_text(found.reasons, found.beyond_capacity, found.high_value_left_off)))
    return blocks
