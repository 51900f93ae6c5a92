"""The stand-in's Socket Mode side, against a hand-made WebSocket client on a raw socket: the RFC
6455 handshake and framing, the single-use ticket from apps.connections.open (app token only), and
Slack's messages: hello, envelopes and their acknowledgements, disconnect, close."""

from __future__ import annotations

import io
import json
import socket
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from wiring.standin.socket_mode import (
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    WebSocketError,
    encode_frame,
    read_frame,
    websocket_accept,
)
from wiring.standin.web_api import APP_ID, SlackStandIn


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(token="xoxb-bot", app_token="xapp-1-app") as standin:
        yield standin


def socket_url(slack: SlackStandIn) -> str:
    return str(WebClient(base_url=slack.api_url).apps_connections_open(app_token=slack.app_token)["url"])


class RawClient:
    """A WebSocket client by hand: what a test needs to see each frame the stand-in sends."""

    def __init__(self, url: str, *, key: str = "dGhlIHNhbXBsZSBub25jZQ==") -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.stream = self.sock.makefile("rb")
        self.status_line = self.stream.readline().decode()
        self.headers: dict[str, str] = {}
        while (line := self.stream.readline().decode().strip()) != "":
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def send(self, opcode: int, payload: bytes) -> None:
        self.sock.sendall(encode_frame(opcode, payload, mask=True))

    def receive(self) -> tuple[int, bytes]:
        """The next frame from the server (unmasked, as a server sends them)."""
        first, second = self.stream.read(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.stream.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.stream.read(8))
        assert not second & 0x80, "a server's frames are not masked"
        return first & 0x0F, self.stream.read(length)

    def receive_json(self) -> Any:
        opcode, payload = self.receive()
        assert opcode == OPCODE_TEXT
        return json.loads(payload)

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def test_the_accept_key_is_rfc_6455s() -> None:
    # The worked example of RFC 6455 section 1.3.
    assert websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_a_masked_frame_reads_back_whole_at_every_length_encoding(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    final, opcode, read = read_frame(io.BytesIO(encode_frame(OPCODE_TEXT, payload, mask=True)))
    assert (final, opcode, read) == (True, OPCODE_TEXT, payload)


def test_frames_a_client_must_not_send_are_refused() -> None:
    with pytest.raises(WebSocketError, match="masked"):
        read_frame(io.BytesIO(encode_frame(OPCODE_TEXT, b"hi")))
    with pytest.raises(WebSocketError, match="control frame"):
        read_frame(io.BytesIO(encode_frame(OPCODE_PING, b"x" * 126, mask=True)))
    with pytest.raises(WebSocketError, match="bytes"):
        read_frame(io.BytesIO(b"\x81\xff" + struct.pack("!Q", 1 << 40)))
    with pytest.raises(EOFError):
        read_frame(io.BytesIO(encode_frame(OPCODE_TEXT, b"cut short", mask=True)[:-3]))


def test_the_handshake_says_hello_and_pings_are_answered(slack: SlackStandIn) -> None:
    client = RawClient(socket_url(slack))
    try:
        assert client.status_line.startswith("HTTP/1.1 101")
        assert client.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        hello = client.receive_json()
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": APP_ID}
        client.send(OPCODE_PING, b"are you there")
        assert client.receive() == (OPCODE_PONG, b"are you there")
    finally:
        client.close()


def test_an_envelope_is_acknowledged_with_its_payload(slack: SlackStandIn) -> None:
    client = RawClient(socket_url(slack))
    hub = slack.socket_mode
    try:
        client.receive_json()  # hello
        envelope = hub.new_envelope("slash_commands", {"command": "/collect", "text": "help"})
        answered: list[Any] = []

        def app() -> None:
            sent = client.receive_json()
            answered.append(sent)
            reply = {"envelope_id": sent["envelope_id"], "payload": {"text": "Here is the help"}}
            client.send(OPCODE_TEXT, json.dumps(reply).encode())

        import threading

        thread = threading.Thread(target=app)
        thread.start()
        ack = hub.deliver(envelope, timeout=5)
        thread.join()
        assert answered[0] == {
            "envelope_id": envelope.envelope_id,
            "type": "slash_commands",
            "payload": {"command": "/collect", "text": "help"},
            "accepts_response_payload": True,
        }
        assert ack is not None and ack.payload == {"text": "Here is the help"}
        assert not hub.new_envelope("events_api", {}).accepts_response_payload
    finally:
        client.close()


def test_an_unacknowledged_envelope_gives_none(slack: SlackStandIn) -> None:
    client = RawClient(socket_url(slack))
    try:
        client.receive_json()
        assert (
            slack.socket_mode.deliver(slack.socket_mode.new_envelope("interactive", {}), timeout=0.2) is None
        )
    finally:
        client.close()


def test_disconnect_and_close_are_slacks(slack: SlackStandIn) -> None:
    client = RawClient(socket_url(slack))
    try:
        client.receive_json()
        slack.socket_mode.disconnect("refresh_requested")
        assert client.receive_json() == {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "standin-socket"},
        }
        slack.socket_mode.close()
        opcode, payload = client.receive()
        assert opcode == OPCODE_CLOSE and struct.unpack("!H", payload[:2]) == (1001,)
    finally:
        client.close()


def test_a_close_from_the_app_is_echoed_and_the_link_ends(slack: SlackStandIn) -> None:
    client = RawClient(socket_url(slack))
    try:
        client.receive_json()
        slack.socket_mode.wait_for_connections(1)
        client.send(OPCODE_CLOSE, struct.pack("!H", 1000))
        assert client.receive() == (OPCODE_CLOSE, struct.pack("!H", 1000))
        assert client.stream.read(1) == b""
    finally:
        client.close()


def test_a_ticket_opens_one_connection(slack: SlackStandIn) -> None:
    url = socket_url(slack)
    first = RawClient(url)
    second = RawClient(url)
    try:
        assert first.status_line.startswith("HTTP/1.1 101")
        assert second.status_line.split()[1] == "401"
        forged = RawClient(url.replace("ticket=", "ticket=x"))
        assert forged.status_line.split()[1] == "401"
        forged.close()
    finally:
        first.close()
        second.close()


def test_only_the_app_token_opens_connections(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.api_url)
    for token, error in (("xoxb-bot", "not_allowed_token_type"), ("xapp-1-other", "invalid_auth")):
        with pytest.raises(SlackApiError) as refused:
            client.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=slack.app_token, base_url=slack.api_url).auth_test()
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert socket_url(slack).startswith("ws://127.0.0.1:")
