"""The live link with the billing system, as plain data: the keys it signs with, what a request is
answered, and what is answered about an account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

SIGNATURE_VERSION = "v1"
TIMESTAMP_HEADER = "X-Collect-Timestamp"
SIGNATURE_HEADER = "X-Collect-Signature"
TOLERANCE = timedelta(minutes=5)
"""How far a request's timestamp may be from the bot's clock, either way."""
REPLAY_KEPT = 3 * TOLERANCE
"""How long a request that changed something is remembered: past 2 × TOLERANCE from its arrival its
signature is stale whatever its timestamp said, so a replay is refused by the clock instead."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One configured secret and the label the audit names it by (never the secret itself)."""

    label: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as plain data: the status and the JSON body."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class OpenPromise:
    amount: Decimal
    due_date: date


@dataclass(frozen=True, slots=True)
class AccountState:
    """What `GET /api/v1/accounts/{account_id}` answers."""

    account_id: str
    status: str
    balance: Decimal
    currency: str
    days_past_due: int
    open_promise: OpenPromise | None
    hold_reason: str | None
    hold_until: date | None


class SignatureRefusedError(Exception):
    """The request is not signed by a configured key, or its timestamp is too far: 401."""


class RequestShapeError(Exception):
    """The body is not what the endpoint takes as a whole: 400 (not JSON) or 422 (JSON, wrong shape)."""

    def __init__(self, status: int, error: str, detail: object = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail


class TooManyItemsError(Exception):
    """More items than COLLECT_API_MAX_ITEMS in one request: 413."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} items; at most {limit} fit in one request")
        self.count = count
        self.limit = limit
