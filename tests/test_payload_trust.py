"""What an attacker can change in a request Slack signed: button values, a modal's private_metadata,
form fields past Slack's max_length, a replayed slash command, and text that looks like formatting.
Every test goes through the real endpoint with signed requests."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.blocks.mrkdwn import escape, fallback
from bot.ids import ActionId, BlockId
from bot.interactions import (
    CarriedKey,
    CarriedRefusedError,
    DecisionContext,
    ModalOrigin,
    OverpaymentToConfirm,
    WorklistPage,
)
from bot.ledger.records.accounts import find_account
from storage.models import Account, AuditEntry, Contact, Escalation, Payment, Promise
from tests.conftest import SIGNING_SECRET, RunningBot
from tests.portfolio import add_account, add_agent

AGENT = "U0AGENT1"
OTHER_AGENT = "U0AGENT2"
SUPERVISOR = "U0SUPER1"
ESCALATIONS = "C0SUPERVISORS"


def rows(bot: RunningBot, model: type[object]) -> int:
    with bot.runtime.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def said(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def dms_to(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == user]


def open_form(bot: RunningBot, typed: str, user: str = AGENT) -> dict[str, Any]:
    opened = len(bot.slack.calls("views.open"))
    assert bot.send.slash_command(user, typed).status == 200
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    return view


def picked(account_id: str) -> dict[str, Any]:
    return {ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": account_id}}}


def typed_in(action_id: str, value: str) -> dict[str, Any]:
    return {action_id: {"type": "plain_text_input", "value": value}}


def chosen(action_id: str, value: str) -> dict[str, Any]:
    return {action_id: {"type": "static_select", "selected_option": {"value": value}}}


def pay_values(account_id: str, amount: str, reference: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        BlockId.ACCOUNT: picked(account_id),
        BlockId.AMOUNT: typed_in(ActionId.AMOUNT_INPUT, amount),
    }
    if reference is not None:
        values[BlockId.REFERENCE] = typed_in(ActionId.REFERENCE_INPUT, reference)
    return values


def log_values(account_id: str, notes: str) -> dict[str, Any]:
    return {
        BlockId.ACCOUNT: picked(account_id),
        BlockId.CHANNEL: chosen(ActionId.CHANNEL_SELECT, "call"),
        BlockId.OUTCOME: chosen(ActionId.OUTCOME_SELECT, "callback"),
        BlockId.NOTES: typed_in(ActionId.NOTES_INPUT, notes),
    }


def promise_values(account_id: str, amount: str) -> dict[str, Any]:
    return {
        BlockId.ACCOUNT: picked(account_id),
        BlockId.AMOUNT: typed_in(ActionId.AMOUNT_INPUT, amount),
        BlockId.DATE: {ActionId.DATE_PICKER: {"type": "datepicker", "selected_date": "2026-12-01"}},
    }


def errors_of(response: Any) -> str:
    body = response.json()
    assert body and body.get("response_action") == "errors", response.body
    return said(body["errors"])


# --- 1. What survives a click cannot be forged ---------------------------------------------------


def test_a_modal_names_no_response_url_or_channel_and_its_outcome_goes_to_the_persons_dm(
    team: RunningBot,
) -> None:
    view = open_form(team, "pay")
    assert "hooks" not in view["private_metadata"] and "C0GENERAL" not in view["private_metadata"]
    assert team.send.view_submission(AGENT, view, pay_values("ACC-1042", "10")).body == ""
    assert "Recorded $10.00" in said(team.wait_for_dms(AGENT)[-1])
    assert team.slack.calls("chat.postEphemeral") == []


@pytest.mark.parametrize(
    "forged",
    [
        # Unsigned, as the bot used to carry it: answer in another channel, or to another URL.
        json.dumps({"channel_id": "C0SUPERVISORS"}),
        json.dumps({"response_url": "https://hooks.slack.com/commands/T0TEAM/1/elsewhere"}),
        "",
    ],
)
def test_a_forged_or_unsigned_private_metadata_is_refused_and_nothing_written(
    team: RunningBot, forged: str
) -> None:
    view = open_form(team, "pay") | {"private_metadata": forged}
    refused = team.send.view_submission(AGENT, view, pay_values("ACC-1042", "10"))
    assert "out of date" in errors_of(refused)
    assert rows(team, Payment) == 0 and rows(team, AuditEntry) == 0


def test_a_tampered_signed_private_metadata_is_refused(team: RunningBot) -> None:
    view = open_form(team, "log")
    signed = view["private_metadata"]
    body, _, signature = signed.rpartition(".")
    tampered = body.replace("{", '{"account_id":"ACC-2001",', 1) + "." + signature
    refused = team.send.view_submission(
        AGENT, view | {"private_metadata": tampered}, log_values("ACC-1042", "hello")
    )
    assert "out of date" in errors_of(refused)
    assert rows(team, Contact) == 0


def test_context_signed_for_one_kind_is_not_accepted_as_another() -> None:
    key = CarriedKey(SIGNING_SECRET)
    origin = ModalOrigin(account_id="ACC-1042").encode(key)
    assert ModalOrigin.decode(origin, key) == ModalOrigin(account_id="ACC-1042")
    with pytest.raises(ValueError):
        OverpaymentToConfirm.decode(origin, key)
    with pytest.raises(ValueError):
        ModalOrigin.decode(origin, CarriedKey("another-secret"))


def test_a_forged_overpayment_confirmation_records_nothing(team: RunningBot) -> None:
    forged = OverpaymentToConfirm(account_id="ACC-1042", amount="99999", nonce="n1").model_dump_json()
    message = {
        "ts": "1.1",
        "channel": "C0GENERAL",
        "blocks": [
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": ActionId.CONFIRM_OVERPAYMENT, "value": forged}],
            }
        ],
    }
    click = team.send.block_actions(AGENT, [{"action_id": ActionId.CONFIRM_OVERPAYMENT}], message=message)
    answer = team.slack.wait_for_response(url=click.response_url)[0]
    assert "no longer valid" in said(answer)
    assert rows(team, Payment) == 0


def test_a_signed_overpayment_confirmation_records(team: RunningBot) -> None:
    shown = team.send.slash_command(AGENT, "pay ACC-1042 2000").json()
    message = {"ts": "1.1", "channel": "C0GENERAL", "blocks": shown["blocks"]}
    click = team.send.block_actions(AGENT, [{"action_id": ActionId.CONFIRM_OVERPAYMENT}], message=message)
    assert "Recorded $2,000.00" in said(team.slack.wait_for_response(url=click.response_url)[0])


def _page_click(bot: RunningBot, user: str, agent: str, channel: str = "C0GENERAL") -> Any:
    value = WorklistPage(agent_id=agent, work_date=bot.runtime.today().isoformat(), start=1).encode()
    message = {
        "ts": "5.5",
        "channel": channel,
        "blocks": [
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": ActionId.WORKLIST_NEXT_PAGE, "value": value}],
            }
        ],
    }
    return bot.send.block_actions(user, [{"action_id": ActionId.WORKLIST_NEXT_PAGE}], message=message)


def test_a_worklist_page_of_someone_else_is_refused_to_an_agent(team: RunningBot) -> None:
    click = _page_click(team, AGENT, OTHER_AGENT)
    assert "out of date" in said(team.slack.wait_for_response(url=click.response_url)[0])
    assert [c for c in team.slack.calls("chat.postMessage") if c.params.get("channel") == "C0GENERAL"] == []


def test_a_worklist_page_goes_to_the_clickers_dm_never_to_the_channel_it_names(team: RunningBot) -> None:
    _page_click(team, SUPERVISOR, AGENT)
    page = team.wait_for_dms(SUPERVISOR)[-1]
    assert "thread_ts" not in page or page["thread_ts"] is None
    assert [c for c in team.slack.calls("chat.postMessage") if c.params.get("channel") == "C0GENERAL"] == []


@pytest.fixture
def escalated(team: RunningBot) -> RunningBot:
    add_agent(team.runtime.db, "U0MANAGER", "Meg Manager", role="manager")
    reply = team.send.slash_command(AGENT, "escalate ACC-1042 settlement 900 offer accepted")
    assert reply.status == 200
    team.slack.wait_for("chat.postMessage")
    return team


def _escalation_message(bot: RunningBot) -> dict[str, Any]:
    wanted = 1
    while True:
        bot.slack.wait_for("chat.postMessage", count=wanted)
        posts = [m for m in bot.slack.messages(ESCALATIONS) if not m.get("thread_ts")]
        if posts:
            return posts[0]
        wanted = len(bot.slack.calls("chat.postMessage")) + 1


def _decision_view(bot: RunningBot, user: str = "U0MANAGER") -> dict[str, Any]:
    opened = len(bot.slack.calls("views.open"))
    message = _escalation_message(bot)
    bot.send.block_actions(user, [{"action_id": ActionId.ESCALATION_REJECT}], message=message)
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    return view


def _comment(text: str) -> dict[str, Any]:
    return {BlockId.COMMENT: typed_in(ActionId.ESCALATION_COMMENT_INPUT, text)}


def _escalation_status(bot: RunningBot) -> str:
    with bot.runtime.db.reading() as session:
        return str(session.scalars(select(Escalation.status)).one())


def test_an_unsigned_decision_context_is_refused(escalated: RunningBot) -> None:
    view = _decision_view(escalated)
    forged = DecisionContext(escalation_id=1, decision="approve").model_dump_json()
    refused = escalated.send.view_submission("U0MANAGER", view | {"private_metadata": forged}, _comment("ok"))
    assert "out of date" in errors_of(refused)
    assert _escalation_status(escalated) == "open"


def test_a_decision_context_from_another_message_is_refused(escalated: RunningBot) -> None:
    view = _decision_view(escalated)
    key = CarriedKey(SIGNING_SECRET)
    elsewhere = DecisionContext(
        escalation_id=1, decision="approve", channel_id="C0GENERAL", message_ts="123.456"
    ).encode(key)
    refused = escalated.send.view_submission(
        "U0MANAGER", view | {"private_metadata": elsewhere}, _comment("ok")
    )
    assert "out of date" in errors_of(refused)
    assert _escalation_status(escalated) == "open"


def test_a_signed_decision_from_its_message_is_applied(escalated: RunningBot) -> None:
    view = _decision_view(escalated)
    assert escalated.send.view_submission("U0MANAGER", view, _comment("no")).body == ""
    assert _escalation_status(escalated) == "rejected"


# --- 2. Form fields are as long as the parser allows, checked on the server ---------------------


@pytest.mark.parametrize(
    ("form", "values", "block"),
    [
        ("log", log_values("ACC-1042", "n" * 2001), BlockId.NOTES),
        ("pay", pay_values("ACC-1042", "10", reference="R" * 101), BlockId.REFERENCE),
        ("pay", pay_values("ACC-1042", "1" * 33), BlockId.AMOUNT),
        ("promise", promise_values("ACC-1042", "1" * 33), BlockId.AMOUNT),
        ("log", log_values("A" * 65, "hello"), BlockId.ACCOUNT),
    ],
)
def test_a_ledger_form_field_past_the_parsers_limit_is_refused(
    team: RunningBot, form: str, values: dict[str, Any], block: str
) -> None:
    refused = team.send.view_submission(AGENT, open_form(team, form), values)
    assert "limit" in said(refused.json()["errors"][block])
    assert rows(team, AuditEntry) == 0


def test_an_escalation_reason_past_the_parsers_limit_is_refused(team: RunningBot) -> None:
    values: dict[str, Any] = {
        BlockId.ACCOUNT: picked("ACC-1042"),
        BlockId.KIND: chosen(ActionId.ESCALATION_KIND_SELECT, "settlement"),
        BlockId.AMOUNT: typed_in(ActionId.AMOUNT_INPUT, "900"),
        BlockId.REASON: typed_in(ActionId.ESCALATION_REASON_INPUT, "r" * 2001),
    }
    refused = team.send.view_submission(AGENT, open_form(team, "escalate"), values)
    assert "limit" in said(refused.json()["errors"][BlockId.REASON])
    assert rows(team, Escalation) == 0


def test_a_decision_comment_past_the_limit_is_refused(escalated: RunningBot) -> None:
    refused = escalated.send.view_submission("U0MANAGER", _decision_view(escalated), _comment("c" * 2001))
    assert "limit" in said(refused.json()["errors"][BlockId.COMMENT])
    assert _escalation_status(escalated) == "open"


# --- 3. A form submitted again is recognised by form and account ---------------------------------


def test_one_form_id_for_two_accounts_never_names_the_other_accounts_payment(team: RunningBot) -> None:
    view = open_form(team, "pay")
    assert team.send.view_submission(AGENT, view, pay_values("ACC-1042", "75")).body == ""
    second = team.send.view_submission(AGENT, view, pay_values("ACC-1043", "75"))
    assert "ACC-1042" not in second.body
    dms = team.wait_for_dms(AGENT, count=2)
    assert "ACC-1042" not in said(dms[-1]) and "ACC-1043" in said(dms[-1])
    assert rows(team, Payment) == 2


def test_a_log_form_submitted_twice_logs_one_contact(team: RunningBot) -> None:
    view = open_form(team, "log")
    assert team.send.view_submission(AGENT, view, log_values("ACC-1042", "said friday")).body == ""
    again = team.send.view_submission(AGENT, view, log_values("ACC-1042", "said friday"))
    assert "already" in again.body
    assert rows(team, Contact) == 1


def test_a_promise_form_submitted_twice_records_one_promise(team: RunningBot) -> None:
    view = open_form(team, "promise")
    assert team.send.view_submission(AGENT, view, promise_values("ACC-1042", "100")).body == ""
    again = team.send.view_submission(AGENT, view, promise_values("ACC-1042", "100"))
    assert "already" in again.body
    assert rows(team, Promise) == 1


# --- 4. A form that outlasts the reply budget closes, and the answer comes by DM ----------------


@pytest.mark.settings(COLLECT_REPLY_BUDGET="0.2")
def test_a_slow_form_is_closed_at_once_and_answered_by_dm(team: RunningBot) -> None:
    view = open_form(team, "pay")
    with team.runtime.db.transaction() as session:
        find_account(session, "ACC-1042", for_update=True)
        answered = team.send.view_submission(AGENT, view, pay_values("ACC-1042", "5"))
        assert answered.status == 200 and answered.body == ""
    assert "Recorded $5.00" in said(team.wait_for_dms(AGENT)[-1])
    with team.runtime.db.reading() as session:
        balance = session.scalars(select(Account.balance).where(Account.account_id == "ACC-1042")).one()
    assert balance == Decimal("1245.00")


@pytest.mark.settings(COLLECT_REPLY_BUDGET="0.2")
def test_a_slow_form_that_fails_says_why_by_dm(team: RunningBot) -> None:
    view = open_form(team, "promise")
    values = promise_values("ACC-1042", "5") | {
        BlockId.DATE: {ActionId.DATE_PICKER: {"type": "datepicker", "selected_date": "2026-11-01"}}
    }
    with team.runtime.db.transaction() as session:
        find_account(session, "ACC-1042", for_update=True)
        answered = team.send.view_submission(AGENT, view, values)
        assert answered.status == 200 and answered.body == ""
    told = said(team.wait_for_dms(AGENT)[-1])
    assert "Your form was not saved" in told and "past" in told
    assert rows(team, Promise) == 0


# --- 5. A replayed slash command is not applied twice -------------------------------------------


@pytest.mark.parametrize(
    ("typed", "done", "written"),
    [
        ("pay ACC-1042 10 ref:R-1", "Recorded $10.00", Payment),
        # Not asked "typed twice?" as a second typing of the same amount is: the same signature is a replay.
        ("pay ACC-1042 10", "Recorded $10.00", Payment),
        ("log ACC-1042 email no-answer left a note", "Logged email", Contact),
    ],
)
def test_the_same_signed_slash_command_sent_twice_is_applied_once(
    team: RunningBot, typed: str, done: str, written: type[object]
) -> None:
    first = team.send.slash_command(AGENT, typed)
    assert done in first.body
    replayed = team.send.resend(first)
    assert replayed.status == 200 and "already received" in replayed.body, replayed.body
    assert rows(team, written) == 1


def test_a_command_that_recorded_nothing_claimed_nothing_so_again_it_gets_the_same_answer(
    team: RunningBot,
) -> None:
    # The pay and the log claim their signature in the transaction of their change: a question
    # (more than the balance) writes nothing, its claim included, and asks again; nothing is recorded.
    first = team.send.slash_command(AGENT, "pay ACC-1042 99999 ref:R-2")
    assert "more than the balance" in first.body
    again = team.send.resend(first)
    assert again.status == 200 and "more than the balance" in again.body
    assert rows(team, Payment) == 0


@pytest.mark.parametrize("typed", ["pay ACC-1042 10 ref:R-3", "log ACC-1042 email no-answer noted"])
def test_a_command_claimed_in_received_requests_is_refused_as_a_replay(team: RunningBot, typed: str) -> None:
    # A command's claim may be a row of received_requests rather than the payment or the contact it
    # wrote: a refused log's (its refusal is recorded with it), or one claimed by a release that
    # claimed every command there, within the five minutes a signature is accepted.
    from handlers.gate import command_claim
    from storage.models import ReceivedRequest

    sent = team.send.slash_command(AGENT, typed)
    assert sent.sent is not None
    _body, headers = sent.sent
    payments, contacts = rows(team, Payment), rows(team, Contact)
    with team.runtime.db.transaction() as session:
        # The claim the first one made on its row is taken away, one in received_requests put in its place.
        session.query(Payment).filter(Payment.dedupe_key.is_not(None)).update({"dedupe_key": None})
        session.query(Contact).filter(Contact.dedupe_key.is_not(None)).update({"dedupe_key": None})
        key = command_claim({name.lower(): [value] for name, value in headers.items()})
        assert key is not None
        if session.get(ReceivedRequest, key) is None:
            session.add(ReceivedRequest(request_key=key, received_at=team.runtime.now()))
    replayed = team.send.resend(sent)
    assert replayed.status == 200 and "already received" in replayed.body, replayed.body
    assert (rows(team, Payment), rows(team, Contact)) == (payments, contacts)


@pytest.mark.parametrize(
    ("typed", "written", "done"),
    [("pay ACC-1043 {n}", Payment, "Recorded"), ("log ACC-1043 email no-answer copy {n}", Contact, "Logged")],
)
def test_copies_of_a_signed_command_sent_at_the_same_moment_are_applied_once(
    team: RunningBot, typed: str, written: type[object], done: str
) -> None:
    # On PostgreSQL the copies may all look for the claim before any has written it: the payment's
    # or the contact's unique key refuses all but one, which are then told they are replays.
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    for attempt in range(3):
        body = urlencode(
            {"command": "/collect", "text": typed.format(n=attempt + 1), "user_id": AGENT, "team_id": "T0TEAM",
             "channel_id": "C0GENERAL", "response_url": "http://127.0.0.1:9/nowhere", "trigger_id": "1.2.3"}
        ).encode()  # fmt: skip
        headers = {"Content-Type": "application/x-www-form-urlencoded", **team.send.sign(body)}
        with ThreadPoolExecutor(4) as pool:
            answers = [a.body for a in pool.map(team.send.raw, [body] * 4, [headers] * 4)]
        assert sum(done in a for a in answers) == 1, answers
        assert sum("already received" in a for a in answers) == 3, answers
    assert rows(team, written) == 3


# --- 6. Names and notes cannot fake formatting or list lines ------------------------------------

FAKE = "*URGENT* _pay_ ~x~ `y`\n• ACC-9999 $0.00"


def _no_fake_formatting(shown: str) -> None:
    for fake in ("*URGENT*", "_pay_", "~x~", "`y`", "\\n• ACC-9999", "\n• ACC-9999"):
        assert fake not in shown, fake


def test_escape_neutralises_formatting_and_line_breaks() -> None:
    shown = escape(FAKE)
    assert "\n" not in shown
    for mark in "*_~`":
        assert mark not in shown
    assert "URGENT" in shown and "ACC-9999" in shown


def test_a_customer_name_fakes_nothing_in_the_account_view_and_worklist(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, AGENT, "Ana Agent")
    add_agent(bot.runtime.db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(bot.runtime.db, "ACC-7", "100.00", customer_name=FAKE)
    card = bot.send.slash_command(AGENT, "account ACC-7").json()
    _no_fake_formatting(card["text"])
    _no_fake_formatting(json.dumps(card["blocks"], ensure_ascii=False))
    logged = bot.send.slash_command(AGENT, "log ACC-7 call rpc " + FAKE.replace("\n", " ")).json()
    _no_fake_formatting(said(logged))
    worklist = bot.send.slash_command(AGENT, "mine").json()
    _no_fake_formatting(said(worklist))


def test_a_reply_fallback_is_escaped_by_construction() -> None:
    from bot.blocks.kit import Reply, section

    reply = Reply(text=f"<!channel> {FAKE}", blocks=[section("x")]).as_kwargs()
    assert "<!channel>" not in reply["text"]
    _no_fake_formatting(reply["text"])


def test_a_fallback_shows_slacks_own_tokens_as_words_that_ping_nobody() -> None:
    """The notification of a message that tags someone or shows a time reads as words, not as
    escaped markup: `<@U0SUPER1>` as `@U0SUPER1`, a date as its own fallback; nothing pings."""
    from bot.blocks.kit import Reply, section
    from bot.blocks.mrkdwn import local_time, mention

    at = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    text = (
        f"{mention('U0SUPER1')} decided {local_time(at, ZoneInfo('America/New_York'))} for <!here> <#C0X|x>"
    )
    shown = Reply(text=text, blocks=[section(text)]).as_kwargs()["text"]
    assert shown == "@U0SUPER1 decided Nov 23, 2026 09:00 EST for @here #x"


def test_a_customer_name_fakes_nothing_in_alerts() -> None:
    from bot.blocks.alerts import AlertLine, ToChase, alerts_message, broken_promises_dm

    line = AlertLine(1, "ACC-7", FAKE, "promise broken", "U0AGENT1", Decimal("1"))
    for reply in (alerts_message([line]), broken_promises_dm([ToChase("ACC-7", FAKE, FAKE)] * 12, 12)):
        shown = reply.as_kwargs()
        _no_fake_formatting(shown["text"])
        _no_fake_formatting(json.dumps(shown["blocks"], ensure_ascii=False))


def test_a_customer_name_fakes_nothing_in_the_escalation_card(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, AGENT, "Ana Agent")
    add_agent(bot.runtime.db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(bot.runtime.db, "ACC-7", "100.00", customer_name=FAKE)
    typed = bot.send.slash_command(AGENT, "escalate ACC-7 settlement 50 " + FAKE.replace("\n", " "))
    assert typed.status == 200
    _no_fake_formatting(said(typed.json()))
    card = _escalation_message(bot)
    _no_fake_formatting(card["text"])
    _no_fake_formatting(json.dumps(card["blocks"], ensure_ascii=False))


@pytest.mark.parametrize("forged", ["9" * 5000, "²", "-1"])
def test_a_forged_alert_button_is_refused_with_a_clear_message(team: RunningBot, forged: str) -> None:
    message = {
        "ts": "7.7",
        "channel": ESCALATIONS,
        "blocks": [
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": ActionId.ALERT_SNOOZE, "value": forged}],
            }
        ],
    }
    click = team.send.block_actions(SUPERVISOR, [{"action_id": ActionId.ALERT_SNOOZE}], message=message)
    assert "not one of mine" in said(team.slack.wait_for_response(url=click.response_url)[0])


@given(st.text())
def test_escaped_text_never_formats_pings_or_breaks_a_line(text: str) -> None:
    shown = escape(text)
    assert not re.search("[<>`\r\n\v\f\x1c-\x1e\x85\u2028\u2029]", shown)
    # A formatting mark is left only between two letters or digits, where Slack never formats.
    assert not re.search(r"(?<![^\W_])[*_~]|[*_~](?![^\W_])", shown)
    assert fallback(fallback(text)) == fallback(text)


@given(st.text(max_size=60), st.integers(min_value=0, max_value=200), st.characters())
@example("", 0, "\ud800")  # a lone surrogate cannot even be encoded: refused, not a crash
@example("ACC-1", 50, "\ud800")
def test_a_signed_value_changed_anywhere_is_refused(account_id: str, at: int, swapped: str) -> None:
    key = CarriedKey(SIGNING_SECRET)
    signed = ModalOrigin(account_id=account_id[:64]).encode(key)
    at %= len(signed)
    tampered = signed[:at] + swapped + signed[at + 1 :]
    if tampered != signed:
        with pytest.raises(CarriedRefusedError):
            ModalOrigin.decode(tampered, key)
