"""The worklist as a supervisor would plan it (issue 18): the most valuable accounts never left off
every list for want of a senior agent, each line saying when its customer may be called in the
reader's own time, the customers who may be called now first, and no raw UTC in anything the bot
shows. Through the real endpoint and the Slack stand-in; the rules at their edges below."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.assignments.rules.allocation import Placed, working_order
from bot.blocks.mrkdwn import local_time
from bot.compliance.rules.regulation import callable_from
from bot.ids import ActionId
from storage.models import Account, Assignment
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent

AGENT, OTHER, SUPERVISOR = "U0AGENT1", "U0AGENT2", "U0SUPER1"
SUPERVISORS = "C0SUPERVISORS"
TODAY = date(2026, 11, 23)
MONDAY_8AM = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York, the team's zone
NEW_YORK, LOS_ANGELES = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")


def dms(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == user and c.ok]


def shown(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + json.dumps(message.get("blocks", []), ensure_ascii=False)


def summary(bot: RunningBot) -> str:
    (posted,) = [
        c.params for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == SUPERVISORS
    ]
    return shown(posted)


def lines(message: dict[str, Any]) -> list[str]:
    return [
        block["text"]["text"]
        for block in message["blocks"]
        if block["type"] == "section" and re.match(r"\*\d+\.\*", block["text"]["text"])
    ]


# --- the high-value fallback -------------------------------------------------------------------------


@pytest.fixture
def no_senior(bot: RunningBot) -> RunningBot:
    """The issue's morning: the roster has no senior agent, and the team's most valuable account
    (48,250, 169 days past due) is Ana's."""
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent", daily_capacity=3)
    add_agent(db, OTHER, "Bo Agent", daily_capacity=3)
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1004", "48250.00", assigned_to=AGENT, due_date=TODAY - timedelta(days=169))
    add_account(db, "BIG-2", "20000.00", assigned_to=None)
    add_account(db, "ACC-7", "300.00", assigned_to=AGENT)
    return bot


def test_with_no_senior_agent_the_most_valuable_account_stays_on_its_agents_list_and_is_flagged(
    no_senior: RunningBot,
) -> None:
    no_senior.run_morning(MONDAY_8AM)
    ana, bo = shown(dms(no_senior, AGENT)[0]), shown(dms(no_senior, OTHER)[0])
    assert "ACC-1004" in ana and "ACC-7" in ana  # continuity: it stays with Ana
    assert "BIG-2" in ana + bo  # nobody holds it: shared out like any other account
    flagged = summary(no_senior)
    assert ":warning: *2 high-value accounts with no senior agent:* `ACC-1004`, `BIG-2`" in flagged
    assert "Nobody at work today may take high-value accounts" in flagged
    assert "Maria Silva" not in flagged  # account ids for the supervisors, never a customer's name


def test_a_senior_agent_at_work_takes_the_high_value_accounts_and_nothing_is_flagged(
    no_senior: RunningBot,
) -> None:
    add_agent(no_senior.runtime.db, "U0SENIOR", "Sara Senior", tier="senior", daily_capacity=3)
    no_senior.run_morning(MONDAY_8AM)
    sara = shown(dms(no_senior, "U0SENIOR")[0])
    assert "ACC-1004" in sara and "BIG-2" in sara
    assert "ACC-1004" not in shown(dms(no_senior, AGENT)[0])
    assert "senior agent" not in summary(no_senior)


# --- callable from, in the reader's own time ------------------------------------------------------------


@pytest.fixture
def coast_to_coast(bot: RunningBot) -> RunningBot:
    """A New York team (the tests' zone) with customers in New York and Los Angeles: at 08:00 in New
    York it is 05:00 in Los Angeles, and calls there may start at 08:00 theirs, 11:00 in New York."""
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent", daily_capacity=10, timezone="America/New_York")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    # The same facts, so the same score: only the customer's zone tells them apart. LA-1 comes
    # first in the database, so without the rule it would come first on the list.
    add_account(db, "LA-1", "900.00", customer_timezone="America/Los_Angeles")
    add_account(db, "NY-1", "900.00", customer_timezone="America/New_York")
    # A whole point of score above them (ten times the balance): first, callable or not.
    add_account(db, "LA-BIG", "9500.00", customer_timezone="America/Los_Angeles")
    return bot


def a_customer_nobody_knows_the_zone_of(bot: RunningBot) -> None:
    add_account(bot.runtime.db, "NOWHERE-1", "700.00", customer_timezone=None)


def test_a_los_angeles_customer_of_a_new_york_team_is_callable_from_11_in_each_readers_time(
    coast_to_coast: RunningBot,
) -> None:
    coast_to_coast.run_morning(MONDAY_8AM)
    (message,) = dms(coast_to_coast, AGENT)
    eleven_in_new_york = int(datetime(2026, 11, 23, 16, 0, tzinfo=UTC).timestamp())
    token = f"<!date^{eleven_in_new_york}^callable from {{time}}|callable from 11:00 EST>"
    la_line = next(line for line in lines(message) if "`LA-1`" in line)
    assert token in la_line  # Slack shows {time} in each reader's zone; the fallback is the team's
    ny_line = next(line for line in lines(message) if "`NY-1`" in line)
    assert "callable from" not in ny_line
    with coast_to_coast.runtime.db.reading() as session:
        stored = session.scalar(
            select(Assignment.callable_from).join(Account).where(Account.account_id == "LA-1")
        )
    assert stored == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # the instant, in UTC
    # `/collect mine` reads the same back from the assignments table.
    mine = coast_to_coast.collect(AGENT, "mine")
    assert token in mine


def test_customers_not_callable_yet_come_after_the_callable_ones_of_the_same_priority(
    coast_to_coast: RunningBot,
) -> None:
    coast_to_coast.run_morning(MONDAY_8AM)
    (message,) = dms(coast_to_coast, AGENT)
    order = [re.search(r"`([^`]+)`", line).group(1) for line in lines(message)]  # type: ignore[union-attr]
    assert order == ["LA-BIG", "NY-1", "LA-1"]
    with coast_to_coast.runtime.db.reading() as session:
        ranks = dict(session.execute(select(Account.account_id, Assignment.rank).join(Account)).all())
    assert ranks == {"LA-BIG": 1, "NY-1": 2, "LA-1": 3}


@pytest.mark.settings(COLLECT_COMPLIANCE_PROFILE="off")
def test_with_the_contact_rules_off_no_line_waits_for_calling_hours(coast_to_coast: RunningBot) -> None:
    coast_to_coast.run_morning(MONDAY_8AM)
    (message,) = dms(coast_to_coast, AGENT)
    assert "callable from" not in shown(message)


# --- no raw UTC in what people see ----------------------------------------------------------------------

_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*\|[^>]*>")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# A time of day outside a date token must say whose it is: a zone ("13:00 EST", "06:05
# (Pacific/Honolulu)") or the customer's own hours ("08:00-21:00 local time").
_UNNAMED_CLOCK = re.compile(
    r"\b\d{1,2}:\d{2}\b(?! [A-Z]{3,5}\b| \([A-Z][\w/+-]+\)|-\d{1,2}:\d{2} (local|their) time| (local|their) time)"
)


def block_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return found + [text for value in node.values() for text in block_texts(value)]
    if isinstance(node, list):
        return [text for item in node for text in block_texts(item)]
    return []


def test_no_message_the_bot_sends_shows_a_raw_utc_time(coast_to_coast: RunningBot) -> None:
    """A morning in full: the worklists and the summary, an account card with its contacts and
    payments, an escalation card, an alert taken over. Every time of day in the blocks is a date
    token; the plain fallbacks say the team's zone by name; nothing says UTC."""
    bot = coast_to_coast
    a_customer_nobody_knows_the_zone_of(bot)
    bot.run_morning(MONDAY_8AM)
    bot.clock.set(MONDAY_8AM + timedelta(hours=3, minutes=5))
    answers = [
        bot.collect(AGENT, "log LA-1 call no-answer tried the office"),
        bot.collect(AGENT, "pay LA-1 100 card ref:CARD-1"),
        bot.collect(AGENT, "account LA-1"),
        bot.collect(AGENT, "escalate LA-BIG settlement 5000 lost job"),
        bot.collect(SUPERVISOR, "escalations"),
        bot.collect(AGENT, "log NOWHERE-1 call no-answer"),  # refused: too early in Honolulu
    ]
    add_account(bot.runtime.db, "ALERT-1", "25000.00", due_date=TODAY - timedelta(days=3), assigned_to=None)
    bot.run_job("supervisor-alerts", MONDAY_8AM + timedelta(hours=3, minutes=15))
    alert = next(m for m in bot.slack.messages(SUPERVISORS) if "alert-line-" in json.dumps(m))
    take_over = next(
        element
        for block in alert["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element.get("action_id") == ActionId.ALERT_TAKE_OVER
    )
    bot.send.block_actions(SUPERVISOR, [take_over], message=alert)
    bot.slack.wait_for("chat.update")
    sent = [
        call.params
        for call in bot.slack.calls("chat.postMessage") + bot.slack.calls("chat.update")
        if call.ok
    ] + [json.loads(answer) for answer in answers]
    for message in sent:
        for text in block_texts(message.get("blocks", [])):
            bare = _TOKEN.sub("", text)
            assert "UTC" not in text and not _ISO_TIME.search(bare) and not _UNNAMED_CLOCK.search(bare), text
        fallback = str(message.get("text", ""))
        assert "UTC" not in fallback and not _ISO_TIME.search(fallback), fallback
    assert any("callable from" in shown(message) for message in sent)
    assert "Try again from 13:00 EST on Monday 23 November" in answers[-1]  # 08:00 in Honolulu
    assert any("<!date^" in shown(message) for message in sent if "Escalation" in shown(message))


# --- the rules at their edges ------------------------------------------------------------------------


def test_callable_from_reads_the_customers_hours_in_their_zone() -> None:
    eight_in_new_york = datetime(2026, 11, 23, 8, 0, tzinfo=NEW_YORK)
    assert callable_from(eight_in_new_york, "America/New_York", None) == eight_in_new_york
    assert callable_from(eight_in_new_york, "America/Los_Angeles", None) == datetime(
        2026, 11, 23, 8, 0, tzinfo=LOS_ANGELES
    )
    # 21:00 is already too late: the next morning.
    nine_pm = datetime(2026, 11, 23, 21, 0, tzinfo=NEW_YORK)
    assert callable_from(nine_pm, "America/New_York", None) == datetime(2026, 11, 24, 8, 0, tzinfo=NEW_YORK)
    # Unknown zone, a +44 number: London's hours.
    assert callable_from(datetime(2026, 11, 23, 7, 0, tzinfo=UTC), None, "+44 20 7946 0000") == datetime(
        2026, 11, 23, 8, 0, tzinfo=UTC
    )
    # Unknown zone, no phone: every US and Canadian zone must be within hours, Honolulu's last.
    assert callable_from(eight_in_new_york, None, None) == datetime(
        2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Pacific/Honolulu")
    )


def test_the_fallback_of_a_time_is_in_the_teams_zone_with_its_name() -> None:
    at = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert local_time(at, NEW_YORK, "callable from {time}") == (
        "<!date^1795449600^callable from {time}|callable from 11:00 EST>"
    )
    assert local_time(at, ZoneInfo("America/Sao_Paulo"), "{date_num} {time}").endswith(
        "|2026-11-23 13:00 America/Sao_Paulo>"
    )
    summer = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert local_time(summer, NEW_YORK).endswith("|Jul 1, 2026 12:00 EDT>")
    assert local_time(datetime(2026, 11, 23, 16, 0), NEW_YORK, "{time}").endswith("|11:00 EST>")  # naive: UTC


def test_within_a_priority_the_callable_come_first_but_never_above_a_higher_priority() -> None:
    order = working_order(
        [Placed(1, 12.9, True), Placed(2, 12.1, False), Placed(3, 13.0, True), Placed(4, 11.99, False)]
    )
    assert [line.pk for line in order] == [3, 2, 1, 4]
    assert working_order([]) == []
    ties = [Placed(5, 2.5, False), Placed(4, 2.5, False)]
    assert [line.pk for line in working_order(ties)] == [4, 5]


@given(
    st.lists(
        st.tuples(st.floats(-20, 60, allow_nan=False), st.booleans()), max_size=40, unique_by=lambda t: t[0]
    )
)
def test_the_working_order_keeps_every_line_and_never_puts_a_lower_priority_first(
    found: list[tuple[float, bool]],
) -> None:
    order = working_order([Placed(pk, score, later) for pk, (score, later) in enumerate(found)])
    assert sorted(line.pk for line in order) == list(range(len(found)))
    for before, after in pairwise(order):
        assert int(before.score // 1) >= int(after.score // 1)
        if int(before.score // 1) == int(after.score // 1):
            assert (before.callable_later, -before.score) <= (after.callable_later, -after.score)
