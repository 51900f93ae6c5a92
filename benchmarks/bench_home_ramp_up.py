"""Time the supervisor's App Home's "new agents" part (bot.coaching.records.ramp_up): each new
agent's first weeks against the team's ramp-up, up to 56 week reports per refresh.

    python benchmarks/bench_home_ramp_up.py [--accounts 200000] [--contacts 1000000] [--agents 500]
        [--new 8] [--earlier 6] [--runs 3] [--sqlite PATH] [--postgres URL] [--keep]

The ledger is bench_digest.py's (the same generator and seed: a year of contacts, payments and
promises of --agents agents on --accounts accounts, `now` Monday 23 November 2026, 17:30 in New
York), cached in its own SQLite file; then a copy of it has --new agents joined on different days of
the last 8 weeks and --earlier agents joined on different days of the ledger's year (so the
ramp-up is "history": the median of their own weeks 1 to 8). With --postgres URL the same rows are
copied into a throwaway database on that server (bench_home_ramp_up_<pid>), dropped afterwards
unless --keep.

Timed, on each database: a refresh without the day's memory (every closed week's report read: what
the first refresh of a day costs), then --runs refreshes with the memory warm (only the weeks still
running are read, as their agents' lines: lines_over_days), then those running weeks built as
before, each a whole report of the team's week. The figures of all are compared: the exit status is
1 when they differ, or when a warm refresh (best run) takes over --goal-ms.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.bench_digest import NOW, TODAY, ZONE, LedgerSpec, build_sqlite, copy_to_postgres
from benchmarks.portfolio_data import is_cached
from benchmarks.scratch_postgres import libpq_url, throwaway_postgres
from bot.coaching.model import ClosedWeeks, RampUp
from bot.coaching.records import ramp_up
from bot.coaching.rules import ramp_week, team_median
from bot.reports.records.numbers import build_report
from bot.settings import Settings, load_settings
from storage.database import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

GOAL_MS = 100.0


def joined(path: Path, new: int, earlier: int) -> None:
    """Agents 1..new joined in the last 8 weeks, each on a day of its own (so each has weeks of its
    own: the most week reports a refresh reads); the next `earlier` joined 20 to 40 weeks ago."""
    with sqlite3.connect(path) as connection:
        for number in range(1, new + 1):
            day = NOW - timedelta(days=6 * number + 1)
            connection.execute("UPDATE agents SET created_at = ? WHERE id = ?", (_instant(day), number))
        for number in range(new + 1, new + earlier + 1):
            day = NOW - timedelta(weeks=20 + 3 * (number - new), days=number)
            connection.execute("UPDATE agents SET created_at = ? WHERE id = ?", (_instant(day), number))


def _instant(moment: datetime) -> str:
    """SQLite's form of an instant, as bench_digest.py writes them: naive UTC text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def as_before(session: Session, settings: Settings, shown: RampUp) -> tuple[bool, float]:
    """The weeks still running built as before lines_over_days, each a whole report of the team's
    week (what every refresh read): the time it takes, and whether each week shown is the same."""
    same = True
    started = time.perf_counter()
    for agent in shown.agents:
        for week in agent.weeks:
            last = week.first_day + timedelta(days=6)
            if last < TODAY:
                continue
            report = build_report(
                session, "day", week.first_day, settings, NOW, last_day=last, portfolio_figures=False
            )
            basis = shown.by_week if shown.basis == "history" else {week.week: team_median(report)}
            same = same and ramp_week(week.week, report, agent.agent_id, basis) == week
    return same, time.perf_counter() - started


def measure(label: str, url: str, runs: int) -> tuple[bool, float, float]:
    settings = load_settings(_env_file=None, DATABASE_URL=url, COLLECT_TIMEZONE=ZONE)
    db = Database(url)
    memory = ClosedWeeks()
    try:
        with db.reading() as session:
            started = time.perf_counter()
            every_week = ramp_up(session, settings, TODAY, NOW)
            cold = time.perf_counter() - started
            filled = ramp_up(session, settings, TODAY, NOW, memory)
            warm: list[float] = []
            found: list[RampUp] = []
            for _run in range(runs):
                started = time.perf_counter()
                found.append(ramp_up(session, settings, TODAY, NOW, memory))
                warm.append(time.perf_counter() - started)
            as_reports, before = as_before(session, settings, every_week)
    finally:
        db.dispose()
    same = as_reports and filled == every_week and all(f == every_week for f in found)
    weeks = sum(len(agent.weeks) for agent in every_week.agents)
    best = min(warm)
    print(
        f"{label}: {len(every_week.agents)} new agents ({weeks} weeks shown), ramp-up '{every_week.basis}'"
        f" of {every_week.agents_in_basis} earlier agents; week reports kept for the day: {memory.kept}"
    )
    print(f"  a day's first refresh (closed weeks read):       {cold * 1000:9.1f} ms")
    print(f"  running weeks as whole reports (before):         {before * 1000:9.1f} ms")
    print(
        f"  a refresh with the day's memory (best of {runs}):  {best * 1000:9.1f} ms"
        f"  (median {statistics.median(warm) * 1000:.1f} ms; {before / best:.0f}x less than the running"
        f" weeks' reports alone)"
    )
    print(f"  the same figures (and as the whole reports'): {'yes' if same else 'NO'}")
    return same, cold, best


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--new", type=int, default=8, help="agents in their first 8 weeks (default 8)")
    parser.add_argument("--earlier", type=int, default=6, help="earlier agents with history (default 6)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--goal-ms", type=float, default=GOAL_MS)
    parser.add_argument("--sqlite", metavar="PATH", help="the cached ledger (default in /tmp, by size)")
    parser.add_argument("--postgres", metavar="URL", help="also on PostgreSQL, in a scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL scratch database")
    parser.add_argument("--name", help="the scratch database's name (one of your own on a shared server)")
    args = parser.parse_args()
    spec = LedgerSpec(
        accounts=args.accounts, agents=args.agents, contacts=args.contacts, payments=args.accounts // 5
    )
    cached = Path(args.sqlite or f"/tmp/collect-bench-ramp-{args.accounts}-{args.contacts}.db")
    if not is_cached(cached, spec.fingerprint()):
        print(f"SQLite: generating {cached}", flush=True)
        build_sqlite(cached, spec)
    scratch = cached.with_suffix(".home.db")
    shutil.copyfile(cached, scratch)
    ok = True
    try:
        joined(scratch, args.new, args.earlier)
        print(f"ledger: {args.accounts:,} accounts, {args.contacts:,} contacts, {args.agents} agents")
        same, _cold, best = measure("SQLite", f"sqlite:///{scratch}", args.runs)
        ok = ok and same and best * 1000 <= args.goal_ms
        if args.postgres:
            with throwaway_postgres(
                args.postgres, "bench_home_ramp_up", migrate=True, keep=args.keep, name=args.name
            ) as url:
                copy_to_postgres(scratch, libpq_url(url))
                same, _cold, best = measure("PostgreSQL", url, args.runs)
                ok = ok and same and best * 1000 <= args.goal_ms
    finally:
        scratch.unlink(missing_ok=True)
    print(f"goal: a refresh with the day's memory under {args.goal_ms:.0f} ms and the same figures:"
          f" {'met' if ok else 'MISSED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
