"""APScheduler drives the jobs inside `collect-bot serve`, in the team's time zone.

One interval job ticks every minute: it runs whatever is due (each job knows its own time and
period) and delivers queued messages. A tick also runs at start-up, which is how a digest missed
while the bot was down goes out when it comes back the same day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.job_runs import JobReport
from bot.outbox.job import PROCESS_NAME
from bot.runtime import Runtime
from schedules.runner import tick

log = logging.getLogger(__name__)

TICK = timedelta(minutes=1)


def start_scheduler(
    runtime: Runtime,
    *,
    first_tick_at: datetime | None = None,
    after_jobs: Callable[[list[JobReport]], None] | None = None,
    ticking: Callable[[], None] | None = None,
) -> BackgroundScheduler:
    """`ticking` replaces the minute's tick (the sandbox runs it in turn with its clock's moves)."""
    scheduler = BackgroundScheduler(timezone=runtime.zone)
    scheduler.add_job(
        ticking or _safe_tick,
        IntervalTrigger(seconds=int(TICK.total_seconds()), timezone=runtime.zone),
        args=[] if ticking else [runtime, after_jobs],
        id="collect-bot-tick",
        next_run_time=first_tick_at or datetime.now(runtime.zone),
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler


def _safe_tick(runtime: Runtime, after_jobs: Callable[[list[JobReport]], None] | None) -> None:
    try:
        tick(runtime, by=f"scheduler@{PROCESS_NAME}", after_jobs=after_jobs)
    except Exception:
        # A bad tick (the database restarting, say) must not stop the next one.
        log.exception("scheduler tick failed; the next tick retries")
