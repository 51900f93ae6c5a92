"""Messages the bot must deliver, queued: written in the same transaction as the change that causes
them, so a crash loses nothing (bot.outbox.job posts them, exactly once where Slack lets it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.kit import Reply
from bot.mail import Email, check_address
from bot.runtime import Runtime
from storage.models import OutboxFile, OutboxMessage


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


EMAIL_KIND = "email"
# The channel column of an email: the address, which may be longer than a Slack id, is in the payload.
EMAIL_CHANNEL = "email"


def enqueue_email(session: Session, *, key: str, email: Email, now: datetime) -> bool:
    """Queue an email unless one with the same key is queued already; True when queued. Its
    attachments are stored beside it (OutboxFile rows), so the job sends exactly what was queued."""
    # The caller refuses a customer without a usable address before this; these are its bugs.
    check_address(email.to)
    if "\r" in email.subject or "\n" in email.subject:
        raise ValueError("an email's subject is one line")
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return False
    attachments = []
    for attachment in email.attachments:
        stored = OutboxFile(
            filename=attachment.filename,
            title=attachment.filename,
            content=attachment.content,
            created_at=now,
        )
        session.add(stored)
        session.flush()
        attachments.append({"file": stored.id, "content_type": attachment.content_type})
    payload: dict[str, Any] = {
        "to": email.to,
        "subject": email.subject,
        "text": email.text,
        "html": email.html,
        "attachments": attachments,
    }
    session.add(
        OutboxMessage(
            dedupe_key=key,
            kind=EMAIL_KIND,
            channel=EMAIL_CHANNEL,
            payload=payload,
            state=State.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


def latest_key(session: Session, prefix: str) -> str | None:
    """The key of the message queued last among those whose key starts with `prefix`."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return session.scalar(
        select(OutboxMessage.dedupe_key)
        .where(OutboxMessage.dedupe_key.like(pattern, escape="\\"))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


ESCALATION_KIND = "escalation"


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
