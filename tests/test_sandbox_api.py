"""The sandbox's page API, as the browser page drives it: a person acts, the real bot answers
through the Slack stand-in, and the state shows what that person would see in Slack."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.ids import ActionId, BlockId
from storage.database import Database
from tests.conftest import MONDAY_9AM
from tests.portfolio import add_account, add_agent
from wiring.sandbox.launch import RunningSandbox, running_sandbox

AGENT, SUPERVISOR = "U0AGENT1", "U0SUPER1"


def small_team(db: Database) -> None:
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1042", "1250.00", customer_name="Maria Silva")


@pytest.fixture
def sandbox(database_url: str) -> Iterator[RunningSandbox]:
    before_nine = MONDAY_9AM.replace(hour=11)  # 06:00 in New York: the morning run is not due yet
    with running_sandbox(port=0, database_url=database_url, start=before_nine, prepare=small_team) as running:
        yield running


def call(sandbox: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        sandbox.url + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=15) as answer:
        return json.load(answer)


def state(sandbox: RunningSandbox, user: str) -> Any:
    return call(sandbox, f"/api/state?user={user}")


def dm(sandbox: RunningSandbox, user: str) -> str:
    return str(next(c["id"] for c in state(sandbox, user)["conversations"] if c["kind"] == "dm"))


def test_the_page_and_its_assets_are_served_locally(sandbox: RunningSandbox) -> None:
    with urllib.request.urlopen(sandbox.url + "/", timeout=10) as page:
        html = page.read().decode()
    assert "/static/app.js" in html and "http" not in html.replace("http-equiv", "")


def test_a_typed_payment_is_confirmed_ephemerally(sandbox: RunningSandbox) -> None:
    channel = dm(sandbox, AGENT)
    call(sandbox, "/api/command", {"user": AGENT, "channel": channel, "text": "/collect pay ACC-1042 250"})
    shown = state(sandbox, AGENT)["messages"][channel]
    assert shown[-1]["ephemeral"] and "Recorded $250.00" in shown[-1]["text"]
    assert not any(m["ephemeral"] for m in state(sandbox, SUPERVISOR)["messages"].get(channel, []))


def test_the_morning_run_shows_the_worklist_and_a_line_opens_its_form(sandbox: RunningSandbox) -> None:
    call(sandbox, "/api/run", {"job": "daily-assignments"})
    channel = dm(sandbox, AGENT)
    worklist = state(sandbox, AGENT)["messages"][channel][-1]
    assert worklist["bot"] and "ACC-1042" in json.dumps(worklist["blocks"])
    menu = next(
        b["accessory"] for b in worklist["blocks"] if b.get("accessory", {}).get("type") == "overflow"
    )
    pay = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "pay")
    action = {"action_id": ActionId.WORKLIST_LINE_MENU, "type": "overflow", "selected_option": pay}
    call(
        sandbox,
        "/api/action",
        {"user": AGENT, "channel": channel, "message_ts": worklist["ts"], "action": action},
    )
    view = sandbox.world.slack.wait_for("views.open")[-1].response["view"]
    assert state(sandbox, AGENT)["view"]["id"] == view["id"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "abc"}},
    }
    refused = call(sandbox, "/api/submit", {"user": AGENT, "view_id": view["id"], "values": values})
    assert BlockId.AMOUNT in refused["errors"]
    values[BlockId.AMOUNT][ActionId.AMOUNT_INPUT]["value"] = "100"
    assert call(sandbox, "/api/submit", {"user": AGENT, "view_id": view["id"], "values": values}) == {
        "ok": True
    }
    assert state(sandbox, AGENT)["view"] is None


def test_the_clock_moves_and_the_supervisor_sees_the_channel(sandbox: RunningSandbox) -> None:
    before = state(sandbox, AGENT)["now"]
    call(sandbox, "/api/clock", {"hours": 2})
    assert state(sandbox, AGENT)["now"] > before
    assert [c["kind"] for c in state(sandbox, SUPERVISOR)["conversations"]] == ["channel", "dm"]
    assert [c["kind"] for c in state(sandbox, AGENT)["conversations"]] == ["dm"]


def test_a_tick_the_clock_started_is_over_once_the_sandbox_has_stopped(database_url: str) -> None:
    """Moving the clock runs the scheduler at once, off the request; stopping the sandbox waits for
    that run, which would otherwise go on writing into a database its owner may already reuse."""
    before_nine = MONDAY_9AM.replace(hour=11)
    with running_sandbox(port=0, database_url=database_url, start=before_nine, prepare=small_team) as running:
        call(running, "/api/clock", {"hours": 26})  # the morning run, a digest and housekeeping fall due
    assert [t.name for t in threading.enumerate() if t.name.startswith("sandbox-tick")] == []
