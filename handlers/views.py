"""Submissions of the ledger modals: the same services as the typed commands, errors inline.

A submission is trusted for what Slack signs (who, which form, what was typed), and nothing else:
the form's private_metadata must carry the bot's signature, every field is held to the parser's
limits again (Slack's max_length binds only its clients), a form arriving again for the same
account records nothing new, and the answer goes to the person's DM (within the reply budget the
form closes or shows the problem inline; past it, the form closes and the DM says how it went)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.blocks import ledger as render
from bot.blocks.kit import Reply
from bot.errors import UserError
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import CarriedKey, CarriedRefusedError, ModalOrigin
from bot.ledger import desk
from bot.parsing.command import (
    MAX_ACCOUNT_ID_LENGTH,
    MAX_AMOUNT_TEXT_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_REFERENCE_LENGTH,
    parse_channel,
    parse_method,
    parse_outcome,
)
from bot.parsing.typed_text import storable
from bot.runtime import Runtime
from handlers.answering import Answerer
from handlers.commands import pay

log = logging.getLogger(__name__)

Values = dict[str, dict[str, dict[str, Any]]]

STALE_FORM = UserError("This form is out of date or not one of mine.", "Close it and open it again.")

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
    key = CarriedKey(runtime.settings.slack_signing_secret)

    def submit(
        work: Callable[[str, Values, str], Reply], blocks_in_view: set[BlockId]
    ) -> Callable[..., None]:
        def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            user = body["user"]["id"]
            values: Values = view.get("state", {}).get("values", {})

            def run() -> Reply:
                form_origin(view, key)  # made up or tampered: refused before anything is read
                return work(user, values, str(view.get("id", "")))

            def done(reply: Reply) -> None:
                tell_person(runtime, user, reply)
                answerer.homes.request(user)

            answerer.answer_form(
                ack,
                run,
                inline=lambda error: field_errors(error, blocks_in_view),
                done=done,
                late=lambda reply: tell_person(runtime, user, reply),
            )

        return on_submit

    ledger_blocks = {BlockId.ACCOUNT}
    app.view(CallbackId.LOG_MODAL)(
        submit(
            lambda u, v, view_id: _log(runtime, u, v, view_id),
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
        submit(
            lambda u, v, view_id: _promise(runtime, u, v, view_id),
            ledger_blocks | {BlockId.AMOUNT, BlockId.DATE},
        )
    )


def _log(runtime: Runtime, user: str, values: Values, view_id: str) -> Reply:
    notes = within_limit(text_of(values, BlockId.NOTES, ActionId.NOTES_INPUT), MAX_NOTES_LENGTH, "notes")
    account_id = _account(values)
    outcome = desk.log(
        runtime,
        actor=user,
        account_id=account_id,
        channel=parse_channel(selected(values, BlockId.CHANNEL, ActionId.CHANNEL_SELECT, "channel")),
        outcome=parse_outcome(selected(values, BlockId.OUTCOME, ActionId.OUTCOME_SELECT, "outcome")),
        notes=notes or None,
        submission=submission(CallbackId.LOG_MODAL, view_id, account_id),
    )
    return render.contact_logged(outcome)


def _pay(runtime: Runtime, user: str, values: Values, view_id: str) -> Reply:
    method = _optional_selected(values, BlockId.METHOD, ActionId.METHOD_SELECT)
    typed_reference = text_of(values, BlockId.REFERENCE, ActionId.REFERENCE_INPUT)
    reference = within_limit(typed_reference, MAX_REFERENCE_LENGTH, "reference") or None
    amount = amount_text(values)
    method_used = parse_method(method) if method else None
    account_id = _account(values)
    # The form and the account make a second submission of the same form record nothing new.
    once = submission(CallbackId.PAY_MODAL, view_id, account_id)
    return pay(runtime, user, account_id, amount, method_used, reference, submission=once)


def _promise(runtime: Runtime, user: str, values: Values, view_id: str) -> Reply:
    date = values.get(BlockId.DATE, {}).get(ActionId.DATE_PICKER, {}).get("selected_date")
    amount = amount_text(values)
    if not date:
        raise UserError("Pick the date the customer promised to pay by.", field="date")
    account_id = _account(values)
    promised = desk.promise(
        runtime,
        actor=user,
        account_id=account_id,
        amount_text=amount,
        date_text=str(date)[:10],
        submission=submission(CallbackId.PROMISE_MODAL, view_id, account_id),
    )
    return render.promise_recorded(promised)


def submission(form: str, view_id: str, account_id: str) -> str | None:
    """What makes a form's submission the same one again: the form and the account it records on
    (one form id may come with another account: that is another submission). A digest, to fit the
    keys' columns whatever the ids' lengths."""
    if not view_id:
        return None
    return hashlib.sha256(f"{form}\n{view_id}\n{account_id}".encode()).hexdigest()[:48]


def within_limit(text: str, limit: int, field: str, what: str | None = None) -> str:
    """The parser's limit for a field, on the server: Slack's max_length holds only in its clients."""
    if len(text) > limit:
        what = what or field
        raise UserError(
            f"The {what} is {len(text):,} characters long; the limit is {limit:,}.",
            f"Shorten the {what} to {limit:,} characters or fewer.",
            field=field,
        )
    return text


def amount_text(values: Values) -> str:
    amount = _required_text(values, BlockId.AMOUNT, ActionId.AMOUNT_INPUT, "amount")
    return within_limit(amount, MAX_AMOUNT_TEXT_LENGTH, "amount")


def _account(values: Values) -> str:
    account_id = selected(values, BlockId.ACCOUNT, ActionId.ACCOUNT_PICKER, "account")
    return within_limit(account_id, MAX_ACCOUNT_ID_LENGTH, "account", "account id")


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


def form_origin(view: dict[str, Any], key: CarriedKey) -> ModalOrigin:
    """The context the bot signed into the form; a made-up or altered one is refused."""
    try:
        return ModalOrigin.decode(str(view.get("private_metadata") or ""), key)
    except CarriedRefusedError:
        log.warning("refused a form whose private_metadata the bot did not sign")
        raise STALE_FORM from None


def tell_person(runtime: Runtime, user: str, reply: Reply) -> None:
    """The form has closed; its result goes to the person's DM: the only place a form's answer can
    go that nothing in the request could have named."""
    try:
        runtime.slack.chat_postMessage(channel=user, **reply.as_kwargs())
    except Exception:
        log.exception("could not deliver a form's answer")
