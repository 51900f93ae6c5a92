"""The HTTP surface: `POST /slack/events` for Slack, `GET /healthz` for load balancers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from storage.database import Database

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from handlers.answering import Answerer

# Slack's payloads are a few kilobytes; anything far larger is not from Slack.
MAX_BODY_BYTES = 1_000_000


class CollectBotWsgi:
    def __init__(self, bolt_app: App, db: Database, answerer: Answerer) -> None:
        self.bolt_app = bolt_app
        self.db = db
        self.answerer = answerer
        self._slack = SlackRequestHandler(bolt_app, path="/slack/events")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path == "/slack/events" and method == "POST":
            if _content_length(environ) > MAX_BODY_BYTES:
                return _plain(start_response, "413 Payload Too Large", "too large")
            return self._slack(environ, start_response)
        return _plain(start_response, "404 Not Found", "not found")

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        if self.db.is_reachable():
            return _plain(start_response, "200 OK", "ok")
        return _plain(start_response, "503 Service Unavailable", "database unreachable")


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
