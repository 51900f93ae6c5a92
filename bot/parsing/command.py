"""The text after `/collect`, split into typed commands.

Amounts and dates stay text here: they are parsed later, once the account's currency and the
team's date are known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias, TypeVar

from bot.currency import SYMBOLS
from bot.errors import UserError
from bot.parsing.echo import quoted
from bot.vocabulary import (
    CHANNEL_ALIASES,
    METHOD_ALIASES,
    OUTCOME_ALIASES,
    Channel,
    Outcome,
    PaymentMethod,
)

MAX_ACCOUNT_ID_LENGTH = 64
MAX_REFERENCE_LENGTH = 100
MAX_NOTES_LENGTH = 2000
MODAL_SUBCOMMANDS = frozenset({"log", "pay", "promise"})

USAGE: dict[str, str] = {
    "help": "/collect help",
    "account": "/collect account <account-id>",
    "log": "/collect log <account-id> <channel> <outcome> [notes…]",
    "pay": "/collect pay <account-id> <amount> [method] [ref:<reference>]",
    "promise": "/collect promise <account-id> <amount> <date>",
    "mine": "/collect mine",
    "away": "/collect away @user <from> <to>",
    "assign": "/collect assign <account-id> @user",
}

_EXAMPLES: dict[str, str] = {
    "account": "/collect account ACC-1042",
    "log": "/collect log ACC-1042 call rpc promised to pay Friday",
    "pay": "/collect pay ACC-1042 250.00 card ref:TX-88812",
    "promise": "/collect promise ACC-1042 250 friday",
    "away": "/collect away @ana 2026-12-24 2026-12-31",
    "assign": "/collect assign ACC-1042 @ana",
}

_NEEDS: dict[str, str] = {
    "account": "an account id",
    "log": "an account id, a channel and an outcome",
    "pay": "an account id and an amount",
    "promise": "an account id, an amount and a date",
    "away": "a person and two dates",
    "assign": "an account id and a person",
}

HELP_LINES: list[tuple[str, str]] = [
    (USAGE["help"], "Show this list of commands."),
    (USAGE["account"], "Show an account: balance, promises and recent contacts."),
    (USAGE["log"], "Record a contact attempt. Type `/collect log` alone for a form."),
    (USAGE["pay"], "Record a payment received. Type `/collect pay` alone for a form."),
    (USAGE["promise"], "Record a promise to pay. Type `/collect promise` alone for a form."),
    (USAGE["mine"], "Show today's worklist, with what is already done."),
    (USAGE["away"], "Mark someone away (yourself, or anyone if you are a supervisor)."),
    (USAGE["assign"], "Move an account to another agent (supervisors)."),
]


@dataclass(frozen=True, slots=True)
class HelpCommand:
    pass


@dataclass(frozen=True, slots=True)
class AccountCommand:
    account_id: str


@dataclass(frozen=True, slots=True)
class LogCommand:
    account_id: str
    channel: Channel
    outcome: Outcome
    notes: str | None


@dataclass(frozen=True, slots=True)
class PayCommand:
    account_id: str
    amount_text: str
    method: PaymentMethod | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class PromiseCommand:
    account_id: str
    amount_text: str
    date_text: str


@dataclass(frozen=True, slots=True)
class MineCommand:
    pass


@dataclass(frozen=True, slots=True)
class AwayCommand:
    user_id: str
    from_text: str
    to_text: str


@dataclass(frozen=True, slots=True)
class AssignCommand:
    account_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class OpenModal:
    """A subcommand typed with nothing after it: the caller opens its form."""

    subcommand: str


Command: TypeAlias = (
    HelpCommand
    | AccountCommand
    | LogCommand
    | PayCommand
    | PromiseCommand
    | MineCommand
    | AwayCommand
    | AssignCommand
    | OpenModal
)

_Tokens: TypeAlias = Sequence[re.Match[str]]

_TOKEN = re.compile(r"\S+")
_CHANNELS: dict[str, Channel] = {c.value: c for c in Channel} | CHANNEL_ALIASES
_OUTCOMES: dict[str, Outcome] = {o.value: o for o in Outcome} | OUTCOME_ALIASES
_METHODS: dict[str, PaymentMethod] = {m.value: m for m in PaymentMethod} | METHOD_ALIASES
_REF_PREFIX = "ref:"

_Word = TypeVar("_Word", bound=StrEnum)


def parse_command(text: str) -> Command:
    """What the user asked for; UserError when the text can't be understood."""
    text = unescape_slack(text)
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return HelpCommand()
    subcommand = tokens[0].group().lower()
    parse = _PARSERS.get(subcommand)
    if parse is None:
        raise UnknownSubcommandError(
            f"{quoted(tokens[0].group())} is not a `/collect` command.",
            "Type `/collect help` to see every command.",
        )
    if len(tokens) == 1 and subcommand in MODAL_SUBCOMMANDS:
        return OpenModal(subcommand)
    return parse(text, tokens[1:])


class UnknownSubcommandError(UserError):
    """The first word is not a subcommand: the answer shows the whole command list."""


def parse_channel(word: str) -> Channel:
    return _lookup(word, _CHANNELS, Channel, "a contact channel", "channel")


def parse_outcome(word: str) -> Outcome:
    return _lookup(word, _OUTCOMES, Outcome, "a contact outcome", "outcome")


def parse_method(word: str) -> PaymentMethod:
    return _lookup(word, _METHODS, PaymentMethod, "a payment method", "method")


def unescape_slack(text: str) -> str:
    """Slack escapes exactly these three in command text; `&amp;` goes last so `&amp;lt;` stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _parse_help(text: str, args: _Tokens) -> Command:
    return HelpCommand()


def _parse_account(text: str, args: _Tokens) -> Command:
    if len(args) != 1:
        raise _usage_error("account", "takes just one account id" if args else None)
    return AccountCommand(_account_id(args[0].group()))


def _parse_log(text: str, args: _Tokens) -> Command:
    if len(args) < 3:
        raise _usage_error("log")
    return LogCommand(
        account_id=_account_id(args[0].group()),
        channel=parse_channel(args[1].group()),
        outcome=parse_outcome(args[2].group()),
        notes=_notes(text, args[3:]),
    )


def _parse_pay(text: str, args: _Tokens) -> Command:
    amount_count = _amount_token_count(args[1:])
    if not args or amount_count == 0:
        raise _usage_error("pay")
    amount = args[1 : 1 + amount_count]
    method, reference = _method_and_reference(args[1 + amount_count :])
    return PayCommand(
        account_id=_account_id(args[0].group()),
        amount_text=text[amount[0].start() : amount[-1].end()],
        method=method,
        reference=reference,
    )


def _parse_promise(text: str, args: _Tokens) -> Command:
    # The date is one word, so everything between the id and it is the amount (`R$ 1.250,00`).
    if len(args) < 3:
        raise _usage_error("promise")
    return PromiseCommand(
        account_id=_account_id(args[0].group()),
        amount_text=text[args[1].start() : args[-2].end()],
        date_text=args[-1].group(),
    )


def _parse_mine(text: str, args: _Tokens) -> Command:
    return MineCommand()


def _parse_away(text: str, args: _Tokens) -> Command:
    if len(args) != 3:
        raise _usage_error("away")
    return AwayCommand(
        user_id=parse_user(args[0].group()), from_text=args[1].group(), to_text=args[2].group()
    )


def _parse_assign(text: str, args: _Tokens) -> Command:
    if len(args) != 2:
        raise _usage_error("assign")
    return AssignCommand(account_id=_account_id(args[0].group()), user_id=parse_user(args[1].group()))


_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,31})(?:\|[^>]*)?>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


def parse_user(word: str) -> str:
    """A Slack mention as Slack sends it (`<@U012AB3CD|ana>`), or a bare user id."""
    mention = _MENTION.fullmatch(word)
    if mention:
        return mention.group(1)
    if _USER_ID.fullmatch(word):
        return word
    raise UserError(
        f"{quoted(word)} is not a person in Slack.",
        "Mention them with @, like `@ana`, and pick them from Slack's list.",
        field="user",
    )


_PARSERS: dict[str, Callable[[str, _Tokens], Command]] = {
    "help": _parse_help,
    "mine": _parse_mine,
    "away": _parse_away,
    "assign": _parse_assign,
    "account": _parse_account,
    "log": _parse_log,
    "pay": _parse_pay,
    "promise": _parse_promise,
}


def _account_id(word: str) -> str:
    if len(word) > MAX_ACCOUNT_ID_LENGTH:
        raise UserError(
            f"The account id {quoted(word)} is longer than {MAX_ACCOUNT_ID_LENGTH} characters.",
            "Type the account id as it appears on the account, like `ACC-1042`.",
            field="account",
        )
    return word


def _lookup(word: str, known: dict[str, _Word], kind: type[_Word], what: str, field: str) -> _Word:
    found = known.get(word.lower())
    if found is None:
        raise UserError(f"{quoted(word)} is not {what}.", f"Type one of {_choices(kind)}.", field=field)
    return found


def _notes(text: str, rest: _Tokens) -> str | None:
    if not rest:
        return None
    notes = text[rest[0].start() :].strip()
    if len(notes) > MAX_NOTES_LENGTH:
        raise UserError(
            f"The notes are {len(notes):,} characters long; the limit is {MAX_NOTES_LENGTH:,}.",
            f"Shorten the notes to {MAX_NOTES_LENGTH:,} characters or fewer.",
            field="notes",
        )
    return notes


def _amount_token_count(words: _Tokens) -> int:
    """How many words at the start make up the amount: `R$ 1.250,00`, `40 usd`, `1 250,00`.

    The first word always does; later ones only while they look like part of an amount, so a
    mistyped method (`250 venmo`) is reported as a method and not as a strange amount.
    """
    count = 0
    for match in words:
        word = match.group()
        if _is_method_or_reference(word) or (count and not _looks_like_amount_part(word)):
            break
        count += 1
    return count


def _is_method_or_reference(word: str) -> bool:
    return word.lower() in _METHODS or word.lower().startswith(_REF_PREFIX)


def _looks_like_amount_part(word: str) -> bool:
    is_code = len(word) == 3 and word.isascii() and word.isalpha()
    return is_code or word.upper() in SYMBOLS or any(c.isdigit() for c in word)


def _method_and_reference(words: _Tokens) -> tuple[PaymentMethod | None, str | None]:
    method: PaymentMethod | None = None
    reference: str | None = None
    for match in words:
        word = match.group()
        if word.lower().startswith(_REF_PREFIX):
            if reference is not None:
                raise UserError("There are two references.", "Type one `ref:` only.", field="reference")
            reference = _reference(word[len(_REF_PREFIX) :])
        else:
            found = parse_method(word)
            if method is not None:
                raise UserError(
                    f"There are two payment methods, `{method.value}` and {quoted(word)}.",
                    "Type one method only, or none.",
                    field="method",
                )
            method = found
    return method, reference


def _reference(reference: str) -> str:
    if not reference:
        raise UserError(
            "The reference after `ref:` is empty.",
            "Type the reference right after `ref:`, with no space, like `ref:TX-88812`.",
            field="reference",
        )
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise UserError(
            f"The reference is {len(reference)} characters long; the limit is {MAX_REFERENCE_LENGTH}.",
            f"Type the payment's reference as the bank or processor shows it, at most "
            f"{MAX_REFERENCE_LENGTH} characters.",
            field="reference",
        )
    return reference


def _usage_error(subcommand: str, problem: str | None = None) -> UserError:
    problem = problem or f"needs {_NEEDS[subcommand]}"
    return UserError(
        f"`/collect {subcommand}` {problem}.",
        f"Type `{USAGE[subcommand]}`, for example `{_EXAMPLES[subcommand]}`.",
    )


def _choices(kind: type[StrEnum]) -> str:
    return ", ".join(f"`{member.value}`" for member in kind)
