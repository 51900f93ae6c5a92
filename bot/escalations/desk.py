"""The escalations' entry points for Slack: one transaction each, plain results back."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.escalations.model import EscalationCard
from bot.escalations.records.lookup import by_thread, card_of, find_escalation, message_key
from bot.escalations.records.steps import (
    EscalationRequest,
    Moment,
    ask_for_info,
    decide,
    raise_escalation,
    refresh_card,
    refusal_for,
    reopen_after_answer,
)
from bot.ledger.desk import refusals_recorded
from bot.outbox.desk import deliver_due
from bot.outbox.records import sent_ts
from bot.roster.records import find_member, supervises
from bot.runtime import Runtime
from bot.vocabulary import OPEN_ESCALATION_STATUSES, EscalationStatus
from storage.models import AccountNote, Escalation

log = logging.getLogger(__name__)


def _moment(runtime: Runtime) -> Moment:
    return Moment(now=runtime.now(), today=runtime.today())


def escalate(runtime: Runtime, *, actor: str, request: EscalationRequest) -> EscalationCard:
    """Raises it (its channel message queued in the same transaction); `publish` posts it."""
    settings = runtime.settings
    with refusals_recorded(runtime, actor), runtime.db.transaction() as session:
        return raise_escalation(
            session, request, actor=actor, channel=settings.supervisor_channel, at=_moment(runtime),
            zone=settings.zone, profile=settings.compliance_profile, horizon_days=settings.promise_horizon_days,
        )  # fmt: skip


def publish(runtime: Runtime, escalation_id: int) -> str | None:
    """Delivers what is queued (the escalation's message among it) and returns the message's link."""
    deliver(runtime)
    return permalink(runtime, escalation_id)


def deliver(runtime: Runtime) -> None:
    """Best effort right after a change; what fails here is retried by the scheduler's next tick."""
    try:
        deliver_due(runtime)
    except Exception:
        log.exception("delivery after a change failed; the scheduler retries it")


def permalink(runtime: Runtime, escalation_id: int) -> str | None:
    try:
        ts = sent_ts(runtime, message_key(escalation_id))
        answer = runtime.slack.chat_getPermalink(channel=runtime.settings.supervisor_channel, message_ts=ts)
    except Exception:  # not posted yet, or Slack is away: the agent gets the link-less answer
        return None
    link = answer.get("permalink")
    return str(link) if link else None


def card_for_decision(runtime: Runtime, escalation_id: int) -> EscalationCard:
    """The card a decision form shows; the channel message follows when the account changed."""
    with runtime.db.transaction() as session:
        return refresh_card(session, escalation_id, at=_moment(runtime))


def posted_as(runtime: Runtime, escalation_id: int, channel: str | None, message_ts: str | None) -> bool:
    """Whether the escalation's message is this one: the channel it was posted in, and its ts (a
    click on anything else is not about this escalation as it stands)."""
    with runtime.db.reading() as session:
        posted = session.execute(
            select(Escalation.channel, Escalation.message_ts).where(Escalation.id == escalation_id)
        ).first()
    return posted is not None and (posted.channel, posted.message_ts) == (channel, message_ts)


def refusal(runtime: Runtime, escalation_id: int, actor: str) -> str | None:
    with runtime.db.reading() as session:
        return refusal_for(session, find_escalation(session, escalation_id), actor)


def decide_now(
    runtime: Runtime, escalation_id: int, *, approve: bool, comment: str | None, actor: str
) -> EscalationCard:
    with runtime.db.transaction() as session:
        return decide(
            session,
            escalation_id,
            approve=approve,
            comment=comment,
            actor=actor,
            at=_moment(runtime),
            default_limit=runtime.settings.default_approval_limit,
        )


def ask(runtime: Runtime, escalation_id: int, *, question: str, actor: str) -> EscalationCard:
    with runtime.db.transaction() as session:
        return ask_for_info(session, escalation_id, question=question, actor=actor, at=_moment(runtime))


def whose(runtime: Runtime, actor: str) -> str:
    with runtime.db.reading() as session:
        return "everyone's" if supervises(find_member(session, actor)) else "yours"


def open_escalations(runtime: Runtime, actor: str) -> list[EscalationCard]:
    """A supervisor sees every open escalation; anyone else, their own."""
    with runtime.db.reading() as session:
        query = select(Escalation).where(Escalation.status.in_([str(s) for s in OPEN_ESCALATION_STATUSES]))
        if not supervises(find_member(session, actor)):
            query = query.where(Escalation.requested_by == actor)
        found = session.scalars(query.order_by(Escalation.requested_at)).all()
        return [card_of(session, escalation, runtime.today(), runtime.now()) for escalation in found]


def note_thread_reply(
    runtime: Runtime, *, channel: str, thread_ts: str, ts: str, user: str, text: str
) -> bool:
    """A person's reply in an escalation's thread joins the account's history; the agent's answer
    to a question reopens the escalation. Returns False when the thread is no escalation's."""
    try:
        with runtime.db.transaction() as session:
            escalation = by_thread(session, channel, thread_ts)
            if escalation is None:
                return False
            session.add(
                AccountNote(
                    account_pk=escalation.account_pk,
                    escalation_id=escalation.id,
                    author=user,
                    text=text,
                    at=runtime.now(),
                    slack_ts=ts,
                )
            )
            session.flush()
            if escalation.status == EscalationStatus.WAITING_INFO and user == escalation.requested_by:
                reopen_after_answer(session, escalation, at=_moment(runtime))
    except IntegrityError:
        return True  # the same reply delivered again: kept once already
    deliver(runtime)
    return True
