"""Time the morning run's prioritising and allocating on a large synthetic portfolio, against a
bare SELECT of the same columns as the floor.

    python benchmarks/bench_daily_assignments.py [--accounts 1000000] [--agents 500]
        [--sqlite PATH] [--regenerate] [--postgres URL] [--scratch-name NAME] [--keep] [--runs 3]
        [--check-seconds]

The portfolio (benchmarks/portfolio_data.py) is generated from a seed, so every run sees the same
rows. The SQLite file is cached (by default /tmp/collect-bench-<accounts>-<agents>.db, with the
spec it was built from beside it in .spec.json) and reused while it was built from the same spec
and its schema is current; --regenerate builds it again. With --postgres URL the same portfolio
is copied into a throwaway database created on that server (bench_daily_<pid>, or --scratch-name)
and dropped afterwards, unless --keep.

Each measurement runs in a child process of its own, so that its peak memory (VmHWM) is its own,
with the default settings in the portfolio's zone (a .env file is ignored): the floor executes planning.facts_query() through the same engine (SQLAlchemy Core, so with
the same column types: Decimal money, aware datetimes) and iterates the rows without building
anything; the plan is plan_day(), reading included. For reference, the same SQL is also read
through the DB-API alone ("driver"). Each runs --runs times, in turn; the best and the median are
printed, with the ratio of the bests and a digest of the plan (the same portfolio must always give
the same plan: compare digests before and after changing the planner).

Goals (issue 23, on both databases): the plan within 1.5x of the floor (the ratio of the bests of
the same run, which holds on a shared machine where the seconds do not), peak memory under 400 MB,
and the same plan every run. The exit status is 1 when one is missed. Issue 12's "under 10 s" (on an
idle 2-core machine) is printed, and checked only with --check-seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from sqlalchemy.engine import make_url

from benchmarks.portfolio_data import PortfolioSpec, is_cached, load_postgres, load_sqlite
from benchmarks.scratch_postgres import libpq_url, throwaway_postgres
from bot.assignments.job.planning import DayPlan, facts_query, plan_day
from bot.settings import load_settings
from storage.database import Database

GOAL_SECONDS = 10.0
GOAL_RATIO = 1.5
GOAL_PEAK_MB = 400.0
KINDS = ("driver", "floor", "plan")


# --- the parent: build the portfolio, run the children, print the table ---------------------------


def main() -> int:
    args = _arguments()
    if args.child:
        return _child(args.child, args.url, PortfolioSpec(accounts=args.accounts, agents=args.agents))
    spec = PortfolioSpec(accounts=args.accounts, agents=args.agents)
    print(
        f"daily assignments on {spec.accounts:,} open accounts and {spec.agents} agents,"
        f" today {spec.today.isoformat()} ({spec.zone}), seed {spec.seed}, {os.cpu_count()} CPUs"
    )
    path = Path(args.sqlite or f"/tmp/collect-bench-{spec.accounts}-{spec.agents}.db")
    passed = _measure(
        "SQLite", _cached_sqlite(path, spec, args.regenerate), spec, args.runs, args.check_seconds
    )
    if args.postgres:
        with throwaway_postgres(
            args.postgres, "bench_daily", migrate=True, keep=args.keep, name=args.scratch_name
        ) as url:
            print(f"PostgreSQL: copying the portfolio into {make_url(url).database}")
            started = time.perf_counter()
            load_postgres(libpq_url(url), spec)
            print(f"  loaded in {time.perf_counter() - started:.1f} s")
            passed = _measure("PostgreSQL", url, spec, args.runs, args.check_seconds) and passed
    return 0 if passed else 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="measurements of each kind (default 3)")
    parser.add_argument("--sqlite", metavar="PATH", help="the SQLite file to use (built when missing)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the SQLite file even if cached")
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL, in a scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL scratch database")
    parser.add_argument(
        "--scratch-name", metavar="NAME", help="the scratch database's name (default bench_daily_<pid>)"
    )
    parser.add_argument(
        "--check-seconds",
        action="store_true",
        help=f"also fail a plan over {GOAL_SECONDS:.0f} s (an idle machine)",
    )
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser.parse_args()


def _cached_sqlite(path: Path, spec: PortfolioSpec, regenerate: bool) -> str:
    url = f"sqlite:///{path}"
    if not regenerate and is_cached(path, spec.fingerprint()):
        print(f"SQLite: reusing {path} ({path.stat().st_size / 1e6:,.0f} MB)")
        return url
    print(f"SQLite: generating {path}")
    started = time.perf_counter()
    load_sqlite(path, spec)
    print(f"  generated in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:,.0f} MB)")
    return url


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_mb: float
    rows: int
    plan: dict[str, Any]


def _measure(label: str, url: str, spec: PortfolioSpec, runs: int, check_seconds: bool) -> bool:
    results: dict[str, list[Measurement]] = {kind: [] for kind in KINDS}
    for attempt in range(1, runs + 1):
        for kind in KINDS:
            found = _run_child(kind, url, spec)
            results[kind].append(found)
            print(f"  {label} {kind} run {attempt}: {found.seconds:.2f} s, peak {found.peak_mb:,.0f} MB")
    return _report(label, results, check_seconds)


def _run_child(kind: str, url: str, spec: PortfolioSpec) -> Measurement:
    command = [
        sys.executable, str(Path(__file__).resolve()), "--child", kind, "--url", url,
        "--accounts", str(spec.accounts), "--agents", str(spec.agents),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} measurement failed ({done.returncode}):\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Measurement(found["seconds"], found["peak_kb"] / 1024, found["rows"], found.get("plan", {}))


def _report(label: str, results: dict[str, list[Measurement]], check_seconds: bool) -> bool:
    driver, floor, plan = results["driver"], results["floor"], results["plan"]
    best_floor, best_plan = min(m.seconds for m in floor), min(m.seconds for m in plan)
    ratio = best_plan / best_floor
    peak = max(m.peak_mb for m in plan)
    digests = {m.plan["digest"] for m in plan}
    shape = plan[0].plan
    goals = [
        (f"ratio < {GOAL_RATIO:.1f}x", ratio < GOAL_RATIO),
        (f"peak < {GOAL_PEAK_MB:.0f} MB", peak < GOAL_PEAK_MB),
        ("same plan every run", len(digests) == 1),
    ]
    in_seconds = (f"plan < {GOAL_SECONDS:.0f} s", best_plan < GOAL_SECONDS)
    if check_seconds:
        goals.insert(0, in_seconds)
    print()
    print(f"{label}")
    print(f"  {'rows read by the floor':<40}{floor[0].rows:>12,}")
    print(f"  {'accounts considered by plan_day':<40}{plan[0].rows:>12,}")
    print(f"  {'':<40}{'best s':>12}{'median s':>12}{'peak MB':>12}")
    rows = (
        ("driver only (DB-API, no types)", driver),
        ("floor: bare SELECT (Core)", floor),
        ("plan_day (reading included)", plan),
    )
    for name, found in rows:
        seconds = [m.seconds for m in found]
        print(
            f"  {name:<40}{min(seconds):>12.2f}{statistics.median(seconds):>12.2f}"
            f"{max(m.peak_mb for m in found):>12,.0f}"
        )
    median_ratio = statistics.median(m.seconds for m in plan) / statistics.median(m.seconds for m in floor)
    print(f"  {'ratio plan / floor':<40}{ratio:>11.2f}x{median_ratio:>11.2f}x")
    print(f"  {'accounts placed':<40}{shape['placed']:>12,}  on {shape['lists']} lists")
    print(f"  {'left off':<40}{sum(shape['left_off'].values()):>12,}")
    for rule, count in sorted(shape["left_off"].items(), key=lambda item: -item[1]):
        print(f"    {rule:<38}{count:>12,}")
    print(f"  {'beyond capacity':<40}{shape['beyond_capacity']:>12,}")
    print(f"  {'high value left off':<40}{shape['high_value_left_off']:>12,}")
    print(f"  {'high value with no senior agent':<40}{shape['high_value_without_senior']:>12,}")
    print(f"  {'plan digest':<40}{shape['digest'][:16]:>16}  ({len(digests)} distinct over the runs)")
    print("  goals: " + " · ".join(f"{goal} {'PASS' if ok else 'FAIL'}" for goal, ok in goals))
    if not check_seconds:
        print(
            f"  (not checked: {in_seconds[0]} {'PASS' if in_seconds[1] else 'FAIL'}, a goal for an idle machine)"
        )
    print()
    return all(ok for _goal, ok in goals)


# --- the children: one measurement each, reported as one JSON line -------------------------------


def _child(kind: str, url: str, spec: PortfolioSpec) -> int:
    # The default settings, whatever a .env file in the working directory says.
    settings = load_settings(_env_file=None, DATABASE_URL=url, COLLECT_TIMEZONE=spec.zone)
    db = Database(url)
    found: dict[str, Any] = {}
    started = time.perf_counter()
    if kind == "driver":
        rows = _driver_rows(db)
    elif kind == "floor":
        # Core, not the ORM session: the rows as the engine and the column types give them.
        with db.engine.connect() as connection:
            rows = sum(1 for _row in connection.execute(facts_query().execution_options(yield_per=20_000)))
    else:
        with db.reading() as session:
            day = plan_day(session, spec.today, settings)
        found["plan"] = _describe(day)
        rows = found["plan"]["accounts"]
    seconds = time.perf_counter() - started
    db.dispose()
    print(json.dumps({"seconds": seconds, "peak_kb": _peak_kb(), "rows": rows, **found}))
    return 0


def _peak_kb() -> int:
    """This process's peak resident memory, interpreter and imports included. Linux carries
    ru_maxrss over exec() from the process that forked us, so a child of a parent that has just
    generated a portfolio would report the parent's size: VmHWM is this program's own."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def _driver_rows(db: Database) -> int:
    """The same SQL through the DB-API alone: no SQLAlchemy result, no column types. For reference."""
    statement = str(facts_query().compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    connection = db.engine.raw_connection()
    try:
        driver = connection.driver_connection
        assert driver is not None
        # Streamed, as the engine streams with yield_per: a server-side cursor on PostgreSQL.
        cursor = driver.cursor() if db.is_sqlite else driver.cursor(name="bench")
        cursor.execute(statement)
        rows = 0
        while batch := cursor.fetchmany(20_000):
            rows += len(batch)
        cursor.close()
        return rows
    finally:
        connection.close()


def _describe(day: DayPlan) -> dict[str, Any]:
    """Counts, and a digest of every list (agent, account, score, in order) to compare runs with."""
    lists = day.allocation.lists
    digest = hashlib.sha256()
    for agent in sorted(lists):
        digest.update(agent.encode())
        for candidate in lists[agent]:
            digest.update(f"{candidate.pk}:{candidate.score!r};".encode())
    digest.update(json.dumps(sorted(day.left_off.items())).encode())
    digest.update(f"{day.allocation.beyond_capacity}:{len(day.allocation.high_value_left_off)}".encode())
    placed = sum(len(found) for found in lists.values())
    unplaced = day.allocation.beyond_capacity
    return {
        "placed": placed,
        "lists": len(lists),
        "left_off": dict(day.left_off),
        "beyond_capacity": day.allocation.beyond_capacity,
        "high_value_left_off": len(day.allocation.high_value_left_off),
        "high_value_without_senior": len(day.allocation.high_value_without_senior),
        "accounts": placed + unplaced + sum(day.left_off.values()),
        "digest": digest.hexdigest(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
