"""Serving over Socket Mode: Bolt's Socket Mode adapter on slack_sdk's builtin client (no
dependency beyond slack_sdk), with the same Bolt app, listeners and answerer as HTTP mode.

What is added around the adapter:
- every envelope is claimed by its id in the database, so an envelope Slack delivers again (its
  acknowledgement was late or lost, possibly to another process) is handled once: an interaction
  or an event before Bolt sees it (only acknowledged the second time), a slash command in its work,
  within the reply budget, as HTTP mode claims its signature (handlers.gate);
- a keeper thread holds the connection: it connects at start, notices a connection that is gone
  (closed, or silent: no answer to the client's pings for SILENCE_PINGS pings) and connects anew,
  waiting longer after each failed attempt (1 s doubling to MAX_BACKOFF_SECONDS) while Slack is
  unreachable. The client would find a dead link by itself only after 4 to 6 pings and reconnect
  without backoff, so its own reconnection is off. Slack's `disconnect` messages (warning,
  refresh_requested) are followed by the client itself: it opens the new connection before it
  closes the old one;
- `connected()` for `GET /healthz` (wiring/web.py HealthOnlyWsgi);
- stopping answers the envelopes in hand before the connection closes; one arriving meanwhile
  is left unacknowledged, so Slack delivers it again, to another process if there is one.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import socket
import threading
import time

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.cockpit.desk import publish_home
from bot.runtime import Runtime
from handlers.answering import Answerer
from handlers.gate import ENVELOPE_HEADER, first_envelope
from wiring.app import create_billing_api, create_bolt_app
from wiring.web import UNREADABLE_PAYLOAD, HealthOnlyWsgi

log = logging.getLogger("collect-bot.socket")

# The client pings Slack this often; a link that has answered none for SILENCE_PINGS pings (15 s)
# is replaced at the keeper's next look (every second): noticed and made again well within 30 s.
PING_SECONDS = 5.0
SILENCE_PINGS = 3
KEEPER_SECONDS = 1.0
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
# apps.connections.open's answers that mean the app-level token itself is wrong.
TOKEN_REFUSALS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "not_allowed_token_type",
        "token_revoked",
        "account_inactive",
        "missing_scope",
    }
)


class _ClaimingHandler(SocketModeHandler):
    """Bolt's adapter, with each envelope claimed once: an interaction or an event before it is
    dispatched, a slash command in its work (handlers.gate.refuse_replayed_command, by the envelope
    id passed with the request), within the reply budget like every write of a command's."""

    def __init__(self, runtime: Runtime, app: App, **options: object) -> None:
        super().__init__(app, **options)  # type: ignore[arg-type]
        self._runtime = runtime

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        if self._claimed_here(req) and not self._first(req):
            log.info(
                "envelope %s delivered again (retry %s): already handled", req.envelope_id, req.retry_attempt
            )
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        headers = {**(build_headers(req) or {}), ENVELOPE_HEADER: req.envelope_id}
        # Each envelope in a context of its own, as each HTTP request is (wiring/web.py): what the
        # gate sets for it (the reader's language) never outlives it on this thread.
        request = BoltRequest(mode="socket_mode", body=req.payload, headers=headers)
        try:
            answer = contextvars.copy_context().run(self.app.dispatch, request)
        except UNREADABLE_PAYLOAD:
            # Unanswered, Slack would deliver it again and again; nothing of it was handled.
            log.warning(
                "could not read envelope %s (%s): acknowledged, not handled", req.envelope_id, req.type
            )
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, answer, start)

    @staticmethod
    def _claimed_here(req: SocketModeRequest) -> bool:
        """A slash command is claimed in its work; an external select's options are only read
        (one request per keystroke), so answering one twice does no harm and costs no write."""
        return req.type != "slash_commands" and req.payload.get("type") != "block_suggestion"

    def _first(self, req: SocketModeRequest) -> bool:
        try:
            return first_envelope(self._runtime, req.envelope_id)
        except Exception:
            # The database is away: the listeners tell the person so (the gate's roster check) and
            # write nothing, so letting the envelope through cannot apply anything twice.
            log.warning("could not claim envelope %s; handling it", req.envelope_id, exc_info=True)
            return True


class SocketModeBot:
    """The bot connected to Slack over Socket Mode, kept connected until stop()."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        concurrency: int = 8,
        ping_seconds: float = PING_SECONDS,
        keeper_seconds: float = KEEPER_SECONDS,
        max_backoff_seconds: float = MAX_BACKOFF_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.answerer = Answerer(
            runtime.settings.reply_budget_seconds, refresh_home=lambda user: publish_home(runtime, user)
        )
        self.bolt_app = create_bolt_app(runtime, self.answerer)
        self.handler = _ClaimingHandler(
            runtime,
            self.bolt_app,
            app_token=runtime.settings.slack_app_token.get_secret_value(),
            logger=log,
            # The one Web API client: apps.connections.open goes to SLACK_API_URL with its retries.
            web_client=runtime.slack,
            # The keeper reconnects, with backoff; the client's own reconnection retries at a fixed pace.
            auto_reconnect_enabled=False,
            ping_interval=ping_seconds,
            concurrency=concurrency,
        )
        self.health = HealthOnlyWsgi(runtime.db, self.connected, create_billing_api(runtime, self.answerer))
        self._keeper_seconds = keeper_seconds
        self._silence_limit = ping_seconds * SILENCE_PINGS
        self._watched: tuple[str, float] = ("", 0.0)  # the session looked at, and since when
        self._looking = threading.Lock()
        self._max_backoff = max_backoff_seconds
        self._stopping = threading.Event()
        self._keeper = threading.Thread(target=self._keep_connected, name="collect-bot-socket", daemon=True)

    def connected(self) -> bool:
        """Connected, and the link has answered a ping lately: what /healthz reports."""
        with self._looking:
            return self._answering()

    def start(self) -> SocketModeBot:
        """Returns at once: the keeper connects (and goes on trying while Slack is unreachable)."""
        self._keeper.start()
        return self

    def wait_until_connected(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while not self.connected():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _answering(self) -> bool:
        """Connected, and the link has answered a ping lately (a link the network dropped without a
        word still looks open). Under self._looking."""
        session = self.handler.client.current_session
        # A ping that could not be sent (a broken pipe) says the link is cut: the client would go
        # on trying it for 5 pings, reading nothing from it meanwhile.
        if session is None or not session.is_active() or session.consecutive_check_state_error_count:
            return False
        now = time.time()
        if session.session_id != self._watched[0]:
            self._watched = (session.session_id, now)
        last_answer = max(session.last_ping_pong_time or 0.0, self._watched[1])
        return now - last_answer <= self._silence_limit

    def _keep_connected(self) -> None:
        failures = 0
        was_connected = False
        while not self._stopping.is_set():
            if self.connected():
                if not was_connected:
                    log.info("connected to Slack over Socket Mode")
                was_connected, failures = True, 0
                self._stopping.wait(self._keeper_seconds)
                continue
            silent = bool(self.handler.client.is_connected())
            if was_connected:
                log.warning(
                    "the Socket Mode connection %s; connecting anew",
                    "answers no pings" if silent else "is gone",
                )
                was_connected = False
            if silent:
                # Dead, though the socket is open: shut it, so that the client's thread reading it
                # lets go at once (closing it waits for that thread, up to 3 s, and until then the
                # client would send acknowledgements on the dead link).
                self._shut_link()
            try:
                self.handler.client.connect_to_new_endpoint(force=silent)
            except SlackApiError as error:
                refusal = error.response.get("error")
                if refusal in TOKEN_REFUSALS:
                    # Trying again will not help, but the token may be replaced without a restart
                    # of whatever watches /healthz: say what to do, and keep trying, slowly.
                    log.error(
                        "Slack refused SLACK_APP_TOKEN (%s): give an app-level token (xapp-…) with"
                        " the connections:write scope, from Basic Information → App-Level Tokens",
                        refusal,
                    )
                else:
                    log.warning("cannot connect to Slack over Socket Mode: %s", refusal)
            except Exception as error:
                log.warning("cannot connect to Slack over Socket Mode: %s", error)
            if self.connected() or self._stopping.is_set():
                continue
            failures += 1
            wait = min(self._max_backoff, FIRST_BACKOFF_SECONDS * 2 ** (failures - 1))
            # Jitter, so that processes cut off together do not all come back in the same second.
            self._stopping.wait(wait * random.uniform(0.5, 1.0))

    def _shut_link(self) -> None:
        """Shuts the current link's socket, which wakes the client's thread reading it at once (it
        waits up to 3 s on it otherwise); the client then closes it as a link gone."""
        session = self.handler.client.current_session
        if session is not None and session.sock is not None:
            with contextlib.suppress(OSError):
                session.sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """Disconnects, then lets the work in hand finish. Safe to call twice."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._keeper.ident is not None:
            self._keeper.join(timeout=5)
        # The envelopes in hand are answered while the link is still open; the client takes no new
        # one from here on (`closed` ends its dispatching loop), and Slack delivers those again.
        client = self.handler.client
        client.closed = True
        client.message_processor.event.set()
        client.message_processor.thread.join(timeout=5)
        client.message_workers.shutdown(wait=True)
        self._shut_link()
        self.handler.client.close()
        self.answerer.shutdown()
