"""Messages the bot must deliver. They are written in the same transaction as the change that
causes them and posted from here, so a crash loses nothing: what was not marked sent is sent
by the next delivery, and what was marked sent is never sent again.

A message is claimed before it is posted (state `sending`) so that two processes never post the
same one. If a process dies between Slack's answer and the commit that marks it sent, the claim
expires after CLAIM_LEASE and the message is posted again: that window is the only way a message
can be sent twice, and it is as short as one commit.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.blocks.kit import Reply
from bot.blocks.mrkdwn import escape
from bot.runtime import Runtime
from storage.models import Escalation, OutboxFile, OutboxMessage

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)
BATCH = 50
PROCESS_NAME = f"{socket.gethostname()}:{os.getpid()}"


class State:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    title: str
    content: bytes


def enqueue(session: Session, *, key: str, kind: str, channel: str, reply: Reply, now: datetime,
            thread_key: str | None = None, update_key: str | None = None,
            upload: Upload | None = None) -> bool:  # fmt: skip
    """Queue a message unless one with the same key is queued already; True when queued.

    `thread_key` posts it as a reply under the message queued with that key; `update_key`
    replaces that message's content instead of posting a new one; `upload` sends a file (with the
    reply's text as its comment) through Slack's external upload flow."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return False
    payload: dict[str, Any] = reply.as_kwargs()
    if thread_key:
        payload["thread_key"] = thread_key
    if update_key:
        payload["update_key"] = update_key
    if upload is not None:
        stored = OutboxFile(
            filename=upload.filename, title=upload.title, content=upload.content, created_at=now
        )
        session.add(stored)
        session.flush()
        payload["upload"] = stored.id
    session.add(
        OutboxMessage(
            dedupe_key=key,
            kind=kind,
            channel=channel,
            payload=payload,
            state=State.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver_due(runtime: Runtime, *, limit: int = 10_000) -> DeliveryReport:
    """Post every message that is due, a batch at a time, until none is left or `limit` is reached."""
    report = DeliveryReport()
    while report.sent + report.retrying + report.failed < limit:
        claimed = _claim_batch(runtime)
        if not claimed:
            break
        for message_id in claimed:
            _deliver_one(runtime, message_id, report)
    return report


def _claim_batch(runtime: Runtime) -> list[int]:
    now = runtime.now()
    with runtime.db.transaction() as session:
        due = or_(
            (OutboxMessage.state == State.PENDING) & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.state == State.SENDING) & (OutboxMessage.claimed_at < now - CLAIM_LEASE),
        )
        query = select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(BATCH)
        ids = list(session.scalars(query.with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(state=State.SENDING, claimed_at=now, claimed_by=PROCESS_NAME)
            )
        return ids


def _deliver_one(runtime: Runtime, message_id: int, report: DeliveryReport) -> None:
    with runtime.db.reading() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.state != State.SENDING:
            return
        key, kind, channel = message.dedupe_key, message.kind, message.channel
        payload, attempts = dict(message.payload), message.attempts
    try:
        ts = _post(runtime, channel, payload)
    except Exception as error:  # Slack refused, or could not be reached after the client's retries
        _record_failure(runtime, message_id, attempts + 1, _describe(error), report)
        return
    with runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                state=State.SENT, sent_at=runtime.now(), slack_ts=ts, attempts=attempts + 1, last_error=None
            )
        )
        if kind == ESCALATION_KIND:
            _remember_escalation_ts(session, key, ts)
    report.sent += 1


ESCALATION_KIND = "escalation"


def _remember_escalation_ts(session: Session, key: str, ts: str) -> None:
    """An escalation's thread is found by its message's ts: replies typed there become notes."""
    escalation_id = int(key.split(":")[1])
    session.execute(update(Escalation).where(Escalation.id == escalation_id).values(message_ts=ts))


def _post(runtime: Runtime, channel: str, payload: dict[str, Any]) -> str:
    thread_key = payload.pop("thread_key", None)
    update_key = payload.pop("update_key", None)
    if thread_key:
        payload["thread_ts"] = sent_ts(runtime, thread_key)
    upload_id = payload.pop("upload", None)
    if upload_id is not None:
        return _upload(runtime, channel, int(upload_id), payload)
    if update_key:
        answer = runtime.slack.chat_update(channel=channel, ts=sent_ts(runtime, update_key), **payload)
    else:
        answer = runtime.slack.chat_postMessage(channel=channel, **payload)
    return str(answer["ts"])


def _upload(runtime: Runtime, channel: str, upload_id: int, payload: dict[str, Any]) -> str:
    """files.getUploadURLExternal, the bytes, then files.completeUploadExternal into the thread."""
    with runtime.db.reading() as session:
        stored = session.get_one(OutboxFile, upload_id)
        filename, title, content = stored.filename, stored.title, stored.content
    answer = runtime.slack.files_upload_v2(
        channel=channel,
        thread_ts=payload.get("thread_ts"),
        file=content,
        filename=filename,
        title=title,
        initial_comment=payload.get("text"),
        # files.info afterwards would need the files:read scope, which the bot does not ask for.
        request_file_info=False,
    )
    files = answer.get("files") or [{}]
    return str(files[0].get("id", "uploaded"))


def sent_ts(runtime: Runtime, key: str) -> str:
    """The ts of the message queued with `key`, once it is sent (a reply or an edit waits till then)."""
    with runtime.db.reading() as session:
        ts = session.scalar(
            select(OutboxMessage.slack_ts).where(
                OutboxMessage.dedupe_key == key, OutboxMessage.state == State.SENT
            )
        )
    if ts is None:
        raise LookupError(f"the message {key} is not sent yet")
    return ts


def _describe(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"slack: {error.response.get('error', 'error')} (HTTP {error.response.status_code})"
    return f"{type(error).__name__}: {error}"[:500]


FAILURE_KIND = "delivery-failed"


def _raise_with_supervisors(
    session: Session, runtime: Runtime, message_id: int, error: str, now: datetime
) -> None:
    """A message given up on is never dropped silently: the supervisors hear of it (unless it was
    itself for them, or a notice like this one: then the log is the place, Slack being unreachable)."""
    failed = session.get_one(OutboxMessage, message_id)
    channel = runtime.settings.supervisor_channel
    if not channel or failed.channel == channel or failed.kind == FAILURE_KIND:
        return
    text = (
        f":warning: A {failed.kind} message for <#{failed.channel}> could not be delivered after"
        f" {failed.attempts} tries ({escape(error[:200])}). It is kept in the outbox as message"
        f" {message_id}, marked failed."
    )
    if failed.channel.startswith(("U", "W")):
        text = text.replace(f"<#{failed.channel}>", f"<@{failed.channel}>")
    enqueue(
        session,
        key=f"failed:{message_id}",
        kind=FAILURE_KIND,
        channel=channel,
        reply=Reply(text=text),
        now=now,
    )


def _record_failure(
    runtime: Runtime, message_id: int, attempts: int, error: str, report: DeliveryReport
) -> None:
    now = runtime.now()
    gave_up = attempts >= runtime.settings.outbox_max_attempts
    with runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                state=State.FAILED if gave_up else State.PENDING,
                attempts=attempts,
                last_error=error,
                next_attempt_at=now + backoff(attempts),
                claimed_at=None,
                claimed_by=None,
            )
        )
        if gave_up:
            _raise_with_supervisors(session, runtime, message_id, error, now)
    if gave_up:
        report.failed += 1
        log.error("gave up delivering outbox message %s after %s attempts: %s", message_id, attempts, error)
    else:
        report.retrying += 1
        log.warning("outbox message %s not delivered (attempt %s): %s", message_id, attempts, error)
