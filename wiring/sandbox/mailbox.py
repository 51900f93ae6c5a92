"""The sandbox's mail server: a real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what the bot
sends to customers, so the emails go through the outbox exactly as in production and a newcomer
sees them arrive. Nothing leaves the machine."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

SENDER = "Sandbox Credit Co. <collections@sandbox.example>"


@dataclass(frozen=True, slots=True)
class ReceivedEmail:
    at: datetime
    to: tuple[str, ...]
    subject: str
    content: bytes
    """The message as it arrived, headers and attachments included."""


class SandboxMailbox:
    """Started and stopped with the sandbox; `smtp_url` is what COLLECT_SMTP_URL points at."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._received: list[ReceivedEmail] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=_free_port())
        self._started = False

    @property
    def smtp_url(self) -> str:
        return f"smtp://127.0.0.1:{self._controller.port}"

    def start(self) -> SandboxMailbox:
        self._controller.start()
        self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._controller.stop()
            self._started = False

    def received(self) -> list[ReceivedEmail]:
        with self._lock:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedEmail]:
        """What arrived once `count` emails have (or `timeout` seconds passed): the sandbox's own
        scheduler may be the one delivering, on its thread."""
        with self._lock:
            self._lock.wait_for(lambda: len(self._received) >= count, timeout)
            return list(self._received)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        subject = str(message_from_bytes(content, policy=default_policy)["Subject"] or "")
        with self._lock:
            self._received.append(
                ReceivedEmail(datetime.now(UTC), tuple(envelope.rcpt_tos), subject, content)
            )
            self._lock.notify_all()
        return "250 OK"


def _free_port() -> int:
    # aiosmtpd's Controller needs a number before it starts; the OS picks one nobody uses.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
