"""The text after `/collect`, split into typed commands.

Amounts and dates stay text here: they are parsed later, once the account's currency and the
team's date are known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeAlias, TypeVar

from bot.correspondence.model import DocumentKind, SendChannel
from bot.currency import SYMBOLS
from bot.errors import UserError
from bot.language.model import N_, _, speaker
from bot.language.rules import SUPPORTED, parse_locale
from bot.parsing import aliases
from bot.parsing.echo import quoted
from bot.parsing.typed_text import storable
from bot.vocabulary import (
    CHANNEL_ALIASES,
    METHOD_ALIASES,
    OUTCOME_ALIASES,
    Channel,
    ComplaintCategory,
    EscalationKind,
    Outcome,
    PaymentMethod,
    Role,
)

MAX_ACCOUNT_ID_LENGTH = 64
MAX_REFERENCE_LENGTH = 100
MAX_NOTES_LENGTH = 2000
# The longest amount a form takes (`R$ 1.250.000.000.000,00` fits): the forms' max_length, checked
# again on the server, as Slack's max_length is only the client's.
MAX_AMOUNT_TEXT_LENGTH = 32
MODAL_SUBCOMMANDS = frozenset({"log", "pay", "promise", "escalate"})

USAGE: dict[str, str] = {
    "help": "/collect help",
    "account": "/collect account <account-id>",
    "log": "/collect log <account-id> <channel> <outcome> [notes…]",
    "pay": "/collect pay <account-id> <amount> [method] [ref:<reference>]",
    "promise": "/collect promise <account-id> <amount> <date>",
    "mine": "/collect mine",
    "away": "/collect away @user <from> <to>",
    "assign": "/collect assign <account-id> @user",
    "escalate": "/collect escalate <account-id> <kind> [amount] <reason…>",
    "escalations": "/collect escalations",
    "alerts": "/collect alerts [page]",
    "report": "/collect report [day|week|month] [@user] [--trend]",
    "target": "/collect target @user <amount>",
    "team": "/collect team [add @user <role> [en|pt-BR|es] | remove @user]",
    "hold": "/collect hold <account-id> <dispute|cease-communication|bankruptcy|attorney> [notes…]",
    "release": "/collect release <account-id> <reason…>",
    "override": "/collect override <account-id> <rule> <reason…>",
    "complaint": "/collect complaint <account-id> <category> [@handler] <what the customer says…>",
    "complaints": "/collect complaints",
    "send": "/collect send <account-id> <document> [email|letter]",
    "strategy": "/collect strategy <promote|stop> <segment-or-challenger>",
}
# Not a subcommand of its own: `complaint resolve …`.
RESOLVE_USAGE = "/collect complaint resolve <number> <outcome…>"
_RESOLVE_EXAMPLE = "/collect complaint resolve 7 refunded the second fee and apologised"

_EXAMPLES: dict[str, str] = {
    "account": "/collect account ACC-1042",
    "log": "/collect log ACC-1042 call rpc promised to pay Friday",
    "pay": "/collect pay ACC-1042 250.00 card ref:TX-88812",
    "promise": "/collect promise ACC-1042 250 friday",
    "away": "/collect away @ana 2026-12-24 2026-12-31",
    "assign": "/collect assign ACC-1042 @ana",
    "escalate": "/collect escalate ACC-1042 settlement 800 offers 800 today to close the account",
    "alerts": "/collect alerts 2",
    "report": "/collect report week @ana",
    "target": "/collect target @ana 15000",
    "hold": "/collect hold ACC-1042 dispute says it was paid in 2024",
    "release": "/collect release ACC-1042 validation notice sent 2026-11-20",
    "team": "/collect team add @nina agent",
    "override": "/collect override ACC-1042 time-zone-unknown the customer asked for a call at 9",
    "complaint": "/collect complaint ACC-1042 fees charged a late fee twice in November",
    "send": "/collect send ACC-1042 statement email",
    "strategy": "/collect strategy promote early-small",
}

# Marked for the catalogs, translated in the refusal that shows them.
_NEEDS: dict[str, str] = {
    "account": N_("an account id"),
    "log": N_("an account id, a channel and an outcome"),
    "pay": N_("an account id and an amount"),
    "promise": N_("an account id, an amount and a date"),
    "away": N_("a person and two dates"),
    "assign": N_("an account id and a person"),
    "escalate": N_("an account id, a kind and a reason"),
    "target": N_("a person and a monthly amount"),
    "hold": N_("an account id and the kind of hold"),
    "release": N_("an account id and the reason"),
    "override": N_("an account id, the rule and the reason"),
    "complaint": N_("an account id, a category and what the customer complains about"),
    "send": N_("an account id and the kind of document"),
    "strategy": N_("promote or stop, and a segment or its challenger"),
}

# The descriptions are marked for the catalogs and translated where the help is shown.
HELP_LINES: list[tuple[str, str]] = [
    (USAGE["help"], N_("Show this list of commands.")),
    (USAGE["account"], N_("Show an account: balance, promises and recent contacts.")),
    (USAGE["log"], N_("Record a contact attempt. Type `/collect log` alone for a form.")),
    (USAGE["pay"], N_("Record a payment received. Type `/collect pay` alone for a form.")),
    (USAGE["promise"], N_("Record a promise to pay. Type `/collect promise` alone for a form.")),
    (USAGE["mine"], N_("Show today's worklist, with what is already done.")),
    (USAGE["away"], N_("Mark someone away (yourself, or anyone if you are a supervisor).")),
    (USAGE["assign"], N_("Move an account to another agent (supervisors).")),
    (
        USAGE["escalate"],
        N_(
            "Ask a supervisor to decide a payment plan, settlement, write-off, legal referral, hardship "
            "pause or dispute review. Type `/collect escalate` alone for a form."
        ),
    ),
    (USAGE["escalations"], N_("Show the escalations waiting for a decision.")),
    (USAGE["alerts"], N_("Show every account with an alert nobody has acted on yet (supervisors).")),
    (USAGE["report"], N_("Show the numbers: yours, or (supervisors) anyone's or the team's.")),
    (USAGE["target"], N_("Set someone's monthly collection target (supervisors).")),
    (USAGE["team"], N_("List the roster, or add or remove someone (admins and managers).")),
    (
        USAGE["hold"],
        N_("Stop collection on an account: a dispute, a cease-communication request, and so on."),
    ),
    (USAGE["release"], N_("Lift a hold, saying why (supervisors).")),
    (
        USAGE["override"],
        N_("Allow one exception to a contact rule where judgement is allowed (supervisors)."),
    ),
    (
        USAGE["complaint"],
        N_("Record a customer's complaint; it must be answered within the team's deadline."),
    ),
    (
        USAGE["complaints"],
        N_(
            "Show the open complaints, the oldest due first. `/collect complaint resolve <number>"
            " <outcome…>` closes one (supervisors and its handler)."
        ),
    ),
    (
        USAGE["send"],
        N_(
            "Preview a document for the customer (`statement`, `reminder`, `final-notice`, …) and send it"
            " by email or letter; without a channel, email when the account has an address for it."
        ),
    ),
    (
        USAGE["strategy"],
        N_(
            "End a champion/challenger test (supervisors): `promote` gives the challenger to the whole"
            " segment, `stop` returns its accounts to the champion."
        ),
    ),
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
class EscalateCommand:
    account_id: str
    kind: EscalationKind
    amount_text: str | None
    """The instalment (plan), the amount accepted (settlement) or written off; None when not typed."""
    instalments: int | None
    until_text: str | None
    """A plan's end date or a hardship pause's end, as typed (`2027-06-30`) or as `+30d`."""
    reason: str


@dataclass(frozen=True, slots=True)
class EscalationsCommand:
    pass


@dataclass(frozen=True, slots=True)
class AlertsCommand:
    page: int = 1


@dataclass(frozen=True, slots=True)
class ReportCommand:
    kind: Literal["day", "week", "month"]
    user_id: str | None
    trend: bool = False
    """`--trend`: the last 13 weeks against the team's median, and the chart (bot.coaching)."""


@dataclass(frozen=True, slots=True)
class TeamCommand:
    """`team` alone lists the roster; `add` and `remove` change it."""

    action: Literal["list", "add", "remove"]
    user_id: str | None = None
    role: Role | None = None
    # The language the bot speaks to them (`add` only); none leaves it as it was.
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class HoldCommand:
    account_id: str
    reason: str
    notes: str


@dataclass(frozen=True, slots=True)
class ReleaseCommand:
    account_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class OverrideCommand:
    account_id: str
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class ComplaintCommand:
    account_id: str
    category: ComplaintCategory
    text: str
    handler: str | None = None
    """Named with a mention after the category; None: the bot's default (bot.complaints.rules)."""


@dataclass(frozen=True, slots=True)
class ResolveComplaintCommand:
    complaint_id: int
    outcome: str


@dataclass(frozen=True, slots=True)
class ComplaintsCommand:
    pass


@dataclass(frozen=True, slots=True)
class SendCommand:
    account_id: str
    kind: DocumentKind
    channel: SendChannel | None = None
    """None: the bot's choice (email when the account has an email address, else a letter)."""


@dataclass(frozen=True, slots=True)
class StrategyCommand:
    action: str
    """`promote` or `stop`."""
    name: str
    """A segment, or a challenger's treatment."""


@dataclass(frozen=True, slots=True)
class TargetCommand:
    user_id: str
    amount_text: str


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
    | EscalateCommand
    | EscalationsCommand
    | AlertsCommand
    | ReportCommand
    | TargetCommand
    | TeamCommand
    | HoldCommand
    | ReleaseCommand
    | OverrideCommand
    | ComplaintCommand
    | ResolveComplaintCommand
    | ComplaintsCommand
    | SendCommand
    | StrategyCommand
    | OpenModal
)

_Tokens: TypeAlias = Sequence[re.Match[str]]

_TOKEN = re.compile(r"\S+")
# The English words, their shorthands, and the team's own languages' words (bot.parsing.aliases).
_CHANNELS: dict[str, Channel] = (
    {c.value: c for c in Channel} | CHANNEL_ALIASES | aliases.every_language(aliases.CHANNEL_ALIASES)
)
_OUTCOMES: dict[str, Outcome] = (
    {o.value: o for o in Outcome} | OUTCOME_ALIASES | aliases.every_language(aliases.OUTCOME_ALIASES)
)
_METHODS: dict[str, PaymentMethod] = (
    {m.value: m for m in PaymentMethod} | METHOD_ALIASES | aliases.every_language(aliases.METHOD_ALIASES)
)
_REF_PREFIX = "ref:"

# What agents actually type for an escalation's kind, mapped to the canonical word.
KIND_ALIASES: dict[str, EscalationKind] = {
    "plan": EscalationKind.PAYMENT_PLAN,
    "payment_plan": EscalationKind.PAYMENT_PLAN,
    "paymentplan": EscalationKind.PAYMENT_PLAN,
    "settle": EscalationKind.SETTLEMENT,
    "writeoff": EscalationKind.WRITE_OFF,
    "write_off": EscalationKind.WRITE_OFF,
    "charge-off": EscalationKind.WRITE_OFF,
    "chargeoff": EscalationKind.WRITE_OFF,
    "dispute": EscalationKind.DISPUTE_REVIEW,
    "dispute_review": EscalationKind.DISPUTE_REVIEW,
}
_KINDS: dict[str, EscalationKind] = (
    {k.value: k for k in EscalationKind} | KIND_ALIASES | aliases.every_language(aliases.KIND_ALIASES)
)

_CATEGORIES: dict[str, ComplaintCategory] = {c.value: c for c in ComplaintCategory} | aliases.every_language(
    aliases.CATEGORY_ALIASES
)

_DOCUMENTS: dict[str, DocumentKind] = {k.value: k for k in DocumentKind} | aliases.every_language(
    aliases.DOCUMENT_ALIASES
)
_TRENDS: dict[str, str] = aliases.every_language(aliases.TREND_ALIASES)

_Word = TypeVar("_Word", bound=StrEnum)


def parse_command(text: str) -> Command:
    """What the user asked for; UserError when the text can't be understood."""
    text = unescape_slack(storable(text))
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return HelpCommand()
    # `conta`, `cuenta`: the team's own words stand for the English subcommand.
    subcommand = aliases.subcommand_word(tokens[0].group())
    parse = _PARSERS.get(subcommand)
    if parse is None:
        raise UnknownSubcommandError(tokens[0].group())
    if len(tokens) == 1 and subcommand in MODAL_SUBCOMMANDS:
        return OpenModal(subcommand)
    return parse(text, tokens[1:])


# How alike a typed word and a subcommand must be (difflib's ratio) to be offered as the one
# meant: `acount` → `account`, `raport` → `report`; an account id typed first (`ACC-1042`) is not.
SUGGESTION_CUTOFF = 0.6


class UnknownSubcommandError(UserError):
    """The first word is not a subcommand: the answer names the closest one when one is close (a
    typo, of an English word or of the team's own: `cuneta` → `cuenta`), else shows the whole
    command list."""

    def __init__(self, typed: str) -> None:
        self.suggestion = _closest_subcommand(typed.lower())
        hint = _("Type `/collect help` to see every command.")
        if self.suggestion:
            hint = _("Did you mean `{suggestion}`? {hint}").format(suggestion=self.suggestion, hint=hint)
        super().__init__(_("{typed} is not a `/collect` command.").format(typed=quoted(typed)), hint)


# English first: of two words as close as each other to a typo, the English one is offered.
_SUGGESTED = [*USAGE, *aliases.every_language(aliases.SUBCOMMAND_ALIASES)]


def _closest_subcommand(typed: str) -> str | None:
    import difflib  # for a typo only: the idle bot does without it

    score, _, word = max(
        (difflib.SequenceMatcher(None, known, typed).ratio(), -order, known)
        for order, known in enumerate(_SUGGESTED)
    )
    return word if score >= SUGGESTION_CUTOFF else None


def parse_channel(word: str) -> Channel:
    return _lookup(word, _CHANNELS, Channel, N_("a contact channel"), "channel")


def parse_outcome(word: str) -> Outcome:
    return _lookup(word, _OUTCOMES, Outcome, N_("a contact outcome"), "outcome")


def parse_method(word: str) -> PaymentMethod:
    return _lookup(word, _METHODS, PaymentMethod, N_("a payment method"), "method")


def parse_kind(word: str) -> EscalationKind:
    return _lookup(word, _KINDS, EscalationKind, N_("an escalation kind"), "kind")


def parse_category(word: str) -> ComplaintCategory:
    return _lookup(word, _CATEGORIES, ComplaintCategory, N_("a complaint category"), "category")


def parse_document_kind(word: str) -> DocumentKind:
    return _lookup(word, _DOCUMENTS, DocumentKind, N_("a kind of document"), "kind")


def parse_send_channel(word: str) -> SendChannel:
    """`email` or `letter`, in any of the words the contact channels take (`e-mail`, `correo`,
    `carta`, `post`); a channel no document goes by (`call`) is refused with the two that do."""
    channel = _CHANNELS.get(word.lower())
    try:
        return SendChannel(channel.value if channel else "")
    except ValueError:
        raise UserError(
            _("{typed} is not a way to send a document.").format(typed=quoted(word)),
            _("Type one of {choices}.").format(choices=_choices(SendChannel)),
            field="channel",
        ) from None


def unescape_slack(text: str) -> str:
    """Slack escapes exactly these three in command text; `&amp;` goes last so `&amp;lt;` stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _parse_help(text: str, args: _Tokens) -> Command:
    return HelpCommand()


def _parse_account(text: str, args: _Tokens) -> Command:
    if len(args) != 1:
        raise _usage_error("account", _("`/collect account` takes just one account id.") if args else None)
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
        _("{typed} is not a person in Slack.").format(typed=quoted(word)),
        _("Mention them with @, like `@ana`, and pick them from Slack's list."),
        field="user",
    )


# --- escalate --------------------------------------------------------------------------------

# Each kind's forms and an example, for the hint when its words are missing.
_KIND_USAGE: dict[EscalationKind, tuple[tuple[str, ...], str]] = {
    EscalationKind.PAYMENT_PLAN: (
        (
            "/collect escalate <account-id> payment-plan <amount> x<count> <reason…>",
            "/collect escalate <account-id> payment-plan <amount> until <date> <reason…>",
        ),
        "/collect escalate ACC-1042 payment-plan 250 x6 lost overtime, can pay monthly",
    ),
    EscalationKind.SETTLEMENT: (
        ("/collect escalate <account-id> settlement <amount> <reason…>",),
        "/collect escalate ACC-1042 settlement 800 offers 800 today to close the account",
    ),
    EscalationKind.WRITE_OFF: (
        ("/collect escalate <account-id> write-off [amount] <reason…>",),
        "/collect escalate ACC-1042 write-off customer deceased, no estate",
    ),
    EscalationKind.LEGAL: (
        ("/collect escalate <account-id> legal <reason…>",),
        "/collect escalate ACC-1042 legal no answer in 120 days, assets found",
    ),
    EscalationKind.HARDSHIP: (
        (
            "/collect escalate <account-id> hardship until <date> <reason…>",
            "/collect escalate <account-id> hardship <days>d <reason…>",
        ),
        "/collect escalate ACC-1042 hardship 60d lost job, starts a new one in March",
    ),
    EscalationKind.DISPUTE_REVIEW: (
        ("/collect escalate <account-id> dispute-review <reason…>",),
        "/collect escalate ACC-1042 dispute-review says the charge was refunded",
    ),
}

# Currency markers next to an amount: a symbol, a code in capitals, or a code the bot knows in
# any case. Lower-case words in general are left alone: they start the reason (`800 for the car`).
_KNOWN_CODES = sorted({code for codes in SYMBOLS.values() for code in codes})
_SYMBOLS_PATTERN = "|".join(re.escape(s) for s in sorted(SYMBOLS, key=len, reverse=True))
_CURRENCY = f"(?i:{_SYMBOLS_PATTERN}|{'|'.join(_KNOWN_CODES)})|[A-Z]{{3}}"
_CURRENCY_WORD = re.compile(_CURRENCY)
_NUMBER_WORD = re.compile(rf"[-\u2212]?(?:{_CURRENCY})?[-\u2212]?[0-9][0-9.,]*(?:{_CURRENCY})?")
# The later words of a space-grouped amount: `1 250,00`, `1 250 000`.
_DIGIT_GROUP = re.compile(rf"[0-9]{{3}}(?:[.,][0-9]+)?(?:{_CURRENCY})?")
_COUNT = re.compile(r"[x×]([0-9]{1,9})|([0-9]{1,9})[x×]", re.IGNORECASE)
_COUNT_NUMBER = re.compile(r"[0-9]{1,9}")
_COUNT_WORDS = frozenset({"instalment", "instalments", "installment", "installments", "payments", "months"})
_PERIOD = re.compile(r"\+?[0-9]{1,4}(?:d|days?|w|weeks?)|\+[0-9]{1,4}", re.IGNORECASE)
_PERIOD_NUMBER = re.compile(r"\+?[0-9]{1,4}")
_PERIOD_UNIT = re.compile(r"d|days?|w|weeks?", re.IGNORECASE)
_UNTIL = "until"
_TIME_WORDS = frozenset({"day", "days", "week", "weeks", "month", "months", "year", "years"})


@dataclass(frozen=True, slots=True)
class _Terms:
    """What an escalation's kind takes between the kind and the reason, and how many words it used."""

    amount_text: str | None = None
    instalments: int | None = None
    until_text: str | None = None
    used: int = 0


def _parse_escalate(text: str, args: _Tokens) -> Command:
    if len(args) < 2:
        raise _usage_error("escalate")
    account_id = _account_id(args[0].group())
    kind = parse_kind(args[1].group())
    terms = _TERMS[kind](text, args[2:])
    return EscalateCommand(
        account_id=account_id,
        kind=kind,
        amount_text=terms.amount_text,
        instalments=terms.instalments,
        until_text=terms.until_text,
        reason=_reason(text, args[2 + terms.used :], kind),
    )


def _parse_escalations(text: str, args: _Tokens) -> Command:
    return EscalationsCommand()


def _plan_terms(text: str, words: _Tokens) -> _Terms:
    amount = _amount_length(words, stop=lambda rest: _plan_length(rest) is not None)
    if not amount:
        raise _kind_error(
            EscalationKind.PAYMENT_PLAN,
            _("A payment plan needs the amount of each instalment after the kind."),
            "amount",
        )
    length = _plan_length(words[amount:])
    if length is None:
        raise _kind_error(
            EscalationKind.PAYMENT_PLAN,
            _(
                "A payment plan needs the number of instalments, like `x6`, or its end, like "
                "`until 2027-06-30`, after the amount."
            ),
            "instalments",
        )
    instalments, until_text, used = length
    if _plan_length(words[amount + used :]) is not None:
        raise _kind_error(
            EscalationKind.PAYMENT_PLAN,
            _("Give either the number of instalments or the plan's end date, not both."),
            "instalments",
        )
    return _Terms(_span(text, words[:amount]), instalments, until_text, amount + used)


def _settlement_terms(text: str, words: _Tokens) -> _Terms:
    amount = _amount_length(words)
    if not amount:
        raise _kind_error(
            EscalationKind.SETTLEMENT, _("A settlement needs the amount to accept after the kind."), "amount"
        )
    return _Terms(amount_text=_span(text, words[:amount]), used=amount)


def _write_off_terms(text: str, words: _Tokens) -> _Terms:
    # The amount is optional: without one the whole balance is written off, and the words are the reason.
    amount = _amount_length(words)
    if amount == 1 and len(words) > 1 and words[1].group().lower() in _TIME_WORDS:
        amount = 0  # `write-off ACC-1 3 years without contact` is a reason, not a write-off of 3
    return _Terms(amount_text=_span(text, words[:amount]) if amount else None, used=amount)


def _hardship_terms(text: str, words: _Tokens) -> _Terms:
    period = _until(words) or _period(words)
    if period is None:
        raise _kind_error(
            EscalationKind.HARDSHIP,
            _(
                "A hardship pause needs its end after the kind: `until <date>` or a number of days, like `30d`."
            ),
            "until",
        )
    until_text, used = period
    return _Terms(until_text=until_text, used=used)


def _no_terms(text: str, words: _Tokens) -> _Terms:
    return _Terms()


_TERMS: dict[EscalationKind, Callable[[str, _Tokens], _Terms]] = {
    EscalationKind.PAYMENT_PLAN: _plan_terms,
    EscalationKind.SETTLEMENT: _settlement_terms,
    EscalationKind.WRITE_OFF: _write_off_terms,
    EscalationKind.LEGAL: _no_terms,
    EscalationKind.HARDSHIP: _hardship_terms,
    EscalationKind.DISPUTE_REVIEW: _no_terms,
}


def _amount_length(words: _Tokens, *, stop: Callable[[_Tokens], bool] | None = None) -> int:
    """How many words at the start are an amount (`250`, `$1,250.00`, `R$ 1.250,00`, `1 250 EUR`); 0 if none.

    Stricter than pay's: a reason follows, so a later word joins only when it is a currency or a
    group of three digits, and `800 30 days late` keeps `30 days late` as the reason. `stop` ends
    the amount early where the rest reads as something else (`250 120 months`).
    """
    texts = [word.group() for word in words]
    prefix = len(texts) > 1 and bool(_CURRENCY_WORD.fullmatch(texts[0]))
    at = int(prefix)
    if at >= len(texts) or not _NUMBER_WORD.fullmatch(texts[at]):
        return 0
    at += 1
    while at < len(texts) and _DIGIT_GROUP.fullmatch(texts[at]) and not (stop and stop(words[at:])):
        at += 1
    if not prefix and at < len(texts) and _CURRENCY_WORD.fullmatch(texts[at]):
        at += 1
    return at


def _plan_length(words: _Tokens) -> tuple[int | None, str | None, int] | None:
    """(instalments, until, words used) from `x6`, `6x`, `6 instalments` or `until DATE`; None if absent."""
    if not words:
        return None
    first = words[0].group()
    if count := _COUNT.fullmatch(first):
        return int(count[1] or count[2]), None, 1
    if _COUNT_NUMBER.fullmatch(first) and len(words) > 1 and words[1].group().lower() in _COUNT_WORDS:
        return int(first), None, 2
    until = _until(words)
    return (None, *until) if until else None


def _until(words: _Tokens) -> tuple[str, int] | None:
    if not words or words[0].group().lower() != _UNTIL:
        return None
    if len(words) < 2:
        raise UserError(
            _("`until` needs a date after it."),
            _("Type a date like `2027-06-30` or `+30d` right after `until`."),
            field="until",
        )
    return words[1].group(), 2


def _period(words: _Tokens) -> tuple[str, int] | None:
    """A pause's length as a relative date the caller can read: `30d`, `+30d` and `30 days` → `+30…`."""
    if not words:
        return None
    first = words[0].group()
    if _PERIOD_NUMBER.fullmatch(first) and len(words) > 1 and _PERIOD_UNIT.fullmatch(words[1].group()):
        return f"+{first.removeprefix('+')} {words[1].group()}", 2
    if _PERIOD.fullmatch(first):
        return "+" + first.removeprefix("+"), 1
    return None


def _reason(text: str, rest: _Tokens, kind: EscalationKind) -> str:
    if not rest:
        raise _kind_error(kind, _("An escalation needs a reason: tell the supervisor why."), "reason")
    reason = text[rest[0].start() :].strip()
    if len(reason) > MAX_NOTES_LENGTH:
        raise UserError(
            _("The reason is {length} characters long; the limit is {limit}.").format(
                length=speaker().number(len(reason)), limit=speaker().number(MAX_NOTES_LENGTH)
            ),
            _("Shorten the reason to {limit} characters or fewer.").format(
                limit=speaker().number(MAX_NOTES_LENGTH)
            ),
            field="reason",
        )
    return reason


def _span(text: str, words: _Tokens) -> str:
    """The words as typed, inner spacing included (`R$  1.250,00`)."""
    return text[words[0].start() : words[-1].end()]


def _kind_error(kind: EscalationKind, problem: str, field: str) -> UserError:
    forms, example = _KIND_USAGE[kind]
    typed = f"`{forms[0]}`"
    for form in forms[1:]:
        typed = _("{first} or {second}").format(first=typed, second=f"`{form}`")
    return UserError(
        problem, _("Type {forms}, for example `{example}`.").format(forms=typed, example=example), field=field
    )


_REPORT_KINDS = {"day": "day", "today": "day", "daily": "day", "week": "week", "weekly": "week",
                 "month": "month", "monthly": "month"}  # fmt: skip


def _parse_alerts(text: str, args: _Tokens) -> Command:
    if not args:
        return AlertsCommand()
    word = args[0].group()
    if not word.isascii() or not word.isdigit() or not 1 <= int(word[:6]) <= 10_000:
        raise _usage_error(
            "alerts", _("`/collect alerts` {typed} is not a page number.").format(typed=quoted(word))
        )
    return AlertsCommand(page=int(word))


def _parse_report(text: str, args: _Tokens) -> Command:
    kind: Literal["day", "week", "month"] = "day"
    user_id = None
    trend = False
    for match in args:
        word = match.group()
        # A Slack client may have turned the two hyphens into a dash as they were typed.
        option = "--" + word.lstrip("-—–").lower() if word.startswith(("-", "—", "–")) else ""
        if option and _TRENDS.get(option, option) == "--trend":
            trend = True
        elif word.lower() in _REPORT_KINDS:
            kind = _REPORT_KINDS[word.lower()]  # type: ignore[assignment]
        else:
            user_id = parse_user(word)
    return ReportCommand(kind=kind, user_id=user_id, trend=trend)


def _parse_target(text: str, args: _Tokens) -> Command:
    if len(args) < 2:
        raise _usage_error("target")
    return TargetCommand(user_id=parse_user(args[0].group()), amount_text=text[args[1].start() :].strip())


def _parse_hold(text: str, args: _Tokens) -> Command:
    if len(args) < 2:
        raise _usage_error("hold")
    notes = _notes(text, args[2:]) or ""
    return HoldCommand(account_id=_account_id(args[0].group()), reason=args[1].group().lower(), notes=notes)


def _parse_release(text: str, args: _Tokens) -> Command:
    if len(args) < 2:
        raise _usage_error("release")
    return ReleaseCommand(account_id=_account_id(args[0].group()), reason=_notes(text, args[1:]) or "")


def _parse_override(text: str, args: _Tokens) -> Command:
    if len(args) < 3:
        raise _usage_error("override")
    reason = _notes(text, args[2:]) or ""
    return OverrideCommand(
        account_id=_account_id(args[0].group()), rule=args[1].group().lower(), reason=reason
    )


_RESOLVE = "resolve"


def _parse_complaint(text: str, args: _Tokens) -> Command:
    if args and args[0].group().lower() == _RESOLVE:
        return _parse_resolve(text, args[1:])
    if len(args) < 3:
        raise _usage_error("complaint")
    account_id = _account_id(args[0].group())
    category = parse_category(args[1].group())
    handler = None
    rest = args[2:]
    if _MENTION.fullmatch(rest[0].group()):
        handler, rest = parse_user(rest[0].group()), rest[1:]
    return ComplaintCommand(
        account_id=account_id, category=category, text=_notes(text, rest) or "", handler=handler
    )


def _parse_resolve(text: str, args: _Tokens) -> Command:
    word = args[0].group().removeprefix("#") if args else ""
    if not word.isascii() or not word.isdigit() or len(word) > 9:
        problem = (
            _("{typed} is not a complaint's number.").format(typed=quoted(args[0].group()))
            if args
            else _("`/collect complaint resolve` needs the complaint's number and its outcome.")
        )
        raise _resolve_error(problem)
    if len(args) < 2:
        raise _resolve_error(_("Say how the complaint was resolved, after its number."))
    return ResolveComplaintCommand(complaint_id=int(word), outcome=_notes(text, args[1:]) or "")


def _resolve_error(problem: str) -> UserError:
    return UserError(
        problem,
        _("Type `{usage}`, for example `{example}`.").format(usage=RESOLVE_USAGE, example=_RESOLVE_EXAMPLE),
    )


def _parse_complaints(text: str, args: _Tokens) -> Command:
    return ComplaintsCommand()


def _parse_send(text: str, args: _Tokens) -> Command:
    if len(args) < 2:
        raise _usage_error("send")
    if len(args) > 3:
        raise _usage_error(
            "send", _("`/collect send` takes an account id, a document and at most a channel.")
        )
    return SendCommand(
        account_id=_account_id(args[0].group()),
        kind=parse_document_kind(args[1].group()),
        channel=parse_send_channel(args[2].group()) if len(args) == 3 else None,
    )


_STRATEGY_ACTIONS: dict[str, str] = {"promote": "promote", "stop": "stop"} | aliases.every_language(
    aliases.STRATEGY_ACTION_ALIASES
)


def _parse_strategy(text: str, args: _Tokens) -> Command:
    action = _STRATEGY_ACTIONS.get(args[0].group().lower()) if args else None
    if action is None or len(args) != 2:
        raise _usage_error(
            "strategy",
            _("`/collect strategy` takes `promote` or `stop` and the name of a segment or its challenger."),
        )
    return StrategyCommand(action, args[1].group().lower()[:40])


def _parse_team(text: str, args: _Tokens) -> Command:
    words = [match.group() for match in args]
    if not words:
        return TeamCommand("list")
    action = words[0].lower()
    if action == "add" and len(words) in (3, 4):
        locale = _locale(words[3]) if len(words) == 4 else None
        return TeamCommand("add", parse_user(words[1]), _role(words[2]), locale)
    if action == "remove" and len(words) == 2:
        return TeamCommand("remove", parse_user(words[1]))
    raise _usage_error(
        "team", _("`/collect team` takes `add @user <role> [language]`, `remove @user`, or nothing.")
    )


def _locale(word: str) -> str:
    locale = parse_locale(word)
    if locale is None:
        raise UserError(
            _("{typed} is not a language the bot speaks.").format(typed=quoted(word)),
            _("Use one of {choices}.").format(choices=", ".join(f"`{known}`" for known in SUPPORTED)),
            field="locale",
        )
    return locale


def _role(word: str) -> Role:
    try:
        return Role(word.lower())
    except ValueError:
        raise UserError(
            _("{typed} is not a role.").format(typed=quoted(word)),
            _("Type one of {choices}.").format(choices=_choices(Role)),
            field="role",
        ) from None


_PARSERS: dict[str, Callable[[str, _Tokens], Command]] = {
    "help": _parse_help,
    "mine": _parse_mine,
    "away": _parse_away,
    "assign": _parse_assign,
    "account": _parse_account,
    "log": _parse_log,
    "pay": _parse_pay,
    "promise": _parse_promise,
    "escalate": _parse_escalate,
    "escalations": _parse_escalations,
    "alerts": _parse_alerts,
    "report": _parse_report,
    "target": _parse_target,
    "team": _parse_team,
    "hold": _parse_hold,
    "release": _parse_release,
    "override": _parse_override,
    "complaint": _parse_complaint,
    "complaints": _parse_complaints,
    "send": _parse_send,
    "strategy": _parse_strategy,
}


def _account_id(word: str) -> str:
    if len(word) > MAX_ACCOUNT_ID_LENGTH:
        raise UserError(
            _("The account id {typed} is longer than {limit} characters.").format(
                typed=quoted(word), limit=speaker().number(MAX_ACCOUNT_ID_LENGTH)
            ),
            _("Type the account id as it appears on the account, like `ACC-1042`."),
            field="account",
        )
    return word


def _lookup(word: str, known: dict[str, _Word], kind: type[_Word], what: str, field: str) -> _Word:
    found = known.get(word.lower())
    if found is None:
        # `what` is marked with N_ by the caller: "a payment method" and the like.
        raise UserError(
            _("{typed} is not {what}.").format(typed=quoted(word), what=_(what)),
            _("Type one of {choices}.").format(choices=_choices(kind)),
            field=field,
        )
    return found


def _notes(text: str, rest: _Tokens) -> str | None:
    if not rest:
        return None
    notes = text[rest[0].start() :].strip()
    if len(notes) > MAX_NOTES_LENGTH:
        raise UserError(
            _("The notes are {length} characters long; the limit is {limit}.").format(
                length=speaker().number(len(notes)), limit=speaker().number(MAX_NOTES_LENGTH)
            ),
            _("Shorten the notes to {limit} characters or fewer.").format(
                limit=speaker().number(MAX_NOTES_LENGTH)
            ),
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
                raise UserError(_("There are two references."), _("Type one `ref:` only."), field="reference")
            reference = _reference(word[len(_REF_PREFIX) :])
        else:
            found = parse_method(word)
            if method is not None:
                raise UserError(
                    _("There are two payment methods, `{first}` and {typed}.").format(
                        first=method.value, typed=quoted(word)
                    ),
                    _("Type one method only, or none."),
                    field="method",
                )
            method = found
    return method, reference


def _reference(reference: str) -> str:
    if not reference:
        raise UserError(
            _("The reference after `ref:` is empty."),
            _("Type the reference right after `ref:`, with no space, like `ref:TX-88812`."),
            field="reference",
        )
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise UserError(
            _("The reference is {length} characters long; the limit is {limit}.").format(
                length=speaker().number(len(reference)), limit=speaker().number(MAX_REFERENCE_LENGTH)
            ),
            _(
                "Type the payment's reference as the bank or processor shows it, at most {limit} characters."
            ).format(limit=speaker().number(MAX_REFERENCE_LENGTH)),
            field="reference",
        )
    return reference


def _usage_error(subcommand: str, problem: str | None = None) -> UserError:
    """`problem` is a whole sentence, already translated; without one, what the subcommand needs."""
    return UserError(
        problem
        or _("`/collect {subcommand}` needs {what}.").format(
            subcommand=subcommand, what=_(_NEEDS[subcommand])
        ),
        _("Type `{usage}`, for example `{example}`.").format(
            usage=USAGE[subcommand], example=_EXAMPLES[subcommand]
        ),
    )


def _choices(kind: type[StrEnum]) -> str:
    return ", ".join(f"`{member.value}`" for member in kind)
