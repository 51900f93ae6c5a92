"""Small things a supervisor notices: a mistyped command answered with the one meant, a paid
account that reads as paid, reasons that do not repeat the balance, channels and methods written
as people write them, the right icon for each channel, a digest with no worklists yet and its
spreadsheet shown as one."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from bot.assignments.model import Worklist, WorklistLine
from bot.assignments.rules.scoring import ScoreWeights, reasons
from bot.blocks.escalations import escalation_message
from bot.blocks.worklist import worklist_reply
from bot.errors import UserError
from bot.outbox.job import deliver_due
from bot.parsing.command import UnknownSubcommandError, parse_command
from bot.vocabulary import AccountStatus, Channel, PaymentMethod, channel_name, method_name
from schedules.runner import run_job
from tests.conftest import RunningBot
from tests.portfolio import add_account
from tests.test_assignment_rules import TODAY, facts
from tests.test_escalation_blocks import make_card

AGENT = "U0AGENT1"
SUPERVISOR = "U0SUPER1"
SUPERVISORS = "C0SUPERVISORS"
WHOLE_HELP = "collect-bot commands"


def texts(answer: str) -> str:
    """The answer's text and every block's text, as a person reads them."""
    body: Any = json.loads(answer)
    found: list[str] = [body.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("blocks", []))
    return "\n".join(found)


# --- 1. A mistyped subcommand --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("acount ACC-1042", "account"), ("ACOUNT", "account"), ("escalation", "escalations"),
     ("pya ACC-1042 10", "pay"), ("raport week", "report"), ("hepl", "help")],
)  # fmt: skip
def test_a_mistyped_subcommand_names_the_closest_one(typed: str, meant: str) -> None:
    with pytest.raises(UnknownSubcommandError) as caught:
        parse_command(typed)
    assert caught.value.suggestion == meant
    assert f"Did you mean `{meant}`?" in caught.value.hint


@pytest.mark.parametrize("typed", ["frobnicate", "ACC-1042", "x", "<!here>"])
def test_nothing_close_suggests_nothing(typed: str) -> None:
    with pytest.raises(UnknownSubcommandError) as caught:
        parse_command(typed)
    assert caught.value.suggestion is None


def test_the_answer_to_a_typo_is_the_suggestion_not_the_whole_help(team: RunningBot) -> None:
    shown = texts(team.collect(AGENT, "acount ACC-1042"))
    assert "Did you mean `account`?" in shown
    assert "`acount` is not a `/collect` command." in shown
    assert WHOLE_HELP not in shown and "/collect promise" not in shown


def test_a_typo_nothing_is_close_to_still_gets_the_whole_help(team: RunningBot) -> None:
    shown = texts(team.collect(AGENT, "frobnicate"))
    assert WHOLE_HELP in shown and "Did you mean" not in shown


def test_what_was_typed_is_escaped_in_the_suggestion(team: RunningBot) -> None:
    shown = texts(team.collect(AGENT, "acc<nt ACC-1042"))
    assert "Did you mean `account`?" in shown
    assert "`acc&lt;nt`" in shown and "acc<nt" not in shown


# --- 2. A paid account reads as paid -------------------------------------------------------------


@pytest.mark.parametrize(("status", "word"), [("paid", "paid"), ("settled", "settled"),
                                              ("written_off", "written off")])  # fmt: skip
def test_a_closed_account_card_shows_it_closed_not_days_past_due(
    team: RunningBot, status: str, word: str
) -> None:
    add_account(team.runtime.db, "OLD-1", "0.00", status=status, due_date=date(2026, 6, 1))
    answer = json.loads(team.collect(AGENT, "account OLD-1"))
    shown = texts(json.dumps(answer))
    assert "past due" not in shown and "175" not in shown
    assert answer["text"] == f"OLD-1: $0.00, {word}"
    assert f"*Status*\n{word}" in shown


def test_an_open_account_card_still_counts_days_past_due(team: RunningBot) -> None:
    add_account(team.runtime.db, "OLD-2", "80.00", due_date=date(2026, 6, 1))
    answer = json.loads(team.collect(AGENT, "account OLD-2"))
    assert answer["text"].endswith("days past due")
    assert "*Days past due*\n" in texts(json.dumps(answer))


def test_an_account_paid_off_during_the_day_shows_paid_on_the_worklist(morning: RunningBot) -> None:
    morning.run_morning()
    before = texts(morning.collect(AGENT, "mine"))
    assert "ACC-1" in before and "days past due" in before.split("ACC-1", 1)[1].split("\n", 2)[1]
    assert "Recorded" in texts(morning.collect(AGENT, "pay ACC-1 250.00 card"))
    after = texts(morning.collect(AGENT, "mine"))
    line = after.split("`ACC-1`", 1)[1].split("\n", 2)[1]
    assert "paid" in line and "past due" not in line


def test_a_closed_worklist_line_says_so() -> None:
    line = WorklistLine(
        rank=1, account_id="ACC-1", customer_name="Dana", currency="USD", balance=Decimal(0),
        days_past_due=175, reasons=(), done=True, status=AccountStatus.SETTLED,
    )  # fmt: skip
    shown = json.dumps(worklist_reply(Worklist("U1", "Ana", TODAY, (line,))).blocks)
    assert "settled" in shown and "past due" not in shown


def test_an_escalation_card_on_a_closed_account_says_it_is_closed() -> None:
    card = make_card(days_past_due=175, balance=Decimal(0), account_status=AccountStatus.PAID)
    shown = json.dumps(escalation_message(card).blocks)
    assert "*Status*\\npaid" in shown and "Days past due" not in shown
    assert "*Days past due*\\n175" in json.dumps(
        escalation_message(replace(card, account_status="active")).blocks
    )


# --- 3. Reasons that do not repeat the balance ----------------------------------------------------


def test_reasons_leave_the_balance_to_the_line() -> None:
    said = reasons(facts(), TODAY, ScoreWeights(), 1, most=8)
    assert said  # the other parts still say why
    assert not any("4,310" in reason or "balance" in reason for reason in said)
    assert "91-120 days past due" in said


def test_the_morning_lines_show_each_balance_once(morning: RunningBot) -> None:
    morning.run_morning()
    [message] = morning.wait_for_dms(AGENT)
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert sections
    for text in sections:
        money = text.split("\n")[1].split(" · ")[0]
        assert text.count(money) == 1, text


# --- 4. Channels and methods as people write them -------------------------------------------------


def test_display_names_write_channels_and_methods_as_people_do() -> None:
    assert channel_name(Channel.SMS) == "SMS" and channel_name("email") == "email"
    assert method_name(PaymentMethod.ACH) == "ACH" and method_name("pix") == "Pix"
    assert method_name("boleto") == "boleto" and method_name("card") == "card"
    assert channel_name("pigeon") == "pigeon"  # an imported word the bot does not know is shown as it is


def test_the_account_card_and_the_answers_write_sms_and_ach(team: RunningBot) -> None:
    logged = texts(team.collect(AGENT, "log ACC-1042 sms left-message"))
    assert "Logged SMS" in logged and " sms " not in logged
    team.collect(AGENT, "pay ACC-1042 10.00 ach ref:A-1")
    card = texts(team.collect(AGENT, "account ACC-1042"))
    assert "· SMS ·" in card and "· ACH ·" in card
    assert "· sms ·" not in card and "· ach ·" not in card


def test_the_forms_offer_the_same_names(team: RunningBot) -> None:
    for typed in ("log", "pay"):
        assert team.send.slash_command(AGENT, typed).status == 200
    opened = team.slack.wait_for("views.open", count=2)
    options = json.dumps([call.params for call in opened], ensure_ascii=False)
    for label in ('"SMS"', '"Email"', '"ACH"', '"Pix"', '"Boleto"', '"Card"'):
        assert label in options, label
    assert '"Sms"' not in options and '"PIX"' not in options and '"BOLETO"' not in options


# --- 5. The right icon for each channel -----------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "icon"),
    [("call", ":telephone_receiver:"), ("email", ":e-mail:"), ("sms", ":speech_balloon:"),
     ("letter", ":envelope:"), ("visit", ":house:")],
)  # fmt: skip
def test_a_logged_contact_has_its_channels_icon(team: RunningBot, channel: str, icon: str) -> None:
    logged = texts(team.collect(AGENT, f"log ACC-1042 {channel} no-answer"))
    assert logged.count(icon) == 1
    if channel != "call":
        assert ":telephone_receiver:" not in logged
    card = texts(team.collect(AGENT, "account ACC-1042"))
    assert f"• {icon} " in card


def test_the_escalation_cards_contacts_have_their_icons() -> None:
    shown = json.dumps(escalation_message(make_card()).blocks)
    assert ":speech_balloon: " in shown and ":telephone_receiver: " in shown


# --- 6. A digest with no worklists yet, and its spreadsheet -----------------------------------------


def test_the_digest_says_nothing_yet_rather_than_0_of_0(team: RunningBot) -> None:
    shown = texts(team.collect(SUPERVISOR, "report week"))
    assert "worklist lines: nothing yet" in shown
    assert "0 of 0" not in shown and "0/0 lines" not in shown
    assert "no worklist" in shown  # each agent's line, as before


def test_the_digests_spreadsheet_is_uploaded_as_a_spreadsheet(team: RunningBot) -> None:
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 17:30 on Tuesday in New York
    team.clock.set(evening)
    assert "queued" in run_job(team.runtime, "performance-digest-day", evening, by="test").message
    deliver_due(team.runtime)
    [sheet] = [f for f in team.slack.uploaded_files.values() if f.filename.endswith(".xlsx")]
    assert sheet.completed and sheet.channel == SUPERVISORS
    shared = [
        file
        for message in team.slack.messages(SUPERVISORS)
        for file in message.get("files") or []
        if file["id"] == sheet.file_id
    ]
    assert shared and shared[0]["filetype"] == "xlsx" and shared[0]["pretty_type"] == "Excel Spreadsheet"
    assert shared[0]["title"].startswith("Spreadsheet: ")


def test_an_unknown_subcommand_is_still_a_user_error() -> None:
    with pytest.raises(UserError):
        parse_command("acount")
