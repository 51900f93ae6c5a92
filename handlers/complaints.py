"""A complaint's buttons: Resolve (on the `/collect complaints` list and the overdue alert) opens
the outcome form; Hand to… (on the overdue alert) names another supervisor to handle it.

A button carries the complaint's number only, and the form the bot's signature over it: who may act
on which complaint, and whether it is still open, is decided on the server at the click and again
on submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.complaints import complaint_reassigned, complaint_resolved, resolve_modal
from bot.blocks.kit import Reply
from bot.complaints import desk
from bot.errors import UserError
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import CarriedKey, CarriedRefusedError, ComplaintToResolve, clicked_record_id
from bot.language.model import N_, _
from bot.parsing.command import MAX_NOTES_LENGTH
from bot.runtime import Runtime
from handlers.answering import Answerer, respond_safely
from handlers.forms import Values, answer_submission, stale_form, tell_person, text_of, within_limit

log = logging.getLogger(__name__)

_LIST_HINT = N_("Type `/collect complaints` to see the open complaints and their numbers.")


def _complaint_id(action: dict[str, Any]) -> int:
    """The number a button names: its value, or for the select its block's `complaint-<number>`."""
    return clicked_record_id(action, "complaint", button=N_("complaint button"), hint=_(_LIST_HINT))


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)

    @app.action(ActionId.COMPLAINT_RESOLVE)
    def on_resolve_click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user = body["user"]["id"]
        answerer.later(
            lambda: respond_safely(
                respond,
                lambda: _open_resolve(runtime, key, body, action, client),
                in_a_view=lambda reply: tell_person(runtime, user, reply),
            )
        )

    @app.action(ActionId.COMPLAINT_REASSIGN)
    def on_reassign(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user = body["user"]["id"]

        def reassign() -> Reply:
            handler = str(action.get("selected_user") or "")
            if not handler:
                raise UserError(_("Pick a supervisor."))
            complaint = desk.reassign(
                runtime, actor=user, complaint_id=_complaint_id(action), handler=handler
            )
            return complaint_reassigned(complaint)

        answerer.later(
            lambda: respond_safely(
                respond, reassign, in_a_view=lambda reply: tell_person(runtime, user, reply)
            )
        )

    @app.view(CallbackId.COMPLAINT_RESOLVE_MODAL)
    def on_resolve(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        answer_submission(
            answerer,
            runtime,
            ack,
            user,
            lambda: _resolve(runtime, key, user, view),
            blocks={BlockId.OUTCOME},
            done=lambda reply: tell_person(runtime, user, reply),
        )


def _open_resolve(
    runtime: Runtime, key: CarriedKey, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    """After the click's acknowledgement: the outcome form, or why it cannot open (raised)."""
    complaint_id = _complaint_id(action)
    complaint = desk.to_resolve(runtime, actor=body["user"]["id"], complaint_id=complaint_id)
    carried = ComplaintToResolve(complaint_id=complaint.id).signed_with(key)
    client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(carried, complaint))


def _resolve(runtime: Runtime, key: CarriedKey, user: str, view: dict[str, Any]) -> Reply:
    try:
        carried = ComplaintToResolve.decode(str(view.get("private_metadata") or ""), key)
    except CarriedRefusedError:
        log.warning("refused a complaint form whose private_metadata the bot did not sign")
        raise stale_form() from None
    values: Values = view.get("state", {}).get("values", {})
    outcome = text_of(values, BlockId.OUTCOME, ActionId.COMPLAINT_OUTCOME_INPUT)
    if not outcome.strip():
        raise UserError(_("Say how the complaint was resolved."), field="outcome")
    outcome = within_limit(outcome, MAX_NOTES_LENGTH, "outcome")
    return complaint_resolved(
        desk.resolve(runtime, actor=user, complaint_id=carried.complaint_id, outcome=outcome)
    )
