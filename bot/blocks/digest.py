"""The performance digest in Block Kit: the message posted in the supervisors' channel each day, week
and month, and `/collect report` for the team or one agent.

Pure functions of a PerformanceReport. The digest names agents and, in wins, account ids, never a
customer: the channel is wider than the people allowed to see a debtor's details. Money is shown per
currency and never added across currencies; a ratio without a denominator shows as "n/a". Every text
is escaped and clipped, and each part has a character budget, so that 500 agents still fit in one
message: 50 blocks, 3,000 characters a section, about 12,000 in all (Slack refuses a message past
about 13,000 with `msg_blocks_too_long`). The spreadsheet posted in the thread has everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.aging import AgingBucket
from bot.blocks.kit import (
    SECTION_TEXT_LIMIT,
    Block,
    Reply,
    context,
    divider,
    header,
    lines_within,
    pack_lines,
    section,
)
from bot.blocks.mrkdwn import clip, mention, one_line
from bot.currency import format_money
from bot.language.model import reader_locale
from bot.reports.model import ActivityNumbers, AgentNumbers, PerformanceReport, TeamNumbers, Win

# Budgets, in characters after escaping. Their sum with the header (150), the footer and the legend
# stays under the 12,000 we allow ourselves, whatever the input.
PERIOD_TEXT_LIMIT = 300
TEAM_TEXT_LIMIT = 1500
AGING_TEXT_LIMIT = 1200
WINS_TEXT_LIMIT = 1500
AGENTS_TEXT_BUDGET = 6500
FOOTER_TEXT_LIMIT = 200
AGENT_TEXT_LIMIT = 2500  # `/collect report` for one agent: their line and their numbers in full

NAME_LIMIT = 40
MONEY_LIMIT = 30
WHAT_LIMIT = 120
AGENT_LINE_LIMIT = 260
AGING_LINE_LIMIT = 230
WIN_LINE_LIMIT = 220
TEAM_CURRENCIES = 6
AGENT_OTHER_CURRENCIES = 2
AGING_CURRENCIES = 5
WINS_SHOWN = 10
FIELD_CURRENCIES = 10

NA = "n/a"
NO_WORKLISTS = "worklist lines: nothing yet"
DIGEST_LEFT_OFF = "the spreadsheet in the thread has everyone"
REPLY_LEFT_OFF = "the report spreadsheet has everyone"
AGENTS_LEGEND = (
    "attempts · RPC rate (right-party contacts ÷ attempts) · promises made/kept/broken (kept rate)"
    " · collected in the target currency of target (% of target), then “+” what came in other currencies,"
    " never converted nor counted toward the target · worklist lines worked/assigned, summed over the"
    " working days · escalations · :warning: attempts refused by the contact rules"
)

_ZERO = Decimal(0)
_TENTH = Decimal("0.1")
_TITLES = {"day": "Daily numbers", "week": "Weekly numbers", "month": "Monthly numbers"}
_THIS_PERIOD = {"day": "today", "week": "this week", "month": "this month"}
_REST_OF = {"day": "the day", "week": "the week", "month": "the month"}
_BUCKETS = [bucket.value for bucket in AgingBucket]
_V = TypeVar("_V")


# --- Public builders -----------------------------------------------------------------------------------


def digest_message(report: PerformanceReport) -> Reply:
    """The digest for the supervisors' channel: team, aging, wins, then as many agents as fit."""
    return Reply(text=_fallback(report), blocks=_team_blocks(report, DIGEST_LEFT_OFF))


def report_reply(report: PerformanceReport, *, whose: str | None) -> Reply:
    """`/collect report` (ephemeral): the team's digest when `whose` is None, else that agent's line
    and every one of their numbers."""
    if whose is None:
        return Reply(text=_fallback(report), blocks=_team_blocks(report, REPLY_LEFT_OFF))
    agent = next((a for a in report.agents if a.agent_id == whose), None)
    if agent is None:
        text = f"No numbers for {mention(whose)} in {one_line(report.label, 80)}: no accounts assigned and no activity."
        return Reply(text=text, blocks=[header(_title(report)), section(text)])
    return _agent_reply(report, agent)


# --- Text pieces -----------------------------------------------------------------------------------------


def _money(amount: Decimal, currency: str) -> str:
    # The currency code comes from imported data, so it is escaped like any other imported text.
    return one_line(format_money(amount, currency, reader_locale()), MONEY_LIMIT)


def _percent(ratio: Decimal | None) -> str:
    """Rounded here and only here (half up, to a tenth of a percent): ratios arrive exact."""
    return NA if ratio is None else f"{(ratio * 100).quantize(_TENTH, rounding=ROUND_HALF_UP):,}%"


def _index(value: Decimal | None) -> str:
    """The CEI is already a percentage (0..100)."""
    return NA if value is None else f"{value:,.1f}%"


def _share(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole, or None (n/a) when there is nothing to divide by."""
    if whole is None or whole == 0:
        return None
    return part / whole


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"


def _amounts(amounts: Iterable[tuple[str, Decimal]], limit: int) -> str:
    """Each currency on its own, never added to another; past `limit` only how many more."""
    listed = list(amounts)
    parts = [_money(amount, currency) for currency, amount in listed[:limit]]
    if len(listed) > limit:
        parts.append("+" + _count(len(listed) - limit, "more currency", "more currencies"))
    return " · ".join(parts)


def _target_first(values: Mapping[str, _V], target: str) -> list[tuple[str, _V]]:
    """The target currency first, the way the team reads its numbers, then the others by code."""
    return sorted(values.items(), key=lambda item: (item[0] != target, item[0]))


def _per_currency(
    values: Mapping[str, Decimal | None], target: str, show: Callable[[Decimal | None], str]
) -> str:
    return (
        " · ".join(
            f"{one_line(currency, 10)} {show(value)}" for currency, value in _target_first(values, target)
        )
        or NA
    )


def _agent_name(agent: AgentNumbers) -> str:
    # A mention would ping every agent each time the digest is posted, so the name is shown.
    name = one_line(agent.name, NAME_LIMIT)
    if name:
        return f"*{name}*"
    return f"`{one_line(agent.agent_id, NAME_LIMIT)}`" if agent.agent_id.strip() else "an unnamed agent"


def _title(report: PerformanceReport) -> str:
    return f"{_TITLES[report.kind]} — {report.label}"


def _fallback(report: PerformanceReport) -> str:
    team = report.team
    collected = _amounts(_target_first(team.collected, team.target_currency), TEAM_CURRENCIES) or "nothing"
    return clip(f"{_title(report)}: {collected} collected, {_count(len(report.agents), 'agent')}", 500)


def _period_context(report: PerformanceReport) -> Block:
    """Exactly what is counted: complete days to their last midnight, or so far, to the minute the
    report was made (what happens later is in the next report of a closed period)."""
    zone = ZoneInfo(report.zone)
    start = report.start.astimezone(zone)
    if report.complete:
        last = (report.end - timedelta(microseconds=1)).astimezone(zone)
        text = f"From {start:%a %d %b %Y %H:%M} to the end of {last:%a %d %b %Y}, {report.zone} time: complete days"
    else:
        end = report.end.astimezone(zone)
        text = f"From {start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M}, {report.zone} time: so far"
    return context(one_line(text, PERIOD_TEXT_LIMIT))


# --- The team ------------------------------------------------------------------------------------------


def _team_blocks(report: PerformanceReport, left_off: str) -> list[Block]:
    blocks = [header(_title(report)), _period_context(report)]
    blocks += [section(_team_text(report)), section(_aging_text(report))]
    if report.wins:
        blocks += [divider(), section(_wins_text(report, report.wins))]
    blocks += [divider(), *_agent_blocks(report, left_off)]
    return blocks


def _collected_text(team: TeamNumbers) -> str:
    """The target currency against the target, then every other currency on its own."""
    target = team.target_currency
    done = team.collected.get(target, _ZERO)
    if team.target is None:
        first = f"{_money(done, target)} (no target)"
    else:
        first = f"{_money(done, target)} of {_money(team.target, target)} target ({_percent(_share(done, team.target))})"
    others = _amounts(sorted((c, a) for c, a in team.collected.items() if c != target), TEAM_CURRENCIES - 1)
    return f"{first} · {others}" if others else first


def _team_text(report: PerformanceReport) -> str:
    team = report.team
    target = team.target_currency
    if team.projected is None:
        projected = NA  # something is due but no kept rate to weigh it by
    else:
        projected = _amounts(_target_first(team.projected, target), TEAM_CURRENCIES) or "nothing open"
    # A closed period has no rest to project: the line is for a period still running.
    projecting = (
        [] if report.complete else [f"*Projected for the rest of {_REST_OF[report.kind]}:* {projected}"]
    )
    lines = [
        f"*Collected:* {_collected_text(team)}",
        _activity_text(team.activity),
        *projecting,
        f"*Promises kept, last 90 days:* {_percent(team.kept_rate_90_days)}",
        *_portfolio_lines(report),
        f"*Escalations:* {team.escalations_opened:,} opened · {team.escalations_decided:,} decided"
        f" · {team.escalations_waiting:,} waiting   *Disputes opened:* {team.disputes_opened:,}",
    ]
    return clip("\n".join(lines), TEAM_TEXT_LIMIT)


def _activity_text(activity: ActivityNumbers) -> str:
    """The team's work in one line, everyone's attempts, promises and worklist lines counted."""
    worked = _share(Decimal(activity.lines_worked), Decimal(activity.lines_assigned))
    lines = (
        f"worklist lines worked {activity.lines_worked:,} of {activity.lines_assigned:,} ({_percent(worked)})"
        if activity.lines_assigned
        else NO_WORKLISTS  # not 0 of 0: no list was handed out in the period
    )
    return (
        f"*Team:* {_count(activity.attempts, 'attempt')} · {activity.right_party_contacts:,} right-party"
        f" (RPC {_percent(activity.rpc_rate)}) · promises {activity.promises_made:,} made,"
        f" {activity.promises_kept:,} kept, {activity.promises_broken:,} broken"
        f" (kept rate {_percent(activity.kept_rate)}) · {lines}"
    )


def _portfolio_lines(report: PerformanceReport) -> list[str]:
    """The CEI of the delinquent accounts (and, for a month, the textbook one over all receivables
    beside it); then what became of the accounts delinquent at the opening: cured (current again,
    still owing) apart from paid off (owing nothing)."""
    team = report.team
    target = team.target_currency
    lines = [f"*CEI, delinquent accounts:* {_per_currency(team.cei, target, _index)}"]
    if report.kind == "month":
        lines.append(f"*CEI, all receivables:* {_per_currency(team.cei_all_receivables, target, _index)}")
    lines.append(f"*Cured (current again):* {_per_currency(team.cure_rate, target, _percent)}")
    lines.append(f"*Paid off:* {_per_currency(team.paid_off_rate, target, _percent)}")
    return lines


def _aging_text(report: PerformanceReport) -> str:
    team = report.team
    totals = {cur: sum(buckets.values(), _ZERO) for cur, buckets in team.aging.items()}
    if not totals:
        return "*Aging:* nothing owed at the end of the period"
    # Largest balance first; each currency is summed on its own.
    order = sorted(totals, key=lambda cur: (-totals[cur], cur))
    at = f"at the end of {_REST_OF[report.kind]}" if report.complete else "now"
    lines = [f"*Aging {at}* (previous period's end in brackets)"]
    lines += [_aging_line(team, cur, totals[cur]) for cur in order[:AGING_CURRENCIES]]
    if len(order) > AGING_CURRENCIES:
        lines.append(
            f"+{_count(len(order) - AGING_CURRENCIES, 'more currency', 'more currencies')}: in the spreadsheet"
        )
    return clip("\n".join(lines), AGING_TEXT_LIMIT)


def _aging_line(team: TeamNumbers, currency: str, total: Decimal) -> str:
    before = team.aging_previous.get(currency, {})
    was = _money(sum(before.values(), _ZERO), currency)
    now = team.aging.get(currency, {})
    buckets = " · ".join(f"{one_line(b, 10)} {_money(now[b], currency)}" for b in _BUCKETS if now.get(b))
    return clip(f"• *{_money(total, currency)}* ({was}): {buckets or 'all current'}", AGING_LINE_LIMIT)


# --- Wins ------------------------------------------------------------------------------------------------


def _win_line(win: Win) -> str:
    # `what` is written by the report builder with account ids, never a customer's name; escaped anyway.
    who = one_line(win.agent_name, NAME_LIMIT) or "unassigned"
    line = f"• :tada: *{who}* — {one_line(win.what, WHAT_LIMIT)}"
    if win.amount is not None and win.currency:
        line += f" · {_money(win.amount, win.currency)}"
    return clip(line, WIN_LINE_LIMIT)


def _wins_text(report: PerformanceReport, wins: Sequence[Win]) -> str:
    when = f"of {_REST_OF[report.kind]}" if report.complete else _THIS_PERIOD[report.kind]
    lines = [f"*Wins {when}*", *(_win_line(win) for win in wins[:WINS_SHOWN])]
    if len(wins) > WINS_SHOWN:
        lines.append(f"…and {_count(len(wins) - WINS_SHOWN, 'more win')}")
    return clip("\n".join(lines), WINS_TEXT_LIMIT)


# --- Agents ----------------------------------------------------------------------------------------------


def ranked_agents(report: PerformanceReport) -> list[AgentNumbers]:
    """Most collected in the target currency first, then most attempts; name and id keep it stable."""
    currency = report.team.target_currency
    return sorted(
        report.agents, key=lambda a: (-a.collected.get(currency, _ZERO), -a.attempts, a.name, a.agent_id)
    )


def _agent_collected(agent: AgentNumbers, currency: str) -> str:
    done = agent.collected.get(currency, _ZERO)
    if agent.target is None:
        text = _money(done, currency)
    else:
        text = f"{_money(done, currency)} of {_money(agent.target, currency)} ({_percent(_share(done, agent.target))})"
    others = sorted((c, a) for c, a in agent.collected.items() if c != currency)
    if others:
        text += " · +" + _amounts(others, AGENT_OTHER_CURRENCIES)
    return text


def _agent_line(agent: AgentNumbers, currency: str) -> str:
    parts = [
        f"{agent.attempts:,} att",
        f"RPC {_percent(agent.rpc_rate)}",
        f"PTP {agent.promises_made:,}/{agent.promises_kept:,}/{agent.promises_broken:,} ({_percent(agent.kept_rate)})",
        _agent_collected(agent, currency),
        _lines_worked(agent),
        f"{agent.escalations_raised:,} esc",
    ]
    if agent.attempted_breaches:
        parts.append(f":warning: {agent.attempted_breaches:,}")
    return clip(f"• {_agent_name(agent)} — " + " · ".join(parts), AGENT_LINE_LIMIT)


def _lines_worked(agent: AgentNumbers) -> str:
    if not agent.accounts_assigned:
        return "no worklist"  # not 0/0: there was nothing on a list to work
    return f"{agent.accounts_worked:,}/{agent.accounts_assigned:,} lines"


def _agent_blocks(report: PerformanceReport, left_off: str) -> list[Block]:
    if not report.agents:
        return [section("No agent had accounts or activity in this period.")]
    currency = report.team.target_currency
    lines = lines_within(
        (_agent_line(agent, currency) for agent in ranked_agents(report)), AGENTS_TEXT_BUDGET
    )
    blocks = [context(AGENTS_LEGEND), *(section(chunk) for chunk in pack_lines(lines, SECTION_TEXT_LIMIT))]
    rest = len(report.agents) - len(lines)
    if rest:
        blocks.append(context(clip(f"…and {_count(rest, 'more agent')}: {left_off}", FOOTER_TEXT_LIMIT)))
    return blocks


# --- One agent ---------------------------------------------------------------------------------------------


def _agent_reply(report: PerformanceReport, agent: AgentNumbers) -> Reply:
    currency = report.team.target_currency
    blocks = [
        # The name is left out of the header: the line below shows it escaped.
        header(_title(report)),
        _period_context(report),
        section(_agent_line(agent, currency), fields=_agent_fields(agent, currency)),
    ]
    wins = [win for win in report.wins if win.agent_id == agent.agent_id]
    if wins:
        blocks.append(section(_wins_text(report, wins)))
    # The fallback is mrkdwn too (notifications, screen readers): the name is escaped there as well.
    text = clip(f"{_title(report)} for {one_line(agent.name or agent.agent_id, NAME_LIMIT)}", 500)
    return Reply(text=text, blocks=blocks)


def _agent_fields(agent: AgentNumbers, currency: str) -> list[str]:
    collected = _target_first(agent.collected, currency) or [(currency, _ZERO)]
    listed = "\n".join(_amounts([item], 1) for item in collected[:FIELD_CURRENCIES])
    if len(collected) > FIELD_CURRENCIES:
        listed += f"\n+{_count(len(collected) - FIELD_CURRENCIES, 'more currency', 'more currencies')}"
    done = agent.collected.get(currency, _ZERO)
    target = NA if agent.target is None else _money(agent.target, currency)
    worked = _share(Decimal(agent.accounts_worked), Decimal(agent.accounts_assigned))
    fields = [
        f"*Attempts*\n{agent.attempts:,} · {agent.right_party_contacts:,} right-party ({_percent(agent.rpc_rate)})",
        f"*Promises*\n{agent.promises_made:,} made · {agent.promises_kept:,} kept · {agent.promises_broken:,} broken"
        f"\nkept rate {_percent(agent.kept_rate)}",
        f"*Collected*\n{listed}",
        f"*Target*\n{target} ({_percent(_share(done, agent.target))} reached)",
        f"*Worklist lines* (summed over the working days)\n{agent.accounts_worked:,} worked of"
        f" {agent.accounts_assigned:,} assigned ({_percent(worked)})",
        f"*Escalations raised*\n{agent.escalations_raised:,}",
        f"*Attempts refused by the contact rules*\n{agent.attempted_breaches:,}",
    ]
    return [clip(field, AGENT_TEXT_LIMIT // len(fields)) for field in fields]


# --- The App Home ----------------------------------------------------------------------------------------


def so_far_lines(report: PerformanceReport) -> list[str]:
    """A day so far as the supervisors' App Home shows it: collected against target and the
    team's work, worded as the digest words them."""
    return [f"*Collected:* {_collected_text(report.team)}", _activity_text(report.team.activity)]
