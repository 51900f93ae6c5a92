"""Plain rules about customer documents: which language a customer reads, the payment link, what a
document needs before it can be written, whether a channel can reach the customer at all, and the
US validation period (Regulation F §1006.34): when it ends, what it forbids, what a notice itemizes."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from string import Formatter
from urllib.parse import quote, urlsplit

from bot.calendar import WorkCalendar, add_days
from bot.correspondence.model import DocumentFacts, DocumentKind, Itemization, PostalAddress, SendChannel
from bot.language.model import ENGLISH, N_
from bot.language.rules import from_slack, parse_locale
from bot.vocabulary import AccountStatus

LINK_PLACEHOLDER = "account_id"


def document_locale(account_language: str | None, team_language: str) -> str:
    """The account's `language` column by its language (`pt`, `pt-BR`, `pt-PT` → pt-BR; `es`,
    `es-MX` → es; `en-GB` → en), else the team's (`COLLECT_LANGUAGE`)."""
    return from_slack(account_language) or parse_locale(team_language) or ENGLISH


def payment_link_problem(template: str) -> str | None:
    """Why `COLLECT_PAYMENT_LINK` cannot be used (None when it can, or is empty): an http(s) URL
    whose only placeholder, if any, is `{account_id}`."""
    if not template:
        return None
    try:
        names = [name for _text, name, _spec, _conv in Formatter().parse(template) if name is not None]
    except ValueError as error:
        return f"{template!r} has unbalanced braces ({error}); write {{account_id}} where the id goes"
    unknown = sorted({name for name in names if name != LINK_PLACEHOLDER})
    if unknown:
        return f"{template!r} names {', '.join('{' + n + '}' for n in unknown)}; only {{account_id}} is filled in"
    sample = template.replace("{" + LINK_PLACEHOLDER + "}", "ACC-1")
    parts = urlsplit(sample)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", sample):
        return f"{template!r} is not an http(s) URL, like https://pay.example.com/{{account_id}}"
    return None


def payment_link(template: str, account_id: str) -> str | None:
    """The account's payment link, its id URL-quoted (an id is the billing system's text)."""
    if not template:
        return None
    return template.replace("{" + LINK_PLACEHOLDER + "}", quote(account_id, safe=""))


def address_lines(address: PostalAddress) -> tuple[str, ...]:
    """The address as written on an envelope: city, region and postal code on one line."""
    place = " ".join(part for part in (address.city, address.region, address.postal_code) if part)
    lines = (address.line1, address.line2, place, address.country)
    return tuple(line for line in lines if line)


def has_postal_address(address: PostalAddress) -> bool:
    """Enough for the post to deliver: a street line and a city or postal code."""
    return bool(address.line1 and (address.city or address.postal_code))


def refusal_to_send(channel: SendChannel, facts: DocumentFacts) -> str | None:
    """Why the document cannot go by `channel` (a template marked N_, for the reader's `_()`), or None."""
    if channel == SendChannel.LETTER and not has_postal_address(facts.address):
        return N_("No postal address on this account: add address_line1 and a city or postal code.")
    if channel == SendChannel.EMAIL and not facts.email:
        return N_("No email address on this account.")
    return None


def default_channel(facts: DocumentFacts) -> SendChannel:
    """How a document goes when nobody said: by email when the account has an address for it, else
    by letter (refused then, with its reason, if there is no postal address either)."""
    return SendChannel.EMAIL if facts.email else SendChannel.LETTER


def recipient(channel: SendChannel, facts: DocumentFacts) -> tuple[str, ...]:
    """To whom the document goes, as the envelope or the email's To says it."""
    if channel == SendChannel.EMAIL:
        return (facts.email or "",)
    return (facts.customer_name, *address_lines(facts.address))


def missing_for_kind(facts: DocumentFacts) -> str | None:
    """Why this kind of document has nothing to say for the account (a template marked N_), or None."""
    if facts.kind == DocumentKind.PROMISE_CONFIRMATION and facts.promise is None:
        return N_("This account has no open promise to confirm.")
    if facts.kind == DocumentKind.PLAN_CONFIRMATION and not facts.plan:
        return N_("This account has no approved payment plan to confirm.")
    if facts.kind == DocumentKind.SETTLEMENT_OFFER and facts.settlement is None:
        return N_("This account has no approved settlement to offer.")
    if facts.kind == DocumentKind.VALIDATION_NOTICE:
        if facts.itemization is None:
            return N_(
                "A validation notice itemizes the debt: import this account's itemization_date and"
                " itemization_amount (with interest_since and fees_since) first."
            )
        if facts.itemization.credits < 0:
            return N_(
                "The itemization does not add up: the amount on the itemization date with the interest"
                " and fees since, less the payments since, is less than the balance. Correct"
                " itemization_amount, interest_since or fees_since."
            )
    return None


# --- The US validation period (Regulation F §1006.34) ----------------------------------------------

# The validation period ends 30 days after the consumer receives the notice (§1006.34(b)(5)). A
# mailed notice is taken as received 5 days after it is mailed, not counting the federal public
# holidays of 5 U.S.C. 6103(a), Saturdays or Sundays; an email, on the day it is sent (the outbox
# delivers it within minutes, and a failure is raised in the supervisors' channel).
VALIDATION_PERIOD_DAYS = 30
MAIL_RECEIPT_WORKING_DAYS = 5
_FEDERAL_WORKING_DAYS = WorkCalendar(frozenset(range(5)), "US")
# What would overshadow the right to dispute if it went out during the validation period
# (§1006.38(b)): a demand for payment. Confirmations, statements and the verification answer the
# customer and may go.
OVERSHADOWING = frozenset({DocumentKind.REMINDER, DocumentKind.FINAL_NOTICE})
VALIDATION_PERIOD_RULE = "validation-period"
"""The refusal's code, counted with the contact rules' own (bot.compliance)."""
OVERSHADOWING_REFUSAL = N_(
    "The validation period runs until {ends}: no reminder or final notice goes out before then,"
    " so that nothing overshadows the customer's right to dispute the debt."
)


def mail_received_on(sent_on: date) -> date:
    """When a letter mailed on `sent_on` is taken as received: 5 federal working days later."""
    received, counted = sent_on, 0
    while counted < MAIL_RECEIPT_WORKING_DAYS and received < date.max:
        received = add_days(received, 1)
        if _FEDERAL_WORKING_DAYS.is_working_day(received):
            counted += 1
    return received


def validation_period_end(sent_on: date, channel: SendChannel) -> date:
    """The last day of the validation period of a notice sent on `sent_on` (the team's day)."""
    received = mail_received_on(sent_on) if channel == SendChannel.LETTER else sent_on
    return add_days(received, VALIDATION_PERIOD_DAYS)


def in_validation_period(validation_ends: date | None, today: date) -> bool:
    return validation_ends is not None and today <= validation_ends


def overshadows(kind: DocumentKind, validation_ends: date | None, today: date, profile: str) -> bool:
    """Whether sending `kind` today would overshadow the dispute rights of a validation period still
    running (US profile only): then it waits until the period has ended."""
    return profile == "us" and kind in OVERSHADOWING and in_validation_period(validation_ends, today)


def itemize(
    on: date,
    amount: Decimal,
    interest: Decimal | None,
    fees: Decimal | None,
    payments: Decimal,
    balance: Decimal,
) -> Itemization:
    """The itemization of model form B-1, adding up to the balance: the credits are what the billing
    system took off besides the payments the ledger knows (negative when nothing can make it add up)."""
    interest, fees = interest or Decimal(0), fees or Decimal(0)
    credits = amount + interest + fees - payments - balance
    return Itemization(on, amount, interest, fees, payments, credits)


def content_hash(subject: str, text: str, html: str, pdf: bytes) -> str:
    """One hash of every part, each length-prefixed so no two documents' parts run into one another."""
    digest = hashlib.sha256()
    for part in (subject.encode(), text.encode(), html.encode(), pdf):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


DISPUTE_HOLD = "dispute"


def releases_on_verification(status: str, hold_reason: str | None) -> bool:
    """Whether sending a verification lifts the account's hold: only a hold placed for a dispute
    (log_contact's, or `/collect hold … dispute`), which the verification answers (§1006.38(d))."""
    return status == AccountStatus.ON_HOLD and hold_reason == DISPUTE_HOLD
