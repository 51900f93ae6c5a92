"""The escalation rules as plain functions, each at its edges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.escalations.model import Instalment
from bot.escalations.rules import (
    MAX_INSTALMENTS,
    AccountFacts,
    RequestTerms,
    add_months,
    approval_refusal,
    check_request,
    decision_effect,
    hold_for,
    instalment_schedule,
    needs_manager,
    plan_total,
    reminders_due,
    working_day_hours,
    working_hours_between,
)
from bot.language.model import said_kept
from bot.vocabulary import EscalationKind, EscalationStatus, Role

D = Decimal
PLAN = EscalationKind.PAYMENT_PLAN
SETTLEMENT = EscalationKind.SETTLEMENT
WRITE_OFF = EscalationKind.WRITE_OFF
LEGAL = EscalationKind.LEGAL
HARDSHIP = EscalationKind.HARDSHIP
DISPUTE = EscalationKind.DISPUTE_REVIEW
TODAY = date(2026, 11, 2)


def _refused(call: Callable[[], object]) -> UserError:
    with pytest.raises(UserError) as caught:
        call()
    return caught.value


# --- instalment schedules --------------------------------------------------------------------


def test_month_ends_clamp_and_come_back_across_a_leap_year() -> None:
    schedule = instalment_schedule(D("100"), D("10000"), count=5, until=None, first_due=date(2027, 12, 31))
    assert [i.due_date for i in schedule] == [
        date(2027, 12, 31),
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
    ]


def test_february_outside_a_leap_year_ends_on_the_28th() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 31), 2) == date(2027, 3, 31)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_a_schedule_by_count() -> None:
    schedule = instalment_schedule(D("250.00"), D("2000.00"), count=3, until=None, first_due=TODAY)
    assert schedule == [
        Instalment(1, date(2026, 11, 2), D("250.00")),
        Instalment(2, date(2026, 12, 2), D("250.00")),
        Instalment(3, date(2027, 1, 2), D("250.00")),
    ]
    assert plan_total(schedule) == D("750.00")  # less than the balance: the rest stays owed


def test_until_exactly_on_an_instalment_date_includes_it() -> None:
    schedule = instalment_schedule(D("100"), D("5000"), count=None, until=date(2027, 2, 2), first_due=TODAY)
    assert [i.due_date for i in schedule][-1] == date(2027, 2, 2)
    assert len(schedule) == 4


def test_until_a_day_before_an_instalment_date_stops_short_of_it() -> None:
    schedule = instalment_schedule(D("100"), D("5000"), count=None, until=date(2027, 2, 1), first_due=TODAY)
    assert len(schedule) == 3


def test_until_on_the_first_due_date_is_one_instalment() -> None:
    schedule = instalment_schedule(D("100"), D("5000"), count=None, until=TODAY, first_due=TODAY)
    assert schedule == [Instalment(1, TODAY, D("100"))]


def test_until_with_month_end_clamping() -> None:
    # Jan 31 → Feb 28 → Mar 31: an end on Feb 28 includes the clamped February instalment.
    schedule = instalment_schedule(
        D("100"), D("5000"), count=None, until=date(2027, 2, 28), first_due=date(2027, 1, 31)
    )
    assert [i.due_date for i in schedule] == [date(2027, 1, 31), date(2027, 2, 28)]


def test_a_plan_covering_more_than_the_balance_stops_and_reduces_its_last_instalment() -> None:
    schedule = instalment_schedule(D("400.00"), D("1000.00"), count=6, until=None, first_due=TODAY)
    assert [i.amount for i in schedule] == [D("400.00"), D("400.00"), D("200.00")]
    assert plan_total(schedule) == D("1000.00")


def test_a_plan_exactly_covering_the_balance_keeps_full_instalments() -> None:
    schedule = instalment_schedule(D("250"), D("1000"), count=4, until=None, first_due=TODAY)
    assert [i.amount for i in schedule] == [D("250")] * 4


def test_one_instalment_larger_than_the_balance_is_the_balance() -> None:
    schedule = instalment_schedule(D("900"), D("120.55"), count=3, until=None, first_due=TODAY)
    assert schedule == [Instalment(1, TODAY, D("120.55"))]


def test_plan_total_of_nothing_is_zero() -> None:
    assert plan_total([]) == D(0)


@pytest.mark.parametrize("amount", [D("0"), D("-1"), D("0.00")])
def test_a_schedule_needs_a_positive_instalment(amount: Decimal) -> None:
    error = _refused(lambda: instalment_schedule(amount, D("1000"), count=3, until=None, first_due=TODAY))
    assert error.field == "amount"


@pytest.mark.parametrize("count", [0, -1, MAX_INSTALMENTS + 1])
def test_a_schedule_has_from_1_to_120_instalments(count: int) -> None:
    error = _refused(lambda: instalment_schedule(D("1"), D("1000"), count=count, until=None, first_due=TODAY))
    assert error.field == "instalments"
    assert error.problem == f"A plan has from 1 to 120 instalments, not {count}."


def test_120_instalments_is_the_limit() -> None:
    schedule = instalment_schedule(D("1"), D("1000"), count=120, until=None, first_due=TODAY)
    assert len(schedule) == 120
    assert schedule[-1].due_date == date(2036, 10, 2)


def test_an_end_date_giving_more_than_120_instalments_is_refused() -> None:
    ten_years = add_months(TODAY, 119)
    assert len(instalment_schedule(D("1"), D("9999"), count=None, until=ten_years, first_due=TODAY)) == 120
    error = _refused(
        lambda: instalment_schedule(
            D("1"), D("9999"), count=None, until=add_months(TODAY, 120), first_due=TODAY
        )
    )
    assert error.field == "until"
    assert "121 instalments" in error.problem


def test_an_end_date_before_the_first_instalment_is_refused() -> None:
    error = _refused(
        lambda: instalment_schedule(
            D("1"), D("100"), count=None, until=TODAY - timedelta(days=1), first_due=TODAY
        )
    )
    assert error.field == "until"
    assert error.problem == "The plan ends on 2026-11-01, before its first instalment on 2026-11-02."


def test_a_schedule_needs_a_count_or_an_end_but_not_both() -> None:
    missing = _refused(lambda: instalment_schedule(D("1"), D("100"), count=None, until=None, first_due=TODAY))
    assert missing.field == "instalments"
    both = _refused(lambda: instalment_schedule(D("1"), D("100"), count=2, until=TODAY, first_due=TODAY))
    assert both.field == "instalments"


def test_no_schedule_for_an_account_that_owes_nothing() -> None:
    error = _refused(lambda: instalment_schedule(D("1"), D("0"), count=2, until=None, first_due=TODAY))
    assert error.problem == "The account owes nothing, so there is nothing to escalate."


@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
    balance=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
    count=st.integers(min_value=1, max_value=MAX_INSTALMENTS),
    first_due=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
def test_schedules_never_exceed_the_balance(
    amount: Decimal, balance: Decimal, count: int, first_due: date
) -> None:
    schedule = instalment_schedule(amount, balance, count=count, until=None, first_due=first_due)
    assert schedule
    assert plan_total(schedule) <= balance
    assert all(i.amount > 0 for i in schedule)
    assert all(i.amount <= amount for i in schedule)
    assert [i.number for i in schedule] == list(range(1, len(schedule) + 1))
    assert all(a.due_date < b.due_date for a, b in pairwise(schedule))
    # Only the last instalment may be short, and only when it finishes the balance.
    assert all(i.amount == amount for i in schedule[:-1])
    assert len(schedule) == count or plan_total(schedule) == balance


@given(
    first_due=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    days=st.integers(min_value=0, max_value=3000),
)
def test_an_end_date_takes_every_monthly_date_up_to_it(first_due: date, days: int) -> None:
    until = first_due + timedelta(days=days)
    months = (until.year - first_due.year) * 12 + until.month - first_due.month + 1
    if months > MAX_INSTALMENTS + 1:
        return
    try:
        schedule = instalment_schedule(D("1"), D("1000"), count=None, until=until, first_due=first_due)
    except UserError as error:
        assert error.field == "until"
        return
    assert schedule[-1].due_date <= until < add_months(first_due, len(schedule))


# --- what is forgiven ------------------------------------------------------------------------


AGENT = "U0AGENT1"


def _terms(
    kind: EscalationKind,
    amount: str | None = None,
    *,
    instalments: int | None = None,
    until: date | None = None,
) -> RequestTerms:
    return RequestTerms(kind, D(amount) if amount else None, instalments, until, AGENT, "USD")


def _facts(
    balance: str, status: str = "active", assigned_to: str | None = AGENT, hold: str | None = None
) -> AccountFacts:
    return AccountFacts(D(balance), status, assigned_to, hold)


def test_what_is_forgiven_is_what_approving_applies() -> None:
    then = _facts("1000.00")
    settle = decision_effect(_terms(SETTLEMENT, "800.00"), then, then, today=TODAY)
    assert (settle.forgiven, settle.settlement, settle.written_off) == (D("200.00"), D("800.00"), D(0))
    part = decision_effect(_terms(WRITE_OFF, "300.00"), then, then, today=TODAY)
    assert (part.forgiven, part.written_off) == (D("300.00"), D("300.00"))
    whole = decision_effect(_terms(WRITE_OFF), then, then, today=TODAY)  # default: the whole balance
    assert (whole.forgiven, whole.written_off) == (D("1000.00"), D("1000.00"))
    plan = decision_effect(_terms(PLAN, "100.00", instalments=3), then, then, today=TODAY)
    assert plan.forgiven == 0 and plan_total(plan.schedule) == D("300.00")
    for kind in (LEGAL, HARDSHIP, DISPUTE):
        until = TODAY + timedelta(days=30) if kind == HARDSHIP else None
        held = decision_effect(_terms(kind, until=until), then, then, today=TODAY)
        assert (held.forgiven, held.hold, held.returned, held.notice) == (D(0), hold_for(kind), False, None)


def said(kept: str | None) -> str:
    """A notice as an English reader reads it (it is kept as phrases)."""
    return said_kept(kept, apart="") if kept else ""


def test_a_write_off_above_the_balance_now_is_capped_at_it() -> None:
    """The defect: 8,000 asked on 9,800, decided on 100.21."""
    effect = decision_effect(_terms(WRITE_OFF, "8000.00"), _facts("9800.00"), _facts("100.21"), today=TODAY)
    assert (effect.written_off, effect.forgiven, effect.returned) == (D("100.21"), D("100.21"), False)
    assert said(effect.notice) == (
        "Balance is now $100.21, was $9,800.00 when requested: the write-off will be capped at $100.21."
    )
    unknown_then = decision_effect(_terms(WRITE_OFF, "8000.00"), None, _facts("100.21"), today=TODAY)
    assert unknown_then.written_off == D("100.21") and "capped at $100.21" in said(unknown_then.notice)


def test_a_lower_balance_lowers_a_settlements_discount_and_shortens_a_plan() -> None:
    settle = decision_effect(_terms(SETTLEMENT, "3000.00"), _facts("9800.00"), _facts("6800.00"), today=TODAY)
    assert settle.forgiven == D("3800.00") and "forgive $3,800.00" in said(settle.notice)
    plan = decision_effect(
        _terms(PLAN, "250.00", instalments=5), _facts("1250.00"), _facts("450.00"), today=TODAY
    )
    assert [i.amount for i in plan.schedule] == [D("250.00"), D("200.00")]
    assert "2 instalments" in said(plan.notice)


@pytest.mark.parametrize(
    ("terms", "now", "why"),
    [
        (_terms(WRITE_OFF, "100.00"), _facts("0.00", "paid"), "now paid"),
        (_terms(PLAN, "100.00", instalments=3), _facts("0.00", "paid"), "now paid"),
        (_terms(LEGAL), _facts("0.00", "settled"), "now settled"),
        (_terms(SETTLEMENT, "500.00"), _facts("500.00"), "no longer below"),
        (_terms(SETTLEMENT, "500.00"), _facts("499.99"), "no longer below"),
        (_terms(WRITE_OFF), _facts("1000.00", "on_hold", hold="bankruptcy"), "put on hold (bankruptcy)"),
        (
            _terms(HARDSHIP, until=TODAY + timedelta(days=9)),
            _facts("1000.00", "legal", hold="legal"),
            "on hold",
        ),
        (_terms(LEGAL), _facts("1000.00", assigned_to="U0OTHER"), "reassigned to another agent"),
        (_terms(WRITE_OFF), _facts("1000.00", assigned_to=None), "reassigned to the shared queue"),
        (_terms(HARDSHIP, until=TODAY - timedelta(days=1)), _facts("1000.00"), "has passed"),
        (
            _terms(PLAN, "100.00", until=TODAY + timedelta(days=10)),
            _facts("1000.00"),
            "before a first instalment",
        ),
    ],
)
def test_what_capping_cannot_fix_goes_back_to_the_agent(
    terms: RequestTerms, now: AccountFacts, why: str
) -> None:
    effect = decision_effect(terms, _facts("1000.00"), now, today=TODAY)
    assert effect.returned and why in said(effect.notice)
    assert (effect.written_off, effect.forgiven, effect.schedule, effect.hold) == (D(0), D(0), (), None)


def test_what_was_already_so_at_the_request_sends_nothing_back() -> None:
    held = _facts("1000.00", "on_hold", hold="bankruptcy")
    assert not decision_effect(_terms(WRITE_OFF), held, held, today=TODAY).returned
    mine_now = _facts("1000.00", assigned_to=AGENT)
    assert not decision_effect(
        _terms(LEGAL), _facts("1000.00", assigned_to=None), mine_now, today=TODAY
    ).returned
    paid = _facts("0.00", "paid")
    assert not decision_effect(_terms(DISPUTE), paid, paid, today=TODAY).returned
    # Unknown (requests recorded before the account was kept with them): only today's account counts.
    assert not decision_effect(_terms(WRITE_OFF), None, held, today=TODAY).returned
    assert decision_effect(_terms(WRITE_OFF), None, paid, today=TODAY).returned


def test_a_balance_change_that_changes_nothing_is_not_flagged() -> None:
    part = decision_effect(_terms(WRITE_OFF, "300.00"), _facts("1000.00"), _facts("900.00"), today=TODAY)
    assert (part.written_off, part.notice) == (D("300.00"), None)
    plan = decision_effect(
        _terms(PLAN, "100.00", instalments=3), _facts("1000.00"), _facts("900.00"), today=TODAY
    )
    assert (plan_total(plan.schedule), plan.notice) == (D("300.00"), None)
    legal = decision_effect(_terms(LEGAL), _facts("1000.00"), _facts("10.00"), today=TODAY)
    assert (legal.hold, legal.notice) == ("legal", None)


def test_a_higher_balance_is_said_and_written_off_whole() -> None:
    effect = decision_effect(_terms(WRITE_OFF), _facts("4000.00"), _facts("6000.00"), today=TODAY)
    assert effect.written_off == D("6000.00")
    assert (
        said(effect.notice)
        == "Balance is now $6,000.00, was $4,000.00 when requested: the write-off will be $6,000.00."
    )


# --- check_request ---------------------------------------------------------------------------


def _check(
    kind: EscalationKind,
    amount: str | None = None,
    *,
    balance: str = "1000.00",
    count: int | None = None,
    until: date | None = None,
    currency: str | None = None,
) -> None:
    check_request(
        kind,
        D(balance),
        D(amount) if amount is not None else None,
        count=count,
        until=until,
        today=TODAY,
        currency=currency,
    )


def _check_refused(
    kind: EscalationKind,
    amount: str | None = None,
    *,
    balance: str = "1000.00",
    count: int | None = None,
    until: date | None = None,
    currency: str | None = None,
) -> UserError:
    return _refused(
        lambda: _check(kind, amount, balance=balance, count=count, until=until, currency=currency)
    )


def test_valid_requests_pass() -> None:
    _check(PLAN, "100", count=6)
    _check(PLAN, "100", until=TODAY)
    _check(SETTLEMENT, "999.99")
    _check(WRITE_OFF)
    _check(WRITE_OFF, "1000.00")  # the whole balance, typed
    _check(LEGAL)
    _check(DISPUTE)
    _check(HARDSHIP, until=TODAY)
    _check(HARDSHIP, until=TODAY + timedelta(days=366))


@pytest.mark.parametrize("kind", [PLAN, SETTLEMENT])
def test_plan_and_settlement_need_an_amount(kind: EscalationKind) -> None:
    error = _check_refused(kind, None, count=6)
    assert error.field == "amount"
    assert "needs the amount" in error.problem


def test_settlement_equal_to_the_balance_is_refused() -> None:
    error = _check_refused(SETTLEMENT, "1000.00", currency="USD")
    assert error.problem == (
        "A settlement accepts less than the balance of $1,000.00; to collect it all, record a promise or a plan."
    )
    assert error.field == "amount"


def test_settlement_above_the_balance_is_refused_and_shown_without_currency_when_unknown() -> None:
    error = _check_refused(SETTLEMENT, "1500.00", balance="1250.00")
    assert "the balance of 1,250.00;" in error.problem


@pytest.mark.parametrize("kind", [SETTLEMENT, WRITE_OFF, PLAN])
@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_amounts_must_be_above_zero(kind: EscalationKind, amount: str) -> None:
    assert _check_refused(kind, amount, count=3).field == "amount"


def test_write_off_above_the_balance_is_refused() -> None:
    error = _check_refused(WRITE_OFF, "1000.01", currency="BRL")
    assert error.problem == "The write-off of R$1,000.01 is more than the balance of R$1,000.00."
    assert error.field == "amount"


def test_payment_plan_needs_a_count_or_an_end() -> None:
    assert _check_refused(PLAN, "100").field == "instalments"
    assert _check_refused(PLAN, "100", count=6, until=TODAY).field == "instalments"
    assert _check_refused(PLAN, "100", count=0).field == "instalments"
    assert _check_refused(PLAN, "100", count=121).field == "instalments"
    _check(PLAN, "100", count=12)  # the last instalment a year ahead: within the promise horizon
    assert _check_refused(PLAN, "100", count=13).field == "instalments"
    assert _check_refused(PLAN, "100", count=120).field == "instalments"
    check_request(PLAN, D(1000), D(100), count=120, until=None, today=TODAY, horizon_days=3660)
    assert _check_refused(PLAN, "100", until=TODAY - timedelta(days=1)).field == "until"


def test_hardship_needs_an_end_from_today_up_to_366_days() -> None:
    assert _check_refused(HARDSHIP).field == "until"
    past = _check_refused(HARDSHIP, until=TODAY - timedelta(days=1))
    assert past.problem == "A hardship pause can't end on 2026-11-01: that is in the past."
    far = _check_refused(HARDSHIP, until=TODAY + timedelta(days=367))
    assert far.field == "until"
    assert "at most 366 days" in far.problem


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        (LEGAL, "A legal referral takes no amount."),
        (DISPUTE, "A dispute review takes no amount."),
        (HARDSHIP, "A hardship pause takes no amount."),
    ],
)
def test_kinds_without_an_amount_refuse_one(kind: EscalationKind, problem: str) -> None:
    error = _check_refused(kind, "100", until=TODAY)
    assert error.problem == problem
    assert error.field == "amount"


@pytest.mark.parametrize("kind", [PLAN, SETTLEMENT, WRITE_OFF, LEGAL, HARDSHIP])
@pytest.mark.parametrize("balance", ["0.00", "-10.00"])
def test_nothing_to_escalate_on_an_account_that_owes_nothing(kind: EscalationKind, balance: str) -> None:
    error = _check_refused(kind, None, balance=balance)
    assert error.problem == "The account owes nothing, so there is nothing to escalate."


def test_a_dispute_review_is_allowed_on_an_account_that_owes_nothing() -> None:
    _check(DISPUTE, balance="0.00")


# --- who decides -----------------------------------------------------------------------------


def _refusal(
    role: str, decider: str = "U0SUP", requested_by: str = "U0AGENT", status: str = "open"
) -> str | None:
    return approval_refusal(
        decider_role=role, decider_id=decider, requested_by=requested_by, status=EscalationStatus(status)
    )


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MANAGER, Role.ADMIN, "supervisor"])
@pytest.mark.parametrize("status", [EscalationStatus.OPEN, EscalationStatus.WAITING_INFO])
def test_supervisors_managers_and_admins_decide(role: str, status: str) -> None:
    assert _refusal(role, status=status) is None


@pytest.mark.parametrize("role", [Role.AGENT, "", "owner"])
def test_agents_and_people_off_the_roster_are_refused(role: str) -> None:
    assert _refusal(role) == "Only supervisors and managers can decide escalations."


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MANAGER, Role.ADMIN])
def test_nobody_decides_their_own_escalation(role: str) -> None:
    assert _refusal(role, decider="U0SUP", requested_by="U0SUP") == (
        "You raised this escalation: another supervisor must decide it (four eyes)."
    )


def test_a_recommendation_needs_a_manager() -> None:
    assert (
        _refusal(Role.SUPERVISOR, status="recommended") == "A manager makes the final decision on this one."
    )
    assert _refusal(Role.MANAGER, status="recommended") is None
    assert _refusal(Role.ADMIN, status="recommended") is None


def test_a_manager_may_not_finalise_a_recommendation_on_their_own_escalation() -> None:
    assert "four eyes" in (_refusal(Role.MANAGER, "U0MGR", "U0MGR", "recommended") or "")


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_decided_escalations_are_not_decided_again(status: str) -> None:
    assert _refusal(Role.MANAGER, status=status) == f"This escalation is already {status}."


def test_the_approval_limit_is_inclusive() -> None:
    limit = D("1000.00")
    assert not needs_manager(D("1000.00"), decider_role=Role.SUPERVISOR, approval_limit=limit)
    assert needs_manager(D("1000.01"), decider_role=Role.SUPERVISOR, approval_limit=limit)
    assert not needs_manager(D("0"), decider_role=Role.SUPERVISOR, approval_limit=D("0"))


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_have_no_limit(role: str) -> None:
    assert not needs_manager(D("10000000"), decider_role=role, approval_limit=D("0"))


def test_holds_for_approved_kinds() -> None:
    assert hold_for(LEGAL) == "legal"
    assert hold_for(HARDSHIP) == "hardship"
    assert hold_for(DISPUTE) == "dispute"
    assert hold_for(PLAN) is None
    assert hold_for(SETTLEMENT) is None
    assert hold_for(WRITE_OFF) is None


# --- working hours and reminders -------------------------------------------------------------

NEW_YORK = ZoneInfo("America/New_York")
NINE, FIVE = time(9), time(17)


def _weekdays(day: date) -> bool:
    return day.weekday() < 5


def _every_day(day: date) -> bool:
    return True


def _hours(
    start: datetime,
    end: datetime,
    *,
    is_working_day: Callable[[date], bool] = _weekdays,
    day_start: time = NINE,
    day_end: time = FIVE,
) -> float:
    return working_hours_between(
        start, end, zone=NEW_YORK, is_working_day=is_working_day, day_start=day_start, day_end=day_end
    )


def _ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def test_hours_within_one_working_day() -> None:
    assert _hours(_ny(2026, 10, 28, 10), _ny(2026, 10, 28, 14, 30)) == 4.5


def test_start_before_the_day_and_end_after_it_count_only_the_working_day() -> None:
    assert _hours(_ny(2026, 10, 28, 6), _ny(2026, 10, 28, 22)) == 8.0
    assert _hours(_ny(2026, 10, 28, 6), _ny(2026, 10, 28, 8, 59)) == 0.0
    assert _hours(_ny(2026, 10, 28, 17), _ny(2026, 10, 29, 9)) == 0.0


def test_end_before_start_is_no_time() -> None:
    assert _hours(_ny(2026, 10, 28, 14), _ny(2026, 10, 28, 10)) == 0.0


def test_a_weekend_does_not_count() -> None:
    # Friday 15:00 to Monday 11:00: two hours on Friday, two on Monday.
    assert _hours(_ny(2026, 10, 23, 15), _ny(2026, 10, 26, 11)) == 4.0


def test_a_holiday_does_not_count() -> None:
    thanksgiving = date(2026, 11, 26)

    def working(day: date) -> bool:
        return _weekdays(day) and day != thanksgiving

    # Wednesday 16:00 to Friday 10:00, Thursday off: one hour plus one hour.
    assert _hours(_ny(2026, 11, 25, 16), _ny(2026, 11, 27, 10), is_working_day=working) == 2.0


def test_instants_in_other_zones_are_read_in_the_team_zone() -> None:
    start = datetime(2026, 10, 28, 14, tzinfo=UTC)  # 10:00 in New York (EDT, UTC-4)
    assert _hours(start, start + timedelta(hours=3)) == 3.0


def test_across_the_end_of_daylight_saving_time() -> None:
    # Friday 16:00 EDT to Monday 10:00 EST, over the 2026-11-01 change: 1 h + 1 h.
    assert _hours(_ny(2026, 10, 30, 16), _ny(2026, 11, 2, 10)) == 2.0
    assert _ny(2026, 11, 2, 10).utcoffset() == timedelta(hours=-5)


def test_a_working_window_containing_the_repeated_hour_counts_real_time() -> None:
    # 00:00 to 06:00 on 2026-11-01 lasts seven hours: 01:00-02:00 happens twice.
    hours = _hours(
        _ny(2026, 10, 31, 12),
        _ny(2026, 11, 1, 12),
        is_working_day=lambda day: day == date(2026, 11, 1),
        day_start=time(0),
        day_end=time(6),
    )
    assert hours == 7.0


def test_a_working_window_containing_the_skipped_hour_counts_real_time() -> None:
    # 00:00 to 06:00 on 2026-03-08 lasts five hours: 02:00-03:00 does not happen.
    hours = _hours(
        _ny(2026, 3, 7, 12),
        _ny(2026, 3, 8, 12),
        is_working_day=lambda day: day == date(2026, 3, 8),
        day_start=time(0),
        day_end=time(6),
    )
    assert hours == 5.0


def test_a_full_working_week() -> None:
    assert _hours(_ny(2026, 10, 26, 0), _ny(2026, 11, 2, 0), is_working_day=_every_day) == 56.0
    assert _hours(_ny(2026, 10, 26, 0), _ny(2026, 11, 2, 0)) == 40.0


def test_a_working_day_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        _hours(_ny(2026, 10, 28, 10), _ny(2026, 10, 28, 11), day_start=FIVE, day_end=NINE)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        _hours(datetime(2026, 10, 28, 10), _ny(2026, 10, 28, 11))


def test_working_day_hours() -> None:
    assert working_day_hours(NINE, FIVE) == 8.0
    assert working_day_hours(time(8, 30), time(17, 15)) == 8.75


@pytest.mark.parametrize(
    ("waited", "due"),
    [
        (0.0, set()),
        (3.99, set()),
        (4.0, {"thread"}),
        (7.99, {"thread"}),
        (8.0, {"thread", "channel"}),
        (30.0, {"thread", "channel"}),
    ],
)
def test_reminders_due(waited: float, due: set[str]) -> None:
    assert reminders_due(waited, reminder_after_hours=4.0, working_day_hours=8.0) == due


def test_a_reminder_period_longer_than_a_day_still_raises_the_channel_after_a_day() -> None:
    assert reminders_due(8.0, reminder_after_hours=12.0, working_day_hours=8.0) == {"channel"}
