"""Submissions of the ledger modals: the same services as the typed commands, errors inline."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk.webhook import WebhookClient

from bot.blocks import ledger as render
from bot.blocks.kit import Reply
from bot.errors import UserError
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import ModalOrigin
from bot.ledger import desk
from bot.parsing.command import MAX_NOTES_LENGTH, parse_channel, parse_method, parse_outcome
from bot.parsing.typed_text import storable
from bot.runtime import Runtime
from handlers.answering import Answerer
from handlers.commands import pay

log = logging.getLogger(__name__)

Values = dict[str, dict[str, dict[str, Any]]]

_FAILURE = "Something went wrong on our side and nothing was saved. Try again (error id {error_id})."

# Which modal block shows an error about which field.
_FIELD_BLOCKS = {
    "account": BlockId.ACCOUNT,
    "channel": BlockId.CHANNEL,
    "outcome": BlockId.OUTCOME,
    "notes": BlockId.NOTES,
    "amount": BlockId.AMOUNT,
    "method": BlockId.METHOD,
    "reference": BlockId.REFERENCE,
    "date": BlockId.DATE,
    "kind": BlockId.KIND,
    "instalments": BlockId.INSTALMENTS,
    "until": BlockId.UNTIL,
    "reason": BlockId.REASON,
    "comment": BlockId.COMMENT,
    "question": BlockId.QUESTION,
}


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    def submit(
        work: Callable[[str, Values, str], Reply], blocks_in_view: set[BlockId]
    ) -> Callable[..., None]:
        def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            user = body["user"]["id"]
            values: Values = view.get("state", {}).get("values", {})
            try:
                reply = work(user, values, str(view.get("id", "")))
            except UserError as error:
                ack(response_action="errors", errors=field_errors(error, blocks_in_view))
                return
            except Exception:
                error_id = uuid.uuid4().hex[:8]
                log.exception("modal submission failed, error id %s", error_id)
                ack(response_action="errors", errors={BlockId.ACCOUNT: _FAILURE.format(error_id=error_id)})
                return
            ack()
            answerer.later(lambda: deliver_to_origin(runtime, user, _origin(view), reply))
            answerer.homes.request(user)

        return on_submit

    ledger_blocks = {BlockId.ACCOUNT}
    app.view(CallbackId.LOG_MODAL)(
        submit(
            lambda u, v, _view: _log(runtime, u, v),
            ledger_blocks | {BlockId.CHANNEL, BlockId.OUTCOME, BlockId.NOTES},
        )
    )
    app.view(CallbackId.PAY_MODAL)(
        submit(
            lambda u, v, view_id: _pay(runtime, u, v, view_id),
            ledger_blocks | {BlockId.AMOUNT, BlockId.METHOD, BlockId.REFERENCE},
        )
    )
    app.view(CallbackId.PROMISE_MODAL)(
        submit(lambda u, v, _view: _promise(runtime, u, v), ledger_blocks | {BlockId.AMOUNT, BlockId.DATE})
    )


def _log(runtime: Runtime, user: str, values: Values) -> Reply:
    notes = text_of(values, BlockId.NOTES, ActionId.NOTES_INPUT)
    if notes and len(notes) > MAX_NOTES_LENGTH:
        raise UserError(
            f"Notes are {len(notes):,} characters; the limit is 2,000.", "Shorten them.", field="notes"
        )
    outcome = desk.log(
        runtime,
        actor=user,
        account_id=_account(values),
        channel=parse_channel(selected(values, BlockId.CHANNEL, ActionId.CHANNEL_SELECT, "channel")),
        outcome=parse_outcome(selected(values, BlockId.OUTCOME, ActionId.OUTCOME_SELECT, "outcome")),
        notes=notes or None,
    )
    return render.contact_logged(outcome)


def _pay(runtime: Runtime, user: str, values: Values, view_id: str) -> Reply:
    method = _optional_selected(values, BlockId.METHOD, ActionId.METHOD_SELECT)
    reference = text_of(values, BlockId.REFERENCE, ActionId.REFERENCE_INPUT) or None
    amount = _required_text(values, BlockId.AMOUNT, ActionId.AMOUNT_INPUT, "amount")
    method_used = parse_method(method) if method else None
    # The form's id makes a second submission of the same form record nothing new.
    return pay(runtime, user, _account(values), amount, method_used, reference, submission=view_id or None)


def _promise(runtime: Runtime, user: str, values: Values) -> Reply:
    date = values.get(BlockId.DATE, {}).get(ActionId.DATE_PICKER, {}).get("selected_date")
    if not date:
        raise UserError("Pick the date the customer promised to pay by.", field="date")
    promised = desk.promise(
        runtime,
        actor=user,
        account_id=_account(values),
        amount_text=_required_text(values, BlockId.AMOUNT, ActionId.AMOUNT_INPUT, "amount"),
        date_text=str(date),
    )
    return render.promise_recorded(promised)


def _account(values: Values) -> str:
    return selected(values, BlockId.ACCOUNT, ActionId.ACCOUNT_PICKER, "account")


def selected(values: Values, block: str, action: str, field: str) -> str:
    value = _optional_selected(values, block, action)
    if not value:
        raise UserError(f"Choose the {field}.", field=field)
    return value


def _optional_selected(values: Values, block: str, action: str) -> str | None:
    option = (values.get(block, {}).get(action, {}) or {}).get("selected_option") or {}
    value = option.get("value")
    return storable(str(value or "")) or None


def text_of(values: Values, block: str, action: str) -> str:
    return storable(str(values.get(block, {}).get(action, {}).get("value") or "")).strip()


def _required_text(values: Values, block: str, action: str, field: str) -> str:
    text = text_of(values, block, action)
    if not text:
        raise UserError(f"Type the {field}.", field=field)
    return text


def field_errors(error: UserError, blocks_in_view: set[BlockId]) -> dict[str, str]:
    """The form's inline error: on the field the problem is about, else on the form's first field."""
    block = _FIELD_BLOCKS.get(error.field or "", "")
    if block not in blocks_in_view:
        block = BlockId.ACCOUNT if BlockId.ACCOUNT in blocks_in_view else sorted(blocks_in_view)[0]
    return {block: _field_text(error)}


def _field_text(error: UserError) -> str:
    # Field errors are plain text: the backticks of the chat message would show as they are.
    return str(error).replace("`", "")[:2000]


def _origin(view: dict[str, Any]) -> ModalOrigin:
    try:
        return ModalOrigin.model_validate_json(view.get("private_metadata") or "{}")
    except ValidationError:
        return ModalOrigin()


def deliver_to_origin(runtime: Runtime, user: str, origin: ModalOrigin, reply: Reply) -> None:
    """The modal has closed; its result goes where the command was typed, seen only by the user."""
    try:
        if origin.response_url:
            WebhookClient(origin.response_url).send(response_type="ephemeral", **reply.as_kwargs())
        elif origin.channel_id:
            runtime.slack.chat_postEphemeral(channel=origin.channel_id, user=user, **reply.as_kwargs())
        else:
            channel = runtime.slack.conversations_open(users=user)["channel"]["id"]
            runtime.slack.chat_postMessage(channel=channel, **reply.as_kwargs())
    except Exception:
        log.exception("could not deliver a modal's confirmation")
