"""Coaching: an agent's weeks against the team's median (`/collect report @ana --trend`, its chart
uploaded through the outbox), the monthly review (`collect-bot review`, XLSX and PDF), and new agents'
first weeks on the supervisors' Home against the team's ramp-up."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select, update

from bot.coaching.desk import monthly_review
from bot.coaching.model import ClosedWeeks, Figures, MonthReview, PeriodFigures, Trend
from bot.coaching.records import ramp_up
from bot.coaching.render import review_workbook, trend_chart
from bot.coaching.rules import (
    agent_figures,
    line_figures,
    median,
    median_of,
    ramp_up_by_week,
    team_lines_median,
    team_median,
)
from bot.language.render import speaking
from bot.parsing.command import ReportCommand, parse_command
from bot.reports.records.numbers import Window, build_report, lines_over_days
from bot.runtime import Runtime
from storage.database import Database
from storage.models import Account, Agent, Complaint, ComplianceRefusal, Contact, Payment, Promise
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent
from tests.test_cli import run_cli

ANA, JOAO, SAM = "U0AGENT1", "U0AGENT2", "U0SUPER1"
# Tuesday 17 November 2026, 10:00 in New York: the week before the tests' Monday 23 November.
LAST_WEEK = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


def contact(db: Database, account_id: str, agent: str, outcome: str, at: datetime) -> None:
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        session.add(Contact(account_pk=account.id, at=at, channel="call", outcome=outcome, agent=agent,
                            source="slack", created_at=at))  # fmt: skip


def paid(db: Database, account_id: str, amount: str, agent: str, at: datetime) -> None:
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        session.add(Payment(account_pk=account.id, amount=Decimal(amount), currency=account.currency,
                            method="card", received_at=at, recorded_by=agent, source="slack", created_at=at))  # fmt: skip


def refused(db: Database, agent: str, at: datetime) -> None:
    with db.transaction() as session:
        session.add(ComplianceRefusal(at=at, actor=agent, account_pk=None, action="log", rule="call-hours",
                                      explanation="outside the customer's hours"))  # fmt: skip


def last_weeks_work(db: Database) -> None:
    """Ana: 4 attempts, 2 right-party, $500 collected, one refused attempt; João: 2 attempts, none
    right-party. The team's medians: 3 attempts, RPC 25%."""
    for n, outcome in enumerate(["right-party", "right-party", "no-answer", "no-answer"]):
        contact(db, "ACC-1042", ANA, outcome, LAST_WEEK + timedelta(minutes=n))
    for n in range(2):
        contact(db, "ACC-2001", JOAO, "no-answer", LAST_WEEK + timedelta(minutes=n))
    paid(db, "ACC-1042", "500.00", ANA, LAST_WEEK + timedelta(hours=1))
    refused(db, ANA, LAST_WEEK + timedelta(hours=2))


def asked(bot: RunningBot, user: str, typed: str) -> str:
    """The final answer to `/collect <typed>`: drawing 13 weeks and a chart takes longer than Slack's
    3 s, so the bot acks with "Working on it…" and answers by response_url."""
    response = bot.send.slash_command(user, typed)
    assert response.status == 200, response.body
    body: Any = response.json() if response.body.strip() else {}
    if not body or "hourglass_flowing_sand" in response.body:
        body = bot.slack.wait_for_response(url=response.response_url, timeout=60)[-1]
    return json.dumps(body.get("blocks", body), ensure_ascii=False)


# --- the rules ------------------------------------------------------------------------------------------


def test_the_median_leaves_out_what_is_not_there() -> None:
    assert median([Decimal(4), Decimal(2)]) == 3
    assert median([Decimal("0.5"), None, Decimal(0), Decimal(1)]) == Decimal("0.5")
    assert median([None, None]) is None
    assert median([]) is None


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=40))
def test_the_median_lies_between_the_least_and_the_most(values: list[int]) -> None:
    found = median(values)
    assert found is not None and min(values) <= found <= max(values)
    assert sum(1 for v in values if v < found) <= len(values) / 2 >= sum(1 for v in values if v > found)


def test_the_ramp_up_is_the_median_of_each_week_number() -> None:
    def did(attempts: int, usd: str) -> Figures:
        return Figures(
            Decimal(attempts), None, None, {"USD": Decimal(usd)}, None, None, Decimal(0), Decimal(0)
        )

    ramp = ramp_up_by_week([(1, did(10, "100")), (1, did(30, "300")), (2, did(50, "0")), (1, did(20, "50"))])
    assert sorted(ramp) == [1, 2]
    assert (ramp[1].attempts, ramp[1].collected) == (Decimal(20), {"USD": Decimal("100")})
    assert ramp[2].attempts == 50


def test_a_name_with_dollar_signs_and_control_characters_is_drawn_and_written_as_it_is() -> None:
    week = PeriodFigures("week", date(2026, 11, 16), median_of([]), median_of([]))
    trend = Trend("U1", "R$ Ana $x$\x07", "USD", (week,))
    assert trend_chart(trend).startswith(b"\x89PNG")
    review = MonthReview("U1", trend.name, week, trend, "America/New_York")
    with speaking("en"):
        book = openpyxl.load_workbook(io.BytesIO(review_workbook(review)))
    assert next(book["Month"].iter_rows(values_only=True))[0] == "Monthly review: R$ Ana $x$, week"


def test_trend_words_are_understood_in_every_language() -> None:
    for typed in ("report <@U0AGENT1|ana> --trend", "relatorio <@U0AGENT1|ana> --tendência",
                  "informe <@U0AGENT1|ana> --tendencia", "report —trend"):  # fmt: skip
        command = parse_command(typed)
        assert isinstance(command, ReportCommand) and command.trend, typed
    assert parse_command("report week <@U0AGENT1|ana>") == ReportCommand(kind="week", user_id=ANA)


# --- /collect report @ana --trend ---------------------------------------------------------------------


def test_a_supervisor_sees_an_agents_trend_against_the_median_and_gets_the_chart(team: RunningBot) -> None:
    last_weeks_work(team.runtime.db)
    shown = asked(team, SAM, "report <@U0AGENT1|ana> --trend")
    assert "Trend: Ana Agent, last 13 weeks against the team's median" in shown
    assert "*Week of Mon 16 Nov 2026*" in shown
    assert "• Attempts: *4* · 3" in shown
    assert "• RPC rate: *50.0%* · 25.0%" in shown
    assert "• Collected (USD): *$500.00* · $250.00" in shown
    assert "• Refused by the contact rules: *1* · 0.5" in shown
    assert "• Mon 09 Nov 2026: 0 att (0) · RPC n/a (n/a) · kept n/a (n/a) · $0.00 ($0.00)" in shown
    assert "The chart is on its way to your DM." in shown
    # The chart went through the outbox into Sam's DM with the bot: a PNG.
    [chart] = [f for f in team.slack.uploaded_files.values() if f.completed]
    assert chart.filename == "trend-U0AGENT1-2026-11-23.png"
    assert chart.data.startswith(b"\x89PNG") and chart.channel and chart.channel.startswith("D")


def test_an_agent_sees_their_own_trend_only(team: RunningBot) -> None:
    last_weeks_work(team.runtime.db)
    assert "Agents see their own trend only." in asked(team, ANA, "report <@U0AGENT2|joao> --trend")
    assert not [f for f in team.slack.uploaded_files.values() if f.completed]
    assert "Trend: Ana Agent" in asked(team, ANA, "report --trend")
    assert "Trend: João Agente" in asked(team, JOAO, "relatorio --tendencia")


def test_the_trend_speaks_portuguese_and_spanish(team: RunningBot) -> None:
    last_weeks_work(team.runtime.db)
    with team.runtime.db.transaction() as session:
        session.execute(update(Agent).where(Agent.slack_user_id == SAM).values(locale="pt-BR"))
    assert "Tendência: Ana Agent" in asked(team, SAM, "relatorio <@U0AGENT1|ana> --tendencia")
    add_agent(team.runtime.db, "U0SUPER2", "Sofía Supervisora", role="supervisor", locale="es")
    assert "Tendencia: Ana Agent" in asked(team, "U0SUPER2", "informe <@U0AGENT1|ana> --tendencia")


# --- the monthly review ------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_monthly_review_opens_as_a_workbook_and_a_pdf_with_the_figures(team: RunningBot) -> None:
    last_weeks_work(team.runtime.db)
    with team.runtime.db.transaction() as session:
        session.execute(
            update(Agent).where(Agent.slack_user_id == ANA).values(monthly_target=Decimal("2000"))
        )
    with speaking("en"):
        files = monthly_review(team.runtime, agent_id=ANA, month=date(2026, 11, 1))
    book = openpyxl.load_workbook(io.BytesIO(files.xlsx))
    rows = {row[0]: row[1:] for row in book["Month"].iter_rows(values_only=True) if row[0]}
    assert rows["Attempts"] == (4, 3)
    assert rows["Collected (USD)"] == (500, 250)
    assert rows["Target (USD)"] == (2000, 2000)
    assert rows["Collected ÷ target"] == (0.25, 0.25)
    assert rows["Refused by the contact rules"] == (1, 0.5)
    assert rows["Complaints"] == (0, 0)
    weeks = list(book["Weeks"].iter_rows(values_only=True))
    assert len(weeks) == 1 + 13
    text = " ".join(pdf_text(files.pdf).split())
    assert "Monthly review: Ana Agent, November 2026, to Monday 23 November 09:00 (so far)" in text
    assert "Attempts 4 3" in text
    assert "Collected (USD) $500.00 $250.00" in text
    assert "Collected ÷ target 25.0% 25.0%" in text
    assert "Refused by the contact rules 1 0.5" in text


def test_the_review_command_writes_both_files(team: RunningBot, database_url: str, tmp_path: Path) -> None:
    done = run_cli("review", "--agent", ANA, "--month", "2026-11", "--out", str(tmp_path),
                   env={"DATABASE_URL": database_url}, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(tmp_path / "review-U0AGENT1-2026-11.xlsx")["Month"]
    assert "Ana Agent" in pdf_text((tmp_path / "review-U0AGENT1-2026-11.pdf").read_bytes())
    nobody = run_cli("review", "--agent", "U0NOBODY", "--month", "2026-11", "--out", str(tmp_path),
                     env={"DATABASE_URL": database_url}, cwd=tmp_path)  # fmt: skip
    assert nobody.returncode == 1
    bad = run_cli("review", "--agent", ANA, "--month", "November", "--out", str(tmp_path),
                  env={"DATABASE_URL": database_url}, cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


# --- new agents on the Home --------------------------------------------------------------------------------


def home_text(bot: RunningBot, user: str) -> str:
    from bot.cockpit.desk import publish_home

    publish_home(bot.runtime, user)
    view = bot.slack.calls("views.publish")[-1].params["view"]
    return json.dumps(view if isinstance(view, dict) else json.loads(view), ensure_ascii=False)


def test_a_new_agent_is_shown_against_the_current_median_without_history(team: RunningBot) -> None:
    last_weeks_work(team.runtime.db)
    shown = home_text(team, SAM)
    assert "New agents: their first 8 weeks" in shown
    assert "against the team's median over the same days" in shown
    # Ana and João joined on 1 November: Monday 23 November is in their fourth week (so far).
    assert "*Ana Agent* — week 4 of 8 (so far)" in shown


def test_a_new_agent_is_shown_against_earlier_agents_first_weeks(team: RunningBot) -> None:
    db = team.runtime.db
    # Rita joined in August, when the ledger already had contacts: her first weeks are the ramp-up.
    august = datetime(2026, 8, 3, 14, 0, tzinfo=UTC)
    add_account(db, "ACC-OLD", "100.00", assigned_to="U0RITA")
    add_agent(db, "U0RITA", "Rita Early")
    with db.transaction() as session:
        session.execute(update(Agent).where(Agent.slack_user_id == "U0RITA").values(created_at=august))
    for n in range(6):
        contact(db, "ACC-OLD", "U0RITA", "right-party", august + timedelta(days=1, minutes=n))
    # Her fourth week (from Monday 24 August): 3 attempts, all right-party.
    for n in range(3):
        contact(db, "ACC-OLD", "U0RITA", "right-party", august + timedelta(days=22, minutes=n))
    shown = home_text(team, SAM)
    assert "the median of the most recent 1 agent's own weeks 1 to 8" in shown
    assert "*Ana Agent* — week 4 of 8 (so far): 0 att (3) · RPC n/a (100.0%)" in shown


def _generated_team(db: Database) -> None:
    """Eight earlier agents who joined on different days since July (their first weeks in the
    ledger) and four new ones in the last eight weeks, each with a few contacts and payments a week."""
    for n in range(12):
        joined = datetime(2026, 7, 6, 14, 0, tzinfo=UTC) + timedelta(days=9 * n) if n < 8 else (
            datetime(2026, 10, 1, 14, 0, tzinfo=UTC) + timedelta(days=11 * (n - 8)))  # fmt: skip
        user = f"U0GEN{n:02}"
        add_agent(db, user, f"Agent {n}", monthly_target=Decimal("5000"))
        add_account(db, f"GEN-{n}", "900.00", assigned_to=user)
        with db.transaction() as session:
            session.execute(update(Agent).where(Agent.slack_user_id == user).values(created_at=joined))
        day = joined
        while day < datetime(2026, 11, 23, 14, 0, tzinfo=UTC):
            for k in range(n % 4 + 1):
                contact(
                    db, f"GEN-{n}", user, "right-party" if k % 2 else "no-answer", day + timedelta(minutes=k)
                )
            if n % 3 == 0:
                paid(db, f"GEN-{n}", "10.00", user, day + timedelta(hours=1))
            day += timedelta(days=4)


def test_the_homes_ramp_up_keeps_the_weeks_already_over_for_the_day_with_the_same_figures(
    runtime: Runtime,
) -> None:
    db = runtime.db
    _generated_team(db)
    today, now = date(2026, 11, 23), datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    memory = ClosedWeeks()
    with db.reading() as session:
        built = ramp_up(session, runtime.settings, today, now)
        first = ramp_up(session, runtime.settings, today, now, memory)
        kept = memory.kept
        again = ramp_up(session, runtime.settings, today, now, memory)
    assert built.basis == "history" and len(built.agents) == 4 and built.agents_in_basis == 6
    assert first == built and again == built
    # Every earlier agent's 8 weeks and the new agents' closed weeks are kept; the running ones not.
    assert kept >= 40 and memory.kept == kept
    # A contact this morning shows at once: a running week is read again at every refresh.
    contact(db, "GEN-11", "U0GEN11", "right-party", now)
    with db.reading() as session:
        later = ramp_up(session, runtime.settings, today, now + timedelta(minutes=5), memory)
        fresh = ramp_up(session, runtime.settings, today, now + timedelta(minutes=5))
    assert later == fresh and later != built
    # The next day starts afresh, with the same figures as read without the memory.
    with db.reading() as session:
        tomorrow = ramp_up(
            session, runtime.settings, today + timedelta(days=1), now + timedelta(days=1), memory
        )
        unkept = ramp_up(session, runtime.settings, today + timedelta(days=1), now + timedelta(days=1))
    assert tomorrow == unkept and tomorrow.agents


def _mixed_week_work(db: Database) -> None:
    """Two months of everything a ramp-up week counts, around the end of daylight saving time
    (Sunday 1 November 2026 in New York) and up to the tests' Monday: attempts of every outcome (a
    supervisor's too), payments typed in Slack and from the feed, promises kept, broken and open,
    refused attempts and complaints, by five agents (one left the roster's front line)."""
    people = [f"U0MIX{n}" for n in range(5)]
    for n, user in enumerate(people):
        add_agent(db, user, f"Mixed {n}", role="supervisor" if n == 4 else "agent",
                  monthly_target=None if n == 3 else Decimal(4000 + 500 * n))  # fmt: skip
        add_account(db, f"MIX-{n}", "700.00", assigned_to=people[(n + 1) % 5])
    outcomes = ["right-party", "no-answer", "refused", "dispute", "promise", "no-answer"]
    start = datetime(2026, 10, 1, 3, 30, tzinfo=UTC)
    with db.transaction() as session:
        pks = {a.account_id: a.id for a in session.scalars(select(Account))}
        for step in range(0, 60 * 24, 7):  # every 7 hours for 60 days, at every hour of the day
            at = start + timedelta(hours=step % (60 * 24))
            if at > datetime(2026, 11, 23, 14, 55, tzinfo=UTC):
                continue
            n = step % 5
            pk = pks[f"MIX-{n}"]
            session.add(Contact(account_pk=pk, at=at, channel="call" if step % 3 else "email",
                                outcome=outcomes[step % 6], agent=people[n], source="slack", created_at=at))  # fmt: skip
            if step % 4 == 0:
                source = "slack" if step % 8 == 0 else "feed"
                session.add(Payment(account_pk=pk, amount=Decimal("12.50") + step, currency="USD",
                                    method="card", received_at=at, recorded_by=people[n] if source == "slack" else "feed",
                                    source=source, created_at=at))  # fmt: skip
            if step % 5 == 1:
                due = (at + timedelta(days=step % 9)).date()
                status = ["kept", "broken", "open", "cancelled"][step % 4]
                session.add(Promise(account_pk=pk, amount=Decimal("50.00"), currency="USD", due_date=due,
                                    status=status, paid_toward=Decimal("50.00") if status == "kept" else Decimal(0),
                                    made_by=people[n], made_at=at,
                                    resolved_at=at + timedelta(days=step % 9 + 1) if status in ("kept", "broken") else None))  # fmt: skip
            if step % 6 == 2:
                session.add(ComplianceRefusal(at=at, actor=people[n], account_pk=pk, action="log",
                                              rule="call-hours", explanation="outside the customer's hours"))  # fmt: skip
            if step % 10 == 3:
                session.add(Complaint(account_pk=pk, category="conduct", text="rude", recorded_by=people[n],
                                      recorded_at=at, agent=people[(n + 1) % 5], handler=None,
                                      opened_on=at.date(), due_on=at.date() + timedelta(days=15)))  # fmt: skip


def test_a_running_weeks_lines_are_the_reports_own(runtime: Runtime) -> None:
    """lines_over_days, read at every Home refresh for the weeks still running, gives each agent the
    figures of their line in the whole report of the same days: weeks across a week boundary, across
    the end of daylight saving time, still running, for some agents or for all, several at once."""
    db = runtime.db
    _mixed_week_work(db)
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    settings = runtime.settings
    currency = settings.target_currency
    everyone = [f"U0MIX{n}" for n in range(5)]
    windows = [
        Window(date(2026, 10, 28), date(2026, 11, 3)),  # across the end of daylight saving time
        Window(date(2026, 10, 29), date(2026, 11, 4), frozenset({"U0MIX1"})),
        Window(
            date(2026, 11, 5), date(2026, 11, 11), frozenset({"U0MIX0", "U0MIX4"})
        ),  # Thursday to Wednesday
        Window(date(2026, 11, 19), date(2026, 11, 25)),  # still running
        Window(date(2026, 11, 20), date(2026, 11, 26), frozenset({"U0MIX2"})),
        Window(date(2026, 11, 23), date(2026, 11, 29), frozenset({"U0MIX3"})),  # its first day
    ]
    with db.reading() as session:
        found = lines_over_days(session, settings, now, windows)
        for window in windows:
            report = build_report(
                session, "day", window.first, settings, now, last_day=window.last, portfolio_figures=False
            )
            lines = found[window]
            assert (lines.start, lines.end, lines.complete) == (report.start, report.end, report.complete)
            listed = [a for a in report.agents if window.agents is None or a.agent_id in window.agents]
            assert sorted(lines.lines) == sorted(a.agent_id for a in listed)
            for agent in listed:
                assert line_figures(lines.lines[agent.agent_id], currency) == agent_figures(report, agent)
            if window.agents is None:
                assert team_lines_median(lines, currency) == team_median(report)
                assert {a.agent_id for a in listed} >= set(everyone)
                assert any(a.attempts and a.kept_rate is not None for a in listed)
