"""The portfolio figures of a performance report (aging at the opening and the close, roll rates,
CEI, cure and paid-off rates) on portfolios planted in the real database, each expected figure
worked out by hand in the comments next to it. Then the same figures rebuilt from plain data by
the reference definitions of bot.kpis.rules, compared with what the report's SQL sums."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.blocks.digest import digest_message
from bot.calendar import local_day
from bot.kpis import rules as kpi
from bot.ledger.rules.accounts import account_key
from bot.outbox.job import deliver_due
from bot.reports.model import PerformanceReport, PeriodKind
from bot.reports.records.numbers import build_report
from bot.reports.render.spreadsheet import report_workbook
from bot.reports.render.text import report_lines
from schedules.runner import run_job
from storage.database import Database
from storage.models import Account, Payment
from tests.conftest import RunningBot, bot_settings
from tests.portfolio import add_agent

NY = ZoneInfo("America/New_York")
D = Decimal
BUCKETS = ["current", "1-30", "31-60", "61-90", "91-120", "120+"]
OCT_15 = datetime(2026, 10, 15, 12, tzinfo=NY)


def ny(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def plant(
    db: Database,
    account_id: str,
    balance: str,
    due: date,
    *,
    currency: str = "USD",
    entered: datetime = OCT_15,
    payments: tuple[tuple[datetime, str], ...] = (),
) -> None:
    """An account with today's balance, and the payments received on it (already taken off)."""
    with db.transaction() as session:
        account = Account(
            account_id=account_id, account_key=account_key(account_id), customer_name="Maria Silva",
            currency=currency, balance=D(balance), due_date=due, assigned_to=None, status="active",
            created_at=entered, updated_at=entered,
        )  # fmt: skip
        session.add(account)
        session.flush()
        for n, (at, amount) in enumerate(payments):
            session.add(
                Payment(
                    account_pk=account.id, amount=D(amount), currency=currency, method="card",
                    reference=f"{account_id}-{n}", received_at=at, recorded_by="feed", source="import",
                    created_at=at,
                )
            )  # fmt: skip


def report(db: Database, kind: PeriodKind, day: date, now: datetime) -> PerformanceReport:
    with db.reading() as session:
        return build_report(session, kind, day, bot_settings("sqlite://"), now.astimezone(UTC))


def buckets(*values: str) -> dict[str, Decimal]:
    return dict(zip(BUCKETS, map(D, values), strict=True))


# --- The opening of a period is the closing of the one before ------------------------------------------


@pytest.fixture
def two_days(db: Database) -> Database:
    """Monday 23 and Tuesday 24 November 2026, read on Wednesday morning."""
    plant(db, "DUE-MON", "1000.00", date(2026, 11, 23))  # current on Monday (DPD 0), 1-30 on Tuesday
    plant(db, "DUE-OCT-24", "500.00", date(2026, 10, 24))  # DPD 30 on Monday, 31 on Tuesday
    # Not yet due; 200 paid on Tuesday: 300 before, 100 after.
    plant(db, "NOT-DUE", "100.00", date(2026, 12, 10), payments=((ny(11, 24, 10), "200.00"),))
    return db


def test_a_day_opens_with_the_aging_the_day_before_closed_with(two_days: Database) -> None:
    wednesday = ny(11, 25, 9)
    monday = report(two_days, "day", date(2026, 11, 23), wednesday)
    tuesday = report(two_days, "day", date(2026, 11, 24), wednesday)
    # Monday's close, by days past due on Monday: current DUE-MON 1000 + NOT-DUE 300, 1-30 DUE-OCT-24 500.
    assert monday.team.aging["USD"] == buckets("1300.00", "500.00", "0", "0", "0", "0")
    # Tuesday opens exactly so (days past due at the end of Monday) ...
    assert tuesday.team.aging_previous == monday.team.aging
    # ... and closes by days past due on Tuesday: NOT-DUE 100 current, DUE-MON 1-30, DUE-OCT-24 31-60.
    assert tuesday.team.aging["USD"] == buckets("100.00", "1000.00", "500.00", "0", "0", "0")


def test_a_day_has_roll_rates(two_days: Database) -> None:
    tuesday = report(two_days, "day", date(2026, 11, 24), ny(11, 25, 9))
    rolls = tuesday.team.roll_rates["USD"]
    # current -> 1-30: DUE-MON 1000 of the 1300 current at the opening = 0.76923...
    assert rolls["current"] == pytest.approx(D(1000) / D(1300), abs=D("0.0001"))
    # 1-30 -> 31-60: DUE-OCT-24, all of the 500 in 1-30 at the opening.
    assert rolls["1-30"] == 1


# --- A month: CEI with B and N apart, N when it fell delinquent, cured and paid off -------------------------


@pytest.fixture
def november(db: Database) -> Database:
    """November 2026, read on Tuesday 1 December at 09:00 in New York. Each account's story is
    next to it; the expected figures are worked out in the tests below."""
    # Due 2 October: DPD 29 at the end of 31 October (1-30); paid off on 12 November.
    plant(db, "PAID", "0.00", date(2026, 10, 2), payments=((ny(11, 12), "800.00"),))
    # Due 1 October: DPD 30 at the end of 31 October (1-30), 60 at the end of 30 November (31-60).
    plant(db, "ROLLS", "700.00", date(2026, 10, 1))
    # Due 10 November, 1000 on 1 November; 400 paid on 5 November while it was current, so it fell
    # delinquent (midnight 11 November) owing 600; 100 paid on 20 November; owes 500 (DPD 20, 1-30).
    plant(
        db, "FELL-LATE", "500.00", date(2026, 11, 10),
        payments=((ny(11, 5), "400.00"), (ny(11, 20), "100.00")),
    )  # fmt: skip
    # Due 31 October, the day before the month: current at the opening (DPD 0 at the end of
    # 31 October), delinquent from midnight 1 November owing 300, untouched (DPD 30 at the close).
    plant(db, "DUE-EVE", "300.00", date(2026, 10, 31))
    # Not due until 15 December: 2500 at the opening, 500 paid on 25 November.
    plant(db, "CURRENT", "2000.00", date(2026, 12, 15), payments=((ny(11, 25), "500.00"),))
    # A new billing: first in the feed on 16 November with 1000, due 20 December; 100 paid on 27 November.
    plant(
        db, "BILLED", "900.00", date(2026, 12, 20), entered=ny(11, 16, 10),
        payments=((ny(11, 27), "100.00"),),
    )  # fmt: skip
    # Imported on 1 December, before the report: due 1 September, DPD 60 at the end of 31 October
    # (31-60), 90 at the end of 30 November (61-90). In the aging (rebuilt) but billed after November.
    plant(db, "LATE-IMPORT", "250.00", date(2026, 9, 1), entered=datetime(2026, 12, 1, 13, tzinfo=UTC))
    # BRL, due 15 August: DPD 77 at the opening (61-90), 107 at the close (91-120); 500 paid at
    # 23:30 on 30 November, still November in New York.
    plant(
        db, "BRL-OLD", "1000.00", date(2026, 8, 15), currency="BRL", entered=ny(10, 1),
        payments=((ny(11, 30, 23, 30), "500.00"),),
    )  # fmt: skip
    return db


DECEMBER_1_9AM = ny(12, 1, 9)


def month(db: Database) -> PerformanceReport:
    return report(db, "month", date(2026, 11, 1), DECEMBER_1_9AM)


def test_a_month_opens_with_the_previous_months_close_and_rolls_on_its_last_day(november: Database) -> None:
    october = report(november, "month", date(2026, 10, 1), DECEMBER_1_9AM)
    team = month(november).team
    assert team.aging_previous == october.team.aging
    # Opening: current DUE-EVE 300 + FELL-LATE 1000 + CURRENT 2500 + BILLED 1000 = 4800;
    # 1-30 PAID 800 + ROLLS 700 = 1500; 31-60 LATE-IMPORT 250. BRL: 61-90 1500.
    assert team.aging_previous["USD"] == buckets("4800.00", "1500.00", "250.00", "0", "0", "0")
    assert team.aging_previous["BRL"] == buckets("0", "0", "0", "1500.00", "0", "0")
    # Closing: current CURRENT 2000 + BILLED 900; 1-30 FELL-LATE 500 + DUE-EVE 300; 31-60 ROLLS 700;
    # 61-90 LATE-IMPORT 250. BRL: 91-120 1000.
    assert team.aging["USD"] == buckets("2900.00", "800.00", "700.00", "250.00", "0", "0")
    assert team.aging["BRL"] == buckets("0", "0", "0", "0", "1000.00", "0")
    rolls = team.roll_rates["USD"]
    # current -> 1-30: FELL-LATE 1000 + DUE-EVE 300 of 4800 = 0.2708...; 1-30 -> 31-60: ROLLS 700 of
    # 1500 (the 30th day past due is still 1-30 at the opening); 31-60 -> 61-90: 250 of 250.
    assert rolls["current"] == pytest.approx(D(1300) / D(4800), abs=D("0.0001"))
    assert rolls["1-30"] == pytest.approx(D(700) / D(1500), abs=D("0.0001"))
    assert rolls["31-60"] == 1
    assert team.roll_rates["BRL"]["61-90"] == 1


def test_the_cei_counts_each_account_once_at_the_balance_it_fell_delinquent_with(november: Database) -> None:
    team = month(november).team
    # USD: B = PAID 800 + ROLLS 700 + LATE-IMPORT 250 = 1750 (delinquent at the opening);
    # N = FELL-LATE 600 (at midnight 11 November) + DUE-EVE 300 (at midnight 1 November) = 900;
    # E = 0 + 700 + 250 + 500 + 300 = 1750; C = 0 (all of them still late or paid).
    # CEI = (1750 + 900 - 1750) / (1750 + 900 - 0) x 100 = 900 / 2650 x 100 = 33.96...
    # (what was collected on them once late: PAID 800 + FELL-LATE 100).
    assert team.cei["USD"] == pytest.approx(D(90000) / D(2650), abs=D("0.0001"))
    # BRL: B = 1500, N = 0, E = 1000, C = 0: 500 / 1500 x 100.
    assert team.cei["BRL"] == pytest.approx(D(100) / D(3), abs=D("0.0001"))


def test_cured_and_paid_off_are_told_apart(november: Database) -> None:
    team = month(november).team
    # Delinquent at the opening: PAID 800, ROLLS 700, LATE-IMPORT 250 = 1750 (USD); BRL-OLD 1500.
    # Cured (current again and still owing): none. Paid off (owing nothing at the close): PAID 800.
    assert team.cure_rate == {"USD": 0, "BRL": 0}
    assert team.paid_off_rate["USD"] == pytest.approx(D(800) / D(1750), abs=D("0.0001"))
    assert team.paid_off_rate["BRL"] == 0


def test_the_monthly_cei_over_all_receivables(november: Database) -> None:
    team = month(november).team
    # Receivables at the opening (in the feed before 1 November): PAID 800 + ROLLS 700 + FELL-LATE 1000
    # + DUE-EVE 300 + CURRENT 2500 = 5300. New billings: BILLED, 1000 when it entered on 16 November.
    # At the close (in the feed before 1 December): 0 + 700 + 500 + 300 + 2000 + 900 = 4400, of which
    # current CURRENT 2000 + BILLED 900 = 2900. LATE-IMPORT entered after the close: in none of them.
    # (5300 + 1000 - 4400) / (5300 + 1000 - 2900) x 100 = 1900 / 3400 x 100 = 55.88...
    # (everything collected in November: 800 + 400 + 100 + 500 + 100 = 1900).
    assert team.cei_all_receivables["USD"] == pytest.approx(D(190000) / D(3400), abs=D("0.0001"))
    # BRL: 1500 at the opening, nothing billed, 1000 at the close, none current: 500 / 1500 x 100.
    assert team.cei_all_receivables["BRL"] == pytest.approx(D(100) / D(3), abs=D("0.0001"))


def test_the_three_renderings_show_the_portfolio_figures_alike(november: Database) -> None:
    monthly = month(november)
    blocks = json.dumps(digest_message(monthly).blocks, ensure_ascii=False)
    assert "*CEI, delinquent accounts:* USD 34.0% · BRL 33.3%" in blocks
    assert "*CEI, all receivables:* USD 55.9% · BRL 33.3%" in blocks
    assert "*Cured (current again):* USD 0.0% · BRL 0.0%" in blocks
    assert "*Paid off:* USD 45.7% · BRL 0.0%" in blocks
    lines = "\n".join(report_lines(monthly))
    assert "USD: CEI 34.0% · CEI over all receivables 55.9% · cured 0.0% · paid off 45.7%" in lines
    book = openpyxl.load_workbook(io.BytesIO(report_workbook(monthly)))
    summary = {
        (row[0].value, row[1].value): row[2] for row in book["Summary"].iter_rows(min_row=2) if row[0].value
    }
    cei = summary[("CEI, delinquent accounts", "USD")]
    assert cei.value == pytest.approx(0.339623, abs=1e-4) and cei.number_format == "0.0%"
    assert summary[("CEI, all receivables", "USD")].value == pytest.approx(0.558824, abs=1e-4)
    assert summary[("Cure rate (current again)", "USD")].value == 0
    assert summary[("Paid-off rate", "USD")].value == pytest.approx(0.457143, abs=1e-4)


def test_a_weekly_digest_shows_no_cei_over_all_receivables(november: Database) -> None:
    weekly = report(november, "week", date(2026, 11, 23), DECEMBER_1_9AM)
    assert "all receivables" not in json.dumps(digest_message(weekly).blocks)


# --- Nothing collected is 0, everything collected is 100 ---------------------------------------------------


@pytest.fixture
def running_week(db: Database) -> Database:
    plant(db, "DUE-SUNDAY", "1000.00", date(2026, 11, 22))  # falls delinquent at midnight Monday: N
    plant(db, "OLD", "500.00", date(2026, 10, 1))  # delinquent at the opening: B
    plant(db, "NOT-DUE", "800.00", date(2026, 12, 20))
    return db


def test_a_week_with_nothing_collected_has_a_cei_of_0(running_week: Database) -> None:
    week = report(running_week, "week", date(2026, 11, 23), ny(11, 23, 10))
    # B = 500, N = 1000 (not in B: DPD 0 at the end of Sunday), E = 1500, C = 0: 0 / 1500.
    assert week.team.cei == {"USD": 0}


def test_a_week_that_collected_everything_late_has_a_cei_of_100(db: Database) -> None:
    plant(db, "DUE-SUNDAY", "0.00", date(2026, 11, 22), payments=((ny(11, 24), "1000.00"),))
    plant(db, "OLD", "0.00", date(2026, 10, 1), payments=((ny(11, 25), "500.00"),))
    week = report(db, "week", date(2026, 11, 23), ny(11, 26, 10))
    assert week.team.cei == {"USD": 100}


# --- The report's sums against the definitions on plain data ------------------------------------------------


@dataclass(frozen=True)
class Planted:
    currency: str
    balance_now: Decimal
    due: date
    entered: datetime
    payments: tuple[tuple[datetime, Decimal], ...]


amounts = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
instants = st.datetimes(
    min_value=datetime(2026, 11, 1), max_value=datetime(2026, 12, 10), timezones=st.just(NY)
)
# Days periods start on or end with, and due dates at the edges of the buckets around them: where
# an off-by-one day would show.
ANCHORS = [date(2026, 11, 1), date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 30), date(2026, 12, 1)]
EDGES = [0, 1, 2, 3, 30, 31, 32, 60, 61, 62, 90, 91, 92, 120, 121, 122]
days = st.sampled_from(ANCHORS) | st.dates(date(2026, 10, 20), date(2026, 12, 5))
due_dates = st.builds(
    lambda anchor, back: anchor - timedelta(days=back), st.sampled_from(ANCHORS), st.sampled_from(EDGES)
)
accounts = st.builds(
    Planted,
    currency=st.sampled_from(["USD", "BRL"]),
    balance_now=st.decimals(min_value=D("-50"), max_value=D("5000"), places=2),
    due=due_dates | st.dates(date(2026, 7, 1), date(2026, 12, 31)),
    entered=instants,
    payments=st.lists(st.tuples(instants, amounts), max_size=4).map(tuple),
)


def histories(planted: list[Planted]) -> list[kpi.AccountHistory]:
    return [
        kpi.AccountHistory(n, p.currency, p.balance_now, p.due, p.entered, p.payments)
        for n, p in enumerate(planted, 1)
    ]


def reference(kind: PeriodKind, day: date, now: datetime, planted: list[Planted]) -> kpi.PortfolioFigures:
    """The portfolio figures from the plain definitions, account by account."""
    period = kpi.period_for(kind, day, NY)
    flows = [kpi.account_flow(history, period, now, NY) for history in histories(planted)]
    return kpi.portfolio_figures(flows)


def figures(team: Any) -> kpi.PortfolioFigures:
    return kpi.PortfolioFigures(
        team.aging,
        team.aging_previous,
        team.roll_rates,
        team.cei,
        team.cei_all_receivables,
        team.cure_rate,
        team.paid_off_rate,
    )


@pytest.fixture
def empty_db(db: Database) -> Iterator[Database]:
    yield db


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(accounts, max_size=12),
    st.sampled_from(["day", "week", "month"]),
    days,
    st.datetimes(min_value=datetime(2026, 11, 2), max_value=datetime(2026, 12, 12), timezones=st.just(NY)),
)
def test_the_reports_sums_are_the_definitions_account_by_account(
    empty_db: Database, planted: list[Planted], kind: PeriodKind, day: date, now: datetime
) -> None:
    assume(now >= kpi.period_for(kind, day, NY).start)  # a period not begun has nothing to report
    # What the database holds at `now`: accounts already in the feed, payments already received.
    planted = [
        Planted(p.currency, p.balance_now, p.due, p.entered, tuple(x for x in p.payments if x[0] < now))
        for p in planted
        if p.entered < now
    ]
    db = empty_db
    with db.transaction() as session:
        session.execute(delete(Payment))
        session.execute(delete(Account))
    for n, p in enumerate(planted):
        plant(
            db, f"A-{n}", str(p.balance_now), p.due, currency=p.currency, entered=p.entered,
            payments=tuple((at, str(amount)) for at, amount in p.payments),
        )  # fmt: skip
    assert figures(report(db, kind, day, now).team) == reference(kind, day, now, planted)


# --- Invariants on plain data ------------------------------------------------------------------------------

ZONES = [NY, ZoneInfo("America/Sao_Paulo"), ZoneInfo("Europe/Berlin"), ZoneInfo("UTC")]
LATER = datetime(2027, 6, 1, tzinfo=UTC)  # after every period below: all of them closed


# The planted accounts, the period's kind, a day in it and the moment the figures are read.
A_PORTFOLIO_A_PERIOD_AND_NOW = (
    st.lists(accounts, max_size=15),
    st.sampled_from(["day", "week", "month"]),
    days,
    instants,
)


def flows(planted: list[Planted], period: kpi.Period, now: datetime, zone: ZoneInfo) -> list[kpi.FlowGroup]:
    return [kpi.account_flow(history, period, now, zone) for history in histories(planted)]


@given(
    st.lists(accounts, max_size=15),
    st.sampled_from(["day", "week", "month"]),
    days,
    st.sampled_from(ZONES),
)
def test_a_period_closes_as_the_next_one_opens_bucket_by_bucket_per_currency(
    planted: list[Planted], kind: PeriodKind, day: date, zone: ZoneInfo
) -> None:
    period = kpi.period_for(kind, day, zone)
    after = kpi.period_for(kind, local_day(period.end, zone), zone)
    closing = kpi.portfolio_figures(flows(planted, period, LATER, zone)).aging
    opening = kpi.portfolio_figures(flows(planted, after, LATER, zone)).aging_previous
    assert closing == opening


@given(*A_PORTFOLIO_A_PERIOD_AND_NOW)
def test_aging_adds_up_to_the_positive_balances(
    planted: list[Planted], kind: PeriodKind, day: date, now: datetime
) -> None:
    period = kpi.period_for(kind, day, NY)
    assume(now > period.start)
    figures = kpi.portfolio_figures(flows(planted, period, now, NY))
    until = min(period.end, now)
    for currency in ("USD", "BRL"):
        for instant, aging in ((period.start, figures.aging_previous), (until, figures.aging)):
            owed = [
                max(kpi.balance_at(h, instant), D(0)) for h in histories(planted) if h.currency == currency
            ]
            assert sum(aging.get(currency, {}).values(), D(0)) == sum(owed, D(0))


def cei_inputs(
    planted: list[Planted], kind: PeriodKind, day: date, now: datetime
) -> tuple[kpi.PortfolioFigures, kpi.Period]:
    period = kpi.period_for(kind, day, NY)
    return kpi.portfolio_figures(flows(planted, period, now, NY)), period


@given(*A_PORTFOLIO_A_PERIOD_AND_NOW)
def test_both_ceis_are_between_0_and_100(
    planted: list[Planted], kind: PeriodKind, day: date, now: datetime
) -> None:
    assume(now > kpi.period_for(kind, day, NY).start)
    figures, _ = cei_inputs(planted, kind, day, now)
    for ceis in (figures.cei, figures.cei_all_receivables):
        for value in ceis.values():
            assert value is None or D(0) <= value <= 100


@given(*A_PORTFOLIO_A_PERIOD_AND_NOW)
def test_the_cei_is_0_when_nothing_was_collected(
    planted: list[Planted], kind: PeriodKind, day: date, now: datetime
) -> None:
    period = kpi.period_for(kind, day, NY)
    assume(now > period.start)
    nothing_paid = [Planted(p.currency, p.balance_now, p.due, p.entered, ()) for p in planted]
    figures, _ = cei_inputs(nothing_paid, kind, day, now)
    for currency, value in figures.cei.items():
        histories_in = [h for h in histories(nothing_paid) if h.currency == currency]
        late = [
            h
            for h in histories_in
            if h.balance > 0 and h.due_date < local_day(min(period.end, now) - timedelta(microseconds=1), NY)
        ]
        assert value == (0 if late else None)


@given(*A_PORTFOLIO_A_PERIOD_AND_NOW)
def test_the_cei_is_100_when_everything_late_was_collected(
    planted: list[Planted], kind: PeriodKind, day: date, now: datetime
) -> None:
    period = kpi.period_for(kind, day, NY)
    assume(now > period.start)
    until = min(period.end, now)
    last_day = local_day(until - timedelta(microseconds=1), NY)
    # Every account late by the close paid what it owed at the opening, in full, just before the close.
    paid_up = [
        Planted(p.currency, D(0), p.due, p.entered, ((until - timedelta(seconds=1), p.balance_now),))
        if p.due < last_day and p.balance_now > 0
        else Planted(p.currency, p.balance_now, p.due, p.entered, ())
        for p in planted
    ]
    figures, _ = cei_inputs(paid_up, kind, day, now)
    for value in figures.cei.values():
        assert value in (100, None)


# --- Through the bot: the monthly digest and /collect report -------------------------------------------------


def test_the_monthly_digest_shows_both_ceis_in_its_message_and_spreadsheet(
    bot: RunningBot, november: Database
) -> None:
    at = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 09:00 on Tuesday 1 December, its first working day
    bot.clock.set(at)
    assert "queued" in run_job(bot.runtime, "performance-digest-month", at, by="test").message
    deliver_due(bot.runtime)
    posted = json.dumps(bot.slack.messages("C0SUPERVISORS")[0], ensure_ascii=False)
    assert "*CEI, delinquent accounts:* USD 34.0% · BRL 33.3%" in posted
    assert "*CEI, all receivables:* USD 55.9% · BRL 33.3%" in posted
    assert "*Cured (current again):* USD 0.0% · BRL 0.0%" in posted
    assert "*Paid off:* USD 45.7% · BRL 0.0%" in posted
    sheet = next(f for f in bot.slack.uploaded_files.values() if f.filename.endswith(".xlsx"))
    summary = openpyxl.load_workbook(io.BytesIO(sheet.data))["Summary"]
    rows = {(row[0], row[1]): row[2] for row in summary.iter_rows(min_row=2, values_only=True) if row[0]}
    assert rows[("CEI, all receivables", "USD")] == pytest.approx(0.558824, abs=1e-4)
    assert rows[("Paid-off rate", "USD")] == pytest.approx(0.457143, abs=1e-4)


def test_collect_report_for_a_week_with_nothing_collected_says_0_percent(
    bot: RunningBot, running_week: Database
) -> None:
    add_agent(bot.runtime.db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    bot.clock.set(ny(11, 23, 10).astimezone(UTC))
    reply = bot.send.slash_command("U0SUPER1", "report week").body
    # B = OLD 500, N = DUE-SUNDAY 1000, nothing collected: 0 (today's code said 40.0).
    assert "*CEI, delinquent accounts:* USD 0.0%" in reply
