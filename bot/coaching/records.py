"""The reports coaching is made of, read with the report builder (bot.reports.records.numbers) so that
every figure is the digest's own: one report per week, per month, or per an agent's own week."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import is_front_line
from bot.coaching.model import RAMP_UP_WEEKS, TREND_WEEKS, ClosedWeeks, Figures, NewAgent, RampUp, Trend
from bot.coaching.rules import (
    agent_figures,
    median_of,
    ramp_week,
    running_ramp_week,
    team_lines_median,
    team_median,
    trend,
)
from bot.reports.model import PerformanceReport
from bot.reports.records.numbers import Window, build_report, lines_over_days
from bot.settings import Settings
from storage.models import Agent, Contact

HISTORY_AGENTS = 6
"""How many earlier agents' first weeks make the ramp-up: the most recent ones (how the team trains
now), and few enough that the Home stays quick to build."""


def weekly_reports(
    session: Session, settings: Settings, last_day: date, now: datetime, weeks: int = TREND_WEEKS
) -> list[PerformanceReport]:
    """The `weeks` weeks ending with the week holding `last_day`, oldest first."""
    return [
        build_report(
            session, "week", last_day - timedelta(weeks=back), settings, now, portfolio_figures=False
        )
        for back in range(weeks - 1, -1, -1)
    ]


def agent_trend(session: Session, settings: Settings, agent: Agent, last_day: date, now: datetime) -> Trend:
    return trend(weekly_reports(session, settings, last_day, now), agent.slack_user_id, agent.name)


def month_report(session: Session, settings: Settings, first_day: date, now: datetime) -> PerformanceReport:
    return build_report(session, "month", first_day, settings, now, portfolio_figures=False)


def ramp_up(
    session: Session, settings: Settings, today: date, now: datetime, memory: ClosedWeeks | None = None
) -> RampUp:
    """The front-line agents who joined the roster in the last 8 weeks, week by week from the day
    they were added (the roster's created_at: the roster keeps no other start date), against the
    team's ramp-up: the median of what the most recent earlier agents did in their own weeks 1..8
    when the ledger goes back to their first week ("history"), else the team's median over the same
    days ("current"). With `memory` (the Home's), the weeks already over are read once a day."""
    zone = settings.zone
    # Columns, not entities: the Home reads the whole roster at every refresh.
    members = select(Agent.slack_user_id, Agent.name, Agent.role, Agent.created_at, Agent.active)
    roster = [a for a in session.execute(members.order_by(Agent.created_at)) if is_front_line(a.role)]
    start_of = {a.slack_user_id: a.created_at.astimezone(zone).date() for a in roster}
    cutoff = today - timedelta(weeks=RAMP_UP_WEEKS)
    new = [a for a in roster if a.active and start_of[a.slack_user_id] > cutoff]
    if not new:
        return RampUp()
    first_contact = session.scalar(select(func.min(Contact.at)))
    ledger_from = first_contact.astimezone(zone).date() if first_contact is not None else today
    # An earlier agent's first weeks count when the ledger holds contacts from their first week on
    # (an agent who joined before the bot was in use has no first weeks to learn from).
    covered = ledger_from - timedelta(days=6)
    earlier = [a for a in roster if covered <= start_of[a.slack_user_id] <= cutoff][-HISTORY_AGENTS:]
    cache: dict[tuple[date, date], PerformanceReport] = {}

    def week_report(started: date, number: int) -> PerformanceReport:
        first = started + timedelta(weeks=number - 1)
        last = first + timedelta(days=6)
        if (first, last) not in cache:

            def build() -> PerformanceReport:
                return build_report(
                    session, "day", first, settings, now, last_day=last, portfolio_figures=False
                )

            cache[(first, last)] = build() if memory is None else memory.report(today, first, last, build)
        return cache[(first, last)]

    by_week: dict[int, Figures] = {}
    if earlier:
        samples = []
        for agent in earlier:
            for number in range(1, RAMP_UP_WEEKS + 1):
                report = week_report(start_of[agent.slack_user_id], number)
                line = next((x for x in report.agents if x.agent_id == agent.slack_user_id), None)
                if line is not None:
                    samples.append((number, agent_figures(report, line)))
        for number in range(1, RAMP_UP_WEEKS + 1):
            found = [figures for n, figures in samples if n == number]
            if found:
                by_week[number] = median_of(found)
    # A week still running changes at every refresh: only its new agents' lines are read (and, for
    # the "current" ramp-up, the team's lines of the same days), all the running weeks at once.
    running: dict[tuple[str, int], Window] = {}
    for agent in new:
        started = start_of[agent.slack_user_id]
        for number in range(1, min(RAMP_UP_WEEKS, (today - started).days // 7 + 1) + 1):
            first = started + timedelta(weeks=number - 1)
            if first + timedelta(days=6) >= today:
                whom = frozenset({agent.slack_user_id}) if earlier else None
                running[(agent.slack_user_id, number)] = Window(first, first + timedelta(days=6), whom)
    lines = lines_over_days(session, settings, now, list(set(running.values())))
    currency = settings.target_currency
    agents = []
    for agent in new:
        started = start_of[agent.slack_user_id]
        elapsed = min(RAMP_UP_WEEKS, (today - started).days // 7 + 1)
        weeks = []
        for number in range(1, elapsed + 1):
            window = running.get((agent.slack_user_id, number))
            if window is not None:
                so_far = lines[window]
                basis = by_week if earlier else {number: team_lines_median(so_far, currency)}
                weeks.append(
                    running_ramp_week(number, window.first, so_far, agent.slack_user_id, currency, basis)
                )
                continue
            report = week_report(started, number)
            basis = by_week if earlier else {number: team_median(report)}
            weeks.append(ramp_week(number, report, agent.slack_user_id, basis))
        agents.append(NewAgent(agent.slack_user_id, agent.name, started, tuple(weeks)))
    return RampUp(
        agents=tuple(agents),
        basis="history" if earlier else "current",
        agents_in_basis=len(earlier),
        currency=settings.target_currency,
        by_week=by_week,
    )


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def last_of_month(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
