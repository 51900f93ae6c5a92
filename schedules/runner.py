"""Running what is due, and delivering what is queued: what each scheduler tick does."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.job_faults import is_outage, record_job_failure
from bot.job_runs import JobReport, extra_run
from bot.language.render import addressing, speaking
from bot.outbox.job import DeliveryReport, deliver_due
from bot.runtime import Runtime
from schedules.jobs import JOBS, ScheduledJob

log = logging.getLogger(__name__)


class UnknownJobError(LookupError):
    pass


def run_job(runtime: Runtime, name: str, at: datetime, *, by: str, extra: bool = False) -> JobReport:
    """Run one job as if at `at`; the claim makes a second run for the same period a no-op.
    `extra`: a repeatable job (a digest) runs again and leaves its period to the scheduled run."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJobError(f"there is no job {name!r}: jobs are {', '.join(sorted(JOBS))}")
    if extra and job.repeatable:
        with extra_run():
            return _run_guarded(runtime, job, at, by)
    return _run_guarded(runtime, job, at, by)


def _run_guarded(runtime: Runtime, job: ScheduledJob, at: datetime, by: str) -> JobReport:
    """A job whose fault no row step caught fails alone: it is recorded and the supervisors told
    once (bot.job_faults), and the other jobs and the deliveries still run. Its period is not
    claimed, so it runs again once the fault is corrected. Losing the database is no job's fault:
    that goes up, and the next tick retries."""
    try:
        # What a job posts to a channel is in the team's language; a job writing to one person
        # (a worklist, a reminder) speaks that person's language around it (bot.language).
        with speaking(runtime.channel_locale), addressing(runtime.audience()):
            return job.run(runtime, at, by)
    except Exception as error:
        if is_outage(error):
            raise
        log.exception("%s failed as a whole", job.name)
        try:
            record_job_failure(runtime, job.name, error, at)
        except Exception:
            # Not recorded (the log has it): the other jobs and the deliveries still come first.
            log.exception("%s: its failure could not be recorded", job.name)
        # The error's own words stay in skipped_rows and the log: they may quote a stored value.
        said = (
            f"{job.name} failed ({type(error).__name__}): recorded, and the supervisors' channel is told once"
        )
        return JobReport(job.name, "", False, said, failed=True)


def run_due(runtime: Runtime, *, by: str) -> list[JobReport]:
    """Runs every job that is due; each checks its own claim first, so one already done for its
    period costs a query. Returns the reports of the jobs that did something."""
    now = runtime.now()
    reports = []
    for job in JOBS.values():
        if not job.due(runtime, now):
            continue
        report = _run_guarded(runtime, job, now, by)
        if report.ran:
            log.info("%s: %s", job.name, report.message)
            reports.append(report)
    return reports


def tick(
    runtime: Runtime, *, by: str, after_jobs: Callable[[list[JobReport]], None] | None = None
) -> DeliveryReport:
    """One beat of the scheduler: run what is due, then deliver every queued message;
    `after_jobs` hears of the jobs that ran (the Homes watching the team are refreshed)."""
    ran = run_due(runtime, by=by)
    delivered = deliver_due(runtime)
    if ran and after_jobs is not None:
        after_jobs(ran)
    return delivered
