"""A billing system's side of the API for the tests: signed requests over real HTTP (http.client,
so a test can announce a length it does not send, or send bytes no JSON library would write)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from bot.clock import Clock

# Two keys of the length the settings ask for (COLLECT_API_SECRET), as `openssl rand -hex 32` makes them.
OLD_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
NEW_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"


def label_of(secret: str) -> str:
    """What the audit calls a key, computed here as the README tells an operator to."""
    return "key-" + hashlib.sha256(secret.encode()).hexdigest()[:8]


def json_bytes(document: Any) -> bytes:
    """JSON with each Decimal written as the number it is (250.10 stays 250.10, never a float)."""
    text = json.dumps(document, default=lambda value: f"\u0000{value}\u0000")
    return re.sub(r'"\\u0000(.*?)\\u0000"', r"\1", text).encode()


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    headers: dict[str, str]
    raw: bytes

    def json(self) -> Any:
        return json.loads(self.raw)


@dataclass
class BillingSystem:
    url: str
    clock: Clock
    secrets: tuple[str, ...] = (OLD_SECRET,)
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def signed_headers(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(self.clock.now().timestamp()) if timestamp is None else timestamp)
        signatures = ",".join(
            "v1=" + hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
            for secret in self.secrets
        )
        return {"X-Collect-Timestamp": stamp, "X-Collect-Signature": signatures}

    def post(self, path: str, document: Any, **kwargs: Any) -> ApiAnswer:
        body = document if isinstance(document, bytes) else json_bytes(document)
        return self.send("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> ApiAnswer:
        return self.send("GET", path, b"", **kwargs)

    def account(self, account_id: str) -> ApiAnswer:
        return self.get(f"/api/v1/accounts/{quote(account_id, safe='')}")

    def send(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
        announce: int | None = None,
    ) -> ApiAnswer:
        """`headers` replace the signed ones; `announce` sends that Content-Length and no body."""
        sent = {"Content-Type": "application/json"}
        if signed:
            sent |= self.signed_headers(body, timestamp=timestamp)
        sent |= headers or {}
        where = urlsplit(self.url)
        connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
        try:
            if announce is not None:
                connection.putrequest(method, path)
                for name, value in {**sent, "Content-Length": str(announce)}.items():
                    connection.putheader(name, value)
                connection.endheaders()
            else:
                connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return ApiAnswer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()
