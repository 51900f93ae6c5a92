"""The morning run's fast path (issue 23) plans exactly what the rules plan: the plan of a generated
portfolio, read raw and scored in ten-thousandths, against the plan worked out the plain way (typed
rows, AccountFacts, score(), allocate()), on SQLite and PostgreSQL; and its parts at their edges."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from benchmarks.portfolio_data import PortfolioSpec, load_postgres, load_sqlite
from benchmarks.scratch_postgres import libpq_url
from bot.assignments.job.planning import (
    DayPlan,
    StoredValues,
    facts_of,
    plan_day,
    working_agents,
)
from bot.assignments.rules.allocation import Allocation, Candidate
from bot.assignments.rules.scoring import AccountFacts, DayScorer, ScoreWeights, score
from bot.calendar import local_day
from bot.compliance.rules.contact_limits import ContactHistory, call_block, hold_block
from bot.settings import Settings, load_settings
from bot.strategy.records import strategy_in_force
from bot.vocabulary import RIGHT_PARTY_OUTCOMES, Channel
from storage.database import Database
from storage.models import Account, Contact
from storage.types import MONEY_UNITS
from tests.allocation_reference import reference_allocate

SPEC = PortfolioSpec(accounts=4_000, agents=30)


def reference_plan(session: Session, today: date, settings_: Settings) -> tuple[Allocation, Counter[str]]:
    """The day planned the plain way, as before issue 23: every open account and recent call as
    typed rows (Decimal, aware datetimes), AccountFacts, score(), the allocation before its rewrite."""
    zone = settings_.zone
    _members, slots, _away = working_agents(session, today, settings_.default_daily_capacity)
    calls = _calls(session, today, zone)
    held = {pk: (status, reason) for pk, status, reason in session.execute(
        select(Account.id, Account.status, Account.hold_reason)
    )}  # fmt: skip
    weights = strategy_in_force(session, settings_).fallback.weights
    left_off: Counter[str] = Counter()
    candidates = []
    for facts in facts_of(session, sorted(held), zone):
        blocked = hold_block(*held[facts.pk])
        history = calls.get(facts.pk)
        if blocked is None and history is not None:
            blocked = call_block(history, today)
        if blocked is not None:
            left_off[blocked.rule] += 1
            continue
        points = score(facts, today, weights, settings_.promise_grace_days)
        high_value = facts.balance >= settings_.high_value_for(facts.currency)
        candidates.append(Candidate(facts.pk, points, facts.assigned_to, facts.language, high_value))
    return reference_allocate(candidates, slots), left_off


def _calls(session: Session, today: date, zone: ZoneInfo) -> dict[int, ContactHistory]:
    """The last 7 days' calls per account, from typed rows."""
    since = datetime.combine(today - timedelta(days=6), time(0), zone)
    days: dict[int, list[date]] = defaultdict(list)
    conversations: dict[int, date] = {}
    query = select(Contact.account_pk, Contact.at, Contact.outcome).where(
        Contact.channel == Channel.CALL, Contact.at >= since
    )
    for pk, at, outcome in session.execute(query):
        day = local_day(at, zone)
        days[pk].append(day)
        if outcome in RIGHT_PARTY_OUTCOMES:
            conversations[pk] = max(day, conversations.get(pk, day))
    return {pk: ContactHistory(tuple(found), conversations.get(pk)) for pk, found in days.items()}


def _same_plan(day: DayPlan, allocation: Allocation, left_off: Counter[str]) -> None:
    assert day.allocation.lists == allocation.lists  # the same accounts, scores and order per agent
    assert day.left_off == left_off
    assert day.allocation.beyond_capacity == allocation.beyond_capacity
    assert day.allocation.high_value_left_off == allocation.high_value_left_off
    assert day.allocation.high_value_without_senior == allocation.high_value_without_senior


def test_the_fast_plan_of_a_generated_portfolio_is_the_plain_plan(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        path = tmp_path / "portfolio.db"
        load_sqlite(path, SPEC, report=lambda _line: None)
        url = f"sqlite:///{path}"
    else:
        load_postgres(libpq_url(database_url), SPEC, report=lambda _line: None)
        url = database_url
    settings_ = load_settings(_env_file=None, DATABASE_URL=url, COLLECT_TIMEZONE=SPEC.zone)
    db = Database(url)
    try:
        with db.reading() as session:
            day = plan_day(session, SPEC.today, settings_)
            allocation, left_off = reference_plan(session, SPEC.today, settings_)
    finally:
        db.dispose()
    placed = sum(len(found) for found in day.allocation.lists.values())
    assert placed > 500 and day.allocation.beyond_capacity > 1_000 and sum(left_off.values()) > 50
    _same_plan(day, allocation, left_off)


# --- score_units: the same floats as score() ------------------------------------------------------

TODAY = date(2026, 11, 23)
_days = st.integers(-400, 400).map(lambda n: TODAY + timedelta(days=n))
_units = st.integers(1, 10**18 - 1)


@settings(max_examples=400, deadline=None)
@given(
    balance=_units,
    original=st.none() | st.integers(-(10**6), 10**18 - 1),
    due=_days,
    promise=st.none() | _days,
    callback=st.none() | _days,
    contact=st.none() | _days,
    conversation=st.none() | _days,
    risk=st.none() | st.integers(0, 100),
    weights=st.builds(
        ScoreWeights,
        balance=st.floats(0, 10),
        near_payoff=st.floats(0, 10),
        propensity=st.floats(0, 10),
        no_contact=st.floats(0, 1),
    ),
)
def test_scoring_in_ten_thousandths_gives_the_floats_of_score(
    balance: int,
    original: int | None,
    due: date,
    promise: date | None,
    callback: date | None,
    contact: date | None,
    conversation: date | None,
    risk: int | None,
    weights: ScoreWeights,
) -> None:
    def money(units: int) -> Decimal:
        return (Decimal(units) / MONEY_UNITS).quantize(Decimal("0.0001"))

    facts = AccountFacts(
        pk=1, account_id="ACC-1", currency="USD", balance=money(balance),
        original_amount=money(original) if original is not None else None, due_date=due,
        assigned_to=None, language=None, risk_score=risk, last_contact_on=contact,
        last_conversation_on=conversation, callback_on=callback, promise_amount=None, promise_due=promise,
    )  # fmt: skip
    fast = DayScorer(TODAY, weights, 1).score_units(
        balance, original, MONEY_UNITS, due, promise, callback, contact, conversation, risk
    )
    assert fast == score(facts, TODAY, weights, 1)


# --- StoredValues: an instant's day, memoised by the hour ---------------------------------------

ZONES = ("America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "UTC")
# Around DST changes and the zones' half- and quarter-hour midnights, and far from them.
_instants = st.one_of(
    st.datetimes(datetime(2026, 3, 7), datetime(2026, 3, 10)),
    st.datetimes(datetime(2026, 10, 3), datetime(2026, 11, 3)),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
).map(lambda moment: moment.replace(tzinfo=UTC))


@settings(max_examples=500, deadline=None)
@given(st.lists(_instants, min_size=1, max_size=30), st.sampled_from(ZONES))
def test_the_day_of_a_stored_instant_is_its_local_day(instants: list[datetime], zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    on_sqlite = StoredValues(sqlite.dialect(), zone)
    on_postgres = StoredValues(postgresql.dialect(), zone)  # type: ignore[no-untyped-call]
    for moment in instants:
        expected = local_day(moment, zone)
        stored = moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        assert on_sqlite.local_day(stored) == expected
        assert on_sqlite.local_day(moment.replace(tzinfo=None).isoformat()) == expected  # another shape
        microseconds = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        assert on_postgres.local_day(microseconds) == expected
    assert on_sqlite.local_day(None) is None


def test_a_stored_instant_that_is_no_instant_is_refused() -> None:
    values = StoredValues(sqlite.dialect(), ZoneInfo("America/New_York"))
    with pytest.raises(ValueError):
        values.local_day("2026-11-23 25:00:00.000000")
    with pytest.raises(ValueError):
        values.dates["soon"]
    assert values.dates["2026-11-23"] == date(2026, 11, 23)
