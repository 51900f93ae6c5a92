"""Escalations are not forgotten: after COLLECT_ESCALATION_REMINDER_HOURS of working time waiting
for a decision, a reminder in the thread tags the supervisors on duty; after a working day it is
raised again in the channel. Each is queued under its own key, so it is sent once, whatever the
number of ticks or processes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import REMINDED_OF_ESCALATIONS
from bot.blocks.escalations import raised_again, reminder_reply
from bot.blocks.kit import Reply
from bot.clock import team_today
from bot.escalations.desk import permalink
from bot.escalations.records.lookup import card_of, message_key
from bot.escalations.rules import Reminder, reminders_due, working_hours_between
from bot.job_faults import RowRef, SkippedRows
from bot.job_runs import JobReport
from bot.outbox.records import enqueue
from bot.runtime import Runtime
from bot.vocabulary import EscalationStatus
from storage.models import Absence, Agent, Escalation

JOB = "escalation-reminders"
# Waiting for the agent's answer is not waiting for a supervisor.
WAITING_FOR_A_DECISION = (EscalationStatus.OPEN, EscalationStatus.RECOMMENDED)


def reminders_due_at(runtime: Runtime, at: datetime) -> bool:
    """Only in working hours: waiting time counts only then, but a reminder that falls due at the
    end of the day would otherwise go out at the evening's ticks; it waits for the next working start."""
    return runtime.settings.in_working_hours(at)


def run_reminders(runtime: Runtime, at: datetime, by: str) -> JobReport:
    settings = runtime.settings
    calendar = settings.work_calendar
    skipped = SkippedRows(JOB)

    def waiting_time(escalation: Escalation) -> tuple[int, float, set[Reminder]] | None:
        waited = working_hours_between(
            escalation.requested_at,
            at,
            zone=runtime.zone,
            is_working_day=calendar.is_working_day,
            day_start=settings.workday_start,
            day_end=settings.workday_end,
        )
        kinds = reminders_due(
            waited,
            reminder_after_hours=settings.escalation_reminder_hours,
            working_day_hours=settings.working_day_hours,
        )
        return (escalation.id, waited, kinds) if kinds else None

    with runtime.db.reading() as session:
        due = list(skipped.each(_waiting(session), waiting_time, escalation_ref))
    links = {
        escalation_id: permalink(runtime, escalation_id)
        for escalation_id, _, kinds in due
        if "channel" in kinds
    }
    queued = _queue(runtime, due, links, at, skipped)
    return JobReport(JOB, team_today(at, runtime.zone).isoformat(), queued > 0, f"{queued} reminders queued")


def escalation_ref(escalation: Escalation) -> RowRef:
    return RowRef(f"escalation {escalation.id}")


def _waiting(session: Session) -> list[Escalation]:
    query = select(Escalation).where(
        Escalation.status.in_([str(s) for s in WAITING_FOR_A_DECISION]), Escalation.message_ts.is_not(None)
    )
    return list(session.scalars(query))


def on_duty(session: Session, today: date) -> list[str]:
    """Supervisors and managers at work today (not marked away)."""
    away = set(
        session.scalars(select(Absence.agent).where(Absence.starts_on <= today, Absence.ends_on >= today))
    )
    query = select(Agent.slack_user_id).where(
        Agent.role.in_(sorted(REMINDED_OF_ESCALATIONS)), Agent.active.is_(True)
    )
    return [member for member in session.scalars(query.order_by(Agent.slack_user_id)) if member not in away]


def _queue(
    runtime: Runtime,
    due: list[tuple[int, float, set[Reminder]]],
    links: dict[int, str | None],
    at: datetime,
    skipped: SkippedRows,
) -> int:
    queued = 0
    with runtime.db.transaction() as session:
        supervisors = on_duty(session, team_today(at, runtime.zone))
        for escalation_id, waited, kinds in due:
            # An escalation that cannot be shown (its account gone, a kind no longer known) is
            # skipped and told; the others are still reminded.
            with skipped.row(RowRef(f"escalation {escalation_id}")):
                queued += _remind(session, escalation_id, waited, kinds, supervisors, links, at, runtime)
        skipped.record(session, runtime, at)
    return queued


def _remind(
    session: Session,
    escalation_id: int,
    waited: float,
    kinds: set[Reminder],
    supervisors: list[str],
    links: dict[int, str | None],
    at: datetime,
    runtime: Runtime,
) -> int:
    """Everything is worded before anything is queued, so a reminder that cannot be shown queues nothing."""
    escalation = session.get_one(Escalation, escalation_id)
    card = card_of(session, escalation, team_today(at, runtime.zone), at, runtime.zone)
    key = message_key(escalation_id)
    replies: list[tuple[str, Reply, str | None]] = []
    if "thread" in kinds:
        replies.append((f"{key}:reminder", reminder_reply(card, supervisors, waited), key))
    if "channel" in kinds:
        replies.append((f"{key}:raised-again", raised_again(card, waited, links.get(escalation_id)), None))
    queued = 0
    for reply_key, reply, thread_key in replies:
        queued += enqueue(
            session,
            key=reply_key,
            kind="escalation-reminder",
            channel=escalation.channel,
            reply=reply,
            now=at,
            thread_key=thread_key,
        )
    return queued
