"""The team's working days: the configured weekdays, less the public holidays of its country."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from bot.settings import Settings


class WorkCalendar:
    def __init__(self, weekdays: frozenset[int], country: str = "", subdivision: str = "") -> None:
        self.weekdays = weekdays
        self.country = country
        self.subdivision = subdivision

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkCalendar:
        return cls(settings.workday_numbers, settings.holiday_country, settings.holiday_subdivision)

    def holiday_name(self, day: date) -> str | None:
        if not self.country:
            return None
        return _holidays(self.country, self.subdivision, day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and self.holiday_name(day) is None


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str, year: int) -> dict[date, str]:
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return dict(found.items())
