"""The learned propensity to pay: features that never look past their snapshot, a backtest that
recovers a known pattern and beats the rule score, a thin history that falls back, the weekly job
that trains once and tells the supervisors, and the words that explain a score."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from bot.assignments.records.worklists import worklist_for
from bot.assignments.rules.scoring import ScoreWeights
from bot.calendar import local_day
from bot.language.render import speaking
from bot.propensity.model import (
    FEATURES,
    AccountHistory,
    Backtest,
    ContactEvent,
    PaymentEvent,
    PromiseEvent,
    ThinHistory,
)
from bot.propensity.records import _LocalDays, day_rows, histories, learned_rows, learned_scores, rows_of
from bot.propensity.rules import (
    HistoryIndex,
    backtest,
    balance_on,
    contributions,
    explain,
    features,
    fit,
    in_its_money,
    learned_wins,
    owed_on,
    paid_within,
    probability,
    rule_facts,
    sampling_step,
)
from bot.runtime import Runtime
from schedules.runner import run_job
from storage.database import Database
from storage.models import (
    Assignment,
    Contact,
    JobRun,
    OutboxMessage,
    Payment,
    Promise,
    PropensityModel,
    PropensityScore,
    SkippedRow,
)
from tests.conftest import MONDAY_9AM
from tests.portfolio import add_agent
from tests.propensity_portfolio import generated_histories, load_histories
from wiring.cli.main import main

TODAY = date(2026, 11, 23)
MONDAY_AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday, just after midnight in New York
WEIGHTS = ScoreWeights()

# --- features: nothing on or after the snapshot counts ----------------------------------------------

days = st.integers(min_value=0, max_value=400).map(lambda n: date(2025, 10, 1) + timedelta(days=n))
outcomes = st.sampled_from(["right-party", "no-answer", "left-message", "refused"])
channels = st.sampled_from(["call", "sms", "email", "letter"])


@st.composite
def history_and_snapshot(draw: st.DrawFn) -> tuple[AccountHistory, date]:
    payments = sorted(draw(st.lists(days, max_size=12)))
    contacts = sorted(
        (ContactEvent(day, channel, outcome, callback) for day, channel, outcome, callback in draw(
            st.lists(st.tuples(days, channels, outcomes, st.none() | days), max_size=15))),
        key=lambda c: c.on,
    )  # fmt: skip
    promises = []
    for made, wait, status, due_in in draw(st.lists(st.tuples(days, st.integers(0, 30), st.sampled_from(
            ["open", "kept", "broken", "cancelled"]), st.integers(0, 20)), max_size=6)):  # fmt: skip
        resolved = None if status == "open" else made + timedelta(days=wait)
        promises.append(
            PromiseEvent(made, status, resolved, made + timedelta(days=due_in), Decimal(due_in + 1))
        )
    history = AccountHistory(
        pk=1,
        due_date=draw(days),
        balance=Decimal(draw(st.integers(0, 10_000))),
        original_amount=Decimal(10_000),
        language=draw(st.sampled_from([None, "en", "pt-BR", "es", "fr"])),
        currency="USD",
        # Now and then a payment in another currency: counted as a payment, never added to USD.
        payments=tuple(
            PaymentEvent(day, Decimal(draw(st.integers(1, 500))), draw(st.sampled_from([None, "USD", "EUR"])))
            for day in payments
        ),
        contacts=tuple(contacts),
        promises=tuple(sorted(promises, key=lambda p: p.made_on)),
    )
    return history, draw(days)


def _as_known_on(history: AccountHistory, snapshot: date) -> AccountHistory:
    """The history as the bot held it at the start of `snapshot`: later events unknown, the
    balance then, promises resolved later still open."""
    earlier = tuple(p for p in history.payments if p.on < snapshot)
    later_paid = sum(
        (p.amount for p in history.payments if p.on >= snapshot and in_its_money(history, p)), Decimal(0)
    )
    promises = tuple(
        p
        if p.resolved_on is not None and p.resolved_on < snapshot
        else replace(p, status="open", resolved_on=None)
        for p in history.promises
        if p.made_on < snapshot
    )
    return replace(
        history,
        balance=history.balance + later_paid,
        payments=earlier,
        contacts=tuple(c for c in history.contacts if c.on < snapshot),
        promises=promises,
    )


@settings(max_examples=200, deadline=None)
@given(history_and_snapshot())
def test_no_feature_reads_anything_dated_on_or_after_the_snapshot(case: tuple[AccountHistory, date]) -> None:
    history, snapshot = case
    assert features(history, snapshot) == features(_as_known_on(history, snapshot), snapshot)


@settings(max_examples=200, deadline=None)
@given(history_and_snapshot())
def test_the_rule_scores_facts_read_nothing_dated_on_or_after_the_snapshot(
    case: tuple[AccountHistory, date],
) -> None:
    history, snapshot = case
    assert rule_facts(history, snapshot) == rule_facts(_as_known_on(history, snapshot), snapshot)


def test_the_rule_scores_facts_are_the_account_as_the_morning_of_the_snapshot_saw_it() -> None:
    snapshot = date(2026, 3, 10)
    before, on = snapshot - timedelta(days=1), snapshot
    history = AccountHistory(
        pk=1,
        due_date=date(2026, 1, 1),
        balance=Decimal(100),
        original_amount=Decimal(1_000),
        language="en",
        contacts=(
            ContactEvent(date(2026, 3, 2), "call", "right-party", callback_on=snapshot),
            ContactEvent(before, "call", "no-answer", callback_on=None),
            ContactEvent(on, "call", "right-party", callback_on=on),  # that morning's list was made
        ),
        promises=(
            # Kept the day before: closed by then.
            PromiseEvent(date(2026, 2, 1), "kept", before, date(2026, 2, 5), Decimal(10)),
            # Cancelled on the snapshot's day: still open that morning, and the earliest due.
            PromiseEvent(date(2026, 3, 1), "cancelled", on, date(2026, 3, 6), Decimal(20)),
            PromiseEvent(date(2026, 3, 2), "open", None, date(2026, 3, 20), Decimal(30)),
            # Made on the snapshot's day: not yet known.
            PromiseEvent(on, "open", None, date(2026, 3, 3), Decimal(40)),
        ),
    )
    facts = rule_facts(history, snapshot)
    assert (facts.promise_due, facts.promise_amount) == (date(2026, 3, 6), Decimal(20))
    # The last contact before the day left no callback: the earlier one asked for was replaced.
    assert facts.callback_on is None
    assert (facts.last_contact_on, facts.last_conversation_on) == (before, date(2026, 3, 2))
    assert HistoryIndex(history).rule_facts(snapshot) == facts
    # A day later, the promise due 3-6 is gone (cancelled), the one made on the 10th is the earliest.
    later = rule_facts(history, snapshot + timedelta(days=1))
    assert (later.promise_due, later.promise_amount, later.callback_on) == (date(2026, 3, 3), Decimal(40), on)
    # A closed promise whose closing day is not known is not taken for open at any snapshot.
    unknown = replace(history, promises=(PromiseEvent(date(2026, 3, 1), "broken", None, on, Decimal(5)),))
    assert rule_facts(unknown, snapshot).promise_due is None


@settings(max_examples=300, deadline=None)
@given(history_and_snapshot())
def test_the_indexed_history_gives_exactly_what_the_plain_functions_give(
    case: tuple[AccountHistory, date],
) -> None:
    history, snapshot = case
    indexed = HistoryIndex(history)
    assert indexed.features(snapshot) == features(history, snapshot)
    assert indexed.balance_on(snapshot.toordinal()) == balance_on(history, snapshot)
    assert indexed.owed_on(snapshot) == owed_on(history, snapshot)
    assert indexed.paid_within(snapshot) == paid_within(history, snapshot)
    assert indexed.rule_facts(snapshot) == rule_facts(history, snapshot)


@settings(max_examples=100, deadline=None)
@given(history_and_snapshot())
def test_features_are_finite_and_in_their_ranges(case: tuple[AccountHistory, date]) -> None:
    history, snapshot = case
    row = dict(zip(FEATURES, features(history, snapshot), strict=True))
    assert all(math.isfinite(value) for value in row.values())
    for share in ("paid_down_30", "calls_answered", "texts_answered", "emails_answered"):
        assert 0 <= row[share] <= 1
    assert 0 <= row["days_since_payment"] <= 365 and 0 <= row["days_past_due"] <= 720
    assert row["language_en"] + row["language_pt"] + row["language_es"] <= 1


# --- the backtest ---------------------------------------------------------------------------------


def test_the_backtest_recovers_a_known_pattern_well_above_the_rule_score() -> None:
    found = backtest(list(generated_histories(300, TODAY)), TODAY, 3, WEIGHTS, 3)
    assert isinstance(found, Backtest)
    assert found.auc > 0.7 and found.auc > found.rule_auc + 0.15
    assert learned_wins(found)
    # What it learned is the pattern the payers follow: answering texts weighs most, and keeping
    # promises counts for, breaking them against.
    weights = dict(zip(found.model.features, found.model.coefficients, strict=True))
    assert max(weights, key=lambda name: abs(weights[name])) == "texts_answered"
    assert weights["promises_kept"] > 0 > weights["promises_broken"]
    # Out of time: trained only on snapshots whose 14 days ended before the test months.
    assert found.test_start == date(2026, 8, 9) and found.window_end == TODAY - timedelta(days=14)
    # Calibrated: the deciles rise, and the top one is observed within 10 points of its prediction.
    observed = [decile.observed for decile in found.calibration]
    assert observed[-1] > observed[0] and abs(found.calibration[-1].predicted - observed[-1]) < 0.1


def _promise_keepers(accounts: int) -> list[AccountHistory]:
    """Histories where the rule score's promise input matters: every account makes a promise
    every four weeks, due a week later, on one of the backtest's weekly snapshot days (its test
    months start on 2026-08-09); keepers (a third) pay on the due day, the others never do."""
    found = []
    for pk in range(1, accounts + 1):
        keeper = pk % 3 == 0
        promises, payments = [], []
        due = date(2026, 8, 9) + timedelta(days=7 * (pk % 4) - 28 * 12)
        while due < TODAY:
            paid = keeper
            promises.append(
                PromiseEvent(due - timedelta(days=7), "kept" if paid else "open", due if paid else None,
                             due, Decimal(50))
            )  # fmt: skip
            if paid:
                payments.append(PaymentEvent(due, Decimal(50)))
            due += timedelta(days=28)
        found.append(
            AccountHistory(
                pk=pk,
                due_date=TODAY - timedelta(days=400),
                balance=Decimal(100_000),
                original_amount=Decimal(200_000),
                language="en",
                opened_on=TODAY - timedelta(days=365),
                payments=tuple(payments),
                promises=tuple(promises),
            )
        )
    return found


def test_the_backtests_rule_score_weighs_the_promises_open_at_each_snapshot() -> None:
    """The rule score at each snapshot reads the promises open that morning, as the morning's
    score would have: its AUC moves with the promise parts' weights (it stayed at 0.5 when the
    backtest left the promises out)."""
    keepers = _promise_keepers(240)

    def rule_auc(**promise_parts: float) -> float:
        # The balance part off: the keepers' paid-down balances would tell them apart on their own.
        found = backtest(keepers, TODAY, 3, ScoreWeights(balance=0, **promise_parts), 3)
        assert isinstance(found, Backtest)
        return found.rule_auc

    blind = rule_auc(promise_due_today=0, promise_broken=0, promise_pending=0)
    due_today = rule_auc(promise_broken=0, promise_pending=0)
    every_part = rule_auc()
    # Without its promise parts the rule score cannot tell these accounts apart.
    assert blind == pytest.approx(0.5)
    # A promise due that day comes first, and the keepers pay on the day: the AUC rises.
    assert due_today > blind + 0.1
    # With the broken and pending parts too, the accounts with a promise long broken come first
    # and the keepers' promise not yet due comes last: in this history the first never pay and the
    # others pay within the week, so the AUC falls back, as the rule score would have ranked them.
    assert every_part < due_today - 0.1


def test_the_events_instants_fall_on_the_teams_days_whether_few_or_many_are_placed_at_once() -> None:
    """The history's read places a few instants by bisect and many by numpy: both give local_day's
    day, at the team's midnights (either side of a second) and across its clock changes."""
    zone = ZoneInfo("America/New_York")
    midnights = [
        int(datetime.combine(date(2026, 1, 1) + timedelta(days=n), time(0), zone).timestamp())
        for n in range(0, 400, 3)
    ]
    changes = [
        int(datetime(2026, 3, 8, 7, tzinfo=UTC).timestamp()),
        int(datetime(2026, 11, 1, 6, tzinfo=UTC).timestamp()),
    ]
    stamps = [
        moment + step for moment in [*midnights, *changes] for step in (-3601, -1, 0, 1, 3599, 3600, 43_200)
    ]
    expected = [local_day(datetime.fromtimestamp(stamp, UTC), zone).toordinal() for stamp in stamps]
    many = stamps * (_LocalDays.FEW // len(stamps) + 1)
    assert len(many) > _LocalDays.FEW >= len(stamps)
    assert _LocalDays(zone).ordinals(stamps) == expected
    assert _LocalDays(zone).ordinals(many) == expected * (len(many) // len(stamps))


def test_a_thin_history_falls_back_with_a_reason() -> None:
    assert isinstance(backtest(list(generated_histories(3, TODAY)), TODAY, 3, WEIGHTS, 3), ThinHistory)
    assert isinstance(backtest([], TODAY, 3, WEIGHTS, 3), ThinHistory)
    nobody_pays = [replace(h, payments=()) for h in generated_histories(300, TODAY)]
    thin = backtest(nobody_pays, TODAY, 3, WEIGHTS, 3)
    assert isinstance(thin, ThinHistory) and thin.payers == 0


def test_contributions_add_up_to_the_score_and_explain_it_in_each_language() -> None:
    histories = list(generated_histories(200, TODAY))
    rows = [features(h, TODAY - timedelta(days=28 * k)) for h in histories for k in range(1, 8)]
    labels = [int(row[FEATURES.index("texts_answered")] > 0.5) for row in rows]
    model = fit(rows, labels)
    row = next(r for r, label in zip(rows, labels, strict=True) if label)
    logit = model.intercept + sum(part for _name, part in contributions(model, row))
    assert math.isclose(1 / (1 + math.exp(-logit)), probability(model, row), rel_tol=1e-9)
    said = {}
    for locale in ("en", "pt-BR", "es"):
        with speaking(locale):
            said[locale] = explain(model, row)
    assert said["en"].startswith("likely to pay") and "answers texts" in said["en"]
    assert said["pt-BR"].startswith("provável que pague") and "responde a mensagens" in said["pt-BR"]
    assert said["es"].startswith("probable que pague") and "responde mensajes" in said["es"]


# --- the job, the morning and the command line, on the real database ------------------------------


@pytest.mark.settings(COLLECT_SUPERVISOR_CHANNEL="C0SUPERVISORS", COLLECT_LANGUAGE="es")
def test_train_score_runs_once_a_week_stores_the_model_and_tells_the_supervisors(
    runtime: Runtime, db: Database
) -> None:
    load_histories(db, list(generated_histories(300, TODAY)))
    first = run_job(runtime, "train-score", MONDAY_AT, by="test")
    again = run_job(runtime, "train-score", MONDAY_AT + timedelta(days=2), by="test")
    assert first.ran and "adopted" in first.message
    assert not again.ran and "already ran" in again.message
    with db.reading() as session:
        stored = session.scalars(select(PropensityModel)).one()
        assert stored.version == 1 and stored.adopted and stored.features == list(FEATURES)
        assert stored.metrics["auc"] > stored.metrics["rule_auc"] + 0.15
        assert len(stored.metrics["calibration"]) == 10
        assert (
            session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == "train-score")) == 1
        )
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "train-score")).one()
        assert told.channel == "C0SUPERVISORS" and "versión 1" in told.payload["text"]
        learned = learned_scores(session, TODAY, runtime.zone)
    # The morning's scoring now reads the learned propensity of every open account.
    assert learned is not None and len(learned.scores) == 300
    assert all(0 <= score <= 100 for score in learned.scores.values())


@pytest.mark.settings(COLLECT_SUPERVISOR_CHANNEL="C0SUPERVISORS")
def test_a_new_team_trains_nothing_and_is_told_why(runtime: Runtime, db: Database) -> None:
    load_histories(db, list(generated_histories(4, TODAY)))
    report = run_job(runtime, "train-score", MONDAY_AT, by="test")
    assert report.ran and "too thin" in report.message
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(PropensityModel)) == 0
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "train-score")).one()
        assert "keeps the rule score" in told.payload["text"]
        assert learned_scores(session, TODAY, runtime.zone) is None


def test_score_backtest_on_the_command_line(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["score", "--backtest", "--today", TODAY.isoformat()]) == 0
    assert "not enough history to learn from" in capsys.readouterr().out
    load_histories(db, list(generated_histories(300, TODAY)))
    assert main(["score", "--backtest", "--months", "3", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "learned model AUC" in out and "rule score AUC" in out and "calibration by decile" in out
    assert "the learned score replaces" in out
    assert main(["score"]) == 0
    assert "no model trained yet" in capsys.readouterr().out


# The propensity part weighs most here, so the list is the model's ranking and its words come first
# (set as the team would, so the strategy's treatments are made from these weights too).
@pytest.mark.settings(COLLECT_SCORE_WEIGHTS={"propensity": 40})
def test_the_morning_ranks_by_the_adopted_model_and_says_why(runtime: Runtime, db: Database) -> None:
    assert runtime.settings.score_weights == ScoreWeights(propensity=40)
    load_histories(db, list(generated_histories(300, TODAY)))
    add_agent(db, "U0AGENT1", "Ana", languages="en;pt-br;es;pt;es-419", daily_capacity=40)
    assert run_job(runtime, "train-score", MONDAY_AT, by="test").ran
    assert run_job(runtime, "learned-scores", MONDAY_AT, by="test").ran
    assert run_job(runtime, "daily-assignments", MONDAY_9AM, by="test").ran
    with db.reading() as session:
        lines = session.scalars(select(Assignment).order_by(Assignment.rank)).all()
        learned = learned_scores(session, TODAY, runtime.zone)
    assert learned is not None and len(lines) == 40
    # The list is the accounts the model finds likeliest to pay, each saying so in words.
    chosen = [learned.scores[line.account_pk] for line in lines]
    assert min(chosen) >= sorted(learned.scores.values())[-60]
    assert all(any(reason.startswith("likely to pay (") for reason in line.reasons) for line in lines[:10])
    with db.reading() as session:
        worded = worklist_for(
            session, "U0AGENT1", TODAY, runtime.zone, weights=runtime.settings.score_weights
        )
    assert any(reason.startswith("likely to pay (") for reason in worded.lines[0].reasons)


def test_the_mornings_rows_summed_by_the_database_equal_the_features_of_each_history(
    runtime: Runtime, db: Database
) -> None:
    generated = list(generated_histories(120, TODAY))
    load_histories(db, generated)
    with db.transaction() as session:
        # A payment already received this morning is added back to the balance, as features() does.
        session.add(Payment(account_pk=1, amount=Decimal("10.00"), currency="USD", received_at=MONDAY_9AM,
                            recorded_by="test", created_at=MONDAY_9AM))  # fmt: skip
    with db.reading() as session:
        summed = learned_rows(session, TODAY, runtime.zone)
        held = {h.pk: features(h, TODAY) for h in histories(session, runtime.zone)}
        some = learned_rows(session, TODAY, runtime.zone, [1, 7])
    assert summed == held and len(summed) == 120
    assert some == {1: held[1], 7: held[7]}


def test_the_histories_read_from_the_database_give_the_rule_facts_the_morning_read(
    runtime: Runtime, db: Database
) -> None:
    """The callbacks and open promises the backtest's rule score reads come back from the
    database as written (imported history too), in the order the morning's read takes them."""
    day = TODAY - timedelta(days=20)
    written = AccountHistory(
        pk=1,
        due_date=TODAY - timedelta(days=100),
        balance=Decimal(500),
        original_amount=Decimal(1_000),
        language="en",
        opened_on=TODAY - timedelta(days=200),
        contacts=(
            ContactEvent(day, "call", "right-party", callback_on=day + timedelta(days=2)),
            # Later the same day, without a callback: the account's callback is cleared.
            ContactEvent(day, "sms", "no-answer"),
            ContactEvent(day + timedelta(days=3), "call", "right-party", callback_on=day + timedelta(days=4)),
        ),
        promises=(
            PromiseEvent(day, "open", None, day + timedelta(days=9), Decimal("75.50")),
            PromiseEvent(day, "open", None, day + timedelta(days=9), Decimal("20.00")),
            PromiseEvent(day - timedelta(days=30), "kept", day - timedelta(days=21), day - timedelta(days=21),
                         Decimal(40)),
        ),
    )  # fmt: skip
    load_histories(db, [written])
    with db.reading() as session:
        (read,) = histories(session, runtime.zone)
    for snapshot in (day, day + timedelta(days=1), day + timedelta(days=4), TODAY):
        assert rule_facts(read, snapshot) == rule_facts(written, snapshot)
    facts = rule_facts(read, day + timedelta(days=4))
    assert facts.callback_on == day + timedelta(days=4)
    assert (facts.promise_due, facts.promise_amount) == (day + timedelta(days=9), Decimal("75.50"))
    assert rule_facts(read, day + timedelta(days=1)).callback_on is None


def _utc(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}+00:00")


def test_the_summed_rows_hold_at_the_window_edges_the_teams_midnights_and_apart_currencies(
    runtime: Runtime, db: Database
) -> None:
    """Events one second either side of the team's midnights (New York: EST today, EDT 30 and 90
    days ago), a payment in euros on a dollar account: the database's sums, the features of the
    history and the figures worked out by hand are the same."""
    load_histories(db, [AccountHistory(pk=1, due_date=date(2026, 10, 9), balance=Decimal(1000),
                                       original_amount=Decimal(2000), language="es", opened_on=date(2025, 1, 1))])  # fmt: skip
    paid = [
        ("2026-11-23", "05:00:00", "10.00", "USD"),  # today in New York: added back to the balance
        ("2026-11-23", "05:30:00", "999.00", "EUR"),  # today, in euros: not added to dollars
        ("2026-11-23", "04:59:59", "30.00", "USD"),  # yesterday evening in New York
        ("2026-11-20", "15:00:00", "777.00", "EUR"),  # a payment, but no dollars paid down
        ("2026-10-24", "04:00:00", "20.00", "USD"),  # 30 days ago at midnight (EDT): paid down
        ("2026-10-24", "03:59:59", "40.00", "USD"),  # a second earlier: 31 days ago
        ("2026-11-09", "15:00:00", "5.00", "USD"),  # within the label's 14 days before today
        ("2026-08-25", "04:00:00", "1.00", "USD"),  # 90 days ago at midnight: in the 90 days
        ("2026-08-25", "03:59:59", "2.00", "USD"),  # a second earlier: not
    ]
    tried = [
        ("2026-08-25", "04:00:00", "sms", "right-party"),
        ("2026-08-25", "03:59:59", "sms", "no-answer"),  # 91 days ago: no longer counted
        ("2026-11-23", "04:59:59", "call", "right-party"),  # yesterday: the last conversation
        ("2026-11-23", "05:00:00", "call", "no-answer"),  # today: not yet
        ("2026-11-01", "15:00:00", "email", "left-message"),
    ]
    made = [
        ("2025-01-01", "2025-01-08 15:00:00", "kept"),
        ("2026-11-10", "2026-11-23 04:59:59", "kept"),
        ("2026-11-20", "2026-11-23 05:00:00", "broken"),  # resolved today: not yet known
    ]
    with db.transaction() as session:
        for day, clock, amount, currency in paid:
            session.add(Payment(account_pk=1, amount=Decimal(amount), currency=currency, received_at=_utc(day, clock),
                                recorded_by="test", created_at=_utc(day, clock)))  # fmt: skip
        for day, clock, channel, outcome in tried:
            session.add(Contact(account_pk=1, at=_utc(day, clock), channel=channel, outcome=outcome,
                                source="test", created_at=_utc(day, clock)))  # fmt: skip
        for day, resolved, status in made:
            session.add(Promise(account_pk=1, amount=Decimal(50), currency="USD", due_date=date.fromisoformat(day),
                                status=status, paid_toward=Decimal(0), made_by="test", made_at=_utc(day, "15:00:00"),
                                resolved_at=datetime.fromisoformat(resolved + "+00:00")))  # fmt: skip
    with db.reading() as session:
        summed = learned_rows(session, TODAY, runtime.zone)[1]
        [history] = histories(session, runtime.zone)
    balance, down = 1010.0, 55.0  # 20 + 5 + 30 dollars in the 30 days
    by_hand = (
        45.0,  # due 2026-10-09
        math.log10(1 + balance),
        down / (balance + down),
        6.0,  # dollars and euros alike, from 90 days ago at midnight
        1.0,
        2.0,
        0.0,
        1.0,  # calls: 1 answered of 1
        1.0,  # texts: the one of the 90 days answered
        0.0,
        1.0,  # the email
        1.0,
        0.0,
        0.0,
        1.0,
    )
    assert summed == features(history, TODAY) == by_hand


def test_the_days_rows_come_the_same_whatever_the_batch(runtime: Runtime, db: Database) -> None:
    load_histories(db, list(generated_histories(40, TODAY)))
    with db.transaction() as session:
        session.execute(text("UPDATE accounts SET status = 'paid' WHERE id IN (3, 8, 9)"))
    with db.reading() as session:
        whole = learned_rows(session, TODAY, runtime.zone)
        batches = list(day_rows(session, TODAY, runtime.zone, batch=7))
        some = list(day_rows(session, TODAY, runtime.zone, pks=[40, 1, 8, 22, 23, 5], batch=2))
    assert len(whole) == 37 and 3 not in whole
    assert [pk for pks, _rows in batches for pk in pks] == sorted(whole)
    assert {pk: row for pks, rows in batches for pk, row in zip(pks, rows, strict=True)} == whole
    assert [pks for pks, _rows in some] == [[1, 5], [22], [23, 40]]  # two asked a time, 8 closed
    assert all(whole[pk] == row for pks, rows in some for pk, row in zip(pks, rows, strict=True))


def test_the_stored_scores_are_written_in_bulk_as_the_orm_reads_them(runtime: Runtime, db: Database) -> None:
    load_histories(db, list(generated_histories(300, TODAY)))
    assert run_job(runtime, "train-score", MONDAY_AT, by="test").ran
    assert run_job(runtime, "learned-scores", MONDAY_AT, by="test").ran
    with db.reading() as session:
        stored = session.scalars(select(PropensityScore).order_by(PropensityScore.account_pk)).all()
        rows = learned_rows(session, TODAY, runtime.zone)
    assert [row.account_pk for row in stored] == sorted(rows)
    assert all(row.day == TODAY and tuple(row.features) == rows[row.account_pk] for row in stored)
    assert all(0 <= row.score <= 100 for row in stored)


def test_a_large_portfolio_trains_on_an_even_sample_of_its_accounts(runtime: Runtime, db: Database) -> None:
    assert [sampling_step(n) for n in (0, 1, 20_000, 20_001, 1_000_000)] == [1, 1, 1, 2, 50]
    load_histories(db, list(generated_histories(30, TODAY)))
    with db.reading() as session:
        sample = histories(session, runtime.zone, every=7)
        everyone = {h.pk: h for h in histories(session, runtime.zone)}
    assert [h.pk for h in sample] == [7, 14, 21, 28]
    assert all(h == everyone[h.pk] for h in sample)
    # The generator draws each account from its own seed: a sample is those accounts as in full.
    assert list(generated_histories(30, TODAY, every=7)) == [
        h for h in generated_histories(30, TODAY) if h.pk % 7 == 0
    ]


def test_the_days_scores_stored_at_midnight_are_the_ones_the_morning_would_compute(
    runtime: Runtime, db: Database
) -> None:
    load_histories(db, list(generated_histories(300, TODAY)))
    nothing = run_job(runtime, "learned-scores", MONDAY_AT - timedelta(days=1), by="test")
    assert nothing.ran and "rule score stands" in nothing.message
    assert run_job(runtime, "train-score", MONDAY_AT, by="test").ran
    with db.reading() as session:
        live = learned_scores(session, TODAY, runtime.zone)
    stored = run_job(runtime, "learned-scores", MONDAY_AT, by="test")
    assert stored.ran and stored.message == f"300 accounts scored for {TODAY}"
    assert not run_job(runtime, "learned-scores", MONDAY_9AM, by="test").ran
    with db.reading() as session:
        morning = learned_scores(session, TODAY, runtime.zone)
        assert live is not None and morning is not None
        assert morning.scores == live.scores and morning.rows == {}
        assert rows_of(session, morning, TODAY, runtime.zone, [1, 2, 3]) == {
            pk: live.rows[pk] for pk in (1, 2, 3)
        }
        # Tomorrow's morning does not take today's scores: it works them out until its own are stored.
        tomorrow = learned_scores(session, TODAY + timedelta(days=1), runtime.zone)
    assert tomorrow is not None and tomorrow.rows


def test_an_unreadable_account_leaves_the_morning_on_the_rule_score_not_stopped(
    runtime: Runtime, db: Database
) -> None:
    load_histories(db, list(generated_histories(300, TODAY)))
    add_agent(db, "U0AGENT1", "Ana", languages="en;pt-br;es;pt;es-419", daily_capacity=40)
    assert run_job(runtime, "train-score", MONDAY_AT, by="test").ran
    # A value the driver cannot read, as only a direct write to the database leaves it.
    unreadable = "'soon'" if db.is_sqlite else "'infinity'"
    with db.transaction() as session:
        session.execute(text(f"UPDATE accounts SET due_date = {unreadable} WHERE id = 5"))
    report = run_job(runtime, "daily-assignments", MONDAY_9AM, by="test")
    assert report.ran and not report.failed
    with db.reading() as session:
        lines = session.scalars(select(Assignment)).all()
        skipped = [row.row_key for row in session.scalars(select(SkippedRow))]
    assert len(lines) == 40 and all(line.account_pk != 5 for line in lines)
    assert any("learned propensity" in key for key in skipped)
