"""Time the learned propensity to pay on a large portfolio held in the database, as the weekly job
and the midnight job do it, on SQLite and (with --postgres) on PostgreSQL.

    python benchmarks/bench_propensity.py [--accounts 1000000] [--days 365] [--postgres URL [--keep]]
        [--sqlite PATH]

With --sqlite PATH (and --keep for PostgreSQL) the loaded portfolio is kept and reused by the next
run of the same size: the load of a million accounts costs about half an hour.

A portfolio of --accounts open accounts, each with --days days of history (about 75 events an
account a year: payments, texts and calls with their outcomes, promises kept and broken; payers
follow a known pattern: those who answer texts and keep their promises pay far more often), is
generated with numpy and written in bulk as a CSV import leaves it (SQLite: executemany in large
transactions, its indexes built after, journal and syncing off for the load only; PostgreSQL:
COPY, its indexes built after). The load is timed but is not part of the goal.

Timed, as the jobs do it (bot.propensity.job):
- training: the job's sample of the portfolio read from the database (rules.sampling_step), the
  backtest (examples from weekly snapshots, the fit, the test months, the rule score on the same
  rows) and the final fit on every complete snapshot, as when the learned score wins;
- scoring: the midnight job's night (store_day_scores, in its transaction, committed): the running
  figures brought forward from the night before (the events of the day that entered the windows and
  of the days that left them), every open account's row made from its figures, scored and stored.
  The night before is summed in full first (the first night's and the weekly check's work: timed and
  printed, not part of the goal), or, with a kept portfolio, restored from the copy a previous run
  saved;
- the morning run's read of the stored scores (learned_scores).

The goal (issue 23): training and scoring in all under 60 s for 1,000,000 accounts, on each
database. Prints each step's seconds, the AUCs and the process's peak memory (ru_maxrss, which the
numpy generation of the load counts too); exits 1 when the goal is missed on either database.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, inspect, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bot.assignments.rules.scoring import ScoreWeights
from bot.propensity.model import Backtest
from bot.propensity.records import account_count, histories, learned_scores, save_model, store_day_scores
from bot.propensity.records.figures import bring_figures_to
from bot.propensity.rules import Indexes, backtest, final_examples, fit, sampling_step
from storage.database import Database
from storage.models import RunningFiguresNight
from storage.schema import prepare_schema, upgrade

TODAY = date(2026, 11, 23)
WEIGHTS = ScoreWeights()
ZONE = ZoneInfo("America/New_York")
GOAL_SECONDS = 60.0
CHUNK = 20_000
EVENT_TABLES = ("payments", "contacts", "promises")


@dataclass(frozen=True)
class Chunk:
    """One chunk of generated accounts and their events, as rows for the database."""

    accounts: list[tuple[Any, ...]]
    payments: list[tuple[Any, ...]]
    contacts: list[tuple[Any, ...]]
    promises: list[tuple[Any, ...]]


def generated(accounts: int, days: int, sqlite: bool, seed: int = 23) -> Iterator[Chunk]:
    """The portfolio a chunk at a time, the same for both databases (each chunk from its own seed).
    Values as each database's columns hold them: SQLite's money in ten-thousandths, its instants
    as naive UTC text; PostgreSQL's as text COPY reads it."""
    start = TODAY - timedelta(days=days)
    stamp = [
        (datetime.combine(start + timedelta(days=d), datetime.min.time(), UTC) + timedelta(hours=15))
        for d in range(days + 8)
    ]
    at = [s.strftime("%Y-%m-%d %H:%M:%S.000000") if sqlite else s.isoformat() for s in stamp]
    dates = [(start + timedelta(days=d)).isoformat() for d in range(-200, days + 8)]

    def money(cents: int) -> Any:
        return cents * 100 if sqlite else f"{cents // 100}.{cents % 100:02d}"

    payment = money(5000)
    nothing = money(0)
    for first in range(1, accounts + 1, CHUNK):
        pks = np.arange(first, min(first + CHUNK, accounts + 1))
        n = len(pks)
        rng = np.random.default_rng([seed, first])
        texter, keeper = rng.random(n) < 0.4, rng.random(n) < 0.4
        daily = (0.004 + 0.03 * texter + 0.02 * keeper) * (0.5 + rng.random(n))

        def events(
            rate: np.ndarray | float, span: int = days, n: int = n, rng: np.random.Generator = rng
        ) -> tuple[Any, Any]:
            rates = np.broadcast_to(np.asarray(rate, dtype=np.float32), (n,))[:, None]
            who, day = np.nonzero(rng.random((n, span), dtype=np.float32) < rates)
            return who, day

        paid_who, paid_day = events(daily)
        text_who, text_day = events(0.1)
        text_yes = rng.random(len(text_who)) < np.where(texter[text_who], 0.8, 0.1)
        call_who, call_day = events(0.07)
        call_yes = rng.random(len(call_who)) < 0.3
        made_who, made_day = events(0.02, days - 7)
        made_kept = rng.random(len(made_who)) < np.where(keeper[made_who], 0.85, 0.2)
        original = rng.integers(2_000, 9_000, n) * 100
        balance = original - 5000 * np.bincount(paid_who, minlength=n)
        due = 200 - rng.integers(0, 200, n)
        language = rng.integers(0, 3, n)
        opened = at[0]
        yield Chunk(
            accounts=[
                (pk, f"ACC-{pk}", f"acc-{pk}", f"Customer {pk}", "USD", money(b), money(o), dates[d],
                 ("en", "pt-BR", "es")[lang], "active", "America/New_York", opened, opened)
                for pk, b, o, d, lang in zip(pks.tolist(), balance.tolist(), original.tolist(), due.tolist(),
                                             language.tolist(), strict=True)
            ],
            payments=[
                (pk, payment, "USD", at[d], "import", "import", at[d])
                for pk, d in zip((pks[paid_who]).tolist(), paid_day.tolist(), strict=True)
            ],
            contacts=[
                (pk, at[d], channel, "right-party" if yes else "no-answer", "import", at[d])
                for who, day, answered, channel in ((text_who, text_day, text_yes, "sms"),
                                                   (call_who, call_day, call_yes, "call"))
                for pk, d, yes in zip(pks[who].tolist(), day.tolist(), answered.tolist(), strict=True)
            ],
            promises=[
                (pk, payment, "USD", dates[d + 205], "kept" if kept else "broken", nothing, "import", at[d],
                 at[d + 7])
                for pk, d, kept in zip(pks[made_who].tolist(), made_day.tolist(), made_kept.tolist(),
                                       strict=True)
            ],
        )  # fmt: skip


COLUMNS = {
    "accounts": "id, account_id, account_key, customer_name, currency, balance, original_amount, due_date,"
    " language, status, customer_timezone, created_at, updated_at",
    "payments": "account_pk, amount, currency, received_at, recorded_by, source, created_at",
    "contacts": "account_pk, at, channel, outcome, source, created_at",
    "promises": "account_pk, amount, currency, due_date, status, paid_toward, made_by, made_at, resolved_at",
}


def load(db: Database, accounts: int, days: int) -> int:
    """The generated portfolio written in bulk, the event tables' indexes built afterwards; the
    number of events."""
    if db.is_sqlite:
        prepare_schema(db)
    else:
        upgrade(db.engine)  # a scratch database of the benchmark's own
    db.engine.dispose()  # the load's own settings take only on a connection alone with the file
    raw = db.engine.raw_connection()
    written = 0
    started = time.perf_counter()
    try:
        cursor = raw.cursor()
        if db.is_sqlite:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN"
                " ('payments', 'contacts', 'promises')"
            )
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN ('payments', 'contacts', 'promises')"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            )
        indexes = [row[0] for row in cursor.fetchall()]
        for definition in indexes:
            name = definition.split(" INDEX ", 1)[1].split(" ON ")[0].replace("IF NOT EXISTS ", "").strip()
            cursor.execute(f"DROP INDEX {name}")
        raw.commit()
        for chunk in generated(accounts, days, db.is_sqlite):
            if db.is_sqlite:
                cursor.execute("BEGIN")  # the driver's connection commits each statement otherwise
            for table in ("accounts", *EVENT_TABLES):
                rows = getattr(chunk, table)
                columns = COLUMNS[table]
                if db.is_sqlite:
                    marks = ", ".join("?" * len(columns.split(",")))
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
                else:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                if table != "accounts":
                    written += len(rows)
            raw.commit()
        written_at = time.perf_counter()
        for definition in indexes:
            cursor.execute(definition)
        cursor.execute("ANALYZE")
        print(
            f"  (rows written in {written_at - started:.1f} s, indexes and statistics {time.perf_counter() - written_at:.1f} s)"
        )
        raw.commit()
        if db.is_sqlite:
            cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()
    return written


@dataclass(frozen=True)
class Measured:
    training: float
    scoring: float
    morning: float
    bare: float
    """The events counted by the database (COUNT(*) and MAX of the time of each table, which it
    answers from the indexes), measured in the same run: a yardstick whose ratio to the scoring holds
    on a busy machine better than seconds do."""

    @property
    def in_all(self) -> float:
        return self.training + self.scoring


def loaded_before(db: Database, accounts: int) -> int | None:
    """The events of a portfolio of this size a previous run left in the database (--sqlite PATH
    kept, --keep on PostgreSQL), or None when it must be loaded: a million accounts take about half an
    hour to write, and the timed jobs only read them (and replace the day's scores)."""
    try:
        if db.is_sqlite:
            prepare_schema(db)  # a kept file is brought up to date, as the bot would
        with db.reading() as session:
            found = session.execute(text("SELECT COUNT(*) FROM accounts")).scalar_one()
            if found != accounts:
                return None
            return sum(
                int(session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
                for table in EVENT_TABLES
            )
    except Exception:  # an empty or foreign database: loaded afresh
        return None


def measure(
    db: Database, name: str, accounts: int, days: int, reuse: bool = False, load_only: bool = False
) -> Measured:
    started = time.perf_counter()
    kept = loaded_before(db, accounts) if reuse else None
    if kept is not None:
        events = kept
        print(f"{name}: {accounts:,} accounts with {events:,} events kept from a previous run")
    else:
        if reuse and db.is_sqlite:
            db.dispose()
            Path(str(db.engine.url.database)).unlink(missing_ok=True)  # a partial or other load
        elif reuse:
            _empty(db)
        events = load(db, accounts, days)
        loaded = time.perf_counter() - started
        print(
            f"{name}: {accounts:,} accounts with {events:,} events over {days} days loaded in {loaded:.1f} s"
        )
    sys.stdout.flush()
    if load_only:
        return Measured(0.0, 0.0, 0.0, 0.0)

    started = time.perf_counter()
    with db.reading() as session:
        for table, moment in (("payments", "received_at"), ("contacts", "at"), ("promises", "made_at")):
            session.execute(text(f"SELECT COUNT(*), MAX({moment}) FROM {table}")).one()
    bare = time.perf_counter() - started
    print(f"{name}: a bare pass over the {events:,} events (COUNT and MAX of each table) {bare:.1f} s")
    cpu = time.process_time()
    started = time.perf_counter()
    with db.reading() as session:
        step = sampling_step(account_count(session))
        sample = histories(session, ZONE, every=step)
    read = time.perf_counter() - started
    indexes: Indexes = {}
    tested = backtest(sample, TODAY, 3, WEIGHTS, 3, indexes)
    backtested = time.perf_counter() - started - read
    if not isinstance(tested, Backtest):
        raise SystemExit(f"thin history: {tested}")
    rows = final_examples(sample, TODAY, WEIGHTS, 3, indexes)
    model = fit(rows.features, rows.labels)
    training = time.perf_counter() - started
    print(
        f"{name} training: the sample (every {step}th account, {len(sample):,}) read in {read:.1f} s, backtest"
        f" {backtested:.1f} s ({tested.train_examples:,} training and {tested.test_examples:,} test examples;"
        f" AUC {tested.auc:.3f}, the rule score's {tested.rule_auc:.3f}), final fit on {len(rows.labels):,}"
        f" examples {training - read - backtested:.1f} s: {training:.1f} s ({time.process_time() - cpu:.1f} s of this"
        " process's CPU)"
    )
    del sample, rows, indexes
    with db.transaction() as session:
        save_model(session, model=model, backtest=tested, examples=tested.train_examples, adopted=True,
                   metrics={}, now=datetime.now(UTC), actor="bench")  # fmt: skip
    recounted = night_before(db)
    if recounted is not None:
        print(
            f"{name} the night before: the running figures summed in full (the first night's and the weekly"
            f" check's work, not timed in the goal) in {recounted[0]:.1f} s ({recounted[1]:.1f} s of this"
            f" process's CPU; {recounted[0] / bare:.1f}x the bare pass)"
        )
    else:
        print(f"{name} the night before: the running figures as a previous run summed them, restored")
    cpu = time.process_time()
    started = time.perf_counter()
    with db.transaction() as session:
        stored = store_day_scores(session, TODAY, ZONE, datetime.now(UTC))
    scoring = time.perf_counter() - started
    scoring_cpu = time.process_time() - cpu
    assert stored is not None
    with db.reading() as session:
        recount_that_night = session.scalar(
            select(RunningFiguresNight.recounted).order_by(RunningFiguresNight.id.desc()).limit(1)
        )
    assert recount_that_night is False, "the timed night must bring the figures forward, not sum them"
    started = time.perf_counter()
    with db.reading() as session:
        learned = learned_scores(session, TODAY, ZONE)
    morning = time.perf_counter() - started
    assert learned is not None and len(learned.scores) == stored
    print(
        f"{name} scoring: the running figures brought forward a night, {stored:,} accounts' rows made from"
        f" them, scored and stored in {scoring:.1f} s"
        f" ({scoring / stored * 1e6:.1f} µs an account, {scoring / events * 1e9:.0f} ns an event;"
        f" {scoring_cpu:.1f} s of this process's CPU; {scoring / bare:.1f}x the bare pass); the morning reads"
        f" them in {morning:.2f} s"
    )
    return Measured(training, scoring, morning, bare)


SAVED = "bench_figures_night_before"


def night_before(db: Database) -> tuple[float, float] | None:
    """The running figures as of the night before TODAY, as the midnight job left them: summed in
    full (timed: seconds and CPU seconds), or restored from the copy an earlier run of a kept
    portfolio saved (None), so that the timed night is an ordinary one, brought forward a day."""
    before = TODAY - timedelta(days=1)
    with db.reading() as session:
        kept = session.scalar(
            select(func.count()).where(
                RunningFiguresNight.day == before, RunningFiguresNight.recounted.is_(True)
            )
        )
        saved = SAVED in inspect(session.connection()).get_table_names()
    if kept and saved:
        with db.transaction() as session:
            session.execute(text("DELETE FROM running_figures"))
            session.execute(text(f"INSERT INTO running_figures SELECT * FROM {SAVED}"))
            session.execute(text("DELETE FROM running_figures_nights WHERE day > :day"), {"day": before})
        return None
    cpu = time.process_time()
    started = time.perf_counter()
    with db.transaction() as session:
        session.execute(text("DELETE FROM running_figures_nights"))
        assert bring_figures_to(session, before, ZONE, datetime.now(UTC))
    took = time.perf_counter() - started, time.process_time() - cpu
    with db.transaction() as session:
        session.execute(text(f"DROP TABLE IF EXISTS {SAVED}"))
        session.execute(text(f"CREATE TABLE {SAVED} AS SELECT * FROM running_figures"))
    return took


def _empty(db: Database) -> None:
    with db.transaction() as session:
        session.execute(text("DROP SCHEMA public CASCADE"))
        session.execute(text("CREATE SCHEMA public"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000, help="the portfolio (default 1,000,000)")
    parser.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database (emptied first)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--sqlite",
        metavar="PATH",
        help="the SQLite file to use and keep: a portfolio of the same size left there by an earlier run is"
        " reused instead of loaded again (default: a temporary file, loaded every run)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the PostgreSQL database's portfolio when an earlier run left one of the same size",
    )
    parser.add_argument("--load-only", action="store_true", help="load (or find) the portfolio and stop")
    args = parser.parse_args()
    results: dict[str, Measured] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{args.sqlite or f'{folder}/propensity.db'}")
            try:
                results["SQLite"] = measure(
                    db, "SQLite", args.accounts, args.days, reuse=bool(args.sqlite), load_only=args.load_only
                )
            finally:
                db.dispose()
    if args.postgres:
        db = Database(args.postgres)
        try:
            if not args.keep:
                _empty(db)
            results["PostgreSQL"] = measure(
                db, "PostgreSQL", args.accounts, args.days, reuse=args.keep, load_only=args.load_only
            )
        finally:
            db.dispose()
    if args.load_only:
        return 0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:,.0f} MB")
    missed = False
    for name, found in results.items():
        met = found.in_all <= GOAL_SECONDS
        missed |= not met
        print(
            f"goal {name}: training {found.training:.1f} s + scoring {found.scoring:.1f} s = {found.in_all:.1f} s"
            f" for {args.accounts:,} accounts (goal {GOAL_SECONDS:.0f} s: {found.in_all / GOAL_SECONDS:.2f}x;"
            f" {found.in_all / found.bare:.1f}x the bare pass over the events)"
            f" {'PASS' if met else 'FAIL'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
