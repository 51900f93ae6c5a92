"""Time the performance digests (day, week, month) on a large synthetic ledger: a year of history
for a team of 500 agents working 1,000,000 accounts.

    python benchmarks/bench_digest.py [--accounts 1000000] [--agents 500] [--contacts 5000000]
        [--payments 1000000] [--sqlite PATH] [--regenerate] [--postgres URL] [--keep]
        [--postgres-database NAME]
        [--kind day|week|month|all] [--runs 3] [--current] [--profile]

The ledger is generated from a seed (the same sizes give the same rows) straight into a migrated
database with the DB-API, in SQLite's storage formats (storage/types.py: money as INTEGER
ten-thousandths, instants as naive UTC text): agents with monthly targets; accounts in USD, EUR and
BRL with balances and due dates across the aging buckets, most of them assigned; and, over the
year that ends at `now` (Monday 23 November 2026, 17:30 in New York), contact attempts on working
days (about 20% right-party), payments, promises (kept, broken, cancelled, open), the worklists of
the last 30 working days (25 accounts per agent per day, most of them attempted that day), a few
thousand escalations and the attempts the compliance rules refused. The SQLite file is cached
(default /tmp/collect-bench-digest.db, with its spec beside it in .spec.json) and reused while the
spec and the schema match; --regenerate builds it again. With --postgres URL the same rows are
copied from the SQLite file into a throwaway database created on that server (bench_digest_<pid>),
dropped afterwards unless --keep.

Each digest is measured in a child process of its own, as the scheduler computes it at `now`: the
day digest for today, the week and month digests for the week and month before (--current: the
running week and month, as an on-demand report). The steps are timed one by one: build_report
(every query and formula), then digest_message, report_chart and report_workbook on its report.
The peak memory is the child's ru_maxrss (the ledger is generated in a process of its own, so
that the parent stays small: Linux carries the parent's peak into a child it spawns). Each digest
is measured --runs times; the table shows the steps of the best run, the median total, the best run's CPU
seconds (this process's, the PostgreSQL server's work is not in them) and the
load average around the runs (other work on the machine slows the digests down).

Goal (issue 23, on SQLite and on PostgreSQL): the month digest computed and rendered, chart and
spreadsheet included, in under 10 s (best run); every digest within 30 s (issue 7's goal) and a peak
memory under 2 GB. The day and week digests are printed too. The exit status is 1 when a goal is
missed.

--postgres-database NAME copies the ledger into that database on the server of --postgres (created
when missing, emptied and migrated first) and keeps it, instead of a throwaway one.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from array import array
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from benchmarks.portfolio_data import batches, filling_sqlite_cache, insert_statement, is_cached
from benchmarks.scratch_postgres import libpq_url, throwaway_postgres
from bot.blocks.digest import digest_message
from bot.kpis.rules import period_for, previous
from bot.reports.model import PerformanceReport, PeriodKind
from bot.reports.records.numbers import build_report
from bot.reports.render.chart import report_chart
from bot.reports.render.spreadsheet import report_workbook
from bot.settings import load_settings
from storage.database import Database
from storage.schema import upgrade

# Bump when the generated rows change, so that a file cached by an older generator is rebuilt.
GENERATOR_VERSION = 2
ZONE = "America/New_York"
LOCAL = ZoneInfo(ZONE)
NOW = datetime(2026, 11, 23, 17, 30, tzinfo=LOCAL)  # a Monday, after the working day
TODAY = NOW.date()
HISTORY_DAYS = 365
SEED = 11
GOAL_SECONDS = 30.0
GOAL_MONTH_SECONDS = 10.0
GOAL_PEAK_MB = 2048.0
KINDS: tuple[PeriodKind, ...] = ("day", "week", "month")
STEPS = ("build_report", "digest_message", "report_chart", "report_workbook")
DEFAULT_SQLITE = "/tmp/collect-bench-digest.db"

Value = str | int | float | bool | None
Row = tuple[Value, ...]

# --- the ledger's shape ---------------------------------------------------------------------------

CURRENCIES = ("USD", "EUR", "BRL")
CURRENCY_WEIGHTS = (0.6, 0.2, 0.2)
# Log-normal balances (median 600, about 1% at 10,000 or more), kept within 20-100,000; 8% paid off.
BALANCE_MEDIAN = 600.0
BALANCE_SIGMA = (math.log(10_000) - math.log(BALANCE_MEDIAN)) / 2.326
PAID_SHARE = 0.08
ASSIGNED_SHARE = 0.9
# Days past due at `now` per aging bucket (current includes dues up to a month ahead), and shares.
DPD_RANGES = ((-30, 0), (1, 30), (31, 60), (61, 90), (91, 120), (121, 720))
DPD_WEIGHTS = (0.15, 0.25, 0.18, 0.14, 0.10, 0.18)
CHANNELS = ("call", "email", "sms", "letter", "visit")
CHANNEL_WEIGHTS = (0.75, 0.10, 0.10, 0.03, 0.02)
OUTCOMES = (
    "right-party", "no-answer", "left-message", "callback", "third-party", "wrong-number", "refused",
    "dispute",
)  # fmt: skip
OUTCOME_WEIGHTS = (0.20, 0.38, 0.20, 0.06, 0.06, 0.04, 0.055, 0.005)
METHODS = {"USD": ("card", "ach", "check", "wire"), "EUR": ("card", "wire"), "BRL": ("pix", "boleto", "card")}
SLACK_PAYMENT_SHARE = 0.45  # the rest arrives from the payment feed (source "import")
ESCALATION_KINDS = ("payment-plan", "settlement", "write-off", "legal", "hardship", "dispute-review")
ASSIGNMENT_DAYS = 30
PER_AGENT_PER_DAY = 25
WORKED_SHARE = 0.7  # of the accounts on a worklist, attempted that day by their agent
FIRST_NAMES = ("Maria", "João", "Ana", "Pedro", "James", "Linda", "Carlos", "Sofia", "Wei", "Fatima")
LAST_NAMES = ("Silva", "Santos", "Oliveira", "Smith", "Johnson", "García", "Rossi", "Müller", "Nguyen")
BOSS = "U0BENCHBOSS"
REFUSED_RULES = ("7-in-7", "after-conversation", "time-of-day")

COLUMNS: dict[str, tuple[str, ...]] = {
    "agents": (
        "id", "slack_user_id", "name", "role", "daily_capacity", "languages", "monthly_target", "active",
        "created_at", "updated_at",
    ),
    "accounts": (
        "id", "account_id", "account_key", "customer_name", "currency", "balance", "original_amount",
        "due_date", "assigned_to", "status", "created_at", "updated_at",
    ),
    "escalations": (
        "id", "account_pk", "kind", "amount", "currency", "reason", "status", "requested_by",
        "requested_at", "decided_by", "decided_at", "channel", "message_ts",
    ),
    "promises": (
        "id", "account_pk", "amount", "currency", "due_date", "status", "paid_toward", "made_by", "made_at",
        "resolved_at",
    ),
    "contacts": ("id", "account_pk", "at", "channel", "outcome", "agent", "source", "created_at"),
    "payments": (
        "id", "account_pk", "amount", "currency", "method", "reference", "received_at", "recorded_by",
        "source", "created_at",
    ),
    "assignments": ("id", "work_date", "account_pk", "agent", "rank", "score", "reasons"),
    "compliance_refusals": ("id", "at", "actor", "account_pk", "action", "rule", "explanation"),
}  # fmt: skip
MONEY_COLUMNS = frozenset({"monthly_target", "balance", "original_amount", "amount", "paid_toward"})
INSTANT_COLUMNS = frozenset(
    {"created_at", "updated_at", "requested_at", "decided_at", "made_at", "resolved_at", "at", "received_at"}
)


@dataclass(frozen=True)
class LedgerSpec:
    accounts: int = 1_000_000
    agents: int = 500
    contacts: int = 5_000_000
    payments: int = 1_000_000
    seed: int = SEED

    @property
    def promises(self) -> int:
        return self.accounts // 5

    @property
    def escalations(self) -> int:
        return self.agents * 6

    @property
    def refusals(self) -> int:
        return self.contacts // 250

    def fingerprint(self) -> dict[str, object]:
        """What the generated rows depend on: a cached file is reused only if this matches."""
        return {**asdict(self), "now": NOW.isoformat(), "generator": GENERATOR_VERSION}


# --- generating the rows --------------------------------------------------------------------------


def _instant(moment: datetime) -> str:
    """SQLite's form of an instant: naive UTC text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _money(amount: float) -> int:
    """Whole cents, stored as ten-thousandths."""
    return round(amount * 100) * 100


def _local(day: date, hour: int = 0) -> datetime:
    """A team-local hour of a day, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL).astimezone(UTC)


def _history() -> list[date]:
    """The year's days, oldest first, ending today."""
    return [TODAY - timedelta(days=back) for back in range(HISTORY_DAYS - 1, -1, -1)]


def _working_days() -> list[date]:
    # The default calendar: Monday to Friday, no public holidays.
    return [day for day in _history() if day.weekday() < 5]


def _office_hours(rng: random.Random, count: int) -> list[datetime]:
    """`count` instants between 08:00 and 17:00 on working days of the year, in order."""
    days = _working_days()
    return sorted(
        _local(rng.choice(days), 8) + timedelta(seconds=rng.randrange(9 * 3_600)) for _ in range(count)
    )


class _Chooser:
    """Weighted choices by one draw and a bisect: random.choices is slow per call at this scale."""

    def __init__(self, rng: random.Random, values: Sequence[str], weights: Sequence[float]) -> None:
        self._random = rng.random
        self._values = values
        bounds = list(accumulate(weights))
        self._bounds = [bound / bounds[-1] for bound in bounds[:-1]]

    def __call__(self) -> str:
        return self._values[bisect(self._bounds, self._random())]


class Ledger:
    """What the later tables draw from, filled while the accounts are generated: each account's
    currency and owner (an index into `agents`, -1 for none), and each agent's accounts."""

    def __init__(self, spec: LedgerSpec) -> None:
        self.spec = spec
        self.agents = [f"U0BENCH{number:04d}" for number in range(1, spec.agents + 1)]
        self.currency = bytearray(spec.accounts + 1)
        self.owner = array("i", [-1]) * (spec.accounts + 1)
        self.accounts_of: list[array[int]] = [array("i") for _ in self.agents]

    def random_account(self, rng: random.Random) -> int:
        return rng.randrange(1, self.spec.accounts + 1)

    def agent_for(self, pk: int, rng: random.Random) -> str:
        """The account's owner, or anyone on the team for an unassigned account."""
        owner = self.owner[pk]
        return self.agents[owner if owner >= 0 else rng.randrange(len(self.agents))]


def _rng(spec: LedgerSpec, table: str) -> random.Random:
    # One stream per table: changing how one table is generated leaves the others as they were.
    return random.Random(f"{spec.seed}:{table}")


def agent_rows(ledger: Ledger) -> Iterator[Row]:
    """Agents with capacities 20-30 and monthly targets of 60,000-110,000 (the target currency)."""
    rng = _rng(ledger.spec, "agents")
    created = _instant(NOW - timedelta(days=500))
    for number, user in enumerate(ledger.agents, 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {number}"
        target = _money(rng.randrange(60, 111) * 1_000)
        yield (number, user, name, "agent", rng.randint(20, 30), "en", target, True, created, created)


def account_rows(ledger: Ledger) -> Iterator[Row]:
    """Accounts in three currencies, due dates across the aging buckets, 90% assigned, 8% paid off."""
    rng = _rng(ledger.spec, "accounts")
    currency_of = _Chooser(rng, "012", CURRENCY_WEIGHTS)
    dpd_range = _Chooser(rng, "012345", DPD_WEIGHTS)
    created = _instant(NOW - timedelta(days=HISTORY_DAYS + 30))
    mu = math.log(BALANCE_MEDIAN)
    for pk in range(1, ledger.spec.accounts + 1):
        currency = int(currency_of())
        original = _money(min(max(rng.lognormvariate(mu, BALANCE_SIGMA), 20.0), 100_000.0))
        balance = 0 if rng.random() < PAID_SHARE else original * rng.randint(20, 100) // 100 // 100 * 100
        low, high = DPD_RANGES[int(dpd_range())]
        owner = rng.randrange(len(ledger.agents)) if rng.random() < ASSIGNED_SHARE else -1
        ledger.currency[pk], ledger.owner[pk] = currency, owner
        if owner >= 0:
            ledger.accounts_of[owner].append(pk)
        account_id, name = f"ACC-{pk:07d}", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        due = (TODAY - timedelta(days=rng.randint(low, high))).isoformat()
        yield (
            pk, account_id, account_id.lower(), name, CURRENCIES[currency], balance, original, due,
            ledger.agents[owner] if owner >= 0 else None, "paid" if balance == 0 else "active", created, created,
        )  # fmt: skip


def worklists(ledger: Ledger) -> dict[date, list[tuple[int, int]]]:
    """The last 30 working days' worklists: 25 of each agent's own accounts a day (account, agent)."""
    rng = _rng(ledger.spec, "assignments")
    lists: dict[date, list[tuple[int, int]]] = {}
    for day in _working_days()[-ASSIGNMENT_DAYS:]:
        lists[day] = [
            (pk, agent)
            for agent, own in enumerate(ledger.accounts_of)
            for pk in rng.sample(own, min(PER_AGENT_PER_DAY, len(own)))
        ]
    return lists


def assignment_rows(lists: dict[date, list[tuple[int, int]]], agents: Sequence[str]) -> Iterator[Row]:
    number = 0
    for day, lines in lists.items():
        for rank, (pk, agent) in enumerate(lines):
            number += 1
            score = round(100 - (rank % PER_AGENT_PER_DAY) * 3.5, 2)
            yield (
                number,
                day.isoformat(),
                pk,
                agents[agent],
                rank % PER_AGENT_PER_DAY + 1,
                score,
                '["overdue"]',
            )


def contact_rows(ledger: Ledger, lists: dict[date, list[tuple[int, int]]]) -> Iterator[Row]:
    """Attempts on working days between 08:00 and 17:00, numbered in the order they happened. On a
    worklist day, 70% of the listed accounts are attempted by their agent; the rest of the day's
    attempts fall anywhere in the portfolio."""
    rng = _rng(ledger.spec, "contacts")
    channel, outcome = _Chooser(rng, CHANNELS, CHANNEL_WEIGHTS), _Chooser(rng, OUTCOMES, OUTCOME_WEIGHTS)
    days = _working_days()
    per_day, extra = divmod(ledger.spec.contacts, len(days))
    number = 0
    for index, day in enumerate(days):
        wanted = per_day + (index < extra)
        planned = [
            (pk, ledger.agents[agent]) for pk, agent in lists.get(day, ()) if rng.random() < WORKED_SHARE
        ]
        planned = planned[:wanted]
        while len(planned) < wanted:
            pk = ledger.random_account(rng)
            planned.append((pk, ledger.agent_for(pk, rng)))
        opening = _local(day, 8)
        seconds = sorted(rng.randrange(9 * 3_600) for _ in planned)
        for second, (pk, agent) in zip(seconds, planned, strict=True):
            number += 1
            stamp = _instant(opening + timedelta(seconds=second))
            yield (number, pk, stamp, channel(), outcome(), agent, "slack", stamp)


def payment_rows(ledger: Ledger) -> Iterator[Row]:
    """Payments on every day of the year (the feed runs on weekends too), at any hour until now:
    45% recorded in Slack by the account's agent, the rest imported from the payment feed."""
    rng = _rng(ledger.spec, "payments")
    days = _history()
    per_day, extra = divmod(ledger.spec.payments, len(days))
    number = 0
    for index, day in enumerate(days):
        midnight = _local(day)
        span = int((min(_local(day + timedelta(days=1)), NOW) - midnight).total_seconds())
        for second in sorted(rng.randrange(span) for _ in range(per_day + (index < extra))):
            number += 1
            pk = ledger.random_account(rng)
            currency = CURRENCIES[ledger.currency[pk]]
            amount = _money(max(5.0, rng.lognormvariate(math.log(150.0), 1.0)))
            slack = rng.random() < SLACK_PAYMENT_SHARE
            stamp = _instant(midnight + timedelta(seconds=second))
            yield (
                number, pk, amount, currency, rng.choice(METHODS[currency]), f"PAY-{number:08d}", stamp,
                ledger.agent_for(pk, rng) if slack else "import", "slack" if slack else "import", stamp,
            )  # fmt: skip


def promise_rows(ledger: Ledger, grace_days: int = 1) -> Iterator[Row]:
    """Promises made on working days, due 1-21 days later. Once due + grace has passed: 55% kept,
    40% broken (some partly paid), 5% cancelled; before that, 15% already kept, the rest open."""
    rng = _rng(ledger.spec, "promises")
    made = _office_hours(rng, ledger.spec.promises)
    for number, made_at in enumerate(made, 1):
        pk = ledger.random_account(rng)
        amount = _money(max(10.0, rng.lognormvariate(math.log(200.0), 0.9)))
        due = made_at.astimezone(LOCAL).date() + timedelta(days=rng.randint(1, 21))
        status, paid, resolved = _promise_state(rng, made_at, due, amount, due + timedelta(days=grace_days))
        yield (
            number, pk, amount, CURRENCIES[ledger.currency[pk]], due.isoformat(), status, paid,
            ledger.agent_for(pk, rng), _instant(made_at), None if resolved is None else _instant(resolved),
        )  # fmt: skip


def _promise_state(
    rng: random.Random, made_at: datetime, due: date, amount: int, deadline: date
) -> tuple[str, int, datetime | None]:
    """(status, paid toward it, resolved at) as the ledger would hold them at `now`."""
    draw = rng.random()
    if deadline >= TODAY:  # its last day has not ended yet
        if draw < 0.15:
            return "kept", amount, min(made_at + timedelta(hours=rng.randint(2, 200)), NOW)
        partly = amount * rng.randint(1, 9) // 10 // 100 * 100 if draw < 0.25 else 0
        return "open", partly, None
    if draw < 0.55:
        paid_on = due - timedelta(days=rng.randint(0, max(0, (due - made_at.astimezone(LOCAL).date()).days)))
        return "kept", amount, max(_local(paid_on, 12), made_at)
    if draw < 0.95:
        partly = amount * rng.randint(1, 9) // 10 // 100 * 100 if draw < 0.67 else 0
        return "broken", partly, _local(deadline + timedelta(days=1), 7)  # the morning run after
    return "cancelled", 0, made_at + timedelta(days=1)


def escalation_rows(ledger: Ledger) -> Iterator[Row]:
    """Escalations raised on working days; those of the last week partly still waiting, older
    ones decided within two days (2% left waiting)."""
    rng = _rng(ledger.spec, "escalations")
    asked = _office_hours(rng, ledger.spec.escalations)
    for number, requested_at in enumerate(asked, 1):
        pk = ledger.random_account(rng)
        recent = NOW - requested_at < timedelta(days=7)
        waiting = rng.random() < (0.5 if recent else 0.02)
        decided = None if waiting else min(requested_at + timedelta(minutes=rng.randint(20, 2_880)), NOW)
        status = (
            rng.choice(("open", "waiting_info", "recommended"))
            if waiting
            else rng.choice(("approved", "approved", "rejected"))
        )
        amount, currency = _money(rng.uniform(50, 5_000)), CURRENCIES[ledger.currency[pk]]
        yield (
            number, pk, rng.choice(ESCALATION_KINDS), amount, currency, "customer asked for terms", status,
            ledger.agent_for(pk, rng), _instant(requested_at), None if waiting else BOSS,
            None if decided is None else _instant(decided), "C0SUPERVISORS", f"{requested_at.timestamp():.6f}",
        )  # fmt: skip


def refusal_rows(ledger: Ledger) -> Iterator[Row]:
    """Contact attempts the compliance rules refused (the digests count them per agent)."""
    rng = _rng(ledger.spec, "refusals")
    moments = _office_hours(rng, ledger.spec.refusals)
    for number, at in enumerate(moments, 1):
        pk = ledger.random_account(rng)
        rule = rng.choice(REFUSED_RULES)
        yield (number, _instant(at), ledger.agent_for(pk, rng), pk, "contact", rule, f"refused: {rule}")


def tables(spec: LedgerSpec) -> Iterator[tuple[str, Iterable[Row]]]:
    """Every table's rows, in an order that respects the foreign keys. Lazy: the accounts must be
    consumed before the later tables are asked for, since they draw on what the accounts left."""
    ledger = Ledger(spec)
    yield "agents", agent_rows(ledger)
    yield "accounts", account_rows(ledger)
    lists = worklists(ledger)
    yield "escalations", escalation_rows(ledger)
    yield "promises", promise_rows(ledger)
    yield "contacts", contact_rows(ledger, lists)
    yield "payments", payment_rows(ledger)
    yield "assignments", assignment_rows(lists, ledger.agents)
    yield "compliance_refusals", refusal_rows(ledger)


# --- loading: SQLite (cached), then PostgreSQL copied from it --------------------------------------


def build_sqlite(path: Path, spec: LedgerSpec) -> None:
    """Build the ledger into `path` (see portfolio_data.filling_sqlite_cache)."""
    with filling_sqlite_cache(path, spec.fingerprint()) as connection:
        connection.execute("PRAGMA cache_size=-1000000")  # room for the indexes
        for table, rows in tables(spec):
            started, count = time.perf_counter(), 0
            for batch in batches(rows, size=100_000):
                connection.executemany(insert_statement(table, COLUMNS[table]), batch)
                count += len(batch)
            print(f"  {table:<20}{count:>12,} rows in {time.perf_counter() - started:6.1f} s", flush=True)


def copy_to_postgres(source: Path, url: str) -> None:
    """COPY every table from the SQLite file into the (migrated, empty) database at `url`, a libpq
    URL: money as NUMERIC text, instants marked UTC, the rest as stored."""
    reader = sqlite3.connect(source)
    try:
        with psycopg.connect(url) as connection:
            for table, columns in COLUMNS.items():
                started = time.perf_counter()
                rows = reader.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")
                count = _copy(connection, table, columns, rows)
                connection.execute(
                    sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), {})").format(
                        sql.Literal(table), sql.Literal(max(count, 1))
                    )
                )
                print(f"  {table:<20}{count:>12,} rows in {time.perf_counter() - started:6.1f} s", flush=True)
    finally:
        reader.close()
    with psycopg.connect(url, autocommit=True) as connection:
        # A ledger in use has been vacuumed and analysed; a freshly copied one has not.
        connection.execute("VACUUM ANALYZE")


def _copy(
    connection: psycopg.Connection[Any], table: str, columns: Sequence[str], rows: Iterable[Row]
) -> int:
    money = [index for index, name in enumerate(columns) if name in MONEY_COLUMNS]
    instants = [index for index, name in enumerate(columns) if name in INSTANT_COLUMNS]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = list(row)
            for index in money:
                amount = values[index]
                if isinstance(amount, int):
                    units, fraction = divmod(amount, 10_000)
                    values[index] = f"{units}.{fraction:04d}"
            for index in instants:
                if values[index] is not None:
                    values[index] = f"{values[index]}+00"
            copy.write_row(values)
            count += 1
    return count


def kept_postgres(server: str, name: str, source: Path) -> str:
    """The database `name` on the server of `server`, holding the ledger of `source`: reused when it
    already holds as many rows as the SQLite file (migrated to the head first), else created again
    and copied into. Its SQLAlchemy URL."""
    url = (
        make_url(server)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    with psycopg.connect(libpq_url(server), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    if postgres_counts(url) == sqlite_counts(source):
        print(f"PostgreSQL: reusing the ledger in {name}")
        return url
    with psycopg.connect(libpq_url(server), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    print(f"PostgreSQL: copying the ledger into {name}", flush=True)
    started = time.perf_counter()
    copy_to_postgres(source, libpq_url(url))
    print(f"  copied in {time.perf_counter() - started:.1f} s")
    return url


def sqlite_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in COLUMNS
        }
    finally:
        connection.close()


def postgres_counts(url: str) -> dict[str, int]:
    with psycopg.connect(libpq_url(url)) as connection:
        counts = {}
        for table in COLUMNS:
            found = connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            counts[table] = int(found[0]) if found else 0
        return counts


# --- the children: one digest each, reported as one JSON line -------------------------------------


def reported_day(kind: PeriodKind, current: bool) -> date:
    """A day in the period the digest reports, as bot.reports.job.reported_day picks it at
    `now`: today for the day digest, a day of the week or month before for the others (or of the
    running week or month, for an on-demand report)."""
    if kind == "day" or current:
        return TODAY
    return previous(kind, period_for(kind, TODAY, LOCAL), LOCAL).start.astimezone(LOCAL).date()


def measure(kind: PeriodKind, url: str, current: bool, profile: bool) -> dict[str, Any]:
    # The default settings in the ledger's zone, whatever a .env file in the working directory says.
    settings = load_settings(_env_file=None, DATABASE_URL=url, COLLECT_TIMEZONE=ZONE)
    db = Database(url)
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    profiler = cProfile.Profile() if profile else None
    with db.reading() as session:
        started, used = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        report = build_report(session, kind, reported_day(kind, current), settings, NOW)
        if profiler:
            profiler.disable()
        seconds["build_report"] = time.perf_counter() - started
        cpu["build_report"] = time.process_time() - used
    db.dispose()
    outputs = _render(report, seconds, cpu)
    return {
        "kind": kind,
        "label": report.label,
        "seconds": seconds,
        "cpu": cpu,
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,  # kilobytes on Linux
        "agents": len(report.agents),
        "payments": len(report.payments),
        "promises": len(report.promises),
        **outputs,
        "profile": _profile_text(profiler) if profiler else "",
    }


def _render(report: PerformanceReport, seconds: dict[str, float], cpu: dict[str, float]) -> dict[str, int]:
    """Each step timed by the clock and by this process's CPU seconds (the machine may be shared;
    on PostgreSQL the server's own work is in the clock only)."""
    outputs: dict[str, Any] = {}
    for step, render in (
        ("digest_message", digest_message),
        ("report_chart", report_chart),
        ("report_workbook", report_workbook),
    ):
        started, used = time.perf_counter(), time.process_time()
        outputs[step] = render(report)
        seconds[step] = time.perf_counter() - started
        cpu[step] = time.process_time() - used
    return {
        "blocks": len(outputs["digest_message"].blocks),
        "png_bytes": len(outputs["report_chart"]),
        "xlsx_bytes": len(outputs["report_workbook"]),
    }


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def _child(args: argparse.Namespace, spec: LedgerSpec) -> int:
    if args.child == "generate":
        build_sqlite(Path(args.url), spec)
        return 0
    print(json.dumps(measure(args.child, args.url, args.current, args.profile)))
    return 0


# --- the parent: build the ledger, run the children, print the table ------------------------------


def _run(command: list[str], capture: bool) -> str:
    done = subprocess.run(command, capture_output=capture, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{command[-1]} failed ({done.returncode}):\n{done.stderr if capture else ''}")
    return done.stdout if capture else ""


def _child_command(args: argparse.Namespace, child: str, url: str) -> list[str]:
    command = [
        sys.executable, str(Path(__file__).resolve()), "--accounts", str(args.accounts), "--agents",
        str(args.agents), "--contacts", str(args.contacts), "--payments", str(args.payments),
    ]  # fmt: skip
    if args.current:
        command.append("--current")
    if args.profile:
        command.append("--profile")
    return [*command, "--url", url, "--child", child]


def cached_sqlite(args: argparse.Namespace, spec: LedgerSpec) -> Path:
    path = Path(args.sqlite)
    if not args.regenerate and is_cached(path, spec.fingerprint()):
        print(f"SQLite: reusing {path} ({path.stat().st_size / 1e6:,.0f} MB)")
        return path
    print(f"SQLite: generating {path}", flush=True)
    started = time.perf_counter()
    # In a process of its own, so that the parent (whose peak its children inherit) stays small.
    _run(_child_command(args, "generate", str(path)), capture=False)
    print(f"  generated in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:,.0f} MB)")
    return path


def run_digests(args: argparse.Namespace, label: str, url: str, counts: dict[str, int]) -> bool:
    print(f"{label}: " + ", ".join(f"{count:,} {table}" for table, count in counts.items()))
    print(f"  load average before: {_load()}", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {}
    for attempt in range(1, args.runs + 1):
        for kind in KINDS if args.kind == "all" else (args.kind,):
            found = json.loads(_run(_child_command(args, kind, url), capture=True).strip().splitlines()[-1])
            runs.setdefault(kind, []).append(found)
            print(
                f"  {kind} run {attempt}: {_total(found):.2f} s ("
                + ", ".join(
                    f"{step} {found['seconds'][step]:.2f} s, CPU {found['cpu'][step]:.2f}" for step in STEPS
                )
                + f"), peak {found['peak_kb'] / 1024:,.0f} MB",
                flush=True,
            )
            if found["profile"]:
                print(found["profile"])
    print(f"  load average after: {_load()}")
    return print_table(label, runs)


def _load() -> str:
    # Other work on the machine slows the digests down: shown so that a reader can tell.
    return " ".join(f"{load:.2f}" for load in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def _total(found: dict[str, Any]) -> float:
    return float(sum(found["seconds"].values()))


def print_table(label: str, runs: dict[str, list[dict[str, Any]]]) -> bool:
    """The steps of each digest's best run (the least disturbed by the rest of the machine), its
    median total over the runs, and the highest peak; PASS when the best total and the peak are
    within the goals."""
    print()
    print(f"  {label}, seconds (best of {len(next(iter(runs.values())))} runs)")
    steps = "".join(f"{step:>16}" for step in STEPS)
    print(f"  {'digest':<7}{'period':<26}{steps}{'total':>9}{'median':>9}{'CPU s':>9}{'peak MB':>9}  result")
    passed = True
    for found in runs.values():
        best = min(found, key=_total)
        peak_mb = max(run["peak_kb"] for run in found) / 1024
        limit = GOAL_MONTH_SECONDS if best["kind"] == "month" else GOAL_SECONDS
        ok = _total(best) < limit and peak_mb < GOAL_PEAK_MB
        passed = passed and ok
        seconds = "".join(f"{best['seconds'][step]:>16.2f}" for step in STEPS)
        median = statistics.median(_total(run) for run in found)
        print(
            f"  {best['kind']:<7}{best['label']:<26}{seconds}{_total(best):>9.2f}{median:>9.2f}"
            f"{sum(best['cpu'].values()):>9.2f}{peak_mb:>9,.0f}"
            f"  {'PASS' if ok else 'FAIL'}"
        )
    print(
        f"  {'':<7}{'in the report:':<26}{'agents':>16}{'payments':>16}{'promises':>16}{'blocks':>16}{'png / xlsx KB':>18}"
    )
    for found in runs.values():
        last = found[-1]
        sizes = f"{last['png_bytes'] / 1024:,.0f} / {last['xlsx_bytes'] / 1024:,.0f}"
        print(
            f"  {last['kind']:<7}{'':<26}{last['agents']:>16,}{last['payments']:>16,}{last['promises']:>16,}"
            f"{last['blocks']:>16,}{sizes:>18}"
        )
    goal = (
        f"month computed and rendered < {GOAL_MONTH_SECONDS:.0f} s, day and week < {GOAL_SECONDS:.0f} s,"
        f" peak < {GOAL_PEAK_MB / 1024:.0f} GB"
    )
    print(f"  goal: {goal}: {'PASS' if passed else 'FAIL'}")
    print()
    return passed


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--contacts", type=int, default=5_000_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument(
        "--sqlite", metavar="PATH", default=DEFAULT_SQLITE, help="the SQLite file (built when missing)"
    )
    parser.add_argument("--regenerate", action="store_true", help="rebuild the SQLite file even if cached")
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL, in a scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL scratch database")
    parser.add_argument(
        "--postgres-database", metavar="NAME", help="copy into (or reuse) this database, kept, instead"
    )
    parser.add_argument("--kind", choices=(*KINDS, "all"), default="all", help="the digest(s) to time")
    parser.add_argument("--runs", type=int, default=3, help="measurements of each digest (default 3)")
    parser.add_argument(
        "--current", action="store_true", help="the running week and month, not the last ones"
    )
    parser.add_argument("--profile", action="store_true", help="print cProfile's view of build_report")
    parser.add_argument("--child", choices=(*KINDS, "generate"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    spec = LedgerSpec(args.accounts, args.agents, args.contacts, args.payments)
    if args.child:
        return _child(args, spec)
    print(
        f"digests for {spec.agents} agents and {spec.accounts:,} accounts, a year of history to"
        f" {NOW.isoformat()} ({ZONE}), seed {spec.seed}, {os.cpu_count()} CPUs"
    )
    path = cached_sqlite(args, spec)
    passed = run_digests(args, "SQLite", f"sqlite:///{path}", sqlite_counts(path))
    if args.postgres and args.postgres_database:
        url = kept_postgres(args.postgres, args.postgres_database, path)
        passed = run_digests(args, "PostgreSQL", url, postgres_counts(url)) and passed
    elif args.postgres:
        with throwaway_postgres(args.postgres, "bench_digest", migrate=True, keep=args.keep) as url:
            print(f"PostgreSQL: copying the ledger into {make_url(url).database}", flush=True)
            started = time.perf_counter()
            copy_to_postgres(path, libpq_url(url))
            print(f"  copied in {time.perf_counter() - started:.1f} s")
            passed = run_digests(args, "PostgreSQL", url, postgres_counts(url)) and passed
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
