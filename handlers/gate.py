"""Before any listener: refuse requests from another Slack workspace or from none (fail closed),
and people who are not on the team's roster (except for `/collect help`, and opening the App Home,
which shows them the welcome). The check runs on the server for every request; what a message
shows is never the check."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request.payload_utils import (
    to_action,
    to_command,
    to_event,
    to_message,
    to_options,
    to_shortcut,
    to_step,
    to_view,
)
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.access import not_on_roster
from bot.errors import UserError
from bot.language.model import _
from bot.language.render import address, speak
from bot.ledger.records.submissions import claim_command
from bot.parsing.aliases import subcommand_word
from bot.runtime import Runtime
from handlers.failures import Failure, answer_directly, told
from storage.models import ReceivedEvent, ReceivedRequest, table_of

log = logging.getLogger(__name__)


def foreign() -> UserError:
    """Built when refused, in the language then spoken (the team's: nobody from elsewhere is known)."""
    return UserError(
        _("This bot belongs to another Slack workspace."), _("Use the collections bot of your own workspace.")
    )


class _Gate(Middleware):
    """The gate as Bolt's own middlewares are written. As a function (`@app.middleware`) Bolt built
    every argument a middleware may take for it, each of the payload's views and the context's
    helpers, and built them again for the listener: 1 to 2% of a log's CPU in process (issue 23)."""

    def __init__(
        self,
        check: Callable[[BoltRequest, BoltResponse, BoltContext, Callable[[], BoltResponse]], BoltResponse],
    ) -> None:
        self._check = check

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        # Read as Bolt reads the payload for a listener, before the gate writes or answers anything:
        # one it cannot read (`actions: null`) raises here, as it did when Bolt built the gate's
        # arguments (wiring/web.py answers 400, a Socket Mode envelope is acknowledged empty).
        for view in _PAYLOAD_VIEWS:
            view(req.body)
        return self._check(req, resp, req.context, next)


_PAYLOAD_VIEWS = (to_options, to_shortcut, to_action, to_view, to_command, to_event, to_message, to_step)


def register(app: App, runtime: Runtime) -> None:
    def gate(
        req: BoltRequest, resp: BoltResponse, context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        body: dict[str, Any] = req.body
        # Whatever this request writes is in the team's language until the person is known; a
        # message to someone else in theirs, to a channel in the team's.
        speak(runtime.settings.language)
        address(runtime.audience())
        # The workspace the token belongs to (auth.test), not the one the request claims.
        authorized = context.authorize_result.team_id if context.authorize_result else None
        expected = runtime.settings.team_id or authorized
        if not _from_our_workspace(body, expected):
            log.warning("refused a request from workspace %s", _team_of(body) or "(none named)")
            return _refuse(body, resp, foreign())
        if body.get("type") == "event_callback" and not _first_delivery(
            runtime, str(body.get("event_id", ""))
        ):
            log.info("event %s delivered again (retry %s): already handled", body.get("event_id"),
                     req.headers.get("x-slack-retry-num"))  # fmt: skip
            return BoltResponse(status=200, body="")
        user = _user_of(body)
        if user and _needs_roster(body):
            try:
                allowed = _on_roster(runtime, user)
            except Exception as error:
                # The database is away (restarting, a dropped connection): say so, write nothing.
                return answer_directly(body, told(error, "roster check failed"))
            if not allowed:
                # Not on the roster, but Slack may know their language: the refusal is in it.
                speak(_reader_locale(runtime, user))
                return _refuse(body, resp, not_on_roster())
        # Everything the listener writes is in this person's language (the roster's, Slack's or
        # the team's): set in this request's context, which the answerer's work copies.
        speak(_reader_locale(runtime, user))
        return next()

    app.use(_Gate(gate))


def _reader_locale(runtime: Runtime, user: str | None) -> str:
    if not user:
        return runtime.settings.language
    try:
        return runtime.locale_of(user)
    except Exception:
        log.exception("could not tell %s's language: the team's is used", user)
        return runtime.settings.language


def _first_delivery(runtime: Runtime, event_id: str) -> bool:
    """Claims the event id; False when an earlier delivery of the same event claimed it."""
    if not event_id:
        return True
    try:
        with runtime.db.transaction() as session:
            session.add(ReceivedEvent(event_id=event_id, received_at=runtime.now()))
    except IntegrityError:
        return False
    return True


# The Socket Mode envelope's id, as wiring/socket_mode.py passes it to Bolt with the request. Read
# only from a request Bolt knows came over the socket (mode "socket_mode"), which HTTP cannot forge.
ENVELOPE_HEADER = "x-collect-envelope-id"


def first_envelope(runtime: Runtime, envelope_id: str) -> bool:
    """Claims a Socket Mode envelope by its id (in received_requests, so that every process sees
    the claim); False when it was claimed before: Slack delivered it again because the first
    acknowledgement did not reach it in time. Raises when the database cannot say."""
    digest = hashlib.sha256(envelope_id.encode()).hexdigest()
    try:
        with runtime.db.transaction() as session:
            session.execute(
                _CLAIM_REQUEST, {"request_key": f"envelope:{digest}", "received_at": runtime.now()}
            )
    except IntegrityError:
        return False
    return True


def _from_our_workspace(body: dict[str, Any], expected: str | None) -> bool:
    """Every command, interaction and event callback names its workspace: one that names none is
    refused like one from elsewhere. Only Slack's own checks carry none (Bolt answers them before
    this middleware runs; they are let through here all the same)."""
    if body.get("type") == "url_verification" or body.get("ssl_check"):
        return True
    return bool(expected) and _team_of(body) == expected


# Built once, a plain insert: every slash command makes this claim, and the unit of work's flush
# cost more than the insert itself (12% of the server's time under bench_load).
_CLAIM_REQUEST = insert(table_of(ReceivedRequest))


def command_claim(headers: Mapping[str, Sequence[str]], *, socket_mode: bool = False) -> str | None:
    """The key a slash command is claimed by in received_requests: its (timestamp, signature)
    digest, or over Socket Mode its envelope's id; None for an envelope without one."""
    if socket_mode:
        envelope_id = next(iter(headers.get(ENVELOPE_HEADER) or []), "")
        return f"envelope:{hashlib.sha256(envelope_id.encode()).hexdigest()}" if envelope_id else None
    timestamp = next(iter(headers.get("x-slack-request-timestamp") or []), "")
    signature = next(iter(headers.get("x-slack-signature") or []), "")
    return f"slash:{hashlib.sha256(f'{timestamp}:{signature}'.encode()).hexdigest()}"


def refuse_replayed_command(
    runtime: Runtime, headers: Mapping[str, Sequence[str]], *, socket_mode: bool = False
) -> None:
    """A slash command is applied once per signature. Slack never re-sends one, so the same signed
    bytes arriving again (within the five minutes the signature is accepted) are a replay: the
    (timestamp, signature) digest is claimed in received_requests; a second claim is refused
    (UserError), nothing applied. Called in the command's work, inside the reply budget: a busy
    database delays this write like any other. Over Socket Mode there is no signature: the envelope
    is claimed by its id instead (Slack delivers it again when its acknowledgement was late). The
    busiest commands make the same claim in their own transaction instead (claim_command)."""
    key = command_claim(headers, socket_mode=socket_mode)
    if key is None:
        return
    try:
        with runtime.db.transaction() as session:
            claim_command(session, key, now=runtime.now())
    except UserError:
        log.warning("refused a slash command received before (%s)", key[:20])
        raise


def _team_of(body: dict[str, Any]) -> str | None:
    team = (
        body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    )
    return str(team) if team else None


def _user_of(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback":
        user = (body.get("event") or {}).get("user")  # a dict in some events (user_change): no one's act
        return user if isinstance(user, str) and user else None
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    return str(user) if user else None


def _needs_roster(body: dict[str, Any]) -> bool:
    if body.get("command"):
        words = str(body.get("text", "")).split()
        return bool(words) and subcommand_word(words[0]) != "help"  # `ajuda`, `ayuda` too
    if body.get("type") == "event_callback":
        # A message by someone off the roster (a reply in an escalation's thread) is nobody's
        # note; opening the App Home shows them the welcome (bot.cockpit.desk.publish_home).
        return (body.get("event") or {}).get("type") != "app_home_opened"
    return body.get("type") in (
        "block_actions", "view_submission", "block_suggestion", "shortcut", "message_action"
    )  # fmt: skip


def _on_roster(runtime: Runtime, user: str) -> bool:
    return runtime.roster_memory.on_roster(user)


def _refuse(body: dict[str, Any], resp: BoltResponse, problem: UserError) -> BoltResponse:
    return answer_directly(body, Failure(problem))
