"""The buttons on a worklist: a line's menu opens a ledger form for that account; "show the next"
pages through a long list."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.assignments import desk
from bot.blocks.escalations import escalate_modal
from bot.blocks.ledger import error_reply
from bot.blocks.modals import log_modal, pay_modal, promise_modal
from bot.blocks.worklist import worklist_page, worklist_reply
from bot.errors import UserError
from bot.ids import ActionId
from bot.interactions import ModalOrigin, WorklistChoice, WorklistPage
from bot.runtime import Runtime
from handlers.answering import EPHEMERAL, Answerer

_FORMS = {"log": log_modal, "pay": pay_modal, "promise": promise_modal, "escalate": escalate_modal}
_STALE = UserError("That button is out of date.", "Type `/collect mine` for today's list.")


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    @app.action(ActionId.WORKLIST_LINE_MENU)
    def open_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        answerer.later(lambda: _open_form(runtime, body, action, client, respond))

    @app.action(ActionId.WORKLIST_NEXT_PAGE)
    def next_page(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        answerer.later(lambda: _next_page(runtime, body, action, client, respond))


def _open_form(
    runtime: Runtime, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    try:
        choice = WorklistChoice.model_validate_json((action.get("selected_option") or {}).get("value", ""))
        preset = desk.account_label(runtime, choice.account_id, actor=body["user"]["id"])
    except (ValidationError, UserError) as error:
        problem = error if isinstance(error, UserError) else _STALE
        _tell(body, respond, client, problem)
        return
    channel = (body.get("container") or {}).get("channel_id")
    origin = ModalOrigin(channel_id=channel, account_id=choice.account_id)
    client.views_open(trigger_id=body["trigger_id"], view=_FORMS[choice.form](origin, preset))


def _next_page(
    runtime: Runtime, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    try:
        page = WorklistPage.model_validate_json(action.get("value", ""))
    except ValidationError:
        _tell(body, respond, client, _STALE)
        return
    if page.agent_id != body["user"]["id"] or page.work_date != runtime.today().isoformat():
        _tell(body, respond, client, _STALE)
        return
    worklist = desk.todays_worklist(runtime, page.agent_id)
    container = body.get("container") or {}
    if container.get("is_ephemeral"):
        respond(
            response_type=EPHEMERAL,
            replace_original=True,
            **worklist_reply(worklist, page.start).as_kwargs(),
        )
        return
    # The morning message: the next page goes in its thread.
    client.chat_postMessage(
        channel=container.get("channel_id") or page.agent_id,
        thread_ts=container.get("message_ts"),
        **worklist_page(worklist, page.start).as_kwargs(),
    )


def _tell(body: dict[str, Any], respond: Respond, client: WebClient, problem: UserError) -> None:
    """Clicks on a message answer through response_url; clicks in App Home have none, so a DM."""
    reply = error_reply(problem).as_kwargs()
    if body.get("response_url"):
        respond(response_type=EPHEMERAL, **reply)
    else:
        client.chat_postMessage(channel=body["user"]["id"], **reply)
