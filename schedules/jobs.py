"""The scheduled jobs, by name: when each is due, and what running it does.

Every job is claimed per period in the database (job_runs), so running it twice, from two
processes or by hand, does the work once; what it must tell people goes through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.assignments.daily import JOB as DAILY_ASSIGNMENTS
from bot.assignments.daily import run_daily_assignments
from bot.calendar import WorkCalendar
from bot.escalations.reminders import JOB as ESCALATION_REMINDERS
from bot.escalations.reminders import run_reminders
from bot.job_runs import JobReport
from bot.runtime import Runtime


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    due: Callable[[Runtime, datetime], bool]
    """True when, at this moment, the job's current period should have run."""
    run: Callable[[Runtime, datetime, str], JobReport]
    once_a_day: bool = True
    """Claimed per day; False for jobs that run on every tick and dedupe what they send themselves."""


def _daily_assignments_due(runtime: Runtime, at: datetime) -> bool:
    """From the digest time of a working day until midnight: a digest missed while the bot was down
    goes out when it comes back the same day, and never on a later day."""
    local = at.astimezone(runtime.zone)
    calendar = WorkCalendar.from_settings(runtime.settings)
    return calendar.is_working_day(local.date()) and local.time() >= runtime.settings.digest_time


def _during_working_days(runtime: Runtime, at: datetime) -> bool:
    return WorkCalendar.from_settings(runtime.settings).is_working_day(at.astimezone(runtime.zone).date())


JOBS: dict[str, ScheduledJob] = {
    DAILY_ASSIGNMENTS: ScheduledJob(DAILY_ASSIGNMENTS, _daily_assignments_due, run_daily_assignments),
    ESCALATION_REMINDERS: ScheduledJob(
        ESCALATION_REMINDERS, _during_working_days, run_reminders, once_a_day=False
    ),
}
