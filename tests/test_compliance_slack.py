"""The contact rules through Slack: refusals reach the agent ephemerally, leave the data unchanged,
and are recorded; holds and a supervisor's exception work as a collections team expects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from schedules.runner import run_job
from storage.models import Account, Assignment, ComplianceRefusal, Contact, Promise
from tests.conftest import MONDAY_9AM, RunningBot
from tests.portfolio import add_account, add_agent

AGENT, SUPERVISOR = "U0AGENT1", "U0SUPER1"


@pytest.fixture
def desk(bot: RunningBot) -> RunningBot:
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "NY-1", "500.00")
    add_account(db, "LA-1", "500.00", customer_timezone="America/Los_Angeles")
    add_account(db, "NOZONE-1", "500.00", customer_timezone=None, phone="+1 808 555 0100")
    return bot


def count(bot: RunningBot, model: Any, *where: Any) -> int:
    with bot.runtime.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def calls_on(bot: RunningBot, account_id: str, days_ago: list[int]) -> None:
    with bot.runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        for n in days_ago:
            at = MONDAY_9AM - timedelta(days=n)
            session.add(
                Contact(
                    account_pk=account.id,
                    at=at,
                    channel="call",
                    outcome="no-answer",
                    agent=AGENT,
                    created_at=at,
                )
            )


def test_the_eighth_call_in_seven_days_is_refused_and_recorded(desk: RunningBot) -> None:
    calls_on(desk, "NY-1", [1, 1, 2, 3, 4, 5, 6])
    refused = desk.collect(AGENT, "log NY-1 call no-answer")
    assert "ephemeral" in refused and "7 calls" in refused
    assert count(desk, Contact) == 7
    with desk.runtime.db.reading() as session:
        refusal = session.scalars(select(ComplianceRefusal)).one()
    assert (refusal.actor, refusal.rule) == (AGENT, "7-in-7")
    assert "Logged email" in desk.collect(AGENT, "log NY-1 email no-answer")  # an email is not a call


def test_a_call_in_which_the_debtor_refused_to_pay_is_a_conversation_for_the_seven_days(
    desk: RunningBot,
) -> None:
    """Regulation F counts any telephone conversation about the debt, whatever came of it: a call in
    which the debtor refused to pay blocks calls for seven days, at the moment of acting and in the
    morning's worklists alike (one rule, DOMAIN.md's right-party contact)."""
    assert "Logged call" in desk.collect(AGENT, "log NY-1 call refused says he will not pay")
    refused = desk.collect(AGENT, "log NY-1 call no-answer")
    assert "ephemeral" in refused and "spoke with the customer by phone" in refused
    assert count(desk, Contact) == 1
    run_job(desk.runtime, "daily-assignments", MONDAY_9AM + timedelta(days=1), by="test")
    with desk.runtime.db.reading() as session:
        listed = session.scalars(select(Assignment.account_pk)).all()
        ny = session.scalars(select(Account.id).where(Account.account_id == "NY-1")).one()
    assert ny not in listed


def test_a_call_before_eight_in_the_customers_zone_is_refused(desk: RunningBot) -> None:
    assert "Logged call" in desk.collect(AGENT, "log NY-1 call vm")  # 09:00 in New York
    refused = desk.collect(AGENT, "log LA-1 call vm")  # 06:00 in Los Angeles
    assert "08:00" in refused and count(desk, Contact, Contact.account_pk.isnot(None)) == 1
    desk.clock.set(MONDAY_9AM + timedelta(hours=2))  # 08:00 in Los Angeles
    assert "Logged call" in desk.collect(AGENT, "log LA-1 call vm")


def test_an_unknown_zone_needs_every_plausible_zone_awake_or_a_supervisors_exception(
    desk: RunningBot,
) -> None:
    refused = desk.collect(AGENT, "log NOZONE-1 call vm")
    assert "Honolulu" in refused and "override" in refused
    assert "Only supervisors" in desk.collect(
        AGENT, "override NOZONE-1 time-zone-unknown customer asked us to call at 9"
    )
    assert "One exception" in desk.collect(
        SUPERVISOR, "override NOZONE-1 time-zone-unknown customer asked us to call at 9"
    )
    assert "Logged call" in desk.collect(AGENT, "log NOZONE-1 call rpc")
    assert "Honolulu" in desk.collect(AGENT, "log NOZONE-1 sms vm")  # used once


def test_a_dispute_holds_the_account_until_a_supervisor_releases_it(desk: RunningBot) -> None:
    desk.collect(AGENT, "log NY-1 call dispute says it was paid")
    assert "disputed" in desk.collect(AGENT, "log NY-1 call vm")
    assert "Logged letter" in desk.collect(AGENT, "log NY-1 letter no-answer validation notice")
    assert "Logged call" in desk.collect(
        AGENT, "log NY-1 call rpc inbound: customer called us"
    )  # answering is allowed
    assert "disputed" in desk.collect(AGENT, "promise NY-1 100 friday") and count(desk, Promise) == 0
    assert "Only supervisors" in desk.collect(AGENT, "release NY-1 verification sent")
    assert "released" in desk.collect(SUPERVISOR, "release NY-1 verification sent 2026-11-23")
    assert "Promise of $100.00" in desk.collect(AGENT, "promise NY-1 100 friday")


def test_holds_by_command_and_refusals_count_as_attempted_breaches(desk: RunningBot) -> None:
    assert "on hold: cease-communication" in desk.collect(
        AGENT, "hold NY-1 cease-communication letter received"
    )
    desk.collect(AGENT, "log NY-1 call vm")
    desk.clock.set(datetime(2026, 11, 24, 4, 45, tzinfo=UTC))
    mine = desk.collect(AGENT, "report day")
    assert "Attempts refused by the contact rules*\\n1" in mine and count(desk, ComplianceRefusal) == 1


def test_a_replayed_refused_log_is_refused_as_a_replay_and_recorded_once(desk: RunningBot) -> None:
    # The log claims its signature in its own transaction; a refusal rolls that back and writes
    # the refusal on its own, so the refusal's transaction must claim it too.
    first = desk.send.slash_command(AGENT, "log LA-1 call vm")  # 06:00 in Los Angeles
    assert "08:00" in first.body
    again = desk.send.resend(first)
    assert again.status == 200 and "already received" in again.body
    assert count(desk, ComplianceRefusal) == 1
