"""Escalations decided in their thread: an agent asks, supervisors and managers decide, the
account changes, and every step lands in Slack once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.escalations.desk import note_thread_reply
from bot.ids import ActionId, BlockId, CallbackId
from bot.outbox.job import deliver_due
from schedules.runner import run_job
from storage.models import Account, AccountNote, Agent, AuditEntry, Escalation, OutboxMessage, Promise
from storage.types import MAX_MONEY
from tests.conftest import MONDAY_9AM, RunningBot
from tests.portfolio import add_account, add_agent

AGENT, OTHER_AGENT, SUPERVISOR, SECOND_SUPERVISOR, MANAGER = (
    "U0AGENT1",
    "U0AGENT2",
    "U0SUPER1",
    "U0SUPER2",
    "U0MANAGER",
)
CHANNEL = "C0SUPERVISORS"


@pytest.fixture
def desk(bot: RunningBot) -> RunningBot:
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, OTHER_AGENT, "Otto Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor", approval_limit=Decimal("1000"))
    add_agent(db, SECOND_SUPERVISOR, "Sue Supervisor", role="supervisor", approval_limit=Decimal("1000"))
    add_agent(db, MANAGER, "Meg Manager", role="manager")
    add_account(db, "ACC-1042", "1250.00", customer_name="<!channel> & Sons")
    add_account(db, "ACC-2001", "4310.00", assigned_to=OTHER_AGENT)
    return bot


def channel_posts(bot: RunningBot) -> list[dict[str, Any]]:
    return bot.slack.messages(CHANNEL)


def the_escalation(bot: RunningBot) -> dict[str, Any]:
    """The escalation's message as it is now in the channel (edits applied)."""
    return next(m for m in channel_posts(bot) if not m.get("thread_ts") or m["thread_ts"] == m["ts"])


def thread(bot: RunningBot) -> list[dict[str, Any]]:
    parent = the_escalation(bot)
    return [m for m in bot.slack.messages(CHANNEL, thread_ts=parent["ts"]) if m["ts"] != parent["ts"]]


def click(bot: RunningBot, user: str, action: str) -> Any:
    return bot.send.block_actions(user, [{"action_id": action}], message=the_escalation(bot))


def decide(bot: RunningBot, user: str, action: str, comment: str | None = None) -> Any:
    """Click, fill the form, submit; when it is accepted, wait until the message shows it (every
    accepted step edits the escalation's message, after the form has closed)."""
    edits = len(bot.slack.calls("chat.update"))
    opened = len(bot.slack.calls("views.open"))
    assert click(bot, user, action).status == 200
    # The form opens after the click is acknowledged: wait for this click's, not an earlier one.
    view = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    values: dict[str, Any]
    if action == ActionId.ESCALATION_ASK_INFO:
        values = {
            BlockId.QUESTION: {
                ActionId.ESCALATION_QUESTION_INPUT: {"type": "plain_text_input", "value": comment}
            }
        }
    else:
        values = {
            BlockId.COMMENT: {
                ActionId.ESCALATION_COMMENT_INPUT: {"type": "plain_text_input", "value": comment}
            }
        }
    submitted = bot.send.view_submission(user, view, values)
    if submitted.status == 200 and not submitted.body.strip():
        # Opening the form may have queued an edit of its own (the account changed since the
        # request): wait for every edit queued so far, the decision's last.
        bot.slack.wait_for("chat.update", count=max(edits + 1, edits_queued(bot)))
    return submitted


def edits_queued(bot: RunningBot) -> int:
    with bot.runtime.db.reading() as session:
        query = select(func.count()).where(OutboxMessage.kind == "escalation-edit")
        return int(session.scalar(query.select_from(OutboxMessage)) or 0)


def escalation(bot: RunningBot) -> Escalation:
    with bot.runtime.db.reading() as session:
        return session.scalars(select(Escalation)).one()


def account(bot: RunningBot, account_id: str) -> Account:
    with bot.runtime.db.reading() as session:
        return session.scalars(select(Account).where(Account.account_id == account_id)).one()


def dms_to(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls("chat.postMessage") if c.ok and c.params.get("channel") == user]


def test_an_escalation_is_posted_once_with_buttons_and_the_agent_gets_a_link(desk: RunningBot) -> None:
    answer = desk.collect(AGENT, "escalate ACC-1042 settlement 1000 customer lost their job")
    assert "/archives/" in answer  # the permalink
    posted = the_escalation(desk)
    text = json.dumps(posted)
    assert "&lt;!channel&gt; &amp; Sons" in text and "<!channel>" not in text
    actions = [e["action_id"] for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [ActionId.ESCALATION_APPROVE, ActionId.ESCALATION_REJECT, ActionId.ESCALATION_ASK_INFO]
    assert escalation(desk).message_ts == posted["ts"]


def test_a_supervisor_approves_a_settlement_within_the_limit(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 settlement 1000 customer lost their job")
    submitted = decide(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE, "ok, <b>final</b> offer")
    assert submitted.status == 200 and submitted.body == ""
    posted = json.dumps(the_escalation(desk))
    assert "escalation-approve" not in posted and "Approved" in posted
    assert any("Approved" in json.dumps(reply) for reply in thread(desk))
    outcome = dms_to(desk, AGENT)
    assert len(outcome) == 1 and "&lt;b&gt;final&lt;/b&gt;" in json.dumps(outcome[0])
    assert account(desk, "ACC-1042").settlement_amount == Decimal("1000.00")
    desk.collect(AGENT, "pay ACC-1042 1000")
    settled = account(desk, "ACC-1042")
    assert (settled.status, settled.balance) == ("settled", Decimal("0"))
    with desk.runtime.db.reading() as session:
        decision = session.scalars(select(AuditEntry).where(AuditEntry.action == "escalation.approved")).one()
    assert decision.actor == SUPERVISOR and decision.before and decision.before["status"] == "open"


def test_a_rejection_changes_nothing_on_the_account(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 write-off not worth chasing")
    decide(desk, SUPERVISOR, ActionId.ESCALATION_REJECT, "keep trying")
    assert escalation(desk).status == "rejected"
    kept = account(desk, "ACC-1042")
    assert (kept.status, kept.balance) == ("active", Decimal("1250.00"))
    assert "rejected" in json.dumps(dms_to(desk, AGENT)).lower()


def test_above_the_limit_a_supervisors_approval_is_a_recommendation_and_a_manager_decides(
    desk: RunningBot,
) -> None:
    desk.collect(OTHER_AGENT, "escalate ACC-2001 write-off debtor deceased")
    decide(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE, "agree")
    assert escalation(desk).status == "recommended"
    assert f"<@{MANAGER}>" in json.dumps(thread(desk))
    assert account(desk, "ACC-2001").status == "active"
    refused = click(desk, SECOND_SUPERVISOR, ActionId.ESCALATION_APPROVE)
    assert "manager" in json.dumps(desk.slack.wait_for_response(url=refused.response_url)[-1])
    decide(desk, MANAGER, ActionId.ESCALATION_APPROVE, "approved")
    written_off = account(desk, "ACC-2001")
    assert (written_off.status, written_off.balance, written_off.written_off_amount) == (
        "written_off",
        Decimal("0"),
        Decimal("4310.00"),
    )


def test_nobody_decides_their_own_and_agents_decide_nothing(desk: RunningBot) -> None:
    desk.collect(SUPERVISOR, "escalate ACC-1042 legal refuses to pay")
    own = click(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE)
    assert "four eyes" in json.dumps(desk.slack.wait_for_response(url=own.response_url)[-1])
    agent = click(desk, AGENT, ActionId.ESCALATION_REJECT)
    answer = desk.slack.wait_for_response(url=agent.response_url)[-1]
    assert "Only supervisors" in json.dumps(answer) and answer["response_type"] == "ephemeral"
    assert escalation(desk).status == "open" and desk.slack.calls("views.open") == []


def test_two_approvals_at_the_same_moment_record_one_decision(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    views: list[dict[str, Any]] = []
    for supervisor in (SUPERVISOR, SECOND_SUPERVISOR):
        click(desk, supervisor, ActionId.ESCALATION_APPROVE)
        views.append(desk.slack.wait_for("views.open", count=len(views) + 1)[-1].response["view"])
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def submit(user: str, view: dict[str, Any]) -> None:
        barrier.wait()
        answers.append(desk.send.view_submission(user, view, {}))

    threads = [
        threading.Thread(target=submit, args=pair)
        for pair in zip((SUPERVISOR, SECOND_SUPERVISOR), views, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    desk.slack.wait_for("chat.update")  # the winner's decision, delivered after its form closed
    refused = [a.json() for a in answers if a.body.strip()]
    assert len(refused) == 1 and "already approved" in json.dumps(refused[0])
    with desk.runtime.db.reading() as session:
        decisions = session.scalar(select(func.count()).where(AuditEntry.action == "escalation.approved"))
    assert decisions == 1 and len(dms_to(desk, AGENT)) == 1
    assert account(desk, "ACC-1042").status == "legal"


def test_ask_for_info_waits_for_the_agents_reply_in_the_thread(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 hardship until 2026-12-31 lost job, two kids")
    decide(desk, SUPERVISOR, ActionId.ESCALATION_ASK_INFO, "Any proof of the job loss?")
    assert escalation(desk).status == "waiting_info"
    assert "Any proof" in json.dumps(thread(desk)) and "waiting" in json.dumps(the_escalation(desk)).lower()
    parent = the_escalation(desk)["ts"]
    reply = {
        "type": "message",
        "channel": CHANNEL,
        "user": AGENT,
        "text": "Yes: a letter\x00 <& more>",  # the NUL is dropped: PostgreSQL cannot keep one
        "ts": "1800000000.000900",
        "thread_ts": parent,
    }
    edits = len(desk.slack.calls("chat.update"))
    assert desk.send.event(reply).status == 200
    desk.slack.wait_for("chat.update", count=edits + 1)  # the agent's answer reopened it
    # Slack delivering the same reply again keeps one note.
    assert note_thread_reply(
        desk.runtime, channel=CHANNEL, thread_ts=parent, ts=reply["ts"], user=AGENT, text="x"
    )
    with desk.runtime.db.reading() as session:
        notes = session.scalars(select(AccountNote.text)).all()
    assert notes == ["Yes: a letter <& more>"]
    assert escalation(desk).status == "open"
    decide(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE)
    paused = account(desk, "ACC-1042")
    assert (paused.status, paused.hold_reason, str(paused.hold_until)) == (
        "on_hold",
        "hardship",
        "2026-12-31",
    )


def test_an_approved_plan_schedules_instalments_that_behave_as_promises(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 payment-plan 250 x5 can pay monthly")
    decide(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE)
    with desk.runtime.db.reading() as session:
        instalments = session.scalars(select(Promise).order_by(Promise.instalment)).all()
    assert [(p.instalment, str(p.due_date), p.amount) for p in instalments][:2] == [
        (1, "2026-12-23", Decimal("250.00")),
        (2, "2027-01-23", Decimal("250.00")),
    ]
    assert len(instalments) == 5 and account(desk, "ACC-1042").status == "plan"
    desk.clock.set(MONDAY_9AM + timedelta(days=30))
    assert "Promise of $250.00 kept" in desk.collect(AGENT, "pay ACC-1042 250")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("escalate ACC-1042 forgive-it please", "kind"),
        ("escalate ACC-1042 settlement because", "amount"),
        ("escalate ACC-1042 settlement 5000 customer offers more", "less than the balance"),
        ("escalate ACC-9999 legal refuses", "not an account you can work"),
    ],
)
def test_bad_requests_are_explained_and_write_nothing(desk: RunningBot, typed: str, expected: str) -> None:
    assert expected in desk.collect(AGENT, typed)
    with desk.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 0
    assert channel_posts(desk) == []


def test_a_second_open_escalation_names_the_first(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    second = desk.collect(AGENT, "escalate ACC-1042 write-off gone")
    assert "already has an open escalation" in second and "#1" in second


def test_a_click_on_a_decided_escalation_says_who_and_when(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    stale_message = the_escalation(desk)
    decide(desk, SUPERVISOR, ActionId.ESCALATION_REJECT, "not enough to go on")  # a rejection says why
    late = desk.send.block_actions(
        SECOND_SUPERVISOR, [{"action_id": ActionId.ESCALATION_APPROVE}], message=stale_message
    )
    said = json.dumps(desk.slack.wait_for_response(url=late.response_url)[-1])
    assert "already rejected by Sam Supervisor" in said


def test_a_click_on_a_message_the_bot_cannot_find(desk: RunningBot) -> None:
    message = {"ts": "1.1", "channel": CHANNEL, "blocks": [{"type": "actions", "elements": [
        {"type": "button", "action_id": ActionId.ESCALATION_APPROVE, "text": {"type": "plain_text", "text": "Approve"}, "value": "999"}
    ]}]}  # fmt: skip
    answer = desk.send.block_actions(
        SUPERVISOR, [{"action_id": ActionId.ESCALATION_APPROVE}], message=message
    )
    assert "can't find that escalation" in json.dumps(
        desk.slack.wait_for_response(url=answer.response_url)[-1]
    )


def test_reminders_come_once_each_after_four_working_hours_and_a_working_day(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 legal refuses to pay")  # Monday 09:00 in New York

    def remind(hours: float) -> None:
        at = MONDAY_9AM + timedelta(hours=hours)
        desk.clock.set(at)
        run_job(desk.runtime, "escalation-reminders", at, by="test")
        deliver_due(desk.runtime)

    remind(3.9)
    assert thread(desk) == []
    remind(4.1)
    remind(4.5)
    assert len(thread(desk)) == 1 and f"<@{SECOND_SUPERVISOR}>" in json.dumps(thread(desk))
    remind(24.1)  # Tuesday 09:06: a working day waited (09:00-17:00)
    remind(24.5)
    raised = [
        m for m in channel_posts(desk) if not m.get("thread_ts") and m["ts"] != the_escalation(desk)["ts"]
    ]
    assert len(raised) == 1 and len(thread(desk)) == 1


def test_escalations_lists_the_open_ones(desk: RunningBot) -> None:
    desk.collect(AGENT, "escalate ACC-1042 legal refuses to pay")
    desk.collect(OTHER_AGENT, "escalate ACC-2001 write-off gone")
    everyone = desk.collect(SUPERVISOR, "escalations")
    assert "ACC-1042" in everyone and "ACC-2001" in everyone
    mine = desk.collect(AGENT, "escalations")
    assert "ACC-1042" in mine and "ACC-2001" not in mine


def test_the_escalate_form_raises_one(desk: RunningBot) -> None:
    assert desk.send.slash_command(AGENT, "escalate").status == 200
    view = desk.slack.wait_for("views.open")[0].response["view"]
    assert view["callback_id"] == CallbackId.ESCALATE_MODAL
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
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "2000"}},
        BlockId.REASON: {ActionId.ESCALATION_REASON_INPUT: {"type": "plain_text_input", "value": "offer"}},
    }
    refused = desk.send.view_submission(AGENT, view, values)
    assert BlockId.AMOUNT in refused.json()["errors"]
    values[BlockId.AMOUNT][ActionId.AMOUNT_INPUT]["value"] = "900"
    assert desk.send.view_submission(AGENT, view, values).body == ""
    desk.slack.wait_for("chat.postMessage", count=2)  # the escalation's message, then the agent's DM
    assert "Escalated" in json.dumps(dms_to(desk, AGENT)[-1])
    assert escalation(desk).amount == Decimal("900.00")


def test_a_settlement_never_forgives_more_than_was_approved(desk: RunningBot) -> None:
    """The billing system raised the balance after the approval (a re-import sets balances): paying
    the agreed amount forgives only the approved discount; the new charges are still owed."""
    desk.collect(AGENT, "escalate ACC-1042 settlement 1000 customer lost their job")
    decide(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE, "ok")  # forgives 250.00, within 1,000
    with desk.runtime.db.transaction() as session:
        raised = session.scalars(select(Account).where(Account.account_id == "ACC-1042")).one()
        raised.balance = Decimal("1750.00")
    desk.collect(AGENT, "pay ACC-1042 1000")
    still_owed = account(desk, "ACC-1042")
    assert (still_owed.balance, still_owed.status != "settled") == (Decimal("750.00"), True)
    desk.collect(AGENT, "pay ACC-1042 500")
    settled = account(desk, "ACC-1042")
    assert (settled.status, settled.balance) == ("settled", Decimal("0"))
    with desk.runtime.db.reading() as session:
        payments = session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.recorded")).all()
    forgiven = [entry.after.get("settlement_forgiven") for entry in payments if entry.after]
    assert [Decimal(amount) for amount in forgiven if amount] == [Decimal("250.00")]


def test_a_write_off_whose_total_the_ledger_cannot_hold_is_refused_as_too_large(desk: RunningBot) -> None:
    with desk.runtime.db.transaction() as session:
        full = session.scalars(select(Account).where(Account.account_id == "ACC-1042")).one()
        full.written_off_amount = MAX_MONEY - Decimal("100")
    desk.collect(AGENT, "escalate ACC-1042 write-off 500 debtor deceased")
    submitted = decide(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE, "ok")
    assert "too large" in submitted.body and "went wrong" not in submitted.body
    unchanged = account(desk, "ACC-1042")
    assert (unchanged.balance, unchanged.written_off_amount) == (Decimal("1250.00"), MAX_MONEY - 100)
    assert escalation(desk).status == "open"


def test_a_supervisor_removed_while_the_form_is_open_decides_nothing(desk: RunningBot) -> None:
    """The gate's roster check may be a few seconds old; the decision itself asks the roster."""
    desk.collect(AGENT, "escalate ACC-1042 write-off 100 debtor deceased")
    opened = len(desk.slack.calls("views.open"))
    assert click(desk, SUPERVISOR, ActionId.ESCALATION_APPROVE).status == 200
    view = desk.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    with desk.runtime.db.transaction() as session:
        session.scalars(select(Agent).where(Agent.slack_user_id == SUPERVISOR)).one().active = False
    comment = {"type": "plain_text_input", "value": "ok"}
    values: dict[str, Any] = {BlockId.COMMENT: {ActionId.ESCALATION_COMMENT_INPUT: comment}}
    submitted = desk.send.view_submission(SUPERVISOR, view, values)
    assert "errors" in submitted.body
    assert escalation(desk).status == "open"
    assert account(desk, "ACC-1042").balance == Decimal("1250.00")
