"""Slack's Socket Mode, as the stand-in speaks it: `apps.connections.open` (with the app-level
token) hands out a single-use `ws://127.0.0.1:PORT/link/?ticket=…`, and a WebSocket there speaks
Slack's envelope protocol: `hello` first, then envelopes (`slash_commands`, `interactive`,
`events_api`) the app acknowledges with `{"envelope_id", "payload"?}`, and `disconnect` when Slack
wants the app to move to a new connection.

The WebSocket itself (RFC 6455: the handshake, text frames, ping/pong, close) is written here on
the standard library, the server side only: what slack_sdk's builtin client needs, nothing more.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import itertools
import json
import logging
import secrets
import socket
import struct
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]

# RFC 6455 section 1.3: the GUID every server appends to the client's key.
_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OPCODE_CONTINUATION, OPCODE_TEXT, OPCODE_BINARY = 0x0, 0x1, 0x2
OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 0x8, 0x9, 0xA
CLOSE_NORMAL, CLOSE_GOING_AWAY, CLOSE_PROTOCOL_ERROR = 1000, 1001, 1002
# Slack's envelopes are kilobytes; a frame claiming more is not from a Slack client.
MAX_FRAME_BYTES = 1 << 20
ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})


class WebSocketError(Exception):
    """What came in is not a WebSocket frame this server accepts; the link is closed."""


def websocket_accept(key: str) -> str:
    """The Sec-WebSocket-Accept answering a client's Sec-WebSocket-Key (RFC 6455 section 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key.strip() + _WEBSOCKET_GUID).encode()).digest()).decode()


def encode_frame(opcode: int, payload: bytes, *, mask: bool = False) -> bytes:
    """One final frame. A server sends unmasked frames; a client must mask its own (`mask=True`)."""
    first = 0x80 | opcode
    length = len(payload)
    mask_bit = 0x80 if mask else 0
    if length < 126:
        header = struct.pack("!BB", first, mask_bit | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    if not mask:
        return header + payload
    key = secrets.token_bytes(4)
    return header + key + _unmask(payload, key)


def read_frame(stream: io.BufferedIOBase) -> tuple[bool, int, bytes]:
    """(final, opcode, payload) of the next frame from a client, unmasked. EOFError when the peer
    has gone; WebSocketError for a frame a client must not send (unmasked, oversized, reserved bits)."""
    first, second = _read_exactly(stream, 2)
    if first & 0x70:
        raise WebSocketError("reserved bits set without an extension")
    if not second & 0x80:
        raise WebSocketError("a client's frame must be masked")
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exactly(stream, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exactly(stream, 8))
    if length > MAX_FRAME_BYTES:
        raise WebSocketError(f"a frame of {length} bytes")
    opcode = first & 0x0F
    if opcode >= OPCODE_CLOSE and (length > 125 or not first & 0x80):
        raise WebSocketError("a control frame must be final and at most 125 bytes")
    key = _read_exactly(stream, 4)
    return bool(first & 0x80), opcode, _unmask(_read_exactly(stream, length), key)


def _unmask(data: bytes, key: bytes) -> bytes:
    # XOR with the 4-byte key repeated, as one big integer: fast enough for Slack's sizes.
    repeated = (key * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(data), "big")


def _read_exactly(stream: io.BufferedIOBase, count: int) -> bytes:
    data = stream.read(count) if count else b""
    if len(data) < count:
        raise EOFError("the peer closed the connection")
    return data


class SocketLink:
    """One WebSocket connection from the app, after the handshake."""

    def __init__(self, link_id: int, sock: socket.socket, stream: io.BufferedIOBase) -> None:
        self.link_id = link_id
        self._sock = sock
        self._stream = stream
        self._send_lock = threading.Lock()
        self.closed = threading.Event()
        self.pongs = 0
        # Pings go unanswered and nothing is sent: a link the network lost without closing it.
        self.silent = False

    def send_json(self, message: JsonDict) -> None:
        self._send(OPCODE_TEXT, json.dumps(message).encode())

    def ping(self, payload: bytes = b"standin") -> None:
        self._send(OPCODE_PING, payload)

    def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        """A close frame, as Slack closes a connection it asked the app to leave."""
        with contextlib.suppress(OSError):
            self._send(OPCODE_CLOSE, struct.pack("!H", code) + reason.encode()[:123])
        self.drop()

    def drop(self) -> None:
        """Gone without a word, as a network failure leaves it: the app must notice by itself."""
        self.closed.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._sock.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.closed.is_set():
            raise ConnectionError("the link is closed")
        with self._send_lock:
            self._sock.sendall(encode_frame(opcode, payload))

    def receive(self, on_text: Callable[[SocketLink, str], None]) -> None:
        """Read frames until the link closes: answer pings, echo a close, hand texts on."""
        parts: list[bytes] = []
        try:
            while not self.closed.is_set():
                final, opcode, payload = read_frame(self._stream)
                if opcode == OPCODE_PING:
                    if not self.silent:
                        self._send(OPCODE_PONG, payload)
                elif opcode == OPCODE_PONG:
                    self.pongs += 1
                elif opcode == OPCODE_CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else CLOSE_NORMAL
                    self.close(code)
                elif opcode in (OPCODE_TEXT, OPCODE_CONTINUATION):
                    parts.append(payload)
                    if final:
                        text, parts = b"".join(parts).decode("utf-8"), []
                        on_text(self, text)
                else:
                    raise WebSocketError(f"opcode {opcode:#x} is not spoken here")
        except WebSocketError as error:
            logger.warning("socket link %s: %s", self.link_id, error)
            with contextlib.suppress(OSError, ConnectionError):
                self.close(CLOSE_PROTOCOL_ERROR)
        except (EOFError, OSError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            self.drop()


@dataclass
class Acknowledgement:
    """What the app sent back for an envelope."""

    envelope_id: str
    payload: JsonDict | None
    link_id: int


@dataclass
class Envelope:
    """One envelope as the stand-in sent it, and its acknowledgement once it came."""

    envelope_id: str
    type: str
    payload: JsonDict
    accepts_response_payload: bool
    retry_attempt: int = 0
    retry_reason: str = ""
    sent_on: list[int] = field(default_factory=list)

    def message(self) -> JsonDict:
        sent: JsonDict = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":  # Slack counts the retries of events only
            sent |= {"retry_attempt": self.retry_attempt, "retry_reason": self.retry_reason}
        return sent


class NoConnectionError(Exception):
    """No app is connected to deliver an envelope to."""


class SocketModeHub:
    """The Socket Mode side of the stand-in: tickets, connections, envelopes and acknowledgements."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._links: dict[int, SocketLink] = {}
        self._ids = itertools.count(1)
        self._turn = itertools.count()
        self._acks: dict[str, list[Acknowledgement]] = {}
        self.envelopes: list[Envelope] = []
        self.opened = 0  # connections ever opened, for tests that count reconnections

    # -- apps.connections.open and the handshake ---------------------------------------------

    def new_ticket(self) -> str:
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        return ticket

    def take_ticket(self, ticket: str) -> bool:
        """A ticket opens one connection (Slack's URLs are single-use)."""
        with self._cond:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return True
            return False

    def serve_link(self, sock: socket.socket, stream: io.BufferedIOBase) -> None:
        """Runs on the HTTP handler's thread once the handshake is answered, until the link closes."""
        with self._cond:
            link = SocketLink(next(self._ids), sock, stream)
            self._links[link.link_id] = link
            self.opened += 1
            count = len(self._links)
            self._cond.notify_all()
        try:
            link.send_json(
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": {
                        "host": "standin-socket",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
            link.receive(self._on_text)
        except (OSError, ConnectionError):
            link.drop()
        finally:
            with self._cond:
                self._links.pop(link.link_id, None)
                self._cond.notify_all()

    def _on_text(self, link: SocketLink, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            logger.warning("socket link %s sent text that is not JSON", link.link_id)
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            return
        payload = message.get("payload")
        with self._cond:
            self._acks.setdefault(envelope_id, []).append(
                Acknowledgement(envelope_id, payload if isinstance(payload, dict) else None, link.link_id)
            )
            self._cond.notify_all()

    # -- what tests do -----------------------------------------------------------------------

    def connections(self) -> list[int]:
        with self._cond:
            return sorted(self._links)

    def wait_for_connections(
        self, count: int = 1, timeout: float = 10.0, *, opened: int | None = None
    ) -> None:
        """Until `count` links are open (and, with `opened`, that many were ever opened)."""
        with self._cond:
            if not self._cond.wait_for(
                lambda: len(self._links) >= count and (opened is None or self.opened >= opened), timeout
            ):
                raise AssertionError(
                    f"expected {count} Socket Mode connection(s) (opened {opened}) within {timeout}s;"
                    f" {len(self._links)} open, {self.opened} opened"
                )

    def recorded_envelope(self, message: JsonDict) -> tuple[Envelope, JsonDict]:
        """A message written out elsewhere (Slack's documented shape), to deliver(raw=...) as it is."""
        envelope = Envelope(
            envelope_id=str(message["envelope_id"]),
            type=str(message["type"]),
            payload=dict(message["payload"]),
            accepts_response_payload=bool(message.get("accepts_response_payload")),
        )
        return envelope, message

    def new_envelope(
        self,
        kind: str,
        payload: JsonDict,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Envelope:
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"no envelope type {kind!r}")
        return Envelope(
            envelope_id=str(uuid.uuid4()),
            type=kind,
            payload=payload,
            # Slack takes a payload back for commands and interactions, not for events.
            accepts_response_payload=kind != "events_api",
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    def deliver(
        self,
        envelope: Envelope,
        *,
        link_id: int | None = None,
        timeout: float = 10.0,
        raw: JsonDict | None = None,
    ) -> Acknowledgement | None:
        """Send the envelope on one connection (in turn, as Slack spreads them, or `link_id`) and
        wait for its acknowledgement; None when none came within `timeout`. The same Envelope
        delivered again is Slack's re-delivery: the same envelope_id. `raw` is sent instead of the
        envelope's own message, as written (a recorded shape), with the same envelope_id."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._links), timeout):
                raise NoConnectionError("no app is connected over Socket Mode")
            if link_id is None:
                ids = sorted(self._links)
                link_id = ids[next(self._turn) % len(ids)]
            link = self._links[link_id]
            already = len(self._acks.get(envelope.envelope_id, []))
            envelope.sent_on.append(link_id)
            if envelope not in self.envelopes:
                self.envelopes.append(envelope)
        link.send_json(envelope.message() if raw is None else raw)
        with self._cond:
            if not self._cond.wait_for(
                lambda: len(self._acks.get(envelope.envelope_id, [])) > already, timeout
            ):
                return None
            return self._acks[envelope.envelope_id][already]

    def acknowledgements(self, envelope_id: str) -> list[Acknowledgement]:
        with self._cond:
            return list(self._acks.get(envelope_id, []))

    def disconnect(self, reason: str = "refresh_requested", *, link_id: int | None = None) -> None:
        """Slack's `disconnect` message (warning, refresh_requested, link_disabled) on one link or all;
        the link stays open until close() or drop(): the app should open its next one first."""
        for link in self._chosen(link_id):
            with contextlib.suppress(OSError, ConnectionError):
                link.send_json(
                    {"type": "disconnect", "reason": reason, "debug_info": {"host": "standin-socket"}}
                )

    def close(self, *, link_id: int | None = None) -> None:
        """Close links with a close frame, as Slack ends a refreshed connection."""
        for link in self._chosen(link_id):
            link.close(CLOSE_GOING_AWAY)

    def silence(self, *, link_id: int | None = None) -> None:
        """Links stop answering pings but stay open: a network gone quiet, which only the app's
        pings can tell."""
        for link in self._chosen(link_id):
            link.silent = True

    def drop(self, *, link_id: int | None = None) -> None:
        """Cut links without a close frame: a network failure the app must notice by itself."""
        for link in self._chosen(link_id):
            link.drop()

    def stop(self) -> None:
        self.drop()

    def _chosen(self, link_id: int | None) -> list[SocketLink]:
        with self._cond:
            return [link for found, link in self._links.items() if link_id is None or found == link_id]
