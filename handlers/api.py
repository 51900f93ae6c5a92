"""The billing API over HTTP (`/api/…`): route, check the size and the signature, call one desk
function, render JSON. Served by wiring/web.py in HTTP mode and in Socket Mode alike.

Every answer is JSON; an error is `{"error": "...", "detail": ...}`. The order of the checks is the
cost of each: the route (404, 405), the announced size (413, before a byte is read), the signature
(401, before the body is parsed), then the body (400, 422, 413 for too many items)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from bot.billing_link.desk import SignedRequest, read_account, receive
from bot.billing_link.model import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Answer,
    RequestShapeError,
    SignatureRefusedError,
    TooManyItemsError,
)
from bot.billing_link.records import AfterPayments
from bot.billing_link.render import error_body
from bot.billing_link.rules import api_keys, request_digest, verify
from bot.imports.model import ImportKind
from bot.runtime import Runtime
from handlers.answering import api_failure

log = logging.getLogger(__name__)

PREFIX = "/api/"
OPENAPI_PATH = "/api/openapi.json"
_ACCOUNT_PATH = re.compile(r"/api/v1/accounts/([^/]+)")
_POSTS = {"/api/v1/payments": ImportKind.PAYMENTS, "/api/v1/accounts": ImportKind.ACCOUNTS}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What the API needs of an HTTP request; `read(n)` reads at most n bytes of the body."""

    method: str
    path: str
    headers: Mapping[str, str]
    """Lower-cased names."""
    content_length: int | None
    read: Callable[[int], bytes]


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())

    @property
    def status_line(self) -> str:
        return f"{self.status} {_REASONS.get(self.status, 'Error')}"

    @property
    def all_headers(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(self.body))),
            *self.headers,
        ]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}


def openapi_document() -> bytes:
    """The OpenAPI 3.1 description kept beside this module (handlers/openapi.json), as served."""
    return resources.files("handlers").joinpath("openapi.json").read_bytes()


class BillingApi:
    """`after_payments` runs inside the transaction that records an API payment, `refresh_home` for
    each Slack id it returns once that transaction has committed (both optional)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        after_payments: AfterPayments | None = None,
        refresh_home: Callable[[str], object] | None = None,
    ) -> None:
        self.runtime = runtime
        self.after_payments = after_payments
        self.refresh_home = refresh_home

    @property
    def on(self) -> bool:
        """Served only with COLLECT_API_SECRET; otherwise its paths are as unknown as any other."""
        return bool(self.runtime.settings.api_secrets)

    def serves(self, path: str) -> bool:
        return self.on and path.startswith(PREFIX)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self._handle(request)
        except Exception as error:  # a fault of ours (the database away): logged with an id, no trace
            return _json(500, api_failure(error, f"billing API {request.method} {request.path[:100]}"))

    def _handle(self, request: HttpRequest) -> HttpResponse:
        path, method = request.path, request.method
        if path == OPENAPI_PATH:
            if method != "GET":
                return _not_allowed("GET")
            return HttpResponse(200, openapi_document())
        kind = _POSTS.get(path)
        account = _ACCOUNT_PATH.fullmatch(path)
        if kind is None and account is None:
            return _json(404, error_body("not found", {"path": path[:200]}))
        wanted = "POST" if kind is not None else "GET"
        if method != wanted:
            return _not_allowed(wanted)
        limit = self.runtime.settings.api_max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return _too_large(limit)
        body = request.read(limit + 1)
        if len(body) > limit:
            return _too_large(limit)
        try:
            key = verify(
                api_keys(self.runtime.settings.api_secrets),
                request.headers.get(TIMESTAMP_HEADER.lower()),
                request.headers.get(SIGNATURE_HEADER.lower()),
                body,
                self.runtime.now(),
            )
        except SignatureRefusedError as refused:
            return _json(401, error_body("unauthorized", str(refused)))
        if account is not None:
            return _rendered(read_account(self.runtime, _path_text(account.group(1))))
        assert kind is not None
        timestamp = request.headers[TIMESTAMP_HEADER.lower()]
        signed = SignedRequest(key, request_digest(timestamp, body), path, body)
        try:
            answer = receive(
                self.runtime,
                signed,
                kind,
                after_payments=self.after_payments if kind == ImportKind.PAYMENTS else None,
                refresh_home=self.refresh_home,
            )
        except RequestShapeError as error:
            return _json(error.status, error_body(error.error, error.detail))
        except TooManyItemsError as error:
            return _json(413, error_body("too many items", {"items": error.count, "max_items": error.limit}))
        return _rendered(answer)


def _path_text(segment: str) -> str:
    """WSGI gives the path percent-decoded as latin-1 characters: the id as the sender wrote it."""
    try:
        return segment.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return segment


def _rendered(answer: Answer) -> HttpResponse:
    headers = (("X-Collect-Replayed", "true"),) if answer.replayed else ()
    return _json(answer.status, answer.body, headers)


def _json(status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> HttpResponse:
    return HttpResponse(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), headers)


def _not_allowed(allowed: str) -> HttpResponse:
    return _json(405, error_body("method not allowed", {"allowed": [allowed]}), (("Allow", allowed),))


def _too_large(limit: int) -> HttpResponse:
    return _json(413, error_body("body too large", {"max_body_bytes": limit}))
