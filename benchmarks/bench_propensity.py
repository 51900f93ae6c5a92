"""Time the learned propensity to pay on a large generated portfolio: building the training
examples from a year of history, fitting the model, the out-of-time backtest, and scoring every
account for the morning run.

    python benchmarks/bench_propensity.py [--accounts 1000000] [--days 365] [--database 20000]

The histories are generated in memory (tests/propensity_portfolio.py: payers follow a known
pattern) and handed to the same functions the weekly job and the morning run use
(bot.propensity.rules); reading them from the database is not timed here (the morning run's read
is bench_daily_assignments.py's). Prints each step's seconds, the examples, the AUCs and the
process's peak memory (VmHWM).

With --database N, the first N of those accounts are also written to a scratch SQLite file (as a
CSV import leaves them) and the morning's learned scoring is timed from the database: the adopted
model read back, a year of events read, features and scores (bot.propensity.records.learned_scores).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bot.assignments.rules.scoring import ScoreWeights
from bot.propensity.model import AccountHistory, Backtest
from bot.propensity.records import learned_scores, save_model
from bot.propensity.rules import backtest, features, percent, probabilities
from storage.database import Database
from storage.schema import prepare_schema
from tests.propensity_portfolio import generated_histories, load_histories

TODAY = date(2026, 11, 23)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    parser.add_argument(
        "--database", type=int, default=0, metavar="N", help="also time scoring N accounts from SQLite"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    histories = list(generated_histories(args.accounts, TODAY, days=args.days))
    generated = time.perf_counter() - started
    events = sum(len(h.payments) + len(h.contacts) + len(h.promises) for h in histories)
    print(
        f"portfolio: {args.accounts:,} accounts, {events:,} events over {args.days} days ({generated:.1f} s to generate)"
    )

    started = time.perf_counter()
    tested = backtest(histories, TODAY, 3, ScoreWeights(), 3)
    trained = time.perf_counter() - started
    if not isinstance(tested, Backtest):
        print(f"thin history: {tested}")
        return 1
    print(
        f"backtest (examples, fit, test): {trained:.1f} s; {tested.train_examples:,} training and"
        f" {tested.test_examples:,} test examples; AUC {tested.auc:.3f} against the rule score's {tested.rule_auc:.3f}"
    )

    started = time.perf_counter()
    rows = [features(h, TODAY) for h in histories]
    featured = time.perf_counter() - started
    started = time.perf_counter()
    scores = [percent(float(p)) for p in probabilities(tested.model, rows)]
    scored = time.perf_counter() - started
    print(
        f"scoring {len(scores):,} accounts for the morning: features {featured:.1f} s"
        f" ({featured / len(rows) * 1e6:.1f} µs an account), model {scored:.2f} s"
    )
    if args.database:
        _from_the_database(histories[: args.database], tested)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:,.0f} MB")
    return 0


def _from_the_database(histories: list[AccountHistory], tested: Backtest) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/propensity.db")
        prepare_schema(db)
        started = time.perf_counter()
        load_histories(db, histories)
        loaded = time.perf_counter() - started
        with db.transaction() as session:
            save_model(session, model=tested.model, backtest=tested, examples=tested.train_examples, adopted=True,
                       metrics={}, now=datetime.now(UTC), actor="bench")  # fmt: skip
        started = time.perf_counter()
        with db.reading() as session:
            learned = learned_scores(session, TODAY, ZoneInfo("America/New_York"))
        scored = time.perf_counter() - started
        db.dispose()
    assert learned is not None
    print(
        f"from SQLite ({loaded:.1f} s to load): {len(learned.scores):,} accounts read and scored in"
        f" {scored:.1f} s ({scored / len(learned.scores) * 1e6:.0f} µs an account)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
