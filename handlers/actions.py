"""Buttons on the bot's replies."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import ledger as render
from bot.blocks.kit import Reply
from bot.errors import UserError
from bot.ids import ActionId
from bot.interactions import CarriedKey, CarriedRefusedError, OverpaymentToConfirm
from bot.language.model import _
from bot.ledger import desk
from bot.ledger.records.payments import DuplicatePaymentError
from bot.runtime import Runtime
from handlers.answering import Answerer, respond_safely


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)

    @app.action(ActionId.CONFIRM_OVERPAYMENT)
    def confirm_overpayment(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user = body["user"]["id"]

        def confirm_then_refresh() -> None:
            told: set[str] = set()
            respond_safely(
                respond,
                lambda: _confirm(runtime, key, user, str(action.get("value", "")), told),
                replace_original=True,
            )
            for person in (user, *sorted(told - {user})):
                answerer.homes.request(person)

        answerer.later(confirm_then_refresh)

    @app.action(ActionId.CANCEL_OVERPAYMENT)
    def cancel_overpayment(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        account = action.get("value", "")[:64]
        cancelled = render.cancelled_reply(f"Payment on {account} not recorded.")
        answerer.later(lambda: respond_safely(respond, lambda: cancelled, replace_original=True))


def _confirm(runtime: Runtime, key: CarriedKey, user: str, value: str, told: set[str]) -> Reply:
    """The payment the bot asked about, as it signed it into the button: a made-up value records nothing."""
    try:
        request = OverpaymentToConfirm.decode(value, key)
    except CarriedRefusedError:
        raise UserError(
            _("That button is no longer valid."), _("Type the payment again with `/collect pay`.")
        ) from None
    try:
        outcome = desk.pay(
            runtime,
            actor=user,
            account_id=request.account_id,
            amount_text=request.amount,
            method=request.method,
            reference=request.reference,
            confirmed_nonce=request.nonce,
        )
    except DuplicatePaymentError as error:
        raise UserError(_("This payment was already recorded."), error.problem) from None
    told.update(outcome.told)  # the list's agent, when the payment is on someone else's list
    return render.payment_recorded(outcome)
