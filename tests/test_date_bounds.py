"""Date arithmetic at the calendar's edges never raises, and dates entering the bot stay within
their bounds: the plain functions, at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.aging import aging_bucket, days_past_due
from bot.alerts.rules import AlertFacts, Thresholds, raised_conditions, working_days_since
from bot.assignments.rules.scoring import AccountFacts, ScoreWeights, reasons, score
from bot.calendar import add_days, add_months, local_day, start_of_day
from bot.errors import UserError
from bot.escalations.rules import check_request, instalment_schedule
from bot.kpis.rules import PromiseFact, day_in, period_for, promise_outcome, trailing_days
from bot.ledger.rules.promises import counts_toward, standing
from bot.parsing.dates import (
    EARLIEST_DATE,
    check_due_date,
    check_instant,
    check_last_payment_date,
    check_promise_date,
    latest_due_date,
    parse_received_at,
    promise_horizon,
)
from bot.vocabulary import EscalationKind

any_date = st.dates(date.min, date.max)
any_grace = st.integers(min_value=0, max_value=30)
any_days = st.integers(min_value=-(10**7), max_value=10**7)
zones = st.sampled_from(
    [ZoneInfo(z) for z in ("UTC", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati")]
)
NY = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


# --- arithmetic that saturates ----------------------------------------------------------------------


@given(any_date, any_days)
def test_adding_days_never_raises_and_is_exact_inside_the_calendar(day: date, days: int) -> None:
    moved = add_days(day, days)
    try:
        assert moved == day + timedelta(days=days)
    except OverflowError:
        assert moved == (date.max if days > 0 else date.min)


@given(any_date, st.integers(min_value=-200_000, max_value=200_000))
def test_adding_months_never_raises_and_keeps_the_day_where_it_can(day: date, months: int) -> None:
    moved = add_months(day, months)
    if moved not in (date.min, date.max):
        assert (
            moved.day == min(day.day, moved.day)
            and (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
        )
    assert (moved >= day) == (months >= 0) or moved == day


def test_add_months_at_the_edges() -> None:
    assert add_months(date(9999, 11, 30), 1) == date(9999, 12, 30)
    assert add_months(date(9999, 12, 31), 1) == date.max
    assert add_months(date(1, 1, 31), -1) == date.min
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


@given(any_date, zones)
def test_a_day_starts_somewhere_and_its_instant_falls_back_on_it(day: date, zone: ZoneInfo) -> None:
    start = start_of_day(day, zone)
    assert start.tzinfo is not None
    back = local_day(start, zone)
    assert back == day or start in (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))


@given(any_date, any_grace, zones)
def test_every_promise_rule_takes_any_date_and_any_grace(due: date, grace: int, zone: ZoneInfo) -> None:
    fact = PromiseFact(1, "ana", Decimal(100), "USD", NOW, due, Decimal(0), "open")
    assert promise_outcome(fact, grace, zone, NOW) in ("pending", "broken")
    assert standing(due, TODAY, grace) is not None
    assert counts_toward(made_at=NOW, due_date=due, received_at=NOW, grace_days=grace, zone=zone) in (
        True,
        False,
    )
    for kind in ("day", "week", "month"):
        day_in(period_for(kind, TODAY, zone), fact.deadline(grace), zone)
    day_in(trailing_days(90, TODAY, zone), due, zone)


@given(any_date, any_date, any_grace)
def test_scoring_aging_and_alerts_take_any_stored_date(due: date, other: date, grace: int) -> None:
    facts = AccountFacts(
        pk=1, account_id="EDGE-1", currency="USD", balance=Decimal(500), original_amount=None, due_date=due,
        assigned_to=None, language=None, risk_score=None, last_contact_on=other, last_conversation_on=other,
        callback_on=other, promise_amount=Decimal(100), promise_due=other,
    )  # fmt: skip
    score(facts, TODAY, ScoreWeights(), grace)
    reasons(facts, TODAY, ScoreWeights(), grace)
    aging_bucket(days_past_due(due, TODAY))
    quiet = working_days_since(other, TODAY, lambda day: day.weekday() < 5)
    assert quiet is None or 0 <= quiet <= 366


@given(st.dates(date(9000, 1, 1), date.max), st.integers(min_value=1, max_value=120))
def test_a_plan_near_the_end_of_the_calendar_does_not_raise(first_due: date, count: int) -> None:
    instalment_schedule(Decimal(10), Decimal(100), count=count, until=None, first_due=first_due)


# --- the horizon ----------------------------------------------------------------------------------


@given(
    st.dates(date(1900, 1, 1), date(9999, 1, 1)),
    st.integers(min_value=1, max_value=3660),
    st.integers(0, 4000),
)
def test_a_promise_date_is_accepted_exactly_up_to_the_horizon(today: date, horizon: int, ahead: int) -> None:
    when = add_days(today, ahead)
    if ahead <= horizon:
        assert check_promise_date(when, today, horizon) == when
    else:
        with pytest.raises(UserError) as refused:
            check_promise_date(when, today, horizon)
        assert promise_horizon(today, horizon).isoformat() in refused.value.problem


def test_the_promise_refusal_says_what_to_type() -> None:
    with pytest.raises(UserError) as refused:
        check_promise_date(date(9999, 12, 31), TODAY, 365)
    assert refused.value.problem == (
        "The promise date 9999-12-31 is more than 365 days ahead; the latest is 2027-11-23."
    )
    assert "2027-11-23" in refused.value.hint and refused.value.field == "date"
    assert check_promise_date(date(2027, 11, 23), TODAY, 365) == date(2027, 11, 23)


@pytest.mark.parametrize(
    ("count", "until", "accepted"),
    [(12, None, True), (13, None, False), (600, None, False), (None, date(2027, 11, 23), True),
     (None, date(2027, 11, 24), False), (None, date(3000, 1, 1), False), (None, date.max, False)],
)  # fmt: skip
def test_a_plan_ends_within_the_horizon(count: int | None, until: date | None, accepted: bool) -> None:
    def ask() -> None:
        check_request(
            EscalationKind.PAYMENT_PLAN, Decimal(5000), Decimal(250), count=count, until=until, today=TODAY,
            horizon_days=365,
        )  # fmt: skip

    if accepted:
        ask()
        return
    with pytest.raises(UserError) as refused:
        ask()
    assert "2027-11-23" in str(refused.value) or "120" in str(refused.value)


def test_a_plan_refusal_names_the_longest_plan_that_fits() -> None:
    with pytest.raises(UserError) as refused:
        check_request(
            EscalationKind.PAYMENT_PLAN, Decimal(5000), Decimal(250), count=13, until=None, today=TODAY,
            horizon_days=365,
        )  # fmt: skip
    assert "x12" in refused.value.hint and "until 2027-11-23" in refused.value.hint


# --- bounds of dates that are imported ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "accepted"),
    [(EARLIEST_DATE, True), (date(1899, 12, 31), False), (latest_due_date(TODAY), True),
     (add_days(latest_due_date(TODAY), 1), False), (date(9999, 12, 31), False), (date.min, False)],
)  # fmt: skip
def test_due_dates_are_between_1900_and_fifty_years_ahead(day: date, accepted: bool) -> None:
    if accepted:
        assert check_due_date(day, TODAY) == day
    else:
        with pytest.raises(UserError):
            check_due_date(day, TODAY)


def test_fifty_years_ahead() -> None:
    assert latest_due_date(TODAY) == date(2076, 11, 23)


@pytest.mark.parametrize(
    ("day", "accepted"),
    [(TODAY, True), (TODAY + timedelta(days=1), True), (TODAY + timedelta(days=2), False),
     (date(1900, 1, 1), True), (date(1899, 12, 31), False)],
)  # fmt: skip
def test_a_last_payment_date_is_not_in_the_future(day: date, accepted: bool) -> None:
    if accepted:
        assert check_last_payment_date(day, TODAY) == day
    else:
        with pytest.raises(UserError):
            check_last_payment_date(day, TODAY)


@pytest.mark.parametrize(
    ("at", "accepted"),
    [(NOW, True), (NOW + timedelta(days=1), True), (NOW + timedelta(days=1, seconds=1), False),
     (datetime(1900, 1, 1, tzinfo=UTC), True), (datetime(1899, 12, 31, 23, 59, tzinfo=UTC), False),
     (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), False)],
)  # fmt: skip
def test_a_payment_or_contact_instant_is_not_beyond_tomorrow_nor_before_1900(
    at: datetime, accepted: bool
) -> None:
    if accepted:
        assert check_instant(at, NOW, field="received_at") == at
    else:
        with pytest.raises(UserError) as refused:
            check_instant(at, NOW, field="received_at")
        assert refused.value.field == "received_at"


def test_a_contact_long_ago_is_counted_as_over_a_year_and_a_recent_one_exactly() -> None:
    def stalled_words(last_contact_on: date) -> str:
        facts = AlertFacts(
            account_pk=1, account_id="ACC-1", currency="USD", balance=Decimal(500), due_date=TODAY,
            assigned_to="U0AGENT1", last_contact_on=last_contact_on, last_conversation_on=None,
            last_payment_on=None,
        )  # fmt: skip
        found = raised_conditions(facts, TODAY, Thresholds(Decimal(10_000)), lambda day: day.weekday() < 5)
        return " ".join(raised.why for raised in found)

    assert "no contact attempt for over a year" in stalled_words(date.min)
    assert "no contact attempt for over a year" in stalled_words(date(2023, 11, 23))
    assert "no contact attempt for 10 working days" in stalled_words(date(2026, 11, 9))


@pytest.mark.parametrize(("text", "zone"), [("9999-12-31T23:00", NY), ("0001-01-01", ZoneInfo("Asia/Tokyo"))])
def test_an_instant_past_the_calendars_edge_is_refused_as_such(text: str, zone: ZoneInfo) -> None:
    with pytest.raises(UserError) as refused:
        parse_received_at(text, zone)
    assert "beyond the dates the bot keeps" in refused.value.problem and "1900-01-01" in refused.value.hint
