"""The documents the bot writes to customers, as plain data: what a document says (`DocumentFacts`,
gathered from the ledger by bot/correspondence/records.py) and what rendering makes of it
(`RenderedDocument`). Nothing here formats, reads a file or knows about sending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class DocumentKind(StrEnum):
    STATEMENT = "statement"
    REMINDER = "reminder"
    FINAL_NOTICE = "final-notice"
    PROMISE_CONFIRMATION = "promise-confirmation"
    PLAN_CONFIRMATION = "plan-confirmation"
    SETTLEMENT_OFFER = "settlement-offer"
    VALIDATION_NOTICE = "validation-notice"
    VERIFICATION = "verification"


class SendChannel(StrEnum):
    """How a document reaches the customer (the contact channels of the same names)."""

    EMAIL = "email"
    LETTER = "letter"


@dataclass(frozen=True, slots=True)
class PostalAddress:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentLine:
    received_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PromiseLine:
    """A promise or a plan's instalment (`instalment` is its number then)."""

    due_date: date
    amount: Decimal
    status: str
    instalment: int | None = None


@dataclass(frozen=True, slots=True)
class SettlementTerms:
    amount: Decimal
    pay_by: date


@dataclass(frozen=True, slots=True)
class Itemization:
    """Regulation F's itemization of the debt (§1006.34(c)(2)(vi)-(viii), model form B-1): what was
    owed on the itemization date and what changed it since, so that `amount + interest + fees -
    payments - credits` is the balance now (bot.correspondence.rules.itemize)."""

    on: date
    amount: Decimal
    interest: Decimal
    fees: Decimal
    payments: Decimal
    """Payments recorded in the ledger since the itemization date."""
    credits: Decimal
    """Whatever else lowered the debt since (adjustments the billing system made): what makes the
    itemization add up to the balance. Negative when it cannot (the notice is then refused)."""


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """Everything a document may say, in the account's currency; money stays Decimal and dates stay
    dates until rendering says them in the customer's locale."""

    kind: DocumentKind
    language: str
    """One of bot.language.model.SUPPORTED."""
    today: date
    creditor_name: str
    creditor_address: tuple[str, ...]
    account_id: str
    customer_name: str
    email: str | None
    address: PostalAddress
    currency: str
    balance: Decimal
    original_amount: Decimal | None
    due_date: date
    days_past_due: int
    aging: str
    """bot.aging.AgingBucket's value: `current`, `1-30`, … `120+`."""
    recent_payments: tuple[PaymentLine, ...]
    open_promises: tuple[PromiseLine, ...]
    """Open promises and instalments, earliest due first; a plan's are also in `plan`."""
    promise: PromiseLine | None
    """The next promise due (for a promise-confirmation)."""
    plan: tuple[PromiseLine, ...]
    """The approved plan's open instalments (for a plan-confirmation)."""
    settlement: SettlementTerms | None
    payment_instructions: str
    payment_link: str | None
    dispute_contact: str
    validation_ends: date
    """The last day of the validation period a validation notice states: the account's tracked one
    when a validation notice was sent, else what it would be for one mailed today."""
    itemization: Itemization | None = None
    """For the US validation notice; None when the account has no itemization date and amount."""


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    kind: DocumentKind
    language: str
    subject: str
    text: str
    html: str
    pdf: bytes
    sha256: str
    """Of subject, text, html and pdf together (see bot.correspondence.rules.content_hash): what the
    audit keeps to show later that a kept document is the one sent."""


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    """A letter waiting for its print batch (`collect-bot letters`)."""
    SENT = "sent"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class SentDocument:
    """What sending did: an email is `sent` (the outbox delivers it); a letter is `queued` until
    its print batch is written."""

    document_id: int
    account_id: str
    customer_name: str
    kind: DocumentKind
    channel: SendChannel
    status: DocumentStatus
    recipient: str
    sha256: str


@dataclass(frozen=True, slots=True)
class DocumentPreview:
    """What the person about to send a document sees first: its subject and text part (the HTML and
    the PDF say the same; the PDF is not made for a preview, which must open within Slack's 3
    seconds), how it goes and to whom."""

    account_id: str
    customer_name: str
    kind: DocumentKind
    channel: SendChannel
    language: str
    subject: str
    text: str
    recipient: tuple[str, ...]
    """The email address, or the postal address's lines (the customer's name first)."""
