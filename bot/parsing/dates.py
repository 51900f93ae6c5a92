"""Dates as agents type them (`2026-12-01`, `today`, `+7d`, `friday`) and as CSV files carry them.

`today` is always passed in: it is the team's local date, which only the caller knows.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.parsing.echo import quoted

ACCEPTED_FORMS = "`2026-12-01`, `today`, `tomorrow`, `+7d`, `+2w` or a weekday like `friday`"

_FIELD = "date"
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS: dict[str, int] = {
    **{name: number for number, name in enumerate(_WEEKDAY_NAMES)},
    **{name[:3]: number for number, name in enumerate(_WEEKDAY_NAMES)},
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Python's fromisoformat also takes `20261201` and week dates; CSV files are held to the common form.
_ISO_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*")
_RELATIVE = re.compile(r"\+([0-9]{1,4}) ?(d|days?|w|weeks?)?")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_YEAR_MONTH_DAY = re.compile(r"([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})")


def parse_date(text: str, today: date) -> date:
    """A date typed in a command or a modal, relative to the team's `today`."""
    word = text.strip().lower()
    try:
        relative = _relative(word, today)
    except OverflowError:
        raise UserError(
            f"{quoted(text)} is too far ahead.", f"Type {ACCEPTED_FORMS}.", field=_FIELD
        ) from None
    if relative is not None:
        return relative
    if _ISO_DATE.fullmatch(word):
        return _iso(word, text)
    if "/" in word or _DAY_MONTH_YEAR.fullmatch(word) or _YEAR_MONTH_DAY.fullmatch(word):
        raise _ambiguous(word, text)
    raise UserError(
        f"{quoted(text)} is not a date I understand." if word else "The date is missing.",
        f"Type {ACCEPTED_FORMS}.",
        field=_FIELD,
    )


def parse_future_date(text: str, today: date) -> date:
    """Like parse_date, but today or later: a promise can't be due in the past."""
    when = parse_date(text, today)
    if when < today:
        raise UserError(
            f"{when.isoformat()} is in the past.",
            f"Type a date from today on, like `today` or `{(today + timedelta(days=7)).isoformat()}`.",
            field=_FIELD,
        )
    return when


def parse_iso_date(text: str) -> date:
    """A `YYYY-MM-DD` date, as CSV files carry them."""
    stripped = text.strip()
    if not _ISO_DATE.fullmatch(stripped):
        raise UserError(
            f"{quoted(text)} is not a date." if stripped else "The date is missing.",
            "Write the date as year-month-day, like `2026-12-01`.",
            field=_FIELD,
        )
    return _iso(stripped, text)


def parse_received_at(text: str, zone: ZoneInfo) -> datetime:
    """When a payment arrived, as an aware UTC datetime.

    A bare date is midnight in `zone`, a date-time without offset is read in `zone`, and one with an
    offset or `Z` is taken as written.
    """
    stripped = text.strip()
    try:
        return _to_utc(stripped, zone)
    except (ValueError, OverflowError):
        raise UserError(
            f"{quoted(text)} is not a date or a date-time." if stripped else "The date is missing.",
            "Write it as `2026-12-01` or `2026-12-01T14:30:00`, optionally with an offset "
            "like `-05:00` or `Z`.",
            field="received_at",
        ) from None


def _to_utc(text: str, zone: ZoneInfo) -> datetime:
    if _ISO_DATE.fullmatch(text):
        when = datetime.combine(date.fromisoformat(text), time(0), tzinfo=zone)
    elif _ISO_DATE_TIME.fullmatch(text):
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
    else:
        raise ValueError(f"not an ISO date or date-time: {text!r}")
    return when.astimezone(UTC)


def _relative(word: str, today: date) -> date | None:
    """The date for `today`, `tomorrow`, `+7d`, `+2w` or a weekday; None for anything else."""
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word in _WEEKDAYS:
        # Strictly after today: said on a Friday, `friday` means a week ahead.
        return today + timedelta(days=(_WEEKDAYS[word] - today.weekday() - 1) % 7 + 1)
    if match := _RELATIVE.fullmatch(word):
        per_unit = 7 if (match[2] or "d").startswith("w") else 1
        return today + timedelta(days=int(match[1]) * per_unit)
    return None


def _iso(word: str, typed: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UserError(
            f"{quoted(typed)} is not a day on the calendar.",
            "Check the month and the day: year-month-day, like `2026-12-01`.",
            field=_FIELD,
        ) from None


def _ambiguous(word: str, typed: str) -> UserError:
    """Slash and dotted dates are refused: `12/01/2026` is December in the US and January elsewhere."""
    readings: list[date] = []
    problem = f"{quoted(typed)} is not written year-month-day with dashes."
    if match := _YEAR_MONTH_DAY.fullmatch(word):
        readings = _valid_dates([(match[1], match[2], match[3])])
    elif match := _DAY_MONTH_YEAR.fullmatch(word):
        readings = _valid_dates([(match[3], match[1], match[2]), (match[3], match[2], match[1])])
        problem = f"{quoted(typed)} is ambiguous: the order of day and month differs between countries."
    if not readings:
        return UserError(problem, "Type the date as year-month-day, like `2026-12-01`.", field=_FIELD)
    choices = " or ".join(f"`{d.isoformat()}` for {d.day} {_MONTH_NAMES[d.month - 1]}" for d in readings)
    return UserError(problem, f"Type the date as year-month-day: {choices}.", field=_FIELD)


def _valid_dates(candidates: list[tuple[str, str, str]]) -> list[date]:
    found: list[date] = []
    for year, month, day in candidates:
        try:
            when = date(int(year), int(month), int(day))
        except ValueError:
            continue
        if when not in found:
            found.append(when)
    return found
