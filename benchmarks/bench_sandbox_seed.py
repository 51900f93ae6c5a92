"""Time the sandbox's demo seed (`collect-bot sandbox --seed N`): the team and 2,000 accounts with
three months of history written into a fresh, migrated SQLite file (and, with --postgres, into a
throwaway PostgreSQL database).

    python benchmarks/bench_sandbox_seed.py [--runs 3] [--seed 42] [--postgres URL]

Prints each run's seconds and exits 1 when the best run misses the goal: the page should be ready
within seconds of the command (10 s). This replaced a timed test: speed is checked here, not in
the suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.scratch_postgres import throwaway_postgres
from storage.database import Database
from storage.schema import upgrade
from wiring.sandbox.demo import seed_demo

GOAL_SECONDS = 10.0
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in New York
ZONE = ZoneInfo("America/New_York")


def seed_once(url: str, seed: int) -> float:
    db = Database(url)
    try:
        upgrade(db.engine)
        started = time.perf_counter()
        seed_demo(db, seed=seed, now=NOW, zone=ZONE)
        return time.perf_counter() - started
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throwaway database is made beside it")
    args = parser.parse_args()
    missed = False
    targets: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres))
    for name, base in targets:
        runs = []
        for _ in range(args.runs):
            if base is None:
                with tempfile.TemporaryDirectory() as folder:
                    runs.append(seed_once(f"sqlite:///{Path(folder) / 'demo.db'}", args.seed))
            else:
                with throwaway_postgres(base, "bench_seed", migrate=False) as url:
                    runs.append(seed_once(url, args.seed))
        best = min(runs)
        verdict = "PASS" if best < GOAL_SECONDS else "FAIL"
        missed |= best >= GOAL_SECONDS
        shown = ", ".join(f"{s:.1f} s" for s in runs)
        print(
            f"demo seed {args.seed}, {name}: {shown}; best {best:.1f} s, goal {GOAL_SECONDS:.0f} s: {verdict}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
