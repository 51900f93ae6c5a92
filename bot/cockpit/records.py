"""Reading the team's day for a supervisor's App Home: a handful of aggregate queries, whatever
the size of the team (the Home is rebuilt after people's changes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.access import works_accounts
from bot.alerts.records import open_alerts
from bot.alerts.rules import ranked
from bot.assignments.model import MORNING_RUN, NamedAccounts
from bot.assignments.records.worklists import worked_today
from bot.coaching.model import ClosedWeeks
from bot.coaching.records import ramp_up
from bot.cockpit.model import (
    AgentToday,
    EscalationWaiting,
    LeftOff,
    OpenAlert,
    PromiseDue,
    ReminderThresholds,
    TeamDay,
)
from bot.escalations.rules import working_hours_between
from bot.job_runs import already_ran
from bot.kpis import rules as kpi
from bot.reports.model import PerformanceReport
from bot.reports.records.numbers import build_report
from bot.settings import Settings
from bot.vocabulary import EscalationStatus, PromiseStatus
from storage.models import Absence, Account, Agent, Assignment, Escalation, Promise


def team_day(
    session: Session,
    settings: Settings,
    *,
    today: date,
    now: datetime,
    viewer: str,
    manager: bool,
    closed_weeks: ClosedWeeks | None = None,
) -> TeamDay:
    """The team's day so far, for a supervisor (`manager`: for a final decider, whose escalations
    are the recommendations waiting on a manager)."""
    zone = settings.zone
    numbers = build_report(session, "day", today, settings, now, portfolio_figures=False)
    waited = working_hours_waited(
        zone, settings.work_calendar.is_working_day, settings.workday_start, settings.workday_end
    )
    status = EscalationStatus.RECOMMENDED if manager else EscalationStatus.OPEN
    return TeamDay(
        day=today,
        viewer=viewer,
        waiting_on="a manager" if manager else "a supervisor",
        agents=agents_today(session, today, zone, numbers),
        escalations=escalations_waiting(session, status, now, waited),
        thresholds=ReminderThresholds(settings.escalation_reminder_hours, settings.working_day_hours),
        alerts=alerts_open(session, today),
        alerts_listed=settings.alerts_per_run,
        promises_due=promises_due(session, today, settings.promise_grace_days, zone, now),
        left_off=left_off_today(session, today),
        numbers=numbers,
        zone=zone,
        new_agents=ramp_up(session, settings, today, now, closed_weeks),
    )


def agents_today(
    session: Session, day: date, zone: ZoneInfo, numbers: PerformanceReport
) -> tuple[AgentToday, ...]:
    """Everyone with a list today, away today or in the day's numbers (the agents, and anyone else
    who made attempts), by name. Their lines counted in one grouped query; attempts, contacts,
    promises, money and refusals are the report's (bot.reports), not counted again here."""
    done = case((worked_today(day, zone), 1), else_=0)
    lines = {
        agent: (int(assigned), int(worked or 0))
        for agent, assigned, worked in session.execute(
            select(Assignment.agent, func.count(), func.sum(done))
            .join(Account, Account.id == Assignment.account_pk)
            .where(Assignment.work_date == day)
            .group_by(Assignment.agent)
        )
    }
    away = set(session.scalars(select(Absence.agent).where(Absence.starts_on <= day, Absence.ends_on >= day)))
    roster = {
        member.slack_user_id: member
        for member in session.scalars(select(Agent).where(Agent.active.is_(True)))
        if works_accounts(member.role)
    }
    reported = {numbers.agent_id: numbers for numbers in numbers.agents}
    shown = set(reported) | set(lines) | (away & set(roster))
    found = []
    for agent_id in shown:
        member, figures = roster.get(agent_id), reported.get(agent_id)
        assigned, worked = lines.get(agent_id, (0, 0))
        found.append(
            AgentToday(
                agent_id=agent_id,
                name=member.name if member else (figures.name if figures else agent_id),
                lines_done=worked,
                lines_assigned=assigned,
                attempts=figures.attempts if figures else 0,
                right_party_contacts=figures.right_party_contacts if figures else 0,
                promises_made=figures.promises_made if figures else 0,
                collected=tuple(sorted(figures.collected.items())) if figures else (),
                refusals=figures.attempted_breaches if figures else 0,
                away=agent_id in away,
            )
        )
    return tuple(sorted(found, key=lambda a: (a.name.casefold(), a.agent_id)))


def escalations_waiting(
    session: Session, status: EscalationStatus, now: datetime, waited: Callable[[datetime, datetime], float]
) -> tuple[EscalationWaiting, ...]:
    """The escalations in `status` (waiting on a supervisor, or on a manager), oldest first, each
    with the working hours it has waited (`waited`, as the reminders count them)."""
    query = (
        select(
            Escalation.id, Escalation.kind, Account.account_id, Account.customer_name, Escalation.amount,
            Escalation.currency, Escalation.requested_by, Agent.name, Escalation.requested_at,
        )
        .join(Account, Account.id == Escalation.account_pk)
        .outerjoin(Agent, Agent.slack_user_id == Escalation.requested_by)
        .where(Escalation.status == status)
        .order_by(Escalation.requested_at, Escalation.id)
    )  # fmt: skip
    return tuple(
        EscalationWaiting(
            id=row.id, kind=row.kind, account_id=row.account_id, customer_name=row.customer_name,
            amount=row.amount, currency=row.currency, requested_by=row.requested_by,
            requested_by_name=row.name or row.requested_by, requested_at=row.requested_at,
            waited_hours=waited(row.requested_at, now),
        )
        for row in session.execute(query)
    )  # fmt: skip


def working_hours_waited(
    zone: ZoneInfo, is_working_day: Callable[[date], bool], day_start: time, day_end: time
) -> Callable[[datetime, datetime], float]:
    def waited(since: datetime, now: datetime) -> float:
        return working_hours_between(
            since, now, zone=zone, is_working_day=is_working_day, day_start=day_start, day_end=day_end
        )

    return waited


def alerts_open(session: Session, today: date) -> tuple[OpenAlert, ...]:
    """The open alerts as the channel and `/collect alerts` rank them: one line per account."""
    return tuple(
        OpenAlert(a.alert_id, a.account_id, a.customer_name, a.said, a.assigned_to, a.balance)
        for a in ranked(open_alerts(session, today))
    )


# The order the Home lists them in: what a supervisor can still act on first.
OUTCOME_ORDER = {"broken": 0, "pending": 1, "kept": 2}


def promises_due(
    session: Session, day: date, grace_days: int, zone: ZoneInfo, now: datetime
) -> tuple[PromiseDue, ...]:
    """Promises and instalments due today, due lately and still in their grace days, or broken
    since last night (their last day to be kept was yesterday), with their outcome now
    (bot.kpis.rules.promise_outcome): broken first, then pending, then kept. One due before today
    and kept before today is not today's news; a promise replaced or folded into a plan is none."""
    midnight = datetime.combine(day, time(0), zone)
    query = (
        select(
            Promise.account_pk, Promise.made_by, Promise.amount, Promise.currency, Promise.made_at,
            Promise.due_date, Promise.paid_toward, Promise.status, Promise.resolved_at,
            Account.account_id, Account.customer_name, Agent.name,
        )
        .join(Account, Account.id == Promise.account_pk)
        .outerjoin(Agent, Agent.slack_user_id == Account.assigned_to)
        .where(
            Promise.status != PromiseStatus.CANCELLED,
            Promise.due_date <= day,
            Promise.due_date >= day - timedelta(days=grace_days + 1),
        )
        .order_by(Promise.due_date.desc(), Account.account_id, Promise.id)
    )  # fmt: skip
    found = []
    for row in session.execute(query):
        *values, resolved_at, account_id, customer_name, agent_name = row
        fact = kpi.PromiseFact(*values)
        outcome = kpi.promise_outcome(fact, grace_days, zone, now)
        if outcome == "kept" and fact.due_date < day and resolved_at is not None and resolved_at < midnight:
            continue
        found.append(
            PromiseDue(
                account_id=account_id, customer_name=customer_name, agent_name=agent_name or "",
                amount=fact.amount, currency=fact.currency, paid_toward=fact.paid_toward,
                due_date=fact.due_date, outcome=outcome,
            )
        )  # fmt: skip
    return tuple(sorted(found, key=lambda p: OUTCOME_ORDER.get(p.outcome, len(OUTCOME_ORDER))))


def left_off_today(session: Session, day: date) -> LeftOff | None:
    """What the morning's run left off, as its claim kept it; None before it ran."""
    run = already_ran(session, MORNING_RUN, day.isoformat())
    if run is None:
        return None
    summary: dict[str, Any] = run.summary or {}
    reasons = summary.get("left_off") or {}
    return LeftOff(
        reasons={str(reason): int(count) for reason, count in dict(reasons).items()},
        beyond_capacity=int(summary.get("beyond_capacity") or 0),
        high_value_left_off=_named(summary.get("high_value_left_off")),
        high_value_without_senior=_named(summary.get("high_value_without_senior")),
        seniors_at_work=bool(summary.get("seniors_at_work", True)),
    )


def _named(kept: Any) -> NamedAccounts:
    """Accounts the claim's summary named (absent from a run before they were kept: none)."""
    if not isinstance(kept, dict):
        return NamedAccounts()
    return NamedAccounts(int(kept.get("total") or 0), tuple(str(a) for a in kept.get("first") or ()))
