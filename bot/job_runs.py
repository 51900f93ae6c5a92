"""A scheduled job runs once per period: the unique (job, period) row claims it, in the same
transaction as the job's work, so a second run (another process, a retry, a run by hand) finds
it and does nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import JobRun


@dataclass(frozen=True, slots=True)
class JobReport:
    job: str
    period: str
    ran: bool
    message: str
    failed: bool = False
    """The job failed as a whole: nobody got what it sends (recorded and told, bot.job_faults)."""


def already_ran(session: Session, job: str, period: str) -> JobRun | None:
    return session.scalars(select(JobRun).where(JobRun.job == job, JobRun.period == period)).first()


def claim(session: Session, job: str, period: str, at: datetime, by: str, summary: dict[str, object]) -> None:
    """Raises IntegrityError (at flush, or at commit on a concurrent PostgreSQL run) when taken."""
    session.add(JobRun(job=job, period=period, ran_at=at, ran_by=by, summary=summary))
    session.flush()


def describe(done: JobRun) -> str:
    return f"{done.job} for {done.period} already ran at {done.ran_at.isoformat()} ({done.ran_by})"
