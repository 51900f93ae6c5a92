"""A scheduled job runs once per period: the unique (job, period) row claims it, in the same
transaction as the job's work, so a second run (another process, a retry, a run by hand) finds
it and does nothing.

An extra run (the sandbox's Run now of a digest) is the exception: it neither looks for the claim
nor makes it, and its messages are queued under keys of their own, so the scheduled run of the
period still comes, whole."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
    homes: frozenset[str] = frozenset()
    """People whose own Home the job changed (an agent whose listed account a payment reached): the
    process that ran it refreshes them, as after a change they made themselves."""


_EXTRA_RUN: ContextVar[str | None] = ContextVar("extra_run", default=None)


@contextmanager
def extra_run() -> Iterator[None]:
    """Inside it, a job runs as an extra: no claim is looked for or made (see the module's note)."""
    token = _EXTRA_RUN.set(uuid.uuid4().hex[:12])
    try:
        yield
    finally:
        _EXTRA_RUN.reset(token)


def run_key(key: str) -> str:
    """The outbox key of a message a job queues: the period's own, or one of an extra run's own."""
    extra = _EXTRA_RUN.get()
    return key if extra is None else f"{key}:extra:{extra}"


def already_ran(session: Session, job: str, period: str) -> JobRun | None:
    if _EXTRA_RUN.get() is not None:
        return None
    return session.scalars(select(JobRun).where(JobRun.job == job, JobRun.period == period)).first()


def claim(session: Session, job: str, period: str, at: datetime, by: str, summary: dict[str, object]) -> None:
    """Raises IntegrityError (at flush, or at commit on a concurrent PostgreSQL run) when taken."""
    if _EXTRA_RUN.get() is not None:
        return
    session.add(JobRun(job=job, period=period, ran_at=at, ran_by=by, summary=summary))
    session.flush()


def describe(done: JobRun) -> str:
    return f"{done.job} for {done.period} already ran at {done.ran_at.isoformat()} ({done.ran_by})"
