"""Contact attempts as plain rules: when a callback asked for falls."""

from __future__ import annotations

from datetime import date

from bot.calendar import add_days
from bot.errors import UserError
from bot.parsing.dates import check_callback_date, parse_date
from bot.vocabulary import Outcome


def callback_date(outcome: Outcome, notes: str | None, today: date) -> date | None:
    """A callback's day is the first word of the notes when it is a date (`friday`, `+2d`) within
    the coming year, else tomorrow. A date word outside that year is refused, not taken as words: the
    agent meant a day, and a day in year 9999 would sit on the account for ever."""
    if outcome != Outcome.CALLBACK:
        return None
    first_word = (notes or "").split(maxsplit=1)[:1]
    if first_word:
        try:
            asked_for = parse_date(first_word[0], today)
        except UserError:
            pass
        else:
            return check_callback_date(asked_for, today)
    return add_days(today, 1)
