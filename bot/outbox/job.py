"""Delivering the outbox (bot.outbox.records): messages written in the same transaction as the change
that causes them are posted from here, so a crash loses nothing: what was not marked sent is sent
by a later delivery, and what was marked sent is never sent again.

A message is claimed before it is posted (state `sending`) so that two processes never post the
same one. An attempt can end without the bot knowing whether Slack posted the message: the call
timed out or its connection dropped after the request went out, or the process died anywhere
between sending the request and committing `sent` (its claim then runs out after CLAIM_LEASE).
Such a message records `unsure_since`, the time of that claim. Every chat.postMessage carries
Slack message metadata naming its outbox id (event type `collect_bot_outbox`), so before an unsure
message is posted again its conversation's history is read (conversations.history, or
conversations.replies for a reply in a thread, from CLOCK_SKEW before `unsure_since`): when Slack
did post it, it is marked sent with that ts, as if the post had just been answered, and not posted
again. Definite failures (Slack answered with an error, 429 or 5xx; the request never went out)
need no such look. The Web API client does not repeat a post whose request went out either
(bot.runtime.PostSafeConnectionRetry): that repeat would be invisible here. Claims run out a batch
at a time, so each message of a dead process's batch is looked for, also those it never tried.

What is still not exactly once:
- a post Slack carries out only after its history was read (it would have held the request past
  the retry's backoff, 30 s at least, or past CLAIM_LEASE) is posted again;
- file uploads go through Slack's external upload flow, which carries no metadata: an upload whose
  attempt ended unsure is uploaded again (at least once);
- an edit (chat.update) is simply repeated, which leaves the message as it should be.

An edit waits (a failed attempt, retried) while the message it edits is not sent yet. It is let go
without a call to Slack (marked sent, with no ts) when there is nothing to edit: that message was
never queued, or was given up on; and when a later edit of the same message is sent already: each
edit carries the whole message as it was when queued, so an earlier edit retried after a later one
must not put the message back as it was. Edits still to send go in the order they were queued.
If the history cannot be read (Slack unreachable, a history scope missing), an unsure message is
not posted blind: the try counts as a failed attempt, retried with backoff, and after
`outbox_max_attempts` the message is marked failed and raised in the supervisors' channel.

Email (kind `email`, queued by records.enqueue_email, sent by bot.mail over SMTP) is at most once,
because nothing can be asked afterwards whether a server took it. Each email carries a Message-ID
made from its outbox id and key, the same on every try. A server that answered 4xx, or could not be
reached, did not take it: retried with backoff like a Slack failure, then failed and raised. A 5xx,
or TLS that cannot be had where the URL asks for it, fails it at once and raises it. When the whole
message went out and the answer did not come back, or the process died holding its claim (it may
have died after the server's 250 and before committing `sent`), the email may have been delivered:
it is not sent again but marked failed and raised as "may have reached the mail server", for a
supervisor to look in the archive (COLLECT_MAIL_BCC) and send it by hand if it is not there. A
relay that dedupes by Message-ID would make a repeat harmless, but one cannot be counted on. So
that a slow server does not make a live claim look dead, an email whose batch's claim is half run
out is let go untried and claimed afresh.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.orm import Session

from bot import job_faults, mail
from bot.blocks.job_faults import delivery_failed_notice, email_failed_notice
from bot.language.render import speaking
from bot.outbox.records import EMAIL_KIND, ESCALATION_KIND, State, enqueue, sent_ts
from bot.runtime import Runtime
from storage.models import Escalation, OutboxFile, OutboxMessage

CLAIM_LEASE = timedelta(minutes=5)
BATCH = 50
PROCESS_NAME = f"{socket.gethostname()}:{os.getpid()}"
METADATA_EVENT = "collect_bot_outbox"
# History is read from this long before an unsure attempt: Slack's ts come from Slack's clock.
CLOCK_SKEW = timedelta(minutes=10)
HISTORY_PAGE = 200

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver_now(runtime: Runtime) -> None:
    """Best effort right after a change (a listener calls it once its answer is given); what fails
    here is retried by the scheduler's next tick."""
    try:
        deliver_due(runtime)
    except Exception:
        log.exception("delivery after a change failed; the scheduler retries it")


def deliver_due(runtime: Runtime, *, limit: int = 10_000) -> DeliveryReport:
    """Post every message that is due, a batch at a time, until none is left or `limit` is reached."""
    report = DeliveryReport()
    while report.sent + report.retrying + report.failed < limit:
        claimed = _claim_batch(runtime)
        if not claimed:
            break
        skipped, refs = job_faults.SkippedRows(DELIVERY_JOB), {}
        for message_id in claimed:
            refs[message_id] = job_faults.RowRef(f"outbox message {message_id}")
            # A message that cannot be read or recorded (a corrupt payload, a key that names no
            # escalation) must not stop the others, nor be claimed again and again.
            with skipped.row(refs[message_id]):
                _deliver_one(runtime, message_id, report)
        if skipped:
            _set_aside(runtime, [pk for pk, ref in refs.items() if skipped.skipped(ref.what)], skipped)
            report.failed += len(skipped)
    return report


DELIVERY_JOB = "outbox-delivery"


def _set_aside(runtime: Runtime, message_ids: list[int], skipped: job_faults.SkippedRows) -> None:
    """Marked failed, not retried: the fault is in the message itself, and the supervisors hear of
    it (once) through the skipped rows."""
    now = runtime.now()
    problems = {fault.row.what: fault.problem for fault in skipped.faults.values()}
    with runtime.db.transaction() as session:
        for message_id in message_ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    state=State.FAILED,
                    last_error=problems.get(f"outbox message {message_id}"),
                    claimed_at=None,
                    claimed_by=None,
                )
            )
        skipped.record(session, runtime, now)


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
                .values(
                    state=State.SENDING,
                    claimed_at=now,
                    claimed_by=PROCESS_NAME,
                    unsure_since=_unsure_if_expired(),
                )
            )
        return ids


def _unsure_if_expired() -> ColumnElement[datetime | None]:
    """A claim that ran out belonged to a process that died, perhaps after Slack had posted the
    message: unsure from that claim's time (the right-hand side of an UPDATE reads the old row)."""
    was_claimed = OutboxMessage.state == State.SENDING
    since = func.coalesce(OutboxMessage.unsure_since, OutboxMessage.claimed_at)
    return case((was_claimed, since), else_=OutboxMessage.unsure_since)


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    key: str
    kind: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    claimed_at: datetime | None
    unsure_since: datetime | None


def _deliver_one(runtime: Runtime, message_id: int, report: DeliveryReport) -> None:
    message = _read_claimed(runtime, message_id)
    if message is None:
        return
    if message.kind == EMAIL_KIND:
        _deliver_email(runtime, message, report)
        return
    try:
        ts = _already_posted(runtime, message) or _post(runtime, message)
    except Exception as error:  # Slack refused, or could not be reached after the client's retries
        _record_failure(runtime, message, error, report)
        return
    with runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(
                state=State.SENT,
                sent_at=runtime.now(),
                slack_ts=ts,
                attempts=message.attempts + 1,
                last_error=None,
            )
        )
        if message.kind == ESCALATION_KIND and ts is not None:
            _remember_escalation_ts(session, message.key, ts)
    report.sent += 1


def _deliver_email(runtime: Runtime, message: _Claimed, report: DeliveryReport) -> None:
    """One try at an email (see "Email" in the module's docstring)."""
    if message.unsure_since is not None:
        error = mail.UnsureMailError("an earlier try may have been taken by the mail server: not sent again")
        _record_failure(runtime, message, error, report, give_up=True)
        return
    if message.claimed_at is not None and runtime.now() - message.claimed_at >= CLAIM_LEASE / 2:
        # The batch took long (a slow server): let the rest go unsent, to be claimed afresh, rather
        # than send one whose claim another process may take over meanwhile and raise as unsure.
        _release(runtime, message.id)
        return
    try:
        _send_email(runtime, message)
    except mail.TemporaryMailError as error:
        _record_failure(runtime, message, error, report)
        return
    except mail.MailError as error:
        _record_failure(runtime, message, error, report, give_up=True)
        return
    with runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(state=State.SENT, sent_at=runtime.now(), attempts=message.attempts + 1, last_error=None)
        )
    report.sent += 1


def _release(runtime: Runtime, message_id: int) -> None:
    """Back to pending, due now, with no attempt counted: it was not tried."""
    with runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == PROCESS_NAME)
            .values(state=State.PENDING, next_attempt_at=runtime.now(), claimed_at=None, claimed_by=None)
        )


def _send_email(runtime: Runtime, message: _Claimed) -> None:
    settings = runtime.settings
    server = settings.smtp_server
    if server is None:
        # Waits (retried, then failed and raised) rather than vanish: email may be turned on soon.
        raise mail.TemporaryMailError("COLLECT_SMTP_URL is not set: email is off")
    payload = message.payload
    with runtime.db.reading() as session:
        attachments = tuple(
            mail.Attachment(
                filename=(stored := session.get_one(OutboxFile, int(item["file"]))).filename,
                content_type=str(item["content_type"]),
                content=stored.content,
            )
            for item in payload.get("attachments") or []
        )
    email = mail.Email(
        to=str(payload["to"]),
        subject=str(payload["subject"]),
        text=str(payload["text"]),
        html=None if payload.get("html") is None else str(payload["html"]),
        attachments=attachments,
    )
    composed = mail.compose(
        email,
        sender=settings.mail_from,
        message_id=mail.message_id(message.id, message.key, settings.mail_from),
        date=runtime.now(),
    )
    mail.send(
        server,
        composed,
        sender=settings.mail_from,
        recipients=(email.to, *mail.address_list(settings.mail_bcc)),
        ca_file=settings.smtp_ca_file,
    )


def _read_claimed(runtime: Runtime, message_id: int) -> _Claimed | None:
    with runtime.db.reading() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.state != State.SENDING:
            return None
        return _Claimed(
            id=message.id,
            key=message.dedupe_key,
            kind=message.kind,
            channel=message.channel,
            payload=dict(message.payload),
            attempts=message.attempts,
            claimed_at=message.claimed_at,
            unsure_since=message.unsure_since,
        )


def _remember_escalation_ts(session: Session, key: str, ts: str) -> None:
    """An escalation's thread is found by its message's ts: replies typed there become notes."""
    escalation_id = int(key.split(":")[1])
    session.execute(update(Escalation).where(Escalation.id == escalation_id).values(message_ts=ts))


def outbox_metadata(message_id: int) -> dict[str, Any]:
    """What each post carries so that its conversation's history shows which message it was."""
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": message_id}}


def _post(runtime: Runtime, message: _Claimed) -> str | None:
    """The posted message's ts; None for an edit let go (nothing to edit, or a later edit)."""
    payload = dict(message.payload)
    thread_key = payload.pop("thread_key", None)
    update_key = payload.pop("update_key", None)
    if thread_key:
        payload["thread_ts"] = sent_ts(runtime, thread_key)
    upload_id = payload.pop("upload", None)
    if upload_id is not None:
        return _upload(runtime, message.channel, int(upload_id), payload)
    if update_key:
        edited = _edited_ts(runtime, message.id, str(update_key))
        if edited is None:
            return None
        # No metadata: an edit would replace the one the message was posted with.
        # Slack edits a DM by its conversation's id, not the user's id it was posted to.
        answer = runtime.slack.chat_update(
            channel=_conversation_id(runtime, message.channel), ts=edited, **payload
        )
    else:
        answer = runtime.slack.chat_postMessage(
            channel=message.channel, metadata=outbox_metadata(message.id), **payload
        )
    return str(answer["ts"])


def _edited_ts(runtime: Runtime, edit_id: int, update_key: str) -> str | None:
    """The ts of the message an edit replaces; None when the edit is let go (see the module's
    docstring); LookupError while that message is not sent yet (the edit waits for it)."""
    with runtime.db.reading() as session:
        target = session.execute(
            select(OutboxMessage.state, OutboxMessage.slack_ts).where(OutboxMessage.dedupe_key == update_key)
        ).one_or_none()
        later = session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.id > edit_id,
                OutboxMessage.state == State.SENT,
                OutboxMessage.payload["update_key"].as_string() == update_key,
            )
            .limit(1)
        )
    if target is None or target.state == State.FAILED or later is not None:
        why = "a later edit was sent" if later is not None else "the message to edit was never sent"
        log.info("outbox edit %s of %s let go: %s", edit_id, update_key, why)
        return None
    if target.state != State.SENT or target.slack_ts is None:
        raise LookupError(f"the message {update_key} is not sent yet")
    return str(target.slack_ts)


class HistoryUnreadableError(Exception):
    """The conversation's history could not be read: an unsure message waits rather than risk a repeat."""


def _already_posted(runtime: Runtime, message: _Claimed) -> str | None:
    """The ts of the message when an unsure earlier attempt did post it, found by its metadata.
    Edits are repeated instead, and uploads carry no metadata to find them by."""
    payload = message.payload
    if message.unsure_since is None or "update_key" in payload or "upload" in payload:
        return None
    thread_key = payload.get("thread_key")
    thread_ts = sent_ts(runtime, thread_key) if thread_key else None
    oldest = f"{(message.unsure_since - CLOCK_SKEW).timestamp():.6f}"
    try:
        found = next(
            (
                str(item["ts"])
                for item in _history(runtime, _conversation_id(runtime, message.channel), oldest, thread_ts)
                if _carries(item, message.id)
            ),
            None,
        )
    except Exception as error:
        raise HistoryUnreadableError(_describe(error)) from error
    if found:
        log.info(
            "outbox message %s was posted by an unsure attempt (ts %s): not posted again", message.id, found
        )
    return found


def _conversation_id(runtime: Runtime, channel: str) -> str:
    """History is read by conversation id: a message to a user went to the bot's DM with them."""
    if channel.startswith(("U", "W")):
        return str(runtime.slack.conversations_open(users=channel)["channel"]["id"])
    return channel


def _history(runtime: Runtime, channel: str, oldest: str, thread_ts: str | None) -> Iterator[dict[str, Any]]:
    """The conversation's messages since `oldest` (a thread's, for a reply), page after page."""
    cursor: str | None = None
    while True:
        window: dict[str, Any] = {
            "channel": channel,
            "oldest": oldest,
            "limit": HISTORY_PAGE,
            "cursor": cursor,
        }
        if thread_ts:
            answer = runtime.slack.conversations_replies(ts=thread_ts, include_all_metadata=True, **window)
        else:
            answer = runtime.slack.conversations_history(include_all_metadata=True, **window)
        yield from answer.get("messages") or []
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _carries(item: dict[str, Any], message_id: int) -> bool:
    metadata = item.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == METADATA_EVENT and str(payload.get("outbox_id")) == str(message_id)


def _upload(runtime: Runtime, channel: str, upload_id: int, payload: dict[str, Any]) -> str:
    """files.getUploadURLExternal, the bytes, then files.completeUploadExternal into the thread."""
    with runtime.db.reading() as session:
        stored = session.get_one(OutboxFile, upload_id)
        filename, title, content = stored.filename, stored.title, stored.content
    answer = runtime.slack.files_upload_v2(
        # A file for one person (a coaching chart) goes into the bot's DM with them, by its id.
        channel=_conversation_id(runtime, channel),
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
    where = f"<@{failed.channel}>" if failed.channel.startswith(("U", "W")) else f"<#{failed.channel}>"
    unsure = failed.unsure_since is not None
    # To the supervisors' channel: in the team's language, whoever's request is delivering it.
    with speaking(runtime.settings.language):
        if failed.kind == EMAIL_KIND:
            to = str(failed.payload.get("to", "?"))
            notice = email_failed_notice(to, failed.attempts, error, message_id, unsure=unsure)
        else:
            notice = delivery_failed_notice(
                failed.kind, where, failed.attempts, error, message_id, unsure=unsure
            )
    enqueue(
        session,
        key=f"failed:{message_id}",
        kind=FAILURE_KIND,
        channel=channel,
        reply=notice,
        now=now,
    )


def _may_have_posted(error: Exception) -> bool:
    """Whether Slack may have carried out the call that failed: not when it answered (an error, a
    429, a 5xx), nor when the request never went out (urllib wraps those failures in URLError), nor
    when the message waits for another one to be sent first, or for its history to be readable."""
    return not isinstance(
        error,
        SlackApiError
        | URLError
        | LookupError
        | HistoryUnreadableError
        | mail.TemporaryMailError
        | mail.PermanentMailError,
    )


def _record_failure(
    runtime: Runtime, message: _Claimed, error: Exception, report: DeliveryReport, *, give_up: bool = False
) -> None:
    """Retried with backoff, or marked failed and raised with the supervisors after the last try,
    or at once with `give_up` (a failure trying again cannot mend, or a repeat that must not be)."""
    now = runtime.now()
    attempts, described = message.attempts + 1, _describe(error)
    gave_up = give_up or attempts >= runtime.settings.outbox_max_attempts
    values: dict[str, Any] = {
        "state": State.FAILED if gave_up else State.PENDING,
        "attempts": attempts,
        "last_error": described,
        "next_attempt_at": now + backoff(attempts),
        "claimed_at": None,
        "claimed_by": None,
    }
    unsure = _may_have_posted(error)
    if unsure:
        values["unsure_since"] = func.coalesce(OutboxMessage.unsure_since, message.claimed_at)
    with runtime.db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(values))
        if gave_up:
            _raise_with_supervisors(session, runtime, message.id, described, now)
    if gave_up:
        report.failed += 1
        log.error(
            "gave up delivering outbox message %s after %s attempts: %s", message.id, attempts, described
        )
    else:
        report.retrying += 1
        log.warning(
            "outbox message %s not delivered (attempt %s%s): %s",
            message.id,
            attempts,
            ", it may have been delivered" if unsure else "",
            described,
        )
