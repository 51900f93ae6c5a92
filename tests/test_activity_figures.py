"""The activity figures (attempts, right-party contacts, promises, worklist lines worked, targets,
projected) against hand computations, the invariants that tie days, weeks, months and agents
together, and the three renderers (digest message, spreadsheet, `collect-bot report`) showing one
report's figures alike.

Every expected figure here is worked out by hand in the comments, or by a few lines of arithmetic in
the test over the planted rows, never by calling the code under test."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from bot.blocks.digest import digest_message
from bot.kpis import rules as kpi
from bot.reports.model import PerformanceReport
from bot.reports.records.numbers import build_report
from bot.reports.render.spreadsheet import report_workbook
from bot.reports.render.text import report_lines
from storage.database import Database
from storage.models import Account, Assignment, Contact, Payment, Promise
from storage.schema import _config as schema_config
from tests.conftest import RunningBot, bot_settings
from tests.portfolio import add_account, add_agent, standard_team

NY = ZoneInfo("America/New_York")
A1, A2, SUPER = "U0AGENT1", "U0AGENT2", "U0SUPER1"
AFTER_THE_WEEK = datetime(2026, 11, 23, 10, 0, tzinfo=NY)  # Monday; the week of 16 November is over
WEEK_DAY = date(2026, 11, 18)


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


# --- planting ---------------------------------------------------------------------------------------------


class Plant:
    def __init__(self, db: Database) -> None:
        self.db = db
        with db.reading() as session:
            self.pks = dict(session.execute(select(Account.account_id, Account.id)).all())

    def contact(self, account: str, at: datetime, outcome: str, agent: str | None) -> None:
        with self.db.transaction() as session:
            session.add(
                Contact(
                    account_pk=self.pks[account], at=at, channel="call", outcome=outcome, agent=agent,
                    created_at=at,
                )
            )  # fmt: skip

    def payment(
        self,
        account: str,
        at: datetime,
        amount: str,
        currency: str = "USD",
        *,
        by: str,
        source: str = "slack",
    ) -> None:
        with self.db.transaction() as session:
            session.add(
                Payment(
                    account_pk=self.pks[account], amount=Decimal(amount), currency=currency, method="card",
                    received_at=at, recorded_by=by, source=source, created_at=at,
                )
            )  # fmt: skip

    def promise(
        self,
        account: str,
        by: str,
        made: datetime,
        due: date,
        status: str,
        amount: str = "100.00",
        paid: str = "0",
    ) -> None:
        with self.db.transaction() as session:
            session.add(
                Promise(
                    account_pk=self.pks[account], amount=Decimal(amount), currency="USD", due_date=due,
                    status=status, paid_toward=Decimal(paid), made_by=by, made_at=made,
                    resolved_at=made + timedelta(days=3) if status in ("kept", "broken") else None,
                )
            )  # fmt: skip

    def worklist(self, day: date, agent: str, *accounts: str) -> None:
        with self.db.transaction() as session:
            for rank, account in enumerate(accounts, 1):
                session.add(
                    Assignment(
                        work_date=day,
                        account_pk=self.pks[account],
                        agent=agent,
                        rank=rank,
                        score=1.0,
                        reasons=[],
                    )
                )


def the_week(db: Database) -> Plant:
    """The week of Monday 16 November 2026 in New York, worked out by hand:

    contacts   A1: 5 attempts (Mon right-party, Mon no-answer, Tue refused, Wed dispute, Wed 23:30
                   left-message) -> 3 right-party (right-party, refused, dispute), 60.0%
               A2: 3 attempts (Thu right-party, Thu no-answer, Fri third-party) -> 1, 33.3%
               the supervisor: 1 (Fri no-answer); team: 9 attempts, 4 right-party, 44.4%
               and two outside the week (Sun 15 23:30, Mon 23 00:15)
    worklists  Mon A1 {1,2,6} worked 1,2 -> 2/3; Mon A2 {4} -> 0/1; Tue A1 {1,3} -> 1/2;
               Wed A1 {3,2} -> 2/2 (2 at 23:30 Wed); Thu A2 {4,5,7} -> 2/3; Fri A2 {5} -> 1/1
               A1 5/7, A2 3/5, team 8/12
    promises   A1: P1 due Tue kept, P2 due Wed broken, P3 due Thu cancelled (replaced by P4), P4 due
                   Fri kept -> 3 made, 2 kept, 1 broken, 66.7%
               A2: P5 made Thu, due 30 Nov, open -> 1 made; team 4 made, 2 kept, 1 broken, 66.7%
    payments   A1 USD 100.00 (Mon) + 50.00 (Wed 23:30); import on A2's BRL account R$ 700,00 (Thu);
               import on an unassigned account USD 25.00 (Fri); and two outside the week
               week: USD 175.00, BRL 700.00; A1 USD 150.00; A2 BRL 700.00; nobody USD 25.00
    target     A1 2,200.00 a month; November 2026 has 21 weekdays; the week 5 -> 523.81
    """
    add_agent(db, A1, "Ana Agent", monthly_target=Decimal("2200"))
    add_agent(db, A2, "João Agente")
    add_agent(db, SUPER, "Sam Supervisor", role="supervisor")
    for n in range(1, 8):
        add_account(db, f"ACC-{n}", "1000.00", assigned_to=A2 if n in (4, 5, 7) else A1)
    add_account(db, "BRL-1", "5000.00", currency="BRL", assigned_to=A2)
    add_account(db, "FREE-1", "300.00", assigned_to=None)
    plant = Plant(db)
    for account, at, outcome, agent in [
        ("ACC-1", ny(16, 10), "right-party", A1),
        ("ACC-2", ny(16, 11), "no-answer", A1),
        ("ACC-1", ny(17, 10), "refused", A1),
        ("ACC-3", ny(18, 10), "dispute", A1),
        ("ACC-2", ny(18, 23, 30), "left-message", A1),
        ("ACC-4", ny(19, 10), "right-party", A2),
        ("ACC-5", ny(19, 10, 30), "no-answer", A2),
        ("ACC-5", ny(20, 9), "third-party", A2),
        ("ACC-1", ny(20, 11), "no-answer", SUPER),
        ("ACC-6", ny(15, 23, 30), "right-party", A1),
        ("ACC-6", ny(23, 0, 15), "right-party", A1),
    ]:
        plant.contact(account, at, outcome, agent)
    plant.worklist(date(2026, 11, 16), A1, "ACC-1", "ACC-2", "ACC-6")
    plant.worklist(date(2026, 11, 16), A2, "ACC-4")
    plant.worklist(date(2026, 11, 17), A1, "ACC-1", "ACC-3")
    plant.worklist(date(2026, 11, 18), A1, "ACC-3", "ACC-2")
    plant.worklist(date(2026, 11, 19), A2, "ACC-4", "ACC-5", "ACC-7")
    plant.worklist(date(2026, 11, 20), A2, "ACC-5")
    plant.promise("ACC-1", A1, ny(16, 10), date(2026, 11, 17), "kept", paid="100.00")
    plant.promise("ACC-2", A1, ny(16, 11), date(2026, 11, 18), "broken")
    plant.promise("ACC-3", A1, ny(16, 12), date(2026, 11, 19), "cancelled")
    plant.promise("ACC-3", A1, ny(16, 13), date(2026, 11, 20), "kept", paid="100.00")
    plant.promise("ACC-4", A2, ny(19, 10), date(2026, 11, 30), "open", amount="300.00", paid="60.00")
    plant.payment("ACC-1", ny(16, 12), "100.00", by=A1)
    plant.payment("ACC-3", ny(18, 23, 30), "50.00", by=A1)
    plant.payment("BRL-1", ny(19, 12), "700.00", "BRL", by="feed", source="import")
    plant.payment("FREE-1", ny(20, 12), "25.00", by="feed", source="import")
    plant.payment("ACC-1", ny(15, 23, 30), "1.00", by=A1)
    plant.payment("ACC-1", ny(23, 0, 15), "2.00", by=A1)
    return plant


def week_report(
    db: Database, database_url: str, kind: kpi.PeriodKind = "week", day: date = WEEK_DAY
) -> PerformanceReport:
    with db.reading() as session:
        return build_report(session, kind, day, bot_settings(database_url), AFTER_THE_WEEK.astimezone(UTC))


def agent(report: PerformanceReport, agent_id: str) -> Any:
    return next(a for a in report.agents if a.agent_id == agent_id)


# --- hand-computed cases ----------------------------------------------------------------------------------


def test_a_right_party_contact_is_any_conversation_with_the_debtor() -> None:
    week = kpi.period_for("week", WEEK_DAY, NY)
    contacts = [
        kpi.ContactFact(1, A1, ny(16, 10), "call", outcome)
        for outcome in ("right-party", "refused", "dispute", "no-answer", "left-message", "third-party")
    ]
    assert kpi.right_party_contacts(contacts, week) == 3
    assert kpi.rpc_rate(contacts, week) == Decimal(3) / Decimal(6)
    assert kpi.right_party_contacts_by_agent(contacts, week) == {A1: 3}


def test_the_weeks_activity_per_agent_and_for_the_team(db: Database, database_url: str) -> None:
    the_week(db)
    report = week_report(db, database_url)
    ana, joao = agent(report, A1), agent(report, A2)
    assert (ana.attempts, ana.right_party_contacts, ana.rpc_rate) == (5, 3, Decimal(3) / 5)
    assert (joao.attempts, joao.right_party_contacts) == (3, 1)
    assert (ana.promises_made, ana.promises_kept, ana.promises_broken) == (3, 2, 1)
    assert (joao.promises_made, joao.promises_kept, joao.promises_broken, joao.kept_rate) == (1, 0, 0, None)
    assert (ana.accounts_worked, ana.accounts_assigned) == (5, 7)
    assert (joao.accounts_worked, joao.accounts_assigned) == (3, 5)
    activity = report.team.activity
    assert (activity.attempts, activity.right_party_contacts) == (9, 4)
    assert activity.rpc_rate == Decimal(4) / Decimal(9)
    assert (activity.promises_made, activity.promises_kept, activity.promises_broken) == (4, 2, 1)
    assert activity.kept_rate == Decimal(2) / Decimal(3)
    assert (activity.lines_worked, activity.lines_assigned) == (8, 12)
    assert report.team.collected == {"USD": Decimal("175.00"), "BRL": Decimal("700.00")}
    assert ana.collected == {"USD": Decimal("150.00")}
    assert joao.collected == {"BRL": Decimal("700.00")}


def test_a_replaced_promise_is_neither_kept_nor_broken_in_the_kept_rate(
    db: Database, database_url: str
) -> None:
    the_week(db)
    report = week_report(db, database_url)
    # P1 and P4 kept, P2 broken, P3 replaced: 2 ÷ 3, over the week and over the 90 days behind Monday.
    assert agent(report, A1).kept_rate == Decimal(2) / Decimal(3)
    assert report.team.kept_rate_90_days == Decimal(2) / Decimal(3)
    assert sorted(p.outcome for p in report.promises) == ["broken", "kept", "kept", "pending"]


def test_percentages_are_rounded_once_for_display(db: Database, database_url: str) -> None:
    add_agent(db, A1, "Ana Agent")
    add_account(db, "ACC-1", "1000.00")
    plant = Plant(db)
    for n in range(95):  # 18 of 95 reached the debtor: 18.947...% shows as 18.9%, not 19.0%
        plant.contact("ACC-1", ny(16, 8) + timedelta(minutes=n), "right-party" if n < 18 else "no-answer", A1)
    report = week_report(db, database_url)
    assert agent(report, A1).rpc_rate == Decimal(18) / Decimal(95)
    shown = message_text(report)
    assert "RPC 18.9%" in shown and "19.0%" not in shown
    assert "RPC 18.9%" in "\n".join(report_lines(report))
    summary = summary_of(report)
    assert summary["RPC rate"] == pytest.approx(18 / 95, abs=1e-12)


def test_a_weeks_target_takes_each_days_share_of_its_own_months_target(
    db: Database, database_url: str
) -> None:
    # Monday 30 November to Sunday 6 December 2026: November has 21 weekdays, December 23.
    # 2,100 ÷ 21 for the Monday + 2,100 x 4 ÷ 23 for Tuesday to Friday = 100 + 365.2173… = 465.22
    add_agent(db, A1, "Ana Agent", monthly_target=Decimal("2100"))
    with db.reading() as session:
        report = build_report(
            session, "week", date(2026, 12, 2), bot_settings(database_url), ny(2, 10, month=12)
        )
    expected = Decimal(2100) / 21 + Decimal(2100) * 4 / 23
    assert agent(report, A1).target == pytest.approx(expected, abs=Decimal("0.000001"))
    assert "$465.22" in message_text(report)


def test_a_weeks_target_leaves_out_holidays_in_each_month(db: Database, database_url: str) -> None:
    # With US holidays, November 2026 has 19 working days (Veterans Day, Wednesday 11th, and
    # Thanksgiving, Thursday 26th): the week of 23 November has 4, so 1,900 x 4 ÷ 19 = 400.
    add_agent(db, A1, "Ana Agent", monthly_target=Decimal("1900"))
    calendar_settings = bot_settings(database_url, None, COLLECT_HOLIDAY_COUNTRY="US")
    with db.reading() as session:
        report = build_report(session, "week", date(2026, 11, 24), calendar_settings, ny(24, 10))
    november = [date(2026, 11, d) for d in range(1, 31)]
    holidays = {date(2026, 11, 11), date(2026, 11, 26)}
    working = [d for d in november if d.weekday() < 5 and d not in holidays]
    week = [d for d in working if date(2026, 11, 23) <= d <= date(2026, 11, 29)]
    assert agent(report, A1).target == Decimal(1900) * len(week) / len(working)


def test_target_over_days_formula_mixes_the_months() -> None:
    days = [date(2026, 11, 30) + timedelta(days=n) for n in range(7)]
    target = kpi.target_over_days(Decimal(2100), days, lambda d: d.weekday() < 5)
    assert target == Decimal(2100) / 21 + Decimal(2100) * 4 / 23
    weekend = [date(2026, 12, 5), date(2026, 12, 6)]
    assert kpi.target_over_days(Decimal(2100), weekend, lambda d: d.weekday() < 5) == 0
    assert kpi.target_over_days(Decimal(2100), weekend, lambda d: False) is None


def test_projected_is_na_when_promises_are_open_and_no_kept_rate(db: Database, database_url: str) -> None:
    add_agent(db, A1, "Ana Agent")
    add_account(db, "ACC-1", "1000.00")
    plant = Plant(db)
    plant.promise("ACC-1", A1, ny(23, 9), date(2026, 11, 25), "open", amount="300.00")
    with db.reading() as session:
        report = build_report(session, "week", date(2026, 11, 23), bot_settings(database_url), ny(23, 10))
    assert report.team.projected is None
    assert "*Projected for the rest of the week:* n/a" in message_text(report)
    assert summary_of(report)["Projected, rest of the period USD"] is None
    assert "  projected for the rest of the period: n/a" in list(report_lines(report))


def test_projected_is_the_unpaid_part_times_the_90_day_kept_rate(db: Database, database_url: str) -> None:
    the_week(db)
    # Monday 23 November, the week running: P5 owes 300.00 - 60.00 = 240.00, due Monday 30th, out
    # of this week; so a month: kept rate 2 ÷ 3 over the 90 days -> 160.00.
    with db.reading() as session:
        report = build_report(
            session, "month", date(2026, 11, 23), bot_settings(database_url), AFTER_THE_WEEK.astimezone(UTC)
        )
        week = build_report(
            session, "week", date(2026, 11, 23), bot_settings(database_url), AFTER_THE_WEEK.astimezone(UTC)
        )
    assert report.team.projected == {"USD": Decimal("160.00")}
    assert week.team.projected == {}
    assert "*Projected for the rest of the week:* nothing open" in message_text(week)


def test_lines_worked_are_summed_over_the_days_of_a_month(db: Database, database_url: str) -> None:
    the_week(db)
    month = week_report(db, database_url, "month")
    days = [week_report(db, database_url, "day", date(2026, 11, d)) for d in range(16, 21)]
    assert (agent(month, A1).accounts_worked, agent(month, A1).accounts_assigned) == (5, 7)
    assert [(agent(d, A1).accounts_worked, agent(d, A1).accounts_assigned) for d in days] == [
        (2, 3), (1, 2), (2, 2), (0, 0), (0, 0)
    ]  # fmt: skip
    assert "worklist lines worked/assigned, summed over the working days" in message_text(month)


# --- invariants -------------------------------------------------------------------------------------------


def sum_money(amounts: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for found in amounts:
        for currency, amount in found.items():
            total[currency] = total.get(currency, Decimal(0)) + amount
    return {c: a for c, a in total.items() if a}


def test_days_add_up_to_the_week_and_the_week_to_its_agents(db: Database, database_url: str) -> None:
    the_week(db)
    week = week_report(db, database_url)
    days = [week_report(db, database_url, "day", date(2026, 11, d)) for d in range(16, 23)]
    assert sum_money([d.team.collected for d in days]) == week.team.collected
    listed = {a.agent_id for a in week.agents}
    unattributed = sum_money([{p.currency: p.amount} for p in week.payments if p.agent_id not in listed])
    assert unattributed == {"USD": Decimal("25.00")}
    assert sum_money([a.collected for a in week.agents] + [unattributed]) == week.team.collected
    assert sum(d.team.activity.attempts for d in days) == week.team.activity.attempts
    assert sum(d.team.activity.lines_assigned for d in days) == week.team.activity.lines_assigned
    assert sum(d.team.activity.lines_worked for d in days) == week.team.activity.lines_worked


def test_days_add_up_to_the_month_and_the_month_to_its_agents(db: Database, database_url: str) -> None:
    the_week(db)
    month = week_report(db, database_url, "month")
    days = [week_report(db, database_url, "day", date(2026, 11, d)) for d in range(1, 31)]
    assert sum_money([d.team.collected for d in days]) == month.team.collected
    # The payment at 23:30 on Sunday 15th and the one at 00:15 on Monday 23rd are November's too.
    assert month.team.collected == {"USD": Decimal("178.00"), "BRL": Decimal("700.00")}
    listed = {a.agent_id for a in month.agents}
    unattributed = sum_money([{p.currency: p.amount} for p in month.payments if p.agent_id not in listed])
    assert sum_money([a.collected for a in month.agents] + [unattributed]) == month.team.collected
    assert sum(d.team.activity.attempts for d in days) == month.team.activity.attempts == 11
    assert sum(d.team.activity.right_party_contacts for d in days) == month.team.activity.right_party_contacts


MONTH = kpi.period_for("month", date(2026, 3, 1), NY)  # with the DST change of 8 March
_SECONDS = int((MONTH.end - MONTH.start).total_seconds())
payments = st.lists(
    st.builds(
        lambda second, agent, currency, cents: kpi.PaymentFact(
            1, agent, Decimal(cents) / 100, currency, MONTH.start + timedelta(seconds=second)
        ),
        st.integers(-86_400, _SECONDS + 86_400),
        st.sampled_from([A1, A2, None]),
        st.sampled_from(["USD", "BRL"]),
        st.integers(1, 10**9),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(payments)
def test_collected_over_the_days_is_the_weeks_and_the_months_and_their_agents(
    found: list[kpi.PaymentFact],
) -> None:
    """Σ collected over the days of a period = the period's collected = Σ over its agents, the
    payments credited to nobody (agent None) included; for every week and the month of March."""
    weeks = {kpi.period_for("week", d, NY) for d in kpi.local_days(MONTH, NY)}
    for period in [MONTH, *weeks]:
        inside = [kpi.period_for("day", d, NY) for d in kpi.local_days(period, NY)]
        total = kpi.collected(found, period)
        assert sum_money([kpi.collected(found, d) for d in inside]) == {c: a for c, a in total.items() if a}
        assert sum_money(list(kpi.collected_by_agent(found, period).values())) == {
            c: a for c, a in total.items() if a
        }


# --- one model, three renderers ---------------------------------------------------------------------------


def message_text(report: PerformanceReport) -> str:
    def texts(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            if value.get("type") in ("mrkdwn", "plain_text"):
                yield str(value["text"])
            for item in value.values():
                yield from texts(item)
        elif isinstance(value, list):
            for item in value:
                yield from texts(item)

    return "\n".join(texts(digest_message(report).blocks))


def summary_of(report: PerformanceReport) -> dict[str, Any]:
    """The Summary sheet as figure -> value; a figure with a row per currency as "figure CUR"."""
    book = load_workbook(io.BytesIO(report_workbook(report)))
    found: dict[str, Any] = {}
    for figure, currency, value in book["Summary"].iter_rows(min_row=2, max_col=3, values_only=True):
        if figure is None:
            break
        per_currency = figure in ("Collected", "Projected, rest of the period")
        found[f"{figure} {currency}" if per_currency else figure] = value
    return found


@dataclass(frozen=True)
class Shown:
    attempts: int
    right_party: int
    rpc: str
    made: int
    kept: int
    broken: int
    kept_rate: str
    worked: int
    assigned: int
    collected: dict[str, str]
    projected: str | None
    kept_rate_90: str


def percent(value: Any) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)) * 100:.1f}%"


def from_message(report: PerformanceReport) -> Shown:
    text = message_text(report)
    line = re.search(
        r"\*Team:\* ([\d,]+) attempts · ([\d,]+) right-party \(RPC ([^)]+)\) · promises ([\d,]+) made,"
        r" ([\d,]+) kept, ([\d,]+) broken \(kept rate ([^)]+)\) · worklist lines"
        r"(?: worked ([\d,]+) of ([\d,]+)|: nothing yet)",  # nothing yet: no list in the period, 0 of 0
        text,
    )
    assert line, text
    collected = re.search(r"\*Collected:\* (.*)", text)
    assert collected
    without_target = re.sub(r" (of \S+ target \([^)]*\)|\(no target\))", "", collected.group(1))
    amounts = {money[0]: money for money in without_target.split(" · ")}
    projected = re.search(r"\*Projected for the rest of the \w+:\* (.*)", text)
    kept_90 = re.search(r"\*Promises kept, last 90 days:\* (.*)", text)
    assert kept_90
    return Shown(
        int(line[1].replace(",", "")), int(line[2]), line[3], int(line[4]), int(line[5]), int(line[6]),
        line[7], int(line[8] or 0), int(line[9] or 0), amounts, projected[1] if projected else None, kept_90[1],
    )  # fmt: skip


def from_workbook(report: PerformanceReport) -> Shown:
    s = summary_of(report)
    from bot.currency import format_money

    collected = {}
    projected = []
    for key, value in s.items():
        if key.startswith("Collected ") and "÷" not in key:
            text = format_money(Decimal(str(value)), key.split()[-1], "en")
            collected[text[0]] = text
        if key.startswith("Projected"):
            projected.append(
                "n/a" if value is None else format_money(Decimal(str(value)), key.split()[-1], "en")
            )
    nothing = projected == ["$0.00"]  # the sheet writes 0 in the target currency for nothing open
    shown_projected = None if not projected else "nothing open" if nothing else " · ".join(projected)
    return Shown(
        s["Attempts"], s["Right-party contacts"], percent(s["RPC rate"]), s["Promises made"],
        s["Promises kept"], s["Promises broken"], percent(s["Kept rate"]), s["Worklist lines worked"],
        s["Worklist lines assigned"], collected, shown_projected,
        percent(s["Kept rate, last 90 days"]),
    )  # fmt: skip


def from_terminal(report: PerformanceReport) -> Shown:
    text = "\n".join(report_lines(report))
    line = re.search(r"attempts: (\d+), right-party contacts: (\d+) \(RPC ([^)]+)\)", text)
    promises = re.search(r"promises: (\d+) made, (\d+) kept, (\d+) broken \(kept rate ([^)]+)\)", text)
    worked = re.search(
        r"worklist lines(?: worked: (\d+) of (\d+)|: nothing yet)", text
    )  # nothing yet: 0 of 0
    collected = re.search(r"  collected: (.*)", text)
    projected = re.search(r"  projected for the rest of the period: (.*)", text)
    kept_90 = re.search(r"  promises kept \(90 days\): (.*)", text)
    assert line and promises and worked and collected and kept_90, text
    amounts = {money[0]: money for money in collected.group(1).split(", ")}
    return Shown(
        int(line[1]), int(line[2]), line[3], int(promises[1]), int(promises[2]), int(promises[3]),
        promises[4], int(worked[1] or 0), int(worked[2] or 0), amounts,
        projected[1].replace(", ", " · ") if projected else None, kept_90[1],
    )  # fmt: skip


def test_the_message_the_spreadsheet_and_the_terminal_show_the_same_figures(
    db: Database, database_url: str
) -> None:
    the_week(db)
    week = week_report(db, database_url)
    shown = from_message(week)
    dollars_and_reais = {"$": "$175.00", "R": "R$700.00"}
    # A closed week: nothing is projected, in any of the three.
    assert shown == Shown(9, 4, "44.4%", 4, 2, 1, "66.7%", 8, 12, dollars_and_reais, None, "66.7%")
    assert from_workbook(week) == shown
    assert from_terminal(week) == shown
    # The month, still running on Monday 23rd: P5's unpaid 240.00 x 2/3 = 160.00 is projected.
    month = week_report(db, database_url, "month")
    shown = from_message(month)
    assert (shown.attempts, shown.projected, shown.collected["$"]) == (11, "$160.00", "$178.00")
    assert from_workbook(month) == shown
    assert from_terminal(month) == shown


def test_the_three_show_n_a_alike_for_a_projection_without_a_kept_rate(
    db: Database, database_url: str
) -> None:
    add_agent(db, A1, "Ana Agent")
    add_account(db, "ACC-1", "1000.00")
    Plant(db).promise("ACC-1", A1, ny(23, 9), date(2026, 11, 25), "open", amount="300.00")
    with db.reading() as session:
        report = build_report(session, "week", date(2026, 11, 23), bot_settings(database_url), ny(23, 10))
    shown = from_message(report)
    assert (shown.projected, shown.kept_rate_90, shown.made) == ("n/a", "n/a", 1)
    assert from_workbook(report) == shown
    assert from_terminal(report) == shown


TEAM_LINE = (
    "*Team:* 9 attempts · 4 right-party (RPC 44.4%) · promises 4 made, 2 kept, 1 broken (kept rate 66.7%)"
    " · worklist lines worked 8 of 12 (66.7%)"
)


def test_collect_report_shows_the_team_line_and_says_no_worklist_rather_than_0_of_0(bot: RunningBot) -> None:
    the_week(bot.runtime.db)
    bot.clock.set(ny(21, 12))  # Saturday: the week of the 16th is still the current one
    reply = json.loads(bot.send.slash_command(SUPER, "report week").body)
    shown = "\n".join(_texts(reply["blocks"]))
    assert TEAM_LINE in shown
    # The supervisor made an attempt but had no worklist: "no worklist", not "0/0".
    supervisor = next(line for line in shown.splitlines() if "Sam Supervisor" in line)
    assert "no worklist" in supervisor and "0/0 lines" not in supervisor
    assert "5/7 lines" in next(line for line in shown.splitlines() if "Ana Agent" in line)
    assert "worklist lines worked/assigned, summed over the working days" in shown


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text"):
            yield str(value["text"])
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


# --- the same conversation for the alerts and the worklist -------------------------------------------------


def last_conversation(db: Database, account_id: str) -> datetime | None:
    with db.reading() as session:
        return session.scalars(
            select(Account.last_conversation_at).where(Account.account_id == account_id)
        ).one()


def test_a_logged_refusal_or_dispute_is_the_accounts_last_conversation(bot: RunningBot) -> None:
    """The alerts' "no conversation for M days" and the worklist score's no_conversation read
    last_conversation_at: it follows the RPC definition, so a debtor who refused or disputed
    yesterday has been talked to."""
    standard_team(bot.runtime.db)
    bot.clock.set(ny(23, 10))
    assert bot.send.slash_command(A1, "log ACC-1042 call refusal will not pay").status == 200
    assert bot.send.slash_command(A1, "log ACC-1043 call disputed says it is not theirs").status == 200
    assert bot.send.slash_command(A1, "log EU-77 call vm").status == 200
    assert last_conversation(bot.runtime.db, "ACC-1042") == ny(23, 10)
    assert last_conversation(bot.runtime.db, "ACC-1043") == ny(23, 10)
    assert last_conversation(bot.runtime.db, "EU-77") is None


def test_the_migration_counts_earlier_refusals_and_disputes_as_conversations(db: Database) -> None:
    standard_team(db)
    plant = Plant(db)
    plant.contact("ACC-1042", ny(10, 10), "right-party", A1)
    plant.contact("ACC-1042", ny(16, 10), "refused", A1)
    plant.contact("ACC-1043", ny(17, 10), "dispute", A1)
    plant.contact("EU-77", ny(18, 10), "no-answer", A1)
    migrate(db, "0012")  # as the bot left them before: right-party only
    assert last_conversation(db, "ACC-1042") == ny(10, 10)
    assert last_conversation(db, "ACC-1043") is None
    migrate(db, "head")
    assert last_conversation(db, "ACC-1042") == ny(16, 10)
    assert last_conversation(db, "ACC-1043") == ny(17, 10)
    assert last_conversation(db, "EU-77") is None


def migrate(db: Database, revision: str) -> None:
    config = schema_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
