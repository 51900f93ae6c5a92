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


def test_the_team_shares_slacks_publish_budget_earliest_waiting_first() -> None:
    published: queue.Queue[str] = queue.Queue()
    clock = Clock()
    refresher = HomeRefresher(published.put, interval=5.0, clock=clock, per_minute=1, burst=2)
    try:
        for user in ("U0ANA", "U0BRUNO", "U0CARLA", "U0DIDI"):
            refresher.request(user)
        assert [published.get(timeout=5), published.get(timeout=5)] == ["U0ANA", "U0BRUNO"]
        assert refresher.waiting() == ["U0CARLA", "U0DIDI"] and published.empty()
        clock.now += 60.0  # one more publish earned
        refresher.request("U0CARLA")  # wakes the refresher; Carla was already waiting
        assert published.get(timeout=5) == "U0CARLA"
        assert refresher.waiting() == ["U0DIDI"] and published.empty()
    finally:
        refresher.stop()


def test_opening_the_home_spends_from_the_budget_and_counts_as_the_refresh() -> None:
    published: queue.Queue[str] = queue.Queue()
    clock = Clock()
    refresher = HomeRefresher(published.put, interval=5.0, clock=clock, per_minute=1, burst=1)
    try:
        refresher.opened("U0ANA")  # published by the event handler itself
        refresher.request("U0BRUNO")
        refresher.request("U0ANA")
        assert refresher.waiting() == ["U0ANA", "U0BRUNO"] and published.empty()
        clock.now += 60.0
        refresher.request("U0BRUNO")
        assert published.get(timeout=5) == "U0BRUNO"  # Ana's refresh came due later (her interval)
        clock.now += 60.0
        refresher.request("U0ANA")
        assert published.get(timeout=5) == "U0ANA"
    finally:
        refresher.stop()
