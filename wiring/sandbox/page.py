"""The sandbox's web page: the static Slack-like client and the JSON API it drives the sandbox with.
Everything is served from here: no fonts, scripts or styles from elsewhere."""

from __future__ import annotations

import json
import logging
import mimetypes
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from bot.errors import UserError
from wiring.sandbox.outbox import document_pdf, outbox
from wiring.sandbox.world import Sandbox

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
MAX_BODY = 200_000
PERMALINK = re.compile(r"^/archives/([A-Z0-9]+)/p(\d{7,})$")
"""chat.getPermalink's links, as the stand-in makes them for the sandbox: /archives/C…/p<ts without its dot>."""

Handler = Callable[[Sandbox, dict[str, Any]], Any]


def _command(world: Sandbox, body: dict[str, Any]) -> Any:
    world.command(body["user"], body["channel"], str(body.get("text", "")))
    return {"ok": True}


def _action(world: Sandbox, body: dict[str, Any]) -> Any:
    world.action(
        body["user"], body["action"], channel=body.get("channel"), message_ts=body.get("message_ts"),
        view_id=body.get("view_id"),
    )  # fmt: skip
    return {"ok": True}


def _submit(world: Sandbox, body: dict[str, Any]) -> Any:
    return world.submit(body["user"], body["view_id"], body.get("values") or {})


def _close(world: Sandbox, body: dict[str, Any]) -> Any:
    world.close(body["user"], body["view_id"])
    return {"ok": True}


def _options(world: Sandbox, body: dict[str, Any]) -> Any:
    return world.options(
        body["user"], body["view_id"], body.get("block_id", ""), body["action_id"], str(body.get("value", ""))
    )


def _reply(world: Sandbox, body: dict[str, Any]) -> Any:
    world.reply(body["user"], body["channel"], body["thread_ts"], str(body.get("text", "")))
    return {"ok": True}


def _shortcut(world: Sandbox, body: dict[str, Any]) -> Any:
    world.shortcut(
        body["user"], str(body["callback_id"]), channel=body.get("channel"), message_ts=body.get("message_ts")
    )
    return {"ok": True}


def _home(world: Sandbox, body: dict[str, Any]) -> Any:
    world.open_home(body["user"], str(body.get("tab", "home")))
    return {"ok": True}


def _language(world: Sandbox, body: dict[str, Any]) -> Any:
    world.set_language(body["user"], str(body.get("locale", "")))
    return {"ok": True}


def _clock(world: Sandbox, body: dict[str, Any]) -> Any:
    hours = float(body.get("minutes", 0)) / 60 + float(body.get("hours", 0)) + 24 * float(body.get("days", 0))
    if not 0 < hours <= 24 * 31:
        raise UserError("Move the clock forward by a minute to a month.")
    world.move_clock(timedelta(hours=hours))
    return {"ok": True}


def _run(world: Sandbox, body: dict[str, Any]) -> Any:
    return {"ok": True, "message": world.run(str(body["job"]))}


def _billing(world: Sandbox, body: dict[str, Any]) -> Any:
    return world.send_payment(
        str(body.get("account", "")), str(body.get("amount", "")), str(body.get("method", "")),
        str(body.get("reference", "")),
    )  # fmt: skip


POSTS: dict[str, Handler] = {
    "/api/command": _command,
    "/api/action": _action,
    "/api/submit": _submit,
    "/api/close": _close,
    "/api/options": _options,
    "/api/reply": _reply,
    "/api/home": _home,
    "/api/language": _language,
    "/api/clock": _clock,
    "/api/run": _run,
    "/api/shortcut": _shortcut,
    "/api/billing": _billing,
}


class SandboxPage:
    def __init__(self, world: Sandbox) -> None:
        self.world = world

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", "/"), environ.get("REQUEST_METHOD", "GET")
        try:
            if method == "GET":
                return self._get(path, environ, start_response)
            if method == "POST" and path in POSTS:
                return _json(start_response, POSTS[path](self.world, _body(environ)))
        except UserError as error:
            return _json(start_response, {"error": str(error)}, "400 Bad Request")
        except (KeyError, ValueError, TypeError) as error:
            return _json(start_response, {"error": f"bad request: {error}"}, "400 Bad Request")
        except Exception:
            log.exception("sandbox request failed")
            return _json(
                start_response,
                {"error": "the sandbox hit a problem; see its log"},
                "500 Internal Server Error",
            )
        return _plain(start_response, "404 Not Found", "not found")

    def _get(self, path: str, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if path == "/api/state":
            user = parse_qs(environ.get("QUERY_STRING", "")).get("user", [""])[0]
            people = self.world.people()
            if user not in {p["id"] for p in people}:
                user = people[0]["id"] if people else user
            return _json(start_response, self.world.state(user))
        if path == "/api/outbox":
            return _json(start_response, {"documents": outbox(self.world.runtime)})
        if path.startswith("/documents/"):
            pdf = document_pdf(self.world.runtime, path)
            if pdf is not None:
                return _bytes(start_response, pdf[0], "application/pdf", pdf[1])
        if path in ("/", "/index.html"):
            return _file(start_response, STATIC / "index.html")
        if found := PERMALINK.match(path):
            return _redirect(start_response, self._thread_address(found[1], found[2], environ))
        if path.startswith("/static/"):
            name = path.removeprefix("/static/")
            if "/" not in name and (STATIC / name).is_file():
                return _file(start_response, STATIC / name)
        if path.startswith("/files/"):
            upload = self.world.slack.uploaded_files.get(path.removeprefix("/files/"))
            if upload is not None:
                kind = mimetypes.guess_type(upload.filename or "")[0] or "application/octet-stream"
                return _bytes(start_response, upload.data, kind, upload.filename)
        return _plain(start_response, "404 Not Found", "not found")

    def _thread_address(self, channel: str, digits: str, environ: WSGIEnvironment) -> str:
        """The page with that conversation and thread open, as the person whose DM it is when it is one."""
        query = parse_qs(environ.get("QUERY_STRING", ""))
        ts = f"{digits[:-6]}.{digits[-6:]}"
        where = {"conv": channel, "thread": query.get("thread_ts", [ts])[0]}
        owner = self.world.dm_owner(channel)
        if owner:
            where["user"] = owner
        return "/?" + urlencode(where)


def _redirect(start_response: StartResponse, location: str) -> list[bytes]:
    start_response(
        "302 Found", [("Location", location), ("Content-Length", "0"), ("Cache-Control", "no-store")]
    )
    return [b""]


def _body(environ: WSGIEnvironment) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        raise ValueError("request too large")
    parsed = json.loads(environ["wsgi.input"].read(length) or b"{}")
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed


def _json(start_response: StartResponse, payload: Any, status: str = "200 OK") -> list[bytes]:
    return _bytes(start_response, json.dumps(payload).encode(), "application/json", None, status)


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    return _bytes(start_response, text.encode(), "text/plain; charset=utf-8", None, status)


def _file(start_response: StartResponse, path: Path) -> list[bytes]:
    return _bytes(
        start_response, path.read_bytes(), STATIC_TYPES.get(path.suffix, "application/octet-stream"), None
    )


def _bytes(
    start_response: StartResponse, data: bytes, kind: str, filename: str | None, status: str = "200 OK"
) -> list[bytes]:
    headers = [("Content-Type", kind), ("Content-Length", str(len(data))), ("Cache-Control", "no-store")]
    if filename:
        headers.append(("Content-Disposition", f'inline; filename="{filename}"'))
    start_response(status, headers)
    return [data]
