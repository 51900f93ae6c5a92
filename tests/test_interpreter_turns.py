"""How often the serving process's threads take turns at the interpreter (handlers.interpreter_turns):
short while an App Home is rebuilt, always on SQLite, Python's own otherwise."""

from __future__ import annotations

import queue
import sys
from collections.abc import Iterator

import pytest

from bot.clock import ManualClock
from handlers.home_refresh import HomeRefresher
from handlers.interpreter_turns import SHORT_SWITCH_INTERVAL, ShortTurns
from storage.database import Database
from tests.conftest import RunningBot, make_runtime
from tests.test_home_refresh import Clock
from wiring.socket_mode import SocketModeBot
from wiring.standin.web_api import SlackStandIn

PYTHONS_OWN = 0.005


@pytest.fixture
def pythons_own_turns() -> Iterator[None]:
    """Python's own interval to start from (a SQLite app built earlier in the session shortens it
    for the process), and whatever was there put back after."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(PYTHONS_OWN)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("pythons_own_turns")
def test_while_a_home_is_rebuilt_the_request_threads_get_the_interpreter_back_soon() -> None:
    seen: queue.Queue[float] = queue.Queue()
    refresher = HomeRefresher(lambda _user: seen.put(sys.getswitchinterval()), clock=Clock())
    try:
        refresher.request("U0ANA")
        assert seen.get(timeout=5) == pytest.approx(SHORT_SWITCH_INTERVAL)
    finally:
        refresher.stop()
    assert sys.getswitchinterval() == pytest.approx(PYTHONS_OWN)


@pytest.mark.usefixtures("pythons_own_turns")
def test_turns_held_by_two_that_leave_out_of_order_end_with_the_last_one() -> None:
    """Two refreshers' rebuilds overlapping, the first ending while the second still runs: the
    turns stay short until the last one ends, then the process's own interval is back."""
    turns = ShortTurns()
    first, second = turns.held(), turns.held()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(SHORT_SWITCH_INTERVAL)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(PYTHONS_OWN)


@pytest.mark.usefixtures("pythons_own_turns")
def test_a_process_serving_sqlite_takes_short_turns_throughout_and_postgresql_its_own(
    bot: RunningBot,
) -> None:
    """On SQLite the writers take turns on one connection and each lets go of the interpreter for
    every SQLite call: waiting Python's 5 ms to get it back held all the other writers up."""
    from wiring.app import create_wsgi_app

    create_wsgi_app(bot.runtime)
    expected = SHORT_SWITCH_INTERVAL if bot.runtime.db.is_sqlite else PYTHONS_OWN
    assert sys.getswitchinterval() == pytest.approx(expected)


@pytest.mark.usefixtures("pythons_own_turns")
def test_a_process_serving_sqlite_over_socket_mode_takes_short_turns_throughout_too(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> None:
    """The writers' turn is the same whichever way Slack's requests come in."""
    runtime = make_runtime(db, database_url, standin, clock, SLACK_APP_TOKEN=standin.app_token)
    socket = SocketModeBot(runtime)
    try:
        expected = SHORT_SWITCH_INTERVAL if db.is_sqlite else PYTHONS_OWN
        assert sys.getswitchinterval() == pytest.approx(expected)
    finally:
        socket.answerer.shutdown()
