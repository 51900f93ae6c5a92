"""How often the serving process's threads take turns at the interpreter.

A request thread whose database answered waits for the interpreter until the thread holding it
lets go, by default up to 5 ms (Python's switch interval). Two holders make those waits count:

* an App Home rebuild holds it for a millisecond or two at a stretch, and those waits were the
  slowest 1% of pays at 200 a second (bench_load --rate 200 on PostgreSQL: p99 8.9 ms with the
  refreshes, 5.3 ms without them, 7.5 ms with the short turns);
* on SQLite the writers take turns on one connection, and a writer lets go of the interpreter for
  each SQLite call: waiting up to 5 ms to get it back, it held every other writer up (bench_load
  on SQLite, closed loop: 0.58 of the floor with Python's interval, 0.73 with the short turns).

So the threads take turns every SHORT_SWITCH_INTERVAL at most while a Home is rebuilt, and always
in a process serving SQLite; not always on PostgreSQL, where the turns that often cost the request
threads about a tenth of their CPU under load (in process, 8 threads: 1.39 against 1.23 ms a pay)
and its pays waited behind nothing but the rebuilds.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SHORT_SWITCH_INTERVAL = 0.0005


def take_short_turns_throughout() -> None:
    """For a process serving SQLite (see above)."""
    sys.setswitchinterval(SHORT_SWITCH_INTERVAL)


class ShortTurns:
    """While any holder is inside held(), the process's threads take turns every
    SHORT_SWITCH_INTERVAL at most; the interval it had is put back when the last one leaves (one
    Home refresher a serving process, but tests and the sandbox run several)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._outside = sys.getswitchinterval()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._inside == 0:
                self._outside = sys.getswitchinterval()
                sys.setswitchinterval(SHORT_SWITCH_INTERVAL)
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
                if self._inside == 0:
                    sys.setswitchinterval(self._outside)


SHORT_TURNS = ShortTurns()
