"""The forms behind `/collect log`, `pay` and `promise` typed bare, a worklist line's menu and the
shortcuts."""

from __future__ import annotations

from typing import Any

from bot.blocks.kit import Block, option, plain
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import ModalOrigin
from bot.language.model import N_, _
from bot.parsing.command import MAX_NOTES_LENGTH
from bot.vocabulary import Channel, Outcome, PaymentMethod, channel_name, heading, method_name

View = dict[str, Any]

_OUTCOME_LABELS = {
    Outcome.NO_ANSWER: N_("No answer"),
    Outcome.LEFT_MESSAGE: N_("Left a message"),
    Outcome.RIGHT_PARTY: N_("Spoke to the debtor (right party)"),
    Outcome.THIRD_PARTY: N_("Spoke to a third party"),
    Outcome.WRONG_NUMBER: N_("Wrong number"),
    Outcome.REFUSED: N_("Refused to pay"),
    Outcome.DISPUTE: N_("Disputes the debt"),
    Outcome.CALLBACK: N_("Asked for a callback"),
}


def account_option(account_id: str, customer_name: str) -> dict[str, Any]:
    return option(f"{account_id} · {customer_name}", account_id)


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def _account_input(preset: tuple[str, str] | None) -> Block:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": ActionId.ACCOUNT_PICKER,
        "placeholder": plain(_("Account id or customer name"), 150),
        "min_query_length": 0,
    }
    if preset:
        element["initial_option"] = account_option(*preset)
    return _input(BlockId.ACCOUNT, _("Account"), element)


def _static_select(action_id: str, placeholder: str, choices: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, 150),
        "options": [option(label, value) for label, value in choices],
    }


def _text_input(
    action_id: str,
    placeholder: str,
    *,
    multiline: bool = False,
    max_length: int = 100,
    initial_value: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "placeholder": plain(placeholder, 150),
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial_value:
        # Slack refuses a view whose initial value is longer than the element takes.
        element["initial_value"] = initial_value[:max_length]
    return element


def _modal(callback_id: str, title: str, submit: str, blocks: list[Block], origin: ModalOrigin) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain(_("Cancel"), 24),
        "private_metadata": origin.encode(),
        "blocks": blocks,
    }


def log_modal(origin: ModalOrigin, preset: tuple[str, str] | None = None, notes: str | None = None) -> View:
    """`notes` starts the notes (a message shortcut's text): plain text in an input, no mrkdwn."""
    blocks = [
        _account_input(preset),
        _input(
            BlockId.CHANNEL,
            _("Channel"),
            _static_select(
                ActionId.CHANNEL_SELECT, _("How"), [(heading(channel_name(c)), c.value) for c in Channel]
            ),
        ),
        _input(
            BlockId.OUTCOME,
            _("Outcome"),
            _static_select(
                ActionId.OUTCOME_SELECT,
                _("What happened"),
                [(_(_OUTCOME_LABELS[o]), o.value) for o in Outcome],
            ),
        ),
        _input(
            BlockId.NOTES,
            _("Notes"),
            _text_input(
                ActionId.NOTES_INPUT,
                _("What was said"),
                multiline=True,
                max_length=MAX_NOTES_LENGTH,
                initial_value=notes,
            ),
            optional=True,
        ),
    ]
    return _modal(CallbackId.LOG_MODAL, _("Log a contact"), _("Log"), blocks, origin)


def pay_modal(origin: ModalOrigin, preset: tuple[str, str] | None = None) -> View:
    blocks = [
        _account_input(preset),
        _input(BlockId.AMOUNT, _("Amount"), _text_input(ActionId.AMOUNT_INPUT, _("1,250.00"), max_length=32)),
        _input(
            BlockId.METHOD,
            _("Method"),
            _static_select(
                ActionId.METHOD_SELECT,
                _("How it was paid"),
                [(heading(method_name(m)), m.value) for m in PaymentMethod],
            ),
            optional=True,
        ),
        _input(
            BlockId.REFERENCE,
            _("Reference"),
            _text_input(ActionId.REFERENCE_INPUT, _("The payment system's reference, like CHK-77")),
            optional=True,
        ),
    ]
    return _modal(CallbackId.PAY_MODAL, _("Record a payment"), _("Record"), blocks, origin)


def promise_modal(origin: ModalOrigin, preset: tuple[str, str] | None = None) -> View:
    blocks = [
        _account_input(preset),
        _input(
            BlockId.AMOUNT,
            _("Amount promised"),
            _text_input(ActionId.AMOUNT_INPUT, _("250.00"), max_length=32),
        ),
        _input(
            BlockId.DATE,
            _("Pay by"),
            {
                "type": "datepicker",
                "action_id": ActionId.DATE_PICKER,
                "placeholder": plain(_("Pick a date"), 150),
            },
        ),
    ]
    return _modal(CallbackId.PROMISE_MODAL, _("Record a promise"), _("Record"), blocks, origin)
