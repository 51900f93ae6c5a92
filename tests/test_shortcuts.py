"""Shortcuts where people already are: the global "Record a payment" and "Log a contact", and the
message shortcuts "Log as contact" and "Escalate", through the real endpoint and the stand-in."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.ids import ActionId, BlockId, CallbackId
from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH, MAX_NOTES_LENGTH
from bot.parsing.message_text import MAX_IDS_LOOKED_UP, account_ids_in, plain_text
from storage.models import Contact, Escalation
from tests.conftest import RunningBot

AGENT, OTHER_AGENT = "U0AGENT1", "U0AGENT2"
CHANNEL = "C0GENERAL"


def pasted(text: str, ts: str = "1764000000.000100") -> dict[str, Any]:
    """A message in a channel as Slack keeps it: someone pasted an email or wrote a note."""
    return {"type": "message", "user": OTHER_AGENT, "ts": ts, "text": text, "channel": CHANNEL}


def opened_form(bot: RunningBot, count: int = 1) -> dict[str, Any]:
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=count)[count - 1].response["view"]
    return view


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
    return found


@pytest.mark.parametrize(
    ("callback_id", "form"),
    [
        (CallbackId.RECORD_PAYMENT_SHORTCUT, CallbackId.PAY_MODAL),
        (CallbackId.LOG_CONTACT_SHORTCUT, CallbackId.LOG_MODAL),
    ],
)
def test_a_global_shortcut_opens_its_form_empty(team: RunningBot, callback_id: str, form: str) -> None:
    answer = team.send.shortcut(AGENT, callback_id)
    assert answer.status == 200 and answer.body == ""
    opened = team.slack.wait_for("views.open")[0]
    assert opened.ok and opened.params["trigger_id"] == answer.trigger_id
    view = opened.response["view"]
    assert view["callback_id"] == form
    assert "initial_option" not in element(view, BlockId.ACCOUNT)


def test_log_as_contact_opens_the_log_form_with_the_message_and_its_account(team: RunningBot) -> None:
    message = pasted("From: <mailto:maria@example.com|maria@example.com>\nRe: acc-1042 &amp; the March bill")
    answer = team.send.message_action(AGENT, CallbackId.LOG_MESSAGE_SHORTCUT, message)
    assert answer.status == 200 and answer.body == ""
    view = opened_form(team)
    assert view["callback_id"] == CallbackId.LOG_MODAL
    assert element(view, BlockId.ACCOUNT)["initial_option"]["value"] == "ACC-1042"
    notes = element(view, BlockId.NOTES)["initial_value"]
    assert notes == "From: maria@example.com\nRe: acc-1042 & the March bill"

    # Submitted as it opened (the agent picks the channel and outcome): the contact is recorded.
    submitted = team.send.view_submission(
        AGENT,
        view,
        {
            BlockId.ACCOUNT: {
                ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
            },
            BlockId.CHANNEL: {
                ActionId.CHANNEL_SELECT: {"type": "static_select", "selected_option": {"value": "email"}}
            },
            BlockId.OUTCOME: {
                ActionId.OUTCOME_SELECT: {
                    "type": "static_select",
                    "selected_option": {"value": "right-party"},
                }
            },
            BlockId.NOTES: {ActionId.NOTES_INPUT: {"type": "plain_text_input", "value": notes}},
        },
    )
    assert submitted.status == 200 and submitted.body == ""
    team.slack.wait_for("chat.postMessage")
    with team.runtime.db.reading() as session:
        assert session.scalars(select(Contact.notes)).one() == notes


def test_escalate_opens_the_escalation_form_and_raises_one(team: RunningBot) -> None:
    message = pasted("Customer of ACC-1042 offers 900 to settle, lost their job")
    assert team.send.message_action(AGENT, CallbackId.ESCALATE_MESSAGE_SHORTCUT, message).status == 200
    view = opened_form(team)
    assert view["callback_id"] == CallbackId.ESCALATE_MODAL
    assert element(view, BlockId.ACCOUNT)["initial_option"]["value"] == "ACC-1042"
    reason = element(view, BlockId.REASON)["initial_value"]
    assert reason == message["text"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.KIND: {
            ActionId.ESCALATION_KIND_SELECT: {
                "type": "static_select",
                "selected_option": {"value": "settlement"},
            }
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "900"}},
        BlockId.REASON: {ActionId.ESCALATION_REASON_INPUT: {"type": "plain_text_input", "value": reason}},
    }
    assert team.send.view_submission(AGENT, view, values).body == ""
    team.slack.wait_for("chat.postMessage", count=2)  # the escalation's message, then the agent's DM
    with team.runtime.db.reading() as session:
        assert session.scalars(select(Escalation.reason)).one() == reason


@pytest.mark.parametrize(
    "callback_id", [CallbackId.LOG_MESSAGE_SHORTCUT, CallbackId.ESCALATE_MESSAGE_SHORTCUT]
)
def test_an_account_the_person_may_not_work_is_not_picked_nor_named(
    team: RunningBot, callback_id: str
) -> None:
    # ACC-2001 is João's: Ana's form opens with the picker empty, and nothing tells her about it.
    message = pasted("Pedro called about ACC-2001 again")
    answer = team.send.message_action(AGENT, callback_id, message)
    assert answer.status == 200 and answer.body == ""
    view = opened_form(team)
    assert "initial_option" not in element(view, BlockId.ACCOUNT)
    assert "Álvares" not in json.dumps(view)
    assert team.slack.response_posts() == [] and team.slack.calls("chat.postMessage") == []
    # João, whose account it is, gets it picked.
    team.send.message_action(OTHER_AGENT, callback_id, message)
    assert element(opened_form(team, 2), BlockId.ACCOUNT)["initial_option"]["value"] == "ACC-2001"


def test_a_message_naming_no_account_opens_the_form_with_the_picker_empty(team: RunningBot) -> None:
    team.send.message_action(AGENT, CallbackId.LOG_MESSAGE_SHORTCUT, pasted("Call me back after 6, thanks"))
    view = opened_form(team)
    assert "initial_option" not in element(view, BlockId.ACCOUNT)
    assert element(view, BlockId.NOTES)["initial_value"] == "Call me back after 6, thanks"


def test_a_long_message_is_clipped_to_what_the_notes_take(team: RunningBot) -> None:
    text = "ACC-1042 " + "word " * 1000
    team.send.message_action(AGENT, CallbackId.LOG_MESSAGE_SHORTCUT, pasted(text))
    view = opened_form(team)
    notes = element(view, BlockId.NOTES)
    assert notes["max_length"] == MAX_NOTES_LENGTH >= len(notes["initial_value"]) > MAX_NOTES_LENGTH - 5
    assert notes["initial_value"].endswith("…")


def test_a_message_with_no_text_opens_the_form_without_notes(team: RunningBot) -> None:
    team.send.message_action(AGENT, CallbackId.LOG_MESSAGE_SHORTCUT, pasted(""))
    assert "initial_value" not in element(opened_form(team), BlockId.NOTES)


def test_shortcuts_are_acknowledged_while_slack_still_holds_views_open(team: RunningBot) -> None:
    team.slack.hang("views.open", 30.0, times=2)  # both forms: a second unheld call would race the check
    started = time.monotonic()
    global_one = team.send.shortcut(AGENT, CallbackId.LOG_CONTACT_SHORTCUT)
    message_one = team.send.message_action(AGENT, CallbackId.ESCALATE_MESSAGE_SHORTCUT, pasted("ACC-1042"))
    assert global_one.status == message_one.status == 200
    assert time.monotonic() - started < 3
    team.slack.wait_for_held("views.open", count=2)
    assert team.slack.calls("views.open") == []  # still held: the answers did not wait for it
    team.slack.release()
    team.slack.wait_for("views.open", count=2)


def test_someone_off_the_roster_gets_no_form(team: RunningBot) -> None:
    answer = team.send.message_action("U0STRANGER", CallbackId.LOG_MESSAGE_SHORTCUT, pasted("ACC-1042"))
    assert answer.status == 200
    refusal = team.slack.wait_for_response(url=answer.response_url)[0]
    assert "ACC-1042" not in json.dumps(refusal) and "Maria" not in json.dumps(refusal)
    assert team.send.shortcut("U0STRANGER", CallbackId.RECORD_PAYMENT_SHORTCUT).status == 200
    assert team.slack.calls("views.open") == []


def test_the_words_that_may_be_account_ids() -> None:
    text = (
        "Re: <https://crm.example.com/a/ACC-1042|ACC-1042> (acc-1042), BIG-2. paid $1,250 <@U0AGENT1> a@b.c9"
    )
    assert account_ids_in(text) == ["ACC-1042", "BIG-2", "$1,250"]
    assert plain_text("<@U0AGENT1|ana> see <#C0GENERAL|general> &lt;urgent&gt; <!here>") == (
        "@ana see #general <urgent> @here"
    )


@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=3000) | st.text("<>|@#!&;:/ ACC-0123456789lgt")
)
def test_whatever_a_message_says_the_form_takes_it(text: str) -> None:
    notes = plain_text(text)
    assert len(notes) <= MAX_NOTES_LENGTH and "\x00" not in notes
    ids = account_ids_in(text)
    assert len(ids) <= MAX_IDS_LOOKED_UP
    assert all(
        0 < len(found) <= MAX_ACCOUNT_ID_LENGTH and not any(c.isspace() for c in found) for found in ids
    )
    assert len({found.casefold() for found in ids}) == len(ids)
