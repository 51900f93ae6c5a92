"""The collections words the bot understands: contact channels, outcomes, payment methods, states."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from bot.language.model import N_, _


class Channel(StrEnum):
    CALL = "call"
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    VISIT = "visit"


class Outcome(StrEnum):
    NO_ANSWER = "no-answer"
    LEFT_MESSAGE = "left-message"
    RIGHT_PARTY = "right-party"
    THIRD_PARTY = "third-party"
    WRONG_NUMBER = "wrong-number"
    REFUSED = "refused"
    DISPUTE = "dispute"
    CALLBACK = "callback"


RIGHT_PARTY_OUTCOMES = frozenset({Outcome.RIGHT_PARTY, Outcome.REFUSED, Outcome.DISPUTE})
"""A right-party contact is a conversation with the debtor, whatever came of it: a refusal or a
dispute is the debtor reached as much as a friendly call is. The RPC rate counts these, and an
account's last conversation (the alerts' "no conversation for M days", the worklist score) is the
latest of them."""


class PaymentMethod(StrEnum):
    CARD = "card"
    ACH = "ach"
    CHECK = "check"
    WIRE = "wire"
    CASH = "cash"
    PIX = "pix"
    BOLETO = "boleto"
    OTHER = "other"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    PROMISED = "promised"
    PLAN = "plan"
    ON_HOLD = "on_hold"
    PAID = "paid"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"
    LEGAL = "legal"


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class EscalationKind(StrEnum):
    PAYMENT_PLAN = "payment-plan"
    SETTLEMENT = "settlement"
    WRITE_OFF = "write-off"
    LEGAL = "legal"
    HARDSHIP = "hardship"
    DISPUTE_REVIEW = "dispute-review"


class ComplaintCategory(StrEnum):
    FEES = "fees"
    CONDUCT = "conduct"
    WRONG_DEBT = "wrong-debt"
    PRIVACY = "privacy"
    SERVICE = "service"
    OTHER = "other"


class EscalationStatus(StrEnum):
    OPEN = "open"
    WAITING_INFO = "waiting_info"
    """A supervisor asked the agent a question in the thread; the agent's reply reopens it."""
    RECOMMENDED = "recommended"
    """A supervisor approved above their limit: a manager makes the final decision."""
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    """Approved after the account changed in a way the approval cannot apply to: back with the agent."""


OPEN_ESCALATION_STATUSES = frozenset(
    {EscalationStatus.OPEN, EscalationStatus.WAITING_INFO, EscalationStatus.RECOMMENDED}
)


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


MAX_PRODUCT_LENGTH = 40
_PRODUCT_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_IN_A_CODE = re.compile(r"[^a-z0-9]+")


def product_problem(text: str) -> str | None:
    """Why `text` is not a product code (the kind of credit: card, personal-loan, auto…), saying
    what to write instead; None when it is one. Refused rather than rewritten: codes are compared
    as written (a strategy rule's `card` with an account's), and the billing system should send
    the code it means, not one the bot guessed for it."""
    if len(text) <= MAX_PRODUCT_LENGTH and _PRODUCT_CODE.fullmatch(text):
        return None
    suggestion = suggested_product(text)
    instead = f"write {suggestion}" if suggestion else "write a code like card or personal-loan"
    return (
        f"is not a product code (lower case letters, digits and hyphens, at most {MAX_PRODUCT_LENGTH} "
        f"characters): {instead}"
    )


def suggested_product(text: str) -> str:
    """The product code `text` most likely means (accents dropped, lower case, words joined by
    hyphens, cut to length); empty when nothing of it is left."""
    # Only the start can become a code: a huge cell is not normalised whole.
    start = text[: 4 * MAX_PRODUCT_LENGTH]
    plain = unicodedata.normalize("NFKD", start).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_IN_A_CODE.sub("-", plain).strip("-")[:MAX_PRODUCT_LENGTH].rstrip("-")


CLOSED_STATUSES = frozenset({AccountStatus.PAID, AccountStatus.SETTLED, AccountStatus.WRITTEN_OFF})

# How people write each word in a sentence: the stored word is for typing and for the database,
# this one for reading. Every renderer that shows a channel or a payment method takes it from here.
# Marked for the catalogs (N_) and translated where shown, in the reader's language.
CHANNEL_NAMES: dict[str, str] = {
    Channel.CALL: N_("call"),
    Channel.EMAIL: N_("email"),
    Channel.SMS: N_("SMS"),
    Channel.LETTER: N_("letter"),
    Channel.VISIT: N_("visit"),
}

METHOD_NAMES: dict[str, str] = {
    PaymentMethod.CARD: N_("card"),
    PaymentMethod.ACH: N_("ACH"),
    PaymentMethod.CHECK: N_("check"),
    PaymentMethod.WIRE: N_("wire"),
    PaymentMethod.CASH: N_("cash"),
    PaymentMethod.PIX: N_("Pix"),
    PaymentMethod.BOLETO: N_("boleto"),
    PaymentMethod.OTHER: N_("other"),
}

_STATUS_NAMES: dict[str, str] = {
    AccountStatus.ACTIVE: N_("active"),
    AccountStatus.PROMISED: N_("promised"),
    AccountStatus.PLAN: N_("plan"),
    AccountStatus.ON_HOLD: N_("on hold"),
    AccountStatus.PAID: N_("paid"),
    AccountStatus.SETTLED: N_("settled"),
    AccountStatus.WRITTEN_OFF: N_("written off"),
    AccountStatus.LEGAL: N_("legal"),
}


def channel_name(channel: str) -> str:
    """A stored channel as people write it, in the reader's language; a word the bot does not
    know (imported) as it is."""
    return _(CHANNEL_NAMES[channel]) if channel in CHANNEL_NAMES else channel


def method_name(method: str) -> str:
    """A stored payment method as people write it, in the reader's language; a word the bot does
    not know as it is."""
    return _(METHOD_NAMES[method]) if method in METHOD_NAMES else method


def status_name(status: str) -> str:
    """An account status as people write it (`written_off` → `written off`), in the reader's
    language; one the bot does not know with its underscores as spaces."""
    return _(_STATUS_NAMES[status]) if status in _STATUS_NAMES else status.replace("_", " ")


def heading(name: str) -> str:
    """A name at the start of a label (`SMS`, `Pix`, `Email`): only its first letter raised."""
    return name[:1].upper() + name[1:]


# What agents actually type, mapped to the canonical word.
CHANNEL_ALIASES: dict[str, Channel] = {
    "phone": Channel.CALL,
    "tel": Channel.CALL,
    "mail": Channel.EMAIL,
    "e-mail": Channel.EMAIL,
    "text": Channel.SMS,
    "whatsapp": Channel.SMS,
    "post": Channel.LETTER,
    "field": Channel.VISIT,
}

OUTCOME_ALIASES: dict[str, Outcome] = {
    "na": Outcome.NO_ANSWER,
    "noanswer": Outcome.NO_ANSWER,
    "no_answer": Outcome.NO_ANSWER,
    "vm": Outcome.LEFT_MESSAGE,
    "voicemail": Outcome.LEFT_MESSAGE,
    "lm": Outcome.LEFT_MESSAGE,
    "rpc": Outcome.RIGHT_PARTY,
    "right_party": Outcome.RIGHT_PARTY,
    "spoke": Outcome.RIGHT_PARTY,
    "tpc": Outcome.THIRD_PARTY,
    "third_party": Outcome.THIRD_PARTY,
    "wn": Outcome.WRONG_NUMBER,
    "wrong": Outcome.WRONG_NUMBER,
    "wrong_number": Outcome.WRONG_NUMBER,
    "refusal": Outcome.REFUSED,
    "disputed": Outcome.DISPUTE,
    "cb": Outcome.CALLBACK,
    "call-back": Outcome.CALLBACK,
}

METHOD_ALIASES: dict[str, PaymentMethod] = {
    "credit": PaymentMethod.CARD,
    "debit": PaymentMethod.CARD,
    "cheque": PaymentMethod.CHECK,
    "transfer": PaymentMethod.WIRE,
    "bank": PaymentMethod.WIRE,
}
