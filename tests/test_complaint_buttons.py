"""A complaint's buttons through the real endpoint (signed requests, the Slack stand-in over HTTP):
Resolve on the `/collect complaints` list and on the overdue alert opens the outcome form; Hand to…
on the alert names another supervisor. The server re-checks who clicks, the complaint and the form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import ActionId, BlockId
from storage.models import Agent, AuditEntry, Complaint
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent

ANA, SAM, RITA = "U0AGENT1", "U0SUPER1", "U0SUPER2"
AFTER_DUE = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)


@pytest.fixture
def desk(team: RunningBot) -> RunningBot:
    add_account(team.runtime.db, "ACC-ANA", "300.00", assigned_to=ANA, customer_name="Ana's customer")
    add_agent(team.runtime.db, RITA, "Rita Reyes", role="supervisor")
    team.collect(ANA, "complaint ACC-ANA fees charged a late fee twice")
    return team


def the_complaint(bot: RunningBot) -> Complaint:
    with bot.runtime.db.reading() as session:
        return session.scalars(select(Complaint)).one()


def audited(bot: RunningBot, action: str) -> list[AuditEntry]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def listed(bot: RunningBot, user: str) -> dict[str, Any]:
    """`/collect complaints` as a message to click on."""
    body: dict[str, Any] = json.loads(bot.collect(user, "complaints"))
    return {"blocks": body["blocks"], "ts": "1700000000.000100", "channel": "C0GENERAL"}


def click(bot: RunningBot, user: str, message: dict[str, Any], action: dict[str, Any]) -> Any:
    response = bot.send.block_actions(user, [action], message=message)
    assert response.status == 200
    return response


def answer_to(bot: RunningBot, response: Any) -> str:
    return json.dumps(bot.slack.wait_for_response(url=response.response_url)[-1], ensure_ascii=False)


def opened_form(bot: RunningBot, count: int = 1) -> dict[str, Any]:
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=count)[-1].response["view"]
    return view


def outcome(text: str) -> dict[str, Any]:
    return {BlockId.OUTCOME: {ActionId.COMPLAINT_OUTCOME_INPUT: {"type": "plain_text_input", "value": text}}}


def resolve_button(complaint_id: int) -> dict[str, Any]:
    return {"action_id": ActionId.COMPLAINT_RESOLVE, "value": str(complaint_id)}


def test_resolve_from_the_list_opens_the_outcome_form_and_records_it(desk: RunningBot) -> None:
    message = listed(desk, SAM)
    line = next(block for block in message["blocks"] if block.get("accessory"))
    assert line["accessory"]["action_id"] == ActionId.COMPLAINT_RESOLVE and line["accessory"]["value"] == "1"

    click(desk, SAM, message, resolve_button(1))
    form = opened_form(desk)
    assert "charged a late fee twice" in json.dumps(form)

    empty = desk.send.view_submission(SAM, form, outcome("   "))
    assert empty.json()["response_action"] == "errors" and BlockId.OUTCOME in empty.json()["errors"]
    assert the_complaint(desk).resolved_at is None

    done = desk.send.view_submission(SAM, form, outcome("refunded the second fee and apologised"))
    assert done.status == 200
    [dm] = desk.wait_for_dms(SAM)
    assert "is resolved" in json.dumps(dm)
    complaint = the_complaint(desk)
    assert (complaint.resolved_by, complaint.outcome) == (SAM, "refunded the second fee and apologised")
    assert len(audited(desk, "complaint.resolved")) == 1

    again = desk.send.view_submission(SAM, form, outcome("twice"))
    assert "already resolved" in json.dumps(again.json())
    assert len(audited(desk, "complaint.resolved")) == 1


def test_an_agent_who_does_not_handle_it_gets_no_form(desk: RunningBot) -> None:
    message = listed(desk, ANA)
    answer = answer_to(desk, click(desk, ANA, message, resolve_button(1)))
    assert "Only supervisors and the complaint's handler" in answer
    assert desk.slack.calls("views.open") == []


@pytest.mark.parametrize(
    ("value", "says"),
    [("abc", "not one of mine"), ("99", "There is no complaint number 99"), ("", "not one of mine")],
)
def test_a_made_up_button_opens_nothing(desk: RunningBot, value: str, says: str) -> None:
    message = listed(desk, SAM)
    answer = answer_to(
        desk, click(desk, SAM, message, {"action_id": ActionId.COMPLAINT_RESOLVE, "value": value})
    )
    assert says in answer
    assert desk.slack.calls("views.open") == []


@pytest.mark.parametrize("block_id", ["6116", "1", "complaint-", "complaint-x"])
def test_a_button_without_a_value_in_a_block_the_bot_did_not_name_opens_nothing(
    desk: RunningBot, block_id: str
) -> None:
    message = listed(desk, SAM)
    action = {"action_id": ActionId.COMPLAINT_RESOLVE, "value": "", "block_id": block_id}
    assert "not one of mine" in answer_to(desk, click(desk, SAM, message, action))
    assert desk.slack.calls("views.open") == []


def test_a_form_the_bot_did_not_sign_records_nothing(desk: RunningBot) -> None:
    click(desk, SAM, listed(desk, SAM), resolve_button(1))
    form = opened_form(desk)
    forged = {**form, "private_metadata": '{"complaint_id":1}.forged'}
    answer = desk.send.view_submission(SAM, forged, outcome("closed"))
    assert "out of date" in json.dumps(answer.json())
    assert the_complaint(desk).resolved_at is None and audited(desk, "complaint.resolved") == []


def test_the_form_is_checked_again_when_it_comes_back(desk: RunningBot) -> None:
    # Sam opens the form; meanwhile he is no longer a supervisor, and the complaint has no handler.
    click(desk, SAM, listed(desk, SAM), resolve_button(1))
    form = opened_form(desk)
    with desk.runtime.db.transaction() as session:
        session.scalars(select(Agent).where(Agent.slack_user_id == SAM)).one().role = "agent"
    answer = desk.send.view_submission(SAM, form, outcome("closed"))
    assert "Only supervisors and the complaint's handler" in json.dumps(answer.json())
    assert the_complaint(desk).resolved_at is None


def alert_message(bot: RunningBot) -> dict[str, Any]:
    bot.run_job("supervisor-alerts", AFTER_DUE)
    [message] = [m for m in bot.slack.messages("C0SUPERVISORS") if "past its due date" in json.dumps(m)]
    return message


def test_the_overdue_alert_hands_a_complaint_to_another_supervisor(desk: RunningBot) -> None:
    message = alert_message(desk)
    triage = next(block for block in message["blocks"] if block.get("block_id") == "complaint-1")
    assert {e["action_id"] for e in triage["elements"]} == {
        ActionId.COMPLAINT_RESOLVE,
        ActionId.COMPLAINT_REASSIGN,
    }

    hand_to = {"action_id": ActionId.COMPLAINT_REASSIGN, "selected_user": RITA}
    refused = answer_to(desk, click(desk, ANA, message, hand_to))
    assert "Only supervisors and the complaint's handler can hand it on" in refused
    assert the_complaint(desk).handler is None
    not_a_supervisor = answer_to(desk, click(desk, SAM, message, {**hand_to, "selected_user": ANA}))
    assert "not a supervisor" in not_a_supervisor and the_complaint(desk).handler is None

    handed = answer_to(desk, click(desk, SAM, message, hand_to))
    assert f"<@{RITA}>" in handed and the_complaint(desk).handler == RITA
    [entry] = audited(desk, "complaint.reassigned")
    assert entry.actor == SAM and entry.entity_key == "1"

    # Rita handles it now: she resolves it from the alert.
    click(desk, RITA, message, resolve_button(1))
    desk.send.view_submission(RITA, opened_form(desk), outcome("fee refunded"))
    desk.wait_for_dms(RITA)
    assert the_complaint(desk).resolved_by == RITA
    late = answer_to(desk, click(desk, SAM, message, hand_to))
    assert "already resolved" in late
