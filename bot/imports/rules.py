"""Reading an import CSV and checking each row: plain strings in, a typed row out, or the reason why not.

Nothing here touches the database. What a check needs to know about it (the roster, the accounts and
their currencies) is passed in as plain sets and mappings, so every rule can be tested on its own.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.currency import is_currency_code, quantum
from bot.errors import UserError
from bot.imports.model import BadRow, ImportKind
from bot.language.rules import SUPPORTED, parse_locale
from bot.ledger.rules.accounts import account_key
from bot.ledger.rules.contacts import callback_date
from bot.ledger.rules.references import payment_reference_key, reference_key
from bot.parsing.amounts import AmountTooLargeError, parse_amount, quick_reader
from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH, MAX_NOTES_LENGTH, MAX_REFERENCE_LENGTH
from bot.parsing.dates import (
    check_due_date,
    check_instant,
    check_itemization_date,
    check_last_payment_date,
    parse_iso_date,
    parse_received_at,
)
from bot.parsing.echo import quoted
from bot.parsing.typed_text import storable
from bot.vocabulary import (
    CHANNEL_ALIASES,
    CLOSED_STATUSES,
    MAX_PRODUCT_LENGTH,
    METHOD_ALIASES,
    OUTCOME_ALIASES,
    AccountStatus,
    Channel,
    Outcome,
    PaymentMethod,
    Role,
    product_problem,
)
from storage.types import MAX_MONEY

if TYPE_CHECKING:
    from _csv import Reader

RowT = TypeVar("RowT")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


_ACCOUNT_OPTIONAL = (
    "customer_id", "phone", "email", "customer_timezone", "language", "original_amount",
    "last_payment_date", "last_payment_amount", "assigned_to", "status", "risk_score",
    "address_line1", "address_line2", "city", "region", "postal_code", "country",
    "itemization_date", "itemization_amount", "interest_since", "fees_since", "product",
)  # fmt: skip

COLUMNS: dict[ImportKind, Columns] = {
    ImportKind.AGENTS: Columns(
        ("slack_user_id", "name"),
        (
            "role",
            "daily_capacity",
            "languages",
            "timezone",
            "approval_limit",
            "monthly_target",
            "tier",
            "locale",
        ),
    ),
    ImportKind.ACCOUNTS: Columns(
        ("account_id", "customer_name", "balance", "currency", "due_date"), _ACCOUNT_OPTIONAL
    ),
    ImportKind.PAYMENTS: Columns(
        ("account_id", "amount", "received_at"), ("currency", "method", "reference", "payer")
    ),
    ImportKind.CONTACTS: Columns(("account_id", "at", "channel", "outcome"), ("agent", "notes")),
}

# Column sizes, as storage/models.py declares them (ids, references and notes: as typed in Slack).
MAX_NAME_LENGTH = 200
MAX_CUSTOMER_NAME_LENGTH = 300
MAX_CUSTOMER_ID_LENGTH = 64
MAX_PHONE_LENGTH = 40
MAX_EMAIL_LENGTH = 254
MAX_LANGUAGES_LENGTH = 100
MAX_LANGUAGE_LENGTH = 16
MAX_PAYER_LENGTH = 200
MAX_DAILY_CAPACITY = 1000
MAX_TIER_LENGTH = 16
# A postal address for letters: each part optional, as long as storage/models.py keeps it.
ADDRESS_LENGTHS = {
    "address_line1": 200, "address_line2": 200, "city": 100, "region": 100, "postal_code": 20,
    "country": 100,
}  # fmt: skip

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
_LANGUAGE_SEPARATORS = re.compile(r"[;,\s]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()./-]*[0-9][0-9 ()./-]*(?:\s*(?:x|ext\.?)\s*[0-9]+)?", re.IGNORECASE)
# Limits and targets have no currency of their own: plain digits, optionally grouped with commas.
_PLAIN_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
# Limits and targets have no currency: the largest stored amount to the two decimals they may have.
_LARGEST_PLAIN_AMOUNT = MAX_MONEY.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
_MINUS_SIGNS = ("-", "\u2212")
_NONZERO_DIGITS = frozenset("123456789")
_ASCII_DIGITS = frozenset("0123456789")


class CsvFormatError(Exception):
    """The input cannot be read as this kind of file at all (no header, missing columns, not UTF-8)."""


class RowError(Exception):
    """One row is refused; the message names the column and what is wrong with it."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


class ValueTooLargeError(RowError):
    """An amount beyond what the ledger stores: the file is refused as unusable (exit status 2)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One data row: its physical line number in the file (header = 1) and its cells by column."""

    line: int
    cells: Mapping[str, str]
    problem: str | None = None
    columns: frozenset[str] | None = None
    """The optional columns this record sets, when that is its own (an API item names its fields,
    and one it leaves out keeps its recorded value); None: the file's columns, as in a CSV."""


@dataclass(frozen=True, slots=True)
class CsvFile:
    kind: ImportKind
    columns: frozenset[str]
    unknown_columns: tuple[str, ...]
    records: list[Record]


@dataclass(frozen=True, slots=True)
class Checked(Generic[RowT]):
    """The rows that passed, each with its line number, and the ones that did not."""

    rows: list[tuple[int, RowT]]
    bad: list[BadRow]


# --- Reading the file -------------------------------------------------------------------------------

# A physical line longer than this is not a row of any of these files (a cell holds 131,072 at most,
# csv's own limit, and a row has a few dozen cells); reading stops there instead of filling memory.
MAX_LINE_CHARACTERS = 4 * 1024 * 1024
# A byte that is not UTF-8 (kept by surrogateescape as U+DC80-U+DCFF so its line is known), or a NUL
# in the header: a UTF-16 file or a spreadsheet, not CSV text.
_NOT_TEXT = re.compile("[\x00\udc80-\udcff]")
SAVE_AS = "save it as CSV UTF-8"


class CheckedLines:
    """The lines `readline` gives, each known to be UTF-8 text of a sane length, counted as csv
    counts (`count`: how many were read, to tell an empty pipe from a bad header)."""

    def __init__(self, readline: Callable[[int], str]) -> None:
        self._readline = readline
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        while line := self._readline(MAX_LINE_CHARACTERS + 1):
            self.count += 1
            if len(line) > MAX_LINE_CHARACTERS:
                raise CsvFormatError(
                    f"line {self.count} is longer than {MAX_LINE_CHARACTERS:,} characters: this is not a"
                    f" CSV file of rows; {SAVE_AS}"
                )
            # A stray NUL in a cell is noise that storable() drops; in the header it is not CSV text.
            found = _NOT_TEXT.search(line if self.count == 1 else line.replace("\x00", ""))
            if found and found.group() == "\x00":
                raise CsvFormatError(
                    f"line {self.count}: the file holds a NUL character, so it is not CSV text (a"
                    f" spreadsheet, or UTF-16?): {SAVE_AS}"
                )
            if found:
                raise CsvFormatError(f"line {self.count}: the file is not UTF-8 text: {SAVE_AS}")
            yield line


def plain_problem(problem: str) -> str:
    """A CsvFormatError's words for people: csv's own field-limit message says what to look for."""
    limit = f"field larger than field limit ({csv.field_size_limit()})"
    return problem.replace(
        limit, f"a cell is longer than {csv.field_size_limit():,} characters (is a quote left open?)"
    )


def read_csv(lines: Iterable[str], kind: ImportKind) -> CsvFile:
    """Split a CSV text into records; `lines` should come from a file opened with newline=""."""
    reader = csv.reader(lines)
    try:
        header = _header(next(reader, None), kind)
        return _records(reader, header, kind)
    except csv.Error as error:
        raise CsvFormatError(f"line {reader.line_num}: {error}") from None
    except UnicodeDecodeError:
        raise CsvFormatError(f"after line {reader.line_num}: the file is not UTF-8 text") from None


def _header(row: list[str] | None, kind: ImportKind) -> list[str]:
    expected = COLUMNS[kind]
    if not row or not any(cell.strip() for cell in row):
        raise CsvFormatError(
            f"the file is empty: a file of {kind} starts with the header {','.join(expected.all)}"
        )
    # Excel writes a byte-order mark; a file opened as utf-8-sig loses it, one read from a string may not.
    header = [cell.strip().lstrip("\ufeff").strip().lower() for cell in row]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise CsvFormatError(f"the header names {', '.join(repeated)} more than once")
    missing = [name for name in expected.required if name not in header]
    if missing:
        raise CsvFormatError(
            f"the header lacks the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}:"
            f" a file of {kind} starts with {','.join(expected.required)}"
        )
    return header


def _records(reader: Reader, header: list[str], kind: ImportKind) -> CsvFile:
    known = set(COLUMNS[kind].all)
    records: list[Record] = []
    width = len(header)
    # With every column named, a row of no more cells than the header and no NUL is its cells
    # stripped and zipped with the header: what _record makes of it, without a call per cell.
    named = all(header)
    strip = str.strip
    line = reader.line_num + 1
    for row in reader:
        # csv counts physical lines read so far, so a quoted cell spanning lines keeps numbers right.
        start, line = line, reader.line_num + 1
        joined = "".join(row)
        if not joined.strip():
            continue  # blank lines and the `,,,,` rows spreadsheets leave at the end
        if named and len(row) <= width and "\x00" not in joined:
            records.append(Record(start, dict(zip(header, map(strip, row), strict=False))))
        else:
            records.append(_record(start, row, header))
    unknown = tuple(name for name in header if name and name not in known)
    return CsvFile(kind, frozenset(header) & known, unknown, records)


def _record(line: int, row: list[str], header: list[str]) -> Record:
    cells = {name: storable(cell).strip() for name, cell in zip(header, row, strict=False) if name}
    if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
        problem = f"the row has {len(row)} cells but the header has {len(header)} columns"
        return Record(line, cells, problem)
    return Record(line, cells)


# --- Agents ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentRow:
    slack_user_id: str
    name: str
    role: Role
    daily_capacity: int | None
    languages: str
    timezone: str | None
    approval_limit: Decimal | None
    monthly_target: Decimal | None
    tier: str | None
    locale: str | None

    def values(self) -> dict[str, object]:
        """The Agent columns this row sets, by name."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def parse_agent(cells: Mapping[str, str]) -> AgentRow:
    return AgentRow(
        slack_user_id=slack_user_id(_required(cells, "slack_user_id"), "slack_user_id"),
        name=_text(_required(cells, "name"), "name", MAX_NAME_LENGTH),
        role=_role(cells.get("role", "")),
        daily_capacity=_capacity(cells.get("daily_capacity", "")),
        languages=_languages(cells.get("languages", "")),
        timezone=_zone(cells.get("timezone", ""), "timezone"),
        approval_limit=_plain_amount(cells.get("approval_limit", ""), "approval_limit"),
        monthly_target=_plain_amount(cells.get("monthly_target", ""), "monthly_target"),
        tier=_tier(cells.get("tier", "")),
        locale=_locale(cells.get("locale", "")),
    )


def check_agents(records: Iterable[Record]) -> Checked[AgentRow]:
    checked = _check_each(records, parse_agent)
    return _refuse_repeats(checked, lambda row: row.slack_user_id, "slack_user_id")


def slack_user_id(text: str, column: str) -> str:
    # Slack shows ids upper-case; one pasted in lower case still means the same person.
    user_id = text.strip().upper()
    if not _SLACK_USER_ID.fullmatch(user_id):
        raise RowError(column, f"`{text}` is not a Slack user id (like U012AB3CD or W012AB3CD)")
    return user_id


def _role(text: str) -> Role:
    if not text:
        return Role.AGENT
    try:
        return Role(text.lower())
    except ValueError:
        raise RowError("role", f"`{text}` is not a role: use {_choices(Role)}") from None


def _tier(text: str) -> str | None:
    """`senior` agents may take high-value accounts; anything else is kept as the team's own label."""
    tier = text.strip().lower()
    if len(tier) > MAX_TIER_LENGTH:
        raise RowError("tier", f"is longer than {MAX_TIER_LENGTH} characters")
    return tier or None


def _locale(text: str) -> str | None:
    """The language the bot speaks to them; empty: Slack's, else the team's."""
    if not text.strip():
        return None
    locale = parse_locale(text)
    if locale is None:
        raise RowError(
            "locale", f"{quoted(text, 20)} is not a language the bot speaks: use {', '.join(SUPPORTED)}"
        )
    return locale


def _capacity(text: str) -> int | None:
    if not text:
        return None  # the team default (COLLECT_DAILY_CAPACITY) applies, and follows the setting
    capacity = _whole_number(text, MAX_DAILY_CAPACITY)
    if capacity is None:
        raise RowError(
            "daily_capacity",
            f"{quoted(text, 20)} is not a whole number of accounts from 0 to {MAX_DAILY_CAPACITY}",
        )
    return capacity


def _whole_number(text: str, largest: int) -> int | None:
    """`text` as a whole number from 0 to `largest` in ASCII digits, else None. The length is checked
    before int(): Python refuses to read more than 4,300 digits, and a CSV cell may hold 131,072."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits.lstrip("0")) > len(str(largest)):
        return None
    value = int(digits)
    return value if value <= largest else None


def _languages(text: str) -> str:
    tags: list[str] = []
    for tag in _LANGUAGE_SEPARATORS.split(text.lower()):
        if tag and tag not in tags:
            tags.append(_language_tag(tag, "languages"))
    joined = ";".join(tags)
    if len(joined) > MAX_LANGUAGES_LENGTH:
        raise RowError("languages", f"is longer than {MAX_LANGUAGES_LENGTH} characters")
    return joined


def _language_tag(text: str, column: str) -> str:
    tag = text.lower()
    if not _LANGUAGE_TAG.fullmatch(tag) or len(tag) > MAX_LANGUAGE_LENGTH:
        raise RowError(column, f"`{text}` is not a language code (like en, pt or pt-br)")
    return tag


def _optional_language(text: str) -> str | None:
    return _language_tag(text, "language") if text else None


def _plain_amount(text: str, column: str) -> Decimal | None:
    if not text:
        return None
    if not _PLAIN_AMOUNT.fullmatch(text):
        raise RowError(column, f"`{text}` is not an amount: write digits like 5000 or 5,000.00")
    value = Decimal(text.replace(",", ""))
    if value > _LARGEST_PLAIN_AMOUNT:
        raise ValueTooLargeError(
            column, f"`{text}` is too large: the largest amount the ledger holds is {_LARGEST_PLAIN_AMOUNT:,}"
        )
    return value


# --- Accounts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountRow:
    account_id: str
    customer_name: str
    balance: Decimal
    currency: str
    due_date: date
    customer_id: str | None
    phone: str | None
    email: str | None
    customer_timezone: str | None
    language: str | None
    original_amount: Decimal | None
    last_payment_date: date | None
    last_payment_amount: Decimal | None
    assigned_to: str | None
    # None when the file leaves it out: then it follows the balance (see resolved_status).
    status: AccountStatus | None
    risk_score: int | None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    # Regulation F's itemization, for the US validation notice (money in the account's currency).
    itemization_date: date | None = None
    itemization_amount: Decimal | None = None
    interest_since: Decimal | None = None
    fees_since: Decimal | None = None
    # The kind of credit, a code (bot.vocabulary.product_problem); strategy segments may read it.
    product: str | None = None

    @property
    def key(self) -> str:
        return account_key(self.account_id)


def parse_account(cells: Mapping[str, str], roster: AbstractSet[str], *, today: date) -> AccountRow:
    """One portfolio row; `roster` holds the Slack ids an account may be assigned to (active members
    whose role works accounts: `bot.access.may_be_given_accounts`), `today` is the team's day (due
    dates run to 50 years ahead, a last payment to tomorrow: bot.parsing.dates)."""
    currency = _currency(_required(cells, "currency"), "currency")
    balance = _balance(_required(cells, "balance"), currency)
    return AccountRow(
        account_id=account_id(_required(cells, "account_id")),
        customer_name=_text(_required(cells, "customer_name"), "customer_name", MAX_CUSTOMER_NAME_LENGTH),
        balance=balance,
        currency=currency,
        due_date=_bounded(_date(_required(cells, "due_date"), "due_date"), "due_date", today),
        customer_id=_optional_text(cells, "customer_id", MAX_CUSTOMER_ID_LENGTH),
        phone=_phone(cells.get("phone", "")),
        email=_email(cells.get("email", "")),
        customer_timezone=_zone(cells.get("customer_timezone", ""), "customer_timezone"),
        language=_optional_language(cells.get("language", "")),
        original_amount=_optional_amount(cells, "original_amount", currency),
        last_payment_date=_optional_last_payment(cells, today),
        last_payment_amount=_optional_amount(cells, "last_payment_amount", currency),
        assigned_to=_assignee(cells.get("assigned_to", ""), roster),
        status=_status(cells.get("status", ""), balance),
        risk_score=_risk_score(cells.get("risk_score", "")),
        **{column: _optional_text(cells, column, limit) for column, limit in ADDRESS_LENGTHS.items()},
        itemization_date=_optional_itemization_date(cells, today),
        itemization_amount=_optional_sum(cells, "itemization_amount", currency),
        interest_since=_optional_sum(cells, "interest_since", currency),
        fees_since=_optional_sum(cells, "fees_since", currency),
        product=_product(cells.get("product", "")),
    )


def check_accounts(
    records: Iterable[Record], *, roster: AbstractSet[str], currencies: Mapping[str, str], today: date
) -> Checked[AccountRow]:
    """`currencies` maps the key of each account already recorded to its currency, which cannot change."""
    checked = checked_accounts(records, roster=roster, currencies=currencies, today=today)
    return Checked([(line, AccountRow(*values)) for line, _key, values in checked.rows], checked.bad)


ACCOUNT_ROW_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(AccountRow))
"""AccountRow's fields in order: the order of the values checked_accounts gives for a row."""
_ROW_VALUES = attrgetter(*ACCOUNT_ROW_FIELDS)


@dataclass(frozen=True, slots=True)
class CheckedAccounts:
    """check_accounts' answer in the shape an import writes it: each good row as its line, its
    account key and its values in ACCOUNT_ROW_FIELDS order (AccountRow(*values) is the row), no
    object per row; and the bad rows, in line order."""

    rows: list[tuple[int, str, tuple[Any, ...]]]
    bad: list[BadRow]


def checked_accounts(
    records: Iterable[Record], *, roster: AbstractSet[str], currencies: Mapping[str, str], today: date
) -> CheckedAccounts:
    """check_accounts for a whole portfolio: each row as parse_account reads it (the same values, the
    same refusal word for word), then refused when its currency is not the recorded one or its id is
    on an earlier line. A row _QuickAccounts reads is not parsed again; any other goes through
    parse_account, whose refusal is the row's."""
    quick = _QuickAccounts(roster, today)
    rows: list[tuple[int, str, tuple[Any, ...]]] = []
    bad: list[BadRow] = []
    first_line: dict[str, int] = {}
    for record in records:
        line = record.line
        if record.problem:
            bad.append(BadRow(line, record.problem))
            continue
        try:
            values = quick.values(record.cells)
            if values is None:
                values = _ROW_VALUES(parse_account(record.cells, roster, today=today))
            key = account_key(values[0])
            recorded = currencies.get(key)
            if recorded is not None and recorded != values[3]:
                raise RowError(
                    "currency",
                    f"`{values[0]}` is recorded in {recorded}; an account's currency cannot change"
                    " (payments and promises on it are in that currency)",
                )
        except RowError as error:
            bad.append(BadRow(line, str(error), too_large=isinstance(error, ValueTooLargeError)))
            continue
        # The second and later rows for the same id are refused: which is right is not ours to guess.
        earlier = first_line.setdefault(key, line)
        if earlier != line:
            bad.append(BadRow(line, f"account_id: `{key}` is already on line {earlier} of this file"))
            continue
        rows.append((line, key, values))
    bad.sort(key=lambda bad_row: bad_row.line)
    return CheckedAccounts(rows, bad)


_NO_ADDRESS: tuple[None, ...] = (None,) * len(ADDRESS_LENGTHS)
_ADDRESS_COLUMNS = tuple(ADDRESS_LENGTHS)
_ADDRESS_LIMITS = tuple(ADDRESS_LENGTHS.values())


class _QuickAccounts:
    """parse_account's values for a row, worked out with less work per row: the cells that repeat
    down a portfolio (currencies, due dates, zones, languages, assignees…) are checked once per
    distinct text and remembered, and amounts in the common shapes are read by the currency's
    quick reader (what parse_amount itself does for them). The same functions decide, so the values
    are parse_account's; a row with any cell they refuse gives None, and parse_account then says
    which refusal comes first, in its own words."""

    def __init__(self, roster: AbstractSet[str], today: date) -> None:
        self._currencies: dict[str, tuple[str, Callable[[str], Decimal | None]]] = {}
        self._due_dates: dict[str, date] = {}
        # An empty optional cell is None, as each of their checks says.
        self._zones: dict[str, str | None] = {"": None}
        self._languages: dict[str, str | None] = {"": None}
        self._assignees: dict[str, str | None] = {"": None}
        self._last_payment_dates: dict[str, date | None] = {"": None}
        self._itemization_dates: dict[str, date | None] = {"": None}
        self._risk_scores: dict[str, int | None] = {"": None}
        self._products: dict[str, str | None] = {"": None}
        # The checks of the cells that depend on the team's day or roster, made once, not per row.
        self._due_date = lambda text: _bounded(_date(text, "due_date"), "due_date", today)
        self._last_payment_date = lambda text: _optional_last_payment({"last_payment_date": text}, today)
        self._itemization_date = lambda text: _optional_itemization_date({"itemization_date": text}, today)
        self._assignee = lambda text: _assignee(text, roster)

    def values(self, cells: Mapping[str, str]) -> tuple[Any, ...] | None:
        try:
            return self._values(cells)
        except RowError:
            return None

    def _values(self, cells: Mapping[str, str]) -> tuple[Any, ...] | None:
        # Written out rather than a call per cell: a memo is looked at in place, and a check is
        # called only for a cell that has text (each gives None for an empty one).
        get = cells.get
        currencies = self._currencies
        currency, read = (
            currencies[text]
            if (text := get("currency", "")) in currencies
            else _remembered(currencies, text, _currency_and_reader)
        )
        text = get("balance", "")
        # What _balance gives for a balance in a common shape is parse_amount's own quick reading.
        balance = read(text) if text[:1] in _NONZERO_DIGITS and text[-1:] in _ASCII_DIGITS else None
        if not balance:
            balance = _balance(_required(cells, "balance"), currency)
        typed_id = account_id(_required(cells, "account_id"))
        name = get("customer_name", "")
        if not name or len(name) > MAX_CUSTOMER_NAME_LENGTH:
            return None
        due_dates = self._due_dates
        due_date = (
            due_dates[text]
            if (text := get("due_date", "")) in due_dates
            else _remembered(due_dates, text, self._due_date)
        )
        customer_id = get("customer_id") or None
        if customer_id is not None and len(customer_id) > MAX_CUSTOMER_ID_LENGTH:
            return None
        text = get("original_amount", "")
        original = read(text) if text[:1] in _ASCII_DIGITS and text[-1:] in _ASCII_DIGITS else None
        if not original and text:  # zero, another shape or not an amount: parse_amount says
            original = _optional_amount(cells, "original_amount", currency)
        address = tuple(map(get, _ADDRESS_COLUMNS))
        if any(address):
            if any(text and len(text) > limit for text, limit in zip(address, _ADDRESS_LIMITS, strict=True)):
                return None
            address = tuple(text or None for text in address)
        else:
            address = _NO_ADDRESS
        zones, languages, assignees = self._zones, self._languages, self._assignees
        last_payment_dates, risk_scores = self._last_payment_dates, self._risk_scores
        itemization_dates, products = self._itemization_dates, self._products
        return (
            typed_id,
            name,
            balance,
            currency,
            due_date,
            customer_id,
            _phone(text) if (text := get("phone", "")) else None,
            _email(text) if (text := get("email", "")) else None,
            zones[text]
            if (text := get("customer_timezone", "")) in zones
            else _remembered(zones, text, _customer_zone),
            languages[text]
            if (text := get("language", "")) in languages
            else _remembered(languages, text, _optional_language),
            original,
            last_payment_dates[text]
            if (text := get("last_payment_date", "")) in last_payment_dates
            else _remembered(last_payment_dates, text, self._last_payment_date),
            _optional_amount(cells, "last_payment_amount", currency) if get("last_payment_amount") else None,
            assignees[text]
            if (text := get("assigned_to", "")) in assignees
            else _remembered(assignees, text, self._assignee),
            _status(text, balance) if (text := get("status", "")) else None,
            risk_scores[text]
            if (text := get("risk_score", "")) in risk_scores
            else _remembered(risk_scores, text, _risk_score),
            *address,
            itemization_dates[text]
            if (text := get("itemization_date", "")) in itemization_dates
            else _remembered(itemization_dates, text, self._itemization_date),
            _optional_sum(cells, "itemization_amount", currency) if get("itemization_amount") else None,
            _optional_sum(cells, "interest_since", currency) if get("interest_since") else None,
            _optional_sum(cells, "fees_since", currency) if get("fees_since") else None,
            products[text]
            if (text := get("product", "")) in products
            else _remembered(products, text, _product),
        )


def _remembered(memo: dict[str, T], text: str, check: Callable[[str], T]) -> T:
    """check(text), worked out the first time `text` is met; a refusal is raised, never remembered."""
    if text in memo:
        return memo[text]
    value = memo[text] = check(text)
    return value


def _currency_and_reader(text: str) -> tuple[str, Callable[[str], Decimal | None]]:
    """An account's currency and the quick reader of its amounts."""
    if not text:
        raise RowError("currency", "is empty, and it is required")
    currency = _currency(text, "currency")
    return currency, quick_reader(currency)


def _customer_zone(text: str) -> str | None:
    return _zone(text, "customer_timezone")


def account_id(text: str) -> str:
    # Every space but " " is also unprintable, so one C-level pass each answers for the common id.
    if not text.isprintable() or " " in text:
        raise RowError(
            "account_id",
            f"`{text}` contains spaces or invisible characters; an account id is one word, like ACC-1042",
        )
    if len(text) > MAX_ACCOUNT_ID_LENGTH or len(account_key(text)) > MAX_ACCOUNT_ID_LENGTH:
        raise RowError("account_id", f"is longer than {MAX_ACCOUNT_ID_LENGTH} characters")
    return text


def resolved_status(current: str | None, row: AccountRow) -> str:
    """The status after importing `row` over an account now in `current` (None: a new account).

    A status in the file wins. Otherwise the balance decides only what it must: zero closes an open
    account as paid, and a balance on a `paid` account reopens it. A status the bot set from its own
    work (promised, on hold…) is kept, so re-importing an unchanged portfolio changes nothing.
    """
    return status_after(current, row.status, row.balance)


def status_after(current: str | None, status: AccountStatus | None, balance: Decimal) -> str:
    """resolved_status for a row given by its status (None: the file leaves it out) and balance."""
    if status is not None:
        return status
    if current is None:
        return AccountStatus.PAID if balance == 0 else AccountStatus.ACTIVE
    if balance == 0 and current not in CLOSED_STATUSES:
        return AccountStatus.PAID
    if balance > 0 and current == AccountStatus.PAID:
        return AccountStatus.ACTIVE
    return current


def _balance(text: str, currency: str) -> Decimal:
    if text.startswith(_MINUS_SIGNS):
        raise RowError(
            "balance",
            f"`{text}` is negative; a balance is 0 or more (settle credit balances in the billing system)",
        )
    return _zero_or_amount(text, currency, "balance")


def _zero_or_amount(text: str, currency: str, column: str) -> Decimal:
    """An amount of 0 or more (a sign already refused)."""
    if _is_zero(text):
        # parse_amount refuses zero, which is right for a payment; a balance may be zero. The same
        # text with its last 0 made a 1 (`0.00` → `0.01`, never `000…` → `100…`) is parsed only to
        # check that it is well formed.
        _amount(text[::-1].replace("0", "1", 1)[::-1], currency, column)
        return Decimal(0).quantize(quantum(currency))
    return _amount(text, currency, column)


def _is_zero(text: str) -> bool:
    if text[:1] in _NONZERO_DIGITS:  # most balances: answered without looking at every character
        return False
    digits = [ch for ch in text if ch.isdigit()]
    return bool(digits) and all(ch == "0" for ch in digits)


def _status(text: str, balance: Decimal) -> AccountStatus | None:
    if not text:
        return None
    try:
        status = AccountStatus(text.lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise RowError("status", f"`{text}` is not a status: use {_choices(AccountStatus)}") from None
    if status == AccountStatus.PAID and balance != 0:
        raise RowError("status", f"is `paid` but the balance is {balance}; a paid account owes nothing")
    return status


def _risk_score(text: str) -> int | None:
    """The billing system's propensity-to-pay score: a whole number from 0 to 100."""
    if not text.strip():
        return None
    score = _whole_number(text, 100)
    if score is None:
        raise RowError("risk_score", f"{quoted(text, 20)} is not a score from 0 to 100")
    return score


def _product(text: str) -> str | None:
    code = text.strip()
    if not code:
        return None
    problem = product_problem(code)
    if problem is not None:
        raise RowError("product", f"{quoted(code, MAX_PRODUCT_LENGTH + 10)} {problem}")
    return code


def _assignee(text: str, roster: AbstractSet[str]) -> str | None:
    if not text:
        return None
    user_id = slack_user_id(text, "assigned_to")
    if user_id not in roster:
        raise RowError(
            "assigned_to", f"{user_id} is not an active member who works accounts: import agents first"
        )
    return user_id


def _phone(text: str) -> str | None:
    if not text:
        return None
    if len(text) > MAX_PHONE_LENGTH or not _PHONE.fullmatch(text):
        raise RowError("phone", f"`{text}` is not a phone number (digits, spaces, + ( ) - . /)")
    return text


def _email(text: str) -> str | None:
    if not text:
        return None
    if len(text) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(text):
        raise RowError("email", f"`{text}` is not an email address")
    return text


# --- Payments --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentRow:
    account_id: str
    amount: Decimal
    currency: str
    received_at: datetime
    method: PaymentMethod | None
    reference: str | None
    payer: str | None
    # Set by check_payments for rows without a reference: what makes a re-import add nothing.
    dedupe_key: str | None = None

    @property
    def key(self) -> str:
        return account_key(self.account_id)

    @property
    def reference_key(self) -> str | None:
        return reference_key(self.reference) if self.reference else None

    def content(self) -> tuple[str, ...]:
        return (
            self.key, str(self.amount), self.received_at.isoformat(), self.currency,
            self.method or "", self.payer or "",
        )  # fmt: skip


def parse_payment(
    cells: Mapping[str, str], currencies: Mapping[str, str], zone: ZoneInfo, *, now: datetime
) -> PaymentRow:
    """One row of the payment feed; `currencies` maps each known account's key to its currency.
    It was received between 1900 and a day from `now`."""
    typed_id = _required(cells, "account_id")
    recorded = currencies.get(account_key(typed_id))
    if recorded is None:
        raise RowError("account_id", f"there is no account `{typed_id[:MAX_ACCOUNT_ID_LENGTH]}`")
    currency = _row_currency(cells.get("currency", ""), recorded, typed_id)
    return PaymentRow(
        account_id=typed_id,
        amount=_amount(_required(cells, "amount"), currency, "amount"),
        currency=currency,
        received_at=_instant(_required(cells, "received_at"), "received_at", zone, now),
        method=_method(cells.get("method", "")),
        reference=_reference(cells),
        payer=_optional_text(cells, "payer", MAX_PAYER_LENGTH),
    )


def check_payments(
    records: Iterable[Record], *, currencies: Mapping[str, str], zone: ZoneInfo, now: datetime
) -> Checked[PaymentRow]:
    checked = _check_each(records, lambda cells: parse_payment(cells, currencies, zone, now=now))
    keyed = _fingerprinted(checked.rows, "payment", needs_key=lambda row: row.reference is None)
    return Checked(keyed, checked.bad)


def _reference(cells: Mapping[str, str]) -> str | None:
    reference = _optional_text(cells, "reference", MAX_REFERENCE_LENGTH)
    try:
        payment_reference_key(reference)
    except UserError as error:
        raise RowError("reference", error.problem) from None
    return reference


def _row_currency(text: str, recorded: str, typed_id: str) -> str:
    if not text:
        return recorded
    currency = _currency(text, "currency")
    if currency != recorded:
        raise RowError("currency", f"is {currency} but account `{typed_id}` is in {recorded}")
    return currency


def _method(text: str) -> PaymentMethod | None:
    if not text:
        return None
    word = text.lower()
    if word in METHOD_ALIASES:
        return METHOD_ALIASES[word]
    try:
        return PaymentMethod(word)
    except ValueError:
        raise RowError("method", f"`{text}` is not a payment method: use {_choices(PaymentMethod)}") from None


# --- Contacts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactRow:
    account_id: str
    at: datetime
    channel: Channel
    outcome: Outcome
    agent: str | None
    notes: str | None
    dedupe_key: str | None = None
    callback_on: date | None = None

    @property
    def key(self) -> str:
        return account_key(self.account_id)

    def content(self) -> tuple[str, ...]:
        return (
            self.key, self.at.isoformat(), self.channel, self.outcome, self.agent or "", self.notes or "",
        )  # fmt: skip


def parse_contact(
    cells: Mapping[str, str], accounts: AbstractSet[str], zone: ZoneInfo, *, now: datetime
) -> ContactRow:
    """One row of contact history; `accounts` holds the keys of the accounts that exist. It happened
    between 1900 and a day from `now`."""
    typed_id = _required(cells, "account_id")
    if account_key(typed_id) not in accounts:
        raise RowError("account_id", f"there is no account `{typed_id[:MAX_ACCOUNT_ID_LENGTH]}`")
    agent = cells.get("agent", "")
    at = _instant(_required(cells, "at"), "at", zone, now)
    outcome = _word(_required(cells, "outcome"), "outcome", Outcome, OUTCOME_ALIASES)
    notes = _optional_text(cells, "notes", MAX_NOTES_LENGTH)
    try:
        callback_on = callback_date(outcome, notes, at.astimezone(zone).date())
    except UserError as error:
        raise RowError("notes", error.problem) from None
    return ContactRow(
        account_id=typed_id,
        at=at,
        channel=_word(_required(cells, "channel"), "channel", Channel, CHANNEL_ALIASES),
        outcome=outcome,
        agent=slack_user_id(agent, "agent") if agent else None,
        notes=notes,
        callback_on=callback_on,
    )


def check_contacts(
    records: Iterable[Record], *, accounts: AbstractSet[str], zone: ZoneInfo, now: datetime
) -> Checked[ContactRow]:
    checked = _check_each(records, lambda cells: parse_contact(cells, accounts, zone, now=now))
    return Checked(_fingerprinted(checked.rows, "contact", needs_key=lambda _row: True), checked.bad)


WordT = TypeVar("WordT", Channel, Outcome)


def _word(text: str, column: str, words: type[WordT], aliases: Mapping[str, WordT]) -> WordT:
    word = text.lower()
    if word in aliases:
        return aliases[word]
    try:
        return words(word)
    except ValueError:
        raise RowError(column, f"`{text}` is not a {column}: use {_choices(words)}") from None


# --- Shared ----------------------------------------------------------------------------------------


def fingerprint(kind: str, content: Iterable[str], occurrence: int) -> str:
    """A sha256 hex (64 characters) of a row's content and of which identical row of the file it is:
    two identical $50 payments on one day are two payments, and each is recognised when re-imported."""
    text = "\x1f".join([kind, *content, str(occurrence)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


FingerprintedT = TypeVar("FingerprintedT", PaymentRow, ContactRow)


def _fingerprinted(
    rows: list[tuple[int, FingerprintedT]], kind: str, *, needs_key: Callable[[FingerprintedT], bool]
) -> list[tuple[int, FingerprintedT]]:
    seen: Counter[tuple[str, ...]] = Counter()
    keyed: list[tuple[int, FingerprintedT]] = []
    for line, row in rows:
        if needs_key(row):
            content = row.content()
            seen[content] += 1
            row = replace(row, dedupe_key=fingerprint(kind, content, seen[content]))
        keyed.append((line, row))
    return keyed


def _check_each(records: Iterable[Record], parse: Callable[[Mapping[str, str]], RowT]) -> Checked[RowT]:
    rows: list[tuple[int, RowT]] = []
    bad: list[BadRow] = []
    for record in records:
        if record.problem:
            bad.append(BadRow(record.line, record.problem))
            continue
        try:
            rows.append((record.line, parse(record.cells)))
        except RowError as error:
            bad.append(BadRow(record.line, str(error), too_large=isinstance(error, ValueTooLargeError)))
    return Checked(rows, bad)


def _refuse_repeats(checked: Checked[RowT], key: Callable[[RowT], str], column: str) -> Checked[RowT]:
    """The second and later rows for the same id are refused: which of them is right is not ours to guess."""
    first_line: dict[str, int] = {}
    rows: list[tuple[int, RowT]] = []
    bad = list(checked.bad)
    for line, row in checked.rows:
        earlier = first_line.setdefault(key(row), line)
        if earlier == line:
            rows.append((line, row))
        else:
            bad.append(BadRow(line, f"{column}: `{key(row)}` is already on line {earlier} of this file"))
    bad.sort(key=lambda bad_row: bad_row.line)
    return Checked(rows, bad)


def _required(cells: Mapping[str, str], column: str) -> str:
    value = cells.get(column, "")
    if not value:
        raise RowError(column, "is empty, and it is required")
    return value


def _text(text: str, column: str, limit: int) -> str:
    if len(text) > limit:
        raise RowError(column, f"is {len(text):,} characters long; at most {limit:,} fit")
    return text


def _optional_text(cells: Mapping[str, str], column: str, limit: int) -> str | None:
    text = cells.get(column, "")
    return _text(text, column, limit) if text else None


def _currency(text: str, column: str) -> str:
    code = text.upper()
    if not is_currency_code(code):
        raise RowError(column, f"`{text}` is not a 3-letter ISO currency code (like USD, EUR, BRL)")
    return code


def _amount(text: str, currency: str, column: str) -> Decimal:
    try:
        return parse_amount(text, currency)
    except AmountTooLargeError as error:
        raise ValueTooLargeError(column, str(error)) from None
    except UserError as error:
        raise RowError(column, str(error)) from None


def _optional_amount(cells: Mapping[str, str], column: str, currency: str) -> Decimal | None:
    text = cells.get(column, "")
    return _amount(text, currency, column) if text else None


def _date(text: str, column: str) -> date:
    try:
        return parse_iso_date(text)
    except UserError as error:
        raise RowError(column, str(error)) from None


def _bounded(when: date, column: str, today: date) -> date:
    try:
        return check_due_date(when, today, field=column)
    except UserError as error:
        raise RowError(column, str(error)) from None


def _optional_last_payment(cells: Mapping[str, str], today: date) -> date | None:
    column = "last_payment_date"
    text = cells.get(column, "")
    if not text:
        return None
    try:
        return check_last_payment_date(_date(text, column), today, field=column)
    except UserError as error:
        raise RowError(column, str(error)) from None


def _optional_itemization_date(cells: Mapping[str, str], today: date) -> date | None:
    column = "itemization_date"
    text = cells.get(column, "")
    if not text:
        return None
    try:
        return check_itemization_date(_date(text, column), today, field=column)
    except UserError as error:
        raise RowError(column, str(error)) from None


def _optional_sum(cells: Mapping[str, str], column: str, currency: str) -> Decimal | None:
    """An amount that may be zero (no interest charged since the itemization date), never negative."""
    text = cells.get(column, "")
    if not text:
        return None
    if text.startswith(_MINUS_SIGNS):
        raise RowError(column, f"`{text}` is negative; write 0 or more")
    return _zero_or_amount(text, currency, column)


def _instant(text: str, column: str, zone: ZoneInfo, now: datetime) -> datetime:
    try:
        return check_instant(parse_received_at(text, zone), now, field=column)
    except UserError as error:
        raise RowError(column, str(error)) from None


def _zone(text: str, column: str) -> str | None:
    if not text:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowError(column, f"`{text}` is not an IANA time zone (like America/New_York)") from None
    return text


def _choices(words: Iterable[StrEnum]) -> str:
    return ", ".join(f"`{word}`" for word in words)


# --- What a bad row's reason may show ------------------------------------------------------------

# Cells that hold a person's data (a customer's, or a team member's name). A bad row's reason names
# the line and the column and may quote what is wrong in an amount, a date, a code or an id, but
# never these: they are taken out of every reason of their row before it leaves the import, so a
# listing on a terminal, in cron mail or in a CI log carries no one's personal data.
PERSONAL_COLUMNS = frozenset(
    {"name", "customer_name", "customer_id", "phone", "email", "payer", "notes", "reference"}
)
SHOWN_INSTEAD = "the value"
HIDDEN = "(hidden)"


def shown_bad_rows(bad_rows: Sequence[BadRow], records: Sequence[Record]) -> tuple[BadRow, ...]:
    """The bad rows with their row's personal cells taken out of each reason (see PERSONAL_COLUMNS)."""
    by_line = {record.line: record for record in records}
    return tuple(
        replace(bad, reason=shown_reason(bad.reason, by_line[bad.line])) if bad.line in by_line else bad
        for bad in bad_rows
    )


def shown_reason(reason: str, record: Record) -> str:
    """`reason` without any of the record's personal values: a quoted one becomes "the value", one
    met anywhere else (another column's message, a shifted row) "(hidden)". Longest first, so a
    phone cell holding the customer's name goes as a whole."""
    personal = {value for column, value in record.cells.items() if column in PERSONAL_COLUMNS and value}
    for value in sorted(personal, key=len, reverse=True):
        reason = reason.replace(f"`{value}`", SHOWN_INSTEAD)
        # Whole words only, so a one-letter name does not eat letters out of the message.
        reason = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", HIDDEN, reason, flags=re.IGNORECASE)
    return reason


# --- Agents ----------------------------------------------------------------------------------------


# --- The watched folder ----------------------------------------------------------------------------

FOLDER_PREFIXES: tuple[ImportKind, ...] = (
    ImportKind.PAYMENTS,
    ImportKind.ACCOUNTS,
    ImportKind.CONTACTS,
    ImportKind.AGENTS,
)
"""A file dropped in the watched folder says what it holds by how its name starts (payments-0601.csv)."""


def is_dropped_csv(name: str) -> bool:
    """A file the watched folder takes: a .csv (any case) that is not hidden. One still being written
    under a .part name (renamed when complete) is not one yet; any other file is left alone."""
    return not name.startswith(".") and name.lower().endswith(".csv")


def dropped_kind(name: str) -> ImportKind | None:
    """What a dropped file holds, by its name's prefix (case aside); None when no prefix says."""
    lowered = name.lower()
    return next((kind for kind in FOLDER_PREFIXES if lowered.startswith(kind.value)), None)


@dataclass(frozen=True, slots=True)
class Sighting:
    """A file as one look at the folder found it."""

    path: str
    size: int
    mtime_ns: int


def settled(since: datetime, at: datetime, settle_seconds: float) -> bool:
    """A file unchanged (same size and modification time) since `since` is complete at `at` once it
    has stayed so `settle_seconds`: a writer still appending changes one or the other."""
    return (at - since).total_seconds() >= settle_seconds


def free_name(name: str, taken: AbstractSet[str]) -> str:
    """`name`, or `stem.2.csv`, `stem.3.csv`… : the first that neither a file nor a file's report
    beside it (NAME.report.txt) uses already."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate, number = name, 1
    while candidate in taken or report_name(candidate) in taken:
        number += 1
        candidate = f"{stem}.{number}.{suffix}" if suffix else f"{stem}.{number}"
    return candidate


def report_name(name: str) -> str:
    return f"{name}.report.txt"
