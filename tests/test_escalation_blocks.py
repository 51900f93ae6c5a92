"""The escalation builders: what supervisors, managers and agents see, that the buttons carry the
escalation id only while a decision is possible, that everything people typed is escaped, and that
no input size breaks Slack's limits (checked by hand and by slack_sdk's own models)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.views import View

from bot.blocks.escalations import (
    decision_modal,
    decision_reply,
    escalate_modal,
    escalated_reply,
    escalation_message,
    escalations_list,
    outcome_dm,
    question_modal,
    question_reply,
    raised_again,
    recommendation_reply,
    reminder_reply,
    request_in_words,
)
from bot.blocks.kit import Block, Reply
from bot.escalations.model import EscalationCard, Instalment
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import CarriedKey, DecisionContext, ModalOrigin
from bot.ledger.model import ContactLine
from bot.vocabulary import EscalationKind, EscalationStatus

KEY = CarriedKey("test-signing-secret")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
AGENT = "U0AGENT1"
SUPERVISOR = "U0SUPER1"
MANAGER = "U0MANAGER1"
PERMALINK = "https://collect.slack.com/archives/C0SUP/p1763910000000100"
MESSAGE_TEXT_BUDGET = 12_000
LOUD_NAME = "<!channel> & Sons"
LOUD_ESCAPED = "&lt;!channel&gt; &amp; Sons"
LONG_TEXT = ("<!here> & <@U999> said no " * 100)[:2000]
MAX_AMOUNT = Decimal("99999999999999.99")

OPEN_STATUSES = [EscalationStatus.OPEN, EscalationStatus.WAITING_INFO, EscalationStatus.RECOMMENDED]
DECIDED_STATUSES = [EscalationStatus.APPROVED, EscalationStatus.REJECTED, EscalationStatus.RETURNED]
VERDICTS = {
    EscalationStatus.APPROVED: (":white_check_mark:", "Approved"),
    EscalationStatus.REJECTED: (":x:", "Rejected"),
    EscalationStatus.RETURNED: (":leftwards_arrow_with_hook:", "Returned"),
}
CAPPED = "Balance is now $100.21, was $9,800.00 when requested: the write-off will be capped at $100.21."
SENT_BACK = "The account is now paid: approving sends the request back to the agent."


# --- Helpers -------------------------------------------------------------------------------------


def contact(hours_ago: int, channel: str = "call", outcome: str = "no-answer") -> ContactLine:
    return ContactLine(
        at=NOW - timedelta(hours=hours_ago), channel=channel, outcome=outcome, agent=AGENT, notes=None
    )


def make_card(**changes: Any) -> EscalationCard:
    card = EscalationCard(
        id=42,
        kind=EscalationKind.SETTLEMENT,
        status=EscalationStatus.OPEN,
        account_id="ACC-1042",
        customer_name="Dana Smith",
        currency="USD",
        balance=Decimal("4310.00"),
        days_past_due=95,
        amount=Decimal("3000.00"),
        instalments=None,
        until=None,
        forgiven=Decimal("1310.00"),
        reason="customer lost job",
        requested_by=AGENT,
        requested_at=NOW - timedelta(hours=3),
        attempts_last_30_days=7,
        recent_contacts=(contact(20), contact(44, "sms", "left-message"), contact(70), contact(90)),
    )
    return replace(card, **changes)


def decided(status: EscalationStatus = EscalationStatus.APPROVED, **changes: Any) -> EscalationCard:
    fields: dict[str, Any] = {"decided_by": SUPERVISOR, "decided_at": NOW, "comment": "fine & <b>done</b>"}
    return make_card(status=status, **{**fields, **changes})


def extreme_card(**changes: Any) -> EscalationCard:
    """Every field as long and awkward as it can be."""
    return make_card(
        account_id="&" * 64,
        customer_name=("<!channel> & " * 30)[:300],
        currency="XYZ",
        balance=MAX_AMOUNT,
        days_past_due=99_999,
        amount=MAX_AMOUNT,
        instalments=999,
        until=date(2099, 12, 31),
        forgiven=MAX_AMOUNT,
        reason="&" * 2000,
        comment="<" * 2000,
        attempts_last_30_days=10_000,
        recent_contacts=tuple(contact(h, "&" * 300, "<" * 300) for h in range(10)),
        recommended_by=MANAGER,
        recommended_at=NOW,
        requested_balance=MAX_AMOUNT,
        notice=f"Balance is now {MAX_AMOUNT:,}, was {MAX_AMOUNT:,} & <more>: " * 3,
        returns=True,
        applied=MAX_AMOUNT,
        schedule=tuple(
            Instalment(n, date(2027, 1, 1) + timedelta(days=31 * n), MAX_AMOUNT) for n in range(1, 121)
        ),
        **changes,
    )


def walk_texts(node: Any, types: frozenset[str] = frozenset({"mrkdwn", "plain_text"})) -> Iterator[str]:
    """Every text object's text, at any depth: what Slack counts toward its ~13,000 characters."""
    if isinstance(node, dict):
        if node.get("type") in types and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from walk_texts(value, types)
    elif isinstance(node, list):
        for item in node:
            yield from walk_texts(item, types)


def all_text(blocks: list[Block]) -> str:
    return "\n".join(walk_texts(blocks))


def buttons(blocks: list[Block]) -> list[dict[str, Any]]:
    return [element for block in blocks if block["type"] == "actions" for element in block["elements"]]


def assert_within_slack_limits(blocks: list[Block], *, max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    assert sum(len(text) for text in walk_texts(blocks)) <= MESSAGE_TEXT_BUDGET
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for text in walk_texts(block):
            assert text, "Slack refuses empty text objects"
    # In mrkdwn, an `&` that does not start one of the three entities would be a half-cut escape
    # (plain_text is shown as typed, so it is not escaped).
    mrkdwn = "\n".join(walk_texts(blocks, frozenset({"mrkdwn"})))
    assert not re.search(r"&(?!amp;|lt;|gt;)", mrkdwn)
    for block in blocks:
        parsed = SdkBlock.parse(block)
        assert parsed is not None, f"slack_sdk does not know {block['type']}"
        parsed.to_dict()  # raises SlackObjectFormationError past a limit


def assert_reply_ok(reply: Reply) -> None:
    assert_within_slack_limits(reply.blocks)
    assert reply.text and len(reply.text) <= 3000
    assert reply.as_kwargs()["blocks"] == reply.blocks


def assert_no_raw_pings(reply: Reply, allowed: set[str]) -> None:
    """Every `<…>` in the message is a mention of someone meant to be tagged, a date or a link."""
    # plain_text is never parsed for mentions, so only mrkdwn and the notification text count.
    for text in [*walk_texts(reply.blocks, frozenset({"mrkdwn"})), reply.text]:
        for token in re.findall(r"<([^>]*)>", text):
            if token.startswith("@"):
                assert token[1:] in allowed, token
            else:
                assert token.startswith(("!date^", "https://")), token


def assert_view_ok(view: dict[str, Any]) -> None:
    assert_within_slack_limits(view["blocks"], max_blocks=100)
    assert len(view["private_metadata"]) <= 3000
    for key in ("title", "submit", "close"):
        assert len(view[key]["text"]) <= 24
    assert View(**view).to_dict()["type"] == "modal"


def input_block(view: dict[str, Any], block_id: str) -> Block:
    found: list[Block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    assert len(found) == 1 and found[0]["type"] == "input"
    return found[0]


# --- request_in_words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({}, "settle for $3,000.00 (forgives $1,310.00)"),
        (
            {
                "kind": EscalationKind.PAYMENT_PLAN,
                "amount": Decimal("250"),
                "instalments": 6,
                "until": date(2027, 5, 1),
                "forgiven": Decimal(0),
            },
            "payment plan: 6 monthly instalments of $250.00 (last on May 1, 2027)",
        ),
        (
            {"kind": EscalationKind.WRITE_OFF, "amount": Decimal("4310"), "forgiven": Decimal("4310")},
            "write off $4,310.00",
        ),
        ({"kind": EscalationKind.LEGAL, "amount": None, "forgiven": Decimal(0)}, "refer to legal"),
        (
            {"kind": EscalationKind.HARDSHIP, "amount": None, "until": date(2026, 12, 31)},
            "pause collection (hardship) until Dec 31, 2026",
        ),
        ({"kind": EscalationKind.DISPUTE_REVIEW, "amount": None}, "review a dispute"),
    ],
)
def test_the_request_in_plain_words(changes: dict[str, Any], words: str) -> None:
    assert request_in_words(make_card(**changes)) == words


def test_the_request_in_words_without_the_optional_parts() -> None:
    plan = make_card(kind=EscalationKind.PAYMENT_PLAN, amount=None, instalments=1, until=None)
    assert request_in_words(plan) == "payment plan: 1 monthly instalment"
    assert request_in_words(make_card(amount=None, forgiven=Decimal(0))) == "settle"
    assert request_in_words(make_card(kind=EscalationKind.HARDSHIP)) == "pause collection (hardship)"
    write_off = make_card(kind=EscalationKind.WRITE_OFF, amount=None, forgiven=Decimal("99.5"))
    assert request_in_words(write_off) == "write off $99.50"


def test_other_currencies_keep_their_format() -> None:
    card = make_card(currency="BRL", amount=Decimal("3000"), forgiven=Decimal("1310"))
    assert request_in_words(card) == "settle for R$3,000.00 (forgives R$1,310.00)"


# --- The supervisors' message --------------------------------------------------------------------


def test_the_open_message_shows_everything_a_supervisor_needs() -> None:
    reply = escalation_message(make_card())
    text = all_text(reply.blocks)
    assert reply.text == "Escalation: settlement on ACC-1042"
    assert reply.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Escalation: settlement on ACC-1042", "emoji": True},
    }
    for expected in (
        "Dana Smith",
        "`ACC-1042`",
        "$4,310.00",
        "95",
        f"<@{AGENT}>",
        "settle for $3,000.00 (forgives $1,310.00)",
        "> customer lost job",
        "7 attempts* in the last 30 days",
        "call · no-answer",
        "SMS · left-message",
        "<!date^",
    ):
        assert expected in text, expected
    assert_reply_ok(reply)


def test_the_message_shows_the_last_three_contacts_only() -> None:
    (contacts,) = [b for b in escalation_message(make_card()).blocks if b["type"] == "context"]
    assert len(contacts["elements"]) == 4  # the attempts, then three contacts
    empty = escalation_message(make_card(recent_contacts=(), attempts_last_30_days=1))
    assert "1 attempt* in the last 30 days" in all_text(empty.blocks)
    assert "No contact logged yet" in all_text(empty.blocks)


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_buttons_carry_the_id_while_a_decision_is_possible(status: EscalationStatus) -> None:
    reply = escalation_message(make_card(status=status, recommended_by=SUPERVISOR))
    found = buttons(reply.blocks)
    assert [(b["action_id"], b.get("style")) for b in found] == [
        (ActionId.ESCALATION_APPROVE, "primary"),
        (ActionId.ESCALATION_REJECT, "danger"),
        (ActionId.ESCALATION_ASK_INFO, None),
    ]
    assert {b["value"] for b in found} == {"42"}
    assert reply.blocks[-1]["type"] == "actions"


@pytest.mark.parametrize("status", DECIDED_STATUSES)
def test_a_decided_message_has_no_buttons_and_says_who_and_when(status: EscalationStatus) -> None:
    reply = escalation_message(decided(status))
    assert buttons(reply.blocks) == []
    status_text = reply.blocks[-1]["text"]["text"]
    icon, verb = VERDICTS[status]
    assert status_text.startswith(f"{icon} *{verb}* by <@{SUPERVISOR}> <!date^")
    assert "> fine &amp; &lt;b&gt;done&lt;/b&gt;" in status_text
    assert_reply_ok(reply)


def test_a_change_since_the_request_is_said_on_the_open_message_above_the_buttons() -> None:
    reply = escalation_message(
        make_card(kind=EscalationKind.WRITE_OFF, amount=Decimal("8000"), notice=CAPPED)
    )
    assert reply.blocks[-3]["text"]["text"] == f":warning: *The account changed since the request.* {CAPPED}"
    assert buttons(reply.blocks)
    decided_card = decided(kind=EscalationKind.WRITE_OFF, amount=Decimal("8000"), applied=Decimal("100.21"))
    assert ":warning:" not in all_text(escalation_message(decided_card).blocks)


def test_the_list_flags_an_account_changed_since_the_request() -> None:
    rows = all_text(escalations_list([make_card(notice=CAPPED), make_card(id=43)], NOW, whose="yours").blocks)
    assert rows.count(":warning: the account changed since the request") == 1


def test_a_capped_write_off_says_what_was_written_off_and_what_was_asked() -> None:
    card = decided(kind=EscalationKind.WRITE_OFF, amount=Decimal("8000"), applied=Decimal("100.21"))
    said = "Written off $100.21 (capped at the balance at the decision: $8,000.00 was requested)."
    for reply in (escalation_message(card), decision_reply(card), outcome_dm(card, None)):
        assert said in all_text(reply.blocks)
    whole = decided(kind=EscalationKind.WRITE_OFF, amount=None, applied=Decimal("6000"))
    assert "Written off $6,000.00." in all_text(decision_reply(whole).blocks)


def test_a_returned_request_says_why_and_that_nothing_changed() -> None:
    card = decided(EscalationStatus.RETURNED, notice="The account was put on hold (<b>)")
    message = escalation_message(card).blocks[-1]["text"]["text"]
    assert message.startswith(f":leftwards_arrow_with_hook: *Returned* by <@{SUPERVISOR}>")
    said = (
        f"Sent back to <@{AGENT}>: the account was put on hold (&lt;b&gt;). Nothing changed on the account."
    )
    assert said in message
    reply = decision_reply(card)
    assert reply.text == "Returned: settlement on ACC-1042" and said in all_text(reply.blocks)
    dm = all_text(outcome_dm(card, None).blocks)
    assert "was *returned* by" in dm
    assert (
        "It is back with you: the account was put on hold (&lt;b&gt;). Nothing changed on the account" in dm
    )


def test_a_plan_shows_its_instalments_as_scheduled() -> None:
    schedule = (
        Instalment(1, date(2027, 1, 7), Decimal("250")),
        Instalment(2, date(2027, 2, 7), Decimal("200")),
    )
    card = decided(kind=EscalationKind.PAYMENT_PLAN, amount=Decimal("250"), instalments=5, schedule=schedule)
    assert (
        "2 instalments of $250.00 scheduled (the last $200.00), the first on Jan 7, 2027, the last on Feb 7, 2027."
        in all_text(decision_reply(card).blocks)
    )


def test_waiting_and_recommended_status_lines() -> None:
    waiting = escalation_message(make_card(status=EscalationStatus.WAITING_INFO))
    assert waiting.blocks[-2]["text"]["text"] == f":hourglass: waiting for <@{AGENT}>'s answer"
    recommended = escalation_message(
        make_card(status=EscalationStatus.RECOMMENDED, recommended_by=SUPERVISOR, comment="ok by me")
    )
    line = recommended.blocks[-2]["text"]["text"]
    assert (
        f"Recommended by <@{SUPERVISOR}> — a manager decides (forgives $1,310.00, above their limit)" in line
    )
    assert "> ok by me" in line


def test_an_approval_on_recommendation_names_both() -> None:
    card = decided(recommended_by=SUPERVISOR, decided_by=MANAGER)
    assert f"recommended by <@{SUPERVISOR}>" in escalation_message(card).blocks[-1]["text"]["text"]
    assert f"It was recommended by <@{SUPERVISOR}>" in all_text(decision_reply(card).blocks)


def test_customer_and_agent_text_is_escaped_so_nobody_is_pinged() -> None:
    card = decided(customer_name=LOUD_NAME, reason="<!here> call <@U999> & co", comment="<!channel>")
    reply = escalation_message(card)
    text = all_text(reply.blocks)
    assert LOUD_ESCAPED in text
    assert "&lt;!here&gt; call &lt;@U999&gt; &amp; co" in text
    assert "&lt;!channel&gt;" in text
    assert "Sons" not in reply.blocks[0]["text"]["text"]  # no customer name in the header
    assert_no_raw_pings(reply, {AGENT, SUPERVISOR})


def test_a_multiline_reason_stays_one_quote() -> None:
    reply = escalation_message(make_card(reason="lost job\n\n  > kids\nsick"))
    assert "> lost job\n> &gt; kids\n> sick" in all_text(reply.blocks)


def test_the_longest_reason_and_comment_fit() -> None:
    card = decided(reason=LONG_TEXT, comment=LONG_TEXT, customer_name=LOUD_NAME * 20)
    reply = escalation_message(card)
    assert_reply_ok(reply)
    assert "said no" in all_text(reply.blocks)


def test_a_plain_2000_character_reason_is_shown_whole() -> None:
    reason = "x" * 2000
    assert f"> {reason}" in all_text(escalation_message(make_card(reason=reason)).blocks)


# --- Thread replies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "effect"),
    [
        ({}, "Settlement agreed: the account closes once $3,000.00 is paid."),
        (
            {
                "kind": EscalationKind.PAYMENT_PLAN,
                "amount": Decimal("250"),
                "instalments": 6,
                "until": date(2027, 5, 1),
            },
            "6 instalments of $250.00 scheduled, the first on Dec 1, 2026, the last on May 1, 2027.",
        ),
        (
            {
                "kind": EscalationKind.PAYMENT_PLAN,
                "amount": Decimal("250"),
                "instalments": 4,
                "until": date(2027, 5, 31),
            },
            "4 instalments of $250.00 scheduled, the first on Feb 28, 2027, the last on May 31, 2027.",
        ),
        ({"kind": EscalationKind.WRITE_OFF, "amount": Decimal("4310")}, "Written off $4,310.00."),
        (
            {"kind": EscalationKind.HARDSHIP, "amount": None, "until": date(2026, 12, 31)},
            "The account is on hold until Dec 31, 2026.",
        ),
        ({"kind": EscalationKind.LEGAL, "amount": None}, "The account is referred to legal."),
    ],
)
def test_an_approval_says_what_happens(changes: dict[str, Any], effect: str) -> None:
    reply = decision_reply(decided(**changes))
    text = all_text(reply.blocks)
    assert text.startswith(f":white_check_mark: <@{SUPERVISOR}> approved the request — ")
    assert effect in text
    assert "> fine &amp; &lt;b&gt;done&lt;/b&gt;" in text
    assert_reply_ok(reply)


def test_a_rejection_says_nothing_changes() -> None:
    reply = decision_reply(decided(EscalationStatus.REJECTED, comment=None))
    assert reply.text == "Rejected: settlement on ACC-1042"
    assert len(reply.blocks) == 1  # no comment, no comment block
    text = reply.blocks[0]["text"]["text"]
    assert text.startswith(f":x: <@{SUPERVISOR}> rejected the request — settle for $3,000.00")
    assert "Nothing changes on the account." in text


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_undecided_escalations_have_no_decision_reply_or_dm(status: EscalationStatus) -> None:
    with pytest.raises(ValueError, match="not decided"):
        decision_reply(make_card(status=status))
    with pytest.raises(ValueError, match="not decided"):
        outcome_dm(make_card(status=status), PERMALINK)


def test_a_recommendation_tags_each_manager() -> None:
    card = make_card(status=EscalationStatus.RECOMMENDED, recommended_by=SUPERVISOR, comment="I agree")
    reply = recommendation_reply(card, [MANAGER, "U0MANAGER2", MANAGER])
    text = all_text(reply.blocks)
    assert f"<@{SUPERVISOR}> recommends approving: settle for $3,000.00 (forgives $1,310.00)." in text
    assert f"<@{MANAGER}> <@U0MANAGER2>: please decide" in text
    assert text.count(f"<@{MANAGER}>") == 1
    assert "> I agree" in text
    assert_reply_ok(reply)


def test_a_recommendation_with_no_manager_says_so_and_many_managers_fit() -> None:
    card = make_card(status=EscalationStatus.RECOMMENDED, recommended_by=SUPERVISOR)
    assert "No manager is set up" in all_text(recommendation_reply(card, []).blocks)
    crowd = recommendation_reply(
        extreme_card(status=EscalationStatus.RECOMMENDED), [f"U{i:09d}" for i in range(500)]
    )
    assert "and 475 more" in all_text(crowd.blocks)
    assert_reply_ok(crowd)


def test_a_question_tags_the_agent_and_quotes_the_question_escaped() -> None:
    reply = question_reply(SUPERVISOR, AGENT, "Did they <!here> send\nthe letter & proof?")
    assert reply.blocks[0]["text"]["text"] == (
        f":question: <@{SUPERVISOR}> asks <@{AGENT}>:\n> Did they &lt;!here&gt; send\n> the letter &amp; proof?"
    )
    assert_reply_ok(reply)
    assert_no_raw_pings(reply, {AGENT, SUPERVISOR})
    assert_reply_ok(question_reply(SUPERVISOR, AGENT, LONG_TEXT * 3))
    assert_reply_ok(question_reply(SUPERVISOR, AGENT, ""))


def test_a_reminder_tags_the_supervisors_on_duty() -> None:
    reply = reminder_reply(make_card(), [SUPERVISOR, "U0SUPER2"], 4.2)
    text = all_text(reply.blocks)
    assert text.startswith(
        f":alarm_clock: <@{SUPERVISOR}> <@U0SUPER2>: this settlement has waited 4 h for a decision — settle"
    )
    assert "settle for $3,000.00" in text
    waiting = reminder_reply(make_card(status=EscalationStatus.WAITING_INFO), [], 0.5)
    assert "No supervisor is on duty" in all_text(waiting.blocks)
    assert f"waiting for <@{AGENT}>'s answer" in all_text(waiting.blocks)
    assert "30 min" in all_text(waiting.blocks)


def test_raised_again_points_at_the_original() -> None:
    reply = raised_again(make_card(), 9.5, PERMALINK)
    text = all_text(reply.blocks)
    assert buttons(reply.blocks) == []
    assert text.startswith(":rotating_light: Still open after 9 h: *settlement* on `ACC-1042`")
    assert f"<{PERMALINK}|" in text
    assert "Dana" not in text
    without = all_text(raised_again(make_card(), 9, None).blocks)
    assert "<http" not in without
    broken = all_text(raised_again(make_card(), 9, "https://x|<!channel>").blocks)
    assert "!channel" not in broken


# --- What the agent sees -------------------------------------------------------------------------


def test_the_outcome_dm_says_what_who_why_and_links_the_thread() -> None:
    reply = outcome_dm(decided(), PERMALINK)
    text = all_text(reply.blocks)
    assert f"was *approved* by <@{SUPERVISOR}>" in text
    assert "Settlement agreed" in text
    assert "> fine &amp; &lt;b&gt;done&lt;/b&gt;" in text
    assert f"<{PERMALINK}|See the thread>" in text
    assert reply.text == "Your escalation was approved: settlement on ACC-1042"
    rejected = outcome_dm(decided(EscalationStatus.REJECTED), None)
    assert "was *rejected*" in all_text(rejected.blocks)
    assert "See the thread" not in all_text(rejected.blocks)


def test_the_escalated_confirmation() -> None:
    linked = escalated_reply(make_card(), PERMALINK)
    assert f"Escalated to the supervisors: <{PERMALINK}|see the thread>." in all_text(linked.blocks)
    assert "Settle for $3,000.00" in all_text(linked.blocks)
    later = escalated_reply(make_card(), None)
    assert "it will appear in the supervisors' channel in a moment" in all_text(later.blocks)


# --- `/collect escalations` ----------------------------------------------------------------------


def test_no_open_escalations() -> None:
    reply = escalations_list([decided()], NOW, whose="everyone's")
    assert reply.text == "No open escalations"
    assert "No open escalations" in all_text(reply.blocks)
    assert_reply_ok(reply)


def test_the_list_shows_open_ones_oldest_first_with_their_age() -> None:
    cards = [
        make_card(id=1, account_id="ACC-NEW", requested_at=NOW - timedelta(hours=3)),
        make_card(id=2, account_id="ACC-OLD", requested_at=NOW - timedelta(days=2, hours=5)),
        make_card(
            id=3,
            account_id="ACC-WAIT",
            status=EscalationStatus.WAITING_INFO,
            requested_at=NOW - timedelta(minutes=20),
        ),
        decided(id=4, account_id="ACC-DONE"),
    ]
    reply = escalations_list(cards, NOW, whose="everyone's")
    text = all_text(reply.blocks)
    assert text.index("ACC-OLD") < text.index("ACC-NEW") < text.index("ACC-WAIT")
    assert "ACC-DONE" not in text
    assert "*2 d*" in text and "*3 h*" in text and "*20 min*" in text
    assert f"by <@{AGENT}>" in text and ":hourglass: waiting for" in text
    assert "settle for $3,000.00" in text
    assert reply.blocks[0]["text"]["text"] == "Open escalations: everyone's"
    assert reply.text == "3 open escalations"
    assert_reply_ok(reply)


def test_500_open_escalations_list_the_oldest_and_count_the_rest() -> None:
    cards = [extreme_card(id=i, requested_at=NOW - timedelta(minutes=i)) for i in range(500)]
    reply = escalations_list(cards, NOW, whose="everyone's")
    assert_reply_ok(reply)
    shown = all_text(reply.blocks).count("• ")
    assert 0 < shown < 500
    assert f"…and {500 - shown:,} newer, not shown" in all_text(reply.blocks)
    assert "*8 h*" in all_text(reply.blocks)  # the oldest, 499 minutes old, comes first


# --- Forms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "title"), [("approve", "Approve"), ("reject", "Reject")])
def test_the_decision_modal(decision: Any, title: str) -> None:
    ctx = DecisionContext(
        escalation_id=42, decision=decision, channel_id="C0SUP", message_ts="1763910000.000100"
    )
    view = decision_modal(ctx.signed_with(KEY), make_card(customer_name=LOUD_NAME))
    assert view["callback_id"] == CallbackId.DECISION_MODAL
    assert view["title"]["text"] == title and view["submit"]["text"] == title
    assert DecisionContext.decode(view["private_metadata"], KEY) == ctx
    comment = input_block(view, BlockId.COMMENT)
    assert comment["optional"] is True
    assert comment["element"]["action_id"] == ActionId.ESCALATION_COMMENT_INPUT
    assert comment["element"]["multiline"] is True
    summary = all_text(view["blocks"])
    assert "settle for $3,000.00" in summary.lower() and LOUD_ESCAPED in summary
    assert_view_ok(view)


def test_the_question_modal() -> None:
    ctx = DecisionContext(escalation_id=42, decision="ask", channel_id="C0SUP", message_ts="1.2")
    view = question_modal(ctx.signed_with(KEY), extreme_card())
    assert view["callback_id"] == CallbackId.QUESTION_MODAL
    assert DecisionContext.decode(view["private_metadata"], KEY) == ctx
    question = input_block(view, BlockId.QUESTION)
    assert question["optional"] is False
    assert question["element"]["action_id"] == ActionId.ESCALATION_QUESTION_INPUT
    assert_view_ok(view)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_decision_modal_says_what_changed_since_the_request(decision: Any) -> None:
    ctx = DecisionContext(escalation_id=42, decision=decision).signed_with(KEY)
    view = decision_modal(ctx, make_card(notice=CAPPED))
    assert f":warning: *The account changed since the request.* {CAPPED}" in all_text(view["blocks"])
    assert view["submit"]["text"] == ("Approve" if decision == "approve" else "Reject")
    back = decision_modal(ctx, make_card(notice=SENT_BACK, returns=True))
    assert back["submit"]["text"] == ("Send back" if decision == "approve" else "Reject")
    assert_view_ok(back)
    assert_view_ok(decision_modal(ctx, extreme_card()))


def test_modals_refuse_the_wrong_decision() -> None:
    with pytest.raises(ValueError):
        decision_modal(DecisionContext(escalation_id=1, decision="ask"), make_card())
    with pytest.raises(ValueError):
        question_modal(DecisionContext(escalation_id=1, decision="approve"), make_card())


@pytest.mark.parametrize("preset", [None, ("ACC-1042", "Dana Smith")])
def test_the_escalate_modal(preset: tuple[str, str] | None) -> None:
    origin = ModalOrigin(account_id=preset[0] if preset else None)
    view = escalate_modal(origin.signed_with(KEY), preset)
    assert view["callback_id"] == CallbackId.ESCALATE_MODAL
    assert ModalOrigin.decode(view["private_metadata"], KEY) == origin
    account = input_block(view, BlockId.ACCOUNT)
    assert account["element"]["type"] == "external_select"
    assert account["element"]["action_id"] == ActionId.ACCOUNT_PICKER
    assert ("initial_option" in account["element"]) == (preset is not None)
    kind = input_block(view, BlockId.KIND)
    assert kind["element"]["action_id"] == ActionId.ESCALATION_KIND_SELECT
    assert [o["value"] for o in kind["element"]["options"]] == [k.value for k in EscalationKind]
    expected = {
        BlockId.AMOUNT: (ActionId.AMOUNT_INPUT, True),
        BlockId.INSTALMENTS: (ActionId.ESCALATION_INSTALMENTS_INPUT, True),
        BlockId.UNTIL: (ActionId.ESCALATION_UNTIL_PICKER, True),
        BlockId.REASON: (ActionId.ESCALATION_REASON_INPUT, False),
    }
    for block_id, (action_id, optional) in expected.items():
        block = input_block(view, block_id)
        assert block["element"]["action_id"] == action_id
        assert block["optional"] is optional
        assert block["hint"]["text"]
    assert input_block(view, BlockId.UNTIL)["element"]["type"] == "datepicker"
    reason = input_block(view, BlockId.REASON)["element"]
    assert reason["multiline"] is True and reason["max_length"] == 2000
    assert_view_ok(view)


# --- Every builder against the limits, with the most awkward input -------------------------------

BUILDERS: dict[str, Callable[[EscalationCard], Reply]] = {
    "message": escalation_message,
    "decision": decision_reply,
    "recommendation": lambda card: recommendation_reply(card, [MANAGER] * 3),
    "reminder": lambda card: reminder_reply(card, [SUPERVISOR], 4),
    "raised-again": lambda card: raised_again(card, 9, PERMALINK),
    "dm": lambda card: outcome_dm(card, PERMALINK),
    "escalated": lambda card: escalated_reply(card, PERMALINK),
    "list": lambda card: escalations_list([card] * 3, NOW, whose="yours"),
}
NEEDS_DECISION = {"decision", "dm"}


@pytest.mark.parametrize("kind", list(EscalationKind))
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_stays_within_limits_with_extreme_input(name: str, kind: EscalationKind) -> None:
    status = EscalationStatus.APPROVED if name in NEEDS_DECISION else EscalationStatus.RECOMMENDED
    card = extreme_card(kind=kind, status=status, decided_by=SUPERVISOR, decided_at=NOW)
    reply = BUILDERS[name](card)
    assert_reply_ok(reply)
    assert_no_raw_pings(reply, {AGENT, SUPERVISOR, MANAGER})


@pytest.mark.parametrize("status", list(EscalationStatus))
def test_the_message_in_every_status_stays_within_limits(status: EscalationStatus) -> None:
    reply = escalation_message(extreme_card(status=status, decided_by=SUPERVISOR, decided_at=NOW))
    assert_reply_ok(reply)
    assert bool(buttons(reply.blocks)) == (status in OPEN_STATUSES)
    json.dumps(reply.blocks)  # plain data, ready for the Web API


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(max_size=300),
    reason=st.text(max_size=2000),
    comment=st.text(max_size=2000),
    account_id=st.text(min_size=1, max_size=64),
)
def test_any_text_people_type_stays_within_limits_and_escaped(
    name: str, reason: str, comment: str, account_id: str
) -> None:
    card = decided(customer_name=name, reason=reason, comment=comment, account_id=account_id)
    replies = [escalation_message(card), decision_reply(card), outcome_dm(card, PERMALINK)]
    replies += [
        question_reply(SUPERVISOR, AGENT, comment),
        escalations_list([replace(card, status=EscalationStatus.OPEN)], NOW, whose="yours"),
    ]
    for reply in replies:
        assert_reply_ok(reply)
        assert_no_raw_pings(reply, {AGENT, SUPERVISOR})


def test_naive_times_are_taken_as_utc_and_shown_in_the_readers_zone() -> None:
    naive = make_card(requested_at=datetime(2026, 11, 23, 12, 0), zone=ZoneInfo("America/New_York"))
    # 12:00 UTC: a token for each reader's zone, and 07:00 in New York where it cannot render.
    assert "<!date^1795435200^{date_short_pretty} {time}|Nov 23, 2026 07:00 EST>" in all_text(
        escalation_message(naive).blocks
    )
    assert "*3 h*" in all_text(escalations_list([naive], NOW, whose="yours").blocks)


def test_an_account_id_that_looks_like_a_mention_pings_nobody() -> None:
    card = decided(account_id="<!channel>")
    for reply in (escalation_message(card), decision_reply(card), raised_again(card, 9, None)):
        assert_no_raw_pings(reply, {AGENT, SUPERVISOR})
        assert "&lt;!channel&gt;" in reply.text
