"""Dates as agents type them (`2026-12-01`, `today`, `+7d`, `friday`) and as CSV files carry them,
and the bounds every date entering the bot is held to.

`today` is always passed in: it is the team's local date, which only the caller knows.

The bounds: a promise (typed or picked in the form) and a payment plan's instalments fall from today
to the promise horizon (COLLECT_PROMISE_HORIZON_DAYS, a year by default); a due date lies between
1900-01-01 and 50 years ahead; a last payment date between 1900-01-01 and tomorrow; a payment's
`received_at` and a contact's `at` between 1900-01-01 and a day from now (time zones and bank
cut-offs put honest records a few hours ahead, never more). Anything further is a typo or a
placeholder like 9999-12-31, and refused with the latest date that would do.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.calendar import add_days, add_months
from bot.errors import UserError
from bot.language.model import N_, _, speaker
from bot.parsing.echo import quoted

# Marked only: translated where a refusal shows it (the typed forms stay English: the parser takes those).
ACCEPTED_FORMS = N_("`2026-12-01`, `today`, `tomorrow`, `+7d`, `+2w` or a weekday like `friday`")

_FIELD = "date"
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS: dict[str, int] = {
    **{name: number for number, name in enumerate(_WEEKDAY_NAMES)},
    **{name[:3]: number for number, name in enumerate(_WEEKDAY_NAMES)},
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
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
            _("{typed} is too far ahead.").format(typed=quoted(text)),
            _("Type {forms}.").format(forms=_(ACCEPTED_FORMS)),
            field=_FIELD,
        ) from None
    if relative is not None:
        return relative
    if _ISO_DATE.fullmatch(word):
        return _iso(word, text)
    if "/" in word or _DAY_MONTH_YEAR.fullmatch(word) or _YEAR_MONTH_DAY.fullmatch(word):
        raise _ambiguous(word, text)
    raise UserError(
        _("{typed} is not a date I understand.").format(typed=quoted(text))
        if word
        else _("The date is missing."),
        _("Type {forms}.").format(forms=_(ACCEPTED_FORMS)),
        field=_FIELD,
    )


def parse_future_date(text: str, today: date) -> date:
    """Like parse_date, but today or later: a promise can't be due in the past."""
    when = parse_date(text, today)
    if when < today:
        raise UserError(
            _("{date} is in the past.").format(date=when.isoformat()),
            _("Type a date from today on, like `today` or `{date}`.").format(
                date=(today + timedelta(days=7)).isoformat()
            ),
            field=_FIELD,
        )
    return when


DEFAULT_PROMISE_HORIZON_DAYS = 365
EARLIEST_DATE = date(1900, 1, 1)
DUE_DATE_YEARS_AHEAD = 50
_EARLIEST_INSTANT = datetime.combine(EARLIEST_DATE, time(0), tzinfo=UTC)
_INSTANT_LEEWAY = timedelta(days=1)


def promise_horizon(today: date, horizon_days: int) -> date:
    """The latest date a promise or an instalment may fall on."""
    return add_days(today, horizon_days)


def parse_promise_date(text: str, today: date, horizon_days: int) -> date:
    """A promise's date: from today up to the horizon."""
    return check_promise_date(parse_future_date(text, today), today, horizon_days)


def check_promise_date(when: date, today: date, horizon_days: int, *, field: str = _FIELD) -> date:
    latest = promise_horizon(today, horizon_days)
    if when > latest:
        raise UserError(
            _("The promise date {date} is more than {days} days ahead; the latest is {latest}.").format(
                date=when.isoformat(), days=speaker().number(horizon_days), latest=latest.isoformat()
            ),
            _("Type a date up to `{latest}`; a later payment is a new promise once this one is due.").format(
                latest=latest.isoformat()
            ),
            field=field,
        )
    return when


# A callback is a conversation to come back to soon; a year covers any real "call me after the holidays".
CALLBACK_HORIZON_DAYS = 366


def check_callback_date(when: date, today: date) -> date:
    """The day a customer asked to be called back: from today up to a year ahead."""
    return _check_between(
        when, today, add_days(today, CALLBACK_HORIZON_DAYS), N_("The callback date"), "notes"
    )


@lru_cache(maxsize=8)  # asked for every row of a portfolio import, always of the same day
def latest_due_date(today: date) -> date:
    return add_months(today, DUE_DATE_YEARS_AHEAD * 12)


def check_due_date(when: date, today: date, *, field: str = "due_date") -> date:
    """An account's due date: 1900-01-01 up to 50 years ahead."""
    return _check_between(when, EARLIEST_DATE, latest_due_date(today), N_("The due date"), field)


def check_last_payment_date(when: date, today: date, *, field: str = "last_payment_date") -> date:
    """The day an account was last paid: 1900-01-01 up to tomorrow (the sender's day may be ahead)."""
    return _check_between(when, EARLIEST_DATE, add_days(today, 1), N_("The last payment date"), field)


def check_itemization_date(when: date, today: date, *, field: str = "itemization_date") -> date:
    """Regulation F's itemization date (the last statement, charge-off, last payment or transaction
    day): 1900-01-01 up to tomorrow, like a last payment."""
    return _check_between(when, EARLIEST_DATE, add_days(today, 1), N_("The itemization date"), field)


def check_instant(when: datetime, now: datetime, *, field: str) -> datetime:
    """When a payment arrived or a contact happened: from 1900 to a day from now."""
    latest = now + _INSTANT_LEEWAY
    if when < _EARLIEST_INSTANT or when > latest:
        shown = when.astimezone(UTC).isoformat(timespec="minutes") if when.year > 1 else when.isoformat()
        raise UserError(
            (
                _("{moment} is before 1900.") if when < _EARLIEST_INSTANT else _("{moment} is in the future.")
            ).format(moment=shown),
            _("Write when it happened, between 1900-01-01 and {latest}.").format(
                latest=latest.astimezone(UTC).date().isoformat()
            ),
            field=field,
        )
    return when


def _check_between(when: date, earliest: date, latest: date, what: str, field: str) -> date:
    if earliest <= when <= latest:
        return when
    # `what` is marked with N_ by the caller: "The due date" and the like.
    problem = (
        _("{what} {date} is before {earliest}.") if when < earliest else _("{what} {date} is after {latest}.")
    )
    raise UserError(
        problem.format(
            what=_(what), date=when.isoformat(), earliest=earliest.isoformat(), latest=latest.isoformat()
        ),
        _("Write a date from {earliest} to {latest}, year-month-day.").format(
            earliest=earliest.isoformat(), latest=latest.isoformat()
        ),
        field=field,
    )


def parse_iso_date(text: str) -> date:
    """A `YYYY-MM-DD` date, as CSV files carry them."""
    stripped = text.strip()
    if not _ISO_DATE.fullmatch(stripped):
        raise UserError(
            _("{typed} is not a date.").format(typed=quoted(text)) if stripped else _("The date is missing."),
            _("Write the date as year-month-day, like `2026-12-01`."),
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
    except OverflowError:
        # A well-formed date at the calendar's very edge, like 9999-12-31T23:00 west of UTC.
        raise UserError(
            _("{typed} is beyond the dates the bot keeps.").format(typed=quoted(text)),
            _(
                "Write when it happened, from 1900-01-01 to today, like `2026-12-01` or `2026-12-01T14:30:00`."
            ),
            field="received_at",
        ) from None
    except ValueError:
        raise UserError(
            _("{typed} is not a date or a date-time.").format(typed=quoted(text))
            if stripped
            else _("The date is missing."),
            _(
                "Write it as `2026-12-01` or `2026-12-01T14:30:00`, optionally with an offset like `-05:00` or `Z`."
            ),
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
            _("{typed} is not a day on the calendar.").format(typed=quoted(typed)),
            _("Check the month and the day: year-month-day, like `2026-12-01`."),
            field=_FIELD,
        ) from None


def _ambiguous(word: str, typed: str) -> UserError:
    """Slash and dotted dates are refused: `12/01/2026` is December in the US and January elsewhere."""
    readings: list[date] = []
    problem = _("{typed} is not written year-month-day with dashes.").format(typed=quoted(typed))
    if match := _YEAR_MONTH_DAY.fullmatch(word):
        readings = _valid_dates([(match[1], match[2], match[3])])
    elif match := _DAY_MONTH_YEAR.fullmatch(word):
        readings = _valid_dates([(match[3], match[1], match[2]), (match[3], match[2], match[1])])
        problem = _("{typed} is ambiguous: the order of day and month differs between countries.").format(
            typed=quoted(typed)
        )
    if not readings:
        return UserError(problem, _("Type the date as year-month-day, like `2026-12-01`."), field=_FIELD)
    each = [
        _("`{date}` for {day}").format(date=d.isoformat(), day=speaker().dated(d, _("d MMMM")))
        for d in readings
    ]
    choices = _("{first} or {second}").format(first=each[0], second=each[1]) if len(each) > 1 else each[0]
    return UserError(
        problem, _("Type the date as year-month-day: {choices}.").format(choices=choices), field=_FIELD
    )


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
