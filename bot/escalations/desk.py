"""The escalations' entry points for Slack: one transaction each, plain results back."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.escalations.model import EscalationCard
from bot.escalations.records.lookup import card_of, find_escalation, message_key, open_ones, posted_in
from bot.escalations.records.steps import (
    EscalationRequest,
    Moment,
    answer_question,
    answer_refusal_for,
    ask_for_info,
    decide,
    note_reply,
    raise_escalation,
    refresh_card,
    refusal_for,
)
from bot.ledger.desk import refusals_recorded
from bot.outbox.records import sent_ts
from bot.roster.records import find_member, supervises
from bot.runtime import Runtime


def _moment(runtime: Runtime) -> Moment:
    return Moment(now=runtime.now(), today=runtime.today(), zone=runtime.zone)


def escalate(runtime: Runtime, *, actor: str, request: EscalationRequest) -> EscalationCard:
    """Raises it (its channel message queued in the same transaction); `publish` posts it."""
    settings = runtime.settings
    with refusals_recorded(runtime, actor), runtime.db.transaction() as session:
        return raise_escalation(
            session, request, actor=actor, channel=settings.supervisor_channel, at=_moment(runtime),
            zone=settings.zone, profile=settings.compliance_profile, horizon_days=settings.promise_horizon_days,
        )  # fmt: skip


def permalink(runtime: Runtime, escalation_id: int) -> str | None:
    """The link to the escalation's message, once it is posted (None until then)."""
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
        return posted_in(session, escalation_id) == (channel, message_ts)


def refusal(runtime: Runtime, escalation_id: int, actor: str) -> str | None:
    with runtime.db.reading() as session:
        return refusal_for(session, find_escalation(session, escalation_id), actor, runtime.zone)


def decide_now(
    runtime: Runtime, escalation_id: int, *, approve: bool, comment: str | None, actor: str
) -> EscalationCard:
    link = permalink(runtime, escalation_id)  # for the agent's DM; asked before the transaction
    with runtime.db.transaction() as session:
        return decide(
            session,
            escalation_id,
            approve=approve,
            comment=comment,
            actor=actor,
            at=_moment(runtime),
            default_limit=runtime.settings.default_approval_limit,
            permalink=link,
        )


def ask(runtime: Runtime, escalation_id: int, *, question: str, actor: str) -> EscalationCard:
    """The question, into the thread and the agent's DM (queued with it, so sent exactly once)."""
    link = permalink(runtime, escalation_id)  # asked of Slack before the transaction, not inside it
    with runtime.db.transaction() as session:
        return ask_for_info(
            session, escalation_id, question=question, actor=actor, at=_moment(runtime), permalink=link
        )


def answer_refusal(runtime: Runtime, escalation_id: int, actor: str) -> str | None:
    with runtime.db.reading() as session:
        return answer_refusal_for(session, escalation_id, actor)


def card_to_answer(runtime: Runtime, escalation_id: int) -> EscalationCard:
    """The card the answer form shows: the request and the question asked."""
    with runtime.db.reading() as session:
        return card_of(
            session, find_escalation(session, escalation_id), runtime.today(), runtime.now(), runtime.zone
        )


def answer(runtime: Runtime, escalation_id: int, *, text: str, actor: str) -> EscalationCard:
    """The agent's answer from their DM's form: thread reply and note queued and kept with it."""
    link = permalink(runtime, escalation_id)
    with runtime.db.transaction() as session:
        return answer_question(
            session, escalation_id, answer=text, actor=actor, at=_moment(runtime), permalink=link
        )


def whose(runtime: Runtime, actor: str) -> str:
    with runtime.db.reading() as session:
        return "everyone's" if supervises(find_member(session, actor)) else "yours"


def open_escalations(runtime: Runtime, actor: str) -> list[EscalationCard]:
    """A supervisor sees every open escalation; anyone else, their own."""
    with runtime.db.reading() as session:
        found = open_ones(session, of=None if supervises(find_member(session, actor)) else actor)
        return [
            card_of(session, escalation, runtime.today(), runtime.now(), runtime.zone) for escalation in found
        ]


def note_thread_reply(
    runtime: Runtime, *, channel: str, thread_ts: str, ts: str, user: str, text: str
) -> bool:
    """A person's reply in an escalation's thread joins the account's history; the agent's answer
    to a question reopens the escalation. Returns False when the thread is no escalation's."""
    try:
        with runtime.db.transaction() as session:
            noted = note_reply(
                session,
                channel=channel,
                thread_ts=thread_ts,
                ts=ts,
                user=user,
                text=text,
                at=_moment(runtime),
            )
    except IntegrityError:
        return True  # the same reply delivered again: kept once already
    return noted
