"""The scheduled jobs, by name: when each is due, and what running it does.

Every job is claimed per period in the database (job_runs), so running it twice, from two
processes or by hand, does the work once; what it must tell people goes through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.alerts.job import JOB as ALERTS
from bot.alerts.job import alerts_due, run_alerts
from bot.assignments.job.daily import JOB as DAILY_ASSIGNMENTS
from bot.assignments.job.daily import run_daily_assignments
from bot.assignments.records.arrivals import payments_arrived
from bot.dunning.job import JOB as DUNNING
from bot.dunning.job import dunning_due, run_dunning
from bot.escalations.job import JOB as ESCALATION_REMINDERS
from bot.escalations.job import reminders_due_at, run_reminders
from bot.job_runs import JobReport
from bot.propensity.job import DAY_SCORES, run_learned_scores, run_train_score
from bot.propensity.job import JOB as TRAIN_SCORE
from bot.reports.job import KINDS, digest_due, job_name, run_digest
from bot.reports.model import PeriodKind
from bot.runtime import Runtime
from schedules.housekeeping import JOB as HOUSEKEEPING
from schedules.housekeeping import run_housekeeping


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    due: Callable[[Runtime, datetime], bool]
    """True when, at this moment, the job's current period should have run."""
    run: Callable[[Runtime, datetime, str], JobReport]
    """Runs it as if at that moment; a job already done for its period returns without doing anything."""
    repeatable: bool = False
    """Run by hand as an extra (bot.job_runs.extra_run): a report can be sent again; worklists,
    alerts and reminders change what they record, and run once per period whoever runs them."""


def _daily_assignments_due(runtime: Runtime, at: datetime) -> bool:
    """From the digest time of a working day until midnight: a digest missed while the bot was down
    goes out when it comes back the same day, and never on a later day."""
    local = at.astimezone(runtime.zone)
    calendar = runtime.settings.work_calendar
    return calendar.is_working_day(local.date()) and local.time() >= runtime.settings.digest_time


IMPORT_FOLDER = "import-folder"
"""bot.imports.job.JOB: named here, so that the job's module loads only where a folder is watched."""


def _import_folder_due(runtime: Runtime, _at: datetime) -> bool:
    return bool(runtime.settings.import_dir)


def _run_import_folder(runtime: Runtime, at: datetime, by: str) -> JobReport:
    # The folder's job and the CSV import's checks and writes load with its first run: a bot
    # watching no folder (most) never holds them in memory.
    from bot.imports.job import run_import_folder

    # A payment the folder brings tells the agent whose list has the account, as the API's does.
    return run_import_folder(runtime, at, by, after_payments=payments_arrived)


def _digest(kind: PeriodKind) -> ScheduledJob:
    return ScheduledJob(
        job_name(kind),
        lambda runtime, at: digest_due(kind, runtime, at),
        lambda runtime, at, by: run_digest(kind, runtime, at, by),
        repeatable=True,
    )


JOBS: dict[str, ScheduledJob] = {
    DAILY_ASSIGNMENTS: ScheduledJob(DAILY_ASSIGNMENTS, _daily_assignments_due, run_daily_assignments),
    ESCALATION_REMINDERS: ScheduledJob(ESCALATION_REMINDERS, reminders_due_at, run_reminders),
    ALERTS: ScheduledJob(ALERTS, alerts_due, run_alerts),
    # Once per working day, from the start of working hours; each account in its own transaction.
    DUNNING: ScheduledJob(DUNNING, dunning_due, run_dunning),
    **{job_name(kind): _digest(kind) for kind in KINDS},
    # Due all day: the claim makes it once per team day, at the first tick of the day.
    HOUSEKEEPING: ScheduledJob(HOUSEKEEPING, lambda _runtime, _at: True, run_housekeeping),
    # Every tick while COLLECT_IMPORT_DIR is set; claimed file by file, not per period (bot.imports.job).
    IMPORT_FOLDER: ScheduledJob(IMPORT_FOLDER, _import_folder_due, _run_import_folder),
    # Due all week: claimed per ISO week of the team's calendar, so it trains at the week's first
    # tick (Monday just after midnight), before that morning's worklists are planned.
    TRAIN_SCORE: ScheduledJob(TRAIN_SCORE, lambda _runtime, _at: True, run_train_score),
    # Due all day, claimed per team day: at its first tick, after a Monday's training (this order),
    # the day's learned scores are stored for the morning run.
    DAY_SCORES: ScheduledJob(DAY_SCORES, lambda _runtime, _at: True, run_learned_scores),
}
