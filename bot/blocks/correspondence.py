"""Sending a customer document from Slack: the form that picks its kind and channel, the preview
whose Send sends it, the wait while either is prepared, a refusal, and what was sent.

The document's own text is shown as plain_text (Slack formats nothing in it, pings nobody, and
needs no escaping); every customer string that goes into mrkdwn (the name, the recipient) is
escaped."""

from __future__ import annotations

from typing import Any

from bot.blocks.kit import (
    SECTION_TEXT_LIMIT,
    Block,
    context,
    divider,
    option,
    pack_lines,
    plain,
    section,
)
from bot.blocks.mrkdwn import code, escape, sentence
from bot.correspondence.model import DocumentKind, DocumentPreview, DocumentStatus, SendChannel, SentDocument
from bot.errors import UserError
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import DocumentChoice, DocumentToSend
from bot.language.model import N_, _, speaker
from bot.vocabulary import channel_name, heading

View = dict[str, Any]

KIND_NAMES: dict[DocumentKind, str] = {
    DocumentKind.STATEMENT: N_("statement"),
    DocumentKind.REMINDER: N_("reminder"),
    DocumentKind.FINAL_NOTICE: N_("final notice"),
    DocumentKind.PROMISE_CONFIRMATION: N_("promise confirmation"),
    DocumentKind.PLAN_CONFIRMATION: N_("payment plan confirmation"),
    DocumentKind.SETTLEMENT_OFFER: N_("settlement offer"),
    DocumentKind.VALIDATION_NOTICE: N_("validation notice"),
    DocumentKind.VERIFICATION: N_("verification of the debt"),
}
# The text part shown in the preview: Slack's 100 blocks a view would hold more, but a preview
# is for reading before sending, and the email or letter carries the whole of it.
PREVIEW_TEXT_LIMIT = 9000
_TEXT_BLOCK_LIMIT = SECTION_TEXT_LIMIT - 100


def kind_name(kind: DocumentKind) -> str:
    return _(KIND_NAMES[kind])


def _modal(title: str, blocks: list[Block], *, callback_id: str = "", submit: str | None = None) -> View:
    view: View = {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain(_("Cancel") if submit else _("Close"), 24),
        "blocks": blocks,
    }
    if callback_id:
        view["callback_id"] = callback_id
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def _about(account_id: str, customer_name: str) -> str:
    return f"*{escape(customer_name)}* · {code(account_id)}"


def choose_document_modal(carried: DocumentChoice, account: tuple[str, str]) -> View:
    """The account card's button and the worklist line's menu: which document, and how."""
    account_id, customer_name = account
    channels = [(heading(channel_name(c.value)), c.value) for c in SendChannel]
    blocks: list[Block] = [
        section(_about(account_id, customer_name)),
        {
            "type": "input",
            "block_id": BlockId.KIND,
            "label": plain(_("Document"), 2000),
            "element": {
                "type": "static_select",
                "action_id": ActionId.DOCUMENT_KIND_SELECT,
                "placeholder": plain(_("Which document"), 150),
                "options": [option(heading(kind_name(k)), k.value) for k in DocumentKind],
            },
        },
        {
            "type": "input",
            "block_id": BlockId.CHANNEL,
            "label": plain(_("Send by"), 2000),
            "optional": True,
            "hint": plain(
                _("Left empty: by email when the account has an email address, else by letter."), 2000
            ),
            "element": {
                "type": "static_select",
                "action_id": ActionId.DOCUMENT_CHANNEL_SELECT,
                "placeholder": plain(_("Email or letter"), 150),
                "options": [option(label, value) for label, value in channels],
            },
        },
    ]
    view = _modal(
        _("Send a document"), blocks, callback_id=CallbackId.DOCUMENT_CHOICE_MODAL, submit=_("Preview")
    )
    view["private_metadata"] = carried.encode()
    return view


def _recipient_text(preview: DocumentPreview) -> str:
    if preview.channel == SendChannel.EMAIL:
        return _("*By email to* {address}").format(address=escape(preview.recipient[0]))
    lines = "\n".join(escape(line) for line in preview.recipient)
    return _("*By letter to*\n{address}").format(address=lines)


def preview_modal(preview: DocumentPreview, carried: DocumentToSend) -> View:
    """The document as it will go out: subject and text part (the HTML and the PDF say the same),
    the channel and the recipient, and Send."""
    text = preview.text.strip()
    shown = text if len(text) <= PREVIEW_TEXT_LIMIT else text[: PREVIEW_TEXT_LIMIT - 1] + "…"
    blocks: list[Block] = [
        section(
            _("{kind} for {about}, in {language}").format(
                kind=f"*{heading(kind_name(preview.kind))}*",
                about=_about(preview.account_id, preview.customer_name),
                language=code(preview.language),
            )
        ),
        section(_recipient_text(preview)),
        divider(),
        section(_("*Subject:* {subject}").format(subject=escape(preview.subject))),
        *(
            {"type": "section", "text": plain(chunk, SECTION_TEXT_LIMIT)}
            for chunk in pack_lines(shown.splitlines() or [" "], _TEXT_BLOCK_LIMIT)
        ),
    ]
    if len(text) > len(shown):
        blocks.append(
            context(
                _(
                    "The preview shows the first {shown} of {total} characters; the document has them all."
                ).format(shown=speaker().number(PREVIEW_TEXT_LIMIT), total=speaker().number(len(text)))
            )
        )
    note = (
        _("Send queues the email now; it is recorded on the account.")
        if preview.channel == SendChannel.EMAIL
        else _("Send queues the letter for the next print batch; it is recorded on the account.")
    )
    blocks.append(context(note))
    view = _modal(
        _("Send a document"), blocks, callback_id=CallbackId.DOCUMENT_PREVIEW_MODAL, submit=_("Send")
    )
    view["private_metadata"] = carried.encode()
    return view


def waiting_modal(*, sending: bool = False) -> View:
    """Shown at once (a trigger lasts 3 seconds; a submission's answer is due within 3), then
    replaced by the preview, what was sent, or the refusal."""
    doing = _("Sending the document…") if sending else _("Preparing the document…")
    return _modal(_("Send a document"), [context(":hourglass_flowing_sand: " + doing)])


def refused_modal(error: UserError) -> View:
    """Why the document cannot be shown or sent; nothing was written."""
    text = f":warning: {sentence(error.problem)}"
    if error.hint:
        text += f"\n{sentence(error.hint)}"
    return _modal(_("Send a document"), [section(text), context(_("Nothing was sent."))])


def sent_modal(sent: SentDocument) -> View:
    """After Send: what went, to whom; a letter waits for the next print batch."""
    kind = kind_name(sent.kind)
    about = _about(sent.account_id, sent.customer_name)
    to = "\n".join(escape(line) for line in sent.recipient.splitlines())
    if sent.channel == SendChannel.EMAIL:
        text = _(":incoming_envelope: The {kind} for {about} is on its way by email to {address}.").format(
            kind=kind, about=about, address=to
        )
    elif sent.status == DocumentStatus.QUEUED:
        text = _(
            ":envelope: The {kind} for {about} is queued as a letter: it goes out with the next print"
            " batch, to\n{address}"
        ).format(kind=kind, about=about, address=to)
    else:
        text = _(":envelope: The {kind} for {about} is sent as a letter to\n{address}").format(
            kind=kind, about=about, address=to
        )
    return _modal(
        _("Document sent"), [section(text), context(_("It is in the account's history and in the audit."))]
    )
