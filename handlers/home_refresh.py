"""Refreshing people's App Home after their changes, without ever delaying an answer: one
low-priority thread of its own, and at most one refresh waiting per person (a burst of changes
costs one rebuild, made after the last of them)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class HomeRefresher:
    def __init__(self, publish: Callable[[str], None]) -> None:
        self._publish = publish
        self._waiting: dict[str, None] = {}  # insertion-ordered set of people to refresh
        self._condition = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="collect-home-refresh", daemon=True)
        self._thread.start()

    def request(self, user: str) -> None:
        with self._condition:
            self._waiting[user] = None
            self._condition.notify()

    def _next(self) -> str | None:
        with self._condition:
            while not self._waiting and not self._stopping:
                self._condition.wait()
            if not self._waiting:
                return None
            user = next(iter(self._waiting))
            del self._waiting[user]
            return user

    def _run(self) -> None:
        while (user := self._next()) is not None:
            try:
                self._publish(user)
            except Exception:
                log.exception("could not refresh the App Home of %s", user)

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout=5)
