"""Plain rules about customer documents: which language a customer reads, the payment link, what a
document needs before it can be written, and whether a channel can reach the customer at all."""

from __future__ import annotations

import hashlib
import re
from string import Formatter
from urllib.parse import quote, urlsplit

from bot.correspondence.model import DocumentFacts, DocumentKind, PostalAddress, SendChannel
from bot.language.model import ENGLISH, N_
from bot.language.rules import from_slack, parse_locale

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
    return None


def content_hash(subject: str, text: str, html: str, pdf: bytes) -> str:
    """One hash of every part, each length-prefixed so no two documents' parts run into one another."""
    digest = hashlib.sha256()
    for part in (subject.encode(), text.encode(), html.encode(), pdf):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
