"""The daily housekeeping: the tables that only grow are pruned of what nobody needs any more, once
a day, claimed and audited; what is still to be delivered or still guards a period is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.outbox.records import State
from schedules.housekeeping import JOB
from schedules.runner import run_job, tick
from storage.database import Database
from storage.models import (
    ApiRequest,
    AuditEntry,
    JobRun,
    OutboxFile,
    OutboxMessage,
    ReceivedEvent,
    ReceivedRequest,
    SkippedRow,
)
from tests.conftest import RunningBot

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def outbox_row(db: Database, key: str, state: str, age_days: float, *, with_file: bool = False) -> int:
    at = days_ago(age_days)
    with db.transaction() as session:
        payload: dict[str, object] = {"text": key}
        if with_file:
            stored = OutboxFile(filename=f"{key}.png", title=key, content=b"\x89PNG", created_at=at)
            session.add(stored)
            session.flush()
            payload["upload"] = stored.id
        message = OutboxMessage(
            dedupe_key=key, kind="digest-file" if with_file else "worklist", channel="C0SUPERVISORS",
            payload=payload, state=state, attempts=1, next_attempt_at=at, created_at=at,
            sent_at=at if state == State.SENT else None,
        )  # fmt: skip
        session.add(message)
        session.flush()
        return message.id


def plant_history(db: Database) -> None:
    with db.transaction() as session:
        session.add_all(
            [
                ReceivedEvent(event_id="Ev-old", received_at=days_ago(8)),
                ReceivedEvent(event_id="Ev-new", received_at=days_ago(1)),
                ReceivedRequest(request_key="slash:old", received_at=days_ago(8)),
                ReceivedRequest(request_key="form:new", received_at=days_ago(1)),
                # A billing-API request is remembered only while its signature could be replayed.
                ApiRequest(
                    request_digest="a" * 64, received_at=NOW - timedelta(minutes=16), path="/api/v1/payments",
                    key_label="key-1", status=200, response="{}",
                ),
                ApiRequest(
                    request_digest="b" * 64, received_at=NOW - timedelta(minutes=14), path="/api/v1/payments",
                    key_label="key-1", status=200, response="{}",
                ),
                JobRun(job="performance-digest-month", period="2026-07-01", ran_at=days_ago(120), ran_by="t"),
                JobRun(job="performance-digest-month", period="2026-10-01", ran_at=days_ago(53), ran_by="t"),
                SkippedRow(
                    job="daily-assignments", row_key="account GONE-1", account_id="GONE-1", problem="corrected",
                    problem_key="a", first_seen_at=days_ago(60), last_seen_at=days_ago(31), times=3,
                ),
                SkippedRow(
                    job="daily-assignments", row_key="account BAD-1", account_id="BAD-1", problem="still bad",
                    problem_key="b", first_seen_at=days_ago(60), last_seen_at=days_ago(1), times=60,
                ),
            ]
        )  # fmt: skip
    outbox_row(db, "sent-old", State.SENT, 31, with_file=True)
    outbox_row(db, "sent-recent", State.SENT, 29, with_file=True)
    outbox_row(db, "failed-old", State.FAILED, 200, with_file=True)
    outbox_row(db, "pending-old", State.PENDING, 200)


def remaining(db: Database) -> dict[str, set[str]]:
    with db.reading() as session:
        return {
            "events": set(session.scalars(select(ReceivedEvent.event_id))),
            "requests": set(session.scalars(select(ReceivedRequest.request_key))),
            "outbox": set(session.scalars(select(OutboxMessage.dedupe_key))),
            "files": set(session.scalars(select(OutboxFile.title))),
            "claims": set(
                session.scalars(select(JobRun.period).where(JobRun.job == "performance-digest-month"))
            ),
            "skipped": set(session.scalars(select(SkippedRow.row_key))),
            "api": set(session.scalars(select(ApiRequest.request_digest))),
        }


def test_housekeeping_prunes_once_a_day_what_nobody_needs_and_keeps_the_rest(bot: RunningBot) -> None:
    db = bot.runtime.db
    plant_history(db)
    bot.clock.set(NOW)
    tick(bot.runtime, by="scheduler@test")
    left = remaining(db)
    assert left["events"] == {"Ev-new"}
    assert left["requests"] == {"form:new"}
    assert {"sent-recent", "failed-old", "pending-old"} <= left["outbox"] and "sent-old" not in left["outbox"]
    planted_files = left["files"] & {"sent-old", "sent-recent", "failed-old"}
    assert planted_files == {"sent-recent", "failed-old"}  # the old sent message's file went with it
    assert left["claims"] == {"2026-10-01"}  # last month's claim still guards its digest
    assert left["skipped"] == {"account BAD-1"}
    assert left["api"] == {"b" * 64}
    with db.reading() as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "housekeeping.pruned")).one()
        claim = session.scalars(select(JobRun).where(JobRun.job == JOB)).one()
    assert audited.after == {
        "received_events": 1, "received_requests": 1, "outbox": 1, "outbox_files": 1, "job_runs": 1, "skipped_rows": 1,
        "api_requests": 1,
    }  # fmt: skip
    assert claim.period == "2026-11-23" and claim.summary == {"pruned": audited.after}

    # Later the same day: already done, even with something old enough planted meanwhile.
    with db.transaction() as session:
        session.add(ReceivedEvent(event_id="Ev-older", received_at=days_ago(30)))
    bot.clock.set(NOW + timedelta(hours=6))
    tick(bot.runtime, by="scheduler@test")
    assert "already ran" in run_job(bot.runtime, JOB, bot.clock.now(), by="by hand").message
    assert "Ev-older" in remaining(db)["events"]
    bot.clock.set(NOW + timedelta(days=1))
    tick(bot.runtime, by="scheduler@test")
    assert remaining(db)["events"] == {"Ev-new"}
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == JOB)) == 2


def test_the_outbox_retention_is_a_setting_and_the_job_runs_by_hand(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wiring.cli.main import main

    db = bot.runtime.db
    outbox_row(db, "sent-a-week-ago", State.SENT, 7)
    outbox_row(db, "sent-yesterday", State.SENT, 1)
    settings = bot.runtime.settings
    for name, value in {
        "DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": settings.slack_bot_token.get_secret_value(),
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret.get_secret_value(),
        "SLACK_API_URL": settings.slack_api_url,
        "COLLECT_TIMEZONE": settings.timezone,
        "COLLECT_OUTBOX_RETENTION_DAYS": "5",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "housekeeping", "--at", "2026-11-23T09:00"]) == 0
    assert "outbox 1" in capsys.readouterr().out
    assert remaining(db)["outbox"] == {"sent-yesterday"}
    assert main(["run", "housekeeping", "--at", "2026-11-23T10:00"]) == 0
    assert "already ran" in capsys.readouterr().out
