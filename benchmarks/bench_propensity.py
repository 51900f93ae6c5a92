"""Time the learned propensity to pay on a large generated portfolio, as the weekly job and the
morning run do it.

    python benchmarks/bench_propensity.py [--accounts 1000000] [--days 365] [--database 20000]

Training (the weekly job, bot.propensity.job): a portfolio of --accounts accounts trains on every
n-th account (rules.sampling_step: 100,000 accounts at most), each with --days days of history
generated in memory (tests/propensity_portfolio.py: payers follow a known pattern, about 75 events
an account a year). Timed: the backtest (examples from weekly snapshots, the fit, the test months,
the rule score on the same rows) and the final fit on every complete snapshot, as the job does when
the learned score wins. Reading that sample from the database is not included (see --database).

Scoring: with --database N, N generated accounts are written to a scratch SQLite file (as a CSV
import leaves them), and timed: the day's scores worked out from the events (the year's payments,
contacts and promises summed per account by the database, features, scores) and stored, as the
learned-scores job does at the team's midnight (store_day_scores); then the morning run's read of
them (learned_scores). Their seconds per account, times a million, are the figures for a million
accounts (each read is linear in the rows).

Prints each step's seconds, the examples, the AUCs and the process's peak memory (ru_maxrss).
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
from bot.propensity.records import learned_scores, save_model, store_day_scores
from bot.propensity.rules import backtest, final_examples, fit, sampling_step
from storage.database import Database
from storage.schema import prepare_schema
from tests.propensity_portfolio import generated_histories, load_histories

TODAY = date(2026, 11, 23)
WEIGHTS = ScoreWeights()
ZONE = ZoneInfo("America/New_York")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000, help="the portfolio (default 1,000,000)")
    parser.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    parser.add_argument(
        "--database",
        type=int,
        default=0,
        metavar="N",
        help="also time the morning's scoring of N accounts from SQLite",
    )
    args = parser.parse_args()
    step = sampling_step(args.accounts)
    started = time.perf_counter()
    sample = list(generated_histories(args.accounts, TODAY, days=args.days, every=step))
    generated = time.perf_counter() - started
    events = sum(len(h.payments) + len(h.contacts) + len(h.promises) for h in sample)
    print(
        f"portfolio of {args.accounts:,} accounts: the job trains on every {step}th, {len(sample):,} accounts with"
        f" {events:,} events over {args.days} days ({generated:.1f} s to generate)"
    )

    started = time.perf_counter()
    tested = backtest(sample, TODAY, 3, WEIGHTS, 3)
    backtested = time.perf_counter() - started
    if not isinstance(tested, Backtest):
        print(f"thin history: {tested}")
        return 1
    print(
        f"backtest: {backtested:.1f} s ({tested.train_examples:,} training and {tested.test_examples:,} test"
        f" examples); AUC {tested.auc:.3f}, the rule score's {tested.rule_auc:.3f}"
    )
    started = time.perf_counter()
    rows = final_examples(sample, TODAY, WEIGHTS, 3)
    fit(rows.features, rows.labels)
    final = time.perf_counter() - started
    print(
        f"final fit on {len(rows.labels):,} examples: {final:.1f} s; training in all {backtested + final:.1f} s"
    )

    if args.database:
        _from_the_database(list(generated_histories(args.database, TODAY, days=args.days)), tested)
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
        with db.transaction() as session:
            stored = store_day_scores(session, TODAY, ZONE)
        midnight = time.perf_counter() - started
        started = time.perf_counter()
        with db.reading() as session:
            learned = learned_scores(session, TODAY, ZONE)
        morning = time.perf_counter() - started
        db.dispose()
    assert learned is not None and stored == len(learned.scores)
    print(
        f"from SQLite ({loaded:.1f} s to load {len(histories):,} accounts): the day's scores worked out and stored at"
        f" midnight in {midnight:.2f} s ({midnight / stored * 1e6:.0f} µs an account, {midnight / stored * 1e6:.0f} s for"
        f" a million); the morning reads them in {morning:.3f} s ({morning / stored * 1e6:.1f} µs an account,"
        f" {morning / stored * 1e6:.1f} s for a million)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
