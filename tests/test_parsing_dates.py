from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.parsing.dates import parse_date, parse_future_date, parse_iso_date, parse_received_at

FRIDAY = date(2026, 3, 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        (" 2026-12-01 ", date(2026, 12, 1)),
        ("2020-01-01", date(2020, 1, 1)),
        ("today", FRIDAY),
        ("TODAY", FRIDAY),
        ("tomorrow", date(2026, 3, 7)),
        ("Tomorrow", date(2026, 3, 7)),
        ("+7d", date(2026, 3, 13)),
        ("+7D", date(2026, 3, 13)),
        ("+7", date(2026, 3, 13)),
        ("+0d", FRIDAY),
        ("+0", FRIDAY),
        ("+1d", date(2026, 3, 7)),
        ("+2w", date(2026, 3, 20)),
        ("+3 days", date(2026, 3, 9)),
        ("+1 week", date(2026, 3, 13)),
        ("+30d", date(2026, 4, 5)),
    ],
)
def test_accepted_forms(text: str, expected: date) -> None:
    assert parse_date(text, FRIDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("saturday", date(2026, 3, 7)),
        ("sat", date(2026, 3, 7)),
        ("sunday", date(2026, 3, 8)),
        ("Monday", date(2026, 3, 9)),
        ("MON", date(2026, 3, 9)),
        ("tue", date(2026, 3, 10)),
        ("tues", date(2026, 3, 10)),
        ("wed", date(2026, 3, 11)),
        ("thursday", date(2026, 3, 12)),
        ("thu", date(2026, 3, 12)),
        ("thurs", date(2026, 3, 12)),
    ],
)
def test_weekdays_are_the_next_one(text: str, expected: date) -> None:
    assert parse_date(text, FRIDAY) == expected


@pytest.mark.parametrize("text", ["friday", "fri", "FRIDAY", "Fri"])
def test_same_weekday_as_today_is_a_week_ahead(text: str) -> None:
    assert parse_date(text, FRIDAY) == date(2026, 3, 13)


def test_weekday_across_a_month_and_year_end() -> None:
    wednesday = date(2025, 12, 31)
    assert parse_date("monday", wednesday) == date(2026, 1, 5)


def test_leap_days() -> None:
    assert parse_date("2028-02-29", FRIDAY) == date(2028, 2, 29)
    assert parse_date("+1d", date(2028, 2, 28)) == date(2028, 2, 29)
    assert parse_date("tomorrow", date(2027, 2, 28)) == date(2027, 3, 1)
    with pytest.raises(UserError, match="not a day on the calendar") as caught:
        parse_date("2027-02-29", FRIDAY)
    assert caught.value.field == "date"


@pytest.mark.parametrize("text", ["2026-13-01", "2026-04-31", "2026-00-10", "2026-01-00"])
def test_impossible_iso_dates(text: str) -> None:
    with pytest.raises(UserError, match="not a day on the calendar"):
        parse_date(text, FRIDAY)


def test_slash_dates_are_refused_with_both_readings() -> None:
    with pytest.raises(UserError) as caught:
        parse_date("12/01/2026", FRIDAY)
    assert "ambiguous" in caught.value.problem
    assert caught.value.hint == (
        "Type the date as year-month-day: `2026-12-01` for 1 December or `2026-01-12` for 12 January."
    )
    assert caught.value.field == "date"


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("25/12/2026", "`2026-12-25`"),
        ("12/25/2026", "`2026-12-25`"),
        ("01.12.2026", "`2026-12-01`"),
        ("01-12-2026", "`2026-12-01`"),
        ("2026/12/01", "`2026-12-01`"),
        ("12/01/26", "`2026-12-01`"),
        ("12/01", "`2026-12-01`"),
        ("99/99/2026", "`2026-12-01`"),
    ],
)
def test_other_slash_and_dotted_dates_are_refused(text: str, suggested: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(text, FRIDAY)
    assert suggested in caught.value.hint
    assert "year-month-day" in caught.value.hint


@pytest.mark.parametrize(
    "text", ["next friday", "yesterday", "-3d", "+7x", "+99999d", "2026-1-1", "20261201", "frid", "soon"]
)
def test_not_understood(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(text, FRIDAY)
    assert caught.value.problem == f"`{text}` is not a date I understand."
    assert caught.value.hint == (
        "Type `2026-12-01`, `today`, `tomorrow`, `+7d`, `+2w` or a weekday like `friday`."
    )
    assert caught.value.field == "date"


@pytest.mark.parametrize("text", ["", "  "])
def test_missing(text: str) -> None:
    with pytest.raises(UserError, match="missing") as caught:
        parse_date(text, FRIDAY)
    assert "`today`" in caught.value.hint


def test_relative_date_past_the_calendar_end() -> None:
    with pytest.raises(UserError, match="too far ahead"):
        parse_date("+9999w", date(9990, 1, 1))


def test_future_date_accepts_today_and_later() -> None:
    assert parse_future_date("today", FRIDAY) == FRIDAY
    assert parse_future_date("+0d", FRIDAY) == FRIDAY
    assert parse_future_date("2026-03-06", FRIDAY) == FRIDAY
    assert parse_future_date("fri", FRIDAY) == date(2026, 3, 13)


def test_future_date_refuses_the_past() -> None:
    with pytest.raises(UserError) as caught:
        parse_future_date("2026-03-05", FRIDAY)
    assert caught.value.problem == "2026-03-05 is in the past."
    assert caught.value.hint.startswith("Type a date from today on")
    assert caught.value.field == "date"


def test_future_date_passes_on_parse_errors() -> None:
    with pytest.raises(UserError, match="not a date I understand"):
        parse_future_date("someday", FRIDAY)


def test_iso_date() -> None:
    assert parse_iso_date("2026-12-01") == date(2026, 12, 1)
    assert parse_iso_date(" 2024-02-29 ") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["", "today", "12/01/2026", "2026-12-1", "20261201", "2026-12-01T00:00"])
def test_iso_date_refuses_anything_else(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_iso_date(text)
    assert "`2026-12-01`" in caught.value.hint


def test_iso_date_refuses_impossible_days() -> None:
    with pytest.raises(UserError, match="not a day on the calendar"):
        parse_iso_date("2025-02-29")


SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-12-01", SAO_PAULO, datetime(2026, 12, 1, 3, 0, tzinfo=UTC)),
        ("2026-12-01", ZoneInfo("UTC"), datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
        ("2026-12-01T10:00", SAO_PAULO, datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
        ("2026-12-01 10:00:30", SAO_PAULO, datetime(2026, 12, 1, 13, 0, 30, tzinfo=UTC)),
        ("2026-12-01T10:00:00.250", SAO_PAULO, datetime(2026, 12, 1, 13, 0, 0, 250000, tzinfo=UTC)),
        ("2026-12-01T10:00Z", SAO_PAULO, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("2026-12-01T10:00:00+01:00", SAO_PAULO, datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-07-01T10:00", NEW_YORK, datetime(2026, 7, 1, 14, 0, tzinfo=UTC)),  # summer time
        ("2026-01-01T10:00", NEW_YORK, datetime(2026, 1, 1, 15, 0, tzinfo=UTC)),
    ],
)
def test_received_at(text: str, zone: ZoneInfo, expected: datetime) -> None:
    result = parse_received_at(text, zone)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2026-13-01", "2026-02-30T10:00", "12/01/2026", "20261201", "2026-12-01T25:00",
     "2026-12-01T10:00+25:00", "2026-12-01Tnoon", "0001-01-01T00:00+05:00"],
)  # fmt: skip
def test_received_at_errors(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_received_at(text, SAO_PAULO)
    assert caught.value.field == "received_at"
    assert "`2026-12-01T14:30:00`" in caught.value.hint


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 400))
def test_relative_days(today: date, days: int) -> None:
    assert parse_date(f"+{days}d", today) == today + timedelta(days=days)
    assert parse_date(f"+{days}", today) == today + timedelta(days=days)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
)
def test_weekday_is_within_the_next_seven_days(today: date, name: str) -> None:
    result = parse_date(name, today)
    assert 1 <= (result - today).days <= 7
    assert result.strftime("%A").lower() == name
    assert parse_date(name[:3], today) == result


@given(st.text(), st.dates())
def test_arbitrary_text_raises_only_user_errors(text: str, today: date) -> None:
    with contextlib.suppress(UserError):
        parse_date(text, today)


@given(st.text())
def test_received_at_raises_only_user_errors(text: str) -> None:
    with contextlib.suppress(UserError):
        parse_received_at(text, SAO_PAULO)


@pytest.mark.parametrize("text", ["tomorrow", "monday", "+1d"])
def test_relative_dates_past_the_last_day_python_knows(text: str) -> None:
    with pytest.raises(UserError, match="too far ahead"):
        parse_date(text, date.max)
