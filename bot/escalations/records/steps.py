"""Raising and deciding escalations, each step inside the transaction the desk opens, queueing in the
outbox every message it causes: the channel message and its edits, the thread replies, the agent's
DM."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.access import TOLD_OF_RECOMMENDATIONS
from bot.blocks.escalations import (
    answer_reply,
    answered_dm,
    decision_reply,
    escalation_message,
    outcome_dm,
    question_dm,
    question_reply,
    recommendation_reply,
)
from bot.blocks.kit import Reply
from bot.blocks.mrkdwn import team_time
from bot.compliance.records import guard_escalation
from bot.errors import ConflictError, UserError
from bot.escalations.model import EscalationCard
from bot.escalations.records.effects import apply_effect, effect_now, locked_account, remember_request
from bot.escalations.records.lookup import (
    by_thread,
    card_of,
    find_escalation,
    message_key,
    open_escalation_of,
)
from bot.escalations.rules import (
    DecisionEffect,
    answer_refusal,
    approval_refusal,
    check_request,
    comment_refusal,
    needs_manager,
)
from bot.language.model import N_, _
from bot.language.render import speaking_in_channel, speaking_to
from bot.ledger.records.accounts import find_account
from bot.outbox.records import ESCALATION_KIND, enqueue, latest_key
from bot.parsing.amounts import parse_amount
from bot.parsing.command import EscalateCommand
from bot.parsing.dates import DEFAULT_PROMISE_HORIZON_DAYS, parse_future_date
from bot.roster.records import find_member
from bot.vocabulary import OPEN_ESCALATION_STATUSES, EscalationStatus
from storage.models import AccountNote, Agent, Escalation

UTC_ZONE = ZoneInfo("UTC")


# Typed or filled in the form, a request carries exactly what `/collect escalate` parses into.
EscalationRequest: TypeAlias = EscalateCommand


@dataclass(frozen=True, slots=True)
class Moment:
    """When a step happens: the instant, and the team's day."""

    now: datetime
    today: date
    zone: ZoneInfo = UTC_ZONE
    """The team's: the fallback of the times the cards show."""


def raise_escalation(
    session: Session, request: EscalationRequest, *, actor: str, channel: str, at: Moment,
    zone: ZoneInfo = UTC_ZONE, profile: str = "us", horizon_days: int = DEFAULT_PROMISE_HORIZON_DAYS,
) -> EscalationCard:  # fmt: skip
    if not channel:
        raise UserError(
            _("There is no supervisors' channel to escalate to."),
            _("Ask an admin to set COLLECT_SUPERVISOR_CHANNEL."),
        )
    account = find_account(session, request.account_id, for_update=True, actor=actor, today=at.today)
    guard_escalation(session, account, request.kind, now=at.now, zone=zone, profile=profile)
    earlier = open_escalation_of(session, account.id)
    if earlier is not None:
        raise ConflictError(
            _("`{account_id}` already has an open escalation: #{number}, {kind}, raised {day}.").format(
                account_id=account.account_id,
                number=earlier.id,
                kind=earlier.kind,
                day=team_time(earlier.requested_at, at.zone, "{date_num}"),
            ),
            _("Add to its thread instead, or wait for its decision."),
        )
    amount = parse_amount(request.amount_text, account.currency) if request.amount_text else None
    until = parse_future_date(request.until_text, at.today) if request.until_text else None
    check_request(
        request.kind, account.balance, amount, count=request.instalments, until=until, today=at.today,
        currency=account.currency, horizon_days=horizon_days,
    )  # fmt: skip
    escalation = Escalation(
        account_pk=account.id,
        kind=request.kind,
        amount=amount,
        currency=account.currency,
        instalments=request.instalments,
        until=until,
        reason=request.reason,
        status=EscalationStatus.OPEN,
        requested_by=actor,
        requested_at=at.now,
        channel=channel,
    )
    remember_request(escalation, account)
    session.add(escalation)
    session.flush()
    card = card_of(session, escalation, at.today, at.now, at.zone)
    key = message_key(escalation.id)
    with speaking_in_channel():
        message = escalation_message(card)
    enqueue(session, key=key, kind=ESCALATION_KIND, channel=channel, reply=message, now=at.now)
    _audit(session, escalation, actor, "escalation.raised", at.now, before=None)
    return card


def refusal_for(
    session: Session, escalation: Escalation, actor: str, zone: ZoneInfo = UTC_ZONE
) -> str | None:
    """Why `actor` may not act on it now, in a sentence; None when they may."""
    member = find_member(session, actor)
    refusal = approval_refusal(
        # Asked here, under the escalation's lock: the gate's roster check may be seconds old.
        decider_role=member.role if member and member.active else "",
        decider_id=actor,
        requested_by=escalation.requested_by,
        status=EscalationStatus(escalation.status),
    )
    if refusal and escalation.decided_by and escalation.decided_at:
        who = find_member(session, escalation.decided_by)
        name = who.name if who else escalation.decided_by
        when = team_time(escalation.decided_at, zone, "{date_num} {time}")
        said = _ALREADY_DECIDED_BY.get(
            EscalationStatus(escalation.status), N_("It was already decided by {name} at {when}.")
        )
        return _(said).format(name=name, when=when)
    return refusal


_ALREADY_DECIDED_BY = {
    EscalationStatus.APPROVED: N_("It was already approved by {name} at {when}."),
    EscalationStatus.REJECTED: N_("It was already rejected by {name} at {when}."),
    EscalationStatus.RETURNED: N_("It was already returned by {name} at {when}."),
    EscalationStatus.RECOMMENDED: N_("It was already recommended by {name} at {when}."),
}


def decide(
    session: Session,
    escalation_id: int,
    *,
    approve: bool,
    comment: str | None,
    actor: str,
    at: Moment,
    default_limit: Decimal,
    permalink: str | None = None,
) -> EscalationCard:
    """Approve (with conditions, if any) or reject (saying why). Above a supervisor's approval
    limit an approval becomes a recommendation. `permalink` links the agent's DM to the thread."""
    escalation = find_escalation(session, escalation_id, for_update=True)
    refusal = refusal_for(session, escalation, actor, at.zone)
    if refusal:
        raise ConflictError(refusal, field="comment")
    needed = comment_refusal(approve=approve, comment=comment)
    if needed:
        raise UserError(needed, field="comment")
    member = find_member(session, actor)
    assert member is not None  # people off the roster are refused above
    before = _state(escalation)
    # The account as it is now, locked until the decision is written: the effect computed here is
    # the one the limit is checked against and the one applied.
    account = locked_account(session, escalation)
    effect = effect_now(escalation, account, at.today)
    if approve and not effect.returned and _above_limit(effect, member, default_limit):
        escalation.status = EscalationStatus.RECOMMENDED
        escalation.recommended_by, escalation.recommended_at, escalation.comment = actor, at.now, comment
        card = card_of(session, escalation, at.today, at.now, at.zone)
        managers = _managers(session)
        _reply_in_thread(
            session, escalation, lambda: recommendation_reply(card, managers), at.now, "recommended"
        )
    else:
        escalation.decided_by, escalation.decided_at, escalation.comment = actor, at.now, comment
        if not approve:
            escalation.status = EscalationStatus.REJECTED
        elif effect.returned:
            escalation.status, escalation.returned_because = (
                EscalationStatus.RETURNED,
                effect.returned_because,
            )
        else:
            escalation.status = EscalationStatus.APPROVED
            apply_effect(session, account, escalation, effect, actor=actor, now=at.now)
        card = card_of(session, escalation, at.today, at.now, at.zone)
        _reply_in_thread(session, escalation, lambda: decision_reply(card), at.now, "decision")
        _tell_agent(
            session, escalation, "outcome", "escalation-outcome", lambda: outcome_dm(card, permalink), at.now
        )
    _edit_message(session, escalation, card, at.now)
    _audit(session, escalation, actor, f"escalation.{escalation.status}", at.now, before=before)
    return card


def ask_for_info(
    session: Session,
    escalation_id: int,
    *,
    question: str,
    actor: str,
    at: Moment,
    permalink: str | None = None,
) -> EscalationCard:
    """The question goes into the thread and, with an Answer button, to the agent's DM: the
    supervisors' channel is not a place the agent sees. `permalink` links the DM to the thread."""
    escalation = find_escalation(session, escalation_id, for_update=True)
    refusal = refusal_for(session, escalation, actor, at.zone)
    if refusal:
        raise ConflictError(refusal, field="question")
    before = _state(escalation)
    escalation.status = EscalationStatus.WAITING_INFO
    escalation.question, escalation.asked_by, escalation.asked_at = question, actor, at.now
    card = card_of(session, escalation, at.today, at.now, at.zone)
    asked = uuid.uuid4().hex
    agent = escalation.requested_by
    _reply_in_thread(
        session, escalation, lambda: question_reply(actor, agent, question), at.now, f"question:{asked}"
    )
    _tell_agent(
        session,
        escalation,
        f"question-dm:{asked}",
        "escalation-question",
        lambda: question_dm(card, permalink),
        at.now,
    )
    _edit_message(session, escalation, card, at.now)
    _audit(
        session, escalation, actor, "escalation.asked", at.now, before=before, extra={"question": question}
    )
    return card


def reopen_after_answer(
    session: Session, escalation: Escalation, *, answer: str, at: Moment, permalink: str | None = None
) -> None:
    """The agent answered (in the thread, or with the form of their DM): the question is settled
    and the escalation waits for a decision. The question's DM loses its Answer button."""
    before = _state(escalation)
    escalation.status = EscalationStatus.OPEN
    card = card_of(session, escalation, at.today, at.now, at.zone)
    _edit_message(session, escalation, card, at.now)
    question_dm_key = latest_key(session, f"{message_key(escalation.id)}:question-dm:")
    if question_dm_key is not None:
        with speaking_to(escalation.requested_by):
            answered = answered_dm(card, answer, permalink)
        enqueue(
            session, key=f"{question_dm_key}:answered", kind="escalation-answered",
            channel=escalation.requested_by, reply=answered, now=at.now, update_key=question_dm_key,
        )  # fmt: skip
    _audit(
        session, escalation, escalation.requested_by, "escalation.answered", at.now, before=before,
        extra={"question": escalation.question, "answer": answer},
    )  # fmt: skip


def answer_question(
    session: Session, escalation_id: int, *, answer: str, actor: str, at: Moment, permalink: str | None = None
) -> EscalationCard:
    """The agent's answer from the form of their DM: into the escalation's thread and the account's
    notes, as a reply typed there would be, and the escalation back with the supervisors. Only the
    requesting agent answers, and only while it waits for the answer (asked under its lock)."""
    escalation = find_escalation(session, escalation_id, for_update=True)
    refusal = answer_refusal(
        answerer_id=actor, requested_by=escalation.requested_by, status=EscalationStatus(escalation.status)
    )
    if refusal:
        raise ConflictError(refusal, field="answer")
    session.add(
        AccountNote(
            account_pk=escalation.account_pk, escalation_id=escalation.id, author=actor, text=answer,
            at=at.now,
        )
    )  # fmt: skip
    _reply_in_thread(
        session, escalation, lambda: answer_reply(actor, answer), at.now, f"answer:{uuid.uuid4().hex}"
    )
    reopen_after_answer(session, escalation, answer=answer, at=at, permalink=permalink)
    return card_of(session, escalation, at.today, at.now, at.zone)


def answer_refusal_for(session: Session, escalation_id: int, actor: str) -> str | None:
    """Why `actor` may not answer the escalation's question now (a click on the DM's button)."""
    escalation = find_escalation(session, escalation_id)
    return answer_refusal(
        answerer_id=actor, requested_by=escalation.requested_by, status=EscalationStatus(escalation.status)
    )


def note_reply(
    session: Session, *, channel: str, thread_ts: str, ts: str, user: str, text: str, at: Moment
) -> bool:
    """A reply in an escalation's thread, kept as a note on the account (once per message ts); the
    agent's answer to a question reopens the escalation. False when the thread is no escalation's."""
    escalation = by_thread(session, channel, thread_ts)
    if escalation is None:
        return False
    session.add(
        AccountNote(
            account_pk=escalation.account_pk, escalation_id=escalation.id, author=user, text=text,
            at=at.now, slack_ts=ts,
        )
    )  # fmt: skip
    session.flush()
    if escalation.status == EscalationStatus.WAITING_INFO and user == escalation.requested_by:
        reopen_after_answer(session, escalation, answer=text, at=at)
    return True


def _tell_agent(
    session: Session, escalation: Escalation, what: str, kind: str, render: Callable[[], Reply], now: datetime
) -> None:
    """A direct message to the agent who escalated, queued once per escalation and `what`, in the
    agent's language."""
    with speaking_to(escalation.requested_by):
        reply = render()
    enqueue(
        session, key=f"{message_key(escalation.id)}:{what}", kind=kind, channel=escalation.requested_by,
        reply=reply, now=now,
    )  # fmt: skip


def _above_limit(effect: DecisionEffect, member: Agent, default_limit: Decimal) -> bool:
    limit = member.approval_limit if member.approval_limit is not None else default_limit
    return needs_manager(effect.forgiven, decider_role=member.role, approval_limit=limit)


def refresh_card(session: Session, escalation_id: int, *, at: Moment) -> EscalationCard:
    """The card as a decider is about to see it in the form. When the account changed since the
    request in a way that matters, the channel message is brought up to date to say so too."""
    escalation = find_escalation(session, escalation_id)
    card = card_of(session, escalation, at.today, at.now, at.zone)
    if card.notice and card.status in OPEN_ESCALATION_STATUSES and escalation.message_ts:
        _edit_message(session, escalation, card, at.now)
    return card


def _managers(session: Session) -> list[str]:
    query = select(Agent.slack_user_id).where(
        Agent.role.in_(sorted(TOLD_OF_RECOMMENDATIONS)), Agent.active.is_(True)
    )
    return list(session.scalars(query.order_by(Agent.slack_user_id)))


def _reply_in_thread(
    session: Session, escalation: Escalation, render: Callable[[], Reply], now: datetime, step: str
) -> None:
    """In the escalation's thread in the channel: in the team's language."""
    with speaking_in_channel():
        reply = render()
    key = message_key(escalation.id)
    enqueue(
        session,
        key=f"{key}:{step}",
        kind="escalation-reply",
        channel=escalation.channel,
        reply=reply,
        now=now,
        thread_key=key,
    )


def _edit_message(session: Session, escalation: Escalation, card: EscalationCard, now: datetime) -> None:
    """The channel message shows the current state; each change queues one edit, sent in order."""
    key = message_key(escalation.id)
    with speaking_in_channel():
        message = escalation_message(card)
    enqueue(
        session,
        key=f"{key}:edit:{uuid.uuid4().hex}",
        kind="escalation-edit",
        channel=escalation.channel,
        reply=message,
        now=now,
        update_key=key,
    )


def _state(escalation: Escalation) -> dict[str, object]:
    return audit.snapshot(
        {
            "status": escalation.status,
            "kind": escalation.kind,
            "amount": escalation.amount,
            "decided_by": escalation.decided_by,
            "recommended_by": escalation.recommended_by,
            "applied_amount": escalation.applied_amount,
            "returned_because": escalation.returned_because,
        }
    )


def _audit(
    session: Session,
    escalation: Escalation,
    actor: str,
    action: str,
    now: datetime,
    *,
    before: dict[str, object] | None,
    extra: dict[str, object] | None = None,
) -> None:
    after = {**_state(escalation), "comment": escalation.comment, **(extra or {})}
    audit.record(
        session,
        at=now,
        actor=actor,
        action=action,
        entity="escalation",
        entity_key=str(escalation.id),
        before=before,
        after=after,
    )
