from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.parsing.command import (
    HELP_LINES,
    USAGE,
    AccountCommand,
    HelpCommand,
    LogCommand,
    OpenModal,
    PayCommand,
    PromiseCommand,
    parse_command,
    unescape_slack,
)
from bot.vocabulary import Channel, Outcome, PaymentMethod


def _error(text: str) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_command(text)
    return caught.value


# --- help, unknown, modals -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "Help pay", "\n"])
def test_help(text: str) -> None:
    assert parse_command(text) == HelpCommand()


@pytest.mark.parametrize("text", ["frobnicate", "Frob ACC-1", "acount ACC-1", "ACC-1042"])
def test_unknown_subcommand(text: str) -> None:
    error = _error(text)
    assert error.problem == f"`{text.split()[0]}` is not a `/collect` command."
    assert error.hint == "Type `/collect help` to see every command."


@pytest.mark.parametrize(
    ("text", "subcommand"),
    [("log", "log"), ("pay", "pay"), ("promise", "promise"), ("  PAY  ", "pay"), ("Promise", "promise")],
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
    assert set(USAGE) == {"help", "account", "log", "pay", "promise", "mine", "away", "assign"}
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
     "250", "R$", "1.250,00", "usd", "friday", "&amp;", "&lt;", " ", "  ", "\t", "x" * 70]
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
