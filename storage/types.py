"""Column types that keep money exact and instants in UTC on every database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, DateTime, Dialect, Numeric
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine

# Money carries up to four decimals in storage; a currency's own precision is enforced above.
MONEY_PRECISION = 18
MONEY_SCALE = 4
_SQLITE_FACTOR = Decimal(10) ** MONEY_SCALE
# The largest magnitude a money column holds, 99,999,999,999,999.9999: what NUMERIC(18, 4) allows on
# PostgreSQL. Every amount that enters the bot is checked against it (bot.currency.largest_amount).
MAX_MONEY = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE) - 1 / _SQLITE_FACTOR
_SQLITE_INTEGER_MAX = 2**63 - 1
# On SQLite that is 10**18 - 1 ten-thousandths, inside its 64-bit integers (about 9.2 * 10**18).
if MAX_MONEY * _SQLITE_FACTOR > _SQLITE_INTEGER_MAX:  # pragma: no cover - a wrong edit of the above
    raise AssertionError("MAX_MONEY does not fit SQLite's integers")


class MoneyOutOfRangeError(ValueError):
    """A sum the code let grow past MAX_MONEY: refused alike on both databases, before either sees it."""


class MoneyAmount(TypeDecorator[Decimal]):
    """NUMERIC(18, 4) on PostgreSQL; on SQLite, which has no exact decimal, an INTEGER of
    ten-thousandths, so that comparisons stay exact there too."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
        if not abs(value) <= MAX_MONEY:  # `not <=` also refuses NaN
            raise MoneyOutOfRangeError(f"{value} is beyond the largest money value, {MAX_MONEY}")
        if dialect.name != "sqlite":
            return value
        scaled = value * _SQLITE_FACTOR
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {MONEY_SCALE} decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            # The stored ten-thousandths as the digits of a Decimal with four places: the same value
            # as dividing by 10,000 and quantizing to 0.0001, without the division (a month's
            # report reads a few hundred thousand amounts).
            return Decimal(int(value)).scaleb(-MONEY_SCALE)
        return Decimal(value)


class MoneySum(FunctionElement[Decimal]):
    """SUM() of a money expression, as MoneyAmount: money_sum(Payment.amount)."""

    type = MoneyAmount()
    inherit_cache = True


def money_sum(expression: ColumnElement[Decimal] | QueryableAttribute[Decimal]) -> MoneySum:
    """The sum of money values that no number of rows can make fail.

    SQLite's SUM() of integers raises "integer overflow" past 2**63 - 1 ten-thousandths, which ten
    balances at MAX_MONEY reach: one report would fail for the whole team. There the values are
    summed in two parts, the billions of ten-thousandths and the rest, each far from overflowing,
    and joined with SQLite's arithmetic, which turns to REAL rather than fail past 64 bits: exact up
    to 922,337,203,685,477.5807, approximate beyond it, never an error. PostgreSQL's NUMERIC sum is
    exact at any size.
    """
    return MoneySum(expression)


_SPLIT = 10**9


class MoneyUnits(FunctionElement[int]):
    """A money expression as an integer of ten-thousandths (the storage scale, MONEY_SCALE), exact
    on both databases: for a read of a million rows that only compares and ranks amounts, without
    building a Decimal per value. money_units(Account.balance)."""

    type = BigInteger()
    inherit_cache = True


def money_units(
    expression: ColumnElement[Decimal | None]
    | QueryableAttribute[Decimal]
    | QueryableAttribute[Decimal | None],
) -> MoneyUnits:
    return MoneyUnits(expression)


MONEY_UNITS: int = 10**MONEY_SCALE
"""Ten-thousandths in one unit of money: money_units() divided by this is the amount."""


class InstantAsStored(FunctionElement[Any]):
    """A UTCDateTime expression in the cheapest exact form for a large read, left undecoded: the
    stored text on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff', UTC), whole microseconds since 1970-01-01
    UTC on PostgreSQL (an int rather than a datetime with its zone per value). For
    bot.assignments.job.planning.StoredValues, which turns either into a day."""

    type = NullType()
    inherit_cache = True


def instant_as_stored(
    expression: ColumnElement[datetime | None]
    | QueryableAttribute[datetime]
    | QueryableAttribute[datetime | None],
) -> InstantAsStored:
    return InstantAsStored(expression)


@compiles(InstantAsStored)
def _microseconds(element: InstantAsStored, compiler: SQLCompiler, **kw: Any) -> str:
    # EXTRACT gives the exact number of seconds (NUMERIC) since PostgreSQL 14, a double before: the
    # cast rounds to the nearest microsecond, which the instant is, either way.
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"


@compiles(InstantAsStored, "sqlite")
def _instant_text(element: InstantAsStored, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(MoneyUnits)
def _units(element: MoneyUnits, compiler: SQLCompiler, **kw: Any) -> str:
    # NUMERIC(18, 4) times 10,000 is a whole number below 10**18: the cast loses nothing.
    return f"CAST(({compiler.process(element.clauses, **kw)}) * {MONEY_UNITS} AS BIGINT)"


@compiles(MoneyUnits, "sqlite")
def _units_as_stored(element: MoneyUnits, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # stored as ten-thousandths already


@compiles(MoneySum)
def _sum(element: MoneySum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"SUM({compiler.process(element.clauses, **kw)})"


@compiles(MoneySum, "sqlite")
def _sum_in_two_parts(element: MoneySum, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(SUM(({value}) / {_SPLIT}) * {_SPLIT} + SUM(({value}) % {_SPLIT}))"


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as UTC and always gives back an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give the zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(moment).__name__}")
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
