"""The sandbox's billing system: what the page's Billing system box sends is signed here as a billing
system signs it (README, "The billing API") and posted over HTTP to the sandbox bot's own API, so
the box exercises the same path a real billing system does: signature, request, items, answer."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

PAYMENTS_PATH = "/api/v1/payments"


@dataclass(frozen=True)
class BillingAnswer:
    status: int
    body: Any
    """The API's JSON answer (None when it was not JSON)."""


@dataclass(frozen=True)
class BillingSystem:
    """Signs with the sandbox bot's COLLECT_API_SECRET, which it never shows (only its label)."""

    url: str
    secret: str = field(repr=False)

    def post_payment(self, payment: dict[str, str], now: datetime) -> BillingAnswer:
        """One payment, as `{"payments": [payment]}`, signed at `now` (the sandbox's clock, which the
        bot checks the timestamp against)."""
        body = json.dumps({"payments": [payment]}).encode("utf-8")
        stamp = str(int(now.timestamp()))
        digest = hmac.new(self.secret.encode("utf-8"), f"{stamp}.".encode() + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "X-Collect-Timestamp": stamp,
            "X-Collect-Signature": "v1=" + digest.hexdigest(),
        }
        where = urlsplit(self.url)
        connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
        try:
            connection.request("POST", PAYMENTS_PATH, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = None
        return BillingAnswer(response.status, parsed)


def answer_words(answer: BillingAnswer, account: str, reference: str) -> str:
    """What the box shows: the API's answer for the one payment, in plain words."""
    body = answer.body if isinstance(answer.body, dict) else {}
    results = body.get("results")
    if answer.status == 200 and isinstance(results, list) and results:
        item = results[0] if isinstance(results[0], dict) else {}
        result = item.get("result")
        if result == "applied":
            return f"Applied: the payment on {account} is recorded (payment #{item.get('payment_id')})."
        if result == "duplicate":
            return f"Duplicate: reference {reference} on {account} was already received; nothing changed."
        reason = str(item.get("reason") or "no reason given").rstrip(".")
        return f"Refused: the payment on {account} was not recorded: {reason}."
    error = body.get("error") or "no answer"
    detail = body.get("detail")
    shown = f"{error}: {detail if isinstance(detail, str) else json.dumps(detail)}" if detail else str(error)
    return f"The API refused the request ({answer.status}): {shown.rstrip('.')}."
