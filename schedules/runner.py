"""Running what is due, and delivering what is queued: what each scheduler tick does."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.clock import team_today
from bot.job_runs import JobReport, already_ran
from bot.outbox import DeliveryReport, deliver_due
from bot.runtime import Runtime
from schedules.jobs import JOBS

log = logging.getLogger(__name__)


class UnknownJobError(LookupError):
    pass


def run_job(runtime: Runtime, name: str, at: datetime, *, by: str) -> JobReport:
    """Run one job as if at `at`; the claim makes a second run for the same period a no-op."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJobError(f"there is no job {name!r}: jobs are {', '.join(sorted(JOBS))}")
    return job.run(runtime, at, by)


def run_due(runtime: Runtime, *, by: str) -> list[JobReport]:
    now = runtime.now()
    reports = []
    for job in JOBS.values():
        if not job.due(runtime, now) or (job.once_a_day and _done_today(runtime, job.name, now)):
            continue
        report = job.run(runtime, now, by)
        log.info("%s: %s", job.name, report.message)
        reports.append(report)
    return reports


def _done_today(runtime: Runtime, job: str, now: datetime) -> bool:
    with runtime.db.reading() as session:
        return already_ran(session, job, team_today(now, runtime.zone).isoformat()) is not None


def tick(runtime: Runtime, *, by: str) -> DeliveryReport:
    """One beat of the scheduler: run what is due, then deliver every queued message."""
    run_due(runtime, by=by)
    return deliver_due(runtime)
