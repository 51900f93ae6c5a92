"""Ranking and allocation rules, as plain functions at their edges."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assignments.rules.allocation import AgentSlot, Candidate, allocate
from bot.assignments.rules.scoring import AccountFacts, ScoreWeights, reasons, score
from bot.compliance.rules.contact_limits import ContactHistory, call_block, hold_block
from tests.allocation_reference import reference_allocate

TODAY = date(2026, 11, 23)
WEIGHTS = ScoreWeights()


def facts(**changes: Any) -> AccountFacts:
    base = AccountFacts(
        pk=1,
        account_id="ACC-1",
        currency="USD",
        balance=Decimal("4310.00"),
        original_amount=None,
        due_date=TODAY - timedelta(days=100),
        assigned_to=None,
        language=None,
        risk_score=None,
        last_contact_on=TODAY - timedelta(days=12),
        last_conversation_on=TODAY - timedelta(days=40),
        callback_on=None,
        promise_amount=None,
        promise_due=None,
    )
    return base._replace(**changes)


def test_reasons_say_why_in_words() -> None:
    said = reasons(facts(promise_amount=Decimal("250.00"), promise_due=TODAY), TODAY, WEIGHTS, 1)
    assert said[0] == "promise of $250.00 due today"
    assert "91-120 days past due" in said
    assert reasons(facts(), TODAY, WEIGHTS, 1, most=5)[-2:] == [
        "no contact for 12 days",
        "no conversation for 40 days",
    ]


def test_a_promise_due_today_or_broken_outranks_one_not_yet_due() -> None:
    due_today = score(facts(promise_amount=Decimal(1), promise_due=TODAY), TODAY, WEIGHTS, 1)
    broken = score(facts(promise_amount=Decimal(1), promise_due=TODAY - timedelta(days=2)), TODAY, WEIGHTS, 1)
    in_grace = score(
        facts(promise_amount=Decimal(1), promise_due=TODAY - timedelta(days=1)), TODAY, WEIGHTS, 1
    )
    pending = score(
        facts(promise_amount=Decimal(1), promise_due=TODAY + timedelta(days=3)), TODAY, WEIGHTS, 1
    )
    plain = score(facts(), TODAY, WEIGHTS, 1)
    assert due_today > broken > in_grace == plain > pending


def test_a_callback_today_and_a_larger_balance_raise_the_score() -> None:
    assert score(facts(callback_on=TODAY), TODAY, WEIGHTS, 1) > score(facts(), TODAY, WEIGHTS, 1)
    assert score(facts(balance=Decimal("10000")), TODAY, WEIGHTS, 1) > score(facts(), TODAY, WEIGHTS, 1)


def test_a_zero_weight_switches_a_part_off() -> None:
    off = ScoreWeights(callback_today=0)
    assert score(facts(callback_on=TODAY), TODAY, off, 1) == score(facts(), TODAY, off, 1)


def slot(agent_id: str, capacity: int = 2, languages: str = "en", high_value: bool = False) -> AgentSlot:
    return AgentSlot(agent_id, capacity, frozenset(languages.split(";")), high_value)


def candidate(
    pk: int, score_: float, owner: str | None = None, language: str | None = None, hv: bool = False
) -> Candidate:
    return Candidate(pk, score_, owner, language, hv)


def test_each_agent_gets_at_most_their_capacity_highest_score_first() -> None:
    result = allocate([candidate(n, float(n)) for n in range(1, 8)], [slot("A", 2), slot("B", 3)])
    assert sum(len(found) for found in result.lists.values()) == 5
    assert result.beyond_capacity == 2
    for ranked in result.lists.values():
        assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert {c.pk for ranked in result.lists.values() for c in ranked} == {3, 4, 5, 6, 7}


def test_an_account_stays_with_its_agent_unless_absent_or_over_capacity() -> None:
    accounts = [
        candidate(1, 1.0, "A"),
        candidate(2, 9.0, "A"),
        candidate(3, 5.0, "A"),
        candidate(4, 2.0, "C"),
    ]
    result = allocate(accounts, [slot("A", 2), slot("B", 5)])  # C is away: not among the agents
    assert [c.pk for c in result.lists["A"]] == [2, 3]
    assert sorted(c.pk for c in result.lists["B"]) == [1, 4]


def test_new_accounts_balance_the_total_score() -> None:
    result = allocate(
        [candidate(n, float(s)) for n, s in enumerate([10, 9, 8, 7, 2, 1])], [slot("A", 3), slot("B", 3)]
    )
    totals = sorted(sum(c.score for c in found) for found in result.lists.values())
    assert totals == [18.0, 19.0]


def test_high_value_goes_only_to_agents_allowed_to_take_it() -> None:
    result = allocate(
        [candidate(1, 9.0, hv=True), candidate(2, 8.0, owner="A", hv=True)],
        [slot("A"), slot("S", high_value=True)],
    )
    assert [c.pk for c in result.lists["S"]] == [1, 2] and result.lists["A"] == []
    assert result.high_value_without_senior == []


def test_with_no_senior_agent_high_value_stays_with_its_agent_and_is_named() -> None:
    # The morning: the team's most valuable account, assigned to A, and no senior agent.
    result = allocate(
        [candidate(1, 9.0, owner="A", hv=True), candidate(2, 8.0, hv=True), candidate(3, 1.0, owner="A")],
        [slot("A", 2), slot("B", 2)],
    )
    assert [c.pk for c in result.lists["A"]] == [1, 3]  # continuity, as for any other account
    assert [c.pk for c in result.lists["B"]] == [2]  # nobody holds it: the normal allocation
    assert result.high_value_without_senior == [1, 2] and result.high_value_left_off == []


def test_a_full_senior_agent_leaves_high_value_with_its_agent_then_with_anyone() -> None:
    result = allocate(
        [
            candidate(1, 9.0, owner="S", hv=True),
            candidate(2, 8.0, owner="A", hv=True),
            candidate(3, 7.0, hv=True),
            candidate(4, 6.0, owner="A", hv=True),
        ],
        [slot("S", 1, high_value=True), slot("A", 2), slot("B", 1)],
    )
    assert [c.pk for c in result.lists["S"]] == [1]
    assert [c.pk for c in result.lists["A"]] == [2, 4] and [c.pk for c in result.lists["B"]] == [3]
    assert result.high_value_without_senior == [2, 3, 4]


def test_a_senior_agent_with_room_takes_high_value_from_a_junior_owner() -> None:
    result = allocate([candidate(1, 9.0, owner="A", hv=True)], [slot("A", 2), slot("S", 1, high_value=True)])
    assert [c.pk for c in result.lists["S"]] == [1] and result.high_value_without_senior == []


def test_high_value_beyond_everyone_s_capacity_is_counted_and_named() -> None:
    result = allocate([candidate(1, 9.0), candidate(2, 8.0, hv=True)], [slot("A", 1)])
    assert [c.pk for c in result.lists["A"]] == [1]
    assert result.beyond_capacity == 1 and result.high_value_left_off == [2]
    nobody = allocate([candidate(1, 9.0, hv=True)], [])
    assert nobody.beyond_capacity == 1 and nobody.high_value_left_off == [1]


def test_a_customer_language_goes_to_a_speaker_when_one_has_room() -> None:
    result = allocate(
        [candidate(1, 9.0, language="pt"), candidate(2, 8.0, language="pt")],
        [slot("A", 5), slot("J", 1, "pt;en")],
    )
    assert [c.pk for c in result.lists["J"]] == [1] and [c.pk for c in result.lists["A"]] == [2]


def test_empty_team_zero_capacity_and_nothing_to_work() -> None:
    assert allocate([candidate(1, 1.0)], []).beyond_capacity == 1
    zero = allocate([candidate(1, 1.0, owner="Z")], [slot("Z", 0)])
    assert zero.lists == {} and zero.beyond_capacity == 1
    assert allocate([], [slot("A")]).lists == {"A": []}


def test_ties_are_broken_the_same_way_every_time() -> None:
    first = allocate([candidate(n, 1.0) for n in range(6)], [slot("A", 3), slot("B", 3)])
    again = allocate([candidate(n, 1.0) for n in reversed(range(6))], [slot("B", 3), slot("A", 3)])
    assert first.lists == again.lists


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-10, 50), st.sampled_from([None, "A", "B", "X"]), st.booleans()), max_size=60
    ),
    st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=0, max_size=4),
)
def test_allocation_never_overfills_never_duplicates_and_respects_high_value(
    accounts: list[tuple[float, str | None, bool]], team: list[tuple[int, bool]]
) -> None:
    agents = [slot(f"{'AB'[i % 2]}{i}", capacity, high_value=hv) for i, (capacity, hv) in enumerate(team)]
    pool = [candidate(pk, s, owner, hv=hv) for pk, (s, owner, hv) in enumerate(accounts)]
    result = allocate(pool, agents)
    placed = [c.pk for found in result.lists.values() for c in found]
    assert len(placed) == len(set(placed))
    assert len(placed) + result.beyond_capacity == len(pool)
    by_id = {a.slack_user_id: a for a in agents}
    without_senior = set(result.high_value_without_senior)
    for agent_id, found in result.lists.items():
        assert len(found) <= by_id[agent_id].capacity
        # A high-value account with an agent not allowed it is always one the summary names.
        assert {
            c.pk for c in found if c.high_value and not by_id[agent_id].takes_high_value
        } <= without_senior
    assert len(without_senior) == len(result.high_value_without_senior)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-10, 50), st.sampled_from([None, "A0", "B1", "A2", "X"]), st.booleans()),
        max_size=60,
    ),
    st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=0, max_size=4),
)
def test_no_high_value_account_is_left_off_every_list_while_anyone_has_room(
    accounts: list[tuple[float, str | None, bool]], team: list[tuple[int, bool]]
) -> None:
    """Every candidate may be contacted today (the planner hands over only those), so a high-value
    one is on a list, or every agent at work is full; and the summary knows each one left off."""
    agents = [slot(f"{'AB'[i % 2]}{i}", capacity, high_value=hv) for i, (capacity, hv) in enumerate(team)]
    pool = [candidate(pk, s, owner, hv=hv) for pk, (s, owner, hv) in enumerate(accounts)]
    result = allocate(pool, agents)
    placed = {c.pk for found in result.lists.values() for c in found}
    missing = [c.pk for c in pool if c.high_value and c.pk not in placed]
    anyone_has_room = any(len(result.lists[a.slack_user_id]) < a.capacity for a in agents if a.capacity > 0)
    assert not (missing and anyone_has_room)
    assert sorted(result.high_value_left_off) == sorted(missing)
    if not any(a.takes_high_value and a.capacity > 0 for a in agents):
        # No senior agent at work: continuity decides, as for any other account.
        for c in pool:
            owner = next((a for a in agents if a.slack_user_id == c.assigned_to and a.capacity > 0), None)
            if (
                c.high_value
                and owner is not None
                and c.pk in placed
                and c.pk not in {x.pk for x in result.lists[owner.slack_user_id]}
            ):
                assert len(result.lists[owner.slack_user_id]) == owner.capacity


def test_the_eighth_call_in_seven_days_and_the_quiet_week_after_a_conversation() -> None:
    six = tuple(TODAY - timedelta(days=d) for d in range(6))
    assert call_block(ContactHistory(six, None), TODAY) is None
    seventh = call_block(ContactHistory((*six, TODAY - timedelta(days=6)), None), TODAY)
    assert seventh is not None and seventh.explanation == "7 calls in the last 7 days"
    assert call_block(ContactHistory((*six, TODAY - timedelta(days=7)), None), TODAY) is None
    spoke = TODAY - timedelta(days=6)
    assert call_block(ContactHistory((), spoke), TODAY) is not None  # day 7 counting the conversation day
    assert call_block(ContactHistory((), TODAY - timedelta(days=7)), TODAY) is None  # day 8


def test_holds_block_contact() -> None:
    held = hold_block("on_hold", "dispute")
    assert held is not None and held.rule == "on hold: dispute"
    assert hold_block("active", None) is None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 1.0, 2.5, 7.0]) | st.floats(-10, 50),  # ties, and any score
            st.sampled_from([None, "A0", "B1", "A2", "X"]),
            st.booleans(),
            st.sampled_from([None, "en", "pt"]),
        ),
        max_size=80,
    ),
    st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.sampled_from(["en", "pt", "en;pt"])), max_size=4),
    st.randoms(use_true_random=False),
)
def test_the_allocation_is_the_plain_one_of_ranking_every_candidate(
    accounts: list[tuple[float, str | None, bool, str | None]],
    team: list[tuple[int, bool, str]],
    rng: Any,
) -> None:
    """Issue 23: owners keep their best and only the best of the pool are ranked, with the same
    lists, order, counts and named accounts as taking every candidate in rank order (the
    allocation before it, tests/allocation_reference.py), whatever order the candidates come in."""
    agents = [
        slot(f"{'AB'[i % 2]}{i}", capacity, languages, high_value=hv)
        for i, (capacity, hv, languages) in enumerate(team)
    ]
    pool = [candidate(pk, s, owner, language, hv) for pk, (s, owner, hv, language) in enumerate(accounts)]
    rng.shuffle(pool)
    assert allocate(pool, agents) == reference_allocate(list(pool), agents)
