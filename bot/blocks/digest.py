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
from bot.blocks.complaints import category_name
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
from bot.blocks.mrkdwn import clip, escape, mention, one_line
from bot.language.model import N_, _, counted, number, speaker
from bot.reports.model import (
    ActivityNumbers,
    AgentNumbers,
    PerformanceReport,
    TeamNumbers,
    Win,
    complaints_by_agent,
)
from bot.vocabulary import channel_name

# Budgets, in characters after escaping. Their sum with the header (150), the footer and the legend
# stays under the 12,000 we allow ourselves, whatever the input.
PERIOD_TEXT_LIMIT = 300
TEAM_TEXT_LIMIT = 1500
AGING_TEXT_LIMIT = 1200
WINS_TEXT_LIMIT = 1500
AGENTS_TEXT_BUDGET = 6500
FOOTER_TEXT_LIMIT = 200
NARRATIVE_TEXT_LIMIT = 1200  # the monthly digest's opening sentences, taken from the agents' budget
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

# Marked for the catalogs, translated where shown (in the reader's language: the channel's, or the
# person's for `/collect report`).
NA = N_("n/a")
NO_WORKLISTS = N_("worklist lines: nothing yet")
DIGEST_LEFT_OFF = N_("the spreadsheet in the thread has everyone")
REPLY_LEFT_OFF = N_("the report spreadsheet has everyone")
AGENTS_LEGEND = N_(
    "attempts · RPC rate (right-party contacts ÷ attempts) · promises made/kept/broken (kept rate)"
    " · collected in the target currency of target (% of target), then “+” what came in other currencies,"
    " never converted nor counted toward the target · worklist lines worked/assigned, summed over the"
    " working days · escalations · :warning: attempts refused by the contact rules"
)

_ZERO = Decimal(0)
_TENTH = Decimal("0.1")
_TITLES = {"day": N_("Daily numbers"), "week": N_("Weekly numbers"), "month": N_("Monthly numbers")}
_WINS_SO_FAR = {"day": N_("*Wins today*"), "week": N_("*Wins this week*"), "month": N_("*Wins this month*")}
_WINS_OF = {
    "day": N_("*Wins of the day*"),
    "week": N_("*Wins of the week*"),
    "month": N_("*Wins of the month*"),
}
_PROJECTED = {
    "day": N_("*Projected for the rest of the day:* {amounts}"),
    "week": N_("*Projected for the rest of the week:* {amounts}"),
    "month": N_("*Projected for the rest of the month:* {amounts}"),
}
_AGING_AT_END = {
    "day": N_("*Aging at the end of the day* (previous period's end in brackets)"),
    "week": N_("*Aging at the end of the week* (previous period's end in brackets)"),
    "month": N_("*Aging at the end of the month* (previous period's end in brackets)"),
}
_BUCKETS = [bucket.value for bucket in AgingBucket]
_V = TypeVar("_V")


# --- Public builders -----------------------------------------------------------------------------------


def digest_message(report: PerformanceReport, narrative: Sequence[str] = ()) -> Reply:
    """The digest for the supervisors' channel: team, aging, wins, then as many agents as fit. The
    monthly digest opens with its `narrative` (bot.blocks.narrative), taken from the agents' budget."""
    return Reply(text=_fallback(report), blocks=_team_blocks(report, DIGEST_LEFT_OFF, narrative))


def report_reply(report: PerformanceReport, *, whose: str | None) -> Reply:
    """`/collect report` (ephemeral): the team's digest when `whose` is None, else that agent's line
    and every one of their numbers."""
    if whose is None:
        return Reply(text=_fallback(report), blocks=_team_blocks(report, REPLY_LEFT_OFF))
    agent = next((a for a in report.agents if a.agent_id == whose), None)
    if agent is None:
        text = _("No numbers for {person} in {period}: no accounts assigned and no activity.").format(
            person=mention(whose), period=one_line(report.label, 80)
        )
        return Reply(text=text, blocks=[header(_title(report)), section(text)])
    return _agent_reply(report, agent)


# --- Text pieces -----------------------------------------------------------------------------------------


def money_text(amount: Decimal, currency: str) -> str:
    # The currency code comes from imported data, so it is escaped like any other imported text.
    return one_line(speaker().money(amount, currency), MONEY_LIMIT)


def percent_text(ratio: Decimal | None) -> str:
    """Rounded here and only here (half up, to a tenth of a percent): ratios arrive exact."""
    if ratio is None:
        return _(NA)
    return speaker().percent((ratio * 100).quantize(_TENTH, rounding=ROUND_HALF_UP) / 100, 1)


def _index(value: Decimal | None) -> str:
    """The CEI is already a percentage (0..100)."""
    if value is None:
        return _(NA)
    return speaker().percent(value.quantize(_TENTH, rounding=ROUND_HALF_UP) / 100, 1)


def _share(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole, or None (n/a) when there is nothing to divide by."""
    if whole is None or whole == 0:
        return None
    return part / whole


def _more_currencies(n: int) -> str:
    return counted("{count} more currency", "{count} more currencies", n)


def _amounts(amounts: Iterable[tuple[str, Decimal]], limit: int) -> str:
    """Each currency on its own, never added to another; past `limit` only how many more."""
    listed = list(amounts)
    parts = [money_text(amount, currency) for currency, amount in listed[:limit]]
    if len(listed) > limit:
        parts.append("+" + _more_currencies(len(listed) - limit))
    return " · ".join(parts)


def _target_first(values: Mapping[str, _V], target: str) -> list[tuple[str, _V]]:
    """The target currency first, the way the team reads its numbers, then the others by code."""
    return sorted(values.items(), key=lambda item: (item[0] != target, item[0]))


def _per_currency(
    values: Mapping[str, Decimal | None], target: str, show: Callable[[Decimal | None], str]
) -> str:
    return " · ".join(
        f"{one_line(currency, 10)} {show(value)}" for currency, value in _target_first(values, target)
    ) or _(NA)


def _agent_name(agent: AgentNumbers) -> str:
    # A mention would ping every agent each time the digest is posted, so the name is shown.
    name = one_line(agent.name, NAME_LIMIT)
    if name:
        return f"*{name}*"
    return f"`{one_line(agent.agent_id, NAME_LIMIT)}`" if agent.agent_id.strip() else _("an unnamed agent")


def _title(report: PerformanceReport) -> str:
    return f"{_(_TITLES[report.kind])} — {report.label}"


def _fallback(report: PerformanceReport) -> str:
    team = report.team
    collected = _amounts(_target_first(team.collected, team.target_currency), TEAM_CURRENCIES) or _("nothing")
    agents = counted("{count} agent", "{count} agents", len(report.agents))
    text = _("{title}: {collected} collected, {agents}").format(
        title=_title(report), collected=collected, agents=agents
    )
    return clip(text, 500)


def _period_context(report: PerformanceReport) -> Block:
    """Exactly what is counted: complete days to their last midnight, or so far, to the minute the
    report was made (what happens later is in the next report of a closed period)."""
    zone, reader = ZoneInfo(report.zone), speaker()
    start = reader.moment(report.start.astimezone(zone))
    if report.complete:
        last = (report.end - timedelta(microseconds=1)).astimezone(zone)
        text = _("From {start} to the end of {last}, {zone} time: complete days").format(
            start=start, last=reader.short_day(last.date()), zone=report.zone
        )
    else:
        end = reader.moment(report.end.astimezone(zone))
        text = _("From {start} to {end}, {zone} time: so far").format(start=start, end=end, zone=report.zone)
    return context(one_line(text, PERIOD_TEXT_LIMIT))


# --- The team ------------------------------------------------------------------------------------------


def _team_blocks(report: PerformanceReport, left_off: str, narrative: Sequence[str] = ()) -> list[Block]:
    blocks = [header(_title(report)), _period_context(report)]
    if narrative:
        blocks.append(section(clip(" ".join(narrative), NARRATIVE_TEXT_LIMIT)))
    blocks += [section(_team_text(report)), section(_aging_text(report))]
    if report.wins:
        blocks += [divider(), section(_wins_text(report, report.wins))]
    budget = AGENTS_TEXT_BUDGET - (NARRATIVE_TEXT_LIMIT if narrative else 0)
    blocks += [divider(), *_agent_blocks(report, left_off, budget)]
    return blocks


def _collected_text(team: TeamNumbers) -> str:
    """The target currency against the target, then every other currency on its own."""
    target = team.target_currency
    done = team.collected.get(target, _ZERO)
    if team.target is None:
        first = _("{amount} (no target)").format(amount=money_text(done, target))
    else:
        first = _("{amount} of {target} target ({share})").format(
            amount=money_text(done, target),
            target=money_text(team.target, target),
            share=percent_text(_share(done, team.target)),
        )
    others = _amounts(sorted((c, a) for c, a in team.collected.items() if c != target), TEAM_CURRENCIES - 1)
    return f"{first} · {others}" if others else first


def _team_text(report: PerformanceReport) -> str:
    team = report.team
    target = team.target_currency
    if team.projected is None:
        projected = _(NA)  # something is due but no kept rate to weigh it by
    else:
        projected = _amounts(_target_first(team.projected, target), TEAM_CURRENCIES) or _("nothing open")
    # A closed period has no rest to project: the line is for a period still running.
    projecting = [] if report.complete else [_(_PROJECTED[report.kind]).format(amounts=projected)]
    lines = [
        _("*Collected:* {collected}").format(collected=_collected_text(team)),
        _activity_text(team.activity),
        *projecting,
        _("*Promises kept, last 90 days:* {share}").format(share=percent_text(team.kept_rate_90_days)),
        *_portfolio_lines(report),
        _(
            "*Escalations:* {opened} opened · {decided} decided · {waiting} waiting   *Disputes opened:* {disputes}"
        ).format(
            opened=number(team.escalations_opened),
            decided=number(team.escalations_decided),
            waiting=number(team.escalations_waiting),
            disputes=number(team.disputes_opened),
        ),
        *_complaints_lines(report),
    ]
    return clip("\n".join(lines), TEAM_TEXT_LIMIT)


def _complaints_lines(report: PerformanceReport) -> list[str]:
    """Management asked that the numbers reflect customers' complaints: said when there are any."""
    counts = report.team.complaints
    if not counts.any:
        return []
    lines = [
        _("*Complaints:* {opened} opened · {resolved} resolved · {overdue} overdue").format(
            opened=number(counts.opened), resolved=number(counts.resolved), overdue=number(counts.overdue)
        )
    ]
    if counts.by_category:
        categories = ", ".join(
            f"{category_name(category)} {number(n)}" for category, n in sorted(counts.by_category.items())
        )
        lines.append(_("Opened by category: {categories}").format(categories=categories))
    if counts.by_agent:
        agents = ", ".join(
            f"{escape(name) if name else _('the shared queue')} {number(n)}"
            for name, n in complaints_by_agent(report)
        )
        lines.append(_("Opened by agent: {agents}").format(agents=agents))
    return lines


def _activity_text(activity: ActivityNumbers) -> str:
    """The team's work in one line, everyone's attempts, promises and worklist lines counted."""
    worked = _share(Decimal(activity.lines_worked), Decimal(activity.lines_assigned))
    lines = (
        _("worklist lines worked {worked} of {assigned} ({share})").format(
            worked=number(activity.lines_worked),
            assigned=number(activity.lines_assigned),
            share=percent_text(worked),
        )
        if activity.lines_assigned
        else _(NO_WORKLISTS)  # not 0 of 0: no list was handed out in the period
    )
    return _(
        "*Team:* {attempts} · {rpc} right-party (RPC {rpc_rate}) · promises {made} made, {kept} kept,"
        " {broken} broken (kept rate {kept_rate}) · {lines}"
    ).format(
        attempts=counted("{count} attempt", "{count} attempts", activity.attempts) + _by_channel(activity),
        rpc=number(activity.right_party_contacts), rpc_rate=percent_text(activity.rpc_rate),
        made=number(activity.promises_made), kept=number(activity.promises_kept),
        broken=number(activity.promises_broken), kept_rate=percent_text(activity.kept_rate), lines=lines,
    )  # fmt: skip


def _by_channel(activity: ActivityNumbers) -> str:
    """ " (call 8, email 3, letter 1)" when more than one channel was used; nothing otherwise."""
    if len(activity.attempts_by_channel) < 2:
        return ""
    parts = ", ".join(f"{channel_name(channel)} {number(n)}" for channel, n in activity.attempts_by_channel)
    return f" ({parts})"


def _portfolio_lines(report: PerformanceReport) -> list[str]:
    """The CEI of the delinquent accounts (and, for a month, the textbook one over all receivables
    beside it); then what became of the accounts delinquent at the opening: cured (current again,
    still owing) apart from paid off (owing nothing)."""
    team = report.team
    target = team.target_currency
    lines = [_("*CEI, delinquent accounts:* {values}").format(values=_per_currency(team.cei, target, _index))]
    if report.kind == "month":
        all_receivables = _per_currency(team.cei_all_receivables, target, _index)
        lines.append(_("*CEI, all receivables:* {values}").format(values=all_receivables))
    lines.append(
        _("*Cured (current again):* {values}").format(
            values=_per_currency(team.cure_rate, target, percent_text)
        )
    )
    lines.append(
        _("*Paid off:* {values}").format(values=_per_currency(team.paid_off_rate, target, percent_text))
    )
    return lines


def _aging_text(report: PerformanceReport) -> str:
    team = report.team
    totals = {cur: sum(buckets.values(), _ZERO) for cur, buckets in team.aging.items()}
    if not totals:
        return _("*Aging:* nothing owed at the end of the period")
    # Largest balance first; each currency is summed on its own.
    order = sorted(totals, key=lambda cur: (-totals[cur], cur))
    heading = (
        _(_AGING_AT_END[report.kind])
        if report.complete
        else _("*Aging now* (previous period's end in brackets)")
    )
    lines = [heading]
    lines += [_aging_line(team, cur, totals[cur]) for cur in order[:AGING_CURRENCIES]]
    if len(order) > AGING_CURRENCIES:
        more = _more_currencies(len(order) - AGING_CURRENCIES)
        lines.append(_("+{currencies}: in the spreadsheet").format(currencies=more))
    return clip("\n".join(lines), AGING_TEXT_LIMIT)


def _aging_line(team: TeamNumbers, currency: str, total: Decimal) -> str:
    before = team.aging_previous.get(currency, {})
    was = money_text(sum(before.values(), _ZERO), currency)
    now = team.aging.get(currency, {})
    buckets = " · ".join(f"{one_line(b, 10)} {money_text(now[b], currency)}" for b in _BUCKETS if now.get(b))
    return clip(f"• *{money_text(total, currency)}* ({was}): {buckets or _('all current')}", AGING_LINE_LIMIT)


# --- Wins ------------------------------------------------------------------------------------------------


def _win_line(win: Win) -> str:
    # `what` is written by the report builder with account ids, never a customer's name; escaped anyway.
    who = one_line(win.agent_name, NAME_LIMIT) or _("unassigned")
    line = f"• :tada: *{who}* — {one_line(win.what, WHAT_LIMIT)}"
    if win.amount is not None and win.currency:
        line += f" · {money_text(win.amount, win.currency)}"
    return clip(line, WIN_LINE_LIMIT)


def _wins_text(report: PerformanceReport, wins: Sequence[Win]) -> str:
    heading = _(_WINS_OF[report.kind]) if report.complete else _(_WINS_SO_FAR[report.kind])
    lines = [heading, *(_win_line(win) for win in wins[:WINS_SHOWN])]
    if len(wins) > WINS_SHOWN:
        more = counted("{count} more win", "{count} more wins", len(wins) - WINS_SHOWN)
        lines.append(_("…and {wins}").format(wins=more))
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
        text = money_text(done, currency)
    else:
        text = _("{amount} of {target} ({share})").format(
            amount=money_text(done, currency), target=money_text(agent.target, currency),
            share=percent_text(_share(done, agent.target)),
        )  # fmt: skip
    others = sorted((c, a) for c, a in agent.collected.items() if c != currency)
    if others:
        text += " · +" + _amounts(others, AGENT_OTHER_CURRENCIES)
    return text


def _agent_line(agent: AgentNumbers, currency: str) -> str:
    parts = [
        _("{count} att").format(count=number(agent.attempts)),
        _("RPC {share}").format(share=percent_text(agent.rpc_rate)),
        _("PTP {made}/{kept}/{broken} ({share})").format(
            made=number(agent.promises_made),
            kept=number(agent.promises_kept),
            broken=number(agent.promises_broken),
            share=percent_text(agent.kept_rate),
        ),
        _agent_collected(agent, currency),
        _lines_worked(agent),
        _("{count} esc").format(count=number(agent.escalations_raised)),
    ]
    if agent.attempted_breaches:
        parts.append(f":warning: {number(agent.attempted_breaches)}")
    return clip(f"• {_agent_name(agent)} — " + " · ".join(parts), AGENT_LINE_LIMIT)


def _lines_worked(agent: AgentNumbers) -> str:
    if not agent.accounts_assigned:
        return _("no worklist")  # not 0/0: there was nothing on a list to work
    return _("{worked}/{assigned} lines").format(
        worked=number(agent.accounts_worked), assigned=number(agent.accounts_assigned)
    )


def _agent_blocks(report: PerformanceReport, left_off: str, budget: int = AGENTS_TEXT_BUDGET) -> list[Block]:
    if not report.agents:
        return [section(_("No agent had accounts or activity in this period."))]
    currency = report.team.target_currency
    lines = lines_within((_agent_line(agent, currency) for agent in ranked_agents(report)), budget)
    blocks = [context(_(AGENTS_LEGEND)), *(section(chunk) for chunk in pack_lines(lines, SECTION_TEXT_LIMIT))]
    rest = len(report.agents) - len(lines)
    if rest:
        more = counted("{count} more agent", "{count} more agents", rest)
        said = _("…and {agents}: {where}").format(agents=more, where=_(left_off))
        blocks.append(context(clip(said, FOOTER_TEXT_LIMIT)))
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
    whose = one_line(agent.name or agent.agent_id, NAME_LIMIT)
    text = clip(_("{title} for {agent}").format(title=_title(report), agent=whose), 500)
    return Reply(text=text, blocks=blocks)


def _agent_fields(agent: AgentNumbers, currency: str) -> list[str]:
    collected = _target_first(agent.collected, currency) or [(currency, _ZERO)]
    listed = "\n".join(_amounts([item], 1) for item in collected[:FIELD_CURRENCIES])
    if len(collected) > FIELD_CURRENCIES:
        listed += "\n+" + _more_currencies(len(collected) - FIELD_CURRENCIES)
    done = agent.collected.get(currency, _ZERO)
    target = _(NA) if agent.target is None else money_text(agent.target, currency)
    worked = _share(Decimal(agent.accounts_worked), Decimal(agent.accounts_assigned))
    fields = [
        _("*Attempts*\n{attempts} · {rpc} right-party ({share})").format(
            attempts=number(agent.attempts),
            rpc=number(agent.right_party_contacts),
            share=percent_text(agent.rpc_rate),
        ),
        _("*Promises*\n{made} made · {kept} kept · {broken} broken\nkept rate {share}").format(
            made=number(agent.promises_made),
            kept=number(agent.promises_kept),
            broken=number(agent.promises_broken),
            share=percent_text(agent.kept_rate),
        ),
        _("*Collected*\n{amounts}").format(amounts=listed),
        _("*Target*\n{target} ({share} reached)").format(
            target=target, share=percent_text(_share(done, agent.target))
        ),
        _(
            "*Worklist lines* (summed over the working days)\n{worked} worked of {assigned} assigned ({share})"
        ).format(
            worked=number(agent.accounts_worked),
            assigned=number(agent.accounts_assigned),
            share=percent_text(worked),
        ),
        _("*Escalations raised*\n{count}").format(count=number(agent.escalations_raised)),
        _("*Attempts refused by the contact rules*\n{count}").format(count=number(agent.attempted_breaches)),
    ]
    return [clip(field, AGENT_TEXT_LIMIT // len(fields)) for field in fields]


# --- The App Home ----------------------------------------------------------------------------------------


def so_far_lines(report: PerformanceReport) -> list[str]:
    """A day so far as the supervisors' App Home shows it: collected against target and the
    team's work, worded as the digest words them."""
    return [
        _("*Collected:* {collected}").format(collected=_collected_text(report.team)),
        _activity_text(report.team.activity),
    ]
