"""The learned propensity's entry points for the command line and the job: reading the history
once, backtesting it, training the model that would be adopted."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.propensity.model import AccountHistory, Backtest, ThinHistory, TrainedModel
from bot.propensity.records import account_count, histories, latest_model
from bot.propensity.rules import Indexes, backtest, final_examples, fit, learned_wins, sampling_step
from bot.settings import Settings
from storage.database import Database

DEFAULT_MONTHS = 3


def portfolio_history(db: Database, settings: Settings) -> list[AccountHistory]:
    """The history the training learns from: every account's, or a large portfolio's sample."""
    with db.reading() as session:
        return histories(session, settings.zone, every=sampling_step(account_count(session)))


def run_backtest(
    db: Database, settings: Settings, today: date, months: int = DEFAULT_MONTHS
) -> Backtest | ThinHistory:
    """`collect-bot score --backtest`: nothing is written."""
    return backtest_of(portfolio_history(db, settings), settings, today, months)


def backtest_of(
    found: list[AccountHistory],
    settings: Settings,
    today: date,
    months: int = DEFAULT_MONTHS,
    indexes: Indexes | None = None,
) -> Backtest | ThinHistory:
    return backtest(found, today, months, settings.score_weights, settings.promise_grace_days, indexes)


def adoptable_model(
    found: list[AccountHistory],
    settings: Settings,
    today: date,
    tested: Backtest,
    indexes: Indexes | None = None,
) -> tuple[TrainedModel, int]:
    """The model to store: when the backtest's won, trained again on every snapshot with a complete
    label (the latest months included); otherwise the backtest's own, kept for inspection."""
    if not learned_wins(tested):
        return tested.model, tested.train_examples
    rows = final_examples(found, today, settings.score_weights, settings.promise_grace_days, indexes)
    return fit(rows.features, rows.labels), len(rows.labels)


def metrics_of(tested: Backtest, trained_on: int) -> dict[str, Any]:
    return {
        "auc": round(tested.auc, 4),
        "rule_auc": round(tested.rule_auc, 4),
        "train_examples": tested.train_examples,
        "test_examples": tested.test_examples,
        "final_examples": trained_on,
        "calibration": [
            {"predicted": round(d.predicted, 4), "observed": round(d.observed, 4), "count": d.count}
            for d in tested.calibration
        ],
        "decision": "learned" if learned_wins(tested) else "rule",
    }


def stored_model(db: Database) -> str:
    """The last training, as plain text for the command line."""
    with db.reading() as session:
        latest = latest_model(session)
    if latest is None:
        return "no model trained yet: the weekly job train-score trains one (collect-bot run train-score)"
    used = "used by the priority score" if latest.adopted else "not used: the rule score stays"
    return (
        f"model version {latest.version}, trained {latest.trained_at.isoformat()}, {used};"
        f" AUC {latest.metrics.get('auc')} against the rule score's {latest.metrics.get('rule_auc')}"
    )
