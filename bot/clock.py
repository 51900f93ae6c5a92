"""The bot's notion of now. Services take `now` as a value; the app asks its clock once per request.

The sandbox moves its clock forward to show a day passing, and tests pin it, so nothing reads
the system time directly.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told to move, optionally offset from the system time."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._at = at.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._at += delta


def team_today(now: datetime, zone: ZoneInfo) -> date:
    """The team's zone decides what day it is."""
    return now.astimezone(zone).date()


class ShiftedClock:
    """The system time moved forward by an offset that grows when the sandbox's user moves it on,
    so the sandbox can show a day passing without waiting for it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0) if start is None else start.astimezone(UTC) - datetime.now(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta
