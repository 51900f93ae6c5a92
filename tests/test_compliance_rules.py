"""The US compliance rules (FDCPA, Regulation F) and the privacy masks, each at its edges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.compliance.rules.contact_limits import ContactHistory
from bot.compliance.rules.privacy import initials, mask_account_id, mask_email, mask_phone
from bot.compliance.rules.regulation import (
    DebtFacts,
    Verdict,
    check_contact,
    check_escalation,
    check_promise_request,
    counts_calls,
    plausible_zones,
)

NY = ZoneInfo("America/New_York")
NO_CALLS = ContactHistory((), None)
TODAY = date(2026, 1, 15)  # winter: New York is UTC-5, Honolulu UTC-10
NANP = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/St_Johns",
]
HOLDS = ["dispute", "cease-communication", "bankruptcy", "attorney", "hardship", "legal"]
OUTBOUND_REFUSED_ON_HOLD = ["call", "sms", "visit", "email"]


def facts(**changes: Any) -> DebtFacts:
    base = DebtFacts(
        status="active", hold_reason=None, customer_timezone="America/New_York", phone=None, calls=NO_CALLS
    )
    return replace(base, **changes)


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    """A New York wall-clock time, handed to the rules as UTC so the conversion is theirs to do."""
    return datetime.combine(day, time(hour, minute), tzinfo=NY).astimezone(UTC)


def call(at: datetime, debt: DebtFacts, **options: Any) -> Verdict:
    return check_contact("call", "no-answer", at, debt, **options)


def held(reason: str) -> DebtFacts:
    return facts(status="on_hold", hold_reason=reason)


# --- 7-in-7 and the week after a conversation ----------------------------------------------------


def test_the_seventh_call_in_seven_days_is_allowed_and_the_eighth_refused() -> None:
    at = datetime.combine(TODAY, time(11), tzinfo=NY)  # the team's zone: history days count in it
    six = tuple(TODAY - timedelta(days=n) for n in range(6))
    assert call(at, facts(calls=ContactHistory(six, None))).allowed

    seven = ContactHistory((TODAY - timedelta(days=2),) * 7, None)
    eighth = call(at, facts(calls=seven))
    assert (eighth.allowed, eighth.rule, eighth.overridable) == (False, "7-in-7", False)
    # The calls two days ago leave the 7-day window five days from now, at the customer's 08:00.
    assert eighth.next_allowed == datetime(2026, 1, 20, 8, tzinfo=NY)
    assert "Tuesday 20 January" in eighth.explanation
    assert "letter" in eighth.explanation


def test_calls_older_than_seven_days_do_not_count() -> None:
    at = datetime.combine(TODAY, time(11), tzinfo=NY)
    old = ContactHistory((TODAY - timedelta(days=7),) * 7, None)
    assert call(at, facts(calls=old)).allowed


def test_day_seven_after_a_conversation_is_refused_and_day_eight_allowed() -> None:
    at = datetime.combine(TODAY, time(11), tzinfo=NY)
    day_seven = call(at, facts(calls=ContactHistory((), TODAY - timedelta(days=6))))
    assert (day_seven.allowed, day_seven.rule) == (False, "after-conversation")
    assert day_seven.next_allowed == datetime(2026, 1, 16, 8, tzinfo=NY)
    assert "Friday 9 January" in day_seven.explanation
    assert call(at, facts(calls=ContactHistory((), TODAY - timedelta(days=7)))).allowed


def test_the_next_call_day_opens_at_the_customers_window_not_at_midnight() -> None:
    at = datetime.combine(TODAY, time(11), tzinfo=NY)
    debt = facts(customer_timezone="America/Los_Angeles", calls=ContactHistory((), TODAY))
    verdict = call(at, debt)
    assert verdict.next_allowed == datetime(2026, 1, 22, 8, tzinfo=ZoneInfo("America/Los_Angeles"))


def test_call_limits_apply_to_calls_only_and_not_to_the_customer_calling_in() -> None:
    at = datetime.combine(TODAY, time(11), tzinfo=NY)
    busy = facts(calls=ContactHistory((TODAY,) * 7, TODAY))
    assert call(at, busy, inbound=True).allowed
    for channel in ("sms", "email", "letter", "visit"):
        assert check_contact(channel, "no-answer", at, busy).allowed, channel


# --- time of day across the DST changes ----------------------------------------------------------

SPRING = date(2026, 3, 8)  # 02:00 EST -> 03:00 EDT
FALL = date(2026, 11, 1)  # 02:00 EDT -> 01:00 EST


@pytest.mark.parametrize("day", [SPRING, FALL])
@pytest.mark.parametrize("channel", ["call", "sms", "visit"])
def test_the_window_is_0800_to_2100_local_on_dst_days(day: date, channel: str) -> None:
    def verdict(hour: int, minute: int) -> Verdict:
        return check_contact(channel, "no-answer", ny(day, hour, minute), facts())

    early = verdict(7, 59)
    assert (early.allowed, early.rule, early.overridable) == (False, "time-of-day", False)
    assert early.next_allowed == datetime.combine(day, time(8), tzinfo=NY)
    assert verdict(8, 0).allowed
    assert verdict(20, 59).allowed
    late = verdict(21, 0)
    assert late.rule == "time-of-day"
    assert late.next_allowed == datetime.combine(day + timedelta(days=1), time(8), tzinfo=NY)


def test_the_evening_before_a_dst_change_waits_for_0800_on_the_new_offset() -> None:
    spring = check_contact("sms", "no-answer", ny(SPRING - timedelta(days=1), 21), facts())
    assert spring.next_allowed is not None
    assert spring.next_allowed.astimezone(UTC) == datetime(2026, 3, 8, 12, tzinfo=UTC)  # 08:00 EDT
    assert spring.next_allowed - ny(SPRING - timedelta(days=1), 21) == timedelta(hours=10)

    fall = check_contact("sms", "no-answer", ny(FALL - timedelta(days=1), 21), facts())
    assert fall.next_allowed is not None
    assert fall.next_allowed.astimezone(UTC) == datetime(2026, 11, 1, 13, tzinfo=UTC)  # 08:00 EST
    assert fall.next_allowed - ny(FALL - timedelta(days=1), 21) == timedelta(hours=12)


def test_email_and_letters_are_not_bound_to_the_window() -> None:
    night = ny(TODAY, 3)
    assert check_contact("email", "no-answer", night, facts()).allowed
    assert check_contact("letter", "no-answer", night, facts()).allowed


def test_inconvenient_times_take_hours_out_of_the_window() -> None:
    lunch = facts(inconvenient=((time(12), time(13)),))
    assert call(ny(TODAY, 11, 59), lunch).allowed
    refused = call(ny(TODAY, 12, 30), lunch)
    assert (refused.allowed, refused.rule) == (False, "time-of-day")
    assert refused.next_allowed == datetime.combine(TODAY, time(13), tzinfo=NY)
    assert "12:00-13:00" in refused.explanation
    assert call(ny(TODAY, 13), lunch).allowed


def test_an_inconvenient_range_can_run_past_midnight() -> None:
    evenings_and_mornings = facts(inconvenient=((time(20), time(9)),))
    refused = call(ny(TODAY, 8, 30), evenings_and_mornings)
    assert refused.next_allowed == datetime.combine(TODAY, time(9), tzinfo=NY)
    assert call(ny(TODAY, 19, 59), evenings_and_mornings).allowed
    evening = call(ny(TODAY, 20), evenings_and_mornings)
    assert evening.next_allowed == datetime.combine(TODAY + timedelta(days=1), time(9), tzinfo=NY)


def test_a_customer_who_finds_every_hour_inconvenient_gets_no_next_time() -> None:
    never = facts(inconvenient=((time(7), time(12)), (time(11), time(22))))
    refused = call(ny(TODAY, 10), never)
    assert (refused.allowed, refused.next_allowed) == (False, None)
    assert "letter" in refused.explanation


# --- unknown time zone ----------------------------------------------------------------------------


def test_an_unknown_zone_with_a_north_american_phone_waits_for_hawaii() -> None:
    debt = facts(customer_timezone=None, phone="+1 555 010 0199")
    morning = call(ny(TODAY, 11, 30), debt)
    assert (morning.allowed, morning.rule, morning.overridable) == (False, "time-zone-unknown", True)
    for shown in ("06:30", "Pacific/Honolulu", "13:00", "America/St_Johns"):
        assert shown in morning.explanation
    assert morning.next_allowed == datetime(2026, 1, 15, 18, tzinfo=UTC)  # 08:00 in Honolulu
    assert call(ny(TODAY, 15), debt).allowed


@pytest.mark.parametrize("phone", [None, "(555) 010-0199", "+81 3 1234 5678"])
def test_no_phone_a_bare_ten_digit_number_or_an_unplaced_code_assume_us_and_canada(phone: str | None) -> None:
    debt = facts(customer_timezone=None, phone=phone)
    assert call(ny(TODAY, 11, 30), debt).rule == "time-zone-unknown"
    assert call(ny(TODAY, 15), debt).allowed


def test_a_zone_name_we_do_not_know_counts_as_unknown() -> None:
    debt = facts(customer_timezone="Mars/Olympus_Mons", phone="+1 555 010 0199")
    assert call(ny(TODAY, 11, 30), debt).rule == "time-zone-unknown"


def test_a_european_phone_uses_its_own_zones() -> None:
    debt = facts(customer_timezone=None, phone="+351 912 345 678")
    lisbon = ZoneInfo("Europe/Lisbon")
    # 08:30 in Lisbon is 07:30 in the Azores: not yet.
    early = call(datetime.combine(TODAY, time(8, 30), tzinfo=lisbon), debt)
    assert early.rule == "time-zone-unknown"
    assert early.next_allowed == datetime.combine(TODAY, time(9), tzinfo=lisbon)
    assert call(datetime.combine(TODAY, time(9), tzinfo=lisbon), debt).allowed


@pytest.mark.parametrize(
    ("phone", "zones"),
    [
        ("+1 555 010 0199", NANP),
        ("5550100199", NANP),
        (None, NANP),
        ("", NANP),
        ("+999 123", NANP),
        (
            "+55 11 91234 5678",
            ["America/Rio_Branco", "America/Manaus", "America/Sao_Paulo", "America/Noronha"],
        ),
        ("+351 912 345 678", ["Atlantic/Azores", "Europe/Lisbon"]),
        ("0044 20 7946 0958", ["Europe/London"]),
        ("+33 1 23 45 67 89", ["Europe/Paris"]),
        ("+49 30 123456", ["Europe/Berlin"]),
        ("+34 912 345 678", ["Atlantic/Canary", "Europe/Madrid"]),
        ("+48 22 123 45 67", ["Europe/Warsaw"]),
        ("+84 24 1234 5678", ["Asia/Ho_Chi_Minh"]),
    ],
)
def test_plausible_zones_come_from_the_calling_code(phone: str | None, zones: list[str]) -> None:
    assert [zone.key for zone in plausible_zones(phone)] == zones


def test_mexico_spans_its_zones() -> None:
    keys = [zone.key for zone in plausible_zones("+52 55 1234 5678")]
    assert "America/Mexico_City" in keys
    assert "America/Tijuana" in keys
    assert "America/Cancun" in keys


# --- holds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", HOLDS)
@pytest.mark.parametrize("channel", OUTBOUND_REFUSED_ON_HOLD)
def test_a_hold_refuses_outbound_contact_except_letters(reason: str, channel: str) -> None:
    verdict = check_contact(channel, "no-answer", ny(TODAY, 11), held(reason))
    assert (verdict.allowed, verdict.rule, verdict.overridable) == (False, f"hold:{reason}", False)
    assert verdict.next_allowed is None
    assert "letter" in verdict.explanation


@pytest.mark.parametrize("reason", HOLDS)
def test_a_hold_allows_letters_and_answering_the_customer(reason: str) -> None:
    at = ny(TODAY, 11)
    assert check_contact("letter", "no-answer", at, held(reason)).allowed
    for channel in ("call", "sms", "email", "visit"):
        assert check_contact(channel, "right-party", at, held(reason), inbound=True).allowed


def test_cease_communication_letters_are_limited_to_the_permitted_notices() -> None:
    verdict = check_contact("letter", "no-answer", ny(TODAY, 3), held("cease-communication"))
    assert verdict.allowed
    assert "remedy" in verdict.explanation


def test_an_attorney_letter_goes_to_the_attorney() -> None:
    verdict = check_contact("post", "no-answer", ny(TODAY, 11), held("attorney"))
    assert verdict.allowed
    assert "attorney" in verdict.explanation


def test_the_legal_state_and_an_unexplained_hold_still_hold() -> None:
    assert call(ny(TODAY, 11), facts(status="legal")).rule == "hold:legal"
    assert call(ny(TODAY, 11), facts(status="on_hold")).rule == "hold:other"
    assert call(ny(TODAY, 11), facts(status="on_hold", hold_reason="cease_communication")).rule == (
        "hold:cease-communication"
    )


def test_a_hold_is_reported_before_the_call_limits() -> None:
    busy = held("dispute")
    busy = replace(busy, calls=ContactHistory((TODAY,) * 7, None))
    assert call(ny(TODAY, 3), busy).rule == "hold:dispute"


# --- promises and escalations ---------------------------------------------------------------------


def test_a_promise_request_is_refused_on_any_hold() -> None:
    assert check_promise_request(facts()).allowed
    for reason in HOLDS:
        verdict = check_promise_request(held(reason))
        assert (verdict.allowed, verdict.rule) == (False, f"hold:{reason}")
    assert "verification" in check_promise_request(held("dispute")).explanation


def test_a_dispute_allows_only_a_dispute_review_escalation() -> None:
    dispute = held("dispute")
    assert check_escalation("dispute-review", dispute).allowed
    for kind in ("payment-plan", "settlement", "write-off", "legal", "hardship"):
        verdict = check_escalation(kind, dispute)
        assert (verdict.allowed, verdict.rule) == (False, "hold:dispute"), kind


@pytest.mark.parametrize("reason", [r for r in HOLDS if r != "dispute"])
def test_other_holds_still_allow_a_supervisor_decision(reason: str) -> None:
    for kind in ("hardship", "legal", "write-off"):
        assert check_escalation(kind, held(reason)).allowed
    assert check_escalation("settlement", facts()).allowed


# --- profile, inputs ------------------------------------------------------------------------------


def test_profile_off_allows_everything() -> None:
    busy = replace(held("dispute"), calls=ContactHistory((TODAY,) * 7, TODAY))
    assert call(ny(TODAY, 3), busy, profile="off").allowed
    assert check_promise_request(busy, profile="off").allowed
    assert check_escalation("settlement", busy, profile="off").allowed


def test_bad_inputs_are_refused_loudly() -> None:
    with pytest.raises(ValueError, match="profile"):
        call(ny(TODAY, 11), facts(), profile="uk")
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 1, 15, 11), facts())
    with pytest.raises(ValueError, match="channel"):
        check_contact("pigeon", "no-answer", ny(TODAY, 11), facts())


def test_channel_aliases_are_understood() -> None:
    assert check_contact("phone", "no-answer", ny(TODAY, 3), facts()).rule == "time-of-day"
    assert check_contact("mail", "no-answer", ny(TODAY, 3), facts()).allowed


# --- properties -----------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.sampled_from([UTC, NY])
)
clock_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@settings(max_examples=200)
@given(at=instants, zone=st.timezones())
def test_the_time_of_day_verdict_matches_the_local_clock(at: datetime, zone: ZoneInfo) -> None:
    debt = facts(customer_timezone=zone.key)
    verdict = call(at, debt)
    local = at.astimezone(zone)
    assert verdict.allowed == (8 <= local.hour < 21)
    if not verdict.allowed:
        assert verdict.next_allowed is not None
        assert verdict.next_allowed > at
        assert verdict.next_allowed.astimezone(zone).time() == time(8)
        _assert_earliest(verdict.next_allowed, at, debt)


@given(
    at=instants,
    zone=st.sampled_from(["America/New_York", "Europe/Lisbon", "America/St_Johns", "Pacific/Honolulu"]),
    inconvenient=st.lists(st.tuples(clock_times, clock_times), max_size=3).map(tuple),
)
def test_next_allowed_is_the_first_convenient_instant(
    at: datetime, zone: str, inconvenient: tuple[tuple[time, time], ...]
) -> None:
    debt = facts(customer_timezone=zone, inconvenient=inconvenient)
    verdict = call(at, debt)
    if verdict.next_allowed is not None:
        _assert_earliest(verdict.next_allowed, at, debt)


@given(at=instants)
def test_an_unknown_zone_is_allowed_only_when_every_north_american_zone_is(at: datetime) -> None:
    verdict = call(at, facts(customer_timezone=None, phone="+1 555 010 0199"))
    inside = all(8 <= at.astimezone(ZoneInfo(key)).hour < 21 for key in NANP)
    assert verdict.allowed == inside
    if not inside:
        assert verdict.overridable
        assert verdict.next_allowed is not None
        _assert_earliest(verdict.next_allowed, at, facts(customer_timezone=None, phone="+1 555 010 0199"))


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=6), max_size=12),
    spoke=st.none() | st.integers(min_value=0, max_value=10),
)
def test_the_next_call_day_is_the_first_the_call_limits_allow(offsets: list[int], spoke: int | None) -> None:
    history = ContactHistory(
        tuple(TODAY - timedelta(days=n) for n in offsets),
        None if spoke is None else TODAY - timedelta(days=spoke),
    )
    debt = facts(calls=history)
    verdict = call(datetime.combine(TODAY, time(12), tzinfo=NY), debt)
    blocked = len(offsets) >= 7 or (spoke is not None and spoke < 7)
    assert verdict.allowed == (not blocked)
    if blocked:
        assert verdict.next_allowed is not None
        assert verdict.next_allowed.astimezone(NY).time() == time(8)
        assert call(verdict.next_allowed, debt).allowed
        day_before = datetime.combine(verdict.next_allowed.date() - timedelta(days=1), time(12), tzinfo=NY)
        assert call(day_before, debt).rule in ("7-in-7", "after-conversation")


def _assert_earliest(next_allowed: datetime, at: datetime, debt: DebtFacts) -> None:
    assert call(next_allowed, debt).allowed
    just_before = next_allowed - timedelta(seconds=1)
    if just_before >= at:
        assert not call(just_before, debt).allowed


# --- privacy masks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account_id", "masked"),
    [
        ("ACC-1042", "ACC-…1042"),
        ("ACC-000123456", "ACC-…3456"),
        ("12345678", "…5678"),
        ("12345-01", "…5-01"),  # a prefix with digits could identify the customer: dropped
        ("A12", "…12"),
        ("X", "…X"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_mask_account_id(account_id: str, masked: str) -> None:
    assert mask_account_id(account_id) == masked


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Maria da Silva", "M. d. S."),
        ("Jean-Luc Picard", "J.-L. P."),
        ("  ana  ", "a."),
        ("Иван Петров", "И. П."),
        ("张伟", "张."),
        ("Ali & 3 Sons", "A. S."),
        ("", ""),
    ],
)
def test_initials(name: str, shown: str) -> None:
    assert initials(name) == shown


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+1 555 010 0199", "+1 ••• ••• 0199"),
        ("+15550100199", "+1 ••••••0199"),
        ("+351 912 345 678", "+351 ••• ••5 678"),
        ("+44 20 7946 0958", "+44 •• •••• 0958"),
        ("(555) 010-0199", "(•••) •••-0199"),
        ("+1 0199", "+1 ••99"),
        ("", ""),
        ("n/a", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("maria.silva@example.com", "m•••@example.com"),
        ("a@example.com", "a•••@example.com"),
        ("@example.com", "•••@example.com"),
        ("not-an-address", "n•••"),
        ("", ""),
    ],
)
def test_mask_email(email: str, masked: str) -> None:
    assert mask_email(email) == masked


@given(
    channel=st.sampled_from(["call", "phone", "sms", "text", "email", "mail", "letter", "visit"]),
    at=instants,
    days=st.lists(st.integers(min_value=0, max_value=7), max_size=10),
    spoke=st.none() | st.integers(min_value=0, max_value=7),
    hold=st.none() | st.sampled_from(HOLDS),
)
def test_only_calls_are_judged_by_the_call_history(
    channel: str, at: datetime, days: list[int], spoke: int | None, hold: str | None
) -> None:
    """The guard leaves the history unread when counts_calls says no: the verdict must not change."""
    today = at.astimezone(NY).date()
    history = ContactHistory(
        tuple(today - timedelta(days=d) for d in days),
        None if spoke is None else today - timedelta(days=spoke),
    )
    debt = facts(calls=history, status="on_hold" if hold else "active", hold_reason=hold)
    with_history = check_contact(channel, "no-answer", at, debt)
    without = check_contact(channel, "no-answer", at, replace(debt, calls=NO_CALLS))
    assert counts_calls(channel) == (channel in ("call", "phone"))
    if not counts_calls(channel):
        assert with_history == without
