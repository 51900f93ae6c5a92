"""The daily housekeeping job: the tables that only grow are pruned of the rows nobody needs any more.

None of them is a record of collection activity (contacts, payments, promises, notes, escalations
and the audit log are, and bot.retention.records.purge keeps those at least three years): they are the
bot's own bookkeeping, kept only as long as it serves a purpose:
- received event ids: Slack re-sends an event within minutes (X-Slack-Retry-Num), so a week covers
  every retry many times over;
- delivered outbox messages and their uploaded files, after COLLECT_OUTBOX_RETENTION_DAYS: once
  sent, a message is never sent again, and a dedupe key older than that is never queued again
  (each names its day or its row). Messages not sent (pending, sending, failed) are kept whatever
  their age: they still have to be delivered or looked at;
- job claims after JOB_CLAIM_DAYS: a claim guards its own period only, and the longest period is
  a month, whose digest runs on the first working day of the next; 90 days keeps every claim a
  run could still look for;
- skipped rows not met again for COLLECT_OUTBOX_RETENTION_DAYS (the fault was corrected);
- billing-API requests remembered against replays, after REPLAY_KEPT: by then their signature's
  timestamp is stale, and a replay is refused by the clock.

What is pruned is listed once, in PRUNED: one line per table (its time column, its age, and which
rows may go at all). The job runs once per team day, claimed in job_runs in the transaction that
deletes, with one audit row counting the rows pruned per table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot import audit
from bot.billing_link.model import REPLAY_KEPT
from bot.clock import team_today
from bot.job_runs import JobReport, already_ran, claim, describe
from bot.outbox.records import State
from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import (
    ApiRequest,
    JobRun,
    OutboxFile,
    OutboxMessage,
    ReceivedEvent,
    ReceivedRequest,
    SkippedRow,
)

JOB = "housekeeping"
RECEIVED_EVENT_DAYS = 7
# A slash command's signature is accepted for five minutes, but a form's claim must outlive the form,
# which can stay open for days: a week, like events.
RECEIVED_REQUEST_DAYS = 7
JOB_CLAIM_DAYS = 90
ACTION = "housekeeping.pruned"


@dataclass(frozen=True, slots=True)
class Pruning:
    """Rows of one table older than `age` by `at` go, when `may_go` allows them to."""

    at: InstrumentedAttribute[Any]
    age: Callable[[Settings], timedelta]
    may_go: Callable[[], ColumnElement[bool]] = true
    with_them: Callable[[Session, ColumnElement[bool]], dict[str, int]] | None = None
    """Rows of other tables that go with these (an outbox message's uploaded file)."""

    @property
    def table(self) -> str:
        return str(self.at.class_.__tablename__)


def _outbox_retention(settings: Settings) -> timedelta:
    return timedelta(days=settings.outbox_retention_days)


def _delivered() -> ColumnElement[bool]:
    return OutboxMessage.state == State.SENT


def _their_files(session: Session, going: ColumnElement[bool]) -> dict[str, int]:
    """The uploads and email attachments of the messages that go: each file belongs to the one
    message that carries it."""
    files = [
        file_id
        for payload in session.scalars(select(OutboxMessage.payload).where(going))
        if isinstance(payload, dict)
        for file_id in _files_of(payload)
    ]
    deleted = 0
    for start in range(0, len(files), 500):
        batch = files[start : start + 500]
        statement = (
            delete(OutboxFile).where(OutboxFile.id.in_(batch)).execution_options(synchronize_session=False)
        )
        deleted += _count(session.execute(statement))
    return {OutboxFile.__tablename__: deleted}


def _files_of(payload: dict[str, Any]) -> list[int]:
    found = [int(payload["upload"])] if str(payload.get("upload", "")).isdigit() else []
    attachments = payload.get("attachments")
    if isinstance(attachments, list):
        found += [
            int(item["file"])
            for item in attachments
            if isinstance(item, dict) and str(item.get("file", "")).isdigit()
        ]
    return found


PRUNED: tuple[Pruning, ...] = (
    Pruning(ReceivedEvent.received_at, lambda _settings: timedelta(days=RECEIVED_EVENT_DAYS)),
    Pruning(ReceivedRequest.received_at, lambda _settings: timedelta(days=RECEIVED_REQUEST_DAYS)),
    Pruning(OutboxMessage.sent_at, _outbox_retention, _delivered, _their_files),
    Pruning(JobRun.ran_at, lambda _settings: timedelta(days=JOB_CLAIM_DAYS)),
    Pruning(SkippedRow.last_seen_at, _outbox_retention),
    Pruning(ApiRequest.received_at, lambda _settings: REPLAY_KEPT),
)
"""Every table the housekeeping prunes. A new one is one more line here."""


def run_housekeeping(runtime: Runtime, at: datetime, by: str) -> JobReport:
    period = team_today(at, runtime.zone).isoformat()
    with runtime.db.reading() as session:
        done = already_ran(session, JOB, period)
        if done is not None:
            return JobReport(JOB, period, False, describe(done))
    try:
        with runtime.db.transaction() as session:
            claim(session, JOB, period, at, by, {})
            pruned = prune(session, runtime.settings, at)
            _summarise(session, period, pruned)
            audit.record(
                session,
                at=at,
                actor=by,
                action=ACTION,
                entity="database",
                entity_key=period,
                after=dict(pruned),
            )
    except IntegrityError:
        return JobReport(JOB, period, False, f"{JOB} for {period} was run by another process")
    counted = ", ".join(f"{table} {count}" for table, count in pruned.items())
    return JobReport(JOB, period, True, f"rows pruned: {counted}")


def prune(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Deletes what PRUNED lets go as of `now`; the rows deleted per table."""
    pruned: dict[str, int] = {}
    for pruning in PRUNED:
        going = (pruning.at < now - pruning.age(settings)) & pruning.may_go()
        if pruning.with_them is not None:
            pruned.update(pruning.with_them(session, going))
        table = pruning.at.class_
        statement = delete(table).where(going).execution_options(synchronize_session=False)
        pruned[pruning.table] = pruned.get(pruning.table, 0) + _count(session.execute(statement))
    return pruned


def _summarise(session: Session, period: str, pruned: dict[str, int]) -> None:
    run = session.scalars(select(JobRun).where(JobRun.job == JOB, JobRun.period == period)).one()
    run.summary = {"pruned": dict(pruned)}


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
