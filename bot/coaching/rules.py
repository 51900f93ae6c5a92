"""Coaching figures from the performance reports (bot.reports): an agent's line of a report beside
the median of every agent's line in the same report. Nothing is counted again here: attempts, RPC
and kept rates, collected, targets, refused attempts and complaints are the report's own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.coaching.model import Figures, PeriodFigures, RampWeek, Trend
from bot.reports.model import AgentNumbers, LineFigures, PerformanceReport, WindowLines
from bot.reports.rules import share_of_target

_ZERO = Decimal(0)


def median(values: Iterable[Decimal | int | None]) -> Decimal | None:
    """The median of the values given (None ones left out); None when none is left."""
    import statistics  # with the first coaching figures: the idle bot does without it

    known = sorted(Decimal(v) for v in values if v is not None)
    return statistics.median(known) if known else None


def agent_figures(report: PerformanceReport, agent: AgentNumbers) -> Figures:
    complaints = report.team.complaints.by_agent.get(agent.agent_id, 0)
    return _figures(agent, report.team.target_currency, complaints)


def line_figures(line: LineFigures, currency: str) -> Figures:
    """agent_figures of a line read on its own (bot.reports.records.numbers.lines_over_days)."""
    return _figures(line, currency, line.complaints)


def _figures(numbers: AgentNumbers | LineFigures, currency: str, complaints: int) -> Figures:
    return Figures(
        attempts=Decimal(numbers.attempts),
        rpc_rate=numbers.rpc_rate,
        kept_rate=numbers.kept_rate,
        collected=dict(numbers.collected),
        target=numbers.target,
        share_of_target=share_of_target(numbers, currency),
        attempted_breaches=Decimal(numbers.attempted_breaches),
        complaints=Decimal(complaints),
    )


def running_ramp_week(
    number: int, first: date, lines: WindowLines, agent_id: str, currency: str, ramp_up: dict[int, Figures]
) -> RampWeek:
    """ramp_week from the lines of the week alone (a week still running, read at every refresh)."""
    line = lines.lines.get(agent_id)
    return RampWeek(
        week=number,
        first_day=first,
        agent=nothing() if line is None else line_figures(line, currency),
        ramp_up=ramp_up.get(number),
        complete=lines.complete,
    )


def team_lines_median(lines: WindowLines, currency: str) -> Figures:
    """team_median of the lines of every agent a report of the same days would list."""
    return median_of([line_figures(line, currency) for line in lines.lines.values()])


def team_median(report: PerformanceReport, agents: Sequence[AgentNumbers] | None = None) -> Figures:
    """The median of each figure over the report's agents (every front-line agent on the roster);
    a rate's median is over the agents who have that rate (an agent without attempts has no RPC
    rate, rather than a rate of 0)."""
    agents = report.agents if agents is None else agents
    return median_of([agent_figures(report, agent) for agent in agents])


def nothing() -> Figures:
    """An agent not in a report (not yet on the roster, or without a line): nothing done."""
    return Figures(_ZERO, None, None, {}, None, None, _ZERO, _ZERO)


def first_day(report: PerformanceReport) -> date:
    return report.start.astimezone(ZoneInfo(report.zone)).date()


def period_figures(report: PerformanceReport, agent_id: str) -> PeriodFigures:
    agent = next((a for a in report.agents if a.agent_id == agent_id), None)
    return PeriodFigures(
        label=report.label,
        first_day=first_day(report),
        agent=nothing() if agent is None else agent_figures(report, agent),
        median=team_median(report),
        complete=report.complete,
    )


def trend(reports: Sequence[PerformanceReport], agent_id: str, name: str) -> Trend:
    """The agent's weeks, oldest first, from the weekly reports given."""
    ordered = sorted(reports, key=lambda r: r.start)
    currency = ordered[-1].team.target_currency if ordered else ""
    return Trend(agent_id, name, currency, tuple(period_figures(r, agent_id) for r in ordered))


def ramp_up_by_week(weeks: Iterable[tuple[int, Figures]]) -> dict[int, Figures]:
    """The team's ramp-up: for each week number, the median of what agents did in their own week of
    that number (each agent's week n is given as (n, figures))."""
    grouped: dict[int, list[Figures]] = {}
    for number, figures in weeks:
        grouped.setdefault(number, []).append(figures)
    return {number: median_of(found) for number, found in sorted(grouped.items())}


def median_of(figures: Sequence[Figures]) -> Figures:
    currencies = sorted({c for f in figures for c in f.collected})
    return Figures(
        attempts=median(f.attempts for f in figures),
        rpc_rate=median(f.rpc_rate for f in figures),
        kept_rate=median(f.kept_rate for f in figures),
        collected={
            c: m for c in currencies if (m := median(f.collected.get(c, _ZERO) for f in figures)) is not None
        },
        target=median(f.target for f in figures),
        share_of_target=median(f.share_of_target for f in figures),
        attempted_breaches=median(f.attempted_breaches for f in figures),
        complaints=median(f.complaints for f in figures),
    )


def ramp_week(number: int, report: PerformanceReport, agent_id: str, ramp_up: dict[int, Figures]) -> RampWeek:
    agent = next((a for a in report.agents if a.agent_id == agent_id), None)
    return RampWeek(
        week=number,
        first_day=first_day(report),
        agent=nothing() if agent is None else agent_figures(report, agent),
        ramp_up=ramp_up.get(number),
        complete=report.complete,
    )
