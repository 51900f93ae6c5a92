"""Checking a billing-API request: its signature (like Slack's and Stripe's), and its JSON items
turned into the rows the CSV import checks, so both ways in apply the same rules.

Plain data in and out: the keys, the clock's `now` and the raw bytes are passed in."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.billing_link.model import (
    SIGNATURE_VERSION,
    TOLERANCE,
    ApiKey,
    RequestShapeError,
    SignatureRefusedError,
    TooManyItemsError,
)
from bot.imports.model import ImportKind
from bot.imports.rules import COLUMNS, Record
from bot.parsing.typed_text import storable

# A header listing more candidate signatures than this is not a rotation, it is someone guessing.
MAX_SIGNATURES = 8
# Unix seconds have 10 digits until 2286; a longer "number" is not a timestamp.
MAX_TIMESTAMP_DIGITS = 12

ITEM_FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.PAYMENTS: COLUMNS[ImportKind.PAYMENTS].all,
    ImportKind.ACCOUNTS: COLUMNS[ImportKind.ACCOUNTS].all,
}
# The CSV feed may leave the currency and the reference out; the API may not: the reference is what
# makes a payment sent twice (by the API, then in the nightly file) one payment.
REQUIRED_FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.PAYMENTS: ("account_id", "amount", "currency", "received_at", "reference"),
    ImportKind.ACCOUNTS: COLUMNS[ImportKind.ACCOUNTS].required,
}
LIST_NAMES = {ImportKind.PAYMENTS: "payments", ImportKind.ACCOUNTS: "accounts"}
ITEM_NAMES = {ImportKind.PAYMENTS: "payment", ImportKind.ACCOUNTS: "account"}


# --- Keys and signatures -------------------------------------------------------------------------


def key_label(secret: str) -> str:
    """What the audit calls a key: a fingerprint (the first 8 hex digits of its SHA-256), stable across
    rotations, whatever the key's place in the list; `printf %s "$SECRET" | sha256sum | cut -c1-8`."""
    return "key-" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]


def api_keys(secrets: Iterable[str]) -> tuple[ApiKey, ...]:
    return tuple(ApiKey(key_label(secret), secret.encode("utf-8")) for secret in secrets)


def signed_content(timestamp: str, body: bytes) -> bytes:
    return timestamp.encode("ascii") + b"." + body


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of "{timestamp}.{body}"."""
    return hmac.new(secret, signed_content(timestamp, body), hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: str, body: bytes) -> str:
    return f"{SIGNATURE_VERSION}={signature(secret, timestamp, body)}"


def verify(
    keys: Sequence[ApiKey], timestamp: str | None, header: str | None, body: bytes, now: datetime
) -> ApiKey:
    """The key that signed this request; SignatureRefusedError when none did, or when the timestamp
    is more than TOLERANCE from `now` either way. `header` may carry several `v1=` values separated
    by commas (a sender signing with the old and the new key while they rotate)."""
    if not timestamp or not header:
        raise SignatureRefusedError("the X-Collect-Timestamp and X-Collect-Signature headers are required")
    sent_at = _unix_seconds(timestamp)
    if abs(now.timestamp() - sent_at) > TOLERANCE.total_seconds():
        raise SignatureRefusedError(
            "the timestamp is more than 5 minutes from the server's clock: sign the request when sending it"
        )
    candidates = _candidates(header)
    for key in keys:
        expected = signature(key.secret, timestamp, body).encode("ascii")
        # Every candidate is compared, in constant time, so the time taken says nothing of which matched.
        if sum(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return key
    raise SignatureRefusedError("the signature does not match the body and timestamp with any configured key")


def _unix_seconds(timestamp: str) -> int:
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        raise SignatureRefusedError("X-Collect-Timestamp must be Unix seconds, like 1795449600")
    return int(timestamp)


def _candidates(header: str) -> list[bytes]:
    found: list[bytes] = []
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SIGNATURE_VERSION and value.isascii():
            found.append(value.strip().lower().encode("ascii"))
    if not found or len(found) > MAX_SIGNATURES:
        raise SignatureRefusedError(
            f"X-Collect-Signature must be {SIGNATURE_VERSION}=<hex HMAC-SHA256> (at most {MAX_SIGNATURES})"
        )
    return found


def request_digest(timestamp: str, body: bytes) -> str:
    """What identifies a signed request: the same bytes signed at the same second are the same
    request, whichever key signed them."""
    return hashlib.sha256(signed_content(timestamp, body)).hexdigest()


# --- The body --------------------------------------------------------------------------------------


def read_json(raw: bytes) -> Any:
    """The body as JSON, numbers as Decimal (never float: an amount keeps every digit it was sent
    with); RequestShapeError 400 when it is not UTF-8 JSON."""
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise RequestShapeError(400, "the body is not UTF-8 text") from None
    except (ValueError, RecursionError) as error:
        detail = str(error) if isinstance(error, json.JSONDecodeError) else "nested too deeply"
        raise RequestShapeError(400, "the body is not JSON", detail) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def item_records(document: Any, kind: ImportKind, max_items: int) -> list[Record]:
    """The items of `{"payments": [...]}` (or `"accounts"`) as import records, one per item, its
    position in the list as its line. An item that is not an object, or has a field that is not text
    or a number, or a field the import does not know, becomes a record with that problem: refused on
    its own, the others applied. The whole request is refused (422) only when it is not that object."""
    name = LIST_NAMES[kind]
    if not isinstance(document, dict) or set(document) != {name} or not isinstance(document[name], list):
        raise RequestShapeError(
            422, f'the body must be a JSON object with one field, "{name}": a list of {ITEM_NAMES[kind]}s'
        )
    items: list[Any] = document[name]
    if len(items) > max_items:
        raise TooManyItemsError(len(items), max_items)
    if not items:
        raise RequestShapeError(422, f'"{name}" is empty: send at least one {ITEM_NAMES[kind]}')
    return [_record(index, item, kind) for index, item in enumerate(items)]


def _record(index: int, item: Any, kind: ImportKind) -> Record:
    if not isinstance(item, dict):
        return Record(index, {}, f"the {ITEM_NAMES[kind]} is not a JSON object", frozenset())
    cells: dict[str, str] = {}
    problems: list[str] = []
    known = ITEM_FIELDS[kind]
    for field, value in item.items():
        if field not in known:
            problems.append(
                f"{_shown(field)}: not a field of a {ITEM_NAMES[kind]} (fields: {', '.join(known)})"
            )
        elif value is None:
            continue  # null: as if left out
        elif isinstance(value, str):
            cells[field] = storable(value).strip()
        elif isinstance(value, Decimal):
            cells[field] = _number_text(value)
        else:
            problems.append(f"{field}: must be text or a number")
    missing = [field for field in REQUIRED_FIELDS[kind] if not cells.get(field)]
    problems.extend(f"{field}: is missing, and it is required" for field in missing)
    return Record(index, cells, "; ".join(problems) or None, frozenset(cells))


def _shown(field: str) -> str:
    return json.dumps(field[:40])


def _number_text(value: Decimal) -> str:
    """A JSON number as the import reads amounts: plain digits (250.50), not 2.505E+2, while it is of
    a sensible size; a huge one is passed as written and refused as too large by the import."""
    if value.is_finite() and -30 <= value.adjusted() <= 30:
        return format(value, "f")
    return str(value)


def fields_sent(records: Sequence[Record]) -> frozenset[str]:
    """Every field some item sent: the `columns` of the import's file (each record keeps its own)."""
    return frozenset(field for record in records for field in record.cells)
