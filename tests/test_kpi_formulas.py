"""The KPI formulas on small hand-computed cases: the arithmetic is written next to each one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.currency import Money
from bot.kpis.rules import (
    AccountPosition,
    CeiParts,
    ContactFact,
    PaymentFact,
    Period,
    PeriodKind,
    PromiseCounts,
    PromiseFact,
    accounts_worked,
    accounts_worked_by_agent,
    aging_counts,
    aging_distribution,
    attempts,
    attempts_by_agent,
    attempts_by_channel,
    cei_parts,
    collected,
    collected_by_agent,
    collection_effectiveness_index,
    cure_rate,
    day_in,
    kept_rate,
    local_days,
    local_midnight,
    paid_off_rate,
    period_for,
    previous,
    projected_collections,
    promise_counts,
    promise_counts_by_agent,
    promise_outcome,
    promises_made,
    ratio,
    right_party_contacts,
    right_party_contacts_by_agent,
    roll_rates,
    rpc_rate,
    rpc_rate_by_agent,
    target_over_days,
    trailing_days,
)

NY = ZoneInfo("America/New_York")
D = Decimal
MARCH = period_for("month", date(2026, 3, 1), NY)
APRIL = period_for("month", date(2026, 4, 1), NY)
MID_MARCH = datetime(2026, 3, 10, 12, tzinfo=NY)
EARLY_MARCH = datetime(2026, 3, 2, 12, tzinfo=NY)


def ny(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def pay(
    amount: str, currency: str = "USD", at: datetime = MID_MARCH, agent: str | None = "alice"
) -> PaymentFact:
    return PaymentFact(account_pk=1, agent=agent, amount=D(amount), currency=currency, received_at=at)


def contact(
    outcome: str = "no-answer",
    at: datetime = MID_MARCH,
    agent: str | None = "alice",
    account_pk: int = 1,
) -> ContactFact:
    return ContactFact(account_pk=account_pk, agent=agent, at=at, channel="call", outcome=outcome)


def promise(
    due: date,
    amount: str = "100",
    paid: str = "0",
    status: str = "open",
    *,
    currency: str = "USD",
    agent: str | None = "alice",
    made_at: datetime = EARLY_MARCH,
) -> PromiseFact:
    return PromiseFact(
        account_pk=1,
        agent=agent,
        amount=D(amount),
        currency=currency,
        made_at=made_at,
        due_date=due,
        paid_toward=D(paid),
        status=status,
    )


def pos(pk: int, balance: str, dpd: int, currency: str = "USD") -> AccountPosition:
    return AccountPosition(account_pk=pk, currency=currency, balance=D(balance), days_past_due=dpd)


# --- ratio ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 3, D(1) / D(3)),
        (18, 95, D(18) / D(95)),  # 0.18947…: rounded to 4 places first, it showed as 19.0%, not 18.9%
        (1, 20000, D("0.00005")),
        (D("12.50"), D("50.00"), D("0.25")),
        (0, 7, D("0")),  # nothing out of something is 0, a real number
    ],
)
def test_ratio_is_exact_and_left_for_display_to_round(
    numerator: int | Decimal, denominator: int | Decimal, expected: Decimal
) -> None:
    assert ratio(numerator, denominator) == expected


@pytest.mark.parametrize(("numerator", "denominator"), [(0, 0), (5, 0), (D("0.00"), D("0.00"))])
def test_ratio_over_zero_is_none_not_zero_or_an_error(
    numerator: int | Decimal, denominator: int | Decimal
) -> None:
    assert ratio(numerator, denominator) is None


# --- periods --------------------------------------------------------------------------------------


def test_period_keeps_utc_instants_and_is_half_open() -> None:
    period = Period(ny(2026, 3, 10, 0), ny(2026, 3, 11, 0))
    assert period.start == utc(2026, 3, 10, 4) and period.start.tzinfo is UTC  # EDT is UTC-4
    assert period.contains(utc(2026, 3, 10, 4))
    assert not period.contains(utc(2026, 3, 11, 4))


def test_period_refuses_naive_or_backwards_bounds() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Period(datetime(2026, 3, 1), utc(2026, 3, 2))
    with pytest.raises(ValueError, match="end after it starts"):
        Period(utc(2026, 3, 2), utc(2026, 3, 2))


def test_day_is_local_midnight_to_local_midnight() -> None:
    # 2026-03-10 is in EDT (UTC-4): 00:00 local is 04:00 UTC.
    assert period_for("day", date(2026, 3, 10), NY) == Period(utc(2026, 3, 10, 4), utc(2026, 3, 11, 4))


def test_week_across_the_2026_11_01_dst_change_in_new_york() -> None:
    # Sunday 2026-11-01 02:00 EDT falls back to 01:00 EST. Its ISO week runs Monday 10-26 00:00 EDT
    # (04:00 UTC) to Monday 11-02 00:00 EST (05:00 UTC): 7 days and one extra hour.
    week = period_for("week", date(2026, 11, 1), NY)
    assert week.start == utc(2026, 10, 26, 4)
    assert week.end == utc(2026, 11, 2, 5)
    assert week.end - week.start == timedelta(days=7, hours=1)
    # 23:30 EST on the Sunday is 04:30 UTC Monday: still the team's Sunday, so still this week.
    assert week.contains(ny(2026, 11, 1, 23, 30))
    assert not week.contains(ny(2026, 11, 2, 0, 0))


def test_week_across_the_spring_dst_change_is_an_hour_short() -> None:
    # 2026-03-08 springs forward: Monday 03-02 00:00 EST (05:00 UTC) to Monday 03-09 00:00 EDT (04:00 UTC).
    week = period_for("week", date(2026, 3, 8), NY)
    assert (week.start, week.end) == (utc(2026, 3, 2, 5), utc(2026, 3, 9, 4))
    assert week.end - week.start == timedelta(days=6, hours=23)


def test_a_day_whose_midnight_never_happened_starts_at_its_first_instant() -> None:
    # Sao Paulo sprang forward at midnight on 2018-11-04 (00:00 -03 became 01:00 -02): the day
    # starts at 03:00 UTC and lasts 23 hours; the day before ends exactly there.
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    day = period_for("day", date(2018, 11, 4), sao_paulo)
    assert (day.start, day.end) == (utc(2018, 11, 4, 3), utc(2018, 11, 5, 2))
    assert period_for("day", date(2018, 11, 3), sao_paulo).end == day.start


def test_week_can_start_on_sunday() -> None:
    week = period_for("week", date(2026, 11, 4), NY, week_starts=6)  # a Wednesday
    assert local_days(week, NY)[0] == date(2026, 11, 1)
    assert local_days(week, NY)[-1] == date(2026, 11, 7)
    with pytest.raises(ValueError, match="weekday"):
        period_for("week", date(2026, 11, 4), NY, week_starts=7)


def test_months_including_the_year_end() -> None:
    # February 2026 in EST: 02-01 05:00 UTC to 03-01 05:00 UTC, 28 days.
    feb = period_for("month", date(2026, 2, 14), NY)
    assert (feb.start, feb.end) == (utc(2026, 2, 1, 5), utc(2026, 3, 1, 5))
    assert len(local_days(feb, NY)) == 28
    dec = period_for("month", date(2026, 12, 31), NY)
    assert dec.end == local_midnight(date(2027, 1, 1), NY)


def test_previous_periods() -> None:
    day = period_for("day", date(2026, 3, 1), NY)
    assert previous("day", day, NY) == period_for("day", date(2026, 2, 28), NY)
    assert previous("month", MARCH, NY) == period_for("month", date(2026, 2, 1), NY)
    # The week after the DST change: its predecessor is the 7-days-and-an-hour week, ending where it starts.
    after_change = period_for("week", date(2026, 11, 4), NY)
    before = previous("week", after_change, NY)
    assert before == period_for("week", date(2026, 11, 1), NY)
    assert before.end == after_change.start
    # A Sunday-start week stays a Sunday-start week.
    sunday_week = period_for("week", date(2026, 11, 4), NY, week_starts=6)
    assert previous("week", sunday_week, NY) == period_for("week", date(2026, 10, 28), NY, week_starts=6)


def test_trailing_days_and_day_membership() -> None:
    window = trailing_days(90, date(2026, 3, 20), NY)
    assert local_days(window, NY)[0] == date(2025, 12, 20)  # 2026-03-20 minus 90 days
    assert local_days(window, NY)[-1] == date(2026, 3, 19)  # today is not in the window
    assert len(local_days(window, NY)) == 90
    rest_of_march = Period(ny(2026, 3, 20, 14), MARCH.end)
    assert day_in(rest_of_march, date(2026, 3, 20), NY)  # the rest of today is in
    assert not day_in(rest_of_march, date(2026, 3, 19), NY)
    assert not day_in(rest_of_march, date(2026, 4, 1), NY)
    with pytest.raises(ValueError, match="at least one day"):
        trailing_days(0, date(2026, 3, 20), NY)


# --- collected ------------------------------------------------------------------------------------


def test_collected_is_per_currency_and_never_mixed() -> None:
    payments = [
        pay("100.00", "USD"),
        pay("25.50", "USD"),
        pay("40.00", "EUR"),
        pay("999.00", "USD", at=ny(2026, 4, 1, 9)),  # April: not in March
    ]
    # USD 100.00 + 25.50 = 125.50; EUR 40.00 on its own.
    assert collected(payments, MARCH) == {"USD": D("125.50"), "EUR": D("40.00")}


def test_collected_in_an_empty_period_is_empty() -> None:
    assert collected([], MARCH) == {}
    assert collected([pay("10")], APRIL) == {}
    assert collected_by_agent([], MARCH) == {}


def test_a_2330_team_time_payment_belongs_to_that_team_day() -> None:
    late = pay("75.00", at=ny(2026, 3, 10, 23, 30))
    assert late.received_at.astimezone(UTC).date() == date(2026, 3, 11)  # 03:30 UTC the next day
    assert collected([late], period_for("day", date(2026, 3, 10), NY)) == {"USD": D("75.00")}
    assert collected([late], period_for("day", date(2026, 3, 11), NY)) == {}


def test_collected_by_agent() -> None:
    payments = [
        pay("10.00"),
        pay("5.00", "EUR"),
        pay("2.50", agent="bob"),
        pay("1.00", agent=None),
        pay("3.00"),
    ]
    # alice: USD 10.00 + 3.00 = 13.00, EUR 5.00; bob: USD 2.50; nobody credited: USD 1.00.
    assert collected_by_agent(payments, MARCH) == {
        "alice": {"USD": D("13.00"), "EUR": D("5.00")},
        "bob": {"USD": D("2.50")},
        None: {"USD": D("1.00")},
    }


def test_facts_refuse_floats_and_naive_datetimes() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        PaymentFact(1, "alice", 10.5, "USD", ny(2026, 3, 10))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        PaymentFact(1, "alice", D("10.50"), "USD", datetime(2026, 3, 10, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        ContactFact(1, "alice", datetime(2026, 3, 10, 12), "call", "right-party")


# --- contacts -------------------------------------------------------------------------------------

CONTACTS = [
    contact("right-party"),
    contact("no-answer"),
    contact("left-message"),
    contact("no-answer", agent="bob"),
    contact("right-party", at=ny(2026, 4, 2)),  # April: not counted in March
]


def test_attempts_and_rpc_rate() -> None:
    # March: 4 attempts, 1 right-party contact: 1 / 4 = 0.25.
    assert attempts(CONTACTS, MARCH) == 4
    assert right_party_contacts(CONTACTS, MARCH) == 1
    assert rpc_rate(CONTACTS, MARCH) == D("0.2500")


def test_attempts_by_channel_count_each_channel_most_first() -> None:
    letter = ContactFact(1, "alice", ny(2026, 3, 12), "letter", "left-message")
    emails = [ContactFact(2, "bob", ny(2026, 3, 12, h), "email", "left-message") for h in (9, 10)]
    assert attempts_by_channel([*CONTACTS, letter, *emails], MARCH) == {"call": 4, "email": 2, "letter": 1}
    assert attempts_by_channel([], MARCH) == {}


@given(
    st.lists(
        st.tuples(st.sampled_from(["call", "email", "letter", "sms", "visit"]), st.integers(1, 60)),
        max_size=40,
    )
)
def test_attempts_by_channel_add_up_to_the_attempts(made: list[tuple[str, int]]) -> None:
    contacts = [
        ContactFact(1, "alice", ny(2026, 2, 15) + timedelta(days=day), channel, "no-answer")
        for channel, day in made
    ]
    by_channel = attempts_by_channel(contacts, MARCH)
    assert sum(by_channel.values()) == attempts(contacts, MARCH)
    assert all(n > 0 for n in by_channel.values())
    assert list(by_channel.values()) == sorted(by_channel.values(), reverse=True)


def test_rpc_rate_with_no_attempts_is_none() -> None:
    assert attempts([], MARCH) == 0
    assert rpc_rate([], MARCH) is None
    assert rpc_rate(CONTACTS, period_for("month", date(2026, 5, 1), NY)) is None


def test_contacts_per_agent() -> None:
    # alice: 3 attempts, 1 RPC: 1 / 3 = 0.3333; bob: 1 attempt, no RPC: 0 / 1 = 0 (a real 0, not n/a).
    assert attempts_by_agent(CONTACTS, MARCH) == {"alice": 3, "bob": 1}
    assert right_party_contacts_by_agent(CONTACTS, MARCH) == {"alice": 1, "bob": 0}
    assert rpc_rate_by_agent(CONTACTS, MARCH) == {"alice": D(1) / 3, "bob": D("0")}
    assert rpc_rate_by_agent([], MARCH) == {}


def test_accounts_worked() -> None:
    day = [contact(account_pk=1), contact(account_pk=1), contact(account_pk=3), contact(account_pk=9)]
    # Assigned 1, 2, 3, 4; attempts on 1 (twice), 3 and 9 (not assigned): 2 worked of 4 = 0.5.
    assert accounts_worked({1, 2, 3, 4}, day) == (2, 4, D("0.5000"))
    assert accounts_worked(set(), day) == (0, 0, None)
    assert accounts_worked({1, 2}, []) == (0, 2, D("0.0000"))
    assert accounts_worked_by_agent({"alice": {1, 2}, "bob": set()}, day) == {
        "alice": (1, 2, D("0.5000")),
        "bob": (0, 0, None),
    }


# --- promises -------------------------------------------------------------------------------------

MARCH_PROMISES = [
    promise(date(2026, 3, 10), "100", "100", "kept"),  # deadline 03-11: kept
    promise(date(2026, 3, 15), "50", "20"),  # deadline 03-16: 20 of 50 paid, so broken once 03-16 ends
    promise(date(2026, 3, 20), "80", "0", "broken", agent="bob"),  # deadline 03-21: broken
    promise(date(2026, 3, 12), "60", "0", "cancelled"),  # neither kept nor broken
    promise(date(2026, 2, 28), "30", "30", "kept", made_at=ny(2026, 2, 20)),  # deadline 03-01: kept
    promise(date(2026, 3, 31), "40", "0", agent="bob"),  # deadline 04-01: April's, not March's
]


def test_kept_rate_counts_promises_whose_date_plus_grace_falls_in_the_period() -> None:
    # March deadlines: kept 03-11 and 03-01; broken 03-16 and 03-21 (cancelled left out): 2 / (2 + 2) = 0.5.
    assert kept_rate(MARCH_PROMISES, MARCH, 1, NY) == D("0.5000")
    assert promise_counts(MARCH_PROMISES, MARCH, 1, NY) == PromiseCounts(made=4, kept=2, broken=2)


def test_a_promise_due_on_the_last_day_with_one_grace_day_falls_in_the_next_period() -> None:
    last_day = [promise(date(2026, 3, 31), "40", "0")]
    assert kept_rate(last_day, MARCH, 1, NY) is None  # nothing resolved in March
    assert kept_rate(last_day, APRIL, 1, NY) == D("0.0000")  # 0 kept / 1 broken
    assert kept_rate(last_day, MARCH, 0, NY) == D("0.0000")  # without grace it is March's
    # The grace day is a whole team-local day: broken only once 04-01 has ended in New York.
    assert promise_outcome(last_day[0], 1, NY, ny(2026, 4, 1, 23, 59)) == "pending"
    assert promise_outcome(last_day[0], 1, NY, ny(2026, 4, 2, 0, 0)) == "broken"


def test_kept_rate_while_the_period_is_running_leaves_pending_promises_out() -> None:
    # At 03-16 noon the 03-15 promise is in its grace day: pending. Kept 2, broken 1 (the one marked
    # broken): 2 / 3.
    assert kept_rate(MARCH_PROMISES, MARCH, 1, NY, now=ny(2026, 3, 16)) == D(2) / 3


def test_a_promise_paid_in_full_is_kept_even_before_its_status_catches_up() -> None:
    assert promise_outcome(promise(date(2026, 3, 15), "50", "50"), 1, NY, ny(2026, 3, 1)) == "kept"


def test_promises_with_nothing_resolved() -> None:
    assert kept_rate([], MARCH, 1, NY) is None
    assert kept_rate([promise(date(2026, 3, 12), status="cancelled")], MARCH, 1, NY) is None
    assert promises_made([], MARCH) == 0
    assert promise_counts_by_agent([], MARCH, 1, NY) == {}


def test_promises_made_and_counts_per_agent() -> None:
    # Made in March: all but the one made 02-20 and the cancelled one (replaced, so not counted): 4.
    assert promises_made(MARCH_PROMISES, MARCH) == 4
    assert promise_counts_by_agent(MARCH_PROMISES, MARCH, 1, NY) == {
        "alice": PromiseCounts(made=2, kept=2, broken=1),  # 2 / 3
        "bob": PromiseCounts(made=2, kept=0, broken=1),
    }
    assert PromiseCounts(made=3, kept=2, broken=1).kept_rate == D(2) / 3
    assert PromiseCounts(made=1, kept=0, broken=0).kept_rate is None


def test_projected_collections() -> None:
    rest = Period(ny(2026, 3, 20, 14), MARCH.end)
    open_promises = [
        promise(date(2026, 3, 20), "100", "40"),  # due today: 60 outstanding
        promise(date(2026, 3, 25), "200", "0"),  # 200
        promise(date(2026, 3, 28), "80", "0", currency="EUR"),  # EUR 80
        promise(date(2026, 4, 1), "500", "0"),  # after the period
        promise(date(2026, 3, 19), "500", "0"),  # before the rest of the period
        promise(date(2026, 3, 26), "70", "70", "kept"),  # no longer open
    ]
    # USD (60 + 200) x 0.6 = 156.00; EUR 80 x 0.6 = 48.00.
    assert projected_collections(open_promises, rest, D("0.6000"), NY) == {
        "USD": D("156.00"),
        "EUR": D("48.00"),
    }


def test_projected_collections_rounds_to_the_currency_and_needs_a_rate() -> None:
    rest = Period(ny(2026, 3, 20, 14), MARCH.end)
    # 100.01 x 0.3333 = 33.333333 -> 33.33; JPY 1000 x 0.3333 = 333.3 -> 333 (no minor unit).
    due = [promise(date(2026, 3, 25), "100.01"), promise(date(2026, 3, 25), "1000", currency="JPY")]
    assert projected_collections(due, rest, D("0.3333"), NY) == {"USD": D("33.33"), "JPY": D("333")}
    # 240 x 2/3 = 160 exactly; the rate rounded to 0.6667 first gave 160.01.
    assert projected_collections([promise(date(2026, 3, 25), "240")], rest, D(2) / 3, NY) == {
        "USD": D("160.00")
    }
    assert projected_collections(due, rest, None, NY) is None  # no rate: n/a, not a projection of 0
    assert projected_collections([], rest, None, NY) == {}  # nothing due: nothing to project
    assert projected_collections([], rest, D("0.5"), NY) == {}


# --- CEI, roll rates, cure rate, aging ------------------------------------------------------------


def test_collection_effectiveness_index() -> None:
    start = [
        pos(1, "1000", 45),
        pos(2, "500", 10),
        pos(3, "300", 0),  # current at the start and never late: not in B or N
        pos(5, "100", 30, "EUR"),
    ]
    end = [pos(1, "600", 75), pos(2, "300", 0), pos(3, "900", 0), pos(5, "0", 0, "EUR")]
    new = {4: Money(D("200"), "USD")}  # account 4 became delinquent with 200 and is gone (paid) by the end
    # USD: B = 1000 + 500 = 1500, N = 200, E = 600 + 300 = 900 (account 4 absent: 0), C = 300.
    # CEI = (1500 + 200 - 900) / (1500 + 200 - 300) x 100 = 800 / 1400 x 100 = 57.142857…
    # EUR: B = 100, N = 0, E = 0, C = 0: (100 - 0) / (100 - 0) x 100 = 100.
    assert collection_effectiveness_index(start, end, new) == {"USD": D(80000) / 1400, "EUR": D("100")}
    assert cei_parts(start, end, new)["USD"] == CeiParts(D("1500"), D("200"), D("900"), D("300"))


def test_cei_with_a_zero_denominator_or_nothing_delinquent() -> None:
    # B = 100, all of it current again at the end without a payment (re-aged): E = C = 100, so
    # (100 - 100) / (100 - 100): n/a.
    assert collection_effectiveness_index([pos(1, "100", 10)], [pos(1, "100", 0)], {}) == {"USD": None}
    assert collection_effectiveness_index([], [], {}) == {}
    assert collection_effectiveness_index([pos(1, "100", 0)], [pos(1, "100", 5)], {}) == {}


def test_roll_rates() -> None:
    start = [
        pos(1, "100", 0),  # current -> 1-30: rolled
        pos(2, "300", 0),  # stays current
        pos(3, "200", 20),  # 1-30 -> 31-60: rolled
        pos(4, "50", 25),  # 1-30, closed by the end (absent): paid, not rolled
        pos(5, "250", 30),  # 1-30 -> 61-90: skipped a bucket, not "the next"
        pos(6, "999", 130),  # 120+: no next bucket, omitted
        pos(7, "80", 40, "EUR"),  # 31-60 -> 61-90: rolled, in EUR only
    ]
    end = [
        pos(1, "100", 15),
        pos(2, "300", 0),
        pos(3, "150", 50),
        pos(5, "250", 61),
        pos(6, "999", 160),
        pos(7, "80", 70, "EUR"),
    ]
    # USD current: 100 / (100 + 300) = 0.25; 1-30: 200 / (200 + 50 + 250) = 0.4; nothing in 31-60..91-120.
    none = {"31-60": None, "61-90": None, "91-120": None}
    assert roll_rates(start, end) == {
        "USD": {"current": D("0.2500"), "1-30": D("0.4000"), **none},
        "EUR": {"current": None, "1-30": None, "31-60": D("1.0000"), "61-90": None, "91-120": None},
    }
    assert roll_rates([], []) == {}


def test_cure_rate_and_paid_off_rate_are_apart() -> None:
    start = [
        pos(1, "400", 40),  # current at the end (owing 100): cured
        pos(2, "100", 5),  # absent at the end: closed, read as paid: paid off, not cured
        pos(3, "500", 15),  # 45 DPD at the end: neither
        pos(4, "200", 20),  # overpaid (balance -5): paid off, not cured
        pos(5, "700", 0),  # current at the start: not part of either rate
        pos(6, "60", 10, "EUR"),  # EUR, still late
    ]
    end = [pos(1, "100", 0), pos(3, "500", 45), pos(4, "-5", 50), pos(5, "700", 0), pos(6, "60", 40, "EUR")]
    # Delinquent at the start, USD: 400 + 100 + 500 + 200 = 1200. Cured: 400 / 1200.
    # Paid off: (100 + 200) / 1200. EUR: 0 / 60 for both. Exact: rounded only for display.
    assert cure_rate(start, end) == {"USD": D(400) / 1200, "EUR": D("0")}
    assert paid_off_rate(start, end) == {"USD": D(300) / 1200, "EUR": D("0")}
    assert cure_rate([], []) == {} == paid_off_rate([], [])
    assert cure_rate([pos(1, "700", 0)], []) == {}  # nothing delinquent: no rate at all
    assert cure_rate([pos(1, "0", 12)], []) == {"USD": None}  # delinquent but owing 0: n/a
    assert paid_off_rate([pos(1, "0", 12)], []) == {"USD": None}


def test_an_account_in_both_b_and_n_is_refused() -> None:
    # Delinquent at the opening, it cannot have fallen delinquent during the period: counting it in
    # both would show a CEI above 0 with nothing collected.
    with pytest.raises(ValueError, match="both delinquent at the opening and new"):
        collection_effectiveness_index([pos(1, "100", 1)], [pos(1, "100", 2)], {1: Money(D("100"), "USD")})


def test_two_positions_for_one_account_are_refused() -> None:
    with pytest.raises(ValueError, match="two positions"):
        cure_rate([pos(1, "10", 5), pos(1, "20", 5)], [])


def test_aging_distribution() -> None:
    positions = [
        pos(1, "100", 0),
        pos(2, "200", 15),
        pos(3, "50", 30),  # 30 DPD is still 1-30
        pos(4, "70", 31),
        pos(5, "10", 121),
        pos(6, "0", 60),  # paid: left out
        pos(7, "5", 95, "EUR"),
    ]
    zero = D(0)
    # USD 1-30: 200 + 50 = 250.
    assert aging_distribution(positions) == {
        "EUR": {"current": zero, "1-30": zero, "31-60": zero, "61-90": zero, "91-120": D("5"), "120+": zero},
        "USD": {
            "current": D("100"),
            "1-30": D("250"),
            "31-60": D("70"),
            "61-90": zero,
            "91-120": zero,
            "120+": D("10"),
        },
    }
    assert aging_counts(positions)["USD"] == {
        "current": 1,
        "1-30": 2,
        "31-60": 1,
        "61-90": 0,
        "91-120": 0,
        "120+": 1,
    }
    assert aging_distribution([]) == {}
    assert aging_counts([]) == {}


# --- targets --------------------------------------------------------------------------------------


def weekdays(day: date) -> bool:
    return day.weekday() < 5


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([date(2026, 12, 1)], D("22000") / 23),  # a Tuesday of December (23 weekdays)
        ([date(2026, 12, 5)], D("0")),  # a Saturday carries no target
        ([date(2026, 12, 7) + timedelta(days=n) for n in range(7)], D("22000") * 5 / 23),
        # Monday 30 November (21 weekdays) to Sunday 6 December: 1/21 of one month, 4/23 of the next.
        ([date(2026, 11, 30) + timedelta(days=n) for n in range(7)], D("22000") / 21 + D("22000") * 4 / 23),
    ],
)
def test_target_over_days(days: list[date], expected: Decimal) -> None:
    assert target_over_days(D("22000"), days, weekdays) == expected


def test_target_over_days_leaves_out_holidays_and_is_na_with_nothing_to_spread_over() -> None:
    christmas = date(2026, 12, 25)  # a Friday
    week = [date(2026, 12, 21) + timedelta(days=n) for n in range(7)]
    assert target_over_days(D("2200"), week, lambda d: weekdays(d) and d != christmas) == D("2200") * 4 / 22
    assert target_over_days(D("2200"), week, lambda d: False) is None


# --- properties -----------------------------------------------------------------------------------

ZONES = [
    ZoneInfo(name)
    for name in ("America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
]
KINDS: list[PeriodKind] = ["day", "week", "month"]
amounts = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
currencies = st.sampled_from(["USD", "EUR"])
dpds = st.integers(min_value=0, max_value=200)
instants = st.datetimes(
    min_value=datetime(2026, 2, 20), max_value=datetime(2026, 4, 10), timezones=st.just(UTC)
)


@given(
    st.sampled_from(KINDS),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
    st.sampled_from(ZONES),
)
def test_periods_start_at_the_first_instant_of_a_local_day_and_tile(
    kind: PeriodKind, day: date, zone: ZoneInfo
) -> None:
    # Sao Paulo skipped midnight on some DST days (00:00 -> 01:00): the day still starts at its first instant.
    period = period_for(kind, day, zone)
    first = period.start.astimezone(zone).date()
    assert first <= day and (period.start - timedelta(microseconds=1)).astimezone(
        zone
    ).date() == first - timedelta(days=1)
    assert period.contains(local_midnight(day, zone))
    assert previous(kind, period, zone).end == period.start
    assert day in local_days(period, zone)


@given(st.lists(st.tuples(st.sampled_from(["right-party", "no-answer", "refused"]), instants), max_size=30))
def test_rpc_rate_is_a_share_or_none(rows: list[tuple[str, datetime]]) -> None:
    contacts = [contact(outcome, at) for outcome, at in rows]
    rate = rpc_rate(contacts, MARCH)
    assert (rate is None) == (attempts(contacts, MARCH) == 0)
    assert rate is None or D(0) <= rate <= 1


@given(
    st.lists(
        st.tuples(
            st.dates(date(2026, 2, 25), date(2026, 4, 5)),
            amounts,
            amounts,
            st.sampled_from(["open", "kept", "broken", "cancelled"]),
        ),
        max_size=30,
    )
)
def test_kept_rate_is_a_share_or_none(rows: list[tuple[date, Decimal, Decimal, str]]) -> None:
    promises = [
        PromiseFact(1, "alice", amount, "USD", ny(2026, 2, 20), due, paid, status)
        for due, amount, paid, status in rows
    ]
    rate = kept_rate(promises, MARCH, 1, NY)
    assert rate is None or D(0) <= rate <= 1


@given(st.lists(st.tuples(amounts, currencies, instants), max_size=30))
def test_collected_sums_each_currency_apart(rows: list[tuple[Decimal, str, datetime]]) -> None:
    payments = [pay(str(amount), currency, at) for amount, currency, at in rows]
    totals = collected(payments, MARCH)
    for currency in ("USD", "EUR"):
        expected = [p.amount for p in payments if p.currency == currency and MARCH.contains(p.received_at)]
        assert totals.get(currency) == (sum(expected, D(0)) if expected else None)


portfolios = st.lists(st.tuples(amounts, dpds, currencies, st.booleans(), amounts, dpds), max_size=25)


def _split(
    rows: list[tuple[Decimal, int, str, bool, Decimal, int]],
) -> tuple[list[AccountPosition], list[AccountPosition]]:
    """Start and end positions where no balance grows: each end balance is at most its start balance
    (and some accounts are closed, so absent from the end)."""
    start = [AccountPosition(pk, cur, bal, dpd) for pk, (bal, dpd, cur, _, _, _) in enumerate(rows)]
    end = [
        AccountPosition(pk, cur, min(bal, end_bal), end_dpd)
        for pk, (bal, _, cur, still_open, end_bal, end_dpd) in enumerate(rows)
        if still_open
    ]
    return start, end


@given(portfolios)
def test_cure_and_roll_rates_are_shares(rows: list[tuple[Decimal, int, str, bool, Decimal, int]]) -> None:
    start, end = _split(rows)
    for rate in [*cure_rate(start, end).values(), *paid_off_rate(start, end).values()]:
        assert rate is None or D(0) <= rate <= 1
    for by_bucket in roll_rates(start, end).values():
        assert "120+" not in by_bucket
        assert all(rate is None or D(0) <= rate <= 1 for rate in by_bucket.values())


@given(portfolios, st.lists(st.tuples(amounts, currencies), max_size=5))
def test_cei_stays_within_0_and_100_when_nothing_grows(
    rows: list[tuple[Decimal, int, str, bool, Decimal, int]], new_rows: list[tuple[Decimal, str]]
) -> None:
    start, end = _split(rows)
    # Accounts that became delinquent during the period: new account numbers, ending at most at their N.
    new = {1000 + i: Money(amount, cur) for i, (amount, cur) in enumerate(new_rows)}
    end += [AccountPosition(pk, m.currency, m.amount / 2, 10) for pk, m in new.items()]
    for cei in collection_effectiveness_index(start, end, new).values():
        assert cei is None or D(0) <= cei <= 100


@given(st.lists(st.tuples(amounts, dpds, currencies), max_size=25))
def test_aging_distribution_adds_up_per_currency(rows: list[tuple[Decimal, int, str]]) -> None:
    positions = [AccountPosition(pk, cur, bal, dpd) for pk, (bal, dpd, cur) in enumerate(rows)]
    for currency, buckets in aging_distribution(positions).items():
        assert sum(buckets.values(), D(0)) == sum(
            (p.balance for p in positions if p.currency == currency), D(0)
        )
