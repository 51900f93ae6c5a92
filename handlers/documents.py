"""Sending a customer document from Slack: `/collect send`, the account card's "Send a document"
and a worklist line's menu open the preview (the last two through a small form that picks the
document and the channel); the preview's Send sends it.

Nothing in a payload is trusted but Slack's signature. The button's and the menu's account is
checked against the clicker before a form opens; each form's private_metadata must carry the bot's
signature and name the person submitting it; the account, kind and channel are parsed and checked
again at every step, and the preview is made again on Send before anything is written. A trigger
lasts 3 seconds, so a form that needs the ledger opens as a wait and the preview takes its place."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.correspondence import (
    refused_modal,
    sent_modal,
    waiting_modal,
)
from bot.correspondence import desk
from bot.errors import UserError
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import (
    CarriedKey,
    CarriedRefusedError,
    DocumentChoice,
    DocumentFor,
    DocumentToSend,
)
from bot.language.model import _
from bot.outbox.job import deliver_now
from bot.parsing.command import parse_document_kind, parse_send_channel
from bot.runtime import Runtime
from handlers.answering import Answerer, answer_click, teller
from handlers.forms import (
    Values,
    field_errors,
    open_document_choice,
    optional_selected,
    preview_view,
    selected,
    stale_form,
    submission,
)

log = logging.getLogger(__name__)

View = dict[str, Any]
_CHOICE_FIELDS = {BlockId.KIND, BlockId.CHANNEL}


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)

    @app.action(ActionId.SEND_DOCUMENT)
    def send_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()

        def open_choice() -> None:
            try:
                account_id = DocumentFor.decode(str(action.get("value", ""))).account_id
            except CarriedRefusedError:
                raise UserError(
                    _("That button is out of date."), _("Type `/collect account` with the account's id.")
                ) from None
            open_document_choice(runtime, key, client, body, account_id)

        answerer.later(lambda: answer_click(teller(body, respond, client), open_choice))

    @app.view(CallbackId.DOCUMENT_CHOICE_MODAL)
    def choice_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        answerer.answer_with_view(
            ack,
            lambda: _preview_from_choice(runtime, key, user, view),
            waiting=waiting_modal(),
            refused=refused_modal,
            replace=lambda shown: client.views_update(view_id=view["id"], view=shown),
            inline=lambda error: (
                field_errors(error, _CHOICE_FIELDS) if error.field in _CHOICE_FIELDS else None
            ),
        )

    @app.view(CallbackId.DOCUMENT_PREVIEW_MODAL)
    def send_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]

        def send() -> View:
            shown = _send(runtime, key, user, view)
            # The email goes now, on the outbox's exactly-once path (the scheduler would within a minute).
            answerer.later(lambda: deliver_now(runtime))
            return shown

        answerer.answer_with_view(
            ack,
            send,
            waiting=waiting_modal(sending=True),
            refused=refused_modal,
            replace=lambda shown: client.views_update(view_id=view["id"], view=shown),
        )


def _preview_from_choice(runtime: Runtime, key: CarriedKey, user: str, view: dict[str, Any]) -> View:
    try:
        carried = DocumentChoice.decode(str(view.get("private_metadata") or ""), key)
    except CarriedRefusedError:
        log.warning("refused a document form whose private_metadata the bot did not sign")
        raise stale_form() from None
    if carried.opened_by != user:
        raise stale_form()
    values: Values = view.get("state", {}).get("values", {})
    kind = parse_document_kind(selected(values, BlockId.KIND, ActionId.DOCUMENT_KIND_SELECT, "kind"))
    word = optional_selected(values, BlockId.CHANNEL, ActionId.DOCUMENT_CHANNEL_SELECT)
    channel = parse_send_channel(word) if word else None
    return preview_view(runtime, key, user, carried.account_id, kind, channel)


def _send(runtime: Runtime, key: CarriedKey, user: str, view: dict[str, Any]) -> View:
    """The preview's Send: what the bot signed into it, for the person it was shown to, checked
    again (the kind and channel parsed as words, the sender's right to write to the account), and
    sent once however often the form arrives."""
    try:
        carried = DocumentToSend.decode(str(view.get("private_metadata") or ""), key)
    except CarriedRefusedError:
        log.warning("refused a document preview whose private_metadata the bot did not sign")
        raise stale_form() from None
    if carried.opened_by != user:
        raise stale_form()
    kind, channel = parse_document_kind(carried.kind), parse_send_channel(carried.channel)
    account_id = carried.account_id
    # The desk checks the sender again, in the transaction that sends (agents their own accounts).
    sent = desk.send(
        runtime, account_id=account_id, kind=kind, channel=channel, actor=user,
        submission=submission(CallbackId.DOCUMENT_PREVIEW_MODAL, str(view.get("id", "")), account_id),
    )  # fmt: skip
    return sent_modal(sent)
