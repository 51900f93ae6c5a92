"""The one way a request fails. Whatever raised, on whichever path (a command's work, a form, a
click, background work, an exception that escaped a listener), `told` decides what the person
sees: a UserError is their own problem, shown as it is (problem and hint); anything else is ours,
logged with its traceback under a fresh short error id, and the person gets the apology carrying
that id, never a stack trace. The words are in bot.blocks.answers."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk.webhook import WebhookClient

from bot.blocks.answers import error_reply, failure_reply, form_failure, form_not_saved
from bot.blocks.kit import Reply
from bot.errors import UserError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """What went wrong, as the person is told it. `problem` is what a form shows inline; for a
    failure of ours it is the apology with the error id, and `error_id` is set."""

    problem: UserError
    error_id: str | None = None

    @property
    def reply(self) -> Reply:
        return failure_reply(self.error_id) if self.error_id else error_reply(self.problem)

    @property
    def reply_after_form(self) -> Reply:
        """Told in the person's DM once their form has closed."""
        return failure_reply(self.error_id) if self.error_id else form_not_saved(self.problem)


def told(error: BaseException, doing: str = "unexpected failure") -> Failure:
    """The error hook: every exception raised by work that someone waits on comes through here.
    `doing` says in the log what failed."""
    if isinstance(error, UserError):
        return Failure(error)
    # Short enough to read out over the phone; the log line finds the traceback.
    error_id = uuid.uuid4().hex[:8]
    log.error("%s, error id %s", doing, error_id, exc_info=error)
    return Failure(form_failure(error_id), error_id)


def api_failure(error: BaseException, doing: str) -> dict[str, Any]:
    """The billing API's answer to a fault of ours (handlers/api.py): JSON for a machine, with the
    error id the log line carries beside the traceback, which the answer never shows."""
    failure = told(error, doing)
    return {"error": "internal error", "detail": {"error_id": failure.error_id}}


def unexpected_in_listener(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Bolt's global error handler (wiring.app): an exception that escaped a listener or middleware
    goes through the hook like any other, and is answered in the request's own response."""
    return answer_directly(body, told(error, "unhandled error in a listener"))


def answer_directly(body: dict[str, Any], failure: Failure) -> BoltResponse:
    """The answer in the HTTP response itself, for requests no listener will answer (refused at the
    gate, or failed outside any work): a command's ephemeral reply, a form's error on its first
    field, no options for a picker; a click has no answer in its response, so it goes through the
    click's response_url; an event needs none."""
    reply = failure.reply.as_kwargs()
    kind = body.get("type")
    if body.get("command"):
        return _json({"response_type": "ephemeral", **reply})
    if kind == "view_submission":
        view = body.get("view")
        blocks = [
            b.get("block_id")
            for b in (view.get("blocks") or [] if isinstance(view, dict) else [])
            if isinstance(b, dict) and b.get("type") == "input"
        ]
        return _json(
            {"response_action": "errors", "errors": {blocks[0]: failure.problem.problem}} if blocks else {}
        )
    if kind == "block_suggestion":
        return _json({"options": []})
    if isinstance(body.get("response_url"), str):
        try:
            WebhookClient(body["response_url"]).send(
                response_type="ephemeral", replace_original=False, **reply
            )
        except Exception:
            log.exception("could not tell the person why their request failed")
    return BoltResponse(status=200, body="")


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json;charset=utf-8"}
    )
