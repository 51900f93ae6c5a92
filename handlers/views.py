"""Submissions of the ledger modals: the same services as the typed commands, errors inline.

A submission is trusted for what Slack signs (who, which form, what was typed), and nothing else:
the form's private_metadata must carry the bot's signature, every field is held to the parser's
limits again (Slack's max_length binds only its clients), a form arriving again for the same
account records nothing new, and the answer goes to the person's DM (within the reply budget the
form closes or shows the problem inline; past it, the form closes and the DM says how it went)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.blocks import ledger as render
from bot.blocks.kit import Reply
from bot.errors import UserError
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import CarriedKey
from bot.language.model import _
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
from bot.runtime import Runtime
from handlers.answering import Answerer
from handlers.forms import (
    Values,
    answer_submission,
    form_origin,
    optional_selected,
    required_text,
    selected,
    submission,
    tell_person,
    text_of,
    within_limit,
)


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)

    def submit(
        work: Callable[[str, Values, str, set[str]], Reply], blocks_in_view: set[BlockId]
    ) -> Callable[..., None]:
        """`work` adds to its last argument the other people whose lists it changed (a payment on
        an agent's account): their Homes are refreshed too."""

        def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            user = body["user"]["id"]
            values: Values = view.get("state", {}).get("values", {})
            told: set[str] = set()

            def run() -> Reply:
                form_origin(view, key)  # made up or tampered: refused before anything is read
                return work(user, values, str(view.get("id", "")), told)

            def done(reply: Reply) -> None:
                tell_person(runtime, user, reply)
                for person in (user, *sorted(told - {user})):
                    answerer.homes.request(person)

            answer_submission(answerer, runtime, ack, user, run, blocks=blocks_in_view, done=done)

        return on_submit

    ledger_blocks = {BlockId.ACCOUNT}
    app.view(CallbackId.LOG_MODAL)(
        submit(
            lambda u, v, view_id, _told: _log(runtime, u, v, view_id),
            ledger_blocks | {BlockId.CHANNEL, BlockId.OUTCOME, BlockId.NOTES},
        )
    )
    app.view(CallbackId.PAY_MODAL)(
        submit(
            lambda u, v, view_id, told: _pay(runtime, key, u, v, view_id, told),
            ledger_blocks | {BlockId.AMOUNT, BlockId.METHOD, BlockId.REFERENCE},
        )
    )
    app.view(CallbackId.PROMISE_MODAL)(
        submit(
            lambda u, v, view_id, _told: _promise(runtime, u, v, view_id),
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


def _pay(runtime: Runtime, key: CarriedKey, user: str, values: Values, view_id: str, told: set[str]) -> Reply:
    method = optional_selected(values, BlockId.METHOD, ActionId.METHOD_SELECT)
    typed_reference = text_of(values, BlockId.REFERENCE, ActionId.REFERENCE_INPUT)
    reference = within_limit(typed_reference, MAX_REFERENCE_LENGTH, "reference") or None
    amount = amount_text(values)
    method_used = parse_method(method) if method else None
    account_id = _account(values)
    # The form and the account make a second submission of the same form record nothing new.
    once = submission(CallbackId.PAY_MODAL, view_id, account_id)
    asked = desk.pay_or_ask(
        runtime, actor=user, account_id=account_id, amount_text=amount, method=method_used,
        reference=reference, submission=once,
    )  # fmt: skip
    if not isinstance(asked, desk.PaymentToConfirm):
        told.update(asked.told)
    return render.payment_answer(asked, key)


def _promise(runtime: Runtime, user: str, values: Values, view_id: str) -> Reply:
    date = values.get(BlockId.DATE, {}).get(ActionId.DATE_PICKER, {}).get("selected_date")
    amount = amount_text(values)
    if not date:
        raise UserError(_("Pick the date the customer promised to pay by."), field="date")
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


def amount_text(values: Values) -> str:
    amount = required_text(values, BlockId.AMOUNT, ActionId.AMOUNT_INPUT, "amount")
    return within_limit(amount, MAX_AMOUNT_TEXT_LENGTH, "amount")


def _account(values: Values) -> str:
    account_id = selected(values, BlockId.ACCOUNT, ActionId.ACCOUNT_PICKER, "account")
    return within_limit(account_id, MAX_ACCOUNT_ID_LENGTH, "account", "account id")
