"""Rows a scheduled job cannot handle: the job leaves such a row out and serves everyone else.

One bad row (a promise dated 9999-12-31, a balance the database holds as NaN, an outbox payload
that is not a message, an escalation whose account is gone) used to stop a job for the whole
team, and the scheduler then stopped before delivering anything. Each job's per-row step now runs
under a SkippedRows guard: an exception in a row's step skips that row and is remembered; when the
job records its work it writes the skipped rows to `skipped_rows` (one row per job, row and
problem) and tells the supervisors' channel through the outbox, once per job, row and problem,
however many runs meet it again. A fault no row step caught (the job failed as a whole) is
recorded the same way under the row "the whole run" by the runner, and the other jobs and the
deliveries still run.

The guard costs nothing on the happy path: a `try` around a step that does not raise is free in
Python 3.11, and nothing is written or queried unless a row was skipped. Losing the database is
not a row's fault: such errors go up, as before, so the next tick retries the whole job.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.blocks.job_faults import job_failed_notice, skipped_row_notice
from bot.outbox import records as outbox
from bot.runtime import Runtime
from storage.models import SkippedRow

log = logging.getLogger(__name__)

Row = TypeVar("Row")
Result = TypeVar("Result")

NOTICE_KIND = "skipped-row"
WHOLE_RUN = "the whole run"
PROBLEM_LIMIT = 300
# Addresses and the like change from run to run; the same fault must read the same each time.
_VOLATILE = re.compile(r"0x[0-9a-fA-F]+")


class RowRef(NamedTuple):
    """Which row was skipped, as a supervisor would look it up."""

    what: str
    """"account ACC-1042", "outbox message 77", "escalation 12"."""
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class RowFault:
    row: RowRef
    problem: str

    @property
    def problem_key(self) -> str:
        return hashlib.sha256(self.problem.encode()).hexdigest()[:32]

    @property
    def notice_key(self) -> str:
        """The outbox key of the supervisors' notice: one per job, row and problem."""
        row = hashlib.sha256(self.row.what.encode()).hexdigest()[:24]
        return f"{NOTICE_KIND}:{row}:{self.problem_key}"


def describe(error: BaseException) -> str:
    """What was wrong, in one stable line: the exception's type and message."""
    message = " ".join(str(error).split())
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return _VOLATILE.sub("0x…", text)[:PROBLEM_LIMIT]


def is_outage(error: BaseException) -> bool:
    """The database went away (a restart, a dropped connection): no row is at fault, the whole job
    is retried by the next tick."""
    return isinstance(error, OperationalError | InterfaceError) or bool(
        getattr(error, "connection_invalidated", False)
    )


@dataclass
class SkippedRows:
    """The rows one run of a job left out, and why; written by record() with the job's work."""

    job: str
    faults: dict[tuple[str, str], RowFault] = field(default_factory=dict)

    def each(
        self, rows: Iterable[Row], step: Callable[[Row], Result | None], key: Callable[[Row], RowRef]
    ) -> Iterator[Result]:
        """step(row) for every row, skipping a row whose step raises; a step may also return None
        to leave its row out on purpose (nothing is recorded then)."""
        for row in rows:
            try:
                result = step(row)
            except Exception as error:
                self.skip(key(row), error)
                continue
            if result is not None:
                yield result

    def at_fault(
        self, rows: Iterable[Row], check: Callable[[Row], object], key: Callable[[Row], RowRef]
    ) -> list[Row]:
        """The rows whose check raises, each skipped. For a step that feeds a whole rather than
        yielding one result per row (counting calls per account), and for a job that computes over
        all rows at once (the database sums them): to find, once the whole has failed, the rows
        that spoiled it and compute again without them."""
        found = []
        for row in rows:
            try:
                check(row)
            except Exception as error:
                self.skip(key(row), error)
                found.append(row)
        return found

    def unreadable(
        self, keys: Sequence[int], read: Callable[[int, int], object], key: Callable[[int], RowRef]
    ) -> list[int]:
        """The keys whose rows cannot even be read (the driver cannot convert a value: a date that
        is no date, a timestamp beyond datetime's range), each skipped. A large read streams its
        rows, so such a row fails the whole read; `read(first, last)` reads the rows of the keys
        first..last and raises when one of them cannot be read, and halving the sorted `keys`
        finds each bad one in a few dozen reads. Only once the whole read has failed."""
        found: list[int] = []

        def search(low: int, high: int) -> None:
            try:
                read(keys[low], keys[high])
                return
            except Exception as error:
                if is_outage(error):
                    raise
                if low == high:
                    self.skip(key(keys[low]), error)
                    found.append(keys[low])
                    return
            middle = (low + high) // 2
            search(low, middle)
            search(middle + 1, high)

        if keys:
            search(0, len(keys) - 1)
        return found

    @contextlib.contextmanager
    def row(self, ref: RowRef) -> Iterator[None]:
        """The same guard for a loop whose body is not one function: `with skipped.row(ref): …`."""
        try:
            yield
        except Exception as error:
            self.skip(ref, error)

    def skip(self, ref: RowRef, error: BaseException) -> None:
        if is_outage(error):
            raise error
        problem = describe(error)
        log.warning("%s skipped %s: %s", self.job, ref.what, problem, exc_info=error)
        self.faults.setdefault((ref.what, problem), RowFault(ref, problem))

    def __bool__(self) -> bool:
        return bool(self.faults)

    def __len__(self) -> int:
        return len(self.faults)

    def skipped(self, what: str) -> bool:
        return any(fault.row.what == what for fault in self.faults.values())

    def record(self, session: Session, runtime: Runtime, at: datetime) -> int:
        """Write this run's skipped rows and queue a notice for each one not told before. Runs in
        the job's own transaction, after its work; does nothing when no row was skipped."""
        told = 0
        for fault in self.faults.values():
            told += _remember(session, runtime, self.job, fault, at)
        return told


def _remember(session: Session, runtime: Runtime, job: str, fault: RowFault, at: datetime) -> int:
    known = session.scalar(
        select(SkippedRow.id).where(
            SkippedRow.job == job,
            SkippedRow.row_key == fault.row.what,
            SkippedRow.problem_key == fault.problem_key,
        )
    )
    if known is not None:
        session.execute(
            update(SkippedRow)
            .where(SkippedRow.id == known)
            .values(last_seen_at=at, times=SkippedRow.times + 1)
        )
    else:
        try:
            # A savepoint only here, on the fault path: two processes meeting the same fault at
            # once (a failing job run by hand and by the scheduler) must not undo each other's work.
            with session.begin_nested():
                session.add(
                    SkippedRow(
                        job=job,
                        row_key=fault.row.what,
                        account_id=fault.row.account_id,
                        problem=fault.problem,
                        problem_key=fault.problem_key,
                        first_seen_at=at,
                        last_seen_at=at,
                        times=1,
                    )
                )
        except IntegrityError:
            pass
    channel = runtime.settings.supervisor_channel
    if not channel:
        return 0
    return int(
        outbox.enqueue(
            session,
            key=f"{fault.notice_key}:{_job_digest(job)}",
            kind=NOTICE_KIND,
            channel=channel,
            reply=(
                job_failed_notice(job, fault.problem)
                if fault.row.what == WHOLE_RUN
                else skipped_row_notice(job, fault.row.what, fault.row.account_id, fault.problem)
            ),
            now=at,
        )
    )


def _job_digest(job: str) -> str:
    return hashlib.sha256(job.encode()).hexdigest()[:16]


def record_job_failure(runtime: Runtime, job: str, error: BaseException, at: datetime) -> None:
    """A job that failed as a whole (no row step caught the fault): recorded and told once, like a
    skipped row, so that the runner can go on with the other jobs and the deliveries."""
    skipped = SkippedRows(job)
    skipped.skip(RowRef(WHOLE_RUN), error)
    with runtime.db.transaction() as session:
        skipped.record(session, runtime, at)
