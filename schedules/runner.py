"""Running what is due, and delivering what is queued: what each scheduler tick does."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.job_runs import JobReport
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
    """Runs every job that is due; each checks its own claim first, so one already done for its
    period costs a query. Returns the reports of the jobs that did something."""
    now = runtime.now()
    reports = []
    for job in JOBS.values():
        if not job.due(runtime, now):
            continue
        report = job.run(runtime, now, by)
        if report.ran:
            log.info("%s: %s", job.name, report.message)
            reports.append(report)
    return reports


def tick(runtime: Runtime, *, by: str) -> DeliveryReport:
    """One beat of the scheduler: run what is due, then deliver every queued message."""
    run_due(runtime, by=by)
    return deliver_due(runtime)
