"""Strategies against a real database (SQLite and PostgreSQL) with a controlled clock: accounts
entering a segment that runs a test are drawn once and keep their side, in proportion; the morning
run scores (and leaves off, by cadence) each account by its treatment; dunning sends each account
its treatment's schedule; the results compare the two sides."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.assignments.desk import todays_worklist
from bot.assignments.job.planning import facts_query, scoring_query
from bot.dunning.job import plan_dunning
from bot.runtime import Runtime
from bot.strategy.model import Arm, Verdict
from bot.strategy.records import challengers_drawn, draw, results, strategy_in_force
from bot.strategy.render import result_lines
from schedules.runner import run_job
from storage.database import Database
from storage.models import (
    Account,
    Assignment,
    AuditEntry,
    Contact,
    JobRun,
    OutboxMessage,
    Payment,
    StrategyAssignment,
    StrategyDecision,
)
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent
from wiring.cli.main import main

STRATEGY = str(Path(__file__).with_name("data") / "strategy" / "test.yml")
MONDAY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 in New York
TODAY = date(2026, 11, 23)
DOCUMENTS = {
    "COLLECT_CREDITOR_NAME": "Acme Collections",
    "COLLECT_CREDITOR_ADDRESS": "1 Main St; Springfield IL 62701",
    "COLLECT_SMTP_URL": "smtp://127.0.0.1:2525",
    "COLLECT_MAIL_FROM": "collections@acme.example",
}
pytestmark = pytest.mark.settings(COLLECT_STRATEGY_FILE=STRATEGY)


def past_due(days: int) -> date:
    return TODAY - timedelta(days=days)


def drawn(db: Database) -> dict[str, str]:
    with db.reading() as session:
        rows = session.execute(
            select(Account.account_id, StrategyAssignment.arm).join(
                Account, Account.id == StrategyAssignment.account_pk
            )
        )
        return dict(rows.all())


def run_draw(runtime: Runtime, seed: int, at: datetime = MONDAY) -> dict[str, dict[str, int]]:
    with runtime.db.transaction() as session:
        plan = strategy_in_force(session, runtime.settings)
        return draw(session, plan, TODAY, now=at, actor="test", rng=random.Random(seed))


def test_accounts_entering_a_tested_segment_are_drawn_once_in_proportion(runtime: Runtime) -> None:
    for n in range(50):
        add_account(runtime.db, f"E-{n:02}", "100.00", due_date=past_due(10))
    add_account(runtime.db, "LATE-1", "100.00", due_date=past_due(60))  # segment "all": no test
    assert run_draw(runtime, 1) == {"early": {"champion": 40, "challenger": 10}}
    first = drawn(runtime.db)
    assert len(first) == 50 and "LATE-1" not in first
    assert sum(arm == Arm.CHALLENGER for arm in first.values()) == 10
    # Again, even with another seed: nobody is drawn twice and nobody changes side.
    assert run_draw(runtime, 2) == {}
    assert drawn(runtime.db) == first
    for n in range(50, 55):
        add_account(runtime.db, f"E-{n:02}", "100.00", due_date=past_due(10))
    assert run_draw(runtime, 3) == {"early": {"champion": 4, "challenger": 1}}  # 11 of 55
    assert {k: v for k, v in drawn(runtime.db).items() if k in first} == first
    with runtime.db.reading() as session:
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "strategy.assigned")).all()
    # One row per run that drew someone, with the counts: not one per account.
    assert [audit.after for audit in audits] == [
        {"segments": {"early": {"champion": 40, "challenger": 10}}},
        {"segments": {"early": {"champion": 4, "challenger": 1}}},
    ]


def test_the_morning_run_scores_each_account_by_its_treatment(runtime: Runtime) -> None:
    add_agent(runtime.db, "U0AGENT1", "Ana")
    add_account(runtime.db, "QUIET", "5000.00", due_date=past_due(40), risk_score=90)
    add_account(runtime.db, "STANDARD", "5000.00", due_date=past_due(40))
    add_account(runtime.db, "TOO-SOON", "5000.00", due_date=past_due(40), risk_score=90,
                last_contact_at=MONDAY - timedelta(days=1))  # fmt: skip
    report = run_job(runtime, "daily-assignments", MONDAY, by="test")
    assert report.ran, report.message
    with runtime.db.reading() as session:
        lines = {
            account_id: (score, reasons)
            for account_id, score, reasons in session.execute(
                select(Account.account_id, Assignment.score, Assignment.reasons).join(
                    Account, Account.id == Assignment.account_pk
                )
            )
        }
        claim = session.scalars(select(JobRun.summary).where(JobRun.job == "daily-assignments")).one()
    # The quiet treatment weighs none of the parts this account has; the standard one does.
    assert lines["QUIET"][0] == 0.0
    assert lines["STANDARD"][0] > 5
    assert lines["QUIET"][1][-1] == "try first: SMS"
    # `/collect mine` words the reasons again as the account stands now, with the same weights.
    now = {line.account_id: line.reasons for line in todays_worklist(runtime, "U0AGENT1").lines}
    assert now["QUIET"] == ("try first: SMS",) and now["STANDARD"] == tuple(lines["STANDARD"][1])
    # Contacted yesterday, and its treatment wants three days between attempts.
    assert "TOO-SOON" not in lines
    assert claim is not None and claim["left_off"] == {"strategy-cadence": 1}


@pytest.mark.settings(**DOCUMENTS)
def test_dunning_sends_each_account_its_treatments_schedule(runtime: Runtime) -> None:
    add_account(runtime.db, "QUIET", "300.00", due_date=past_due(5), risk_score=90, email="q@example.com")
    add_account(runtime.db, "STANDARD", "300.00", due_date=past_due(5), email="s@example.com")
    add_account(runtime.db, "EARLY", "300.00", due_date=past_due(4), email="e@example.com")
    plan = plan_dunning(runtime, MONDAY)
    stages = {decision.account_id: decision.stage.name for decision in plan.decisions}
    # QUIET: score 80+ at 5 days (bucket 1-30, but "early" has no challenger drawn for it yet, and
    # the first segment wins: early's champion, standard). Drawn for the challenger, it gets "nudge".
    assert stages == {"QUIET": "reminder", "STANDARD": "reminder"}
    with runtime.db.transaction() as session:
        pk = session.scalars(select(Account.id).where(Account.account_id == "EARLY")).one()
        session.add(StrategyAssignment(account_pk=pk, segment="early", arm="challenger", treatment="quiet",
                                       assigned_at=MONDAY))  # fmt: skip
    stages = {
        decision.account_id: decision.stage.name for decision in plan_dunning(runtime, MONDAY).decisions
    }
    assert stages == {"QUIET": "reminder", "STANDARD": "reminder", "EARLY": "nudge"}


PRODUCTS = str(Path(__file__).with_name("data") / "strategy" / "products.yml")


@pytest.mark.settings(COLLECT_STRATEGY_FILE=PRODUCTS, **DOCUMENTS)
def test_segments_by_product_in_the_morning_run_the_draw_and_dunning(runtime: Runtime) -> None:
    add_agent(runtime.db, "U0AGENT1", "Ana")
    add_account(runtime.db, "CARD", "5000.00", due_date=past_due(5), product="card", email="c@example.com")
    add_account(runtime.db, "AUTO", "5000.00", due_date=past_due(5), product="auto", email="a@example.com")
    add_account(runtime.db, "NONE", "5000.00", due_date=past_due(5), email="n@example.com")
    add_account(runtime.db, "MORTGAGE", "5000.00", due_date=past_due(5), product="mortgage")
    for n in range(10):
        add_account(runtime.db, f"LOAN-{n}", "100.00", due_date=past_due(70), product="personal-loan",
                    assigned_to=None)  # fmt: skip
    # Only the personal loans are in the segment that runs a test.
    assert run_draw(runtime, 1) == {"loans": {"champion": 5, "challenger": 5}}
    assert set(drawn(runtime.db)) == {f"LOAN-{n}" for n in range(10)}
    report = run_job(runtime, "daily-assignments", MONDAY, by="test")
    assert report.ran, report.message
    with runtime.db.reading() as session:
        lines = dict(
            session.execute(
                select(Account.account_id, Assignment.score).join(
                    Account, Account.id == Assignment.account_pk
                )
            ).all()
        )
    assert lines["CARD"] == 0.0 and lines["AUTO"] == 0.0  # the quiet treatment
    assert lines["NONE"] > 5 and lines["MORTGAGE"] > 5  # no product, another product: standard
    mine = {line.account_id: line.reasons for line in todays_worklist(runtime, "U0AGENT1").lines}
    assert mine["CARD"] == ("try first: SMS",) and "try first: SMS" not in mine["NONE"]
    stages = {
        decision.account_id: decision.stage.name for decision in plan_dunning(runtime, MONDAY).decisions
    }
    assert stages["CARD"] == "nudge" and stages["AUTO"] == "nudge" and stages["NONE"] == "reminder"


def test_the_mornings_read_of_the_portfolio_asks_for_the_product_only_when_a_rule_reads_it() -> None:
    assert "accounts.product" not in str(facts_query())
    assert "accounts.product" in str(facts_query(product=True))
    # The same row shape either way: a NULL stands in for the product.
    assert len(facts_query().selected_columns) == len(facts_query(product=True).selected_columns)
    # The morning's raw read too.
    assert "accounts.product" not in str(scoring_query())
    assert "accounts.product" in str(scoring_query(product=True))
    assert len(scoring_query().selected_columns) == len(scoring_query(product=True).selected_columns)


def test_the_results_compare_the_two_sides(
    runtime: Runtime, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(40):
        add_account(runtime.db, f"E-{n:02}", "100.00", due_date=past_due(10))
    run_draw(runtime, 5, at=datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    sides = drawn(runtime.db)
    with runtime.db.transaction() as session:
        pks = dict(session.execute(select(Account.account_id, Account.id)).all())
        for account_id, arm in sides.items():
            if arm == Arm.CHALLENGER:
                session.add(Payment(account_pk=pks[account_id], amount=Decimal("25.00"), currency="USD",
                                    received_at=datetime(2026, 11, 10, 15, 0, tzinfo=UTC), recorded_by="test",
                                    created_at=MONDAY))  # fmt: skip
            session.add(Contact(account_pk=pks[account_id], at=datetime(2026, 11, 10, 15, 0, tzinfo=UTC),
                                channel="call", outcome="right-party" if arm == Arm.CHALLENGER else "no-answer",
                                created_at=MONDAY))  # fmt: skip
    with runtime.db.reading() as session:
        plan = strategy_in_force(session, runtime.settings)
        (found,) = results(session, plan, date(2026, 11, 1), date(2026, 11, 30), runtime.settings)
    assert found.segment == "early" and found.active
    assert (found.champion.accounts, found.challenger.accounts if found.challenger else 0) == (32, 8)
    assert found.champion.rpc.hits == 0 and found.champion.rpc.trials == 32
    assert found.challenger is not None and found.challenger.rpc.hits == 8
    (usd,) = found.challenger.collected
    assert (usd.currency, usd.mean) == ("USD", Decimal("25.00"))
    assert dict(found.verdicts)["rpc"] == Verdict.TOO_FEW  # 8 challenger attempts
    text = "\n".join(result_lines([found]))
    assert "too few accounts to tell" in text and "$25.00 per account" in text
    with runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(StrategyAssignment)) == 40
    # The same from the command line, for a closed month.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLLECT_STRATEGY_FILE", STRATEGY)
    monkeypatch.setenv("COLLECT_TIMEZONE", "America/New_York")
    capsys.readouterr()
    assert main(["report", "--strategy", "--month", "2026-11"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Strategy: champion/challenger, 2026-11-01 to 2026-11-30 (America/New_York)")
    assert "Segment early" in printed and "challenger quiet: 8 accounts" in printed
    assert "RPC rate: 100.0% (67.6% to 100.0%, 8 of 8)" in printed
    assert main(["report", "--month", "2026-11"]) == 2


# --- /collect strategy promote|stop, through the real endpoint -------------------------------------

ANA, SAM = "U0AGENT1", "U0SUPER1"


def test_a_supervisor_stops_or_promotes_a_challenger_from_slack(team: RunningBot) -> None:
    db = team.runtime.db

    def decisions() -> list[tuple[str, str, str, str]]:
        with db.reading() as session:
            rows = session.execute(
                select(StrategyDecision.segment, StrategyDecision.challenger, StrategyDecision.decision,
                       StrategyDecision.decided_by).order_by(StrategyDecision.id)
            )  # fmt: skip
            return [tuple(row) for row in rows]  # type: ignore[misc]

    refused = team.collect(ANA, "strategy promote early")
    assert "Only supervisors and managers can promote or stop a challenger" in refused
    assert "No champion/challenger test runs under" in team.collect(SAM, "strategy promote nothing")
    assert "takes `promote` or `stop`" in team.collect(SAM, "strategy promote")
    assert decisions() == []

    # The challenger's treatment names the test too; the team's own words are understood.
    answer = team.collect(SAM, "estratégia promover quiet")
    assert "`quiet` is now the treatment of every account (was `standard`)" in answer
    assert decisions() == [("early", "quiet", "promote", SAM)]
    with db.reading() as session:
        plan = strategy_in_force(session, team.runtime.settings)
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "strategy.promoted")).all()
    early = plan.segment("early")
    assert early is not None and early.champion.name == "quiet" and early.challenger is None
    assert (entry.actor, entry.entity_key, entry.after) == (
        SAM,
        "early",
        {"champion": "quiet", "challenger": None},
    )
    # Decided: there is no test to stop any more.
    assert "No champion/challenger test runs under" in team.collect(SAM, "strategy stop early")


def test_stopping_returns_the_challengers_accounts_to_the_champion(team: RunningBot) -> None:
    for n in range(10):
        add_account(team.runtime.db, f"E-{n:02}", "100.00", due_date=past_due(10))
    run_draw(team.runtime, 1)
    answer = team.collect(SAM, "strategy stop early")
    assert "the challenger `quiet` is stopped; its accounts return to `standard`" in answer
    with team.runtime.db.reading() as session:
        plan = strategy_in_force(session, team.runtime.settings)
        # The draws are kept (the results stay readable); nobody is treated as the challenger.
        assert challengers_drawn(session, plan) == set()
        assert session.scalar(select(func.count()).select_from(StrategyAssignment)) == 10
        (found,) = results(session, plan, date(2026, 11, 1), TODAY, team.runtime.settings)
    assert not found.active


def test_the_monthly_digest_has_the_tests_section_in_its_thread(runtime: Runtime) -> None:
    for n in range(12):
        add_account(runtime.db, f"E-{n:02}", "100.00", due_date=past_due(10))
    run_draw(runtime, 4, at=datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    # Tuesday 1 December 2026, 08:00 in New York: the first working day of the month.
    report = run_job(
        runtime, "performance-digest-month", datetime(2026, 12, 1, 13, 30, tzinfo=UTC), by="test"
    )
    assert report.ran, report.message
    with runtime.db.reading() as session:
        (message,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "digest-strategy")
        ).all()
    shown = json.dumps(message.payload["blocks"], ensure_ascii=False)
    assert "Champion/challenger tests, Nov 1, 2026 to Nov 30, 2026" in shown
    assert "Segment early" in shown and "champion standard: 10 accounts" in shown
    assert "too few accounts to tell" in shown
    assert str(message.payload["thread_key"]).endswith(":C0SUPERVISORS")
    # The narrative that opens the digest tells the test in one sentence, with the same rates.
    with runtime.db.reading() as session:
        digest = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "digest", OutboxMessage.channel == "C0SUPERVISORS"
            )
        ).first()
    assert digest is not None
    opening = json.dumps(digest.payload, ensure_ascii=False)
    assert "In the early segment, the challenger quiet cured" in opening
    assert "under standard (too few accounts to tell)" in opening


def test_the_monthly_narrative_says_what_changed_in_a_segment_that_month_with_its_day(
    runtime: Runtime,
) -> None:
    """The challenger's first draw and a supervisor's decision, each said on its day and only in
    the month it fell in: the figures come after it, not because of it."""
    for n in range(12):
        add_account(runtime.db, f"E-{n:02}", "100.00", due_date=past_due(10))
    run_draw(runtime, 4, at=datetime(2026, 10, 30, 14, 0, tzinfo=UTC))  # started in October
    with runtime.db.transaction() as session:
        session.add(StrategyDecision(segment="early", challenger="quiet", decision="stop", decided_by="U0SUPER1",
                                     decided_at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC)))  # fmt: skip

    def opening(at: datetime) -> str:
        assert run_job(runtime, "performance-digest-month", at, by="test").ran
        with runtime.db.reading() as session:
            digests = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "digest", OutboxMessage.channel == "C0SUPERVISORS")
                .order_by(OutboxMessage.id)
            ).all()
        return str(digests[-1].payload["blocks"][2]["text"]["text"])

    october = opening(datetime(2026, 11, 2, 13, 30, tzinfo=UTC))
    assert (
        "In the early segment, the challenger quiet started on Oct 30, 2026, with 20% of the segment's"
        " accounts drawn for it." in october
    )
    assert "stopped" not in october
    november = opening(datetime(2026, 12, 1, 13, 30, tzinfo=UTC))
    assert "In the early segment, the challenger quiet was stopped on Nov 20, 2026." in november
    assert "started" not in november
