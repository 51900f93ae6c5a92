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

from bot.kpis.rules import days_period, period_for, previous
from bot.reports.job import closed_runs
from bot.reports.records.numbers import build_report
from bot.reports.render.text import report_lines
from schedules.runner import run_job, tick
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
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
    ),
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


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    length=st.integers(min_value=0, max_value=40),
    zone_name=st.sampled_from(ZONES),
)
def test_a_run_of_days_is_its_days_end_to_end(first: date, length: int, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    last = first + timedelta(days=length)
    run = days_period(first, last, zone)
    assert run.start == period_for("day", first, zone).start
    assert run.end == period_for("day", last, zone).end


# --- the scheduled digests over a month ----------------------------------------------------------------


def local(zone: ZoneInfo, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def plant_payments(
    bot: RunningBot, zone: ZoneInfo, first: date, last: date
) -> list[tuple[str, str, Decimal]]:
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


def run_scheduler(
    bot: RunningBot, zone: ZoneInfo, first: date, last: date, skip: frozenset[date] = frozenset()
) -> None:
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
        if f.completed
        and f.channel == CHANNEL
        and f.filename.startswith(prefix)
        and f.filename.endswith(".xlsx")
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


@pytest.mark.parametrize(
    ("zone_name", "country", "month"),
    [
        # The bot of a team in that zone and country, set so from its start.
        pytest.param(
            *case, marks=pytest.mark.settings(COLLECT_TIMEZONE=case[0], COLLECT_HOLIDAY_COUNTRY=case[1])
        )
        for case in MONTHS
    ],
)
def test_the_daily_digests_of_a_month_count_each_payment_once_and_add_up_to_the_monthly_one(
    bot: RunningBot, zone_name: str, country: str, month: date
) -> None:
    runtime = bot.runtime
    assert (runtime.settings.timezone, runtime.settings.holiday_country) == (zone_name, country)
    zone = ZoneInfo(zone_name)
    add_agent(runtime.db, AGENT, "Ana Agent", monthly_target=Decimal("20000"))
    add_account(runtime.db, "US-1", "900000.00", due_date=month - timedelta(days=40))
    add_account(runtime.db, "BR-1", "900000.00", currency="BRL", due_date=month - timedelta(days=40))
    next_month = period_for("month", month, zone).end.astimezone(zone).date()
    last_day = next_month - timedelta(days=1)
    planted = plant_payments(bot, zone, month - timedelta(days=2), next_month + timedelta(days=1))
    planted_at = _received(bot)
    in_month = [
        (ref, cur, amount)
        for ref, cur, amount in planted
        if period_for("month", month, zone).contains(planted_at[ref])
    ]
    # The bot runs from a few days before the month until the first working days of the next one.
    calendar = runtime.settings.work_calendar
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
            str(ref): at if at.tzinfo else at.replace(tzinfo=UTC)
            for ref, at in session.execute(select(Payment.reference, Payment.received_at))
        }


def channel_texts(bot: RunningBot) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in bot.slack.messages(CHANNEL)]


# --- hand cases: the report, the headers, the closed week and month ---------------------------------------

NY = ZoneInfo("America/New_York")


def pay(bot: RunningBot, reference: str, amount: str, at: datetime) -> None:
    with bot.runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "US-1")).one()
        session.add(
            Payment(
                account_pk=account.id, amount=Decimal(amount), currency="USD", method="card", reference=reference,
                received_at=at, recorded_by=AGENT, source="slack", created_at=at,
            )
        )  # fmt: skip


@pytest.fixture
def ny_team(bot: RunningBot) -> RunningBot:
    add_agent(bot.runtime.db, AGENT, "Ana Agent", monthly_target=Decimal("20000"))
    add_agent(bot.runtime.db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    add_account(bot.runtime.db, "US-1", "90000.00", due_date=date(2026, 9, 1))
    return bot


def test_a_report_shows_the_day_so_far_labelled_with_its_end_and_2330_and_0015_fall_on_their_days(
    ny_team: RunningBot,
) -> None:
    bot = ny_team
    # Saturday 31 October 2026 23:30 and Sunday 1 November 00:15, the night before the clocks go back.
    pay(bot, "LATE", "111.11", local(NY, date(2026, 10, 31), 23, 30))
    pay(bot, "EARLY", "222.22", local(NY, date(2026, 11, 1), 0, 15))
    bot.clock.set(local(NY, date(2026, 10, 31), 23, 45))
    saturday = bot.send.slash_command("U0SUPER1", "report day").body
    assert "Saturday 31 October 2026, to 23:45 (so far)" in saturday
    assert "From Sat 31 Oct 2026 00:00 to Sat 31 Oct 2026 23:45" in saturday
    assert "$111.11" in saturday and "$222.22" not in saturday
    bot.clock.set(local(NY, date(2026, 11, 1), 0, 20))
    sunday = bot.send.slash_command("U0SUPER1", "report day").body
    assert "Sunday 1 November 2026, to 00:20 (so far)" in sunday
    assert "$222.22" in sunday and "$111.11" not in sunday
    # The month so far says where it was cut, with the day (a week's or month's cut is on some day).
    month = bot.send.slash_command("U0SUPER1", "report month").body
    assert "November 2026, to Sunday 1 November 00:20 (so far)" in month
    # `collect-bot report` shows the same period, labelled the same way.
    with bot.runtime.db.reading() as session:
        report = build_report(session, "day", bot.runtime.today(), bot.runtime.settings, bot.runtime.now())
    assert (
        next(report_lines(report))
        == "Performance: Sunday 1 November 2026, to 00:20 (so far) (America/New_York)"
    )


def test_the_weekly_and_monthly_digests_count_the_whole_period_before_to_its_last_midnight(
    ny_team: RunningBot,
) -> None:
    bot = ny_team
    # Sunday 29 November 2026 ends a week; Monday 30 November is the month's last day and starts a week.
    pay(bot, "SUN-2330", "100.00", local(NY, date(2026, 11, 29), 23, 30))
    pay(bot, "MON-0015", "20.00", local(NY, date(2026, 11, 30), 0, 15))
    pay(bot, "MON-2330", "3.00", local(NY, date(2026, 11, 30), 23, 30))
    pay(bot, "TUE-0015", "0.40", local(NY, date(2026, 12, 1), 0, 15))
    for day in (date(2026, 11, 30), date(2026, 12, 1)):
        bot.clock.set(local(NY, day, 8, 5))
        tick(bot.runtime, by="test")
    week = sheets(bot, "collections-week-")["collections-week-2026-11-23.xlsx"]
    assert sorted(row["Reference"] for row in week) == ["SUN-2330"]
    month = sheets(bot, MONTHLY_FILE)["collections-month-2026-11-01.xlsx"]
    assert sorted(row["Reference"] for row in month) == ["MON-0015", "MON-2330", "SUN-2330"]
    texts = channel_texts(bot)
    assert any(
        "Weekly numbers — week of 23 November 2026" in t
        and "From Mon 23 Nov 2026 00:00 to the end of Sun 29 Nov 2026" in t
        for t in texts
    )
    assert any(
        "Monthly numbers — November 2026" in t
        and "From Sun 01 Nov 2026 00:00 to the end of Mon 30 Nov 2026" in t
        for t in texts
    )


@pytest.mark.settings(COLLECT_HOLIDAY_COUNTRY="US")
def test_a_day_the_bot_was_down_is_in_the_next_digest(ny_team: RunningBot) -> None:
    bot = ny_team
    for day in range(23, 28):
        pay(bot, f"EVENING-{day}", "10.00", local(NY, date(2026, 11, day), 19, 0))
    # Monday, then down on Tuesday and Wednesday; Thursday is Thanksgiving (no digest, with US holidays).
    down = frozenset({date(2026, 11, 24), date(2026, 11, 25)})
    run_scheduler(bot, NY, date(2026, 11, 23), date(2026, 11, 27), skip=down)
    daily = sheets(bot, DAILY_FILE)
    assert {name: sorted(row["Reference"] for row in rows) for name, rows in daily.items()} == {
        # Monday's digest: Friday 20 to Sunday 22 (nothing paid then).
        "collections-day-2026-11-20.xlsx": [],
        # Friday's: Monday (reported by nobody, the bot was down) to Thursday.
        "collections-day-2026-11-23.xlsx": ["EVENING-23", "EVENING-24", "EVENING-25", "EVENING-26"],
    }
    assert any("Daily numbers — Monday 23 to Thursday 26 November 2026" in t for t in channel_texts(bot))


def test_running_the_daily_digest_again_or_by_hand_reports_no_day_twice(ny_team: RunningBot) -> None:
    bot = ny_team
    pay(bot, "MON", "10.00", local(NY, date(2026, 11, 23), 19, 0))
    tuesday = local(NY, date(2026, 11, 24), 17, 30)
    bot.clock.set(tuesday)
    assert (
        "Monday 23 November 2026"
        in run_job(bot.runtime, "performance-digest-day", tuesday, by="test").message
    )
    assert "already ran" in run_job(bot.runtime, "performance-digest-day", tuesday, by="again").message
    # By hand later the same evening, or as if on Monday: Monday is not reported again.
    late = local(NY, date(2026, 11, 24), 23, 0)
    assert "already ran" in run_job(bot.runtime, "performance-digest-day", late, by="hand").message
    monday = local(NY, date(2026, 11, 23), 18, 0)
    said = run_job(bot.runtime, "performance-digest-day", monday, by="hand").message
    assert said == "Monday 23 November 2026, to 18:00 (so far) for the supervisors: digests queued"
    tick(bot.runtime, by="test")
    assert [sorted(r["Reference"] for r in rows) for rows in sheets(bot, DAILY_FILE).values()] == [["MON"]]


@pytest.mark.parametrize(
    ("first", "last", "runs"),
    [
        (date(2026, 11, 24), date(2026, 11, 24), [(date(2026, 11, 24), date(2026, 11, 24))]),
        (date(2026, 11, 20), date(2026, 11, 22), [(date(2026, 11, 20), date(2026, 11, 22))]),
        # Friday to Monday (a holiday): cut where the week starts.
        (
            date(2026, 10, 2),
            date(2026, 10, 5),
            [(date(2026, 10, 2), date(2026, 10, 4)), (date(2026, 10, 5), date(2026, 10, 5))],
        ),
        # Friday 30 October to Sunday 1 November: cut where the month starts.
        (
            date(2026, 10, 30),
            date(2026, 11, 1),
            [(date(2026, 10, 30), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 1))],
        ),
    ],
)
def test_closed_runs_are_cut_where_a_week_or_a_month_starts(
    first: date, last: date, runs: list[tuple[date, date]]
) -> None:
    assert closed_runs(first, last) == runs


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    length=st.integers(min_value=0, max_value=80),
)
def test_closed_runs_cover_each_day_once_and_stay_in_one_week_and_month(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    runs = closed_runs(first, last)
    days = [start + timedelta(days=n) for start, end in runs for n in range((end - start).days + 1)]
    assert days == [first + timedelta(days=n) for n in range(length + 1)]
    for start, end in runs:
        assert (start.year, start.month) == (end.year, end.month)
        assert start.isocalendar()[:2] == end.isocalendar()[:2]
