"""Complaints in Slack: the answer to recording and resolving one, the list of open ones and the
overdue alert (each line with its Resolve button; the alert's also with Hand to), and the outcome form."""

from __future__ import annotations

from bot.blocks.kit import Block, Reply, actions, button, context, section
from bot.blocks.modals import View, _input, _text_input
from bot.blocks.mrkdwn import code, escape, mention, one_line
from bot.complaints.model import LIST_LIMIT, ComplaintView, OpenComplaints
from bot.complaints.rules import is_overdue
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import ComplaintToResolve
from bot.language.model import N_, _, counted, speaker
from bot.parsing.command import MAX_NOTES_LENGTH
from bot.vocabulary import ComplaintCategory

CATEGORY_NAMES: dict[ComplaintCategory, str] = {
    ComplaintCategory.FEES: N_("fees"),
    ComplaintCategory.CONDUCT: N_("conduct"),
    ComplaintCategory.WRONG_DEBT: N_("wrong debt"),
    ComplaintCategory.PRIVACY: N_("privacy"),
    ComplaintCategory.SERVICE: N_("service"),
    ComplaintCategory.OTHER: N_("other"),
}
_TEXT_SHOWN = 150


def category_name(category: ComplaintCategory | str) -> str:
    try:
        return _(CATEGORY_NAMES[ComplaintCategory(category)])
    except ValueError:
        return str(category)


def _handler(complaint: ComplaintView) -> str:
    return mention(complaint.handler) if complaint.handler else _("the supervisors")


def complaint_recorded(complaint: ComplaintView) -> Reply:
    text = _(
        ":memo: Complaint number {number} recorded on {account} ({customer}): {category}. Handled by"
        " {handler}; the answer is due by {due}."
    ).format(
        number=complaint.id,
        account=code(complaint.account_id),
        customer=escape(complaint.customer_name),
        category=category_name(complaint.category),
        handler=_handler(complaint),
        due=speaker().day(complaint.due_on),
    )
    summary = _("Complaint number {number} recorded").format(number=complaint.id)
    return Reply(text=summary, blocks=[section(text)])


def complaint_resolved(complaint: ComplaintView) -> Reply:
    text = _(":white_check_mark: Complaint number {number} on {account} is resolved: {outcome}").format(
        number=complaint.id,
        account=code(complaint.account_id),
        outcome=one_line(complaint.outcome or "", _TEXT_SHOWN),
    )
    summary = _("Complaint number {number} resolved").format(number=complaint.id)
    return Reply(text=summary, blocks=[section(text)])


def complaints_list(listed: OpenComplaints) -> Reply:
    if not listed.total:
        text = _("No open complaints.")
        return Reply(text=text, blocks=[section(text)])
    heading = counted("{count} open complaint", "{count} open complaints", listed.total)
    blocks = [section(f"*{heading}*")]
    for complaint in listed.shown:
        late = is_overdue(listed.today, complaint.due_on, resolved=False)
        due = speaker().day(complaint.due_on)
        when = (_(":rotating_light: overdue since {due}") if late else _("due {due}")).format(due=due)
        line = section(
            _("*{number}* · {account} ({customer}) · {category} · {when} · {handler}\n{text}").format(
                number=complaint.id,
                account=code(complaint.account_id),
                customer=escape(complaint.customer_name),
                category=category_name(complaint.category),
                when=when,
                handler=_handler(complaint),
                text=one_line(complaint.text, _TEXT_SHOWN),
            )
        )
        blocks.append({**line, "accessory": _resolve_button(complaint)})
    if listed.total > len(listed.shown):
        blocks.append(
            context(
                _("{shown} of {total} shown, the oldest due first.").format(
                    shown=speaker().number(len(listed.shown)), total=speaker().number(listed.total)
                )
            )
        )
    blocks.append(
        context(_("Resolve one with its button or `/collect complaint resolve <number> <outcome…>`."))
    )
    return Reply(text=heading, blocks=blocks)


def complaints_overdue_message(overdue: list[ComplaintView]) -> Reply:
    """The supervisors' channel: complaints whose answer is late, each told once."""
    heading = counted(
        "{count} complaint is past its due date", "{count} complaints are past their due date", len(overdue)
    )
    blocks = [section(f":rotating_light: *{heading}*")]
    for complaint in overdue[:LIST_LIMIT]:
        blocks.append(
            section(
                _("*{number}* · {account} ({customer}) · {category} · due {due} · {handler}\n{text}").format(
                    number=complaint.id,
                    account=code(complaint.account_id),
                    customer=escape(complaint.customer_name),
                    category=category_name(complaint.category),
                    due=speaker().day(complaint.due_on),
                    handler=_handler(complaint),
                    text=one_line(complaint.text, _TEXT_SHOWN),
                )
            )
        )
        blocks.append(_triage(complaint))
    if len(overdue) > LIST_LIMIT:
        blocks.append(
            context(
                _("{shown} of {total} shown, the oldest due first.").format(
                    shown=speaker().number(LIST_LIMIT), total=speaker().number(len(overdue))
                )
            )
        )
    blocks.append(
        context(_("Resolve one with its button or `/collect complaint resolve <number> <outcome…>`."))
    )
    return Reply(text=heading, blocks=blocks)


def _resolve_button(complaint: ComplaintView) -> dict[str, object]:
    """Its value is the complaint's number only: who may resolve it is decided on the server."""
    return button(_("Resolve"), ActionId.COMPLAINT_RESOLVE, str(complaint.id))


def _triage(complaint: ComplaintView) -> Block:
    """An overdue complaint's buttons: Resolve, and hand it to another supervisor."""
    return actions(
        {**_resolve_button(complaint), "style": "primary"},
        {
            "type": "users_select",
            "action_id": ActionId.COMPLAINT_REASSIGN,
            "placeholder": {"type": "plain_text", "text": _("Hand to…")},
        },
        block_id=f"complaint-{complaint.id}",
    )


def resolve_modal(carried: ComplaintToResolve, complaint: ComplaintView) -> View:
    """The outcome form a Resolve button opens; the complaint is shown as the list shows it."""
    about = _("*{number}* · {account} ({customer}) · {category}\n{text}").format(
        number=complaint.id,
        account=code(complaint.account_id),
        customer=escape(complaint.customer_name),
        category=category_name(complaint.category),
        text=one_line(complaint.text, _TEXT_SHOWN),
    )
    outcome = _input(
        BlockId.OUTCOME,
        _("Outcome"),
        _text_input(
            ActionId.COMPLAINT_OUTCOME_INPUT,
            _("How it ended, e.g. refunded the second fee and apologised"),
            multiline=True,
            max_length=MAX_NOTES_LENGTH,
        ),
    )
    return {
        "type": "modal",
        "callback_id": CallbackId.COMPLAINT_RESOLVE_MODAL,
        "title": {"type": "plain_text", "text": _("Resolve a complaint")[:24]},
        "submit": {"type": "plain_text", "text": _("Resolve")[:24]},
        "close": {"type": "plain_text", "text": _("Cancel")[:24]},
        "private_metadata": carried.encode(),
        "blocks": [section(about), outcome],
    }


def complaint_reassigned(complaint: ComplaintView) -> Reply:
    text = _(
        ":arrows_counterclockwise: Complaint number {number} on {account} is now handled by {handler}."
    ).format(number=complaint.id, account=code(complaint.account_id), handler=_handler(complaint))
    summary = _("Complaint number {number} handed on").format(number=complaint.id)
    return Reply(text=summary, blocks=[section(text)])
