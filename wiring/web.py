"""The HTTP surface: `POST /slack/events` for Slack, `GET /healthz` for load balancers, and the
billing API under `/api/` when COLLECT_API_SECRET is set (handlers/api.py); in Socket Mode
`GET /healthz`, which also says whether the socket to Slack is connected, and the billing API."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from storage.database import Database
from wiring.serving import HEALTH_METHODS, health_status

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from handlers.answering import Answerer
    from handlers.api import BillingApi

# Slack's payloads are a few kilobytes; anything far larger is not from Slack.
MAX_BODY_BYTES = 1_000_000

# What Bolt raises dispatching a payload it cannot read (LookupError: it indexes into the payload
# unchecked, `actions: []`): a signed request gets a 400, a Socket Mode envelope an empty acknowledgement.
UNREADABLE_PAYLOAD = (UnicodeDecodeError, ValueError, TypeError, AttributeError, LookupError)


class CollectBotWsgi:
    def __init__(
        self,
        bolt_app: App,
        db: Database,
        answerer: Answerer,
        signing_secret: str,
        api: BillingApi | None = None,
    ) -> None:
        self.bolt_app = bolt_app
        self.db = db
        self.answerer = answerer
        self.api = api
        self._verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if self.api is not None and self.api.serves(path):
            return serve_api(self.api, environ, start_response)
        if path == "/healthz" and method in HEALTH_METHODS:
            return self._health(start_response)
        if path == "/slack/events" and method == "POST":
            if _content_length(environ) > MAX_BODY_BYTES:
                return _plain(start_response, "413 Payload Too Large", "too large")
            return self._from_slack(environ, start_response)
        return _plain(start_response, "404 Not Found", "not found")

    def _from_slack(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Slack's signature is checked on the raw bytes before anything parses them, so a body that
        is not what Slack sends can only get a 401 (unsigned) or a 400 (signed, but unreadable)."""
        request = WsgiHttpRequest(environ)
        raw = environ["wsgi.input"].read(_content_length(environ)) if "wsgi.input" in environ else b""
        headers = request.get_headers()
        if not self._signed_by_slack(raw, headers):
            return _plain(start_response, "401 Unauthorized", "invalid request")
        try:
            # In a context of its own: the reader's language the gate sets ends with the request.
            answer = contextvars.copy_context().run(
                self.bolt_app.dispatch,
                BoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers),
            )
        except UNREADABLE_PAYLOAD:
            return _plain(start_response, "400 Bad Request", "not a request Slack sends")
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    def _signed_by_slack(self, raw: bytes, headers: dict[str, Any]) -> bool:
        timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        if not isinstance(timestamp, str) or not isinstance(signature, str):
            return False
        try:
            return self._verifier.is_valid(body=raw, timestamp=timestamp, signature=signature)
        except (ValueError, TypeError):  # a timestamp that is not a number
            return False

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        return _plain(start_response, *health_status(self.db))


class HealthOnlyWsgi:
    """Socket Mode's HTTP surface: Slack's requests come over the socket, so only `GET /healthz` is
    served (and the billing API, which has its own signature). `/healthz` answers 503 while the
    socket is not connected (a balancer or an orchestrator then sees the process is not doing its
    work) as well as when the database is unreachable."""

    def __init__(self, db: Database, connected: Callable[[], bool], api: BillingApi | None = None) -> None:
        self.db = db
        self.connected = connected
        self.api = api

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.api is not None and self.api.serves(environ.get("PATH_INFO", "")):
            return serve_api(self.api, environ, start_response)
        if environ.get("PATH_INFO", "") != "/healthz" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(
                start_response, "404 Not Found", "not found (Socket Mode: GET /healthz and the API only)"
            )
        if not self.connected():
            return _plain(start_response, "503 Service Unavailable", "not connected to Slack")
        if not self.db.is_reachable():
            return _plain(start_response, "503 Service Unavailable", "database unreachable")
        return _plain(start_response, "200 OK", "ok")


def serve_api(api: BillingApi, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    from handlers.api import HttpRequest  # loaded with the API, which is off unless configured

    stream = environ.get("wsgi.input")
    announced = environ.get("CONTENT_LENGTH")
    try:
        length = max(0, int(announced)) if announced else None
    except ValueError:
        length = None

    def read(most: int) -> bytes:
        if stream is None:
            return b""
        # Never more than announced: a WSGI server may block waiting for bytes that never come.
        return bytes(stream.read(most if length is None else min(most, length)))

    headers = {
        name[5:].replace("_", "-").lower(): str(value)
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    request = HttpRequest(
        environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""), headers, length, read
    )
    response = api(request)
    start_response(response.status_line, response.all_headers)
    return [response.body]


def _content_length(environ: WSGIEnvironment) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY_BYTES + 1


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
