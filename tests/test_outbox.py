"""The outbox never posts a message twice when an earlier attempt may have been posted: it looks
for the message's outbox id in the conversation's history first. Real HTTP to the Slack stand-in;
time moves on the ManualClock, and the tests wait for conditions, not for seconds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.blocks.kit import Reply
from bot.escalations.records.lookup import message_key
from bot.outbox.job import CLAIM_LEASE, deliver_due, outbox_metadata
from bot.outbox.records import enqueue
from storage.models import Escalation, OutboxMessage
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent

AGENT, OTHER_AGENT, SUPERVISOR = "U0AGENT1", "U0AGENT2", "U0SUPER1"
SUPERVISORS = "C0SUPERVISORS"


def short_timeout(*, retries: int = 1, **more: str) -> pytest.MarkDecorator:
    """A client that gives up on a call after 1 s, as an operator could set it."""
    return pytest.mark.settings(COLLECT_SLACK_MAX_RETRIES=str(retries), COLLECT_SLACK_TIMEOUT="1", **more)


def queue(bot: RunningBot, key: str, channel: str, text: str, thread_key: str | None = None) -> int:
    with bot.runtime.db.transaction() as session:
        enqueue(
            session, key=key, kind="notice", channel=channel, reply=Reply(text=text),
            now=bot.clock.now(), thread_key=thread_key,
        )  # fmt: skip
        return int(session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).one())


def row(bot: RunningBot, message_id: int) -> OutboxMessage:
    with bot.runtime.db.reading() as session:
        return session.get_one(OutboxMessage, message_id)


def posts_to(bot: RunningBot, channel: str) -> list[str]:
    """ts of the chat.postMessage calls Slack accepted for `channel` (a user id for a DM)."""
    return [
        c.response["ts"]
        for c in bot.slack.calls("chat.postMessage")
        if c.ok and c.params["channel"] == channel
    ]


def test_a_claim_whose_process_died_is_marked_sent_when_slack_has_it_and_posted_once_when_not(
    bot: RunningBot,
) -> None:
    posted_id = queue(bot, "notice:posted", AGENT, "Your follow-ups")
    lost_id = queue(bot, "notice:lost", OTHER_AGENT, "Your follow-ups")
    # A process claimed both and died: after Slack had taken the first post, before the second.
    with bot.runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage).values(state="sending", claimed_at=bot.clock.now(), claimed_by="gone:1")
        )
    taken = bot.runtime.slack.chat_postMessage(
        channel=AGENT, text="Your follow-ups", metadata=outbox_metadata(posted_id)
    )
    bot.clock.advance(timedelta(minutes=1))
    assert deliver_due(bot.runtime).sent == 0  # the claims hold until their lease runs out

    bot.clock.advance(CLAIM_LEASE)
    report = deliver_due(bot.runtime)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    assert posts_to(bot, AGENT) == [taken["ts"]]  # not posted again
    assert row(bot, posted_id).slack_ts == taken["ts"]
    assert len(posts_to(bot, OTHER_AGENT)) == 1  # never posted: looked for, then posted once
    assert row(bot, lost_id).slack_ts == posts_to(bot, OTHER_AGENT)[0]
    looked = bot.slack.calls("conversations.history")
    dms = {c.response["channel"]["id"] for c in bot.slack.calls("conversations.open")}
    assert len(looked) == 2 and {c.params["channel"] for c in looked} == dms
    assert all(c.params["include_all_metadata"] == "1" for c in looked)
    # From a little before the dead claim: Slack's clock may differ from ours.
    assert all(float(c.params["oldest"]) < float(taken["ts"]) for c in looked)


@short_timeout(retries=2)
def test_a_post_whose_answer_was_lost_is_not_repeated_by_the_client_nor_the_outbox(
    bot: RunningBot,
) -> None:
    message_id = queue(bot, "notice:dropped", AGENT, "Your follow-ups")
    # Slack posts it, then the connection closes before the answer: the client must not repeat it.
    bot.slack.drop("chat.postMessage")
    assert deliver_due(bot.runtime).retrying == 1
    assert len(posts_to(bot, AGENT)) == 1
    assert row(bot, message_id).unsure_since is not None

    bot.clock.advance(timedelta(minutes=1))
    assert deliver_due(bot.runtime).sent == 1
    [ts] = posts_to(bot, AGENT)
    assert row(bot, message_id).slack_ts == ts


@short_timeout(retries=0)
def test_an_unsure_message_waits_while_the_history_cannot_be_read(bot: RunningBot) -> None:
    message_id = queue(bot, "notice:held", AGENT, "Your follow-ups")
    bot.slack.hang("chat.postMessage", seconds=1.5)
    assert deliver_due(bot.runtime).retrying == 1
    bot.slack.wait_for("chat.postMessage")  # Slack did post it, after the client gave up
    bot.slack.fail("conversations.history", 500, times=1)

    bot.clock.advance(timedelta(minutes=1))
    assert deliver_due(bot.runtime).retrying == 1
    waiting = row(bot, message_id)
    assert waiting.state == "pending"
    assert str(waiting.last_error).startswith("HistoryUnreadableError: slack: internal_error (HTTP 500)")
    assert len(bot.slack.calls("chat.postMessage")) == 1  # not posted blind

    bot.clock.advance(timedelta(minutes=2))
    assert deliver_due(bot.runtime).sent == 1
    assert len(posts_to(bot, AGENT)) == 1
    assert row(bot, message_id).attempts == 3


def given_up_unsure(bot: RunningBot) -> int:
    """A DM whose post timed out, then its conversation's history unreadable: given up on."""
    message_id = queue(bot, "notice:scope", AGENT, "Your follow-ups")
    bot.slack.hang("chat.postMessage", seconds=1.5)
    deliver_due(bot.runtime)
    bot.slack.wait_for("chat.postMessage")
    # An app installed before im:history was asked for cannot read the DM's history.
    bot.slack.fail("conversations.history", 200, error="missing_scope")
    bot.clock.advance(timedelta(minutes=1))
    assert deliver_due(bot.runtime).failed == 1
    return message_id


@short_timeout(retries=0, COLLECT_OUTBOX_MAX_ATTEMPTS="2")
def test_an_unsure_message_given_up_on_is_raised_as_perhaps_posted(bot: RunningBot) -> None:
    message_id = given_up_unsure(bot)
    assert row(bot, message_id).state == "failed"
    assert len(posts_to(bot, AGENT)) == 1
    [notice] = bot.slack.messages(SUPERVISORS)
    assert "could not be delivered after 2 tries" in notice["text"] and "missing_scope" in notice["text"]
    assert "may have reached Slack" in notice["text"]


@short_timeout(retries=0, COLLECT_OUTBOX_MAX_ATTEMPTS="2", COLLECT_LANGUAGE="pt-BR")
def test_a_message_given_up_on_is_told_in_the_teams_language(bot: RunningBot) -> None:
    message_id = given_up_unsure(bot)
    [notice] = bot.slack.messages(SUPERVISORS)
    assert (
        "não pôde ser entregue após 2 tentativas" in notice["text"]
        and f"mensagem {message_id}" in notice["text"]
    )
    assert "confira lá antes de enviar à mão" in notice["text"] and "could not" not in notice["text"]


@short_timeout()
def test_an_escalation_and_a_reply_in_its_thread_that_timed_out_are_found_not_posted_again(
    bot: RunningBot,
) -> None:
    add_agent(bot.runtime.db, AGENT, "Ana Agent")
    add_agent(bot.runtime.db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(bot.runtime.db, "ACC-1042", "1250.00")
    bot.slack.hang("chat.postMessage", seconds=1.5)
    answer = bot.send.slash_command(AGENT, "escalate ACC-1042 settlement 1000 customer lost their job")
    assert answer.status == 200
    [held] = bot.slack.wait_for("chat.postMessage")  # the escalation, posted after the client gave up
    with bot.runtime.db.reading() as session:
        escalation = session.scalars(select(Escalation)).one()
    assert escalation.message_ts is None

    bot.clock.advance(timedelta(minutes=1))
    assert deliver_due(bot.runtime).sent == 1
    with bot.runtime.db.reading() as session:
        # Found in the channel's history: its ts is remembered, so thread replies become notes.
        assert session.get_one(Escalation, escalation.id).message_ts == held.response["ts"]
    assert len(posts_to(bot, SUPERVISORS)) == 1

    bot.slack.hang("chat.postMessage", seconds=1.5)
    reply_id = queue(bot, "notice:reply", SUPERVISORS, "Any news?", thread_key=message_key(escalation.id))
    assert deliver_due(bot.runtime).retrying == 1
    bot.slack.wait_for("chat.postMessage", count=2)
    bot.clock.advance(timedelta(minutes=1))
    assert deliver_due(bot.runtime).sent == 1
    [thread] = bot.slack.calls("conversations.replies")
    assert thread.params["ts"] == held.response["ts"]
    replies = bot.slack.messages(SUPERVISORS, thread_ts=held.response["ts"])
    assert [m["text"] for m in replies[1:]] == ["Any news?"]
    assert row(bot, reply_id).slack_ts == replies[1]["ts"]
    assert json.dumps(replies[1]["metadata"]) == json.dumps(outbox_metadata(reply_id))
