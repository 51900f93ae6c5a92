"""Escalations in Slack: the buttons on an escalation's message, their forms, the escalate form,
the Answer button of the agent's DM with a question and its form, and replies typed in an
escalation's thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.escalations import answer_modal, decision_modal, escalated_reply, question_modal
from bot.errors import UserError
from bot.escalations import desk
from bot.escalations.model import EscalationCard
from bot.escalations.records.steps import EscalationRequest
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import (
    CarriedKey,
    CarriedRefusedError,
    DecisionContext,
    QuestionToAnswer,
    record_id,
)
from bot.language.model import _
from bot.outbox.job import deliver_now
from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH, MAX_AMOUNT_TEXT_LENGTH, MAX_NOTES_LENGTH
from bot.parsing.typed_text import storable
from bot.runtime import Runtime
from bot.vocabulary import EscalationKind
from handlers.answering import Answerer, respond_safely
from handlers.forms import (
    Values,
    answer_submission,
    form_origin,
    selected,
    tell_person,
    text_of,
    within_limit,
)

log = logging.getLogger(__name__)

Result = TypeVar("Result")


def _stale() -> UserError:
    return UserError(_("This form is out of date."), _("Click the button on the escalation again."))


def _stale_answer() -> UserError:
    return UserError(
        _("This form is out of date."),
        _("Click Answer in my message with the question again."),
        field="answer",
    )


_BUTTONS = {
    ActionId.ESCALATION_APPROVE: "approve",
    ActionId.ESCALATION_REJECT: "reject",
    ActionId.ESCALATION_ASK_INFO: "ask",
}


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)
    for action_id, decision in _BUTTONS.items():
        app.action(action_id)(_button(runtime, answerer, key, decision))

    @app.action(ActionId.ESCALATION_ANSWER)
    def on_answer_click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        answerer.later(
            lambda: respond_safely(respond, lambda: _open_answer(runtime, key, body, action, client))
        )

    def submit(
        ack: Ack, user: str, work: Callable[[], Result], blocks: set[BlockId], done: Callable[[Result], None]
    ) -> None:
        answer_submission(answerer, runtime, ack, user, work, blocks=blocks, done=done)

    def deliver(_done: object) -> None:
        deliver_now(runtime)

    def deliver_and_refresh(user: str) -> Callable[[object], None]:
        def done(_done: object) -> None:
            deliver_now(runtime)
            answerer.homes.request(user)  # the escalation leaves (or joins) the supervisors' Homes

        return done

    @app.view(CallbackId.DECISION_MODAL)
    def on_decision(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        submit(
            ack, user, lambda: _decide(runtime, key, user, view), {BlockId.COMMENT}, deliver_and_refresh(user)
        )

    @app.view(CallbackId.QUESTION_MODAL)
    def on_question(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        submit(
            ack, user, lambda: _ask(runtime, key, user, view), {BlockId.QUESTION}, deliver_and_refresh(user)
        )

    @app.view(CallbackId.ANSWER_MODAL)
    def on_answer(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        submit(
            ack, user, lambda: _answer(runtime, key, user, view), {BlockId.ANSWER}, deliver_and_refresh(user)
        )

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

        def publish(raised: EscalationCard) -> None:
            # After the form has closed: post it, then tell the agent where it is.
            deliver_now(runtime)
            link = desk.permalink(runtime, raised.id)
            tell_person(runtime, user, escalated_reply(raised, link))
            answerer.homes.request(user)

        submit(ack, user, lambda: _escalate_from_form(runtime, key, user, view), blocks, publish)

    @app.event({"type": "message"})
    def thread_reply(event: dict[str, Any]) -> None:
        # Only people on the roster get here (handlers.gate). A reply also sent to the channel
        # (thread_broadcast) is a reply all the same.
        if event.get("subtype") not in _REPLIES or event.get("bot_id") or not event.get("thread_ts"):
            return  # edits, joins and the bot's own posts are not notes
        if event.get("thread_ts") == event.get("ts"):
            return
        answerer.later(lambda: _note(runtime, answerer, event))


_REPLIES = frozenset({None, "thread_broadcast"})
"""Message subtypes that are a person's reply: a plain one, or one also sent to the channel."""


def _note(runtime: Runtime, answerer: Answerer, event: dict[str, Any]) -> None:
    noted = desk.note_thread_reply(
        runtime,
        channel=str(event.get("channel", "")),
        thread_ts=str(event["thread_ts"]),
        ts=str(event.get("ts", "")),
        user=str(event.get("user", "")),
        text=storable(str(event.get("text", "")))[:MAX_NOTES_LENGTH],
    )
    if noted:
        deliver_now(runtime)  # the escalation's message, when the answer reopened it
        if event.get("user"):  # a reopened escalation waits on the supervisors again: their Homes say so
            answerer.homes.request(str(event["user"]))


def _button(runtime: Runtime, answerer: Answerer, key: CarriedKey, decision: str) -> Any:
    def on_click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user = body["user"]["id"]
        answerer.later(
            lambda: respond_safely(
                respond,
                lambda: _open_decision(runtime, key, decision, body, action, client),
                # Clicked on a supervisor's App Home: no response_url, why the form cannot open
                # goes to their DM.
                in_a_view=lambda reply: tell_person(runtime, user, reply),
            )
        )

    return on_click


def _open_decision(
    runtime: Runtime,
    key: CarriedKey,
    decision: str,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
) -> None:
    """After the click's acknowledgement: the decision form; why it cannot be opened is raised."""
    user = body["user"]["id"]
    escalation_id = record_id(str(action.get("value", "")))
    refusal = desk.refusal(runtime, escalation_id, user)
    if refusal:
        raise UserError(refusal)
    card = desk.card_for_decision(runtime, escalation_id)
    container = body.get("container") or {}
    context = DecisionContext(
        escalation_id=escalation_id,
        decision=decision,  # type: ignore[arg-type]
        channel_id=container.get("channel_id"),
        message_ts=container.get("message_ts"),
    )
    if not _clicked_on_its_message(runtime, context):
        raise _stale()
    context = context.signed_with(key)
    view = question_modal(context, card) if decision == "ask" else decision_modal(context, card)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    deliver_now(runtime)  # the channel message, when the form's card brought it up to date


def _open_answer(
    runtime: Runtime, key: CarriedKey, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    """After the click's acknowledgement: the answer form; why it cannot be opened is raised. The
    button carries the escalation id only: who may answer is decided here, from the escalation."""
    user = body["user"]["id"]
    escalation_id = record_id(str(action.get("value", "")))
    refusal = desk.answer_refusal(runtime, escalation_id, user)
    if refusal:
        raise UserError(refusal, _("Type `/collect escalations` to see where your escalations are."))
    carried = QuestionToAnswer(escalation_id=escalation_id).signed_with(key)
    view = answer_modal(carried, desk.card_to_answer(runtime, escalation_id))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _answer(runtime: Runtime, key: CarriedKey, user: str, view: dict[str, Any]) -> None:
    try:
        carried = QuestionToAnswer.decode(str(view.get("private_metadata") or ""), key)
    except CarriedRefusedError:
        log.warning("refused an answer form whose private_metadata the bot did not sign")
        raise _stale_answer() from None
    values: Values = view.get("state", {}).get("values", {})
    text = text_of(values, BlockId.ANSWER, ActionId.ESCALATION_ANSWER_INPUT)
    if not text:
        raise UserError(_("Type your answer for the supervisors."), field="answer")
    text = within_limit(text, MAX_NOTES_LENGTH, "answer")
    desk.answer(runtime, carried.escalation_id, text=text, actor=user)


def _context(view: dict[str, Any], key: CarriedKey, runtime: Runtime) -> DecisionContext:
    """The decision the bot signed into the form, and only while it is about the message clicked."""
    try:
        context = DecisionContext.decode(str(view.get("private_metadata") or ""), key)
    except CarriedRefusedError:
        log.warning("refused a decision form whose private_metadata the bot did not sign")
        raise _stale() from None
    if not _clicked_on_its_message(runtime, context):
        raise _stale()
    return context


def _clicked_on_its_message(runtime: Runtime, context: DecisionContext) -> bool:
    """The click came from the escalation's own message (the context names one), checked against
    where the escalation was posted."""
    if context.channel_id is None and context.message_ts is None:
        return True
    return desk.posted_as(runtime, context.escalation_id, context.channel_id, context.message_ts)


def _decide(runtime: Runtime, key: CarriedKey, user: str, view: dict[str, Any]) -> None:
    context = _context(view, key, runtime)
    values: Values = view.get("state", {}).get("values", {})
    comment = text_of(values, BlockId.COMMENT, ActionId.ESCALATION_COMMENT_INPUT)
    comment = within_limit(comment, MAX_NOTES_LENGTH, "comment")
    desk.decide_now(
        runtime,
        context.escalation_id,
        approve=context.decision == "approve",
        comment=comment or None,
        actor=user,
    )


def _ask(runtime: Runtime, key: CarriedKey, user: str, view: dict[str, Any]) -> None:
    context = _context(view, key, runtime)
    values: Values = view.get("state", {}).get("values", {})
    question = text_of(values, BlockId.QUESTION, ActionId.ESCALATION_QUESTION_INPUT)
    if not question:
        raise UserError(_("Type the question for the agent."), field="question")
    question = within_limit(question, MAX_NOTES_LENGTH, "question")
    desk.ask(runtime, context.escalation_id, question=question, actor=user)


def _escalate_from_form(runtime: Runtime, key: CarriedKey, user: str, view: dict[str, Any]) -> EscalationCard:
    form_origin(view, key)
    values: Values = view.get("state", {}).get("values", {})
    instalments_text = text_of(values, BlockId.INSTALMENTS, ActionId.ESCALATION_INSTALMENTS_INPUT)
    amount = text_of(values, BlockId.AMOUNT, ActionId.AMOUNT_INPUT)
    within_limit(amount, MAX_AMOUNT_TEXT_LENGTH, "amount")
    if instalments_text and not (
        instalments_text.isascii() and instalments_text.isdigit() and len(instalments_text) <= 4
    ):
        raise UserError(_("The number of instalments is a whole number, like `6`."), field="instalments")
    until = (values.get(BlockId.UNTIL, {}).get(ActionId.ESCALATION_UNTIL_PICKER) or {}).get("selected_date")
    request = EscalationRequest(
        account_id=within_limit(
            selected(values, BlockId.ACCOUNT, ActionId.ACCOUNT_PICKER, "account"),
            MAX_ACCOUNT_ID_LENGTH,
            "account",
            "account id",
        ),
        kind=EscalationKind(selected(values, BlockId.KIND, ActionId.ESCALATION_KIND_SELECT, "kind")),
        amount_text=amount or None,
        instalments=int(instalments_text) if instalments_text else None,
        until_text=str(until)[:10] if until else None,
        reason=_reason(values),
    )
    return desk.escalate(runtime, actor=user, request=request)


def _reason(values: Values) -> str:
    reason = text_of(values, BlockId.REASON, ActionId.ESCALATION_REASON_INPUT)
    if not reason:
        raise UserError(_("Say why you are escalating."), field="reason")
    return within_limit(reason, MAX_NOTES_LENGTH, "reason")
