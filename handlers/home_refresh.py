"""Refreshing people's App Home after their changes, without ever delaying an answer: one
low-priority thread of its own, at most one refresh waiting per person, and at most one refresh
per person every REFRESH_INTERVAL seconds. The first change after a quiet spell shows at once; a
burst of changes costs one more rebuild, made when the interval is over, so the Home always ends
up showing the last of them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# Somebody working through their list changes it every minute or so; a Home rebuilt more often
# than this for one person is work nobody sees.
REFRESH_INTERVAL = 5.0


class HomeRefresher:
    def __init__(
        self,
        publish: Callable[[str], None],
        interval: float = REFRESH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._publish = publish
        self._interval = interval
        self._clock = clock
        self._due: dict[str, float] = {}  # person -> when their refresh may run
        self._last: dict[str, float] = {}  # person -> when their Home was last rebuilt
        self._condition = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="collect-home-refresh", daemon=True)
        self._thread.start()

    def request(self, user: str) -> None:
        with self._condition:
            if user not in self._due:
                self._due[user] = self._last.get(user, -self._interval) + self._interval
            self._condition.notify()

    def waiting(self) -> list[str]:
        """Whose refresh waits for their interval to end."""
        with self._condition:
            return sorted(self._due)

    def _next(self) -> str | None:
        with self._condition:
            while True:
                if not self._due:
                    if self._stopping:
                        return None
                    self._condition.wait()
                    continue
                user, due = min(self._due.items(), key=lambda item: item[1])
                now = self._clock()
                if due > now and not self._stopping:  # stopping: what waits is published at once
                    self._condition.wait(due - now)
                    continue
                del self._due[user]
                self._last[user] = now  # before the rebuild: a change made during it is refreshed again
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
