"""Requests from Slack to the bot: slash commands, interactivity payloads and events, signed with
the signing secret exactly as Slack signs them and sent over real HTTP; or, with `socket_mode=True`,
the same payloads delivered as Socket Mode envelopes through the stand-in's WebSocket
(socket_mode.py), the bot's acknowledgement taken for the answer.

Paired with a SlackStandIn, the response_url and trigger_id in each request come from the stand-in,
so whatever the bot does with them lands in the stand-in's recordings.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from wiring.standin.socket_mode import Envelope
from wiring.standin.web_api import APP_ID, TEAM_DOMAIN, SlackStandIn, new_trigger_id

JsonDict = dict[str, Any]

# Slack's own user agent on requests to apps.
_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
# The deprecated verification token; Slack still sends one, Bolt ignores it.
_VERIFICATION_TOKEN = "standin-verification-token"
_DUMMY_RESPONSE_URL = "https://hooks.slack.com/commands/T0TEAM/0000000000/standin-no-response-url"


@dataclass(frozen=True)
class SlackHttpResponse:
    """What the bot answered. Carries the response_url, trigger_id or event_id the request used."""

    status: int
    headers: dict[str, str]
    body: str
    response_url: str | None = None
    trigger_id: str | None = None
    event_id: str | None = None
    # The exact bytes and headers sent, for resend(): a replay of the same signed request.
    sent: tuple[bytes, dict[str, str]] | None = None
    # Over Socket Mode, the envelope it came in; resend() delivers it again, as Slack re-delivers.
    envelope: Envelope | None = None

    def json(self) -> Any:
        """The body parsed as JSON; None for an empty body (a bare ack)."""
        return json.loads(self.body) if self.body.strip() else None


def _find_element(blocks: Any, action_id: str) -> Iterator[tuple[str | None, JsonDict]]:
    """(block_id, element) for every interactive element with this action_id, at any depth."""
    if isinstance(blocks, list):
        for block in blocks:
            yield from _find_element(block, action_id)
        return
    if not isinstance(blocks, dict):
        return
    for element in (*(blocks.get("elements") or []), blocks.get("accessory"), blocks.get("element")):
        if isinstance(element, dict) and element.get("action_id") == action_id:
            yield blocks.get("block_id"), element


class SlackRequestSender:
    """Builds requests the way Slack does and POSTs them to the bot.

    `bot_url` is the bot's root (`http://127.0.0.1:3000`), to which `path` is appended; a URL
    that already has a path (`.../slack/events`) is used as it is. Every method takes
    `timestamp=` (seconds since the epoch) to forge an old or future request. With `team_id=None`
    no workspace id is sent anywhere, as no real request from Slack would.

    With `socket_mode=True` (and a stand-in the bot is connected to over Socket Mode) the same
    payloads go as envelopes through the socket: the answer is 200 with the acknowledgement's
    payload as its body, or 504 when no acknowledgement came within `timeout`. There is no
    signature then, so `timestamp=` changes nothing.
    """

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        team_id: str | None = "T0TEAM",
        standin: SlackStandIn | None = None,
        *,
        path: str = "/slack/events",
        bot_user_id: str | None = None,
        timeout: float = 10.0,
        socket_mode: bool = False,
    ) -> None:
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.standin = standin
        self.path = path
        self.bot_user_id = bot_user_id or (standin.bot_user_id if standin else "UBOT")
        self.timeout = timeout
        if socket_mode and standin is None:
            raise ValueError("Socket Mode needs the stand-in the bot is connected to")
        self.socket_mode = socket_mode

    # -- signing and sending -----------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The two headers Slack adds: X-Slack-Request-Timestamp and X-Slack-Signature."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + ts.encode() + b":" + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def raw(self, body: bytes, headers: dict[str, str], path: str | None = None) -> SlackHttpResponse:
        """POST these exact bytes and headers (nothing added): for unsigned or malformed requests.
        Any HTTP status is returned; only a failure to connect raises (urllib.error.URLError)."""
        request = urllib.request.Request(self._url(path), data=body, headers=headers, method="POST")
        sent = (body, dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                status, answer = reply.status, reply.read().decode()
                return SlackHttpResponse(status, dict(reply.headers.items()), answer, sent=sent)
        except urllib.error.HTTPError as e:  # a non-2xx answer is a result to look at, not an error
            with e:
                return SlackHttpResponse(e.code, dict(e.headers.items()), e.read().decode(), sent=sent)

    def resend(self, earlier: SlackHttpResponse) -> SlackHttpResponse:
        """The very request that got `earlier` sent again, byte for byte and with its signature:
        what an attacker who caught it could replay within Slack's five minutes."""
        if earlier.envelope is not None:
            return _with(
                self._deliver(earlier.envelope),
                response_url=earlier.response_url,
                trigger_id=earlier.trigger_id,
                event_id=earlier.event_id,
            )
        if earlier.sent is None:
            raise ValueError("that answer does not say what was sent")
        body, headers = earlier.sent
        return _with(
            self.raw(body, headers), response_url=earlier.response_url, trigger_id=earlier.trigger_id
        )

    def _url(self, path: str | None) -> str:
        if path is None and urlsplit(self.bot_url).path not in ("", "/"):
            return self.bot_url
        return self.bot_url.rstrip("/") + (path or self.path)

    def _send(
        self, body: bytes, content_type: str, timestamp: int | None, extra: dict[str, str]
    ) -> SlackHttpResponse:
        headers = {
            "Content-Type": content_type,
            "User-Agent": _USER_AGENT,
            **self.sign(body, timestamp),
            **extra,
        }
        return self.raw(body, headers)

    def _send_form(self, fields: dict[str, str | None], timestamp: int | None) -> SlackHttpResponse:
        fields = _without_team(fields)
        if self.socket_mode:
            return self._through_socket("slash_commands", fields)
        return self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded", timestamp, {})

    def _send_payload(self, payload: JsonDict, timestamp: int | None) -> SlackHttpResponse:
        if self.socket_mode:
            return self._through_socket("interactive", _without_team(payload))
        return self._send_form({"payload": json.dumps(_without_team(payload))}, timestamp)

    def _through_socket(
        self, kind: str, payload: JsonDict, retry_attempt: int = 0, retry_reason: str = ""
    ) -> SlackHttpResponse:
        assert self.standin is not None
        # The payload as Slack puts it in an envelope: the JSON an HTTP request would carry.
        envelope = self.standin.socket_mode.new_envelope(
            kind, json.loads(json.dumps(payload)), retry_attempt=retry_attempt, retry_reason=retry_reason
        )
        return self._deliver(envelope)

    def _deliver(self, envelope: Envelope) -> SlackHttpResponse:
        assert self.standin is not None
        ack = self.standin.socket_mode.deliver(envelope, timeout=self.timeout)
        if ack is None:
            return SlackHttpResponse(504, {}, "no acknowledgement", envelope=envelope)
        body = json.dumps(ack.payload) if ack.payload else ""
        return SlackHttpResponse(200, {"Content-Type": "application/json"}, body, envelope=envelope)

    # -- identities --------------------------------------------------------------------------

    def _new_response_url(self) -> str:
        return self.standin.new_response_url() if self.standin else _DUMMY_RESPONSE_URL

    def _new_trigger_id(self) -> str:
        return self.standin.new_trigger_id() if self.standin else new_trigger_id()

    def _user_name(self, user_id: str) -> str:
        # Names come from the stand-in when it knows the user, so both sides tell the same story.
        try:
            return str(self.standin.user(user_id)["name"]) if self.standin else user_id.lower()
        except KeyError:
            return user_id.lower()

    def _channel(self, channel_id: str) -> JsonDict:
        fallback = "general" if channel_id == "C0GENERAL" else channel_id.lower()
        try:
            info = self.standin.channel(channel_id) if self.standin else {"name": fallback}
        except KeyError:
            info = {"name": fallback}
        return {"id": channel_id, "name": "directmessage" if info.get("is_im") else info["name"]}

    def _user(self, user_id: str) -> JsonDict:
        name = self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _common(self, kind: str, user_id: str) -> JsonDict:
        """Fields every interactivity payload carries."""
        return {
            "type": kind,
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": _VERIFICATION_TOKEN,
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # -- slash commands ----------------------------------------------------------------------

    def slash_command(
        self,
        user_id: str,
        text: str,
        command: str = "/collect",
        channel_id: str = "C0GENERAL",
        *,
        timestamp: int | None = None,
    ) -> SlackHttpResponse:
        """Send a slash command; the answer carries the response_url and trigger_id it used."""
        response_url, trigger_id = self._new_response_url(), self._new_trigger_id()
        fields = {
            "token": _VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": str(self._channel(channel_id)["name"]),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        reply = self._send_form(fields, timestamp)
        return _with(reply, response_url=response_url, trigger_id=trigger_id)

    # -- interactivity -----------------------------------------------------------------------

    def block_actions(
        self,
        user_id: str,
        actions: list[JsonDict],
        *,
        channel_id: str | None = None,
        message: JsonDict | None = None,
        container: JsonDict | None = None,
        view: JsonDict | None = None,
        state_values: JsonDict | None = None,
        timestamp: int | None = None,
    ) -> SlackHttpResponse:
        """A click (or select, or date pick) on a message or in a view.

        Each action needs at least `action_id`; block_id, type and text are filled in from the
        element with that action_id in the message's or view's blocks, and action_ts is added.
        A message from SlackStandIn.messages() knows its channel, so channel_id may be left out.
        """
        channel_id = channel_id or (message or {}).get("channel") or (container or {}).get("channel_id")
        payload = self._common("block_actions", user_id)
        payload["container"] = container or _container(channel_id, message, view)
        payload["trigger_id"] = trigger_id = self._new_trigger_id()
        blocks = (message or view or {}).get("blocks") or []
        payload["actions"] = [_complete_action(action, blocks) for action in actions]
        payload["state"] = {"values": state_values or {}}
        response_url = None
        if view is not None:
            # Slack sends no response_url for actions inside a view.
            payload["view"] = _with_state(view, state_values)
        else:
            payload["response_url"] = response_url = self._new_response_url()
        if channel_id:
            payload["channel"] = self._channel(channel_id)
        if message is not None:
            payload["message"] = message
        reply = self._send_payload(payload, timestamp)
        return _with(reply, response_url=response_url, trigger_id=trigger_id)

    def view_submission(
        self, user_id: str, view: JsonDict, values: JsonDict, *, timestamp: int | None = None
    ) -> SlackHttpResponse:
        """Submit a modal: `view` is the view the bot opened (as views.open returned it),
        `values` is state.values (block_id -> action_id -> {type, value | selected_...})."""
        payload = self._common("view_submission", user_id)
        payload["view"] = _with_state(view, values)
        payload["trigger_id"] = trigger_id = self._new_trigger_id()
        payload["response_urls"] = []
        return _with(self._send_payload(payload, timestamp), trigger_id=trigger_id)

    def view_closed(
        self,
        user_id: str,
        view: JsonDict,
        values: JsonDict | None = None,
        *,
        is_cleared: bool = False,
        timestamp: int | None = None,
    ) -> SlackHttpResponse:
        """Close a modal that was opened with notify_on_close."""
        payload = self._common("view_closed", user_id)
        payload["view"] = _with_state(view, values)
        payload["is_cleared"] = is_cleared
        return self._send_payload(payload, timestamp)

    def block_suggestion(
        self,
        user_id: str,
        action_id: str,
        block_id: str,
        value: str,
        view: JsonDict | None = None,
        *,
        channel_id: str | None = None,
        timestamp: int | None = None,
    ) -> SlackHttpResponse:
        """Ask for the options of an external select, as Slack does while the user types."""
        payload = self._common("block_suggestion", user_id)
        payload |= {"action_id": action_id, "block_id": block_id, "value": value}
        payload["container"] = _container(channel_id, None, view)
        if view is not None:
            payload["view"] = _with_state(view, None)
        if channel_id:
            payload["channel"] = self._channel(channel_id)
        return self._send_payload(payload, timestamp)

    def shortcut(self, user_id: str, callback_id: str, *, timestamp: int | None = None) -> SlackHttpResponse:
        """A global shortcut, as from the composer's shortcuts menu or search: no channel, no
        message, no response_url. The answer carries the trigger_id it used."""
        payload = self._common("shortcut", user_id)
        payload |= {
            "callback_id": callback_id,
            "trigger_id": (trigger_id := self._new_trigger_id()),
            "action_ts": f"{time.time():.6f}",
        }
        return _with(self._send_payload(payload, timestamp), trigger_id=trigger_id)

    def message_action(
        self,
        user_id: str,
        callback_id: str,
        message: JsonDict,
        *,
        channel_id: str | None = None,
        timestamp: int | None = None,
    ) -> SlackHttpResponse:
        """A message shortcut on `message` (from SlackStandIn.messages(), or one made up with at
        least `ts` and `text`): Slack sends the whole message, its channel and a response_url."""
        channel_id = channel_id or message.get("channel")
        if not channel_id:
            raise ValueError("a message shortcut needs the message's channel")
        payload = self._common("message_action", user_id)
        sent = {k: v for k, v in message.items() if k != "channel"}
        payload |= {
            "callback_id": callback_id,
            "trigger_id": (trigger_id := self._new_trigger_id()),
            "response_url": (response_url := self._new_response_url()),
            "action_ts": f"{time.time():.6f}",
            "message_ts": message.get("ts"),
            "channel": self._channel(channel_id),
            "message": {"type": "message", **sent},
        }
        reply = self._send_payload(payload, timestamp)
        return _with(reply, response_url=response_url, trigger_id=trigger_id)

    # -- events ------------------------------------------------------------------------------

    def event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
    ) -> SlackHttpResponse:
        """Deliver an Events API event; resend with the same event_id and retry_num=1.. to act as
        Slack's retries. The answer carries the event_id used."""
        event_id = event_id or f"Ev{secrets.token_hex(5).upper()}"
        now = int(time.time())
        envelope = {
            "token": _VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": {"event_ts": f"{now}.000100", **event},
            "type": "event_callback",
            "event_id": event_id,
            "event_time": now,
            "authorizations": [self._authorization()],
            "is_ext_shared_channel": False,
        }
        if self.socket_mode:
            sent = self._through_socket(
                "events_api",
                _without_team(envelope),
                retry_attempt=retry_num or 0,
                retry_reason=retry_reason or ("http_timeout" if retry_num else ""),
            )
            return _with(sent, event_id=event_id)
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra = {
                "X-Slack-Retry-Num": str(retry_num),
                "X-Slack-Retry-Reason": retry_reason or "http_timeout",
            }
        reply = self._send(json.dumps(_without_team(envelope)).encode(), "application/json", timestamp, extra)
        return _with(reply, event_id=event_id)

    def _authorization(self) -> JsonDict:
        return {
            "enterprise_id": None,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }


# ---------------------------------------------------------------------------------------------
# Payload pieces


_TEAM_KEYS = frozenset({"team", "team_id", "context_team_id"})


def _without_team(fields: Any) -> Any:
    """The request less its workspace ids when the sender has none (team_id=None), at any depth."""
    if isinstance(fields, list):
        return [_without_team(item) for item in fields]
    if not isinstance(fields, dict):
        return fields
    return {
        key: _without_team(value)
        for key, value in fields.items()
        if not (
            key in _TEAM_KEYS and (value is None or (isinstance(value, dict) and value.get("id") is None))
        )
    }


def _with(reply: SlackHttpResponse, **ids: str | None) -> SlackHttpResponse:
    return SlackHttpResponse(
        reply.status, reply.headers, reply.body, **ids, sent=reply.sent, envelope=reply.envelope
    )


def _container(channel_id: str | None, message: JsonDict | None, view: JsonDict | None) -> JsonDict:
    if view is not None:
        return {"type": "view", "view_id": view.get("id")}
    container: JsonDict = {"type": "message", "channel_id": channel_id, "is_ephemeral": False}
    if message is not None:
        container["message_ts"] = message.get("ts")
    return container


def _complete_action(action: JsonDict, blocks: Any) -> JsonDict:
    """Fill in what Slack would send about the clicked element, unless the caller set it."""
    found = next(_find_element(blocks, str(action.get("action_id"))), None)
    # Slack makes up a block_id when the bot set none, so there always is one.
    completed: JsonDict = {
        "type": "button",
        "block_id": secrets.token_hex(2),
        "action_ts": f"{time.time():.6f}",
    }
    if found is not None:
        block_id, element = found
        completed |= {k: element[k] for k in ("type", "text", "value") if k in element}
        completed["block_id"] = block_id or completed["block_id"]
    return completed | action


def _with_state(view: JsonDict, values: JsonDict | None) -> JsonDict:
    """The view as Slack sends it back: the bot's view plus ids and the user's input."""
    sent = copy.deepcopy(view)
    sent.setdefault("id", f"V{secrets.token_hex(4).upper()}")
    sent.setdefault("hash", f"{int(time.time())}.{secrets.token_hex(4)}")
    for name in ("callback_id", "private_metadata", "external_id"):
        sent.setdefault(name, "")
    sent["state"] = {"values": values or {}}
    return sent
