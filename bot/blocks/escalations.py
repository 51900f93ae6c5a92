"""Escalations in Block Kit: the supervisors' message and its thread replies, the agent's DM and
confirmation, `/collect escalations`, and the three forms (escalate, decide, ask for info).

Pure functions of bot.escalations.model.EscalationCard. Every text a person or a customer wrote
(customer name, reason, comment, question) is escaped and clipped without cutting an escape in
half, and each cap below is sized so that no input can push a message past Slack's limits (section
3,000 characters, 50 blocks, and about 13,000 characters of text per message).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bot.blocks.kit import (
    SECTION_TEXT_LIMIT,
    Block,
    Reply,
    actions,
    button,
    context,
    header,
    lines_within,
    pack_lines,
    plain,
    section,
)
from bot.blocks.modals import _account_input, _input, _static_select, _text_input
from bot.blocks.mrkdwn import channel_icon, clip_escaped, escape, local_time, mention, one_line
from bot.escalations.model import EscalationCard
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import DecisionContext, ModalOrigin, QuestionToAnswer
from bot.language.model import N_, _, counted, number, said_kept, speaker
from bot.ledger.model import ContactLine
from bot.vocabulary import (
    CLOSED_STATUSES,
    OPEN_ESCALATION_STATUSES,
    EscalationKind,
    EscalationStatus,
    channel_name,
    status_name,
)

View = dict[str, Any]

NAME_LIMIT = 100
ACCOUNT_ID_LIMIT = 64
REASON_LIMIT = 2400
COMMENT_LIMIT = 2400
QUESTION_LIMIT = 2600
MODAL_REASON_LIMIT = 1500
CONTACT_WORD_LIMIT = 30
RECENT_CONTACTS = 3
MENTIONS_LIMIT = 25
INPUT_MAX_LENGTH = 2000
# `/collect escalations`: rows are capped, and rows are added until this much text is used, which
# leaves room under the ~13,000 characters for the header and the "and N more" line.
LIST_ROW_LIMIT = 400
LIST_QUESTION_LIMIT = 300
LIST_TEXT_BUDGET = 10_000
MODAL_TEXT_LIMIT = 24

KIND_LABELS: dict[EscalationKind, str] = {
    EscalationKind.PAYMENT_PLAN: N_("Payment plan"),
    EscalationKind.SETTLEMENT: N_("Settlement"),
    EscalationKind.WRITE_OFF: N_("Write-off"),
    EscalationKind.LEGAL: N_("Legal referral"),
    EscalationKind.HARDSHIP: N_("Hardship pause"),
    EscalationKind.DISPUTE_REVIEW: N_("Dispute review"),
}

_KIND_CHOICES: dict[EscalationKind, str] = {
    EscalationKind.PAYMENT_PLAN: N_("Payment plan (instalments)"),
    EscalationKind.SETTLEMENT: N_("Settlement (accept less)"),
    EscalationKind.WRITE_OFF: N_("Write off"),
    EscalationKind.LEGAL: N_("Refer to legal"),
    EscalationKind.HARDSHIP: N_("Hardship pause"),
    EscalationKind.DISPUTE_REVIEW: N_("Review a dispute"),
}

_DECIDED = frozenset({EscalationStatus.APPROVED, EscalationStatus.REJECTED, EscalationStatus.RETURNED})
_SAFE_URL = re.compile(r"https?://[^\s<>|]{1,300}")


# --- Text pieces ---------------------------------------------------------------------------------


def _quote(text: str | None, limit: int) -> str:
    """Someone's text as a mrkdwn quote, line breaks kept; empty when there is nothing to show."""
    lines = [escape(line).strip() for line in (text or "").splitlines() if line.strip()]
    return clip_escaped("\n".join(f"> {line}" for line in lines), limit)


def _code(text: str) -> str:
    return "`" + one_line(text.replace("`", "'"), ACCOUNT_ID_LIMIT) + "`"


def _name(card: EscalationCard) -> str:
    return one_line(card.customer_name, NAME_LIMIT) or _("(no name)")


def _who(user: str | None) -> str:
    return mention(user) if user and any(ch.isalnum() for ch in user) else _("someone")


def _mentions(users: Sequence[str]) -> str:
    unique = list(dict.fromkeys(u for u in users if any(ch.isalnum() for ch in u)))
    text = " ".join(mention(u) for u in unique[:MENTIONS_LIMIT])
    hidden = len(unique) - MENTIONS_LIMIT
    return _("{names} and {count} more").format(names=text, count=number(hidden)) if hidden > 0 else text


def _instalments(n: int) -> str:
    return counted("{count} instalment", "{count} instalments", n)


def _money(amount: Decimal, card: EscalationCard) -> str:
    return speaker().money(amount, card.currency)


def _day(day: date) -> str:
    """A calendar day as the reader writes it: `Dec 31, 2026`, `31 de dez. de 2026`."""
    return speaker().day(day)


def _utc(at: datetime) -> datetime:
    """Naive datetimes are taken as UTC, as the database stores them."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _when(at: datetime, card: EscalationCard) -> str:
    return local_time(_utc(at), card.zone)


def _hours(hours: float) -> str:
    if hours < 1:
        return _("{count} min").format(count=number(max(0, int(hours * 60))))
    return _("{count} h").format(count=number(int(hours)))


def _age(since: datetime, now: datetime) -> str:
    seconds = max(0.0, (_utc(now) - _utc(since)).total_seconds())
    if seconds < 86_400:
        return _hours(seconds / 3600)
    return _("{count} d").format(count=number(int(seconds // 86_400)))


def _link(url: str | None, label: str) -> str | None:
    """A mrkdwn link, or None when there is no URL or it would break the `<url|label>` syntax."""
    if url is None or not _SAFE_URL.fullmatch(url):
        return None
    return f"<{url}|{label}>"


def kind_noun(kind: EscalationKind) -> str:
    """`settlement`, `payment plan`, `legal referral`: the kind inside a sentence."""
    return _(KIND_LABELS[kind]).lower()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fallback(card: EscalationCard, what: str) -> str:
    """A notification text: the account id (escaped, as `text` is read as mrkdwn), no customer."""
    return _("{what}: {kind} on {account_id}").format(
        what=what, kind=kind_noun(card.kind), account_id=one_line(card.account_id, ACCOUNT_ID_LIMIT)
    )


# --- The request in words ------------------------------------------------------------------------


def request_in_words(card: EscalationCard) -> str:
    """Plain words (not escaped) for what the agent asks, e.g. `settle for $3,000.00 (forgives
    $1,310.00)`; escape before putting them in mrkdwn."""
    match card.kind:
        case EscalationKind.SETTLEMENT:
            return _settlement_words(card)
        case EscalationKind.PAYMENT_PLAN:
            return _plan_words(card)
        case EscalationKind.WRITE_OFF:
            return _("write off {amount}").format(amount=_written_off(card))
        case EscalationKind.LEGAL:
            return _("refer to legal")
        case EscalationKind.HARDSHIP if card.until:
            return _("pause collection (hardship) until {date}").format(date=_day(card.until))
        case EscalationKind.HARDSHIP:
            return _("pause collection (hardship)")
        case _:
            return _("review a dispute")


def _settlement_words(card: EscalationCard) -> str:
    text = (
        _("settle")
        if card.amount is None
        else _("settle for {amount}").format(amount=_money(card.amount, card))
    )
    if card.forgiven > 0:
        text += " " + _("(forgives {amount})").format(amount=_money(card.forgiven, card))
    return text


def _plan_words(card: EscalationCard) -> str:
    if card.instalments:
        text = counted(
            "payment plan: {count} monthly instalment",
            "payment plan: {count} monthly instalments",
            card.instalments,
        )
    else:
        text = _("payment plan: monthly instalments")
    if card.amount is not None:
        text += " " + _("of {amount}").format(amount=_money(card.amount, card))
    if card.until:
        text += " " + _("(last on {date})").format(date=_day(card.until))
    return text


def _written_off(card: EscalationCard) -> str:
    if card.amount is not None:
        return _money(card.amount, card)
    return _money(card.forgiven, card) if card.forgiven > 0 else _("the balance")


def _request(card: EscalationCard) -> str:
    return escape(request_in_words(card))


# --- What a decision does ------------------------------------------------------------------------


def _first_instalment(card: EscalationCard) -> date | None:
    """Monthly instalments ending on `until`: the first is (n - 1) months before, day clamped."""
    if not card.until or not card.instalments or card.instalments < 2:
        return None
    months = card.until.year * 12 + card.until.month - 1 - (card.instalments - 1)
    year, month = divmod(months, 12)
    if year < 1:
        return None
    day = min(card.until.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def _plan_effect(card: EscalationCard) -> str:
    if card.schedule:
        return _schedule_effect(card)
    text = _instalments(card.instalments) if card.instalments else _("The instalments")
    if card.amount is not None:
        text += " " + _("of {amount}").format(amount=_money(card.amount, card))
    text += " " + _("scheduled")
    first = _first_instalment(card)
    if first:
        text += _(", the first on {date}").format(date=_day(first))
    if card.until:
        text += _(", the last on {date}").format(date=_day(card.until))
    return text + "."


def _schedule_effect(card: EscalationCard) -> str:
    """The instalments as scheduled (or as approving would schedule them now)."""
    first, last = card.schedule[0], card.schedule[-1]
    text = _("{instalments} of {amount} scheduled").format(
        instalments=_instalments(len(card.schedule)), amount=_money(first.amount, card)
    )
    if last.amount != first.amount:
        text += " " + _("(the last {amount})").format(amount=_money(last.amount, card))
    text += _(", the first on {date}").format(date=_day(first.due_date))
    if len(card.schedule) > 1:
        text += _(", the last on {date}").format(date=_day(last.due_date))
    return text + "."


def _write_off_effect(card: EscalationCard) -> str:
    if card.applied is None:
        return _("Written off {amount}.").format(amount=_written_off(card))
    text = _("Written off {amount}").format(amount=_money(card.applied, card))
    if card.amount is not None and card.applied < card.amount:
        text += " " + _("(capped at the balance at the decision: {amount} was requested)").format(
            amount=_money(card.amount, card)
        )
    return text + "."


def _approved_effect(card: EscalationCard) -> str:
    match card.kind:
        case EscalationKind.PAYMENT_PLAN:
            return _plan_effect(card)
        case EscalationKind.SETTLEMENT if card.amount is not None:
            return _("Settlement agreed: the account closes once {amount} is paid.").format(
                amount=_money(card.amount, card)
            )
        case EscalationKind.SETTLEMENT:
            return _("Settlement agreed.")
        case EscalationKind.WRITE_OFF:
            return _write_off_effect(card)
        case EscalationKind.LEGAL:
            return _("The account is referred to legal.")
        case EscalationKind.HARDSHIP if card.until:
            return _("The account is on hold until {date}.").format(date=_day(card.until))
        case EscalationKind.HARDSHIP:
            return _("The account is on hold.")
        case _:
            return _("The dispute review is approved.")


def _effect(card: EscalationCard) -> str:
    if card.status == EscalationStatus.APPROVED:
        return escape(_approved_effect(card))
    if card.status == EscalationStatus.RETURNED:
        return _("Sent back to {agent}{why} Nothing changed on the account.").format(
            agent=_who(card.requested_by), why=_why_returned(card)
        )
    return _("Nothing changes on the account.")


def _why_returned(card: EscalationCard) -> str:
    """`: the account is now paid.`, or `.` when the reason was not kept."""
    if not card.notice:
        return "."
    why = said_kept(card.notice, apart="")
    return f": {escape(why[:1].lower() + why[1:])}."


def _notice(card: EscalationCard) -> str:
    """How the account changed since the request, while a decision is still to come."""
    return _(":warning: *The account changed since the request.* {notice}").format(
        notice=escape(said_kept(card.notice, apart="") if card.notice else "")
    )


def _require_decided(card: EscalationCard) -> None:
    if card.status not in _DECIDED:
        raise ValueError(f"escalation {card.id} is {card.status}, not decided yet")


# --- The supervisors' message --------------------------------------------------------------------


def escalation_message(card: EscalationCard) -> Reply:
    """The one message in the supervisors' channel; updated in place as the escalation moves on."""
    account_id = " ".join(card.account_id.split())[:ACCOUNT_ID_LIMIT]
    blocks = [
        header(
            _("Escalation: {kind} on {account_id}").format(kind=kind_noun(card.kind), account_id=account_id)
        ),
        _summary_section(card),
        context(*_contact_summary(card)),
    ]
    if card.status in OPEN_ESCALATION_STATUSES and card.notice:
        blocks.append(section(_notice(card)))
    blocks.append(section(_status_text(card)))
    if card.status in OPEN_ESCALATION_STATUSES:
        blocks.append(decision_buttons(card.id))
    return Reply(text=_fallback(card, _("Escalation")), blocks=blocks)


def _summary_section(card: EscalationCard) -> Block:
    text = f"*{_name(card)}* · {_code(card.account_id)}\n" + _("*Request:* {request}").format(
        request=_request(card)
    )
    reason = _quote(card.reason, REASON_LIMIT)
    if reason:
        text += "\n" + _("*Reason*") + f"\n{reason}"
    dpd = number(card.days_past_due) if card.days_past_due > 0 else _("current")
    # A closed account owes nothing past due, however old its due date: its status says so.
    standing = (
        _("*Status*") + f"\n{status_name(card.account_status)}"
        if card.account_status in CLOSED_STATUSES
        else _("*Days past due*") + f"\n{dpd}"
    )
    fields = [
        _("*Balance*") + f"\n{escape(_money(card.balance, card))}",
        standing,
        _("*Requested by*") + f"\n{_who(card.requested_by)}",
        _("*Requested*") + f"\n{_when(card.requested_at, card)}",
    ]
    return section(text, fields=fields)


def _contact_summary(card: EscalationCard) -> list[str]:
    attempts = _("*{attempts}* in the last 30 days").format(
        attempts=counted("{count} attempt", "{count} attempts", card.attempts_last_30_days)
    )
    recent = card.recent_contacts[:RECENT_CONTACTS]
    if not recent:
        return [attempts, _("No contact logged yet")]
    return [attempts, *(_contact_text(contact, card) for contact in recent)]


def _contact_text(contact: ContactLine, card: EscalationCard) -> str:
    channel = one_line(channel_name(contact.channel), CONTACT_WORD_LIMIT) or "?"
    outcome = one_line(contact.outcome, CONTACT_WORD_LIMIT) or "?"
    return f"{channel_icon(contact.channel)} {_when(contact.at, card)} · {channel} · {outcome}"


def _status_text(card: EscalationCard) -> str:
    match card.status:
        case EscalationStatus.OPEN:
            return _(":large_yellow_circle: *Open*: waiting for a supervisor's decision")
        case EscalationStatus.WAITING_INFO:
            return _(":hourglass: waiting for {agent}'s answer").format(agent=_who(card.requested_by))
        case EscalationStatus.RECOMMENDED:
            return _with_comment(_recommended_text(card), card)
        case _:
            return _with_comment(_decided_text(card), card)


def _recommended_text(card: EscalationCard) -> str:
    if card.forgiven > 0:
        return _(
            ":raising_hand: Recommended by {supervisor} — a manager decides (forgives {amount}, above their limit)"
        ).format(supervisor=_who(card.recommended_by), amount=escape(_money(card.forgiven, card)))
    return _(":raising_hand: Recommended by {supervisor} — a manager decides (above their limit)").format(
        supervisor=_who(card.recommended_by)
    )


def _decided_text(card: EscalationCard) -> str:
    icon, verb = _verdict(card)
    text = f"{icon} " + _("*{verb}* by {decider}").format(
        verb=verb.capitalize(), decider=_who(card.decided_by)
    )
    if card.decided_at:
        text += f" {_when(card.decided_at, card)}"
    if card.recommended_by and card.recommended_by != card.decided_by:
        text += _(", recommended by {supervisor}").format(supervisor=_who(card.recommended_by))
    if card.status != EscalationStatus.REJECTED:
        text += f"\n{_effect(card)}"
    return text


def _with_comment(text: str, card: EscalationCard) -> str:
    comment = _quote(card.comment, COMMENT_LIMIT)
    return f"{text}\n{comment}" if comment else text


def decision_buttons(escalation_id: int) -> Block:
    """Approve, Reject, Ask for info: on the escalation's message and on the supervisors' Home."""
    value = str(escalation_id)
    return actions(
        button(_("Approve"), ActionId.ESCALATION_APPROVE, value, style="primary"),
        button(_("Reject"), ActionId.ESCALATION_REJECT, value, style="danger"),
        button(_("Ask for info"), ActionId.ESCALATION_ASK_INFO, value),
    )


# --- Thread replies ------------------------------------------------------------------------------


def _comment_blocks(card: EscalationCard) -> list[Block]:
    """The decider's (or recommender's) comment in a section of its own, so that it always fits."""
    comment = _quote(card.comment, COMMENT_LIMIT)
    return [section(comment)] if comment else []


_COMMENT_LABELS = {
    EscalationStatus.APPROVED: N_("Conditions"),
    EscalationStatus.REJECTED: N_("Why"),
    EscalationStatus.RETURNED: N_("Comment"),
}


def _decision_comment_blocks(card: EscalationCard) -> list[Block]:
    """A decision's comment, named for what it is to the agent: an approval's conditions, or why
    it was rejected."""
    comment = _quote(card.comment, COMMENT_LIMIT)
    if not comment:
        return []
    return [section(f"*{_(_COMMENT_LABELS.get(card.status, N_('Comment')))}*\n{comment}")]


def _verdict(card: EscalationCard) -> tuple[str, str]:
    if card.status == EscalationStatus.APPROVED:
        return ":white_check_mark:", _("approved")
    if card.status == EscalationStatus.RETURNED:
        return ":leftwards_arrow_with_hook:", _("returned")
    return ":x:", _("rejected")


def decision_reply(card: EscalationCard) -> Reply:
    """The thread reply once approved or rejected: who, the request, what happens, the comment."""
    _require_decided(card)
    icon, verb = _verdict(card)
    decided = {"decider": _who(card.decided_by), "request": _request(card)}
    if card.status == EscalationStatus.APPROVED:
        text = _("{decider} approved the request — {request}.").format(**decided)
    elif card.status == EscalationStatus.RETURNED:
        text = _("{decider} returned the request — {request}.").format(**decided)
    else:
        text = _("{decider} rejected the request — {request}.").format(**decided)
    text = f"{icon} {text}"
    if card.recommended_by and card.recommended_by != card.decided_by:
        text += " " + _("It was recommended by {supervisor}.").format(supervisor=_who(card.recommended_by))
    blocks = [section(f"{text}\n{_effect(card)}"), *_decision_comment_blocks(card)]
    return Reply(text=_fallback(card, verb.capitalize()), blocks=blocks)


def recommendation_reply(card: EscalationCard, managers: list[str]) -> Reply:
    """A supervisor approved above their limit: the managers are tagged to make the decision."""
    text = _(
        ":raising_hand: {supervisor} recommends approving: {request}. It is above their approval limit, so a"
        " manager decides."
    ).format(supervisor=_who(card.recommended_by), request=_request(card))
    who = _mentions(managers)
    if who:
        text += "\n" + _("{managers}: please decide with the buttons on the message above.").format(
            managers=who
        )
    else:
        text += "\n" + _(":warning: No manager is set up to decide: ask an admin to add one.")
    blocks = [section(text), *_comment_blocks(card)]
    return Reply(text=_fallback(card, _("Recommended, a manager decides")), blocks=blocks)


def question_reply(asker: str, agent: str, question: str) -> Reply:
    """A supervisor's question to the agent, in the escalation's thread."""
    text = _(":question: {asker} asks {agent}:").format(asker=_who(asker), agent=_who(agent))
    quoted = _quote(question, QUESTION_LIMIT)
    if quoted:
        text += f"\n{quoted}"
    # The fallback is plain words (kit.Reply escapes it whole): the mentions are in the block.
    return Reply(text=_("A question on the escalation"), blocks=[section(text)])


def answer_reply(agent: str, answer: str) -> Reply:
    """The agent's answer to a question, given in the form of their DM, in the escalation's thread."""
    text = _(":speech_balloon: {agent} answers:").format(agent=_who(agent))
    quoted = _quote(answer, QUESTION_LIMIT)
    if quoted:
        text += f"\n{quoted}"
    return Reply(text=_("The agent's answer on the escalation"), blocks=[section(text)])


def _waiting_for(card: EscalationCard, waited: str) -> str:
    if card.status == EscalationStatus.WAITING_INFO:
        return _("has waited {waited}; it is waiting for {agent}'s answer").format(
            waited=waited, agent=_who(card.requested_by)
        )
    if card.status == EscalationStatus.RECOMMENDED:
        return _("has waited {waited} for a manager's decision").format(waited=waited)
    return _("has waited {waited} for a decision").format(waited=waited)


def reminder_reply(card: EscalationCard, supervisors_on_duty: list[str], waited_hours: float) -> Reply:
    """The thread reminder after some working hours without a decision, tagging who is on duty."""
    who = _mentions(supervisors_on_duty) or _("No supervisor is on duty right now")
    waited = _hours(waited_hours)
    text = _(":alarm_clock: {who}: this {kind} {waiting} — {request}.").format(
        who=who, kind=kind_noun(card.kind), waiting=_waiting_for(card, waited), request=_request(card)
    )
    return Reply(
        text=_fallback(card, _("Reminder, waiting {waited}").format(waited=waited)), blocks=[section(text)]
    )


def raised_again(card: EscalationCard, waited_hours: float, permalink: str | None) -> Reply:
    """Raised again in the channel after a working day: a pointer to the original message."""
    waited = _hours(waited_hours)
    text = _(":rotating_light: Still open after {waited}: *{kind}* on {account_id} — {request}, requested by {agent}.").format(
        waited=waited, kind=kind_noun(card.kind), account_id=_code(card.account_id), request=_request(card),
        agent=_who(card.requested_by),
    )  # fmt: skip
    if card.status == EscalationStatus.WAITING_INFO:
        text += "\n" + _("It is waiting for {agent}'s answer.").format(agent=_who(card.requested_by))
    link = _link(permalink, _("See the escalation and decide in its thread"))
    text += f"\n{link}" if link else "\n" + _("It is a little higher up in this channel.")
    return Reply(
        text=_fallback(card, _("Still open after {waited}").format(waited=waited)), blocks=[section(text)]
    )


# --- What the agent sees -------------------------------------------------------------------------


def outcome_dm(card: EscalationCard, permalink: str | None) -> Reply:
    """The agent's direct message once their escalation is decided."""
    _require_decided(card)
    icon, verb = _verdict(card)
    effect = _effect(card)
    if card.status == EscalationStatus.RETURNED:
        effect = _(
            "It is back with you{why} Nothing changed on the account; escalate again with the account as it"
            " is now if it is still needed."
        ).format(why=_why_returned(card))
    text = _("{icon} Your {kind} request on {account} was *{verb}* by {decider} — {request}.").format(
        icon=icon, kind=kind_noun(card.kind), account=f"{_code(card.account_id)} ({_name(card)})", verb=verb,
        decider=_who(card.decided_by), request=_request(card),
    )  # fmt: skip
    blocks = [section(f"{text}\n{effect}"), *_decision_comment_blocks(card)]
    link = _link(permalink, _("See the thread"))
    if link:
        blocks.append(context(link))
    return Reply(text=_fallback(card, _("Your escalation was {verb}").format(verb=verb)), blocks=blocks)


def _question_text(card: EscalationCard, opening: str) -> str:
    """The question's DM's first section: who asks about which request (`opening`, its four
    placeholders filled here), then the question quoted."""
    text = opening.format(
        asker=_who(card.asked_by), kind=kind_noun(card.kind), account=f"{_code(card.account_id)} ({_name(card)})",
        request=_request(card),
    )  # fmt: skip
    quoted = _quote(card.question, QUESTION_LIMIT)
    return f"{text}\n{quoted}" if quoted else text


def question_dm(card: EscalationCard, permalink: str | None) -> Reply:
    """The agent's direct message with a supervisor's question (the thread is the supervisors'
    channel, which the agent may not see) and the button that opens the answer form."""
    text = _question_text(
        card, _(":question: {asker} has a question on your {kind} request on {account} — {request}:")
    )
    thread = _("the escalation's thread")
    where = _link(permalink, thread) or thread
    blocks = [
        section(text),
        actions(button(_("Answer"), ActionId.ESCALATION_ANSWER, str(card.id), style="primary")),
        context(_("It waits for your answer. You can also reply in {where}.").format(where=where)),
    ]
    return Reply(text=_fallback(card, _("A question on your escalation")), blocks=blocks)


def answered_dm(card: EscalationCard, answer: str, permalink: str | None) -> Reply:
    """The question's DM once the agent answered (with the form or in the thread): the question
    and the answer stay to read, the Answer button goes, so nobody answers twice."""
    text = _question_text(
        card, _(":question: {asker} asked about your {kind} request on {account} — {request}:")
    )
    # Two sections: a question and an answer each at their cap would not fit in one.
    answered = _(":white_check_mark: *You answered:*")
    given = _quote(answer, QUESTION_LIMIT)
    if given:
        answered += f"\n{given}"
    thread = _("its thread")
    where = _link(permalink, thread) or thread
    follow = context(
        _("The escalation is back with the supervisors; follow it in {where}.").format(where=where)
    )
    blocks = [section(text), section(answered), follow]
    return Reply(text=_fallback(card, _("You answered the question on your escalation")), blocks=blocks)


def escalated_reply(card: EscalationCard, permalink: str | None) -> Reply:
    """The agent's ephemeral confirmation right after escalating."""
    where = _link(permalink, _("see the thread")) or _(
        "it will appear in the supervisors' channel in a moment"
    )
    text = _(":white_check_mark: Escalated to the supervisors: {where}.").format(where=where)
    text += "\n" + _("{request} on {account}.").format(
        request=_sentence(_request(card)), account=f"{_code(card.account_id)} ({_name(card)})"
    )
    return Reply(text=_fallback(card, _("Escalated")), blocks=[section(text)])


# --- `/collect escalations` ----------------------------------------------------------------------


def escalations_list(cards: list[EscalationCard], now: datetime, *, whose: str) -> Reply:
    """Open escalations, oldest first. `whose` names the list in its header ("everyone's", "yours").

    Rows are added while they fit the text budget; the rest, the newest, are counted."""
    title = header(
        _("Open escalations: {whose}").format(whose=whose) if whose.strip() else _("Open escalations")
    )
    shown = sorted(
        (card for card in cards if card.status in OPEN_ESCALATION_STATUSES),
        key=lambda card: _utc(card.requested_at),
    )
    if not shown:
        none = _("No open escalations")
        return Reply(text=none, blocks=[title, section(f":tada: {none}.")])
    rows = lines_within((_list_row(card, now) for card in shown), LIST_TEXT_BUDGET)
    count = counted("{count} open escalation", "{count} open escalations", len(shown))
    blocks = [title, context(_("{escalations}, oldest first").format(escalations=count))]
    blocks += [section(chunk) for chunk in pack_lines(rows, SECTION_TEXT_LIMIT)]
    rest = len(shown) - len(rows)
    if rest:
        blocks.append(context(_("…and {count} newer, not shown").format(count=number(rest))))
    return Reply(text=count, blocks=blocks)


def _list_status(card: EscalationCard) -> str:
    changed = " · " + _(":warning: the account changed since the request") if card.notice else ""
    if card.status == EscalationStatus.WAITING_INFO:
        return _(":hourglass: waiting for {agent}").format(agent=_who(card.requested_by)) + changed
    if card.status == EscalationStatus.RECOMMENDED:
        return (
            _(":raising_hand: recommended by {supervisor}, a manager decides").format(
                supervisor=_who(card.recommended_by)
            )
            + changed
        )
    return _("open") + changed


def _list_row(card: EscalationCard, now: datetime) -> str:
    by = _("by {agent}").format(agent=_who(card.requested_by))
    row = (
        f"• *{_(KIND_LABELS[card.kind])}* {_code(card.account_id)} · {_request(card)} · {_list_status(card)}"
        f" · {by} · *{_age(card.requested_at, now)}*"
    )
    return clip_escaped(row, LIST_ROW_LIMIT) + _asked(card)


def _asked(card: EscalationCard) -> str:
    """The question a waiting escalation waits on, under its row, on one line."""
    if card.status != EscalationStatus.WAITING_INFO or not (card.question or "").strip():
        return ""
    question = clip_escaped(escape(" ".join((card.question or "").split())), LIST_QUESTION_LIMIT)
    return "\n    " + _(":question: {asker} asks: _{question}_").format(
        asker=_who(card.asked_by), question=question
    )


# --- Forms ---------------------------------------------------------------------------------------


def _view(callback_id: str, title: str, submit: str, blocks: list[Block], metadata: str) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TEXT_LIMIT),
        "submit": plain(submit, MODAL_TEXT_LIMIT),
        "close": plain(_("Cancel"), MODAL_TEXT_LIMIT),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def _with_hint(block: Block, hint: str) -> Block:
    return {**block, "hint": plain(hint, 2000)}


def _card_summary(card: EscalationCard) -> Block:
    text = _("*{kind}* on {account_id} · {customer}").format(
        kind=_(KIND_LABELS[card.kind]), account_id=_code(card.account_id), customer=_name(card)
    )
    text += "\n" + _("{request}, requested by {agent}").format(
        request=_sentence(_request(card)), agent=_who(card.requested_by)
    )
    reason = _quote(card.reason, MODAL_REASON_LIMIT)
    return section(f"{text}\n{reason}" if reason else text)


def decision_modal(context: DecisionContext, card: EscalationCard) -> View:
    """The comment asked for on Approve (its conditions, if any) or Reject (why: needed, and
    checked on the server, which says so on the field)."""
    if context.decision == "ask":
        raise ValueError("a question is asked with question_modal")
    approving = context.decision == "approve"
    title = _("Approve") if approving else _("Reject")
    label, placeholder, hint = (
        (
            _("Conditions (if any)"),
            _("What the agent must see to, e.g. the first instalment by Friday"),
            _("Shown to the agent as the approval's conditions, and posted in the escalation's thread."),
        )
        if approving
        else (
            _("Why you reject it"),
            _("What is missing, and anything the agent should do next"),
            _("Say why you reject it: the agent will read it. Posted in the escalation's thread too."),
        )
    )
    comment = _input(
        BlockId.COMMENT,
        label,
        _text_input(
            ActionId.ESCALATION_COMMENT_INPUT, placeholder, multiline=True, max_length=INPUT_MAX_LENGTH
        ),
        optional=True,
    )
    blocks = [_card_summary(card)]
    if card.notice:
        blocks.append(section(_notice(card)))
    blocks.append(_with_hint(comment, hint))
    # What the submit button does is decided again, from the account, when it is pressed.
    submit = _("Send back") if context.decision == "approve" and card.returns else title
    return _view(CallbackId.DECISION_MODAL, title, submit, blocks, context.encode())


def question_modal(context: DecisionContext, card: EscalationCard) -> View:
    """Ask for info: the question is posted in the thread, tagging the agent."""
    if context.decision != "ask":
        raise ValueError("an approval or a rejection is decided with decision_modal")
    question = _input(
        BlockId.QUESTION,
        _("Your question"),
        _text_input(
            ActionId.ESCALATION_QUESTION_INPUT,
            _("What do you need to know?"),
            multiline=True,
            max_length=INPUT_MAX_LENGTH,
        ),
    )
    hint = _(
        "Posted in the escalation's thread and sent to the agent, who answers with a button or in the"
        " thread; it waits for their answer."
    )
    blocks = [_card_summary(card), _with_hint(question, hint)]
    return _view(CallbackId.QUESTION_MODAL, _("Ask for info"), _("Ask"), blocks, context.encode())


def answer_modal(carried: QuestionToAnswer, card: EscalationCard) -> View:
    """The agent's answer to the question of their DM: it goes into the escalation's thread."""
    asked = _(":question: {asker} asks:").format(asker=_who(card.asked_by))
    quoted = _quote(card.question, MODAL_REASON_LIMIT)
    answer = _input(
        BlockId.ANSWER,
        _("Your answer"),
        _text_input(
            ActionId.ESCALATION_ANSWER_INPUT,
            _("What the supervisor needs to know"),
            multiline=True,
            max_length=INPUT_MAX_LENGTH,
        ),
    )
    hint = _(
        "Posted in the escalation's thread and kept in the account's notes; the supervisors then decide."
    )
    blocks = [
        _card_summary(card),
        section(f"{asked}\n{quoted}" if quoted else asked),
        _with_hint(answer, hint),
    ]
    return _view(
        CallbackId.ANSWER_MODAL, _("Answer the question"), _("Send answer"), blocks, carried.encode()
    )


def escalate_modal(
    origin: ModalOrigin, preset: tuple[str, str] | None = None, reason: str | None = None
) -> View:
    """The form behind `/collect escalate` typed bare, a worklist line's menu, or the "Escalate"
    message shortcut (`reason` starts the reason with the message's text)."""
    blocks = [
        _account_input(preset),
        _kind_input(),
        _amount_input(),
        _instalments_input(),
        _until_input(),
        _reason_input(reason),
        context(_("The supervisors decide in their channel; you get a direct message with the outcome.")),
    ]
    return _view(CallbackId.ESCALATE_MODAL, _("Escalate an account"), _("Escalate"), blocks, origin.encode())


def _kind_input() -> Block:
    choices = [(_(label), kind.value) for kind, label in _KIND_CHOICES.items()]
    return _input(
        BlockId.KIND,
        _("What do you ask for?"),
        _static_select(ActionId.ESCALATION_KIND_SELECT, _("Pick one"), choices),
    )


def _amount_input() -> Block:
    block = _input(
        BlockId.AMOUNT,
        _("Amount"),
        _text_input(ActionId.AMOUNT_INPUT, _("3,000.00"), max_length=32),
        optional=True,
    )
    hint = _(
        "Settlement: what the customer pays. Payment plan: each instalment. Write-off: the amount"
        " written off. Not needed for the other kinds."
    )
    return _with_hint(block, hint)


def _instalments_input() -> Block:
    element = {
        "type": "number_input",
        "action_id": ActionId.ESCALATION_INSTALMENTS_INPUT,
        "is_decimal_allowed": False,
        "min_value": "1",
        "placeholder": plain("6", 150),
    }
    block = _input(BlockId.INSTALMENTS, _("Number of instalments"), element, optional=True)
    return _with_hint(block, _("Payment plan only: how many monthly instalments."))


def _until_input() -> Block:
    element = {
        "type": "datepicker",
        "action_id": ActionId.ESCALATION_UNTIL_PICKER,
        "placeholder": plain(_("Pick a date"), 150),
    }
    block = _input(BlockId.UNTIL, _("Until"), element, optional=True)
    return _with_hint(block, _("Payment plan: the last instalment. Hardship: when the pause ends."))


def _reason_input(initial: str | None = None) -> Block:
    block = _input(
        BlockId.REASON,
        _("Reason"),
        _text_input(
            ActionId.ESCALATION_REASON_INPUT,
            _("What happened, and why this is the right outcome"),
            multiline=True,
            max_length=INPUT_MAX_LENGTH,
            initial_value=initial,
        ),
    )
    return _with_hint(block, _("The supervisors see it on the escalation. Always needed."))
