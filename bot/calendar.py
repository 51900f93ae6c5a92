"""The team's working days (the configured weekdays, less the public holidays of its country), and
date arithmetic that cannot overflow.

Any date the database holds may sit at the calendar's edge (9999-12-31 from an old import, a
promise typed before dates had a horizon): one `OverflowError` in a morning job stops the worklists
of the whole team. So days and months are added here, held at date.min and date.max instead of
raising, and every rule that computes with a stored date goes through these.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

_FIRST_ORDINAL, _LAST_ORDINAL = date.min.toordinal(), date.max.toordinal()
_EARLIEST_INSTANT = datetime.min.replace(tzinfo=UTC)
_LATEST_INSTANT = datetime.max.replace(tzinfo=UTC)


def add_days(day: date, days: int) -> date:
    """`day` moved `days` ahead (or back, when negative), held at date.min and date.max."""
    return date.fromordinal(min(max(day.toordinal() + days, _FIRST_ORDINAL), _LAST_ORDINAL))


def add_months(start: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day when it is shorter; held
    at date.min and date.max.

    Always counted from `start`, never from the previous instalment, so Jan 31 → Feb 28 → Mar 31.
    """
    month_index = start.year * 12 + start.month - 1 + months
    if month_index < date.min.year * 12:
        return date.min
    if month_index > date.max.year * 12 + 11:
        return date.max
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of the local `day` in `zone`, in UTC; held at the first and last instant
    Python can hold when the day is at the calendar's edge.

    Where DST skips midnight, fold=0 takes the offset in force before the jump, which lands on the
    first instant that exists that day (00:00 that never happened becomes 01:00)."""
    try:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return _EARLIEST_INSTANT if day.year == date.min.year else _LATEST_INSTANT


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The day `instant` falls on in `zone`; held at date.min and date.max at the edges."""
    try:
        return instant.astimezone(zone).date()
    except OverflowError:
        return date.min if instant.year == date.min.year else date.max


class WorkCalendar:
    def __init__(self, weekdays: frozenset[int], country: str = "", subdivision: str = "") -> None:
        self.weekdays = weekdays
        self.country = country
        self.subdivision = subdivision

    def holiday_name(self, day: date) -> str | None:
        if not self.country:
            return None
        return _holidays(self.country, self.subdivision, day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and self.holiday_name(day) is None


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str, year: int) -> dict[date, str]:
    # Imported for a team with a holiday country only (with dateutil, a tenth of serve's start-up).
    import holidays

    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return dict(found.items())
