"""Currencies: how many decimals each has, the symbols people type, and how amounts are shown.

Amounts are `Decimal` paired with an ISO 4217 code. Two currencies are never added together.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern

from storage.types import MAX_MONEY

# ISO 4217 minor units for the currencies that differ from the usual two.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip

# Symbols typed before or after an amount, and the currencies each may stand for.
SYMBOLS: dict[str, frozenset[str]] = {
    "R$": frozenset({"BRL"}),
    "US$": frozenset({"USD"}),
    # As Babel writes them for some readers, so an amount the bot showed reads back when pasted.
    "CA$": frozenset({"CAD"}),
    "MX$": frozenset({"MXN"}),
    "NZ$": frozenset({"NZD"}),
    "HK$": frozenset({"HKD"}),
    "JP¥": frozenset({"JPY"}),
    "₩": frozenset({"KRW"}),
    "C$": frozenset({"CAD"}),
    "A$": frozenset({"AUD"}),
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "MXN", "SGD", "HKD", "ARS", "CLP", "COP"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
}


def is_currency_code(text: str) -> bool:
    return len(text) == 3 and text.isascii() and text.isalpha() and text.isupper()


def exponent(currency: str) -> int:
    """How many decimal places the currency has."""
    return _EXPONENT_EXCEPTIONS.get(currency.upper(), 2)


# Cached: an import asks them for every amount of every row, and the answers never change.
@lru_cache(maxsize=256)
def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when the amount has no more decimals than the currency allows (1.250 USD is fine, 1.255 not)."""
    return amount == amount.quantize(quantum(currency))


@lru_cache(maxsize=256)
def largest_amount(currency: str) -> Decimal:
    """The largest amount of this currency the ledger stores (99,999,999,999,999.99 USD): the money
    columns' limit, to the currency's decimals. Balances, payments, promises, targets and limits alike."""
    return MAX_MONEY.quantize(quantum(currency), rounding=ROUND_DOWN)


def is_storable(amount: Decimal) -> bool:
    """True when a money column can hold the amount, whatever its sign (a credit balance is negative)."""
    return abs(amount) <= MAX_MONEY


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot subtract {other.currency} from {self.currency}")
        return Money(self.amount - other.amount, self.currency)

    def __str__(self) -> str:
        # For logs and debugging; what people read is formatted in their locale (bot.language).
        return format_money(self.amount, self.currency, "en")


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """The amount as a reader of `locale` (`en`, `pt-BR`, `es`) writes money, by Babel's CLDR data:
    `$1,250.00` and `R$1,250.00` for `en`, `R$ 1.250,00` and `US$ 1.250,00` for `pt-BR`, `1.250,00 €`
    for `es` (the space before or after the symbol is a no-break space). Always the currency's
    ISO 4217 decimals (the ledger's), never Babel's cash rounding (which drops COP's and HUF's)."""
    # Keyed by the amount's exact digits, sign and exponent (str), not by its value: -0.00 and
    # 0.00 are equal Decimals, and Babel writes them differently.
    return _formatted(str(amount), currency, locale)


# Babel's pattern costs about 50 µs an amount: a Home of 25 lines shows 50 of them, rebuilt after
# every change on the list, mostly the same balances again.
@lru_cache(maxsize=8192)
def _formatted(amount: str, currency: str, locale: str) -> str:
    places = exponent(currency)
    exact = Decimal(amount).quantize(quantum(currency))
    return str(_currency_pattern(locale, places).apply(exact, _babel_locale(locale), currency=currency,
                                                       currency_digits=False))  # fmt: skip


@lru_cache(maxsize=64)
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale.replace("-", "_"))


@lru_cache(maxsize=64)
def _currency_pattern(locale: str, places: int) -> NumberPattern:
    pattern: NumberPattern = copy(_babel_locale(locale).currency_formats["standard"])
    pattern.frac_prec = (places, places)
    return pattern
