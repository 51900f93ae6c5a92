"""The weekly `train-score` job: backtest the learned propensity against the rule score, store the
model with its window and metrics, and tell the supervisors what was decided and why, once per
week (claimed in job_runs in the transaction that stores it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.clock import team_today
from bot.job_runs import JobReport, already_ran, claim, describe, run_key
from bot.outbox.records import enqueue
from bot.propensity.desk import adoptable_model, backtest_of, metrics_of, portfolio_history
from bot.propensity.model import ThinHistory, Training
from bot.propensity.records import save_model, store_day_scores
from bot.propensity.render import training_message
from bot.propensity.rules import Indexes, learned_wins
from bot.runtime import Runtime

JOB = "train-score"
DAY_SCORES = "learned-scores"


def week_of(at: datetime, runtime: Runtime) -> str:
    year, week, _day = team_today(at, runtime.zone).isocalendar()
    return f"{year}-W{week:02d}"


def run_train_score(runtime: Runtime, at: datetime, by: str) -> JobReport:
    period = week_of(at, runtime)
    with runtime.db.reading() as session:
        done = already_ran(session, JOB, period)
        if done is not None:
            return JobReport(JOB, period, False, describe(done))
    today = team_today(at, runtime.zone)
    found = portfolio_history(runtime.db, runtime.settings)
    indexes: Indexes = {}  # the sample's histories indexed once, for the backtest and the final fit
    tested = backtest_of(found, runtime.settings, today, indexes=indexes)
    try:
        with runtime.db.transaction() as session:
            if isinstance(tested, ThinHistory):
                training = Training(backtest=None, thin=tested, adopted=False, version=None)
                summary: dict[str, object] = {"decision": "rule", "thin": str(tested.thinness)}
                said = f"history too thin to learn from ({tested.thinness}): the rule score stays"
            else:
                model, trained_on = adoptable_model(found, runtime.settings, today, tested, indexes)
                adopted = learned_wins(tested)
                metrics = metrics_of(tested, trained_on)
                version = save_model(
                    session,
                    model=model,
                    backtest=tested,
                    examples=trained_on,
                    adopted=adopted,
                    metrics=metrics,
                    now=at,
                    actor=by,
                )
                training = Training(backtest=tested, thin=None, adopted=adopted, version=version)
                summary = {"version": version, "decision": metrics["decision"], "auc": metrics["auc"],
                           "rule_auc": metrics["rule_auc"]}  # fmt: skip
                said = (
                    f"model version {version}: AUC {tested.auc:.3f} against the rule score's"
                    f" {tested.rule_auc:.3f}; {'learned score adopted' if adopted else 'the rule score stays'}"
                )
            claim(session, JOB, period, at, by, summary)
            channel = runtime.settings.supervisor_channel
            if channel:
                enqueue(
                    session,
                    key=run_key(f"train-score:{period}"),
                    kind="train-score",
                    channel=channel,
                    reply=training_message(training),
                    now=at,
                )
    except IntegrityError:
        return JobReport(JOB, period, False, f"{JOB} for {period} was run by another process")
    return JobReport(JOB, period, True, said)


def run_learned_scores(runtime: Runtime, at: datetime, by: str) -> JobReport:
    """At the team day's first tick: every open account's learned score for the day, stored, so
    that the morning run reads one row per account (bot.propensity.records.store_day_scores)."""
    today = team_today(at, runtime.zone)
    period = today.isoformat()
    with runtime.db.reading() as session:
        done = already_ran(session, DAY_SCORES, period)
        if done is not None:
            return JobReport(DAY_SCORES, period, False, describe(done))
    try:
        with runtime.db.transaction() as session:
            if runtime.settings.score_weights.propensity > 0:
                stored = store_day_scores(session, today, runtime.zone, at)
            else:
                stored = None
            claim(session, DAY_SCORES, period, at, by, {"accounts": stored})
    except IntegrityError:
        return JobReport(DAY_SCORES, period, False, f"{DAY_SCORES} for {period} was run by another process")
    if stored is None:
        return JobReport(DAY_SCORES, period, True, "no learned model in use: the rule score stands")
    return JobReport(DAY_SCORES, period, True, f"{stored} accounts scored for {period}")
