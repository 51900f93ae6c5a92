from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.correspondence.model import DocumentKind, SendChannel
from bot.errors import UserError
from bot.parsing.command import (
    HELP_LINES,
    USAGE,
    AccountCommand,
    EscalateCommand,
    EscalationsCommand,
    HelpCommand,
    LogCommand,
    OpenModal,
    PayCommand,
    PromiseCommand,
    SendCommand,
    parse_command,
    unescape_slack,
)
from bot.vocabulary import Channel, EscalationKind, Outcome, PaymentMethod


def _error(text: str) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_command(text)
    return caught.value


# --- help, unknown, modals -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "Help pay", "\n"])
def test_help(text: str) -> None:
    assert parse_command(text) == HelpCommand()


@pytest.mark.parametrize("text", ["frobnicate", "Frob ACC-1", "ACC-1042"])
def test_unknown_subcommand(text: str) -> None:
    error = _error(text)
    assert error.problem == f"`{text.split()[0]}` is not a `/collect` command."
    assert error.hint == "Type `/collect help` to see every command."


def test_unknown_subcommand_close_to_one_names_it() -> None:
    error = _error("acount ACC-1")
    assert error.problem == "`acount` is not a `/collect` command."
    assert error.hint == "Did you mean `account`? Type `/collect help` to see every command."


@pytest.mark.parametrize(
    ("text", "subcommand"),
    [
        ("log", "log"),
        ("pay", "pay"),
        ("promise", "promise"),
        ("  PAY  ", "pay"),
        ("Promise", "promise"),
        ("escalate", "escalate"),
        (" Escalate ", "escalate"),
    ],
)
def test_bare_subcommand_opens_its_modal(text: str, subcommand: str) -> None:
    assert parse_command(text) == OpenModal(subcommand)


# --- account ---------------------------------------------------------------------------------


def test_account() -> None:
    assert parse_command("account ACC-1042") == AccountCommand("ACC-1042")
    assert parse_command("ACCOUNT acc-1042") == AccountCommand("acc-1042")


def test_account_needs_an_id() -> None:
    error = _error("account")
    assert error.problem == "`/collect account` needs an account id."
    assert error.hint.startswith("Type `/collect account <account-id>`")


def test_account_takes_one_id() -> None:
    assert "just one account id" in _error("account ACC-1 ACC-2").problem


def test_account_id_of_64_characters_is_the_limit() -> None:
    assert parse_command("account " + "A" * 64) == AccountCommand("A" * 64)
    error = _error("account " + "A" * 65)
    assert "longer than 64 characters" in error.problem
    assert error.field == "account"


# --- log -------------------------------------------------------------------------------------


def test_log_with_notes() -> None:
    assert parse_command("log ACC-1 call right-party promised to pay friday") == LogCommand(
        "ACC-1", Channel.CALL, Outcome.RIGHT_PARTY, "promised to pay friday"
    )


def test_log_without_notes() -> None:
    assert parse_command("log ACC-1 email no-answer") == LogCommand(
        "ACC-1", Channel.EMAIL, Outcome.NO_ANSWER, None
    )
    assert parse_command("log ACC-1 email no-answer   ").notes is None  # type: ignore[union-attr]


def test_log_notes_keep_their_inner_spacing() -> None:
    command = parse_command("log   ACC-1  sms  refused   said:  call  back\tlater  ")
    assert isinstance(command, LogCommand)
    assert command.notes == "said:  call  back\tlater"


@pytest.mark.parametrize(
    ("word", "channel"),
    [("call", Channel.CALL), ("CALL", Channel.CALL), ("phone", Channel.CALL), ("e-mail", Channel.EMAIL),
     ("text", Channel.SMS), ("WhatsApp", Channel.SMS), ("post", Channel.LETTER), ("visit", Channel.VISIT)],
)  # fmt: skip
def test_channels_and_aliases(word: str, channel: Channel) -> None:
    command = parse_command(f"log ACC-1 {word} rpc")
    assert isinstance(command, LogCommand)
    assert command.channel is channel


@pytest.mark.parametrize(
    ("word", "outcome"),
    [("rpc", Outcome.RIGHT_PARTY), ("RPC", Outcome.RIGHT_PARTY), ("vm", Outcome.LEFT_MESSAGE),
     ("left-message", Outcome.LEFT_MESSAGE), ("na", Outcome.NO_ANSWER), ("tpc", Outcome.THIRD_PARTY),
     ("wn", Outcome.WRONG_NUMBER), ("refused", Outcome.REFUSED), ("disputed", Outcome.DISPUTE),
     ("cb", Outcome.CALLBACK), ("Call-Back", Outcome.CALLBACK)],
)  # fmt: skip
def test_outcomes_and_aliases(word: str, outcome: Outcome) -> None:
    command = parse_command(f"log ACC-1 call {word}")
    assert isinstance(command, LogCommand)
    assert command.outcome is outcome


def test_unknown_channel_lists_the_channels() -> None:
    error = _error("log ACC-1 fax rpc")
    assert error.problem == "`fax` is not a contact channel."
    assert error.hint == "Type one of `call`, `email`, `sms`, `letter`, `visit`."
    assert error.field == "channel"


def test_unknown_outcome_lists_the_outcomes() -> None:
    error = _error("log ACC-1 call maybe")
    assert error.problem == "`maybe` is not a contact outcome."
    assert error.hint == (
        "Type one of `no-answer`, `left-message`, `right-party`, `third-party`, `wrong-number`, "
        "`refused`, `dispute`, `callback`."
    )
    assert error.field == "outcome"


@pytest.mark.parametrize("text", ["log ACC-1", "log ACC-1 call", "LOG acc-1 phone"])
def test_log_missing_pieces_show_the_usage(text: str) -> None:
    error = _error(text)
    assert error.problem == "`/collect log` needs an account id, a channel and an outcome."
    assert error.hint.startswith("Type `/collect log <account-id> <channel> <outcome> [notes…]`")


def test_notes_of_2000_characters_is_the_limit() -> None:
    notes = "x" * 2000
    command = parse_command(f"log ACC-1 call rpc {notes}")
    assert isinstance(command, LogCommand)
    assert command.notes == notes
    error = _error(f"log ACC-1 call rpc {notes}y")
    assert error.problem == "The notes are 2,001 characters long; the limit is 2,000."
    assert error.field == "notes"


def test_notes_length_ignores_surrounding_spaces() -> None:
    command = parse_command(f"log ACC-1 call rpc    {'x' * 2000}    ")
    assert isinstance(command, LogCommand)
    assert command.notes is not None
    assert len(command.notes) == 2000


# --- pay -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pay ACC-1 250", PayCommand("ACC-1", "250", None, None)),
        ("pay ACC-1 1,250.00 card", PayCommand("ACC-1", "1,250.00", PaymentMethod.CARD, None)),
        ("pay ACC-1 $1,250.00 ach ref:TX-1", PayCommand("ACC-1", "$1,250.00", PaymentMethod.ACH, "TX-1")),
        ("pay ACC-1 R$ 1.250,00 pix", PayCommand("ACC-1", "R$ 1.250,00", PaymentMethod.PIX, None)),
        ("pay ACC-1 R$  1.250,00", PayCommand("ACC-1", "R$  1.250,00", None, None)),
        ("pay ACC-1 USD 40 wire", PayCommand("ACC-1", "USD 40", PaymentMethod.WIRE, None)),
        ("pay ACC-1 40 usd", PayCommand("ACC-1", "40 usd", None, None)),
        ("pay ACC-1 1 250,00 boleto", PayCommand("ACC-1", "1 250,00", PaymentMethod.BOLETO, None)),
        ("pay ACC-1 40 € cash", PayCommand("ACC-1", "40 €", PaymentMethod.CASH, None)),
        ("pay ACC-1 250 ref:abc", PayCommand("ACC-1", "250", None, "abc")),
        ("pay ACC-1 250 REF:AbC", PayCommand("ACC-1", "250", None, "AbC")),
        ("pay ACC-1 250 Ref:x card", PayCommand("ACC-1", "250", PaymentMethod.CARD, "x")),
        ("pay ACC-1 250 cheque", PayCommand("ACC-1", "250", PaymentMethod.CHECK, None)),
        ("pay ACC-1 250 Debit", PayCommand("ACC-1", "250", PaymentMethod.CARD, None)),
        ("pay ACC-1 250 bank", PayCommand("ACC-1", "250", PaymentMethod.WIRE, None)),
        ("pay ACC-1 250 other ref:a:b", PayCommand("ACC-1", "250", PaymentMethod.OTHER, "a:b")),
        # Amounts are checked later against the account's currency; here they are only cut out.
        ("pay ACC-1 abc", PayCommand("ACC-1", "abc", None, None)),
        ("pay ACC-1 -5 card", PayCommand("ACC-1", "-5", PaymentMethod.CARD, None)),
    ],
)
def test_pay(text: str, expected: PayCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", ["pay ACC-1", "pay ACC-1 card", "pay ACC-1 ref:x", "PAY ACC-1 cash ref:x"])
def test_pay_missing_amount(text: str) -> None:
    error = _error(text)
    assert error.problem == "`/collect pay` needs an account id and an amount."
    assert error.hint.startswith("Type `/collect pay <account-id> <amount> [method] [ref:<reference>]`")


@pytest.mark.parametrize("text", ["pay ACC-1 250 venmo", "pay ACC-1 250 card ref:x paypal"])
def test_pay_unknown_method_lists_the_methods(text: str) -> None:
    error = _error(text)
    assert error.problem.endswith("is not a payment method.")
    assert error.hint == "Type one of `card`, `ach`, `check`, `wire`, `cash`, `pix`, `boleto`, `other`."
    assert error.field == "method"


def test_pay_two_methods() -> None:
    error = _error("pay ACC-1 250 card cash")
    assert "two payment methods" in error.problem
    assert error.field == "method"


def test_pay_two_references() -> None:
    assert _error("pay ACC-1 250 ref:a ref:b").field == "reference"


@pytest.mark.parametrize("text", ["pay ACC-1 250 ref:", "pay ACC-1 250 REF: abc"])
def test_pay_empty_reference(text: str) -> None:
    error = _error(text)
    assert error.problem == "The reference after `ref:` is empty."
    assert error.field == "reference"


def test_pay_reference_of_100_characters_is_the_limit() -> None:
    command = parse_command(f"pay ACC-1 250 ref:{'r' * 100}")
    assert isinstance(command, PayCommand)
    assert command.reference == "r" * 100
    error = _error(f"pay ACC-1 250 ref:{'r' * 101}")
    assert error.problem == "The reference is 101 characters long; the limit is 100."
    assert error.field == "reference"


# --- promise ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("promise ACC-1 250 friday", PromiseCommand("ACC-1", "250", "friday")),
        ("promise ACC-1 R$ 1.250,00 2026-12-01", PromiseCommand("ACC-1", "R$ 1.250,00", "2026-12-01")),
        ("promise ACC-1 1 250,00 +7d", PromiseCommand("ACC-1", "1 250,00", "+7d")),
        ("PROMISE ACC-1 USD 40 tomorrow  ", PromiseCommand("ACC-1", "USD 40", "tomorrow")),
        # Two-word dates are not supported: the first word lands in the amount and fails there.
        ("promise ACC-1 250 next friday", PromiseCommand("ACC-1", "250 next", "friday")),
    ],
)
def test_promise(text: str, expected: PromiseCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", ["promise ACC-1", "promise ACC-1 250", "promise ACC-1 friday"])
def test_promise_missing_pieces(text: str) -> None:
    error = _error(text)
    assert error.problem == "`/collect promise` needs an account id, an amount and a date."
    assert error.hint.startswith("Type `/collect promise <account-id> <amount> <date>`")


# --- escalate, escalations -------------------------------------------------------------------

_PLAN = EscalationKind.PAYMENT_PLAN
_SETTLEMENT = EscalationKind.SETTLEMENT
_WRITE_OFF = EscalationKind.WRITE_OFF
_HARDSHIP = EscalationKind.HARDSHIP


def _escalate(text: str) -> EscalateCommand:
    command = parse_command(text)
    assert isinstance(command, EscalateCommand)
    return command


@pytest.mark.parametrize(
    ("text", "amount", "instalments", "until"),
    [
        ("escalate ACC-1 payment-plan 250 x6 lost overtime", "250", 6, None),
        ("escalate ACC-1 payment-plan 250 X6 lost overtime", "250", 6, None),
        ("escalate ACC-1 payment-plan 250 6x lost overtime", "250", 6, None),
        ("escalate ACC-1 payment-plan 250 ×12 lost overtime", "250", 12, None),
        ("escalate ACC-1 payment-plan 250 6 instalments lost overtime", "250", 6, None),
        ("escalate ACC-1 payment-plan 250 6 Installments lost overtime", "250", 6, None),
        ("escalate ACC-1 payment-plan 250 1 instalment lost overtime", "250", 1, None),
        ("escalate ACC-1 payment-plan 250 120 months lost overtime", "250", 120, None),
        ("escalate ACC-1 payment-plan 250 until 2027-06-30 lost overtime", "250", None, "2027-06-30"),
        ("escalate ACC-1 payment-plan 250 UNTIL +90d lost overtime", "250", None, "+90d"),
        ("escalate ACC-1 payment-plan R$ 1.250,00 x6 lost overtime", "R$ 1.250,00", 6, None),
        ("escalate ACC-1 payment-plan 1 250,00 EUR x6 lost overtime", "1 250,00 EUR", 6, None),
        ("escalate ACC-1 payment-plan $1,250.00 x6 lost overtime", "$1,250.00", 6, None),
        ("escalate ACC-1 payment-plan USD 40 x6 lost overtime", "USD 40", 6, None),
        # Counts outside 1..120 are the rules' to refuse, with the plan's own message.
        ("escalate ACC-1 payment-plan 250 x0 lost overtime", "250", 0, None),
        ("escalate ACC-1 payment-plan 250 x999 lost overtime", "250", 999, None),
    ],
)
def test_escalate_payment_plan(text: str, amount: str, instalments: int | None, until: str | None) -> None:
    assert _escalate(text) == EscalateCommand("ACC-1", _PLAN, amount, instalments, until, "lost overtime")


@pytest.mark.parametrize("kind", ["payment-plan", "PLAN", "payment_plan", "Payment-Plan", "paymentplan"])
def test_payment_plan_aliases(kind: str) -> None:
    assert _escalate(f"escalate ACC-1 {kind} 100 x3 why").kind is _PLAN


@pytest.mark.parametrize(
    ("text", "problem", "field"),
    [
        ("escalate ACC-1 plan x6 lost overtime", "needs the amount of each instalment", "amount"),
        ("escalate ACC-1 plan lost overtime", "needs the amount of each instalment", "amount"),
        ("escalate ACC-1 plan 250 lost overtime", "needs the number of instalments", "instalments"),
        ("escalate ACC-1 plan 250", "needs the number of instalments", "instalments"),
        ("escalate ACC-1 plan 250 x6", "needs a reason", "reason"),
        ("escalate ACC-1 plan 250 x6 until 2027-06-30 why", "not both", "instalments"),
        ("escalate ACC-1 plan 250 until 2027-06-30 x6 why", "not both", "instalments"),
        ("escalate ACC-1 plan 250 until", "`until` needs a date", "until"),
    ],
)
def test_payment_plan_missing_pieces(text: str, problem: str, field: str) -> None:
    error = _error(text)
    assert problem in error.problem
    assert error.field == field
    if field != "until":
        assert "`/collect escalate <account-id> payment-plan <amount> x<count> <reason…>`" in error.hint
        assert "until <date>" in error.hint


@pytest.mark.parametrize(
    ("text", "amount", "reason"),
    [
        ("escalate ACC-1 settlement 800 offers 800 to close", "800", "offers 800 to close"),
        ("escalate ACC-1 settle 800.00 the customer offers", "800.00", "the customer offers"),
        ("escalate ACC-1 settlement R$ 1.250,00 oferta", "R$ 1.250,00", "oferta"),
        ("escalate ACC-1 settlement R$1.250,00 oferta", "R$1.250,00", "oferta"),
        ("escalate ACC-1 settlement 800 usd final offer", "800 usd", "final offer"),
        ("escalate ACC-1 settlement 800 EUR final offer", "800 EUR", "final offer"),
        ("escalate ACC-1 settlement €800 final offer", "€800", "final offer"),
        ("escalate ACC-1 settlement 40 € final offer", "40 €", "final offer"),
        ("escalate ACC-1 settlement 1 250 000 big one", "1 250 000", "big one"),
        # A number after the amount that is not a group of three digits starts the reason.
        ("escalate ACC-1 settlement 800 30 days late", "800", "30 days late"),
        # A lower-case three-letter word that is not a currency starts the reason too.
        ("escalate ACC-1 settlement 800 for the car", "800", "for the car"),
        # Zero and negative amounts are cut out here and refused by parse_amount with its message.
        ("escalate ACC-1 settlement -800 why", "-800", "why"),
        ("escalate ACC-1 settlement 0 why", "0", "why"),
    ],
)
def test_escalate_settlement(text: str, amount: str, reason: str) -> None:
    assert _escalate(text) == EscalateCommand("ACC-1", _SETTLEMENT, amount, None, None, reason)


@pytest.mark.parametrize("text", ["escalate ACC-1 settlement final offer", "escalate ACC-1 settle"])
def test_settlement_needs_its_amount(text: str) -> None:
    error = _error(text)
    assert error.problem == "A settlement needs the amount to accept after the kind."
    assert error.field == "amount"
    assert error.hint.startswith("Type `/collect escalate <account-id> settlement <amount> <reason…>`")


@pytest.mark.parametrize(
    ("text", "amount", "reason"),
    [
        ("escalate ACC-1 write-off customer deceased", None, "customer deceased"),
        ("escalate ACC-1 writeoff 120.50 small remainder", "120.50", "small remainder"),
        ("escalate ACC-1 write_off $120.50 small remainder", "$120.50", "small remainder"),
        ("escalate ACC-1 charge-off R$ 99,90 small remainder", "R$ 99,90", "small remainder"),
        ("escalate ACC-1 write-off 1 250,00 small remainder", "1 250,00", "small remainder"),
        # A three-letter reason word is not a currency prefix when no number follows it.
        ("escalate ACC-1 write-off bad debt since 2019", None, "bad debt since 2019"),
        ("escalate ACC-1 write-off USD unknown", None, "USD unknown"),
        # A number of days, months or years is a reason, not a write-off of that much.
        ("escalate ACC-1 write-off 3 years without contact", None, "3 years without contact"),
        ("escalate ACC-1 write-off 2nd attempt failed", None, "2nd attempt failed"),
    ],
)
def test_escalate_write_off(text: str, amount: str | None, reason: str) -> None:
    assert _escalate(text) == EscalateCommand("ACC-1", _WRITE_OFF, amount, None, None, reason)


@pytest.mark.parametrize("text", ["escalate ACC-1 write-off", "escalate ACC-1 write-off 250"])
def test_write_off_needs_a_reason(text: str) -> None:
    error = _error(text)
    assert error.problem == "An escalation needs a reason: tell the supervisor why."
    assert error.field == "reason"
    assert error.hint.startswith("Type `/collect escalate <account-id> write-off [amount] <reason…>`")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("escalate ACC-1 legal assets found, no answer", EscalationKind.LEGAL),
        ("escalate ACC-1 LEGAL assets found, no answer", EscalationKind.LEGAL),
        ("escalate ACC-1 dispute-review assets found, no answer", EscalationKind.DISPUTE_REVIEW),
        ("escalate ACC-1 dispute assets found, no answer", EscalationKind.DISPUTE_REVIEW),
        ("escalate ACC-1 dispute_review assets found, no answer", EscalationKind.DISPUTE_REVIEW),
    ],
)
def test_escalate_legal_and_dispute_review(text: str, kind: EscalationKind) -> None:
    assert _escalate(text) == EscalateCommand("ACC-1", kind, None, None, None, "assets found, no answer")


def test_legal_takes_a_leading_number_as_part_of_the_reason() -> None:
    assert _escalate("escalate ACC-1 legal 120 days silent").reason == "120 days silent"


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("escalate ACC-1 hardship until 2027-01-31 lost job", "2027-01-31"),
        ("escalate ACC-1 hardship Until friday lost job", "friday"),
        ("escalate ACC-1 hardship 30d lost job", "+30d"),
        ("escalate ACC-1 hardship +30d lost job", "+30d"),
        ("escalate ACC-1 hardship 30D lost job", "+30D"),
        ("escalate ACC-1 hardship 30days lost job", "+30days"),
        ("escalate ACC-1 hardship 8w lost job", "+8w"),
        ("escalate ACC-1 hardship +60 lost job", "+60"),
        ("escalate ACC-1 hardship 30 days lost job", "+30 days"),
        ("escalate ACC-1 hardship +2 weeks lost job", "+2 weeks"),
    ],
)
def test_escalate_hardship(text: str, until: str) -> None:
    assert _escalate(text) == EscalateCommand("ACC-1", _HARDSHIP, None, None, until, "lost job")


@pytest.mark.parametrize(
    "until", ["2027-01-31", "friday", "+30d", "+30D", "+30days", "+8w", "+60", "+30 days", "+2 weeks"]
)
def test_hardship_periods_are_dates_the_caller_can_read(until: str) -> None:
    from datetime import date

    from bot.parsing.dates import parse_future_date

    assert parse_future_date(until, date(2026, 11, 2)) > date(2026, 11, 2)


@pytest.mark.parametrize(
    "text",
    ["escalate ACC-1 hardship lost job", "escalate ACC-1 hardship 30 lost job", "escalate ACC-1 hardship"],
)
def test_hardship_needs_its_end(text: str) -> None:
    error = _error(text)
    assert error.problem.startswith("A hardship pause needs its end after the kind")
    assert error.field == "until"
    assert "`/collect escalate <account-id> hardship until <date> <reason…>`" in error.hint


def test_hardship_needs_a_reason() -> None:
    assert _error("escalate ACC-1 hardship 30d").field == "reason"


@pytest.mark.parametrize("text", ["escalate ACC-1", "ESCALATE acc-1  "])
def test_escalate_needs_a_kind(text: str) -> None:
    error = _error(text)
    assert error.problem == "`/collect escalate` needs an account id, a kind and a reason."
    assert error.hint.startswith("Type `/collect escalate <account-id> <kind> [amount] <reason…>`")


def test_unknown_kind_lists_the_kinds() -> None:
    error = _error("escalate ACC-1 forgive 100 please")
    assert error.problem == "`forgive` is not an escalation kind."
    assert error.hint == (
        "Type one of `payment-plan`, `settlement`, `write-off`, `legal`, `hardship`, `dispute-review`."
    )
    assert error.field == "kind"


def test_escalate_checks_the_account_id() -> None:
    assert _error("escalate " + "A" * 65 + " legal why").field == "account"


def test_reason_keeps_its_inner_spacing() -> None:
    command = _escalate("escalate  ACC-1  settlement  R$  1.250,00   said:  pays\tFriday  ")
    assert command.amount_text == "R$  1.250,00"
    assert command.reason == "said:  pays\tFriday"


def test_reason_of_2000_characters_is_the_limit() -> None:
    reason = "r" * 2000
    assert _escalate(f"escalate ACC-1 legal {reason}   ").reason == reason
    error = _error(f"escalate ACC-1 legal {reason}r")
    assert error.problem == "The reason is 2,001 characters long; the limit is 2,000."
    assert error.field == "reason"


def test_escalate_undoes_slack_escapes() -> None:
    command = _escalate("escalate A&amp;B legal Smith &amp; Sons &lt;urgent&gt;")
    assert (command.account_id, command.reason) == ("A&B", "Smith & Sons <urgent>")


@pytest.mark.parametrize("text", ["escalations", "ESCALATIONS", "escalations please"])
def test_escalations(text: str) -> None:
    assert parse_command(text) == EscalationsCommand()


# --- Slack escapes, shapes, help lines -------------------------------------------------------


def test_slack_escapes_are_undone_once() -> None:
    assert unescape_slack("a &amp; b &lt;c&gt; &amp;lt;") == "a & b <c> &lt;"
    command = parse_command("log A&amp;B call rpc &lt;urgent&gt; Smith &amp; Sons")
    assert command == LogCommand("A&B", Channel.CALL, Outcome.RIGHT_PARTY, "<urgent> Smith & Sons")


def test_commands_are_frozen() -> None:
    command = parse_command("account ACC-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.account_id = "other"  # type: ignore[misc, union-attr]


def test_usage_and_help_lines_cover_every_subcommand() -> None:
    assert set(USAGE) == {
        "help", "account", "log", "pay", "promise", "mine", "away", "assign", "escalate", "escalations",
        "alerts", "report", "target", "team", "hold", "release", "override", "complaint", "complaints",
        "send", "strategy",
    }  # fmt: skip
    assert [usage for usage, _ in HELP_LINES] == list(USAGE.values())
    assert all(description.endswith(".") for _, description in HELP_LINES)


@given(st.text())
def test_arbitrary_text_raises_only_user_errors(text: str) -> None:
    try:
        parse_command(text)
    except UserError as error:
        assert error.problem


_WORDS = st.sampled_from(
    ["log", "pay", "promise", "account", "help", "ACC-1", "call", "rpc", "vm", "card", "ref:", "ref:x",
     "250", "R$", "1.250,00", "usd", "friday", "&amp;", "&lt;", " ", "  ", "\t", "x" * 70,
     "escalate", "escalations", "plan", "settlement", "write-off", "hardship", "legal", "x6", "6",
     "instalments", "until", "30d", "+30", "days", "250", "000"]
)  # fmt: skip


@given(st.lists(_WORDS, max_size=8))
def test_command_like_text_raises_only_user_errors(words: list[str]) -> None:
    try:
        parse_command(" ".join(words))
    except UserError as error:
        assert error.problem


def test_mentions_and_user_ids_are_read_as_people() -> None:
    from bot.parsing.command import AssignCommand, AwayCommand, MineCommand

    assert parse_command("mine") == MineCommand()
    assert parse_command("away <@U0ANA|ana> 2026-12-24 2026-12-31") == AwayCommand(
        "U0ANA", "2026-12-24", "2026-12-31"
    )
    assert parse_command("assign ACC-1 U0ANA") == AssignCommand("ACC-1", "U0ANA")
    with pytest.raises(UserError) as refused:
        parse_command("assign ACC-1 @ana")
    assert refused.value.field == "user"
    with pytest.raises(UserError):
        parse_command("away <@U0ANA> tomorrow")


@pytest.mark.parametrize("typed", ["team frobnicate", "team add <@U0AGENT2>", "override ACC-1042 fdcpa"])
def test_every_usage_error_names_the_usage_and_an_example(typed: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_command(typed)
    assert f"/collect {typed.split()[0]}" in refused.value.hint


def test_every_subcommand_with_a_usage_has_an_example_or_needs_none() -> None:
    from bot.parsing.command import _EXAMPLES

    assert set(USAGE) - set(_EXAMPLES) <= {"help", "mine", "escalations", "report", "complaints"}


@pytest.mark.parametrize(
    ("with_nul", "without"),
    [
        ("pay ACC-1042 5 ref:R\x001", "pay ACC-1042 5 ref:R1"),
        ("log ACC-1042 call vm said hi\x00", "log ACC-1042 call vm said hi"),
        ("\x00", ""),
        (
            "esc\x00alate ACC-1042 dispute-review says it was paid",
            "escalate ACC-1042 dispute-review says it was paid",
        ),
    ],
)
def test_a_nul_character_is_dropped_because_postgresql_cannot_keep_it(with_nul: str, without: str) -> None:
    assert parse_command(with_nul) == parse_command(without)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("send ACC-1042 statement", SendCommand("ACC-1042", DocumentKind.STATEMENT, None)),
        (
            "send ACC-1042 final-notice letter",
            SendCommand("ACC-1042", DocumentKind.FINAL_NOTICE, SendChannel.LETTER),
        ),
        ("send ACC-1042 reminder e-mail", SendCommand("ACC-1042", DocumentKind.REMINDER, SendChannel.EMAIL)),
        (
            "enviar ACC-1042 extrato carta",
            SendCommand("ACC-1042", DocumentKind.STATEMENT, SendChannel.LETTER),
        ),
        (
            "enviar ACC-1042 recordatorio correo",
            SendCommand("ACC-1042", DocumentKind.REMINDER, SendChannel.EMAIL),
        ),
        ("ENVIAR ACC-1042 Verificação", SendCommand("ACC-1042", DocumentKind.VERIFICATION, None)),
    ],
)
def test_send_names_the_document_and_maybe_the_channel_in_any_of_the_teams_words(
    typed: str, expected: SendCommand
) -> None:
    assert parse_command(typed) == expected


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("send", "needs an account id and the kind of document"),
        ("send ACC-1042", "needs an account id and the kind of document"),
        ("send ACC-1042 letter", "is not a kind of document"),
        ("send ACC-1042 statement sms", "is not a way to send a document"),
        ("send ACC-1042 statement email now", "at most a channel"),
    ],
)
def test_send_refuses_what_it_cannot_read_with_what_to_type(typed: str, said: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_command(typed)
    assert said in refused.value.problem and refused.value.hint.startswith("Type ")
