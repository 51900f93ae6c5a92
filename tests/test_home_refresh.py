"""The App Home refresher: the first change after a quiet spell shows at once, a burst costs one
more rebuild when the interval is over, and people do not wait for each other."""

from __future__ import annotations

import queue

from handlers.home_refresh import HomeRefresher


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_changes_costs_one_more_rebuild_after_the_interval() -> None:
    published: queue.Queue[str] = queue.Queue()
    clock = Clock()
    refresher = HomeRefresher(published.put, interval=5.0, clock=clock)
    try:
        refresher.request("U0ANA")
        assert published.get(timeout=5) == "U0ANA"  # at once
        for _ in range(3):
            refresher.request("U0ANA")
        refresher.request("U0BRUNO")  # somebody else is not held back by Ana's interval
        assert published.get(timeout=5) == "U0BRUNO"
        assert refresher.waiting() == ["U0ANA"] and published.empty()  # the clock has not moved
        clock.now += 5.0
        refresher.request("U0ANA")  # still one waiting refresh, now due
        assert published.get(timeout=5) == "U0ANA"
        assert refresher.waiting() == [] and published.empty()
    finally:
        refresher.stop()


def test_stopping_publishes_what_waits_instead_of_dropping_it() -> None:
    published: queue.Queue[str] = queue.Queue()
    refresher = HomeRefresher(published.put, interval=60.0, clock=Clock())
    refresher.request("U0ANA")
    assert published.get(timeout=5) == "U0ANA"
    refresher.request("U0ANA")
    refresher.stop()
    assert published.get_nowait() == "U0ANA"
