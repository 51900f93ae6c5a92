"""`collect-bot score --backtest [--months 3]`: the learned propensity to pay tested out of time
against today's rule score; without --backtest, the stored model the weekly job trained last.

Exit codes: 0 done (a thin history is told, not a failure); 2 bad arguments, settings or database
(see wiring.cli.main).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from wiring.cli.retention import iso_date

if TYPE_CHECKING:
    from bot.settings import Settings

EXIT_DONE = 0


def months(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 24:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of months: give 1 to 24")
    return int(text)


def add_score_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    score = subparsers.add_parser(
        "score",
        help="the learned propensity to pay: the stored model, or --backtest it against the rule score",
    )
    score.add_argument(
        "--backtest",
        action="store_true",
        help="train on the older history, test on the last --months months, compare with the rule score",
    )
    # No default here: bot.propensity.desk has it, and is imported only when the command runs.
    score.add_argument("--months", type=months, help="test months (default 3)")
    score.add_argument("--today", type=iso_date, metavar="DATE", help="as if on DATE (default: today)")
    score.set_defaults(run=run_score)


def run_score(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock, team_today
    from bot.propensity.desk import DEFAULT_MONTHS, run_backtest, stored_model
    from bot.propensity.model import ThinHistory
    from bot.propensity.render import backtest_report, thin_words, weights_report
    from bot.propensity.rules import learned_wins
    from storage.database import open_database
    from storage.schema import prepare_schema

    today: date = args.today or team_today(SystemClock().now(), settings.zone)
    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        if not args.backtest:
            print(stored_model(db))
            return EXIT_DONE
        tested = run_backtest(db, settings, today, args.months or DEFAULT_MONTHS)
    finally:
        db.dispose()
    if isinstance(tested, ThinHistory):
        print(f"not enough history to learn from: {thin_words(tested)}; the rule score stays")
        return EXIT_DONE
    print(backtest_report(tested, learned_wins(tested)))
    print(weights_report(tested))
    return EXIT_DONE
