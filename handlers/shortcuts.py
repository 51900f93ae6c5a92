"""Shortcuts: "Record a payment" and "Log a contact" open their forms from anywhere in Slack;
on a message, "Log as contact" and "Escalate" open the log and escalation forms with the message's
text, and the account it names when the person may work it.

Nothing in the message is trusted as an id: each word that could be one is looked up through the
ledger desk under the access policy, and one the person may not work leaves the picker empty,
saying nothing about it. The form's submission checks everything again, as for any form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.escalations import escalate_modal
from bot.blocks.kit import Reply
from bot.blocks.modals import log_modal, pay_modal
from bot.ids import CallbackId
from bot.interactions import CarriedKey, ModalOrigin
from bot.ledger import desk
from bot.parsing.message_text import plain_text
from bot.runtime import Runtime
from handlers.answering import EPHEMERAL, Answerer, answer_click

_GLOBAL_FORMS = {CallbackId.RECORD_PAYMENT_SHORTCUT: pay_modal, CallbackId.LOG_CONTACT_SHORTCUT: log_modal}
_MESSAGE_FORMS = {CallbackId.LOG_MESSAGE_SHORTCUT: "log", CallbackId.ESCALATE_MESSAGE_SHORTCUT: "escalate"}


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)

    def open_blank(callback_id: CallbackId) -> Callable[..., None]:
        def on_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            # The form's answer goes to the person's DM: nothing carried in it says where.
            form = _GLOBAL_FORMS[callback_id](ModalOrigin().signed_with(key))
            answerer.later(lambda: answer_click(_dm(body, client), lambda: _open(client, body, form)))

        return on_shortcut

    for callback_id in _GLOBAL_FORMS:
        app.shortcut(callback_id)(open_blank(callback_id))

    def open_for_message(form: str) -> Callable[..., None]:
        def on_shortcut(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            ack()
            answerer.later(
                lambda: answer_click(
                    _teller(body, client, respond),
                    lambda: _open_for_message(runtime, key, body, client, form),
                )
            )

        return on_shortcut

    for callback_id, form in _MESSAGE_FORMS.items():
        app.shortcut(callback_id)(open_for_message(form))


def _open_for_message(
    runtime: Runtime, key: CarriedKey, body: dict[str, Any], client: WebClient, form: str
) -> None:
    text = str((body.get("message") or {}).get("text") or "")
    user = body["user"]["id"]
    preset = desk.account_named_in(runtime, text, actor=user)
    origin = ModalOrigin(account_id=preset[0] if preset else None).signed_with(key)
    words = plain_text(text) or None
    view = log_modal(origin, preset, notes=words) if form == "log" else escalate_modal(origin, preset, words)
    _open(client, body, view)


def _open(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _dm(body: dict[str, Any], client: WebClient) -> Callable[[Reply], None]:
    """A global shortcut comes with no response_url: a problem is told in the person's DM."""

    def tell(reply: Reply) -> None:
        client.chat_postMessage(channel=body["user"]["id"], **reply.as_kwargs())

    return tell


def _teller(body: dict[str, Any], client: WebClient, respond: Respond) -> Callable[[Reply], None]:
    """A message shortcut comes with a response_url: a problem is told there, to this person only."""
    if not body.get("response_url"):
        return _dm(body, client)

    def tell(reply: Reply) -> None:
        respond(response_type=EPHEMERAL, replace_original=False, **reply.as_kwargs())

    return tell
