"""Who the bot is speaking to right now: a `Speaker` (a locale and its translations), set per request
and per recipient of a job in a context variable, so two requests answered at once in two threads
never share one (each thread, and each task copied from it, has its own context).

Strings are marked with `_` (translated at once, in the current speaker's language) or `N_` (marked
for the catalogs only, translated where shown); placeholders are `str.format` names:
`_("Promise of {amount} due today").format(amount=speaker().money(amount, currency))`.
"""

from __future__ import annotations

import gettext
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from bot.currency import format_money

ENGLISH = "en"
SUPPORTED: tuple[str, ...] = (ENGLISH, "pt-BR", "es")


def babel_name(locale: str) -> str:
    """`pt-BR` as Babel and gettext name it: `pt_BR`."""
    return locale.replace("-", "_")


@dataclass(frozen=True, slots=True)
class Speaker:
    locale: str
    translations: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_money(amount, currency, self.locale)

    def number(self, value: int | Decimal) -> str:
        return str(format_decimal(value, locale=babel_name(self.locale)))

    def percent(self, share: Decimal | float, decimals: int = 0) -> str:
        """`share` as a percent: 0.125 → `13%`, with one decimal `12.5%` (`12,5 %` for Spanish
        readers). Round before when the rounding matters: Babel rounds half to even."""
        pattern = "#,##0." + "0" * decimals + "%" if decimals else "#,##0%"
        return str(format_percent(share, pattern, locale=babel_name(self.locale)))

    def moment(self, at: datetime) -> str:
        """A local date and time, short: `Mon 23 Nov 2026 00:00`, `seg. 23 nov. 2026 00:00`."""
        return str(format_datetime(at, "EEE dd MMM y HH:mm", locale=babel_name(self.locale)))

    def dated(self, when: date | datetime, pattern: str) -> str:
        """`when` by a CLDR pattern that is itself translated (`_("EEEE d MMMM y")` becomes
        `EEEE, d 'de' MMMM 'de' y` for Portuguese): for dates a sentence words its own way."""
        if isinstance(when, datetime):
            return str(format_datetime(when, pattern, locale=babel_name(self.locale)))
        return str(format_date(when, pattern, locale=babel_name(self.locale)))

    def short_day(self, day: date) -> str:
        """`Mon 23 Nov 2026`, `seg. 23 nov. 2026`."""
        return str(format_date(day, "EEE dd MMM y", locale=babel_name(self.locale)))

    def day(self, day: date, style: str = "medium") -> str:
        """A calendar day as the reader writes it: `Dec 7, 2026`, `7 de dez. de 2026`."""
        return str(format_date(day, style, locale=babel_name(self.locale)))

    def weekday(self, day: date) -> str:
        """A day in full: `Monday, December 7, 2026`, `segunda-feira, 7 de dezembro de 2026`."""
        return str(format_date(day, "full", locale=babel_name(self.locale)))


ENGLISH_SPEAKER = Speaker(ENGLISH)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A few words of a condition, kept as their English template (marked N_) and typed values, so
    that each reader gets them in their own language, numbers, money and days whenever they are
    shown: an alert row keeps its phrases, a Portuguese supervisor reads them in Portuguese."""

    template: str
    values: tuple[tuple[str, str, str], ...] = ()
    """(name, kind, value): kind `n` (a count), `money` ("200.00 USD"), `day` (ISO, said as the
    reader writes days), `said` (words marked for the catalogs, in the reader's language), `text`
    (someone's own words) and `iso` (a date as it is typed), both as they are."""

    def said(self) -> str:
        if not self.values:
            # A phrase of no words of its own (": ") or kept as it was written: as it is.
            return _(self.template) if self.template.strip(" :,.") else self.template
        reader = speaker()
        shown: dict[str, str] = {}
        for name, kind, value in self.values:
            if kind == "n":
                shown[name] = reader.number(int(value))
            elif kind == "said":
                shown[name] = _(value)
            elif kind == "money":
                amount, currency = value.split(" ", 1)
                shown[name] = reader.money(Decimal(amount), currency)
            elif kind == "day":
                shown[name] = reader.day(date.fromisoformat(value))
            else:  # `text` (someone's own words), `iso` (a date as it is typed): as they are
                shown[name] = value
        return _(self.template).format(**shown)


def counting(template: str, **counts: int) -> Phrase:
    """A phrase whose values are counts (`no payment for {count} days`)."""
    return Phrase(template, tuple((name, "n", str(count)) for name, count in counts.items()))


PHRASES_APART = " · "


def keep(*phrases: Phrase | str) -> str:
    """Phrases as a row keeps them (JSON of templates and values), to be said in whoever reads
    them later's language (`said_kept`); a plain string is kept as a phrase of its own words."""
    kept = [phrase if isinstance(phrase, Phrase) else Phrase(phrase) for phrase in phrases]
    return json.dumps([[phrase.template, [list(value) for value in phrase.values]] for phrase in kept])


def phrases_kept(kept: str) -> tuple[Phrase | str, ...]:
    """The phrases a row keeps; one kept before phrases were (plain English words joined by
    ` · `) is shown as it was written."""
    try:
        found = json.loads(kept)
        return tuple(Phrase(str(template), tuple((str(n), str(k), str(v)) for n, k, v in values))
                     for template, values in found)  # fmt: skip
    except (ValueError, TypeError):
        return tuple(kept.split(PHRASES_APART))


def said_kept(kept: str, apart: str = PHRASES_APART) -> str:
    """Kept phrases in the current reader's words."""
    return apart.join(p.said() if isinstance(p, Phrase) else p for p in phrases_kept(kept))


_current: ContextVar[Speaker] = ContextVar("speaker", default=ENGLISH_SPEAKER)


def speaker() -> Speaker:
    """The reader of what is being written now (English when nobody set one: the command line)."""
    return _current.get()


def _(message: str) -> str:
    """`message` in the current reader's language."""
    return _current.get().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _current.get().ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "marked, translated later"
    """Marks `message` for the catalogs without translating it (a table built at import time)."""
    return message


def counted(singular: str, plural: str, count: int) -> str:
    """A counted noun whose only placeholder is `{count}`, in the reader's language and with the
    count as they write numbers: `1,250 accounts`, `1.250 contas`. `pybabel extract` finds the
    strings with `-k counted:1,2` (README, "Languages"; KEYWORDS below)."""
    return ngettext(singular, plural, count).format(count=_current.get().number(count))


def number(value: int | Decimal) -> str:
    return _current.get().number(value)


def reader_locale() -> str:
    return _current.get().locale


CURRENT_SPEAKER = _current
# The marking functions beyond gettext's own (`_`, `N_`, `ngettext`), as pybabel's `-k` takes them.
KEYWORDS = {"counted": (1, 2)}
