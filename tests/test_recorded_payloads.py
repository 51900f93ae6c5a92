"""Slack's own payload shapes (tests/data/slack_payloads, written from Slack's documentation and the
slack-bolt fixtures, not by our stand-in) signed and sent to the real endpoint: a misreading of
Slack that the bot and the stand-in share shows up here."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.ids import ActionId, BlockId, CallbackId
from storage.models import Account, AccountNote, Payment
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent
from wiring.standin.requests import SlackHttpResponse

PAYLOADS = Path(__file__).parent / "data" / "slack_payloads"
AGENT = "U0AGENT1"
FORM = "application/x-www-form-urlencoded"


def recorded(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return loaded


def post(bot: RunningBot, body: bytes, content_type: str, **headers: str) -> SlackHttpResponse:
    """These exact bytes, signed as Slack signs them (the stand-in sender's signing, none of its
    payload building)."""
    return bot.send.raw(body, {"Content-Type": content_type, **bot.send.sign(body), **headers})


def post_form(bot: RunningBot, fields: dict[str, Any]) -> SlackHttpResponse:
    return post(bot, urlencode(fields).encode(), FORM)


def post_interaction(bot: RunningBot, payload: dict[str, Any]) -> SlackHttpResponse:
    return post_form(bot, {"payload": json.dumps(payload)})


def post_event(bot: RunningBot, event: dict[str, Any], event_id: str, **headers: str) -> SlackHttpResponse:
    envelope = recorded("event_callback") | {"event": event, "event_id": event_id}
    return post(bot, json.dumps(envelope).encode(), "application/json", **headers)


def command(bot: RunningBot, text: str) -> tuple[SlackHttpResponse, str]:
    """The recorded slash command with this text, and the trigger id it carried (the stand-in's,
    so that views.open accepts it)."""
    fields = recorded("slash_command")
    trigger_id = bot.slack.new_trigger_id()
    fields |= {"text": text, "trigger_id": trigger_id, "response_url": bot.slack.new_response_url()}
    answer = post_form(bot, fields)
    assert answer.status == 200, answer.body
    return answer, trigger_id


def with_bot_view(payload: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """The recorded payload around the view the bot opened: Slack sends the bot's blocks,
    callback_id and private_metadata back, with its own fields and the user's state."""
    payload["view"] |= {k: view[k] for k in ("blocks", "callback_id", "private_metadata") if k in view}
    return payload


def balance(bot: RunningBot, account_id: str) -> Decimal:
    with bot.runtime.db.reading() as session:
        return session.scalars(select(Account.balance).where(Account.account_id == account_id)).one()


def payments(bot: RunningBot) -> int:
    with bot.runtime.db.reading() as session:
        return len(session.scalars(select(Payment.id)).all())


def test_a_recorded_slash_command_is_answered_in_its_response(team: RunningBot) -> None:
    answer, _ = command(team, "pay ACC-1042 250")
    assert "Recorded $250.00" in answer.body
    assert balance(team, "ACC-1042") == Decimal("1000.00")


def test_a_recorded_suggestion_and_submission_from_the_pay_form_record_the_payment(
    team: RunningBot,
) -> None:
    answer, trigger_id = command(team, "pay")
    assert answer.body == ""
    opened = team.slack.wait_for("views.open")[0]
    assert opened.params["trigger_id"] == trigger_id
    view = opened.response["view"]
    assert view["callback_id"] == CallbackId.PAY_MODAL

    options = post_interaction(team, with_bot_view(recorded("block_suggestion"), view))
    assert [option["value"] for option in options.json()["options"]] == ["ACC-1042"]

    submitted = post_interaction(team, with_bot_view(recorded("view_submission"), view))
    assert submitted.status == 200 and submitted.body == ""
    confirmation = team.slack.wait_for("chat.postMessage")[0]
    assert confirmation.params["channel"] == AGENT and "Recorded $250.00" in json.dumps(confirmation.params)
    assert balance(team, "ACC-1042") == Decimal("1000.00")


def test_a_recorded_click_on_an_ephemeral_reply_records_the_overpayment(team: RunningBot) -> None:
    question, _ = command(team, "pay ACC-1043 100")
    button = next(
        element
        for block in question.json()["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == ActionId.CONFIRM_OVERPAYMENT
    )
    click = recorded("block_actions_ephemeral_message")
    click["actions"][0]["value"] = button["value"]
    click["response_url"] = response_url = team.slack.new_response_url()
    assert "message" not in click  # Slack does not send an ephemeral message back
    assert post_interaction(team, click).status == 200
    answer = team.slack.wait_for_response(url=response_url)[0]
    assert answer["replace_original"] is True and "credit of $20.00" in json.dumps(answer)
    assert payments(team) == 1 and balance(team, "ACC-1043") == Decimal("-20.00")


def test_a_recorded_choice_in_the_app_home_opens_the_form_for_that_account(bot: RunningBot) -> None:
    from tests.portfolio import morning_team

    morning_team(bot.runtime.db)
    bot.run_morning()
    assert post_event(bot, recorded("app_home_opened"), "Ev0HOME0001").status == 200
    home = bot.slack.wait_for("views.publish")[-1].params["view"]
    menu = next(
        block["accessory"]
        for block in home["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.WORKLIST_LINE_MENU
    )
    promise = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "promise")
    click = recorded("block_actions_view")
    click["view"]["blocks"] = home["blocks"]
    click["actions"][0]["selected_option"]["value"] = promise["value"]
    click["trigger_id"] = trigger_id = bot.slack.new_trigger_id()
    assert "response_url" not in click and "channel" not in click
    assert post_interaction(bot, click).status == 200
    opened = bot.slack.wait_for("views.open")[0]
    assert opened.ok and opened.params["trigger_id"] == trigger_id
    account = json.loads(promise["value"])["account_id"]
    assert opened.params["view"]["blocks"][0]["element"]["initial_option"]["value"] == account


def retried(bot: RunningBot, event: dict[str, Any], event_id: str, caplog: pytest.LogCaptureFixture) -> bool:
    """Slack's retry of a delivery: True when the bot acknowledged it as one it already handled
    (said before it answers, so no waiting on background work)."""
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    with caplog.at_level(logging.INFO, logger="handlers.gate"):
        caplog.clear()
        assert post_event(bot, event, event_id, **retry).status == 200
    return any(f"event {event_id} delivered again" in r.getMessage() for r in caplog.records)


def test_a_recorded_app_home_opened_publishes_the_home_once_per_event(
    team: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    event = recorded("app_home_opened")
    assert post_event(team, event, "Ev0HOME0002").status == 200
    published = team.slack.wait_for("views.publish")
    assert published[0].params["user_id"] == AGENT
    # Slack's retry of the same delivery is acknowledged and not handled again.
    assert retried(team, event, "Ev0HOME0002", caplog)
    assert post_event(team, event, "Ev0HOME0003").status == 200  # a new opening is
    team.slack.wait_for("views.publish", count=2)
    assert len(team.slack.calls("views.publish")) == 2


@pytest.fixture
def waiting_for_an_answer(bot: RunningBot) -> tuple[RunningBot, str]:
    """An escalation of U0AGENT1's whose supervisor asked a question in its thread."""
    from tests.test_escalations import decide, the_escalation

    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor", approval_limit=Decimal("1000"))
    add_account(db, "ACC-1042", "1250.00")
    bot.collect(AGENT, "escalate ACC-1042 hardship until 2026-12-31 lost job")
    decide(bot, "U0SUPER1", ActionId.ESCALATION_ASK_INFO, "Any proof of the job loss?")
    return bot, str(the_escalation(bot)["ts"])


@pytest.mark.parametrize("name", ["message_thread_reply", "message_thread_broadcast"])
def test_a_recorded_thread_reply_is_one_note_however_often_slack_delivers_it(
    waiting_for_an_answer: tuple[RunningBot, str], name: str, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.test_escalations import escalation

    bot, parent = waiting_for_an_answer
    reply = recorded(name) | {"thread_ts": parent}
    if "root" in reply:
        reply["root"] |= {"ts": parent, "thread_ts": parent}
    edits = len(bot.slack.calls("chat.update"))
    assert post_event(bot, reply, "Ev0REPLY0001").status == 200
    bot.slack.wait_for("chat.update", count=edits + 1)  # the agent's answer reopened it
    assert retried(bot, reply, "Ev0REPLY0001", caplog)
    with bot.runtime.db.reading() as session:
        assert session.scalars(select(AccountNote.text)).all() == [reply["text"]]
    assert escalation(bot).status == "open"


def test_a_recorded_click_on_a_channel_message_opens_the_decision_form(
    waiting_for_an_answer: tuple[RunningBot, str],
) -> None:
    from tests.test_escalations import the_escalation

    bot, parent = waiting_for_an_answer
    posted = the_escalation(bot)
    block_id, button = next(
        (block.get("block_id", ""), element)
        for block in posted["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == ActionId.ESCALATION_APPROVE
    )
    click = recorded("block_actions_message")
    click["container"]["message_ts"] = parent
    click["message"] |= {"ts": parent, "blocks": posted["blocks"], "text": posted.get("text", "")}
    click["actions"][0] |= {"block_id": block_id, "value": button["value"]}
    click["trigger_id"] = trigger_id = bot.slack.new_trigger_id()
    opened = len(bot.slack.calls("views.open"))
    assert post_interaction(bot, click).status == 200
    form = bot.slack.wait_for("views.open", count=opened + 1)[-1]
    assert form.ok and form.params["trigger_id"] == trigger_id
    assert form.params["view"]["callback_id"] == CallbackId.DECISION_MODAL


def test_a_recorded_global_shortcut_opens_the_payment_form(team: RunningBot) -> None:
    shortcut = recorded("shortcut")
    assert "response_url" not in shortcut and "channel" not in shortcut
    shortcut["trigger_id"] = trigger_id = team.slack.new_trigger_id()
    answer = post_interaction(team, shortcut)
    assert answer.status == 200 and answer.body == ""
    opened = team.slack.wait_for("views.open")[0]
    assert opened.ok and opened.params["trigger_id"] == trigger_id
    assert opened.params["view"]["callback_id"] == CallbackId.PAY_MODAL


def test_a_recorded_message_shortcut_opens_the_log_form_with_the_message(team: RunningBot) -> None:
    shortcut = recorded("message_action")
    shortcut["trigger_id"] = trigger_id = team.slack.new_trigger_id()
    shortcut["response_url"] = team.slack.new_response_url()
    assert post_interaction(team, shortcut).status == 200
    opened = team.slack.wait_for("views.open")[0]
    assert opened.ok and opened.params["trigger_id"] == trigger_id
    view = opened.params["view"]
    assert view["callback_id"] == CallbackId.LOG_MODAL
    picked, notes = (
        next(b["element"] for b in view["blocks"] if b.get("block_id") == block)
        for block in (BlockId.ACCOUNT, BlockId.NOTES)
    )
    assert picked["initial_option"]["value"] == "ACC-1042"
    assert notes["initial_value"] == (
        "Fwd from maria@example.com: about ACC-1042, she will pay Friday & asks for a receipt"
    )
