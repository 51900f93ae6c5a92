"""Escalations never stall, through the real endpoint: a supervisor's question reaches the agent
in a direct message with an Answer button, the agent's answer goes back into the thread and the
account's notes and reopens the escalation; a rejection says why, an approval may carry
conditions, and the agent's confirmation links to the escalation's message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.blocks.escalations import (
    answer_modal,
    answer_reply,
    answered_dm,
    decision_reply,
    escalations_list,
    outcome_dm,
    question_dm,
)
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import CarriedKey, QuestionToAnswer
from bot.vocabulary import EscalationStatus
from storage.models import AccountNote, AuditEntry, OutboxMessage
from tests.conftest import SIGNING_SECRET, RunningBot
from tests.test_escalation_blocks import (
    KEY,
    LONG_TEXT,
    NOW,
    PERMALINK,
    all_text,
    assert_no_raw_pings,
    assert_reply_ok,
    assert_view_ok,
    decided,
    extreme_card,
    make_card,
)
from tests.test_escalations import (
    CHANNEL,
    click,
    decide,
    dms_to,
    escalation,
    the_escalation,
    thread,
)

AGENT, OTHER_AGENT, SUPERVISOR = "U0AGENT1", "U0AGENT2", "U0SUPER1"
QUESTION = "Any proof of the <!here> job loss & since when?"
ANSWER = "A letter from the employer <& more>"
REJECT_WITHOUT_REASON = "Say why you reject it: the agent will read it"


def the_question_dm(bot: RunningBot) -> dict[str, Any]:
    """The agent's DM carrying the question, as the stand-in keeps it (its channel and ts)."""
    bot.wait_for_dms(AGENT)
    posted = next(
        call
        for call in bot.slack.calls("chat.postMessage")
        if call.ok
        and call.params.get("channel") == AGENT
        and ActionId.ESCALATION_ANSWER in json.dumps(call.params)
    )
    channel, ts = posted.response["channel"], posted.response["ts"]
    return next(m for m in bot.slack.messages(channel) if m["ts"] == ts)


def open_answer_form(bot: RunningBot, user: str, dm: dict[str, Any]) -> dict[str, Any]:
    opened = len(bot.slack.calls("views.open"))
    assert bot.send.block_actions(user, [{"action_id": ActionId.ESCALATION_ANSWER}], message=dm).status == 200
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    return view


def answered(text: str) -> dict[str, Any]:
    return {BlockId.ANSWER: {ActionId.ESCALATION_ANSWER_INPUT: {"type": "plain_text_input", "value": text}}}


def audit_actions(bot: RunningBot) -> list[str]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def notes(bot: RunningBot) -> list[AccountNote]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(AccountNote).order_by(AccountNote.id)))


def ask(bot: RunningBot) -> dict[str, Any]:
    """Ana escalates, Sam asks her a question; her DM with the question."""
    bot.collect(AGENT, "escalate ACC-1042 hardship until 2026-12-31 lost job, two kids")
    assert decide(bot, SUPERVISOR, ActionId.ESCALATION_ASK_INFO, QUESTION).body == ""
    assert escalation(bot).status == "waiting_info"
    return the_question_dm(bot)


def test_the_agent_gets_the_question_and_answers_it_with_a_form(team: RunningBot) -> None:
    dm = ask(team)
    text = json.dumps(dm)
    assert "Any proof of the &lt;!here&gt; job loss &amp; since when?" in text and "<!here>" not in text
    assert f"<@{SUPERVISOR}>" in text
    answer_button = next(
        element for block in dm["blocks"] if block["type"] == "actions" for element in block["elements"]
    )
    assert (answer_button["action_id"], answer_button["value"]) == (
        ActionId.ESCALATION_ANSWER,
        str(escalation(team).id),
    )
    # Her own list says what she is asked.
    mine = team.collect(AGENT, "escalations")
    assert "Any proof of the &lt;!here&gt; job loss" in mine

    form = open_answer_form(team, AGENT, dm)
    assert form["callback_id"] == CallbackId.ANSWER_MODAL
    carried = QuestionToAnswer.decode(form["private_metadata"], CarriedKey(SIGNING_SECRET))
    assert carried.escalation_id == escalation(team).id
    assert "Any proof of the &lt;!here&gt; job loss" in json.dumps(form["blocks"])
    edits = len(team.slack.calls("chat.update"))
    assert team.send.view_submission(AGENT, form, answered(ANSWER)).body == ""
    team.slack.wait_for("chat.update", count=edits + 1)  # the answer reopened the message

    assert escalation(team).status == "open"
    assert "A letter from the employer &lt;&amp; more&gt;" in json.dumps(thread(team))
    kept = notes(team)
    assert [(n.text, n.author, n.escalation_id) for n in kept] == [(ANSWER, AGENT, escalation(team).id)]
    assert audit_actions(team)[-2:] == ["escalation.asked", "escalation.answered"]
    with team.runtime.db.reading() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "escalation.answered")).one()
        assert (entry.actor, entry.after and entry.after["answer"]) == (AGENT, ANSWER)
        assert entry.before and entry.before["status"] == "waiting_info"
        questions = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "escalation-question")
        )
    assert questions == 1  # queued once, with the question
    assert sum(ActionId.ESCALATION_ANSWER in json.dumps(m) for m in dms_to(team, AGENT)) == 1
    assert "Open" in json.dumps(the_escalation(team))
    assert "Any proof" not in team.collect(AGENT, "escalations")  # answered: no longer asked
    # Back with the supervisors, who decide as before.
    decide(team, SUPERVISOR, ActionId.ESCALATION_APPROVE)
    assert escalation(team).status == "approved"


def test_only_the_agent_who_escalated_answers(team: RunningBot) -> None:
    dm = ask(team)
    # João forges a click on Ana's button: told no, no form.
    opened = len(team.slack.calls("views.open"))
    click = team.send.block_actions(OTHER_AGENT, [{"action_id": ActionId.ESCALATION_ANSWER}], message=dm)
    said = json.dumps(team.slack.wait_for_response(url=click.response_url)[-1])
    assert "Only the agent who raised this escalation" in said
    assert len(team.slack.calls("views.open")) == opened
    # He submits the form the bot opened for Ana: refused on the server, nothing written.
    form = open_answer_form(team, AGENT, dm)
    refused = team.send.view_submission(OTHER_AGENT, form, answered("it was paid"))
    assert "Only the agent who raised this escalation" in refused.json()["errors"][BlockId.ANSWER]
    # A form whose context the bot did not sign is out of date.
    forged = form | {"private_metadata": json.dumps({"escalation_id": escalation(team).id})}
    stale = team.send.view_submission(AGENT, forged, answered("it was paid"))
    assert "out of date" in stale.json()["errors"][BlockId.ANSWER]
    assert escalation(team).status == "waiting_info"
    assert notes(team) == [] and "escalation.answered" not in audit_actions(team)


def test_a_reply_in_the_thread_still_answers_and_the_form_then_refuses_politely(team: RunningBot) -> None:
    dm = ask(team)
    form = open_answer_form(team, AGENT, dm)
    parent = the_escalation(team)["ts"]
    edits = len(team.slack.calls("chat.update"))
    reply = {"type": "message", "channel": CHANNEL, "user": AGENT, "text": "the letter", "ts": "1800000000.000900",
             "thread_ts": parent}  # fmt: skip
    assert team.send.event(reply).status == 200
    team.slack.wait_for("chat.update", count=edits + 1)
    assert escalation(team).status == "open"
    late = team.send.view_submission(AGENT, form, answered("and again"))
    assert "no longer waiting for your answer" in late.json()["errors"][BlockId.ANSWER]
    click = team.send.block_actions(AGENT, [{"action_id": ActionId.ESCALATION_ANSWER}], message=dm)
    assert "no longer waiting for your answer" in json.dumps(
        team.slack.wait_for_response(url=click.response_url)[-1]
    )
    assert [n.text for n in notes(team)] == ["the letter"]
    assert audit_actions(team).count("escalation.answered") == 1


def test_a_rejection_without_a_reason_is_refused_inline_and_writes_nothing(team: RunningBot) -> None:
    team.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    outbox_before = _outbox(team)
    for empty in ("", "   \n "):
        refused = decide(team, SUPERVISOR, ActionId.ESCALATION_REJECT, empty)
        assert refused.json() == {
            "response_action": "errors",
            "errors": {BlockId.COMMENT: REJECT_WITHOUT_REASON},
        }
    assert escalation(team).status == "open"
    assert _outbox(team) == outbox_before
    assert audit_actions(team) == ["escalation.raised"]
    assert decide(team, SUPERVISOR, ActionId.ESCALATION_REJECT, "No <b>proof</b> of refusal yet").body == ""
    rejected = escalation(team)
    assert (rejected.status, rejected.comment) == ("rejected", "No <b>proof</b> of refusal yet")
    team.wait_for_dms(AGENT)
    told = json.dumps(dms_to(team, AGENT)[-1])
    assert "*Why*" in told and "No &lt;b&gt;proof&lt;/b&gt; of refusal yet" in told


def test_the_reject_form_asks_for_a_reason_and_the_approve_form_for_conditions(team: RunningBot) -> None:
    team.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    views = []
    for action in (ActionId.ESCALATION_REJECT, ActionId.ESCALATION_APPROVE):
        opened = len(team.slack.calls("views.open"))
        click(team, SUPERVISOR, action)
        views.append(json.dumps(team.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]))
    assert "the agent will read it" in views[0]
    assert "Conditions" in views[1]


def test_an_approval_carries_its_conditions_to_the_agent(team: RunningBot) -> None:
    team.collect(AGENT, "escalate ACC-1042 payment-plan 250 x5 can pay monthly")
    conditions = "Only if the first instalment is paid by Friday & confirmed"
    assert decide(team, SUPERVISOR, ActionId.ESCALATION_APPROVE, conditions).body == ""
    assert escalation(team).status == "approved"
    team.wait_for_dms(AGENT)
    told = json.dumps(dms_to(team, AGENT)[-1])
    assert "*Conditions*" in told and "Only if the first instalment is paid by Friday &amp; confirmed" in told
    assert "Only if the first instalment" in json.dumps(thread(team))


def test_an_approval_needs_no_conditions(team: RunningBot) -> None:
    team.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    assert decide(team, SUPERVISOR, ActionId.ESCALATION_APPROVE, "").body == ""
    assert escalation(team).status == "approved"
    team.wait_for_dms(AGENT)
    assert "Conditions" not in json.dumps(dms_to(team, AGENT)[-1])


def posted_link(bot: RunningBot) -> str:
    """The permalink Slack gave for the escalation's own message (chat.getPermalink)."""
    message_ts = the_escalation(bot)["ts"]
    asked = [
        call
        for call in bot.slack.calls("chat.getPermalink")
        if call.ok and call.params.get("message_ts") == message_ts and call.params.get("channel") == CHANNEL
    ]
    assert asked, "the confirmation asked Slack for no permalink of the escalation's message"
    return str(asked[-1].response["permalink"])


def test_the_slash_command_confirmation_links_to_the_posted_escalation(team: RunningBot) -> None:
    answer = team.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    link = posted_link(team)
    assert f"/archives/{CHANNEL}/p" in link
    assert f"<{link}|see the thread>" in answer


def test_the_form_confirmation_links_to_the_posted_escalation(team: RunningBot) -> None:
    assert team.send.slash_command(AGENT, "escalate").status == 200
    view = team.slack.wait_for("views.open")[0].response["view"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.KIND: {
            ActionId.ESCALATION_KIND_SELECT: {"type": "static_select", "selected_option": {"value": "legal"}}
        },
        BlockId.REASON: {ActionId.ESCALATION_REASON_INPUT: {"type": "plain_text_input", "value": "refuses"}},
    }
    assert team.send.view_submission(AGENT, view, values).body == ""
    confirmation = json.dumps(team.wait_for_dms(AGENT)[-1])
    assert "Escalated" in confirmation
    assert f"<{posted_link(team)}|see the thread>" in confirmation


def test_a_confirmation_before_the_message_is_posted_says_it_comes_in_a_moment(team: RunningBot) -> None:
    # Slack refuses the post (the bot not yet in the channel): the outbox retries it later.
    team.slack.fail("chat.postMessage", status=200, error="not_in_channel")
    answer = team.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    assert "in a moment" in answer and "/archives/" not in answer


def _outbox(bot: RunningBot) -> list[str]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)))


# --- The builders, with the most awkward input ---------------------------------------------------


def waiting(**changes: Any) -> Any:
    return make_card(status=EscalationStatus.WAITING_INFO, asked_by=SUPERVISOR, **changes)


@settings(max_examples=60, deadline=None)
@given(question=st.text(max_size=2000), answer=st.text(max_size=2000))
def test_a_question_and_its_answer_fit_slack_and_ping_nobody(question: str, answer: str) -> None:
    card = waiting(question=question)
    replies = [
        question_dm(card, PERMALINK),
        answer_reply(AGENT, answer),
        answered_dm(card, answer, PERMALINK),
    ]
    replies.append(escalations_list([card], NOW, whose="yours"))
    for reply in replies:
        assert_reply_ok(reply)
        assert_no_raw_pings(reply, {AGENT, SUPERVISOR})
    assert_view_ok(answer_modal(QuestionToAnswer(escalation_id=42).signed_with(KEY), card))


def test_the_question_dm_and_the_answer_form_with_extreme_input() -> None:
    card = extreme_card(status=EscalationStatus.WAITING_INFO, question=LONG_TEXT, asked_by=SUPERVISOR)
    dm = question_dm(card, PERMALINK)
    assert_reply_ok(dm)
    assert_no_raw_pings(dm, {AGENT, SUPERVISOR, "U0MANAGER1"})
    assert f"<{PERMALINK}|the escalation's thread>" in all_text(dm.blocks)
    assert "reply in the escalation's thread" in all_text(question_dm(card, None).blocks)
    form = answer_modal(QuestionToAnswer(escalation_id=42).signed_with(KEY), card)
    assert_view_ok(form)
    assert QuestionToAnswer.decode(form["private_metadata"], KEY).escalation_id == 42
    assert_reply_ok(answer_reply(AGENT, LONG_TEXT * 3))
    answered = answered_dm(card, LONG_TEXT * 3, PERMALINK)
    assert_reply_ok(answered)
    assert_no_raw_pings(answered, {AGENT, SUPERVISOR, "U0MANAGER1"})
    assert_reply_ok(escalations_list([card] * 30, NOW, whose="yours"))


def test_the_list_shows_the_question_only_while_it_waits_for_the_answer() -> None:
    asked = waiting(question="Proof of <income>?")
    shown = all_text(escalations_list([asked], NOW, whose="yours").blocks)
    assert f"<@{SUPERVISOR}> asks: _Proof of &lt;income&gt;?_" in shown
    reopened = all_text(escalations_list([make_card(question="Proof?")], NOW, whose="yours").blocks)
    assert "asks" not in reopened


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (EscalationStatus.APPROVED, "*Conditions*"),
        (EscalationStatus.REJECTED, "*Why*"),
        (EscalationStatus.RETURNED, "*Comment*"),
    ],
)
def test_a_decisions_comment_is_named_for_the_agent(status: EscalationStatus, label: str) -> None:
    card = decided(status, comment="by <Friday>")
    for reply in (outcome_dm(card, None), decision_reply(card)):
        assert f"{label}\n> by &lt;Friday&gt;" in all_text(reply.blocks)


def dm_now(bot: RunningBot, dm: dict[str, Any]) -> dict[str, Any]:
    """The question's DM as the agent sees it now (after any edit)."""
    posted = next(
        call for call in bot.slack.calls("chat.postMessage") if call.ok and call.response["ts"] == dm["ts"]
    )
    return next(m for m in bot.slack.messages(posted.response["channel"]) if m["ts"] == dm["ts"])


def answer_buttons(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


@pytest.mark.parametrize("how", ["form", "thread"])
def test_once_answered_the_question_dm_shows_the_answer_and_loses_its_button(
    team: RunningBot, how: str
) -> None:
    dm = ask(team)
    assert answer_buttons(dm) == [ActionId.ESCALATION_ANSWER]
    edits = len(team.slack.calls("chat.update"))
    if how == "form":
        form = open_answer_form(team, AGENT, dm)
        assert team.send.view_submission(AGENT, form, answered(ANSWER)).body == ""
    else:
        reply = {"type": "message", "channel": CHANNEL, "user": AGENT, "text": ANSWER,
                 "ts": "1800000000.000900", "thread_ts": the_escalation(team)["ts"]}  # fmt: skip
        assert team.send.event(reply).status == 200
    # The escalation's message and the agent's DM are both edited.
    team.slack.wait_for("chat.update", count=edits + 2)
    now = dm_now(team, dm)
    assert answer_buttons(now) == []
    text = json.dumps(now)
    assert "You answered" in text and "A letter from the employer &lt;&amp; more&gt;" in text
    assert "Any proof of the &lt;!here&gt; job loss" in text  # the question stays readable


def test_the_decision_dm_links_to_the_escalations_thread(team: RunningBot) -> None:
    team.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    link = posted_link(team)
    assert decide(team, SUPERVISOR, ActionId.ESCALATION_APPROVE, "").body == ""
    team.wait_for_dms(AGENT)
    assert f"<{link}|See the thread>" in json.dumps(dms_to(team, AGENT)[-1])
