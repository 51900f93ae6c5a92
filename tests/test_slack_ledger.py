"""A collections morning through Slack: signed requests into the real HTTP endpoint, the bot's
Web API calls caught by the stand-in, the ledger checked in the real database."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.ids import ActionId, BlockId, CallbackId
from bot.ledger.records.accounts import find_account
from bot.settings import Settings
from handlers.answering import SHORTEST_WAIT_SECONDS, WAIT_SHARE_OF_BUDGET
from storage.database import Database
from storage.models import Account, AuditEntry, Contact, Payment, Promise
from tests.conftest import RunningBot, serving
from tests.portfolio import standard_team
from wiring.standin.web_api import SlackStandIn

AGENT = "U0AGENT1"


def said(response: Any) -> str:
    """Everything a reply shows, as one string."""
    body = response.json() if hasattr(response, "json") else response
    parts = [body.get("text", "")]
    for block in body.get("blocks", []):
        parts.append(json.dumps(block, ensure_ascii=False))
    return "\n".join(parts)


def slash(bot: RunningBot, text_typed: str, user: str = AGENT) -> Any:
    """The HTTP response itself, for a test that reads its blocks or opens a form (RunningBot.collect
    gives the answer's text)."""
    response = bot.send.slash_command(user, text_typed)
    assert response.status == 200, response.body
    return response


def balance(bot: RunningBot, account_id: str) -> Decimal:
    with bot.runtime.db.reading() as session:
        return session.scalars(select(Account.balance).where(Account.account_id == account_id)).one()


def rows(bot: RunningBot, model: type[object]) -> int:
    with bot.runtime.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_help_is_ephemeral_and_lists_the_commands(team: RunningBot) -> None:
    reply = slash(team, "help")
    assert reply.json()["response_type"] == "ephemeral"
    for usage in ("/collect account", "/collect log", "/collect pay", "/collect promise"):
        assert usage in said(reply)


def test_an_unknown_subcommand_shows_help(team: RunningBot) -> None:
    shown = team.collect(AGENT, "frobnicate ACC-1042")
    assert "frobnicate" in shown and "/collect pay" in shown


def test_the_account_card_escapes_the_customer_name(team: RunningBot) -> None:
    team.collect(AGENT, "log ACC-1043 call rpc said <@U0SUPER1> & co will pay")
    shown = team.collect(AGENT, "account acc-1043")
    assert "&lt;!channel&gt; &amp; Sons" in shown
    assert "<!channel>" not in shown
    assert "&lt;@U0SUPER1&gt; &amp; co" in shown
    assert "$80.00" in shown and "31-60 days" in shown and "right-party" in shown


def test_the_account_card_shows_the_product_escaped(team: RunningBot) -> None:
    assert "Product" not in team.collect(AGENT, "account acc-1042")  # none recorded: not shown
    with team.runtime.db.transaction() as session:
        # Written past the import's check, as only a direct write could: shown inert all the same.
        session.execute(update(Account).where(Account.account_id == "ACC-1042").values(product="<!here>"))
    shown = team.collect(AGENT, "account acc-1042")
    assert "*Product*" in shown and "&lt;!here&gt;" in shown and "<!here>" not in shown


def test_a_payment_is_recorded_and_confirmed(team: RunningBot) -> None:
    shown = team.collect(AGENT, "pay acc-1042 $1,250.00 check ref:CHK-77")
    assert "Recorded $1,250.00" in shown and "paid in full" in shown
    assert balance(team, "ACC-1042") == Decimal("0")
    repeat = team.collect(AGENT, "pay ACC-1042 10 ref:CHK-77")
    assert "already has reference" in repeat and "CHK-77" in repeat
    assert rows(team, Payment) == 1


def test_an_overpayment_is_recorded_once_after_confirmation(team: RunningBot) -> None:
    question = slash(team, "pay ACC-1043 100")
    assert "more than the balance" in said(question) and rows(team, Payment) == 0
    message = {"ts": "1.1", "blocks": question.json()["blocks"], "channel": "C0GENERAL"}
    click = {"action_id": ActionId.CONFIRM_OVERPAYMENT}
    first = team.send.block_actions(AGENT, [click], message=message)
    assert first.status == 200
    answer = team.slack.wait_for_response(url=first.response_url)[0]
    assert answer["replace_original"] is True and "credit of $20.00" in said(answer)
    second = team.send.block_actions(AGENT, [click], message=message)
    assert "already recorded" in said(team.slack.wait_for_response(url=second.response_url)[0])
    assert rows(team, Payment) == 1 and balance(team, "ACC-1043") == Decimal("-20.00")


def test_cancelling_an_overpayment_records_nothing(team: RunningBot) -> None:
    question = slash(team, "pay ACC-1043 100")
    message = {"ts": "1.1", "blocks": question.json()["blocks"], "channel": "C0GENERAL"}
    click = team.send.block_actions(AGENT, [{"action_id": ActionId.CANCEL_OVERPAYMENT}], message=message)
    assert "not recorded" in said(team.slack.wait_for_response(url=click.response_url)[0])
    assert rows(team, Payment) == 0


def test_contacts_and_promises_are_logged(team: RunningBot) -> None:
    assert "Logged call" in team.collect(AGENT, "log ACC-1042 call vm")
    promised = team.collect("U0AGENT2", "promise ACC-2001 R$ 1.250,00 friday")
    assert "R$1,250.00" in promised and "Friday, November 27, 2026" in promised
    with team.runtime.db.reading() as session:
        assert session.scalars(select(Contact.outcome)).one() == "left-message"
        assert session.scalars(select(Promise.amount)).one() == Decimal("1250.00")
        assert (
            session.scalars(select(Account.status).where(Account.account_id == "ACC-2001")).one()
            == "promised"
        )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("account NOPE-1", "not an account you can work"),
        ("account ACC-1024", "ACC-1042"),
        ("log ACC-1042 fax no-answer", "`call`, `email`"),
        ("log ACC-1042 call maybe", "`no-answer`"),
        ("pay ACC-1042 0", "amount is zero"),
        ("pay ACC-1042 -5", "negative"),
        ("pay ACC-1042 abc", "not an amount"),
        ("pay ACC-1042 12.345", "more decimals"),
        ("pay EU-77 $5", "EUR"),
        ("promise ACC-1042 100 2026-11-20", "past"),
        ("promise ACC-1042 100 someday", "not a date"),
        ("log ACC-1042 call rpc " + "x" * 2001, "2,000"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(team: RunningBot, typed: str, expected: str) -> None:
    reply = slash(team, typed)
    assert expected in said(reply)
    assert rows(team, AuditEntry) == 0 and rows(team, Payment) == 0 and rows(team, Contact) == 0


def test_a_bare_subcommand_opens_its_modal_and_a_submission_records(team: RunningBot) -> None:
    typed = slash(team, "pay")
    assert typed.body == ""
    opened = team.slack.wait_for("views.open")[0]
    assert opened.params["trigger_id"] == typed.trigger_id
    view = opened.response["view"]
    assert view["callback_id"] == CallbackId.PAY_MODAL

    options = team.send.block_suggestion(AGENT, ActionId.ACCOUNT_PICKER, BlockId.ACCOUNT, "silva", view=view)
    assert [o["value"] for o in options.json()["options"]] == ["ACC-1042"]

    chosen = {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {ActionId.ACCOUNT_PICKER: chosen},
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "12.345"}},
        BlockId.METHOD: {ActionId.METHOD_SELECT: {"type": "static_select", "selected_option": None}},
        BlockId.REFERENCE: {ActionId.REFERENCE_INPUT: {"type": "plain_text_input", "value": None}},
    }
    refused = team.send.view_submission(AGENT, view, values)
    assert refused.json()["response_action"] == "errors"
    assert "decimals" in refused.json()["errors"][BlockId.AMOUNT]
    assert rows(team, Payment) == 0

    values[BlockId.AMOUNT][ActionId.AMOUNT_INPUT]["value"] = "250"
    accepted = team.send.view_submission(AGENT, view, values)
    assert accepted.status == 200 and accepted.body == ""
    # The form's answer goes to the person's DM: nothing in the form names where else to answer.
    confirmation = team.slack.wait_for("chat.postMessage")[0]
    assert confirmation.params["channel"] == AGENT and "Recorded $250.00" in said(confirmation.params)
    assert balance(team, "ACC-1042") == Decimal("1000.00")


def test_a_modal_is_acknowledged_while_slack_still_holds_views_open(team: RunningBot) -> None:
    # The listeners answer on the request's thread (process_before_response): a Web API call made
    # after ack() must not hold the answer, or a slow Slack would make every click late.
    team.slack.hang("views.open", 30.0)
    typed = slash(team, "log")
    assert typed.status == 200 and typed.body == ""
    team.slack.wait_for_held("views.open")
    assert team.slack.calls("views.open") == []  # still held: the answer did not wait for it
    team.slack.release()
    assert team.slack.wait_for("views.open")[0].params["trigger_id"] == typed.trigger_id


def test_opening_the_home_is_acknowledged_while_slack_still_holds_views_publish(
    team: RunningBot,
) -> None:
    team.slack.hang("views.publish", 30.0)
    opened = team.send.event({"type": "app_home_opened", "user": AGENT, "tab": "home"})
    assert opened.status == 200
    team.slack.wait_for_held("views.publish")
    assert team.slack.calls("views.publish") == []
    team.slack.release()
    assert team.slack.wait_for("views.publish")[0].params["user_id"] == AGENT


def test_the_log_and_promise_modals_record_too(team: RunningBot) -> None:
    slash(team, "log")
    log_view = team.slack.wait_for("views.open")[0].response["view"]
    account = {ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "EU-77"}}}
    team.send.view_submission(
        AGENT,
        log_view,
        {
            BlockId.ACCOUNT: account,
            BlockId.CHANNEL: {
                ActionId.CHANNEL_SELECT: {"type": "static_select", "selected_option": {"value": "sms"}}
            },
            BlockId.OUTCOME: {
                ActionId.OUTCOME_SELECT: {"type": "static_select", "selected_option": {"value": "callback"}}
            },
            BlockId.NOTES: {ActionId.NOTES_INPUT: {"type": "plain_text_input", "value": "call after 6pm"}},
        },
    )
    slash(team, "promise")
    promise_view = team.slack.wait_for("views.open", count=2)[1].response["view"]
    past = team.send.view_submission(
        AGENT,
        promise_view,
        {
            BlockId.ACCOUNT: account,
            BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "€40"}},
            BlockId.DATE: {ActionId.DATE_PICKER: {"type": "datepicker", "selected_date": "2026-11-01"}},
        },
    )
    assert BlockId.DATE in past.json()["errors"]
    team.send.view_submission(
        AGENT,
        promise_view,
        {
            BlockId.ACCOUNT: account,
            BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "€40"}},
            BlockId.DATE: {ActionId.DATE_PICKER: {"type": "datepicker", "selected_date": "2026-12-01"}},
        },
    )
    with team.runtime.db.reading() as session:
        assert session.scalars(select(Contact.notes)).one() == "call after 6pm"
        assert session.scalars(select(Promise.due_date)).one().isoformat() == "2026-12-01"


def test_requests_without_a_valid_signature_get_401_and_change_nothing(team: RunningBot) -> None:
    form = b"command=%2Fcollect&text=pay+ACC-1042+10&user_id=U0AGENT1&team_id=T0TEAM"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert team.send.raw(form, headers).status == 401
    forged = {**headers, **team.send.sign(form), "X-Slack-Signature": "v0=" + "0" * 64}
    assert team.send.raw(form, forged).status == 401
    stale = team.send.slash_command(
        AGENT, "pay ACC-1042 10", timestamp=int(team.clock.now().timestamp()) - 301
    )
    assert stale.status == 401
    assert rows(team, Payment) == 0


def test_healthz_answers_once_the_database_does(team: RunningBot) -> None:
    with urllib.request.urlopen(team.url + "/healthz") as answer:
        assert answer.status == 200


def test_twenty_simultaneous_payments_lower_the_balance_by_exactly_twenty(team: RunningBot) -> None:
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def pay(n: int) -> None:
        barrier.wait()
        statuses.append(team.send.slash_command(AGENT, f"pay ACC-1042 1.00 ref:R{n}").status)

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    assert balance(team, "ACC-1042") == Decimal("1230.00")
    assert rows(team, Payment) == 20


def test_a_slow_database_moves_the_answer_to_response_url(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> None:
    # The budget is set before the app starts: the Answerer copies it once, at start.
    budget, default_budget = 0.2, Settings.model_fields["reply_budget_seconds"].default
    with serving(db, database_url, standin, clock, COLLECT_REPLY_BUDGET=str(budget)) as impatient:
        standard_team(db)
        assert impatient.runtime.settings.reply_budget_seconds == budget < default_budget
        with db.transaction() as session:
            # Holding the account's lock (the whole database on SQLite) keeps the payment waiting.
            find_account(session, "ACC-1042", for_update=True)
            started = time.monotonic()
            typed = slash(impatient, "pay ACC-1042 5")
            waited = time.monotonic() - started
            assert "Working on it" in said(typed)
            # Acknowledged on this budget, not the default one; nothing recorded or posted yet.
            assert budget <= waited < default_budget
            assert impatient.slack.response_posts(typed.response_url) == []
        late = impatient.slack.wait_for_response(url=typed.response_url)[0]
        assert late["replace_original"] is True and "Recorded $5.00" in said(late)
        assert balance(impatient, "ACC-1042") == Decimal("1245.00")


def test_a_pay_answered_on_the_request_thread_that_waits_past_its_bound_is_done_again_in_the_pool(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> None:
    # A budget long enough for pay to be answered on the request's thread, each wait bounded by its
    # share of it; the account's lock (on SQLite the writers' turn, the whole database) outlasts
    # that bound.
    budget = 0.8
    with serving(db, database_url, standin, clock, COLLECT_REPLY_BUDGET=str(budget)) as bounded:
        standard_team(db)
        assert bounded.runtime.settings.reply_budget_seconds == budget
        assert budget * WAIT_SHARE_OF_BUDGET >= SHORTEST_WAIT_SECONDS
        assert "Recorded $1.00" in bounded.collect(AGENT, "pay ACC-1042 1 ref:FREE-1")  # nothing held
        with db.transaction() as session:
            find_account(session, "ACC-1042", for_update=True)
            started = time.monotonic()
            typed = slash(bounded, "pay ACC-1042 5")
            waited = time.monotonic() - started
            # The rolled-back attempt on the request's thread, then the pool with what was left of
            # the budget: still acknowledged within it, and nothing recorded while the lock holds.
            assert "Working on it" in said(typed)
            assert budget <= waited < budget + 0.5
            assert bounded.slack.response_posts(typed.response_url) == []
        late = bounded.slack.wait_for_response(url=typed.response_url)[0]
        assert late["replace_original"] is True and "Recorded $5.00" in said(late)
        assert balance(bounded, "ACC-1042") == Decimal("1244.00") and rows(bounded, Payment) == 2


def test_the_same_payment_typed_twice_within_two_minutes_waits_for_a_confirmation(
    team: RunningBot,
) -> None:
    assert "Recorded $50.00" in team.collect(AGENT, "pay ACC-1042 50")
    again = slash(team, "pay ACC-1042 50")
    assert "less than two minutes ago" in said(again) and rows(team, Payment) == 1
    message = {"ts": "1.1", "blocks": again.json()["blocks"], "channel": "C0GENERAL"}
    click = team.send.block_actions(AGENT, [{"action_id": ActionId.CONFIRM_OVERPAYMENT}], message=message)
    assert "Recorded $50.00" in said(team.slack.wait_for_response(url=click.response_url)[0])
    assert rows(team, Payment) == 2
    assert "Recorded" in team.collect(AGENT, "pay ACC-1042 50 ref:R-9")  # a reference tells them apart
    team.clock.advance(timedelta(minutes=3))
    assert "Recorded $50.00" in team.collect(AGENT, "pay ACC-1042 50")


def test_a_form_submitted_twice_records_one_payment(team: RunningBot) -> None:
    slash(team, "pay")
    view = team.slack.wait_for("views.open")[0].response["view"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "75"}},
    }
    assert team.send.view_submission(AGENT, view, values).body == ""
    second = team.send.view_submission(AGENT, view, values)
    assert "already has this payment" in json.dumps(second.json()["errors"])
    assert rows(team, Payment) == 1


def test_a_reference_written_another_way_is_the_same_payment(team: RunningBot) -> None:
    assert "Recorded $100.00" in team.collect(AGENT, "pay ACC-1042 100 ref:bank-991")
    # Upper case, a non-breaking hyphen and a zero-width space: one payment all the same.
    repeat = team.collect(AGENT, "pay ACC-1042 100 ref:\u200bBANK\u2011991")
    assert "already has reference `bank-991`" in repeat and "$100.00" in repeat
    assert rows(team, Payment) == 1 and balance(team, "ACC-1042") == Decimal("1150.00")

    slash(team, "pay")
    view = team.slack.wait_for("views.open")[0].response["view"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "100"}},
        BlockId.REFERENCE: {
            ActionId.REFERENCE_INPUT: {"type": "plain_text_input", "value": " Bank\u2013991 "}
        },
    }
    refused = team.send.view_submission(AGENT, view, values)
    assert "already has reference bank-991" in json.dumps(refused.json()["errors"])
    assert rows(team, Payment) == 1
    # Another account may have its own bank-991.
    assert "Recorded" in team.collect(AGENT, "pay ACC-1043 10 ref:BANK-991")
    with team.runtime.db.reading() as session:
        assert sorted(str(r) for r in session.scalars(select(Payment.reference))) == ["BANK-991", "bank-991"]


def test_a_reference_of_invisible_characters_is_refused(team: RunningBot) -> None:
    reply = team.collect(AGENT, "pay ACC-1042 100 ref:\u200b\u00ad")
    assert "reference" in reply and "Recorded" not in reply
    assert rows(team, Payment) == 0
