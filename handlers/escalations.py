"""Escalations in Slack: the buttons on an escalation's message, their forms, the escalate form,
and replies typed in an escalation's thread."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.escalations import decision_modal, escalated_reply, question_modal
from bot.blocks.ledger import error_reply
from bot.errors import UserError
from bot.escalations import desk
from bot.escalations.card import EscalationCard
from bot.escalations.service import EscalationRequest
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import DecisionContext, ModalOrigin
from bot.parsing.command import MAX_NOTES_LENGTH
from bot.parsing.typed_text import storable
from bot.runtime import Runtime
from bot.vocabulary import EscalationKind
from handlers.answering import EPHEMERAL, Answerer
from handlers.views import Values, deliver_to_origin, field_errors, selected, text_of

log = logging.getLogger(__name__)

_BUTTONS = {
    ActionId.ESCALATION_APPROVE: "approve",
    ActionId.ESCALATION_REJECT: "reject",
    ActionId.ESCALATION_ASK_INFO: "ask",
}


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    for action_id, decision in _BUTTONS.items():
        app.action(action_id)(_button(runtime, answerer, decision))

    @app.view(CallbackId.DECISION_MODAL)
    def on_decision(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        if _submit(ack, lambda: _decide(runtime, body["user"]["id"], view), {BlockId.COMMENT}):
            answerer.later(lambda: desk.deliver(runtime))

    @app.view(CallbackId.QUESTION_MODAL)
    def on_question(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        if _submit(ack, lambda: _ask(runtime, body["user"]["id"], view), {BlockId.QUESTION}):
            answerer.later(lambda: desk.deliver(runtime))

    @app.view(CallbackId.ESCALATE_MODAL)
    def on_escalate(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        blocks = {
            BlockId.ACCOUNT,
            BlockId.KIND,
            BlockId.AMOUNT,
            BlockId.INSTALMENTS,
            BlockId.UNTIL,
            BlockId.REASON,
        }
        raised: list[EscalationCard] = []
        if _submit(ack, lambda: raised.append(_escalate_from_form(runtime, user, view)), blocks):
            # After the form has closed: post it, then tell the agent where it is.
            def publish() -> None:
                link = desk.publish(runtime, raised[0].id)
                deliver_to_origin(runtime, user, _origin(view), escalated_reply(raised[0], link))

            answerer.later(publish)

    @app.event({"type": "message"})
    def thread_reply(event: dict[str, Any]) -> None:
        # Only people on the roster get here (handlers.gate). A reply also sent to the channel
        # (thread_broadcast) is a reply all the same.
        if event.get("subtype") not in _REPLIES or event.get("bot_id") or not event.get("thread_ts"):
            return  # edits, joins and the bot's own posts are not notes
        if event.get("thread_ts") == event.get("ts"):
            return
        answerer.later(lambda: _note(runtime, event))


_REPLIES = frozenset({None, "thread_broadcast"})
"""Message subtypes that are a person's reply: a plain one, or one also sent to the channel."""


def _note(runtime: Runtime, event: dict[str, Any]) -> None:
    desk.note_thread_reply(
        runtime,
        channel=str(event.get("channel", "")),
        thread_ts=str(event["thread_ts"]),
        ts=str(event.get("ts", "")),
        user=str(event.get("user", "")),
        text=storable(str(event.get("text", "")))[:MAX_NOTES_LENGTH],
    )


def _button(runtime: Runtime, answerer: Answerer, decision: str) -> Any:
    def on_click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        answerer.later(lambda: _open_decision(runtime, decision, body, action, client, respond))

    return on_click


def _open_decision(
    runtime: Runtime,
    decision: str,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """After the click's acknowledgement: the decision form, or why it cannot be opened."""
    user = body["user"]["id"]
    try:
        escalation_id = int(action.get("value", ""))
        refusal = desk.refusal(runtime, escalation_id, user)
        card = None if refusal else desk.card_for_decision(runtime, escalation_id)
    except (ValueError, UserError) as error:
        problem = error if isinstance(error, UserError) else UserError("That button is not one of mine.")
        respond(response_type=EPHEMERAL, replace_original=False, **error_reply(problem).as_kwargs())
        return
    if refusal:
        respond(
            response_type=EPHEMERAL, replace_original=False, **error_reply(UserError(refusal)).as_kwargs()
        )
        return
    container = body.get("container") or {}
    context = DecisionContext(
        escalation_id=escalation_id,
        decision=decision,  # type: ignore[arg-type]
        channel_id=container.get("channel_id"),
        message_ts=container.get("message_ts"),
    )
    assert card is not None  # refused above otherwise
    view = question_modal(context, card) if decision == "ask" else decision_modal(context, card)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    desk.deliver(runtime)  # the channel message, when the form's card brought it up to date


def _context(view: dict[str, Any]) -> DecisionContext:
    try:
        return DecisionContext.model_validate_json(view.get("private_metadata") or "")
    except ValidationError:
        raise UserError("This form is out of date.", "Click the button on the escalation again.") from None


def _decide(runtime: Runtime, user: str, view: dict[str, Any]) -> None:
    context = _context(view)
    values: Values = view.get("state", {}).get("values", {})
    comment = text_of(values, BlockId.COMMENT, ActionId.ESCALATION_COMMENT_INPUT) or None
    desk.decide_now(
        runtime, context.escalation_id, approve=context.decision == "approve", comment=comment, actor=user
    )


def _ask(runtime: Runtime, user: str, view: dict[str, Any]) -> None:
    context = _context(view)
    values: Values = view.get("state", {}).get("values", {})
    question = text_of(values, BlockId.QUESTION, ActionId.ESCALATION_QUESTION_INPUT)
    if not question:
        raise UserError("Type the question for the agent.", field="question")
    desk.ask(runtime, context.escalation_id, question=question, actor=user)


def _escalate_from_form(runtime: Runtime, user: str, view: dict[str, Any]) -> EscalationCard:
    values: Values = view.get("state", {}).get("values", {})
    instalments_text = text_of(values, BlockId.INSTALMENTS, ActionId.ESCALATION_INSTALMENTS_INPUT)
    if instalments_text and not instalments_text.isdigit():
        raise UserError("The number of instalments is a whole number, like `6`.", field="instalments")
    until = (values.get(BlockId.UNTIL, {}).get(ActionId.ESCALATION_UNTIL_PICKER) or {}).get("selected_date")
    request = EscalationRequest(
        account_id=selected(values, BlockId.ACCOUNT, ActionId.ACCOUNT_PICKER, "account"),
        kind=EscalationKind(selected(values, BlockId.KIND, ActionId.ESCALATION_KIND_SELECT, "kind")),
        amount_text=text_of(values, BlockId.AMOUNT, ActionId.AMOUNT_INPUT) or None,
        instalments=int(instalments_text) if instalments_text else None,
        until_text=str(until) if until else None,
        reason=_reason(values),
    )
    return desk.escalate(runtime, actor=user, request=request)


def _reason(values: Values) -> str:
    reason = text_of(values, BlockId.REASON, ActionId.ESCALATION_REASON_INPUT)
    if not reason:
        raise UserError("Say why you are escalating.", field="reason")
    return reason


def _origin(view: dict[str, Any]) -> ModalOrigin:
    try:
        return ModalOrigin.model_validate_json(view.get("private_metadata") or "{}")
    except ValidationError:
        return ModalOrigin()


def _submit(ack: Ack, work: Callable[[], object], blocks: set[BlockId]) -> bool:
    """A form's submission: close it when the work succeeds (True), show the problem inline when not."""
    try:
        work()
    except UserError as error:
        ack(response_action="errors", errors=field_errors(error, blocks))
        return False
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("escalation form failed, error id %s", error_id)
        first = sorted(blocks)[0]
        ack(
            response_action="errors",
            errors={first: f"Something went wrong; nothing was saved (error id {error_id})."},
        )
        return False
    ack()
    return True
