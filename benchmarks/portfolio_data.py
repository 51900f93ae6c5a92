"""A synthetic collections portfolio for the benchmarks: a team, open accounts, promises and the
recent contacts, generated from a seed (the same spec gives the same rows) and written straight
into a freshly migrated database with the DB-API: sqlite3 executemany, PostgreSQL COPY.

Rows are generated in SQLite's storage formats (storage/types.py): money as INTEGER
ten-thousandths, instants as naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff', dates as ISO text.
COPY to PostgreSQL converts money to NUMERIC text and marks instants as UTC; the rest is taken as
it is.
"""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from storage.database import Database
from storage.schema import is_current, upgrade

# Bump when the generated rows change, so that files cached by an older generator are rebuilt.
GENERATOR_VERSION = 3
TODAY = date(2026, 11, 23)  # a Monday
ZONE = "America/New_York"
SEED = 7

Value = str | int | bool | None
Row = tuple[Value, ...]
T = TypeVar("T")

# The columns written, table by table; the others are left NULL.
AGENT_COLUMNS = (
    "id", "slack_user_id", "name", "role", "daily_capacity", "languages", "tier", "active", "created_at",
    "updated_at",
)  # fmt: skip
ABSENCE_COLUMNS = ("id", "agent", "starts_on", "ends_on", "recorded_by", "created_at")
ACCOUNT_COLUMNS = (
    "id", "account_id", "account_key", "customer_name", "phone", "email", "language", "currency", "balance",
    "original_amount", "due_date", "assigned_to", "status", "hold_reason", "risk_score", "last_contact_at",
    "last_conversation_at", "callback_on", "created_at", "updated_at", "product",
)  # fmt: skip
PROMISE_COLUMNS = (
    "id", "account_pk", "amount", "currency", "due_date", "status", "paid_toward", "made_by", "made_at",
    "resolved_at",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "account_pk", "at", "channel", "outcome", "agent", "source", "created_at")

# Log-normal balances with a median of 600 and about 1% at or above 10,000, kept within 20-100,000.
BALANCE_MEDIAN = 600.0
BALANCE_SIGMA = (math.log(10_000) - math.log(BALANCE_MEDIAN)) / 2.326  # z of the 99th percentile
BALANCE_RANGE = (20.0, 100_000.0)
CURRENCIES = ("USD", "EUR", "BRL")
CURRENCY_WEIGHTS = (0.6, 0.2, 0.2)
# Days past due per aging bucket (current includes dues up to a month ahead), and their shares.
DPD_RANGES = ((-30, 0), (1, 30), (31, 60), (61, 90), (91, 120), (121, 720))
DPD_WEIGHTS = (0.15, 0.25, 0.18, 0.14, 0.10, 0.18)
HOLD_REASONS = ("dispute", "cease-communication", "bankruptcy")
NO_CONVERSATION = ("no-answer", "left-message", "callback", "third-party", "refused")
# Calls in the last 7 days for an account called recently: enough accounts reach 7 or more.
RECENT_CALLS = (1, 2, 3, 4, 5, 6, 7, 8)
RECENT_CALL_WEIGHTS = (0.30, 0.20, 0.15, 0.10, 0.08, 0.07, 0.06, 0.04)
# The kind of credit by cumulative share, from the account's number (not the generator's draws: the
# other columns stay what they were before products); past them all, none.
PRODUCTS = ((0.40, "card"), (0.65, "personal-loan"), (0.80, "auto"), (0.95, "telecom"))
FIRST_NAMES = ("Maria", "João", "Ana", "Pedro", "James", "Linda", "Carlos", "Sofia", "Wei", "Fatima")
LAST_NAMES = ("Silva", "Santos", "Oliveira", "Smith", "Johnson", "García", "Rossi", "Müller", "Nguyen")


@dataclass(frozen=True)
class PortfolioSpec:
    accounts: int = 1_000_000
    agents: int = 500
    seed: int = SEED
    today: date = TODAY
    zone: str = ZONE

    def agent_ids(self) -> list[str]:
        return [f"U0BENCH{number:04d}" for number in range(1, self.agents + 1)]

    def fingerprint(self) -> dict[str, object]:
        """What the generated rows depend on: a cached file is reused only if this matches."""
        return {**asdict(self), "today": self.today.isoformat(), "generator": GENERATOR_VERSION}


def _fingerprint_file(path: Path) -> Path:
    return path.with_name(path.name + ".spec.json")


def is_cached(path: Path, fingerprint: dict[str, object]) -> bool:
    """Whether `path` holds what `fingerprint` describes, built completely by filling_sqlite_cache()
    and under the current schema (a file built before the latest migration is rebuilt)."""
    written = _fingerprint_file(path)
    if not (path.exists() and written.exists() and json.loads(written.read_text()) == fingerprint):
        return False
    db = Database(f"sqlite:///{path}")
    try:
        return is_current(db.engine)
    finally:
        db.dispose()


@contextmanager
def filling_sqlite_cache(path: Path, fingerprint: dict[str, object]) -> Iterator[sqlite3.Connection]:
    """A migrated, empty file beside `path`, filled by the caller in one transaction and moved into
    place with its fingerprint once complete, so an interrupted run never leaves a half-filled cache
    behind."""
    partial = path.with_name(path.name + ".partial")
    for leftover in (_fingerprint_file(path), partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    db = Database(f"sqlite:///{partial}")
    upgrade(db.engine)
    db.dispose()
    connection = sqlite3.connect(partial, isolation_level=None)
    try:
        # A scratch file being filled once: no journal to speak of, no fsync.
        connection.execute("PRAGMA journal_mode=MEMORY")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        yield connection
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    os.replace(partial, path)
    _fingerprint_file(path).write_text(json.dumps(fingerprint))


@dataclass(frozen=True)
class Tables:
    """Every generated row, table by table. Accounts are produced lazily, and each account's
    promises and contacts are added to their lists as it is produced (contacts without their id:
    they are numbered in time order when written)."""

    agents: list[Row]
    absences: list[Row]
    accounts: Iterator[Row]
    promises: list[Row]
    contacts: list[Row]


class _Sink(NamedTuple):
    promises: list[Row]
    contacts: list[Row]


class _Calendar(NamedTuple):
    """Text forms of the days and instants around today, computed once."""

    days: dict[int, str]  # days from today -> 'YYYY-MM-DD'
    window_start: datetime  # local midnight six days ago, in naive UTC: the call-limit window
    now: datetime  # the morning run, in naive UTC


def _instant(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="microseconds")


def _calendar(spec: PortfolioSpec) -> _Calendar:
    zone = ZoneInfo(spec.zone)

    def utc(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), zone).astimezone(UTC).replace(tzinfo=None)

    days = {offset: (spec.today + timedelta(days=offset)).isoformat() for offset in range(-800, 400)}
    return _Calendar(days, utc(spec.today - timedelta(days=6), 0), utc(spec.today, 7))


def generate(spec: PortfolioSpec) -> Tables:
    rng = random.Random(spec.seed)
    calendar = _calendar(spec)
    agents = _agents(spec, rng, calendar)
    absences = _absences(spec, rng, calendar)
    sink = _Sink([], [])
    return Tables(agents, absences, _accounts(spec, rng, calendar, sink), sink.promises, sink.contacts)


def _agents(spec: PortfolioSpec, rng: random.Random, calendar: _Calendar) -> list[Row]:
    """Agents with capacities 20-30 (some on the default), ~10% senior, ~10% speaking Portuguese,
    and one supervisor in fifty, half of whom work a list too."""
    created = _instant(calendar.now - timedelta(days=400))
    rows: list[Row] = []
    for number, user in enumerate(spec.agent_ids(), 1):
        supervisor = number % 50 == 0
        if supervisor:
            capacity: int | None = rng.randint(20, 30) if number % 100 == 0 else None
        else:
            capacity = rng.randint(20, 30) if rng.random() < 0.8 else None
        languages = "en;pt" if rng.random() < 0.1 else "en"
        tier = "senior" if rng.random() < 0.1 else None
        role = "supervisor" if supervisor else "agent"
        rows.append(
            (number, user, f"Agent {number}", role, capacity, languages, tier, True, created, created)
        )
    return rows


def _absences(spec: PortfolioSpec, rng: random.Random, calendar: _Calendar) -> list[Row]:
    """About 2% of the team away today, and as many who were away last month."""
    created = _instant(calendar.now - timedelta(days=40))
    away = rng.sample(spec.agent_ids(), max(1, spec.agents // 25))
    rows: list[Row] = []
    for number, user in enumerate(away, 1):
        start, end = (-2, 3) if number % 2 else (-35, -30)
        rows.append((number, user, calendar.days[start], calendar.days[end], "U0BENCHBOSS", created))
    return rows


def _accounts(spec: PortfolioSpec, rng: random.Random, calendar: _Calendar, sink: _Sink) -> Iterator[Row]:
    agents = spec.agent_ids()
    created = _instant(calendar.now - timedelta(days=200))
    for pk in range(1, spec.accounts + 1):
        yield _account(pk, rng, calendar, agents, sink, created)


def _account(
    pk: int, rng: random.Random, calendar: _Calendar, agents: Sequence[str], sink: _Sink, created: str
) -> Row:
    """One open account: ~70% with an owner, ~5% Portuguese-speaking, ~2% on hold, risk score on half."""
    random_ = rng.random
    currency = rng.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
    lowest, highest = BALANCE_RANGE
    balance = _money(min(max(rng.lognormvariate(math.log(BALANCE_MEDIAN), BALANCE_SIGMA), lowest), highest))
    low, high = rng.choices(DPD_RANGES, DPD_WEIGHTS)[0]
    owner = agents[rng.randrange(len(agents))] if random_() < 0.7 else None
    language = _pick(random_(), ((0.05, "pt"), (0.65, "en")))
    held = random_() < 0.02
    promised = _promise(pk, rng, calendar, currency, balance, owner, sink.promises)
    last_contact, last_conversation = _contacts(pk, rng, calendar, owner, sink.contacts)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    account_id = f"ACC-{pk:07d}"
    return (
        pk,
        account_id,
        account_id.lower(),
        f"{first} {last}",
        f"+1 555 {rng.randrange(10_000):04d}" if random_() < 0.7 else None,
        f"{first.lower()}.{pk}@example.com" if random_() < 0.5 else None,
        language,
        currency,
        balance,
        _original(balance, rng),
        calendar.days[-rng.randint(low, high)],
        owner,
        "on_hold" if held else "promised" if promised else "active",
        rng.choice(HOLD_REASONS) if held else None,
        rng.randint(0, 100) if random_() < 0.5 else None,
        last_contact,
        last_conversation,
        _callback(random_(), rng, calendar),
        created,
        created,
        _pick((pk * 2654435761 % 2**32) / 2**32, PRODUCTS),
    )


def _pick(draw: float, choices: Iterable[tuple[float, str]]) -> str | None:
    """The first choice whose cumulative share exceeds the draw; None past them all."""
    for below, choice in choices:
        if draw < below:
            return choice
    return None


def _money(amount: float) -> int:
    """Whole cents, stored as ten-thousandths."""
    return round(amount * 100) * 100


def _original(balance: int, rng: random.Random) -> int | None:
    """Usually 1-2.5x the balance; one account in ten nearly paid off; one in ten unknown."""
    draw = rng.random()
    if draw < 0.1:
        return None
    factor = rng.uniform(4, 10) if draw < 0.2 else rng.uniform(1, 2.5)
    return _money(balance * factor / 10_000)


def _callback(draw: float, rng: random.Random, calendar: _Calendar) -> str | None:
    """1% asked for a callback today, 2% on another day."""
    if draw < 0.01:
        return calendar.days[0]
    if draw < 0.03:
        return calendar.days[rng.choice((-5, -3, -1, 1, 2, 7, 14))]
    return None


def _promise(
    pk: int,
    rng: random.Random,
    calendar: _Calendar,
    currency: str,
    balance: int,
    owner: str | None,
    promises: list[Row],
) -> bool:
    """5% have an open promise, half due today or past, half to come; 3% a kept or broken one."""
    draw = rng.random()
    if draw >= 0.08:
        return False
    is_open = draw < 0.05
    if is_open and rng.random() < 0.5:
        offset = 0 if rng.random() < 0.3 else -rng.randint(1, 10)
    elif is_open:
        offset = rng.randint(1, 30)
    else:
        offset = -rng.randint(15, 90)
    amount = _money(balance * rng.uniform(0.1, 1.0) / 10_000)
    made = calendar.now + timedelta(days=min(offset, 0) - rng.randint(1, 14))
    status = "open" if is_open else rng.choice(("kept", "broken"))
    resolved = None if is_open else _instant(made + timedelta(days=20))
    promises.append(
        (
            len(promises) + 1,
            pk,
            amount,
            currency,
            calendar.days[offset],
            status,
            amount if status == "kept" else 0,
            owner or "U0BENCH0001",
            _instant(made),
            resolved,
        )
    )
    return is_open


def _contacts(
    pk: int, rng: random.Random, calendar: _Calendar, owner: str | None, contacts: list[Row]
) -> tuple[str | None, str | None]:
    """30% were contacted: about one in eight of them called in the last 7 days (some 7 times or
    more, some reached), the rest once, 8-90 days ago. Gives last_contact_at, last_conversation_at."""
    if rng.random() >= 0.3:
        return None, None
    if rng.random() < 0.12:
        calls = [
            calendar.window_start + timedelta(seconds=rng.randrange(6 * 86_400 - 4 * 3_600))
            for _ in range(rng.choices(RECENT_CALLS, RECENT_CALL_WEIGHTS)[0])
        ]
    else:
        calls = [calendar.now - timedelta(days=rng.randint(8, 90), seconds=rng.randrange(40_000))]
    reached = [at for at in calls if rng.random() < 0.06]
    for at in calls:
        outcome = "right-party" if at in reached else rng.choice(NO_CONVERSATION)
        _add_contact(contacts, pk, at, "call", outcome, owner)
    if rng.random() < 0.2:
        _add_contact(contacts, pk, max(calls) - timedelta(hours=2), "email", "left-message", owner)
    last_contact = max(calls)
    if reached:
        return _instant(last_contact), _instant(max(reached))
    if rng.random() < 0.5:
        return _instant(last_contact), _instant(last_contact - timedelta(days=rng.randint(1, 120)))
    return _instant(last_contact), None


def _add_contact(
    contacts: list[Row], pk: int, at: datetime, channel: str, outcome: str, owner: str | None
) -> None:
    stamp = _instant(at)
    contacts.append((pk, stamp, channel, outcome, owner, "slack", stamp))


def _chronological(contacts: list[Row]) -> Iterator[Row]:
    """Contacts numbered in the order they happened, as they are logged: recent ones are stored
    together at the end of the table, not spread over it in account order."""
    for number, contact in enumerate(sorted(contacts, key=itemgetter(1)), 1):
        yield (number, *contact)


# --- loading --------------------------------------------------------------------------------------


def batches(rows: Iterable[T], size: int = 50_000) -> Iterator[list[T]]:
    """Rows in lists of `size`, so that a big table goes in by executemany without all of it in memory."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_statement(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def load_sqlite(path: Path, spec: PortfolioSpec, report: Callable[[str], None] = print) -> None:
    """Build the portfolio into `path` (see filling_sqlite_cache)."""
    tables = generate(spec)
    with filling_sqlite_cache(path, spec.fingerprint()) as connection:
        connection.executemany(insert_statement("agents", AGENT_COLUMNS), tables.agents)
        connection.executemany(insert_statement("absences", ABSENCE_COLUMNS), tables.absences)
        for done, rows in enumerate(batches(tables.accounts), 1):
            connection.executemany(insert_statement("accounts", ACCOUNT_COLUMNS), rows)
            if done % 4 == 0:
                report(f"  {done * 50_000:,} accounts")
        connection.executemany(insert_statement("promises", PROMISE_COLUMNS), tables.promises)
        connection.executemany(insert_statement("contacts", CONTACT_COLUMNS), _chronological(tables.contacts))
    report(f"  {len(tables.promises):,} promises, {len(tables.contacts):,} contacts")


def load_postgres(url: str, spec: PortfolioSpec, report: Callable[[str], None] = print) -> None:
    """COPY the portfolio into the (migrated, empty) database at `url`, a libpq URL."""
    tables = generate(spec)
    with psycopg.connect(url) as connection:
        _copy(connection, "agents", AGENT_COLUMNS, tables.agents)
        _copy(connection, "absences", ABSENCE_COLUMNS, tables.absences)
        for done, rows in enumerate(batches(tables.accounts), 1):
            _copy(connection, "accounts", ACCOUNT_COLUMNS, rows)
            if done % 4 == 0:
                report(f"  {done * 50_000:,} accounts")
        _copy(connection, "promises", PROMISE_COLUMNS, tables.promises)
        _copy(connection, "contacts", CONTACT_COLUMNS, _chronological(tables.contacts))
        for table in ("agents", "absences", "accounts", "promises", "contacts"):
            connection.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({0}, 'id'), (SELECT max(id) FROM {1}))").format(
                    sql.Literal(table), sql.Identifier(table)
                )
            )
    with psycopg.connect(url, autocommit=True) as connection:
        # A portfolio in use has been vacuumed and analysed; a freshly copied one has not.
        connection.execute("VACUUM ANALYZE")
    report(f"  {len(tables.promises):,} promises, {len(tables.contacts):,} contacts")


_MONEY = frozenset({"balance", "original_amount", "amount", "paid_toward"})
_INSTANTS = frozenset(
    {"created_at", "updated_at", "last_contact_at", "last_conversation_at", "made_at", "resolved_at", "at"}
)


def _copy(
    connection: psycopg.Connection[Any], table: str, columns: Sequence[str], rows: Iterable[Row]
) -> None:
    """Text COPY: money as NUMERIC text, instants with their UTC offset, the rest as generated."""
    money = [index for index, name in enumerate(columns) if name in _MONEY]
    instants = [index for index, name in enumerate(columns) if name in _INSTANTS]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = list(row)
            for index in money:
                amount = values[index]
                if isinstance(amount, int):
                    values[index] = _numeric(amount)
            for index in instants:
                if values[index] is not None:
                    values[index] = f"{values[index]}+00"
            copy.write_row(values)


def _numeric(ten_thousandths: int) -> str:
    units, fraction = divmod(ten_thousandths, 10_000)
    return f"{units}.{fraction:04d}"
