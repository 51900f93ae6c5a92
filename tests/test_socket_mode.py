"""Socket Mode: the bot connected to the stand-in over a real WebSocket does what it does over HTTP
(the main scenarios run in both modes), handles an envelope Slack delivers again once, follows
Slack's disconnect messages, comes back after a dropped connection, and says on /healthz whether
it is connected."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.ids import ActionId, BlockId
from bot.ledger.records.accounts import find_account
from storage.database import Database
from storage.models import Contact, Payment, ReceivedEvent, ReceivedRequest
from tests.conftest import RunningBot, serving
from tests.portfolio import morning_team
from wiring.standin.requests import SlackRequestSender
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
def socket_desk(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> Iterator[RunningBot]:
    with serving(db, database_url, standin, clock, mode="socket") as running:
        morning_team(db)
        yield running


def count(db: Database, model: Any) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def health(url: str) -> int:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


def wait_for_health(url: str, status: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while health(url) != status:
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


def test_a_slash_command_is_answered_and_each_one_applied(desk: RunningBot) -> None:
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


# --- Delivered again ------------------------------------------------------------------------------


def test_a_slash_command_delivered_again_is_applied_once(socket_desk: RunningBot) -> None:
    first = socket_desk.send.slash_command(AGENT, "log ACC-1 call vm")
    assert "Logged call" in first.body
    again = socket_desk.send.resend(first)
    assert again.status == 200 and "already received" in again.body, again.body
    assert count(socket_desk.runtime.db, Contact) == 1
    envelope = first.envelope
    assert (
        envelope is not None
        and len(socket_desk.slack.socket_mode.acknowledgements(envelope.envelope_id)) == 2
    )


def test_a_form_delivered_again_records_one_payment(socket_desk: RunningBot) -> None:
    socket_desk.send.slash_command(AGENT, "pay")
    view = socket_desk.slack.wait_for("views.open")[0].response["view"]
    first = socket_desk.send.view_submission(AGENT, view, pay_values("ACC-1", "10"))
    again = socket_desk.send.resend(first)
    assert first.status == again.status == 200 and again.body == ""
    assert count(socket_desk.runtime.db, Payment) == 1


def test_an_event_delivered_again_is_handled_once(socket_desk: RunningBot) -> None:
    opened = {"type": "app_home_opened", "user": AGENT, "tab": "home"}
    first = socket_desk.send.event(opened)
    # The same envelope again, and Slack's retry of the event in a new envelope.
    socket_desk.send.resend(first)
    socket_desk.send.event(opened, event_id=first.event_id, retry_num=1, retry_reason="http_timeout")
    socket_desk.slack.wait_for("views.publish")
    time.sleep(0.3)  # would a second publish come, it would by now
    assert len(socket_desk.slack.calls("views.publish")) == 1
    assert count(socket_desk.runtime.db, ReceivedEvent) == 1


def test_two_processes_share_the_envelopes_and_each_is_handled_once(
    socket_desk: RunningBot, clock: ManualClock
) -> None:
    from wiring.socket_mode import SocketModeBot

    hub = socket_desk.slack.socket_mode
    with socket_desk.another_process() as runtime:
        second = SocketModeBot(runtime, ping_seconds=0.25, keeper_seconds=0.05).start()
        try:
            hub.wait_for_connections(2)
            answers = [socket_desk.send.slash_command(AGENT, "log ACC-1 call vm") for _ in range(4)]
            assert all("Logged call" in answer.body for answer in answers)
            assert {link for answer in answers for link in answer.envelope.sent_on} == set(hub.connections())  # type: ignore[union-attr]
            # Delivered again on the other connection (the other process): still once.
            envelope = answers[0].envelope
            assert envelope is not None
            other = next(link for link in hub.connections() if link not in envelope.sent_on)
            ack = hub.deliver(envelope, link_id=other)
            assert ack is not None and "already received" in json.dumps(ack.payload)
            assert count(socket_desk.runtime.db, Contact) == 4
        finally:
            second.stop()


# --- What the network does ------------------------------------------------------------------------


def test_a_dropped_connection_is_noticed_and_made_again(socket_desk: RunningBot) -> None:
    hub = socket_desk.slack.socket_mode
    assert health(socket_desk.url) == 200
    hub.drop()
    hub.wait_for_connections(1, opened=2)
    wait_for_health(socket_desk.url, 200)
    assert "Logged call" in socket_desk.collect(AGENT, "log ACC-1 call vm")


def test_while_slack_is_unreachable_it_tries_again_and_waits_longer_each_time(
    socket_desk: RunningBot,
) -> None:
    slack, hub = socket_desk.slack, socket_desk.slack.socket_mode
    # Four failed attempts (each is the call and the client's three retries of a 5xx).
    slack.fail("apps.connections.open", status=503, times=16)
    slack.clear()
    hub.drop()
    wait_for_health(socket_desk.url, 503)
    hub.wait_for_connections(1, opened=2, timeout=20)
    wait_for_health(socket_desk.url, 200)
    calls = slack.calls("apps.connections.open")
    assert [call.ok for call in calls] == [False] * 16 + [True]
    attempts = [calls[i].at for i in range(0, 17, 4)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    # Backoff (1 s doubling, at most 0.4 s here, halved at worst by the jitter): never hammering.
    assert all(gap >= 0.2 for gap in gaps), gaps
    assert "Logged call" in socket_desk.collect(AGENT, "log ACC-1 call vm")


@pytest.mark.parametrize("reason", ["warning", "refresh_requested"])
def test_slacks_disconnect_moves_to_a_new_connection_before_the_old_one_closes(
    socket_desk: RunningBot, reason: str
) -> None:
    hub = socket_desk.slack.socket_mode
    (old,) = hub.connections()
    hub.disconnect(reason)
    # Both open at once: the new one was made while the old one still was.
    hub.wait_for_connections(2, opened=2)
    hub.close(link_id=old)  # as Slack does, when the app has not left it by itself
    deadline = time.monotonic() + 5
    while old in hub.connections():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    wait_for_health(socket_desk.url, 200, timeout=1)
    assert "Logged call" in socket_desk.collect(AGENT, "log ACC-1 call vm")
    assert hub.opened == 2
    assert count(socket_desk.runtime.db, Contact) == 1


# --- collect-bot serve ----------------------------------------------------------------------------


def serve(tmp_path: Path, standin: SlackStandIn, *args: str, **env: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COLLECT_", "DATABASE_URL"))}
    return subprocess.Popen(
        [sys.executable, "-m", "wiring.cli", "serve", "--host", "127.0.0.1", *args],
        env={
            **clean,
            "SLACK_BOT_TOKEN": standin.token,
            "SLACK_SIGNING_SECRET": "serve-secret",
            "SLACK_API_URL": standin.api_url,
            "COLLECT_TEAM_ID": standin.team_id,
            **env,
        },
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_up_line(server: subprocess.Popen[str]) -> str:
    assert server.stderr is not None
    for line in server.stderr:  # blocks until the server says how it serves
        if "collect-bot serving" in line:
            return line
    raise AssertionError(f"serve ended without serving (exit {server.wait()})")


def stopped(server: subprocess.Popen[str]) -> int:
    server.send_signal(signal.SIGTERM)
    try:
        return server.wait(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_with_an_app_token_connects_over_socket_mode_and_says_so(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    port = free_port()
    server = serve(tmp_path, standin, "--port", str(port), SLACK_APP_TOKEN=standin.app_token)
    try:
        line = start_up_line(server)
        assert "Socket Mode" in line and standin.app_token not in line, line
        standin.socket_mode.wait_for_connections(1)
        sender = SlackRequestSender("", "", standin=standin, socket_mode=True)
        answer = sender.slash_command("U0NOBODY", "help")
        assert answer.status == 200 and "/collect" in answer.body
        wait_for_health(f"http://127.0.0.1:{port}", 200)
        assert stopped(server) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert standin.socket_mode.connections() == []


def test_serve_with_http_stays_in_http_mode(tmp_path: Path, standin: SlackStandIn) -> None:
    server = serve(tmp_path, standin, "--port", str(free_port()), "--http", SLACK_APP_TOKEN=standin.app_token)
    try:
        assert "in HTTP mode" in start_up_line(server)
        assert stopped(server) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert standin.socket_mode.opened == 0


def test_a_bot_token_given_as_the_app_token_is_refused_in_one_line(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    server = serve(tmp_path, standin, "--port", str(free_port()), SLACK_APP_TOKEN="xoxb-wrong-kind")
    _, errors = server.communicate(timeout=60)
    assert server.returncode == 2
    assert errors.strip().splitlines() == [
        "collect-bot: SLACK_APP_TOKEN is invalid: Value error, must be an app-level token starting with"
        " xapp- (Basic Information → App-Level Tokens)"
    ]


def test_a_link_that_answers_no_pings_is_replaced(socket_desk: RunningBot) -> None:
    hub = socket_desk.slack.socket_mode
    (old,) = hub.connections()
    hub.silence(link_id=old)
    # Pings every 0.25 s here; three unanswered and the bot connects anew, closing the silent link.
    hub.wait_for_connections(1, opened=2, timeout=5)
    deadline = time.monotonic() + 5
    while old in hub.connections():
        assert time.monotonic() < deadline, "the silent link was kept"
        time.sleep(0.01)
    assert "Logged call" in socket_desk.collect(AGENT, "log ACC-1 call vm")


def test_a_click_delivered_again_is_handled_once(socket_desk: RunningBot) -> None:
    socket_desk.run_morning()
    message = posted_dm(socket_desk, AGENT)
    menu = next(
        block["accessory"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.WORKLIST_LINE_MENU
    )
    pay = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "pay")
    clicked = {"action_id": ActionId.WORKLIST_LINE_MENU, "type": "overflow", "selected_option": pay}
    first = socket_desk.send.block_actions(AGENT, [clicked], message=message)
    again = socket_desk.send.resend(first)
    assert first.status == again.status == 200
    socket_desk.slack.wait_for("views.open")
    time.sleep(0.3)  # would a second form open, it would by now
    assert len(socket_desk.slack.calls("views.open")) == 1


def test_stopping_answers_the_envelope_in_hand_before_it_disconnects(socket_desk: RunningBot) -> None:
    import threading

    assert socket_desk.socket is not None
    db, hub = socket_desk.runtime.db, socket_desk.slack.socket_mode
    answers: list[Any] = []
    with db.transaction() as session:
        find_account(session, "ACC-1", for_update=True)  # the payment waits past the budget
        sending = threading.Thread(
            target=lambda: answers.append(socket_desk.send.slash_command(AGENT, "pay ACC-1 10"))
        )
        sending.start()
        deadline = time.monotonic() + 5
        while not hub.envelopes:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.3)  # the bot has taken it (it answers only after the budget, 2 s)
        stopping = threading.Thread(target=socket_desk.socket.stop)
        stopping.start()
        sending.join(timeout=10)
        assert answers and answers[0].status == 200, answers  # acknowledged within the budget
    stopping.join(timeout=10)
    assert not stopping.is_alive() and hub.connections() == []
    late = socket_desk.slack.wait_for_response(url=answers[0].response_url)[-1]
    assert "$10.00" in json.dumps(late)


def test_an_app_token_slack_refuses_is_named_in_the_log_and_healthz_says_503(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.conftest import make_runtime
    from wiring.serving import BackgroundServer
    from wiring.socket_mode import SocketModeBot

    runtime = make_runtime(db, database_url, standin, clock, SLACK_APP_TOKEN="xapp-1-revoked")
    refused = SocketModeBot(runtime, ping_seconds=0.25, keeper_seconds=0.05, max_backoff_seconds=0.2)
    with caplog.at_level("ERROR", logger="collect-bot.socket"), BackgroundServer(refused.health) as server:
        refused.start()
        try:
            deadline = time.monotonic() + 10
            while not any("SLACK_APP_TOKEN" in record.getMessage() for record in caplog.records):
                assert time.monotonic() < deadline, "the refusal was not logged"
                time.sleep(0.02)
            assert health(server.url) == 503
        finally:
            refused.stop()
    line = next(record.getMessage() for record in caplog.records if "SLACK_APP_TOKEN" in record.getMessage())
    assert "invalid_auth" in line and "xapp-1-revoked" not in caplog.text
    assert standin.socket_mode.opened == 0


def test_slacks_documented_envelope_is_answered_in_its_acknowledgement(socket_desk: RunningBot) -> None:
    """Slack's own envelope shape (tests/data/slack_payloads), not the stand-in's, through the socket."""
    path = Path(__file__).parent / "data" / "slack_payloads" / "socket_mode_slash_commands.json"
    message = json.loads(path.read_text(encoding="utf-8"))
    message["payload"]["response_url"] = socket_desk.slack.new_response_url()
    envelope, raw = socket_desk.slack.socket_mode.recorded_envelope(message)
    ack = socket_desk.slack.socket_mode.deliver(envelope, raw=raw)
    assert ack is not None and ack.envelope_id == "dbdd0ef3-1543-4f94-bfb4-133d0e6c1545"
    assert ack.payload is not None and ack.payload["response_type"] == "ephemeral"
    assert "$250.00" in json.dumps(ack.payload)


def test_the_account_pickers_options_come_through_the_socket_without_a_claim(socket_desk: RunningBot) -> None:
    socket_desk.send.slash_command(AGENT, "pay")
    view = socket_desk.slack.wait_for("views.open")[0].response["view"]
    options = socket_desk.send.block_suggestion(AGENT, ActionId.ACCOUNT_PICKER, BlockId.ACCOUNT, "ACC", view)
    assert options.status == 200 and "ACC-1" in options.body
    with socket_desk.runtime.db.reading() as session:
        keys = session.scalars(select(ReceivedRequest.request_key)).all()
    assert not any(key.startswith("envelope:") for key in keys), keys


def test_an_envelope_bolt_cannot_read_is_acknowledged_and_nothing_written(
    socket_desk: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """HTTP mode answers such a signed request 400 (wiring/web.py); over the socket the envelope is
    acknowledged, empty, so that Slack does not deliver it again and again, and nothing is written."""
    socket_mode = socket_desk.slack.socket_mode
    team = {"id": socket_desk.send.team_id, "domain": "standin"}
    payload = {"type": "block_actions", "actions": [], "user": {"id": AGENT}, "team": team}
    envelope = socket_mode.new_envelope("interactive", payload)
    ack = socket_mode.deliver(envelope)
    assert ack is not None and ack.payload is None, "Slack would deliver it again"
    assert "could not read envelope" in caplog.text
    assert count(socket_desk.runtime.db, Payment) == count(socket_desk.runtime.db, Contact) == 0
