"""A stand-in for Slack's Web API, served over real HTTP on 127.0.0.1.

Tests point a real `slack_sdk.WebClient(base_url=standin.api_url)` at it, and the local browser
sandbox will use it to show what the bot did. It keeps just enough workspace state (messages per
channel with their metadata, views, uploads) to answer the way Slack does, including reading the
history back, validates what Slack would reject, records every call, and can inject rate limits,
server errors, slow answers and answers lost after the call was carried out. It also speaks Socket
Mode (socket_mode.py): `apps.connections.open` with the app-level token, and the WebSocket it leads to.

Only the standard library is used for the server, so the stand-in runs anywhere the bot runs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import json
import logging
import mimetypes
import re
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from wiring.standin.socket_mode import SocketModeHub, websocket_accept

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]

APP_ID = "A0COLLECT"
BOT_ID = "BBOT"
TEAM_DOMAIN = "collect-test"

# Form fields that slack-sdk JSON-encodes when it sends a form rather than a JSON body.
_JSON_FORM_FIELDS = frozenset({"blocks", "attachments", "view", "files", "metadata"})
# A conversation id as Slack writes them: C (channel), G (private/multi-person), D (direct message).
_CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]+$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_FIRST_TS = 1_700_000_000_000_000  # microseconds; the first ts handed out is 1700000000.000100
_MAX_RESPONSE_URL_POSTS = 5
_HISTORY_LIMIT = 999  # conversations.history and .replies return at most this many per page


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call as the stand-in received and answered it.

    `at` strictly increases from one recording to the next (calls and response_url posts share
    the sequence) and follows time.monotonic(), so it both orders events and measures gaps.
    `headers` have lower-case names. `status`/`error` show what the bot was answered.
    """

    method: str
    params: JsonDict
    headers: dict[str, str]
    at: float
    ok: bool
    status: int = 200
    error: str | None = None
    response: JsonDict = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedResponse:
    """One POST to a response_url, with the HTTP status the stand-in answered."""

    url: str
    body: JsonDict
    at: float
    status: int


@dataclass
class UploadedFile:
    """A file from files.getUploadURLExternal, filled in by the upload and by completion."""

    file_id: str
    filename: str
    length: int
    data: bytes = b""
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    completed: bool = False


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: int


@dataclass(frozen=True)
class _HttpRequest:
    verb: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class _HttpReply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Close the connection without answering: the call was carried out, its answer is lost.
    dropped: bool = False


def _json_reply(payload: JsonDict, status: int = 200, headers: dict[str, str] | None = None) -> _HttpReply:
    return _HttpReply(status, json.dumps(payload).encode(), headers=headers or {})


def _text_reply(text: str, status: int = 200) -> _HttpReply:
    return _HttpReply(status, text.encode(), content_type="text/plain; charset=utf-8")


class _SlackError(Exception):
    """Raised by a method handler to answer `{"ok": false, "error": ...}` like Slack."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []


def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's, e.g. 13345224609.738474920.8088930838d88f008e0."""
    return f"{secrets.randbelow(10**11):011d}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(11)[:21]}"


# ---------------------------------------------------------------------------------------------
# Block Kit validation: the limits Slack enforces (see SLACK.md), reported in Slack's own style.


def _text_of(obj: Any) -> str:
    """The string inside a composition text object, or '' when there is none."""
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return str(obj["text"])
    return ""


def _too_long(value: str, limit: int, pointer: str) -> list[str]:
    if len(value) > limit:
        return [f"[ERROR] must be at most {limit} characters, got {len(value)} [json-pointer:{pointer}]"]
    return []


def _option_problems(option: Any, pointer: str) -> list[str]:
    if not isinstance(option, dict):
        return [f"[ERROR] an option must be an object [json-pointer:{pointer}]"]
    return _too_long(_text_of(option.get("text")), 75, f"{pointer}/text/text") + _too_long(
        str(option.get("value", "")), 150, f"{pointer}/value"
    )


def _element_problems(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"[ERROR] an element must be an object [json-pointer:{pointer}]"]
    problems = _too_long(str(element.get("action_id", "")), 255, f"{pointer}/action_id")
    if element.get("type") == "button":
        problems += _too_long(_text_of(element.get("text")), 75, f"{pointer}/text/text")
        problems += _too_long(str(element.get("value", "")), 2000, f"{pointer}/value")
    options = element.get("options")
    if isinstance(options, list):
        if len(options) > 100:
            problems.append(f"[ERROR] no more than 100 options allowed [json-pointer:{pointer}/options]")
        for i, option in enumerate(options):
            problems += _option_problems(option, f"{pointer}/options/{i}")
    return problems


def _section_problems(block: JsonDict, pointer: str) -> list[str]:
    problems = _too_long(_text_of(block.get("text")), 3000, f"{pointer}/text/text")
    fields = block.get("fields")
    if isinstance(fields, list):
        if len(fields) > 10:
            problems.append(f"[ERROR] no more than 10 fields allowed [json-pointer:{pointer}/fields]")
        for i, item in enumerate(fields):
            problems += _too_long(_text_of(item), 2000, f"{pointer}/fields/{i}/text")
    if "accessory" in block:
        problems += _element_problems(block["accessory"], f"{pointer}/accessory")
    return problems


def _block_problems(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"[ERROR] a block must be an object with a type [json-pointer:{pointer}]"]
    problems = _too_long(str(block.get("block_id", "")), 255, f"{pointer}/block_id")
    kind = block["type"]
    if kind == "section":
        problems += _section_problems(block, pointer)
    elif kind == "header":
        problems += _too_long(_text_of(block.get("text")), 150, f"{pointer}/text/text")
    elif kind == "actions":
        for i, element in enumerate(block.get("elements") or []):
            problems += _element_problems(element, f"{pointer}/elements/{i}")
    elif kind == "input":
        problems += _element_problems(block.get("element"), f"{pointer}/element")
    return problems


def blocks_text(blocks: Any) -> Iterator[str]:
    """Every `text` string anywhere in some blocks, in order: what a reader of them would see."""
    if isinstance(blocks, list):
        for item in blocks:
            yield from blocks_text(item)
    elif isinstance(blocks, dict):
        for key, value in blocks.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from blocks_text(value)


def _blocks_problems(blocks: list[Any], limit: int) -> list[str]:
    problems = (
        [f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]"] if len(blocks) > limit else []
    )
    for i, block in enumerate(blocks):
        problems += _block_problems(block, f"/blocks/{i}")
    return problems


def _check_message(params: JsonDict) -> None:
    """Reject a message body the way chat.postMessage/chat.update/response_url would."""
    blocks = params.get("blocks")
    if blocks is not None and not isinstance(blocks, list):
        raise _SlackError("invalid_blocks_format", ["[ERROR] blocks must be a JSON array"])
    problems = _blocks_problems(blocks or [], 50)
    if problems:
        raise _SlackError("invalid_blocks", problems)
    # Slack's undocumented cap on the total text of a message's blocks (see SLACK.md).
    if sum(len(text) for text in blocks_text(blocks)) > 13_000:
        raise _SlackError("msg_blocks_too_long")
    if not params.get("text") and not blocks and not params.get("attachments"):
        raise _SlackError("no_text")


def _check_metadata(params: JsonDict) -> None:
    """Message metadata is an object with a string `event_type` and an object `event_payload`."""
    metadata = params.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise _SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(metadata.get("event_payload"), dict):
        raise _SlackError("invalid_metadata_schema")


def _view_problems(view: JsonDict) -> list[str]:
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["[ERROR] missing required field: blocks [json-pointer:/view/blocks]"]
    problems = _blocks_problems(blocks, 100)
    for name in ("title", "submit", "close"):
        problems += _too_long(_text_of(view.get(name)), 24, f"/view/{name}/text")
    problems += _too_long(str(view.get("private_metadata", "")), 3000, "/view/private_metadata")
    problems += _too_long(str(view.get("callback_id", "")), 255, "/view/callback_id")
    if view.get("type") == "modal" and not _text_of(view.get("title")):
        problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
    return problems


def _check_view(view: Any, expected_type: str | None) -> JsonDict:
    """Reject a view the way views.* would (always `invalid_arguments`, with details)."""
    if not isinstance(view, dict):
        raise _SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
    if expected_type is not None and view.get("type") != expected_type:
        raise _SlackError("invalid_arguments", [f"[ERROR] view type must be {expected_type}"])
    problems = _view_problems(view)
    if problems:
        raise _SlackError("invalid_arguments", problems)
    return view


def _required(params: JsonDict, name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise _SlackError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
    return str(value)


# ---------------------------------------------------------------------------------------------
# Request parsing


def _decode_json_fields(fields: JsonDict) -> JsonDict:
    """Turn JSON-encoded form fields (blocks, view, files, ...) back into Python objects."""
    decoded = dict(fields)
    for name in _JSON_FORM_FIELDS & decoded.keys():
        value = decoded[name]
        # Bad JSON stays a string, so validation reports it as Slack would.
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(json.JSONDecodeError):
                decoded[name] = json.loads(value)
    return decoded


def _parse_params(request: _HttpRequest) -> tuple[JsonDict, bool]:
    """Query and body fields merged, and whether the body was JSON (then the token must be a header)."""
    params: JsonDict = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise _SlackError("invalid_json") from e
        if not isinstance(body, dict):
            raise _SlackError("invalid_json")
        return _decode_json_fields(params) | body, True
    if content_type == "multipart/form-data":
        raise _SlackError("invalid_form_data", ["[ERROR] the stand-in does not take multipart bodies"])
    params |= dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    return _decode_json_fields(params), False


def _flag(value: Any) -> bool:
    """A boolean argument as slack-sdk sends it in a query (1/0) or as JSON (true/false)."""
    return value is True or str(value).lower() in ("1", "true")


def _ts_argument(params: JsonDict, name: str) -> Decimal | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as e:
        raise _SlackError(f"invalid_ts_{name}") from e


def _page_limit(params: JsonDict, default: int) -> int:
    try:
        limit = int(params.get("limit") or default)
    except (TypeError, ValueError) as e:
        raise _SlackError("invalid_limit") from e
    return max(1, min(limit, _HISTORY_LIMIT))


def _cursor_ts(params: JsonDict) -> Decimal | None:
    """Slack's history cursors are base64 of `next_ts:<ts>`: the first message of the next page."""
    cursor = params.get("cursor")
    if not cursor:
        return None
    try:
        kind, _, ts = base64.b64decode(str(cursor), validate=True).decode().partition(":")
        if kind != "next_ts":
            raise ValueError(kind)
        return Decimal(ts)
    except (binascii.Error, UnicodeDecodeError, ValueError, InvalidOperation) as e:
        raise _SlackError("invalid_cursor") from e


def _cursor_for(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _within(ts: str, oldest: Decimal | None, latest: Decimal | None, inclusive: bool) -> bool:
    at = Decimal(ts)
    if oldest is not None and (at < oldest or (at == oldest and not inclusive)):
        return False
    return latest is None or at < latest or (at == latest and inclusive)


def _bearer_token(headers: dict[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


# ---------------------------------------------------------------------------------------------
# The HTTP server


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung request must not keep the test process alive
    standin: SlackStandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self._open_socket_link()
            return
        self._serve()

    def _open_socket_link(self) -> None:
        """A WebSocket handshake on a ticket from apps.connections.open; the link is then served on
        this request's thread until it closes."""
        parts = urlsplit(self.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        key = self.headers.get("Sec-WebSocket-Key", "")
        hub = self.server.standin.socket_mode
        self.close_connection = True
        if parts.path.rstrip("/") != "/link" or self.headers.get("Sec-WebSocket-Version") != "13" or not key:
            self.send_error(400, "not a WebSocket handshake Slack accepts")
            return
        if not hub.take_ticket(ticket):
            self.send_error(401, "invalid or used ticket")
            return
        self.protocol_version = "HTTP/1.1"  # RFC 6455: the upgrade is an HTTP/1.1 exchange
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", websocket_accept(key))
        self.end_headers()
        self.wfile.flush()
        hub.serve_link(self.connection, self.rfile)

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        # Tests read the recordings; access logs would only clutter their output.
        logger.debug("%s " + format, self.address_string(), *args)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = _HttpRequest(
            verb=self.command,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        try:
            reply = self.server.standin._route(request)
        except Exception as e:  # a stand-in bug: say so loudly instead of hanging the bot
            logger.exception("stand-in failed on %s", self.path)
            reply = _json_reply({"ok": False, "error": f"standin_bug: {e!r}"}, status=500)
        self._write(reply)

    def _write(self, reply: _HttpReply) -> None:
        if reply.dropped:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (e.g. after a hang); nothing left to tell it


# ---------------------------------------------------------------------------------------------
# The stand-in


class SlackStandIn:
    """Slack's Web API, response URLs and file upload URLs, for one workspace and one bot."""

    def __init__(
        self,
        token: str = "xoxb-test",
        team_id: str = "T0TEAM",
        bot_user_id: str = "UBOT",
        *,
        trigger_ttl: float = 3.0,
        now: Callable[[], float] | None = None,
        app_token: str = "xapp-1-A0COLLECT-standin",
    ) -> None:
        """`now` (seconds since the epoch) makes each message's ts the time it was posted, as on
        Slack, by that clock (a test's, or the sandbox's); without it ts count up from
        1700000000.000100, which keeps them predictable. `app_token` is the app-level token
        apps.connections.open accepts (Socket Mode, socket_mode.py)."""
        self.token = token
        self.app_token = app_token
        self.socket_mode = SocketModeHub(APP_ID)
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.trigger_ttl = trigger_ttl
        self._now = now
        self.permalink_base: str | None = None
        """Where chat.getPermalink's links lead (the sandbox's page); the stand-in's own address without it."""
        self._cond = threading.Condition(threading.RLock())
        self._released = threading.Event()  # set by stop() to free hung requests
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None  # kept after stop(), for requests that hang() releases late
        self._init_state()
        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _init_state(self) -> None:
        self._calls: list[RecordedCall] = []
        self._responses: list[RecordedResponse] = []
        self._last_at = 0.0
        self._counters: dict[str, int] = defaultdict(int)
        self._last_ts = _FIRST_TS  # microseconds
        self._history: dict[str, list[JsonDict]] = defaultdict(list)
        self._ephemeral: list[JsonDict] = []
        self._views: dict[str, JsonDict] = {}
        self._home_views: dict[str, str] = {}  # user id -> view id
        self._dms: dict[str, str] = {}  # user id -> D… channel id
        self._users: dict[str, JsonDict] = {}
        self._channels: dict[str, JsonDict] = {"C0GENERAL": self._channel_object("C0GENERAL", "general")}
        self._files: dict[str, UploadedFile] = {}
        self._response_urls: dict[str, int] = {}  # token -> posts so far
        self._triggers: dict[str, float] = {}  # trigger_id -> issued at (monotonic), for ours
        self._used_triggers: set[str] = set()
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._hangs: dict[str, deque[float]] = defaultdict(deque)
        self._drops: dict[str, int] = defaultdict(int)  # method -> answers still to lose
        self._held: dict[str, int] = defaultdict(int)  # method -> requests hang() is holding now
        self._call_listeners: list[Callable[[RecordedCall], None]] = []
        self._response_listeners: list[Callable[[RecordedResponse], None]] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the stand-in is already started")
        self._released.clear()
        self._server = server = _Server(("127.0.0.1", 0), _Handler)
        server.standin = self
        self._port = server.server_port
        # A short poll interval because stop() waits for one poll; the default 0.5 s slows every test.
        serve = lambda: server.serve_forever(poll_interval=0.02)  # noqa: E731
        self._thread = threading.Thread(target=serve, name="slack-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests held by hang() are answered at once, Socket Mode links cut."""
        self._released.set()
        self.socket_mode.stop()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/`"""
        if self._port is None:
            raise RuntimeError("start() the stand-in before asking for its URL")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def api_url(self) -> str:
        """`http://127.0.0.1:PORT/api/`, for WebClient(base_url=...); it must end with '/'."""
        return self.base_url + "api/"

    # -- workspace set-up --------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/New_York",
        email: str | None = None,
        is_bot: bool = False,
        locale: str = "en-US",
    ) -> JsonDict:
        """Register a user so users.info answers with these details (others get made-up ones);
        `locale` comes back only when asked with `include_locale`, as Slack does."""
        user = self._user_object(user_id, name, real_name, tz, email, is_bot)
        user["locale"] = locale
        with self._cond:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_channel(
        self, channel_id: str, *, name: str | None = None, is_private: bool = False, is_member: bool = True
    ) -> JsonDict:
        """Register a channel. With is_member=False posting fails as it does when the bot is not in it."""
        channel = self._channel_object(channel_id, name or channel_id.lower(), is_private, is_member)
        with self._cond:
            self._channels[channel_id] = channel
        return copy.deepcopy(channel)

    def user(self, user_id: str) -> JsonDict:
        """The user object users.info would return; KeyError where it would say user_not_found."""
        with self._cond:
            try:
                return copy.deepcopy(self._user(user_id))
            except _SlackError as e:
                raise KeyError(user_id) from e

    def channel(self, channel_id: str) -> JsonDict:
        """The object conversations.info would return; KeyError where it would say channel_not_found."""
        with self._cond:
            try:
                return copy.deepcopy(self._conversation(channel_id))
            except _SlackError as e:
                raise KeyError(channel_id) from e

    def new_trigger_id(self) -> str:
        """A trigger_id that views.open accepts once, within `trigger_ttl` seconds."""
        trigger_id = new_trigger_id()
        with self._cond:
            self._triggers[trigger_id] = time.monotonic()
        return trigger_id

    def new_response_url(self) -> str:
        """`http://127.0.0.1:PORT/response/<uuid>`; takes up to 5 JSON posts like Slack's."""
        token = uuid.uuid4().hex
        with self._cond:
            self._response_urls[token] = 0
        return f"{self.base_url}response/{token}"

    def add_user_message(
        self, channel: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> JsonDict:
        """Put a message from a person into the history (e.g. a reply in a thread); sends no event."""
        with self._cond:
            return copy.deepcopy(
                self._append_message(channel, {"text": text, "thread_ts": thread_ts}, user_id)
            )

    # -- fault injection ---------------------------------------------------------------------

    def fail(
        self, method: str, status: int = 429, times: int = 1, retry_after: int = 1, error: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` instead of handling them.

        429 comes with `Retry-After: retry_after` and error `ratelimited`; 5xx with an error body;
        status 200 with `error` gives a plain Slack API error (`{"ok": false, "error": error}`).
        """
        with self._cond:
            self._faults[method].extend(_Fault(status, error, retry_after) for _ in range(times))

    def hang(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of `method` for `seconds` before handling them (stop() frees them)."""
        with self._cond:
            self._hangs[method].extend(seconds for _ in range(times))

    def release(self) -> None:
        """Answer the calls hang() is holding now; later hangs hold as asked."""
        with self._cond:
            released, self._released = self._released, threading.Event()
        released.set()

    def drop(self, method: str, times: int = 1) -> None:
        """Carry out the next `times` calls of `method`, then close their connections without an
        answer: the client sees the remote end disconnect, not knowing the call took effect."""
        with self._cond:
            self._drops[method] += times

    def wait_for_held(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Block until `count` calls of `method` are being held by hang() (they are recorded only
        when answered, so this is how a test knows the bot is waiting on Slack)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._held[method] >= count, timeout):
                raise AssertionError(f"expected {count} held call(s) of {method} within {timeout}s")

    # -- listeners ---------------------------------------------------------------------------

    def on_call(self, callback: Callable[[RecordedCall], None]) -> None:
        """Call `callback(call)` in the server thread after each Web API call is recorded."""
        with self._cond:
            self._call_listeners.append(callback)

    def on_response(self, callback: Callable[[RecordedResponse], None]) -> None:
        """Call `callback(post)` in the server thread after each response_url post is recorded."""
        with self._cond:
            self._response_listeners.append(callback)

    # -- reading what happened ---------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Recorded Web API calls in arrival order, optionally of one method."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget recorded calls and response_url posts; workspace state (messages, views) stays."""
        with self._cond:
            self._calls.clear()
            self._responses.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until at least `count` calls of `method` were recorded; returns them all."""
        with self._cond:
            done = self._cond.wait_for(lambda: len(self.calls(method)) >= count, timeout)
            found, seen = self.calls(method), [c.method for c in self._calls]
        if not done:
            wanted = f"{count} call(s) of {method} within {timeout}s"
            raise AssertionError(f"expected {wanted}, got {len(found)}; calls seen: {seen}")
        return found

    def response_posts(self, url: str | None = None) -> list[RecordedResponse]:
        """Posts to response URLs with the status each got, optionally for one URL."""
        with self._cond:
            return [r for r in self._responses if url is None or r.url == url]

    def responses(self, url: str | None = None) -> list[JsonDict]:
        """JSON bodies posted to response URLs, optionally for one URL."""
        return [r.body for r in self.response_posts(url)]

    def wait_for_response(
        self, count: int = 1, timeout: float = 5.0, url: str | None = None
    ) -> list[JsonDict]:
        """Block until at least `count` response_url posts were recorded; returns their bodies."""
        with self._cond:
            done = self._cond.wait_for(lambda: len(self.response_posts(url)) >= count, timeout)
            found = self.responses(url)
        if not done:
            raise AssertionError(f"expected {count} response_url post(s) within {timeout}s, got {found}")
        return found

    def messages(self, channel: str, thread_ts: str | None = None) -> list[JsonDict]:
        """A channel's messages, oldest first; with thread_ts, that thread's parent and replies only."""
        with self._cond:
            history = self._history.get(channel, [])
            if thread_ts is not None:
                history = [m for m in history if thread_ts in (m["ts"], m.get("thread_ts"))]
            return copy.deepcopy(history)

    def ephemeral_messages(self, channel: str | None = None, user: str | None = None) -> list[JsonDict]:
        """chat.postEphemeral messages (each with channel and the user who saw it)."""
        with self._cond:
            return copy.deepcopy(
                [
                    m
                    for m in self._ephemeral
                    if channel in (None, m["channel"]) and user in (None, m["user_shown_to"])
                ]
            )

    def view(self, view_id: str) -> JsonDict | None:
        """The current state of a view opened, pushed, updated or published."""
        with self._cond:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found else None

    def answer_submission(self, view_id: str, answer: JsonDict) -> None:
        """What Slack does with a view_submission's acknowledgement (`response_action`): `update`
        puts the answer's view in the submitted one's place (checked as views.update would);
        `clear` and no action close it, which the caller (the sandbox) tracks itself."""
        if answer.get("response_action") != "update":
            return
        with self._cond:
            current = self._views.get(view_id)
            if current is None:
                raise _SlackError("not_found")
            view = _check_view(answer.get("view"), current.get("type"))
            self._store_view(view, view_id, previous=current)
            self._cond.notify_all()

    def home_view(self, user_id: str) -> JsonDict | None:
        """The App Home last published for a user."""
        with self._cond:
            view_id = self._home_views.get(user_id)
        return self.view(view_id) if view_id else None

    @property
    def uploaded_files(self) -> dict[str, UploadedFile]:
        """file_id -> the upload (bytes, filename, title, channel, thread_ts...)."""
        with self._cond:
            return {file_id: replace(f) for file_id, f in self._files.items()}

    # -- routing -----------------------------------------------------------------------------

    def _route(self, request: _HttpRequest) -> _HttpReply:
        kind, _, rest = request.path.lstrip("/").partition("/")
        if kind == "api" and rest:
            return self._handle_api(rest, request)
        if kind == "upload" and request.verb == "POST":
            return self._handle_upload(rest, request.body)
        if kind == "response" and request.verb == "POST":
            return self._handle_response_url(rest, request)
        if kind == "files" and request.verb == "GET":
            return self._handle_file_download(rest)
        return _text_reply("not found", status=404)

    def _handle_api(self, method: str, request: _HttpRequest) -> _HttpReply:
        with self._cond:
            delay = self._hangs[method].popleft() if self._hangs.get(method) else 0.0
        if delay:
            self._hold(method, delay)
        try:
            params, was_json = _parse_params(request)
        except _SlackError as e:
            return self._answer(method, {}, request, 200, {"ok": False, "error": e.error})
        with self._cond:
            fault = self._faults[method].popleft() if self._faults.get(method) else None
        if fault is not None:
            return self._answer_fault(method, params, request, fault)
        reply = self._answer(
            method, params, request, 200, self._call_method(method, params, request, was_json)
        )
        with self._cond:
            dropped = self._drops.get(method, 0) > 0
            if dropped:
                self._drops[method] -= 1
        return replace(reply, dropped=True) if dropped else reply

    def _hold(self, method: str, delay: float) -> None:
        with self._cond:
            # The event is taken with the count, in one turn of the lock: a release() made as soon
            # as wait_for_held() sees the count sets this one, not the next.
            released = self._released
            self._held[method] += 1
            self._cond.notify_all()
        released.wait(delay)  # an Event, so stop() and release() let a hung request go at once
        with self._cond:
            self._held[method] -= 1

    def _call_method(self, method: str, params: JsonDict, request: _HttpRequest, was_json: bool) -> JsonDict:
        token = _bearer_token(request.headers) or (None if was_json else params.get("token"))
        # Slack answers bad credentials before it looks at the method name; the app-level token
        # opens Socket Mode connections and nothing else, the bot token everything but that.
        expected = self.app_token if method == "apps.connections.open" else self.token
        if token and token in (self.token, self.app_token) and token != expected:
            return {"ok": False, "error": "not_allowed_token_type"}
        if not token or not secrets.compare_digest(str(token), expected):
            return {"ok": False, "error": "invalid_auth"}
        handler = self._methods.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        try:
            with self._cond:
                return handler(params)
        except _SlackError as e:
            answer: JsonDict = {"ok": False, "error": e.error}
            if e.messages:
                answer["response_metadata"] = {"messages": e.messages}
            return answer

    def _answer_fault(
        self, method: str, params: JsonDict, request: _HttpRequest, fault: _Fault
    ) -> _HttpReply:
        if fault.status == 429:
            body: JsonDict = {"ok": False, "error": fault.error or "ratelimited"}
            headers = {"Retry-After": str(fault.retry_after)}
            return self._answer(method, params, request, 429, body, headers)
        default = "fatal_error" if fault.status < 500 else "internal_error"
        return self._answer(
            method, params, request, fault.status, {"ok": False, "error": fault.error or default}
        )

    def _answer(
        self,
        method: str,
        params: JsonDict,
        request: _HttpRequest,
        status: int,
        body: JsonDict,
        headers: dict[str, str] | None = None,
    ) -> _HttpReply:
        ok = status == 200 and bool(body.get("ok"))
        with self._cond:
            call = RecordedCall(
                method=method,
                params=params,
                headers=request.headers,
                at=self._next_at(),
                ok=ok,
                status=status,
                error=None if ok else str(body.get("error")),
                response=copy.deepcopy(body),
            )
            self._calls.append(call)
            self._cond.notify_all()
            listeners = list(self._call_listeners)
        self._notify(listeners, call)
        return _json_reply(body, status, headers)

    @staticmethod
    def _notify(listeners: list[Callable[[Any], None]], record: Any) -> None:
        # Outside the lock, so a listener may read the stand-in; its errors must not break the bot's call.
        for listener in listeners:
            try:
                listener(record)
            except Exception:
                logger.exception("stand-in listener failed")

    def _next_at(self) -> float:
        self._last_at = max(time.monotonic(), self._last_at + 1e-6)
        return self._last_at

    # -- upload URLs and response URLs -------------------------------------------------------

    def _handle_upload(self, file_id: str, data: bytes) -> _HttpReply:
        with self._cond:
            upload = self._files.get(file_id)
            if upload is None:
                return _text_reply("file not found", status=404)
            upload.data = data
        return _text_reply(f"OK - {len(data)}")

    def _handle_file_download(self, file_id: str) -> _HttpReply:
        # For the sandbox: url_private of an uploaded file serves its bytes.
        with self._cond:
            upload = self._files.get(file_id)
        if upload is None:
            return _text_reply("file not found", status=404)
        content_type = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        return _HttpReply(200, upload.data, content_type=content_type)

    def _handle_response_url(self, token: str, request: _HttpRequest) -> _HttpReply:
        url = f"{self.base_url}response/{token}"
        try:
            body = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return _text_reply("invalid_payload", status=400)
        status, text = self._response_url_verdict(token, body)
        with self._cond:
            post = RecordedResponse(url=url, body=body, at=self._next_at(), status=status)
            self._responses.append(post)
            self._cond.notify_all()
            listeners = list(self._response_listeners)
        self._notify(listeners, post)
        return _text_reply(text, status)

    def _response_url_verdict(self, token: str, body: JsonDict) -> tuple[int, str]:
        with self._cond:
            if token not in self._response_urls:
                return 404, "no_such_url"
            self._response_urls[token] += 1
            if self._response_urls[token] > _MAX_RESPONSE_URL_POSTS:
                return 404, "used_url"
        if body.get("delete_original"):
            return 200, "ok"  # a delete needs no content
        try:
            _check_message(body)
        except _SlackError as e:
            return 400, e.error
        return 200, "ok"

    # -- workspace model (call with the lock held) -------------------------------------------

    def _next_id(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]:08X}"

    def _next_ts(self) -> str:
        # A ts is unique in its channel and later than the one before, even when a clock stands still.
        clock = round(self._now() * 1_000_000) if self._now is not None else 0
        micros = self._last_ts = max(clock, self._last_ts + 100)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _user_object(
        self, user_id: str, name: str | None, real_name: str | None, tz: str, email: str | None, is_bot: bool
    ) -> JsonDict:
        name = name or user_id.lower()
        real_name = real_name or f"User {user_id}"
        profile = {"real_name": real_name, "display_name": name, "email": email or f"{name}@example.com"}
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "tz": tz,
            "tz_label": "Eastern Standard Time" if tz == "America/New_York" else tz,
            "tz_offset": -18000 if tz == "America/New_York" else 0,
            "is_bot": is_bot,
            "deleted": False,
            "profile": profile,
        }

    def _user(self, user_id: str) -> JsonDict:
        if user_id == self.bot_user_id:
            return self._user_object(user_id, "collect-bot", "Collect Bot", "America/New_York", None, True)
        if user_id not in self._users and not _USER_ID.match(user_id):
            raise _SlackError("user_not_found")
        return self._users.get(user_id) or self._user_object(
            user_id, None, None, "America/New_York", None, False
        )

    @staticmethod
    def _channel_object(
        channel_id: str, name: str, is_private: bool = False, is_member: bool = True
    ) -> JsonDict:
        return {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_private": is_private,
            "is_archived": False,
            "is_member": is_member,
        }

    def _conversation(self, channel: str) -> JsonDict:
        if channel in self._channels:
            return self._channels[channel]
        if channel.startswith("D") and _CONVERSATION_ID.match(channel):
            user = next((u for u, d in self._dms.items() if d == channel), None)
            return {"id": channel, "is_im": True, "is_private": True, "is_member": True, "user": user}
        if _CONVERSATION_ID.match(channel):
            return self._channel_object(channel, channel.lower(), is_private=channel.startswith("G"))
        raise _SlackError("channel_not_found")

    def _resolve_channel(self, value: Any) -> str:
        """A conversation id from a `channel` argument: an id, a registered name, or a user (their DM)."""
        channel = str(value or "").lstrip("#")
        if _USER_ID.match(channel):
            return self._dm_for(channel)
        by_name = next((c for c, info in self._channels.items() if info["name"] == channel), None)
        return by_name or str(self._conversation(channel)["id"])

    def _check_member(self, channel: str, *, for_files: bool = False) -> None:
        info = self._conversation(channel)
        if info.get("is_member", True):
            return
        # Uploads report a channel the bot is not in as missing (see SLACK.md's known trouble).
        raise _SlackError("channel_not_found" if for_files or info.get("is_private") else "not_in_channel")

    def _dm_for(self, user_id: str) -> str:
        if user_id not in self._dms:
            self._dms[user_id] = self._next_id("D")
        return self._dms[user_id]

    def _append_message(self, channel: str, params: JsonDict, user_id: str | None = None) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "channel": channel,
            "ts": self._next_ts(),
            "thread_ts": params.get("thread_ts") or None,
            "text": str(params.get("text") or "")[:40_000],  # Slack cuts, it does not refuse
            "blocks": params.get("blocks") or [],
            "user": user_id or self.bot_user_id,
            "team": self.team_id,
        }
        if user_id is None:
            message |= {"bot_id": BOT_ID, "app_id": APP_ID}
        for extra in ("attachments", "metadata", "files"):
            if params.get(extra):
                message[extra] = params[extra]
        self._history[channel].append(message)
        return message

    def _find_message(self, channel: str, ts: str) -> JsonDict:
        for message in self._history.get(channel, []):
            if message["ts"] == ts:
                return message
        raise _SlackError("message_not_found")

    def _permalink(self, channel: str, message: JsonDict) -> str:
        link = f"{self.permalink_base or self.base_url}archives/{channel}/p{message['ts'].replace('.', '')}"
        if message.get("thread_ts"):
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return link

    def _consume_trigger(self, params: JsonDict) -> None:
        trigger_id = _required(params, "trigger_id")
        issued = self._triggers.get(trigger_id)
        if trigger_id in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)
        # Triggers from elsewhere (a sender without a stand-in) are trusted; ours expire like Slack's.
        if issued is not None and time.monotonic() - issued > self.trigger_ttl:
            raise _SlackError("expired_trigger_id")

    def _store_view(self, view: JsonDict, view_id: str, previous: JsonDict | None = None) -> JsonDict:
        stored: JsonDict = {
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **copy.deepcopy(view),
            "id": view_id,
            "team_id": self.team_id,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "app_installed_team_id": self.team_id,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "root_view_id": (previous or {}).get("root_view_id") or view_id,
            "previous_view_id": (previous or {}).get("previous_view_id"),
        }
        self._views[view_id] = stored
        return copy.deepcopy(stored)

    def _find_view(self, params: JsonDict) -> JsonDict:
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise _SlackError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        for view in self._views.values():
            if (view_id and view["id"] == view_id) or (
                external_id and view.get("external_id") == external_id
            ):
                return view
        raise _SlackError("not_found")

    # -- Web API methods (called with the lock held) -----------------------------------------

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"{self.base_url}",
            "team": "Collect Test",
            "user": "collect-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, _params: JsonDict) -> JsonDict:
        ticket = self.socket_mode.new_ticket()
        url = f"ws://127.0.0.1:{self._port}/link/?ticket={ticket}&app_id={APP_ID}"
        return {"ok": True, "url": url}

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        channel = self._resolve_channel(params.get("channel"))
        self._check_member(channel)
        _check_message(params)
        _check_metadata(params)
        message = self._append_message(channel, params)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = self._resolve_channel(params.get("channel"))
        user = _required(params, "user")
        self._user(user)
        self._check_member(channel)
        _check_message(params)
        ts = self._next_ts()
        self._ephemeral.append(
            {
                "channel": channel,
                "user_shown_to": user,
                "ts": ts,
                "thread_ts": params.get("thread_ts") or None,
                "text": str(params.get("text") or ""),
                "blocks": params.get("blocks") or [],
            }
        )
        return {"ok": True, "message_ts": ts}

    def _chat_update(self, params: JsonDict) -> JsonDict:
        channel = self._resolve_channel(params.get("channel"))
        message = self._find_message(channel, _required(params, "ts"))
        _check_message(params)
        _check_metadata(params)
        # Fields left out keep their old values, as on Slack (send blocks=[] to drop blocks).
        for name in ("text", "blocks", "attachments", "metadata"):
            if name in params:
                message[name] = params[name]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, params: JsonDict) -> JsonDict:
        channel = self._resolve_channel(params.get("channel"))
        message = self._find_message(channel, _required(params, "ts"))
        self._history[channel].remove(message)
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        channel = self._resolve_channel(params.get("channel"))
        message = self._find_message(channel, _required(params, "message_ts"))
        return {"ok": True, "channel": channel, "permalink": self._permalink(channel, message)}

    def _views_open(self, params: JsonDict) -> JsonDict:
        view = _check_view(params.get("view"), "modal")
        self._consume_trigger(params)
        return {"ok": True, "view": self._store_view(view, self._next_id("V"))}

    def _views_push(self, params: JsonDict) -> JsonDict:
        view = _check_view(params.get("view"), "modal")
        self._consume_trigger(params)
        return {"ok": True, "view": self._store_view(view, self._next_id("V"))}

    def _views_update(self, params: JsonDict) -> JsonDict:
        current = self._find_view(params)
        view = _check_view(params.get("view"), current.get("type"))
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        return {"ok": True, "view": self._store_view(view, current["id"], previous=current)}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        user_id = _required(params, "user_id")
        self._user(user_id)
        view = _check_view(params.get("view"), "home")
        view_id = self._home_views.get(user_id) or self._next_id("V")
        self._home_views[user_id] = view_id
        return {"ok": True, "view": self._store_view(view, view_id)}

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": self._resolve_channel(params["channel"])}}
        users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
        if not users:
            raise _SlackError("users_list_not_supplied")
        for user in users:
            self._user(user)
        if len(users) > 1:
            key = ",".join(sorted(users))
            channel = self._dms.get(key) or self._dms.setdefault(key, self._next_id("G"))
            return {"ok": True, "channel": {"id": channel}}
        already = users[0] in self._dms
        return {
            "ok": True,
            "no_op": already,
            "already_open": already,
            "channel": {"id": self._dm_for(users[0])},
        }

    def _conversations_info(self, params: JsonDict) -> JsonDict:
        return {"ok": True, "channel": copy.deepcopy(self._conversation(_required(params, "channel")))}

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        """Top-level messages (a thread's replies stay in the thread), newest first, a page at a time."""
        channel = self._readable_channel(params)
        listed = [m for m in self._history.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]
        return self._page(listed, params, default_limit=100, newest_first=True)

    def _conversations_replies(self, params: JsonDict) -> JsonDict:
        """A thread: its parent first, whatever the window, then the replies in it, oldest first."""
        channel = self._readable_channel(params)
        try:
            named = self._find_message(channel, _required(params, "ts"))
            parent_ts = named.get("thread_ts") or named["ts"]
            parent = self._find_message(channel, parent_ts)
        except _SlackError as e:
            raise _SlackError("thread_not_found") from e
        replies = [m for m in self._history[channel] if m.get("thread_ts") == parent_ts and m is not parent]
        page = self._page(replies, params, default_limit=1000, newest_first=False)
        page["messages"].insert(0, self._listed(parent, _flag(params.get("include_all_metadata"))))
        return page

    def _readable_channel(self, params: JsonDict) -> str:
        channel = _required(params, "channel")
        if not self._conversation(channel).get("is_member", True):
            raise _SlackError("not_in_channel")
        return channel

    def _page(
        self, messages: list[JsonDict], params: JsonDict, *, default_limit: int, newest_first: bool
    ) -> JsonDict:
        """One page of `messages` within oldest/latest, from the cursor on, as Slack pages history."""
        oldest, latest = _ts_argument(params, "oldest"), _ts_argument(params, "latest")
        inclusive, start = _flag(params.get("inclusive")), _cursor_ts(params)
        window = sorted(
            (m for m in messages if _within(m["ts"], oldest, latest, inclusive)),
            key=lambda m: Decimal(m["ts"]),
            reverse=newest_first,
        )
        if start is not None:
            # The cursor names the first message of this page; the window runs the page's way from it.
            window = [
                m
                for m in window
                if (Decimal(m["ts"]) <= start if newest_first else Decimal(m["ts"]) >= start)
            ]
        limit = _page_limit(params, default_limit)
        metadata = _flag(params.get("include_all_metadata"))
        answer: JsonDict = {
            "ok": True,
            "messages": [self._listed(m, metadata) for m in window[:limit]],
            "has_more": len(window) > limit,
        }
        if len(window) > limit:
            answer["response_metadata"] = {"next_cursor": _cursor_for(window[limit]["ts"])}
        return answer

    def _listed(self, message: JsonDict, with_metadata: bool) -> JsonDict:
        """A message as history lists it: no `channel` or empty fields, a parent's reply count, and
        its metadata only when include_all_metadata asks for it."""
        listed = {k: v for k, v in message.items() if k != "channel" and v is not None}
        if not with_metadata:
            listed.pop("metadata", None)
        replies = [m for m in self._history[message["channel"]] if m.get("thread_ts") == message["ts"]]
        if replies:
            listed |= {
                "thread_ts": message["ts"],
                "reply_count": len(replies),
                "latest_reply": replies[-1]["ts"],
            }
        return copy.deepcopy(listed)

    def _users_info(self, params: JsonDict) -> JsonDict:
        user = copy.deepcopy(self._user(_required(params, "user")))
        # Slack says a user's locale only to who asks for it.
        locale = user.pop("locale", "en-US")
        if str(params.get("include_locale", "")).lower() in ("true", "1"):
            user["locale"] = locale
        return {"ok": True, "user": user}

    def _files_get_upload_url(self, params: JsonDict) -> JsonDict:
        filename = _required(params, "filename")
        try:
            length = int(_required(params, "length"))
        except ValueError as e:
            raise _SlackError("invalid_arguments", ["[ERROR] length must be an integer"]) from e
        file_id = self._next_id("F")
        self._files[file_id] = UploadedFile(file_id=file_id, filename=filename, length=length)
        return {"ok": True, "upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}

    def _file_object(self, upload: UploadedFile) -> JsonDict:
        filetype, pretty_type = _file_type(upload.filename)
        return {
            "id": upload.file_id,
            "name": upload.filename,
            "title": upload.title or upload.filename,
            "size": len(upload.data),
            "mimetype": mimetypes.guess_type(upload.filename)[0] or "application/octet-stream",
            "filetype": filetype,
            "pretty_type": pretty_type,
            "url_private": f"{self.base_url}files/{upload.file_id}",
            "permalink": f"{self.base_url}files/{upload.file_id}",
        }

    def _files_complete_upload(self, params: JsonDict) -> JsonDict:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            raise _SlackError("invalid_arguments", ["[ERROR] files must be a JSON array of {id, title}"])
        uploads = [self._files.get(str(e.get("id"))) for e in entries]
        if any(u is None for u in uploads):
            raise _SlackError("file_not_found")
        channel = self._upload_channel(params)
        done = [self._complete(u, e, channel, params) for u, e in zip(uploads, entries, strict=True) if u]
        files = [self._file_object(u) for u in done]
        if channel is not None:
            share = {
                "text": params.get("initial_comment"),
                "thread_ts": params.get("thread_ts"),
                "files": files,
            }
            self._append_message(channel, share)
        return {"ok": True, "files": files}

    def _upload_channel(self, params: JsonDict) -> str | None:
        target = params.get("channel_id") or str(params.get("channels") or "").split(",")[0]
        if not target:
            return None
        channel = self._resolve_channel(target)
        self._check_member(channel, for_files=True)
        return channel

    @staticmethod
    def _complete(
        upload: UploadedFile, entry: JsonDict, channel: str | None, params: JsonDict
    ) -> UploadedFile:
        upload.title = entry.get("title") or upload.filename
        upload.channel = channel
        upload.thread_ts = params.get("thread_ts") or None
        upload.initial_comment = params.get("initial_comment") or None
        upload.completed = True
        return upload


# Slack's file types by extension, for those the bot uploads and a few more: Slack takes the type
# from the file name (files_upload_v2 no longer accepts a filetype) and shows `pretty_type` on the
# file's card, so a name without the extension is shown as a binary file.
_FILE_TYPES: dict[str, tuple[str, str]] = {
    "xlsx": ("xlsx", "Excel Spreadsheet"),
    "csv": ("csv", "CSV"),
    "png": ("png", "PNG"),
    "pdf": ("pdf", "PDF"),
    "txt": ("text", "Plain Text"),
}


def _file_type(filename: str) -> tuple[str, str]:
    extension = filename.rsplit(".", 1)[1].lower() if "." in filename else ""
    return _FILE_TYPES.get(extension, ("binary", "Binary"))
