"""Coaching in Block Kit: `/collect report @ana --trend` (the 13 weeks, each figure against the
team's median; the chart follows as a file in the asker's DM) and the new agents' section of the
supervisors' Home. Pure functions of bot.coaching.model; names are escaped and clipped."""

from __future__ import annotations

from decimal import Decimal

from bot.blocks.kit import Block, Reply, context, header, lines_within, section
from bot.blocks.mrkdwn import clip, one_line
from bot.coaching.model import NewAgent, RampUp, RampWeek, Trend
from bot.coaching.render import figure_rows, money, shown, team_collected
from bot.language.model import _, counted, number, speaker

NAME_LIMIT = 40
WEEK_LINE_LIMIT = 300
TREND_TEXT_BUDGET = 2800
NEW_AGENTS_LISTED = 8
NEW_AGENTS_TEXT_BUDGET = 2500
_ZERO = Decimal(0)


def trend_reply(trend: Trend, *, chart_queued: bool) -> Reply:
    name = one_line(trend.name, NAME_LIMIT)
    title = _("Trend: {name}, last {weeks} weeks against the team's median").format(
        name=trend.name[:NAME_LIMIT], weeks=len(trend.weeks)
    )
    blocks: list[Block] = [header(title)]
    if trend.weeks:
        latest = trend.weeks[-1]
        rows = figure_rows(latest, trend.currency)
        lines = [_("*Week of {day}* ({name} · team median)").format(day=speaker().short_day(latest.first_day),
                                                                   name=name)]  # fmt: skip
        lines += [f"• {label}: *{mine}* · {team}" for label, mine, team in rows]
        blocks.append(section(clip("\n".join(lines), 2900)))
        week_lines = lines_within((_week_line(trend, i) for i in range(len(trend.weeks) - 1, -1, -1)),
                                  TREND_TEXT_BUDGET)  # fmt: skip
        blocks.append(section(clip("\n".join([_("*Week by week* (the team's median in brackets)"), *week_lines]),
                                   2900)))  # fmt: skip
    if chart_queued:
        blocks.append(context(_("The chart is on its way to your DM.")))
    return Reply(text=title, blocks=blocks)


def _week_line(trend: Trend, index: int) -> str:
    week = trend.weeks[index]
    mine, team, currency = week.agent, week.median, trend.currency
    parts = [
        _("{count} att ({median})").format(count=shown("attempts", mine.attempts),
                                           median=shown("attempts", team.attempts)),
        _("RPC {share} ({median})").format(share=shown("rpc_rate", mine.rpc_rate),
                                           median=shown("rpc_rate", team.rpc_rate)),
        _("kept {share} ({median})").format(share=shown("kept_rate", mine.kept_rate),
                                            median=shown("kept_rate", team.kept_rate)),
        _("{amount} ({median}), {share} of target").format(
            amount=money(mine.collected.get(currency, _ZERO), currency),
            median=money(team_collected(team, currency), currency),
            share=shown("share_of_target", mine.share_of_target)),
        _("refused {count} ({median})").format(count=shown("attempted_breaches", mine.attempted_breaches),
                                               median=shown("attempted_breaches", team.attempted_breaches)),
        _("complaints {count} ({median})").format(count=shown("complaints", mine.complaints),
                                                  median=shown("complaints", team.complaints)),
    ]  # fmt: skip
    return clip(f"• {speaker().short_day(week.first_day)}: " + " · ".join(parts), WEEK_LINE_LIMIT)


# --- The Home's new agents -----------------------------------------------------------------------------


def new_agents_blocks(ramp: RampUp) -> list[Block]:
    """Each agent in their first 8 weeks: their latest week against the ramp-up's same week."""
    if not ramp.agents:
        return []
    if ramp.basis == "history":
        basis = counted(
            "against the team's ramp-up: the median of the most recent {count} agent's own weeks 1 to 8",
            "against the team's ramp-up: the median of the most recent {count} agents' own weeks 1 to 8",
            ramp.agents_in_basis,
        )
    else:
        basis = _(
            "against the team's median over the same days (no earlier agent's first weeks in the ledger)"
        )
    lines = lines_within((_new_agent_line(agent, ramp.currency) for agent in ramp.agents[:NEW_AGENTS_LISTED]),
                         NEW_AGENTS_TEXT_BUDGET)  # fmt: skip
    blocks: list[Block] = [header(_("New agents: their first 8 weeks")), context(clip(basis, 300))]
    blocks.append(section(clip("\n".join(lines), 2900)))
    if len(ramp.agents) > NEW_AGENTS_LISTED:
        more = counted(
            "{count} more new agent", "{count} more new agents", len(ramp.agents) - NEW_AGENTS_LISTED
        )
        blocks.append(context(_("…and {agents}: `/collect report @name --trend`").format(agents=more)))
    return blocks


def _new_agent_line(agent: NewAgent, currency: str) -> str:
    name = one_line(agent.name, NAME_LIMIT)
    if not agent.weeks:
        return f"• *{name}*"
    week = agent.weeks[-1]
    so_far = "" if week.complete else " " + _("(so far)")
    said = _("week {week} of 8{so_far}").format(week=number(week.week), so_far=so_far)
    return clip(f"• *{name}* — {said}: " + _ramp_parts(week, currency), 400)


def _ramp_parts(week: RampWeek, currency: str) -> str:
    """The agent's figures, each with the ramp-up's for the same week number in brackets."""
    mine, base = week.agent, week.ramp_up
    parts = [
        _("{count} att").format(count=shown("attempts", mine.attempts)),
        _("RPC {share}").format(share=shown("rpc_rate", mine.rpc_rate)),
        _("kept {share}").format(share=shown("kept_rate", mine.kept_rate)),
        money(mine.collected.get(currency, _ZERO), currency),
    ]
    if base is None:
        return " · ".join(parts)
    theirs = [
        shown("attempts", base.attempts),
        shown("rpc_rate", base.rpc_rate),
        shown("kept_rate", base.kept_rate),
        money(team_collected(base, currency), currency),
    ]
    return " · ".join(f"{part} ({other})" for part, other in zip(parts, theirs, strict=True))
