"""The learned propensity in words: the supervisors' message after each training, and the
backtest's report on the command line."""

from __future__ import annotations

from bot.blocks.kit import Reply
from bot.language.model import _, number
from bot.propensity.model import Backtest, ThinHistory, Thinness, Training


def _auc(value: float) -> str:
    return f"{value:.3f}"


def thin_words(thin: ThinHistory) -> str:
    if thin.thinness == Thinness.FEW_EXAMPLES:
        return _("only {examples} past snapshots to learn from, and at least {needed} are needed").format(
            examples=number(thin.examples), needed=number(thin.needed)
        )
    if thin.thinness == Thinness.ONE_CLASS:
        return _(
            "{payers} of {examples} past snapshots paid: at least {needed} payers and {needed} non-payers"
            " are needed"
        ).format(payers=number(thin.payers), examples=number(thin.examples), needed=number(thin.needed))
    return _("the recent months hold {examples} snapshots, {payers} of them paid: too few to test on").format(
        examples=number(thin.test_examples), payers=number(thin.test_payers)
    )


def training_message(training: Training) -> Reply:
    """One message per training, to the supervisors' channel, in the team's language."""
    if training.thin is not None:
        text = _(
            ":bar_chart: The learned propensity to pay was not trained: {why}. The priority score keeps"
            " the rule score."
        ).format(why=thin_words(training.thin))
        return Reply(text)
    assert training.backtest is not None
    backtest = training.backtest
    figures = {
        "version": training.version,
        "auc": _auc(backtest.auc),
        "rule_auc": _auc(backtest.rule_auc),
        "examples": number(backtest.test_examples),
    }
    if training.adopted:
        text = _(
            ":bar_chart: Learned propensity to pay, version {version}: it ranked the last months' payers"
            " better than the rule score (AUC {auc} against {rule_auc}, on {examples} snapshots), so it"
            " now feeds the priority score."
        )
    else:
        text = _(
            ":bar_chart: Learned propensity to pay, version {version}: it did not rank the last months'"
            " payers clearly better than the rule score (AUC {auc} against {rule_auc}, on {examples}"
            " snapshots), so the priority score keeps the rule score."
        )
    return Reply(text.format(**figures))


def backtest_report(backtest: Backtest, adopted: bool) -> str:
    """`collect-bot score --backtest`: plain text for a terminal (English, as the command line)."""
    lines = [
        f"history {backtest.window_start} to {backtest.window_end}; trained on snapshots before"
        f" {backtest.test_start} ({backtest.train_examples} examples), tested from {backtest.test_start}"
        f" ({backtest.test_examples} examples)",
        f"learned model AUC: {_auc(backtest.auc)}",
        f"rule score AUC:    {_auc(backtest.rule_auc)}",
        "calibration by decile (predicted / observed, examples):",
    ]
    lines += [
        f"  {index:>2}  {decile.predicted:6.1%}  {decile.observed:6.1%}  {decile.count}"
        for index, decile in enumerate(backtest.calibration, 1)
    ]
    lines.append(
        "decision: the learned score replaces the rule score's propensity input"
        if adopted
        else "decision: the rule score stays (the learned model does not beat it by the margin)"
    )
    return "\n".join(lines)


def weights_report(backtest: Backtest) -> str:
    """The model's coefficients, largest first: what it learned, for a reviewer."""
    model = backtest.model
    ranked = sorted(zip(model.features, model.coefficients, strict=True), key=lambda pair: -abs(pair[1]))
    return "\n".join(["coefficients (per standard deviation):"] + [f"  {n:<24} {w:+.3f}" for n, w in ranked])
