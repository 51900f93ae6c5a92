"""The buttons on a worklist: a line's menu opens a ledger form for that account (or the form that
sends it a document); "show the next" pages through a long list."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.assignments import desk
from bot.blocks.escalations import escalate_modal
from bot.blocks.modals import log_modal, pay_modal, promise_modal
from bot.blocks.worklist import worklist_page, worklist_reply
from bot.errors import UserError
from bot.ids import ActionId
from bot.interactions import CarriedKey, CarriedRefusedError, ModalOrigin, WorklistChoice, WorklistPage
from bot.language.model import _
from bot.runtime import Runtime
from handlers.answering import EPHEMERAL, Answerer, answer_click, teller
from handlers.forms import open_document_choice

_FORMS = {"log": log_modal, "pay": pay_modal, "promise": promise_modal, "escalate": escalate_modal}


def _stale() -> UserError:
    return UserError(_("That button is out of date."), _("Type `/collect mine` for today's list."))


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)

    @app.action(ActionId.WORKLIST_LINE_MENU)
    def open_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        answerer.later(
            lambda: answer_click(
                teller(body, respond, client), lambda: _open_form(runtime, key, body, action, client)
            )
        )

    @app.action(ActionId.WORKLIST_NEXT_PAGE)
    def next_page(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        answerer.later(
            lambda: answer_click(
                teller(body, respond, client), lambda: _next_page(runtime, body, action, client, respond)
            )
        )


def _open_form(
    runtime: Runtime, key: CarriedKey, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    try:
        choice = WorklistChoice.decode(str((action.get("selected_option") or {}).get("value", "")))
    except CarriedRefusedError:
        raise _stale() from None
    if choice.form == "send":
        open_document_choice(runtime, key, client, body, choice.account_id)
        return
    # The account is re-checked here (the clicker may work it) and again when the form is sent.
    preset = desk.account_label(runtime, choice.account_id, actor=body["user"]["id"])
    origin = ModalOrigin(account_id=choice.account_id).signed_with(key)
    client.views_open(trigger_id=body["trigger_id"], view=_FORMS[choice.form](origin, preset))


def _next_page(
    runtime: Runtime, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Whose list comes from the button, so it is checked: the clicker's own, or a supervisor's
    look at an agent's. The page goes to the clicker: in place (an ephemeral list) or in their DM."""
    user = body["user"]["id"]
    try:
        page = WorklistPage.decode(str(action.get("value", "")))
    except CarriedRefusedError:
        raise _stale() from None
    if page.work_date != runtime.today().isoformat() or not desk.may_page(runtime, user, page.agent_id):
        raise _stale()
    worklist = desk.todays_worklist(runtime, page.agent_id)
    container = body.get("container") or {}
    if container.get("is_ephemeral"):
        respond(
            response_type=EPHEMERAL,
            replace_original=True,
            **worklist_reply(worklist, page.start).as_kwargs(),
        )
        return
    # The morning message is in the agent's DM: the next page goes in its thread. Clicked anywhere
    # else (a supervisor, another place), the page goes to the clicker's DM on its own.
    in_own_dm = user == page.agent_id and str(container.get("channel_id", "")).startswith(("D", user))
    client.chat_postMessage(
        channel=user,
        thread_ts=container.get("message_ts") if in_own_dm else None,
        **worklist_page(worklist, page.start).as_kwargs(),
    )
