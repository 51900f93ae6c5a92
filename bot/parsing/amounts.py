"""Amounts as people type them: `250`, `1,250.00`, `R$ 1.250,00`, `40€`, `USD 40`, `1 250,00`.

The account's currency is known, so it decides how many decimals are allowed and whether a lone
separator before three digits is grouping (`1.250` BRL is one thousand) or decimals (`1.250` KWD).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from bot.currency import SYMBOLS, exponent, largest_amount, quantum
from bot.errors import UserError
from bot.language.model import _, ngettext, speaker
from bot.parsing.echo import quoted
from storage.types import MAX_MONEY

# Digits before the decimals in the largest amount; more is too large whatever they are, and is
# refused before a Decimal of that size is built.
MAX_INTEGER_DIGITS = len(str(int(MAX_MONEY)))

_FIELD = "amount"
_MINUS_SIGNS = ("-", "\u2212")
# Plain, non-breaking, narrow non-breaking and thin spaces all group digits the same way.
_SPACES = re.compile("[ \u00a0\u202f\u2009]")
# Digit runs joined by single separators: this alone rules out `1..2`, `1e5`, `NaN`, `Infinity`.
_NUMBER = re.compile(r"[0-9]+(?:[., ][0-9]+)*")
_SYMBOLS_LONGEST_FIRST = sorted(SYMBOLS, key=len, reverse=True)
# The symbols by their first and by their last character, longest first: only those can match.
_SYMBOLS_BY_FIRST: dict[str, tuple[str, ...]] = {}
_SYMBOLS_BY_LAST: dict[str, tuple[str, ...]] = {}
for _symbol in _SYMBOLS_LONGEST_FIRST:
    _SYMBOLS_BY_FIRST[_symbol[0]] = (*_SYMBOLS_BY_FIRST.get(_symbol[0], ()), _symbol)
    _SYMBOLS_BY_LAST[_symbol[-1]] = (*_SYMBOLS_BY_LAST.get(_symbol[-1], ()), _symbol)
_CODE_PREFIX = re.compile(r"([A-Za-z]{3})(?![A-Za-z])")
_CODE_SUFFIX = re.compile(r"(?<![A-Za-z])([A-Za-z]{3})\Z")
# No symbol or code begins or ends with a digit, so text with a digit at both ends has no marker to
# look for: most amounts in a file, where the search for one was a third of the parsing time.
_ASCII_DIGITS = frozenset("0123456789")
assert not any(symbol[0] in _ASCII_DIGITS or symbol[-1] in _ASCII_DIGITS for symbol in SYMBOLS)


def parse_amount(text: str, currency: str) -> Decimal:
    """The amount typed, exactly, quantized to the currency's decimals (`250` USD → `250.00`)."""
    currency = currency.upper()
    negative, unsigned = _strip_minus(text.strip())
    prefix, body, suffix = _split_markers(unsigned)
    body_negative, body = _strip_minus(body)
    if not _NUMBER.fullmatch(body):
        raise _not_a_number(text)
    value = quick_decimal(body, currency)
    if value is None:
        value = _to_decimal(body, currency, text)
    for marker in (prefix, suffix):
        if marker is not None and not _fits(marker, currency):
            raise _wrong_currency(text, value, currency)
    if value == 0:
        raise UserError(_("The amount is zero."), _("Type an amount above zero, like `250`."), field=_FIELD)
    if negative or body_negative:
        raise UserError(
            _("{typed} is negative; amounts are always positive.").format(typed=quoted(text)),
            _("Type the amount without a minus sign, like `{example}`.").format(
                example=_plain(value, currency)
            ),
            field=_FIELD,
        )
    return value


# The shapes nearly every amount in a file has, for a currency with two decimals: digits; digits with
# one mark and one or two decimals after it; digits grouped in threes by the mark that is not the
# currency's own decimal mark, with one or two decimals after its own. By the rules of _to_decimal
# each can be read only one way; anything else, and anything too large, goes through _to_decimal.
_QUICK_SHAPES = {
    own: re.compile(
        rf"([0-9]+)(?:[.,]([0-9]{{1,2}}))?|([0-9]{{1,3}}(?:\{group}[0-9]{{3}})+)(?:\{own}([0-9]{{1,2}}))?"
    )
    for own, group in ((".", ","), (",", "."))
}


def quick_decimal(body: str, currency: str) -> Decimal | None:
    """`body` (digits and separators, no sign or marker) read as _to_decimal reads it, when it has
    one of the common shapes and fits the ledger; None: ask _to_decimal."""
    return quick_reader(currency)(body)


@lru_cache(maxsize=256)
def quick_reader(currency: str) -> Callable[[str], Decimal | None]:
    """quick_decimal for one currency, with what the currency decides looked up once: an import
    reads a hundred thousand amounts in a handful of currencies."""
    if exponent(currency) != 2:
        return _not_quick
    own = _own_decimal_mark(currency) or "."
    group = "," if own == "." else "."
    shape_of = _QUICK_SHAPES[own].fullmatch
    step = quantum(currency)
    largest = largest_amount(currency)

    def read(body: str) -> Decimal | None:
        shape = shape_of(body)
        if shape is None:
            return None
        plain, plain_fraction, grouped, grouped_fraction = shape.groups()
        digits = plain if plain is not None else grouped.replace(group, "")
        if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
            return None
        value = Decimal(f"{digits}.{plain_fraction or grouped_fraction or '0'}").quantize(step)
        return value if value <= largest else None

    return read


def _not_quick(_body: str) -> Decimal | None:
    return None


def _strip_minus(text: str) -> tuple[bool, str]:
    if text.startswith(_MINUS_SIGNS):
        return True, text[1:].lstrip()
    return False, text


def _split_markers(text: str) -> tuple[str | None, str, str | None]:
    """Take a currency symbol or ISO code off either end: (prefix, number, suffix)."""
    if text[:1] in _ASCII_DIGITS and text[-1:] in _ASCII_DIGITS:
        return None, _SPACES.sub(" ", text), None
    starting = _SYMBOLS_BY_FIRST.get(text[:1].upper()[:1], ())
    prefix = next((s for s in starting if text[: len(s)].upper() == s), None)
    if prefix is None and (match := _CODE_PREFIX.match(text)):
        prefix = match.group(1)
    if prefix is not None:
        text = text[len(prefix) :].lstrip()
    ending = _SYMBOLS_BY_LAST.get(text[-1:].upper()[-1:], ())
    suffix = next((s for s in ending if text[-len(s) :].upper() == s), None)
    if suffix is None and (match := _CODE_SUFFIX.search(text)):
        suffix = match.group(1)
    if suffix is not None:
        text = text[: -len(suffix)].rstrip()
    return prefix, _SPACES.sub(" ", text), suffix


def _fits(marker: str, currency: str) -> bool:
    symbol_currencies = SYMBOLS.get(marker.upper())
    if symbol_currencies is not None:
        return currency in symbol_currencies
    return marker.upper() == currency


def _to_decimal(body: str, currency: str, typed: str) -> Decimal:
    separator = _decimal_separator(body, currency)
    whole, fraction = body.rsplit(separator, 1) if separator else (body, "")
    if separator and not fraction.isdigit():
        raise _bad_grouping(typed)
    digits = _ungroup(whole, typed)
    if len(fraction) > exponent(currency):
        raise _too_many_decimals(typed, digits, fraction, currency)
    if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise AmountTooLargeError(quoted(typed), currency)
    value = Decimal(f"{digits}.{fraction or '0'}").quantize(quantum(currency))
    if value > largest_amount(currency):
        raise AmountTooLargeError(quoted(typed), currency)
    return value


class AmountTooLargeError(UserError):
    """More than the ledger's money columns hold: the message names the largest amount there is."""

    def __init__(self, what: str, currency: str, *, field: str | None = _FIELD) -> None:
        super().__init__(
            _("{what} is too large: the largest amount the ledger holds is {largest}.").format(
                what=what, largest=speaker().money(largest_amount(currency), currency)
            ),
            _("Check the amount; it may have a digit too many."),
            field=field,
        )


def _decimal_separator(body: str, currency: str) -> str | None:
    """Which of `.` and `,` separates the decimals, if either does."""
    marks = [c for c in body if c in ".,"]
    if not marks:
        return None
    last = marks[-1]
    if len(set(marks)) == 2:
        return last
    if len(marks) > 1:
        return None
    after = body.rsplit(last, 1)[1]
    if not after.isdigit():
        return None
    # Nobody types three decimals for a two-decimal currency, so `R$1.250` and `$1,250` mean
    # thousands. Written with the currency's own decimal mark (`12.345` USD) it stays decimals and
    # is refused below rather than silently read as twelve thousand.
    if len(after) == 3 and exponent(currency) != 3 and last != _own_decimal_mark(currency):
        return None
    return last


def _own_decimal_mark(currency: str) -> str | None:
    """The currency's own decimal mark for reading what people type: `,` for BRL, none for
    currencies without decimals, `.` for the rest. Fixed here, not taken from how amounts are
    shown: a reader's locale changes what the bot writes, never how a typed amount is read."""
    if exponent(currency) == 0:
        return None
    return "," if currency == "BRL" else "."


def _ungroup(whole: str, typed: str) -> str:
    """The integer digits, once the grouping is checked to be in threes and of one kind."""
    separators = {c for c in whole if not c.isdigit()}
    if not separators:
        return whole
    if len(separators) > 1:
        raise _bad_grouping(typed)
    groups = whole.split(separators.pop())
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        raise _bad_grouping(typed)
    return "".join(groups)


def _not_a_number(typed: str) -> UserError:
    return UserError(
        _("{typed} is not an amount.").format(typed=quoted(typed))
        if typed.strip()
        else _("The amount is missing."),
        _("Type digits with an optional decimal part, like `250` or `1,250.00`."),
        field=_FIELD,
    )


def _bad_grouping(typed: str) -> UserError:
    return UserError(
        _("{typed} has its digits grouped oddly.").format(typed=quoted(typed)),
        _("Group digits in threes, like `1,250,000.00`, or leave the grouping out: `1250000.00`."),
        field=_FIELD,
    )


def _too_many_decimals(typed: str, digits: str, fraction: str, currency: str) -> UserError:
    places = exponent(currency)
    rounded = Decimal(f"{digits}.{fraction}").quantize(quantum(currency), rounding=ROUND_HALF_UP)
    example = _plain(rounded, currency)
    hint = (
        ngettext(
            "Type the amount with at most {count} decimal, like `{example}`.",
            "Type the amount with at most {count} decimals, like `{example}`.",
            places,
        ).format(count=places, example=example)
        if places
        else _("Type the amount without decimals, like `{example}`.").format(example=example)
    )
    if len(fraction) == 3:
        hint += " " + _("If you meant thousands, leave the separator out: `{digits}`.").format(
            digits=digits + fraction
        )
    problem = _("{typed} has more decimals than {currency} allows.").format(
        typed=quoted(typed), currency=currency
    )
    return UserError(problem, hint, field=_FIELD)


def _wrong_currency(typed: str, value: Decimal, currency: str) -> UserError:
    return UserError(
        _("{typed} is not in {currency}, the account's currency.").format(
            typed=quoted(typed), currency=currency
        ),
        _("Type the amount in {currency}, like `{example}`.").format(
            currency=currency, example=speaker().money(value, currency)
        ),
        field=_FIELD,
    )


def _plain(value: Decimal, currency: str) -> str:
    """The amount as digits and the currency's decimal mark, which parse_amount always accepts."""
    return str(value).replace(".", _own_decimal_mark(currency) or ".")
