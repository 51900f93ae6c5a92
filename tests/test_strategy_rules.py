"""The strategy's rules as plain functions: the file read and checked with the line of a mistake,
the first segment that takes an account wins (and the memoised chooser agrees with the plain
function), the challenger's share holds run after run, and the statistics on known cases."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assignments.rules.scoring import ScoreWeights
from bot.dunning.model import DunningSchedule
from bot.dunning.rules import read_schedule
from bot.strategy.model import Decision, DecisionRecord, Mean, Rate, Verdict
from bot.strategy.rules import (
    DayChooser,
    StrategyError,
    StrategyPlan,
    arms_for_new,
    load_plan,
    mean_interval,
    mean_verdict,
    parse_strategy,
    plan_of,
    rate,
    rate_verdict,
    resolve_treatments,
    segment_of,
    wilson,
)

TODAY = date(2026, 11, 23)
TEAM_WEIGHTS = ScoreWeights(balance=2.0)
TEAM_SCHEDULE = read_schedule("")

EXAMPLE = """\
treatments:
  gentle:
    weights: {promise_broken: 9}
    dunning:
      - {name: nudge, days: 3, kind: reminder, channel: email}
    channels: [sms, email]
    cadence_days: 2
  firm:
    weights: {balance: 3}
segments:
  - name: big-brazil
    when: {balance_min: 5000, currency: BRL}
    treatment: firm
  - name: early-small
    when: {buckets: ["1-30"], balance_max: 1000}
    treatment: standard
    challenger: {treatment: gentle, share: 0.2}
  - name: likely
    when: {score_min: 70, languages: [pt-BR]}
    treatment: gentle
  - name: all
    treatment: standard
"""


def example_plan(decisions: list[DecisionRecord] | None = None):  # type: ignore[no-untyped-def]
    strategy = parse_strategy(EXAMPLE, "strategy.yml")
    treatments = resolve_treatments(strategy, Path("."), TEAM_WEIGHTS, TEAM_SCHEDULE)
    return plan_of(strategy, treatments, decisions or [])


def test_the_shipped_strategy_is_todays_behaviour() -> None:
    plan = load_plan("", TEAM_WEIGHTS, TEAM_SCHEDULE)
    assert [segment.name for segment in plan.segments] == ["all"]
    assert plan.trivial
    assert plan.fallback.weights == TEAM_WEIGHTS
    assert plan.fallback.dunning == TEAM_SCHEDULE


def test_a_treatment_names_only_the_weights_it_changes_and_its_own_schedule() -> None:
    plan = example_plan()
    gentle = plan.segments[1].challenger
    assert gentle is not None
    assert gentle.weights == TEAM_WEIGHTS.model_copy(update={"promise_broken": 9.0})
    assert gentle.weights.balance == 2.0  # the team's, not the shipped default
    assert [stage.name for stage in gentle.dunning.stages] == ["nudge"]
    assert gentle.channels == ("sms", "email") and gentle.cadence_days == 2
    assert plan.segments[1].share == Decimal("0.2")
    assert not plan.trivial


def test_a_dunning_file_is_read_relative_to_the_strategy_file(tmp_path: Path) -> None:
    (tmp_path / "soft.yml").write_text(
        "stages:\n  - {name: soft, days: 10, kind: statement, channel: letter}\n"
    )
    (tmp_path / "strategy.yml").write_text(
        "treatments:\n  soft: {dunning: soft.yml}\nsegments:\n  - {name: all, treatment: soft}\n"
    )
    plan = load_plan(str(tmp_path / "strategy.yml"), TEAM_WEIGHTS, TEAM_SCHEDULE)
    assert [stage.name for stage in plan.segments[0].champion.dunning.stages] == ["soft"]
    (tmp_path / "soft.yml").write_text(
        "stages:\n  - {name: soft, days: ten, kind: statement, channel: letter}\n"
    )
    with pytest.raises(StrategyError, match=r"treatment 'soft': .*soft.yml, line 2: stages\[0\].days"):
        load_plan(str(tmp_path / "strategy.yml"), TEAM_WEIGHTS, TEAM_SCHEDULE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("segments:\n  - name: a\n    treatment: nope\n",
         r"^s.yml, line 3: segments\[0\].treatment: treatment 'nope' is not defined"),
        ("treatments:\n  t:\n    weights: {balnce: 2}\nsegments: []\n",
         r"^s.yml, line 3: treatments.t.weights.balnce: Extra inputs are not permitted"),
        ("treatments:\n  t:\n    weights:\n      aging: -1\n",
         r"^s.yml, line 4: treatments.t.weights.aging: Input should be greater than or equal to 0"),
        ("segments:\n  - name: a\n    treatment: standard\n    when: {buckets: [\"1-31\"]}\n",
         r"^s.yml, line 4: segments\[0\].when.buckets\[0\]: Input should be"),
        ("segments:\n  - name: a\n    treatment: standard\n    challenger: {treatment: standard, share: 0.2}\n",
         r"^s.yml, line 4: segments\[0\].challenger: the challenger is the champion itself"),
        ("treatments:\n  t: {}\nsegments:\n  - name: a\n    treatment: standard\n    challenger: {treatment: t, share: 1.5}\n",
         r"^s.yml, line 6: segments\[0\].challenger.share: Input should be less than 1"),
        ("segments: [\n", r"^s.yml, line 2: not YAML"),
        ("segments:\n  - name: a\n    treatment: standard\n    when:\n      product: [card, Personal Loan]\n",
         r"^s.yml, line 5: segments\[0\].when.product\[1\]: 'Personal Loan' is not a product code "
         r"\(lower case letters, digits and hyphens, at most 40 characters\): write personal-loan$"),
        ("segments:\n  - name: a\n    treatment: standard\n    when: {product: []}\n",
         r"^s.yml, line 4: segments\[0\].when.product: name at least one product, or leave `product` out"),
        ("segments:\n  - name: a\n    treatment: standard\n    when: {product: [" + "a" * 41 + "]}\n",
         r"^s.yml, line 4: segments\[0\].when.product\[0\]: 'a{41}' is not a product code .*: write a{40}$"),
        ("segments:\n  - name: a\n    treatment: standard\n    when: {products: [card]}\n",
         r"^s.yml, line 4: segments\[0\].when.products: Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_file_the_line_and_the_field(text: str, message: str) -> None:
    with pytest.raises(StrategyError, match=message):
        parse_strategy(text, "s.yml")


def test_the_first_segment_that_takes_the_account_wins() -> None:
    plan = example_plan()

    def named(dpd: int, balance: str, currency: str = "USD", score: int | None = None,
              language: str | None = None) -> str | None:  # fmt: skip
        found = segment_of(plan, dpd, Decimal(balance), currency, score, language, None)
        return found.name if found else None

    assert named(10, "6000", "BRL") == "big-brazil"
    assert named(10, "999.99") == "early-small"
    assert named(10, "1000") == "all"  # the top of a range is outside it
    assert named(40, "500", score=80, language="pt-BR") == "likely"
    assert named(40, "500", score=None, language="pt-BR") == "all"  # no score: in no band
    assert named(10, "500", "BRL", 90, "pt-BR") == "early-small"  # earlier segment first


PRODUCTS = """\
treatments:
  gentle: {channels: [sms]}
segments:
  - name: cards
    when: {product: [card, auto], buckets: ["1-30"]}
    treatment: gentle
  - name: loans
    when: {product: personal-loan}
    treatment: gentle
    challenger: {treatment: standard, share: 0.5}
  - name: all
    treatment: standard
"""


def product_plan() -> StrategyPlan:
    strategy = parse_strategy(PRODUCTS, "strategy.yml")
    return plan_of(strategy, resolve_treatments(strategy, Path("."), TEAM_WEIGHTS, TEAM_SCHEDULE))


def test_a_product_rule_takes_the_accounts_of_the_products_it_lists() -> None:
    plan = product_plan()
    assert plan.segments[0].rule.product == ("card", "auto")
    assert plan.segments[1].rule.product == ("personal-loan",)  # one product, written alone

    def named(dpd: int, product: str | None) -> str | None:
        found = segment_of(plan, dpd, Decimal("100"), "USD", None, None, product)
        return found.name if found else None

    assert named(10, "card") == "cards" and named(10, "auto") == "cards"
    assert named(40, "card") == "all"  # the other conditions still hold
    assert named(40, "personal-loan") == "loans"
    assert named(10, "mortgage") == "all"
    assert named(10, None) == "all"  # no product: in no product's segment
    assert named(10, "Card") == "all"  # codes are compared as stored, lower case


def test_the_chooser_reads_the_product_only_where_a_rule_does() -> None:
    assert not DayChooser(example_plan(), TODAY).by_product
    assert DayChooser(product_plan(), TODAY).by_product
    # Without a product rule the product is not part of the memo's key: one entry for both.
    chooser = DayChooser(example_plan(), TODAY)
    due = TODAY - timedelta(days=40)
    chooser.segment(due, Decimal("10"), "USD", None, None, "card")
    chooser.segment(due, Decimal("10"), "USD", None, None, "auto")
    assert len(chooser._left) == 1


@settings(max_examples=200, deadline=None)
@given(
    dpd=st.integers(0, 400),
    balance=st.decimals(min_value=0, max_value=20000, places=2),
    product=st.sampled_from([None, "card", "auto", "personal-loan", "mortgage"]),
)
def test_the_memoised_chooser_gives_segment_of_s_answer_by_product(
    dpd: int, balance: Decimal, product: str | None
) -> None:
    plan = product_plan()
    chooser = DayChooser(plan, TODAY)
    due = TODAY - timedelta(days=dpd)
    for amount in (balance, balance + 1000):
        assert chooser.segment(due, amount, "USD", None, None, product) == segment_of(
            plan, dpd, amount, "USD", None, None, product
        )


def test_a_promoted_challenger_becomes_the_treatment_and_a_stopped_one_ends() -> None:
    promoted = example_plan([DecisionRecord("early-small", "gentle", Decision.PROMOTE)])
    assert promoted.segments[1].champion.name == "gentle" and promoted.segments[1].challenger is None
    stopped = example_plan([DecisionRecord("early-small", "gentle", Decision.STOP)])
    assert stopped.segments[1].champion.name == "standard" and stopped.segments[1].challenger is None
    other = example_plan([DecisionRecord("early-small", "firm", Decision.STOP)])
    assert other.segments[1].challenger is not None  # about another challenger: nothing changes


@settings(max_examples=200, deadline=None)
@given(
    dpd=st.integers(0, 400),
    balance=st.decimals(min_value=0, max_value=20000, places=2),
    currency=st.sampled_from(["USD", "BRL"]),
    score=st.none() | st.integers(0, 100),
    language=st.sampled_from([None, "en", "pt-BR"]),
)
def test_the_memoised_chooser_gives_segment_of_s_answer(
    dpd: int, balance: Decimal, currency: str, score: int | None, language: str | None
) -> None:
    plan = example_plan()
    chooser = DayChooser(plan, TODAY)
    due = TODAY - timedelta(days=dpd)
    # Twice: the second answer comes from the memo, with another balance on the same key.
    for amount in (balance, balance + 1000):
        assert chooser.segment(due, amount, currency, score, language, None) == segment_of(
            plan, dpd, amount, currency, score, language, None
        )


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    share=st.sampled_from([Decimal("0.1"), Decimal("0.2"), Decimal("0.5"), Decimal("0.33")]),
    arrivals=st.lists(st.integers(0, 60), min_size=1, max_size=8),
)
def test_the_challengers_share_holds_run_after_run(seed: int, share: Decimal, arrivals: list[int]) -> None:
    rng = random.Random(seed)
    drawn: dict[int, bool] = {}
    next_pk = 0
    for count in arrivals:
        new = list(range(next_pk, next_pk + count))
        next_pk += count
        challengers = sum(drawn.values())
        chosen = arms_for_new(new, len(drawn) - challengers, challengers, share, rng)
        assert chosen <= set(new)
        drawn.update({pk: pk in chosen for pk in new})
        # Within one account of the share of everyone drawn so far, after every run.
        assert abs(sum(drawn.values()) - share * len(drawn)) <= 1


def test_the_draw_is_random_but_reproducible_with_a_seed() -> None:
    new = list(range(100))
    first = arms_for_new(new, 0, 0, Decimal("0.2"), random.Random(7))
    assert first == arms_for_new(new, 0, 0, Decimal("0.2"), random.Random(7))
    assert len(first) == 20
    assert first != arms_for_new(new, 0, 0, Decimal("0.2"), random.Random(8))


@pytest.mark.parametrize(
    ("hits", "trials", "low", "high"),
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
    # Medicine 17, table I, method 3 (Wilson score, no continuity correction).
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_the_wilson_interval_on_textbook_cases(hits: int, trials: int, low: float, high: float) -> None:
    found = wilson(hits, trials)
    assert found is not None
    assert round(found[0], 4) == low and round(found[1], 4) == high


def test_a_rate_of_nothing_tried_has_no_interval() -> None:
    assert wilson(0, 0) is None
    assert rate(0, 0) == Rate(0, 0, None, None)


def test_collected_per_account_by_the_normal_approximation() -> None:
    found = mean_interval("USD", [Decimal(10), Decimal(20), Decimal(30)])
    # mean 20, s = 10, 1.96 * 10 / √3 = 11.3159…
    assert (found.mean, found.low, found.high) == (Decimal("20.00"), Decimal("8.68"), Decimal("31.32"))
    assert mean_interval("USD", []).accounts == 0
    assert mean_interval("JPY", [Decimal(100)], Decimal(1)).mean == Decimal(100)


def test_the_verdicts() -> None:
    assert rate_verdict(rate(10, 20), rate(15, 20)) == Verdict.TOO_FEW
    assert rate_verdict(rate(30, 100), rate(36, 100)) == Verdict.CHALLENGER_AHEAD
    assert rate_verdict(rate(300, 1000), rate(360, 1000)) == Verdict.CHALLENGER_AHEAD_SIGNIFICANT
    assert rate_verdict(rate(360, 1000), rate(300, 1000)) == Verdict.CHAMPION_AHEAD_SIGNIFICANT
    assert rate_verdict(rate(36, 100), rate(30, 100)) == Verdict.CHAMPION_AHEAD
    assert rate_verdict(rate(30, 100), rate(30, 100)) == Verdict.LEVEL
    few = mean_interval("USD", [Decimal(1)] * 10)
    assert mean_verdict(few, few) == Verdict.TOO_FEW
    champion = mean_interval("USD", [Decimal(0), Decimal(100)] * 50)  # mean 50, s ≈ 50.25
    near = mean_interval("USD", [Decimal(0), Decimal(110)] * 50)  # mean 55: z ≈ 0.7
    far = mean_interval("USD", [Decimal(0), Decimal(140)] * 50)  # mean 70: z ≈ 2.6
    assert mean_verdict(champion, near) == Verdict.CHALLENGER_AHEAD
    assert mean_verdict(champion, far) == Verdict.CHALLENGER_AHEAD_SIGNIFICANT
    assert mean_verdict(far, champion) == Verdict.CHAMPION_AHEAD_SIGNIFICANT
    assert isinstance(champion, Mean)


def test_schedules_are_listed_once() -> None:
    plan = example_plan()
    schedules = plan.schedules()
    assert schedules[0] == TEAM_SCHEDULE
    assert len(schedules) == len(set(map(DunningSchedule.model_dump_json, schedules)))


def test_a_wrong_strategy_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    from bot.settings import SettingsError, load_settings

    wrong = tmp_path / "strategy.yml"
    wrong.write_text("segments:\n  - name: all\n    treatment: standard\n    when: {score_min: 101}\n")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, COLLECT_STRATEGY_FILE=str(wrong))
    assert str(raised.value) == (
        f"COLLECT_STRATEGY_FILE is invalid: {wrong}, line 4: segments[0].when.score_min: "
        "Input should be less than or equal to 100"
    )
    assert load_settings(_env_file=None).strategy.segments[0].name == "all"
