"""Refreshing people's App Home after their changes, without ever delaying an answer: one
low-priority thread of its own, at most one refresh waiting per person, and at most one refresh
per person every REFRESH_INTERVAL seconds. The first change after a quiet spell shows at once; a
burst of changes costs one more rebuild, made when the interval is over, so the Home always ends
up showing the last of them.

Slack allows `views.publish` about PUBLISHES_PER_MINUTE times a minute per workspace (tier 4), so
the refreshes of the whole team also share that budget, earliest waiting first: on a busy morning
a Home shows a change a little later instead of Slack refusing the bot's calls. Opening the Home
always publishes at once (the person is looking) and spends from the same budget.

A supervisor's Home shows the whole team's day, so it is kept up to date after everyone's changes:
each change also asks for a refresh of the supervisors who opened their Home in the last
WATCHING_SECONDS (their Home published the team's day), through the same interval and budget, so a
busy team costs each of them one rebuild every REFRESH_INTERVAL at most."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable

from bot.job_runs import JobReport
from handlers.interpreter_turns import SHORT_TURNS

log = logging.getLogger(__name__)

# Somebody working through their list changes it every minute or so; a Home rebuilt more often
# than this for one person is work nobody sees.
REFRESH_INTERVAL = 5.0

# Slack's tier 4 is "100+ a minute" with bursts; the budget is per process (several `serve`
# processes each have one, and the Web API client waits out a 429 if Slack still says no).
PUBLISHES_PER_MINUTE = 100
PUBLISH_BURST = 20

# A working day: someone who opened the team's Home this morning still sees it live this
# afternoon; one who has not opened it since yesterday sees it rebuilt when they next open it.
WATCHING_SECONDS = 10 * 3600.0


class PublishBudget:
    """A token bucket: `burst` publishes at once, then `per_minute` a minute."""

    def __init__(self, per_minute: float, burst: int, now: float) -> None:
        self._per_second = per_minute / 60.0
        self._burst = float(burst)
        self._tokens = float(burst)
        self._at = now

    def seconds_until_one(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self._per_second

    def spend(self, now: float) -> None:
        """May go below zero (a Home opened when the budget is spent): later refreshes wait longer."""
        self._refill(now)
        self._tokens -= 1.0

    def _refill(self, now: float) -> None:
        self._tokens = min(self._burst, self._tokens + max(0.0, now - self._at) * self._per_second)
        self._at = max(self._at, now)


class HomeRefresher:
    def __init__(
        self,
        publish: Callable[[str], bool | None],
        interval: float = REFRESH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        per_minute: float = PUBLISHES_PER_MINUTE,
        burst: int = PUBLISH_BURST,
    ) -> None:
        self._publish = publish
        self._interval = interval
        self._clock = clock
        self._budget = PublishBudget(per_minute, burst, clock())
        self._due: dict[str, float] = {}  # person -> when their refresh may run
        self._last: dict[str, float] = {}  # person -> when their Home was last rebuilt
        self._watching: dict[str, float] = {}  # supervisor -> when they opened the team's Home
        self._condition = threading.Condition()
        # When the refresh thread, waiting, wakes by itself; -inf while it is not waiting (it looks
        # at every refresh asked for before it waits again). A request due no sooner need not wake
        # it: waking it for nothing after every pay and log cost more than the rest of the request.
        self._wakes_at = -math.inf
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="collect-home-refresh", daemon=True)
        self._thread.start()

    def request(self, user: str) -> None:
        """After `user`'s change: their Home, and the Homes of the supervisors watching the team."""
        with self._condition:
            soonest = min(self._ask_watchers(), self._ask(user))
            # Woken also when its time has come by this clock (a test's, moved by hand).
            if soonest < self._wakes_at or self._clock() >= self._wakes_at:
                self._condition.notify()

    def team_changed(self) -> None:
        """After a scheduled job changed the team's day (the morning's lists, an alert run): the
        Homes of the supervisors watching it."""
        with self._condition:
            self._ask_watchers()
            self._condition.notify()

    def jobs_ran(self, reports: Iterable[JobReport]) -> None:
        """After scheduled jobs that did something: the team's watchers, and whoever a job named."""
        with self._condition:
            self._ask_watchers()
            for report in reports:
                for user in report.homes:
                    self._ask(user)
            self._condition.notify()

    def _ask_watchers(self) -> float:
        """When the soonest refresh newly asked for is due (inf: none)."""
        now = self._clock()
        soonest = math.inf
        for watcher, since in list(self._watching.items()):
            if now - since > WATCHING_SECONDS:
                del self._watching[watcher]
            else:
                soonest = min(soonest, self._ask(watcher))
        return soonest

    def _ask(self, user: str) -> float:
        """When the refresh newly asked for is due; inf when one was waiting already."""
        if user in self._due:
            return math.inf
        due = self._due[user] = self._last.get(user, -self._interval) + self._interval
        return due

    def watching(self, user: str, team: bool) -> None:
        """What `user`'s Home showed when they opened it: the team's day (`team`) is kept up to
        date after other people's changes; their own list only after their own."""
        with self._condition:
            if team:
                self._watching[user] = self._clock()
            else:
                self._watching.pop(user, None)

    def watchers(self) -> list[str]:
        with self._condition:
            return sorted(self._watching)

    def opened(self, user: str) -> None:
        """The person opened their Home, which is published at once: it counts as their refresh."""
        with self._condition:
            now = self._clock()
            self._budget.spend(now)
            self._last[user] = now

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
                    self._wakes_at = math.inf
                    self._condition.wait()
                    self._wakes_at = -math.inf
                    continue
                user, due = min(self._due.items(), key=lambda item: item[1])
                now = self._clock()
                wait = max(due - now, self._budget.seconds_until_one(now))
                if wait > 0 and not self._stopping:  # stopping: what waits is published at once
                    self._wakes_at = now + wait
                    self._condition.wait(wait)
                    self._wakes_at = -math.inf
                    continue
                self._budget.spend(now)
                del self._due[user]
                self._last[user] = now  # before the rebuild: a change made during it is refreshed again
                return user

    def _run(self) -> None:
        while (user := self._next()) is not None:
            try:
                with SHORT_TURNS.held():  # a rebuild holds the interpreter for a millisecond or two
                    team = self._publish(user)
            except Exception:
                log.exception("could not refresh the App Home of %s", user)
                continue
            if team is False:
                with self._condition:  # no longer supervising: their Home is their own list again
                    self._watching.pop(user, None)

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout=5)
