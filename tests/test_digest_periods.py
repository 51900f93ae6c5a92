"""Every payment in exactly one daily digest, and every period cut at the team's midnight.

The scheduled daily digest reports closed days: on each working day it posts the days since the
last one it reported, complete to their midnight (Monday's covers Friday to Sunday), and, for the
supervisors, today so far, labelled with the moment it was cut. The weekly and monthly digests
report the closed week and month before. These tests drive the real scheduler with the clock in
hand and read back what reached Slack."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.calendar import WorkCalendar
from bot.kpis.formulas import period_for, previous
from schedules.runner import tick
from storage.models import Account, Payment
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent

AGENT = "U0AGENT1"
CHANNEL = "C0SUPERVISORS"
DAILY_FILE = "collections-day-"
MONTHLY_FILE = "collections-month-"

# --- the plain period functions ---------------------------------------------------------------------

ZONES = ["America/New_York", "America/Sao_Paulo", "Europe/Lisbon", "Australia/Lord_Howe", "UTC"]


@settings(max_examples=400, deadline=None)
@given(
    instant=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)),
    zone_name=st.sampled_from(ZONES),
    kind=st.sampled_from(["day", "week", "month"]),
)
def test_each_instant_is_in_the_period_of_its_team_day_and_no_other(
    instant: datetime, zone_name: str, kind: Any
) -> None:
    """The day (week, month) an instant belongs to is the one of its wall-clock date in the team's
    zone; the period before ends exactly where it starts, so no instant is in two or in none."""
    zone = ZoneInfo(zone_name)
    day = instant.astimezone(zone).date()
    period = period_for(kind, day, zone)
    assert period.contains(instant)
    before = previous(kind, period, zone)
    assert before.end == period.start and not before.contains(instant)
    after = period_for(kind, period.end.astimezone(zone).date(), zone)
    assert after.start == period.end and not after.contains(instant)


def readings(day: date, at: time, zone: ZoneInfo) -> list[datetime]:
    """The instants a team-local wall-clock time stands for: two in a repeated hour, one otherwise.
    A time a DST jump skipped is read as the bot reads a skipped midnight (bot.calendar.start_of_day:
    the offset before the jump), which lands just after the jump, on the same day."""
    first = datetime.combine(day, at, tzinfo=zone)
    found = [first]
    second = first.replace(fold=1)
    if second.utcoffset() != first.utcoffset() and second.astimezone(UTC).astimezone(zone).time() == at:
        found.append(second)  # a repeated hour: both happened
    return found


@settings(max_examples=400, deadline=None)
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    zone_name=st.sampled_from(ZONES),
)
@example(day=date(2016, 10, 15), zone_name="America/Sao_Paulo")  # midnight of the 16th skipped
@example(day=date(2018, 11, 3), zone_name="America/Sao_Paulo")  # midnight of the 4th skipped
@example(day=date(2019, 2, 16), zone_name="America/Sao_Paulo")  # 23:00-23:59 of the 16th twice
@example(day=date(2026, 10, 31), zone_name="America/New_York")
@example(day=date(2026, 11, 1), zone_name="America/New_York")  # 01:00-01:59 twice
@example(day=date(2026, 3, 8), zone_name="America/New_York")  # 02:00-02:59 skipped
@example(day=date(2026, 10, 25), zone_name="Europe/Lisbon")
@example(day=date(2026, 3, 29), zone_name="Europe/Lisbon")
def test_2330_is_that_day_and_0015_the_next_across_dst_changes(day: date, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    following = day + timedelta(days=1)
    for instant in readings(day, time(23, 30), zone):
        assert period_for("day", day, zone).contains(instant)
        assert not period_for("day", following, zone).contains(instant)
    for instant in readings(following, time(0, 15), zone):
        assert period_for("day", following, zone).contains(instant)
        assert not period_for("day", day, zone).contains(instant)


# --- the scheduled digests over a month ----------------------------------------------------------------


def local(zone: ZoneInfo, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def plant_payments(bot: RunningBot, zone: ZoneInfo, first: date, last: date) -> list[tuple[str, str, Decimal]]:
    """Payments at noon, 19:00, 23:30 and 00:15 team time every day from `first` to `last`, in two
    currencies, each with a reference of its own and a distinct amount. Returns (reference, currency,
    amount) for each."""
    planted = []
    with bot.runtime.db.transaction() as session:
        accounts = {a.currency: a for a in session.scalars(select(Account))}
        day, n = first, 0
        while day <= last:
            for hour, minute in ((0, 15), (12, 0), (19, 0), (23, 30)):
                n += 1
                currency = "USD" if n % 3 else "BRL"
                amount = Decimal(n) + Decimal("0.01") * (n % 97)
                at = local(zone, day, hour, minute)
                session.add(
                    Payment(
                        account_pk=accounts[currency].id, amount=amount, currency=currency, method="card",
                        reference=f"P-{n}", received_at=at, recorded_by=AGENT, source="slack", created_at=at,
                    )
                )  # fmt: skip
                planted.append((f"P-{n}", currency, amount, at))
            day += timedelta(days=1)
    return [(ref, cur, amount) for ref, cur, amount, _at in planted]


def run_scheduler(bot: RunningBot, zone: ZoneInfo, first: date, last: date, skip: frozenset[date] = frozenset()) -> None:
    """The scheduler's ticks each day: in the morning (worklists, weekly and monthly digests), after
    the daily digest time and just before midnight; on a day in `skip` the bot is down."""
    day = first
    while day <= last:
        if day not in skip:
            for hour, minute in ((8, 5), (17, 35), (23, 55)):
                bot.clock.set(local(zone, day, hour, minute))
                tick(bot.runtime, by="test")
        day += timedelta(days=1)


def payments_sheet(data: bytes) -> list[dict[str, Any]]:
    rows = list(openpyxl.load_workbook(io.BytesIO(data))["Payments"].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if row and row[0] is not None]


def sheets(bot: RunningBot, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """The spreadsheets the digests uploaded to the supervisors' channel, by file name."""
    return {
        f.filename: payments_sheet(f.data)
        for f in bot.slack.uploaded_files.values()
        if f.completed and f.channel == CHANNEL and f.filename.startswith(prefix) and f.filename.endswith(".xlsx")
    }


def totals(rows: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for currency, amount in rows:
        out[currency] = out.get(currency, Decimal(0)) + amount
    return out


MONTHS = [
    # New York: the clocks go back on Sunday 1 November 2026; Thanksgiving on Thursday 26 November.
    ("America/New_York", "US", date(2026, 11, 1)),
    # Lisbon: the clocks go back on Sunday 25 October 2026; Republic Day on Monday 5 October, so
    # Tuesday's digest reaches back to Friday across the week's edge.
    ("Europe/Lisbon", "PT", date(2026, 10, 1)),
    # São Paulo in 2018: midnight of Sunday 4 November never happened (clocks jumped to 01:00).
    ("America/Sao_Paulo", "BR", date(2018, 11, 1)),
]


@pytest.mark.parametrize(("zone_name", "country", "month"), MONTHS)
def test_the_daily_digests_of_a_month_count_each_payment_once_and_add_up_to_the_monthly_one(
    bot: RunningBot, zone_name: str, country: str, month: date
) -> None:
    runtime = bot.runtime
    runtime.settings.timezone = zone_name
    runtime.settings.holiday_country = country
    zone = ZoneInfo(zone_name)
    add_agent(runtime.db, AGENT, "Ana Agent", monthly_target=Decimal("20000"))
    add_account(runtime.db, "US-1", "900000.00", due_date=month - timedelta(days=40))
    add_account(runtime.db, "BR-1", "900000.00", currency="BRL", due_date=month - timedelta(days=40))
    next_month = period_for("month", month, zone).end.astimezone(zone).date()
    last_day = next_month - timedelta(days=1)
    planted = plant_payments(bot, zone, month - timedelta(days=2), next_month + timedelta(days=1))
    planted_at = {ref: at for ref, at in _received(bot).items()}
    in_month = [(ref, cur, amount) for ref, cur, amount in planted if period_for("month", month, zone).contains(planted_at[ref])]
    # The bot runs from a few days before the month until the first working days of the next one.
    calendar = WorkCalendar.from_settings(runtime.settings)
    after = next_month
    while not calendar.is_working_day(after):
        after += timedelta(days=1)
    run_scheduler(bot, zone, month - timedelta(days=3), after + timedelta(days=1))

    daily = sheets(bot, DAILY_FILE)
    monthly = sheets(bot, MONTHLY_FILE)[f"{MONTHLY_FILE}{month.isoformat()}.xlsx"]
    # The daily digests whose days lie in the month (a daily digest never crosses a month's edge).
    counted = Counter(
        row["Reference"]
        for name, rows in daily.items()
        if month <= date.fromisoformat(name[len(DAILY_FILE) :][:10]) <= last_day
        for row in rows
    )
    assert counted == Counter(ref for ref, _cur, _amount in in_month)  # each exactly once, none missing
    assert totals([(cur, amount) for _ref, cur, amount in in_month]) == totals(
        [(row["Currency"], Decimal(str(row["Amount"]))) for row in monthly]
    )
    # Every payment before the next month's last closed day is in some daily digest, once.
    everything = Counter(row["Reference"] for rows in daily.values() for row in rows)
    assert max(everything.values()) == 1
    assert {ref for ref, _c, _a in in_month} <= set(everything)


def _received(bot: RunningBot) -> dict[str, datetime]:
    with bot.runtime.db.reading() as session:
        return {
            ref: at if at.tzinfo else at.replace(tzinfo=UTC)
            for ref, at in session.execute(select(Payment.reference, Payment.received_at))
        }


def channel_texts(bot: RunningBot) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in bot.slack.messages(CHANNEL)]
