"""Socket Mode: the bot connected to the stand-in over a real WebSocket does what it does over HTTP
(the main scenarios run in both modes), handles an envelope Slack delivers again once, follows
Slack's disconnect messages, comes back after a dropped connection, and says on /healthz whether
it is connected."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.ids import ActionId, BlockId
from bot.ledger.records.accounts import find_account
from storage.database import Database
from storage.models import Contact, Payment, ReceivedEvent
from tests.conftest import RunningBot, serving
from tests.portfolio import morning_team
from wiring.standin.web_api import SlackStandIn

AGENT = "U0AGENT1"


@pytest.fixture(params=["http", "socket"])
def desk(
    request: pytest.FixtureRequest, db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> Iterator[RunningBot]:
    """The morning team's bot, served in each mode."""
    with serving(db, database_url, standin, clock, mode=request.param) as running:
        morning_team(db)
        yield running


@pytest.fixture
def socket_desk(db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock) -> Iterator[RunningBot]:
    with serving(db, database_url, standin, clock, mode="socket") as running:
        morning_team(db)
        yield running


def count(db: Database, model: Any) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def health(bot: RunningBot) -> int:
    try:
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


def wait_for_health(bot: RunningBot, status: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while health(bot) != status:
        assert time.monotonic() < deadline, f"/healthz did not answer {status} within {timeout}s"
        time.sleep(0.02)


def posted_dm(bot: RunningBot, user: str) -> dict[str, Any]:
    call = next(c for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == user and c.ok)
    return bot.slack.messages(call.response["channel"])[0]


def pay_values(account_id: str, amount: str) -> dict[str, Any]:
    return {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": account_id}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": amount}},
    }


# --- The same bot in both modes -------------------------------------------------------------------


def test_a_slash_command_is_answered_and_applied_once(desk: RunningBot) -> None:
    assert "$250.00" in desk.collect(AGENT, "account ACC-1")
    assert "Logged call" in desk.collect(AGENT, "log ACC-1 call vm")
    assert "Logged call" in desk.collect(AGENT, "log ACC-1 call vm")  # typed twice: done twice
    assert count(desk.runtime.db, Contact) == 2


def test_a_slow_command_answers_through_response_url(desk: RunningBot) -> None:
    db = desk.runtime.db
    with db.transaction() as session:
        # Held past the budget by the account's row lock (the whole database on SQLite).
        find_account(session, "ACC-1", for_update=True)
        answer = desk.send.slash_command(AGENT, "pay ACC-1 10")
        assert answer.status == 200 and "$10.00" not in answer.body, answer.body
    late = desk.slack.wait_for_response(url=answer.response_url)[-1]
    assert "$10.00" in json.dumps(late)
    assert count(db, Payment) == 1


def test_a_button_on_the_worklist_opens_the_form_and_the_form_records_the_payment(desk: RunningBot) -> None:
    desk.run_morning()
    message = posted_dm(desk, AGENT)
    menu = next(
        block["accessory"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.WORKLIST_LINE_MENU
        and "ACC-1" in json.dumps(block)
    )
    pay = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "pay")
    clicked = {"action_id": ActionId.WORKLIST_LINE_MENU, "type": "overflow", "selected_option": pay}
    assert desk.send.block_actions(AGENT, [clicked], message=message).status == 200
    opened = desk.slack.wait_for("views.open")[0].response["view"]
    assert opened["blocks"][0]["element"]["initial_option"]["value"] == "ACC-1"

    submitted = desk.send.view_submission(AGENT, opened, pay_values("ACC-1", "10"))
    assert submitted.status == 200 and submitted.json() is None  # the form closes
    assert count(desk.runtime.db, Payment) == 1


def test_the_app_home_is_published_when_opened(desk: RunningBot) -> None:
    desk.run_morning()
    assert desk.send.event({"type": "app_home_opened", "user": AGENT, "tab": "home"}).status == 200
    published = desk.slack.wait_for("views.publish")[0]
    assert published.params["user_id"] == AGENT and "ACC-1" in json.dumps(published.params["view"])
