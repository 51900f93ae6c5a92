"""Reading a submitted form, for every handler that has forms (the ledger's and the escalations'):
the values as Slack sends them, each held to the parser's limits again (Slack's max_length binds
only its clients), the bot's signature on the form's context checked, problems shown on the field
they are about, and the answer that comes after the form has closed sent to the person's DM. Also
the document forms that a command, the account card's button and a worklist line's menu all open
(the choice of a document, its preview), so that no listener imports another."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blocks.correspondence import View, choose_document_modal, preview_modal, refused_modal, waiting_modal
from bot.blocks.kit import Reply
from bot.correspondence import desk as documents
from bot.correspondence.model import DocumentKind, SendChannel
from bot.errors import UserError
from bot.ids import BlockId
from bot.interactions import CarriedKey, CarriedRefusedError, DocumentChoice, DocumentToSend, ModalOrigin
from bot.language.model import N_, _, speaker
from bot.parsing.typed_text import storable
from bot.runtime import Runtime
from handlers.answering import Answerer
from handlers.failures import told

log = logging.getLogger(__name__)

Values = dict[str, dict[str, dict[str, Any]]]
Result = TypeVar("Result")


def stale_form() -> UserError:
    """Built when refused, in the reader's language."""
    return UserError(_("This form is out of date or not one of mine."), _("Close it and open it again."))


# A form's fields as refusals name them: marked here, translated where the refusal is raised.
_FIELD_NAMES = {
    "account": N_("account"),
    "account id": N_("account id"),
    "amount": N_("amount"),
    "answer": N_("answer"),
    "channel": N_("channel"),
    "comment": N_("comment"),
    "kind": N_("kind"),
    "notes": N_("notes"),
    "outcome": N_("outcome"),
    "question": N_("question"),
    "reason": N_("reason"),
    "reference": N_("reference"),
}


def _field_name(field: str) -> str:
    return _(_FIELD_NAMES.get(field, field))


# Which modal block shows an error about which field.
_FIELD_BLOCKS = {
    "account": BlockId.ACCOUNT,
    "channel": BlockId.CHANNEL,
    "outcome": BlockId.OUTCOME,
    "notes": BlockId.NOTES,
    "amount": BlockId.AMOUNT,
    "method": BlockId.METHOD,
    "reference": BlockId.REFERENCE,
    "date": BlockId.DATE,
    "kind": BlockId.KIND,
    "instalments": BlockId.INSTALMENTS,
    "until": BlockId.UNTIL,
    "reason": BlockId.REASON,
    "comment": BlockId.COMMENT,
    "question": BlockId.QUESTION,
    "answer": BlockId.ANSWER,
}


def answer_submission(
    answerer: Answerer,
    runtime: Runtime,
    ack: Ack,
    user: str,
    work: Callable[[], Result],
    *,
    blocks: set[BlockId],
    done: Callable[[Result], None],
) -> None:
    """A form's submission, answered the one way: a problem on the form's field it is about (one
    of `blocks`), and anything told after the form has closed in the person's DM."""
    answerer.answer_form(
        ack,
        work,
        inline=lambda error: field_errors(error, blocks),
        done=done,
        late=lambda reply: tell_person(runtime, user, reply),
    )


def within_limit(text: str, limit: int, field: str, what: str | None = None) -> str:
    """The parser's limit for a field, on the server: Slack's max_length holds only in its clients."""
    if len(text) > limit:
        what = _field_name(what or field)
        raise UserError(
            _("The {what} is {length} characters long; the limit is {limit}.").format(
                what=what, length=speaker().number(len(text)), limit=speaker().number(limit)
            ),
            _("Shorten the {what} to {limit} characters or fewer.").format(
                what=what, limit=speaker().number(limit)
            ),
            field=field,
        )
    return text


def selected(values: Values, block: str, action: str, field: str) -> str:
    value = optional_selected(values, block, action)
    if not value:
        raise UserError(_("Choose the {what}.").format(what=_field_name(field)), field=field)
    return value


def optional_selected(values: Values, block: str, action: str) -> str | None:
    option = (values.get(block, {}).get(action, {}) or {}).get("selected_option") or {}
    value = option.get("value")
    return storable(str(value or "")) or None


def text_of(values: Values, block: str, action: str) -> str:
    return storable(str(values.get(block, {}).get(action, {}).get("value") or "")).strip()


def required_text(values: Values, block: str, action: str, field: str) -> str:
    text = text_of(values, block, action)
    if not text:
        raise UserError(_("Type the {what}.").format(what=_field_name(field)), field=field)
    return text


def field_errors(error: UserError, blocks_in_view: set[BlockId]) -> dict[str, str]:
    """The form's inline error: on the field the problem is about, else on the form's first field."""
    block = _FIELD_BLOCKS.get(error.field or "", "")
    if block not in blocks_in_view:
        block = BlockId.ACCOUNT if BlockId.ACCOUNT in blocks_in_view else sorted(blocks_in_view)[0]
    return {block: _field_text(error)}


def _field_text(error: UserError) -> str:
    # Field errors are plain text: the backticks of the chat message would show as they are.
    return str(error).replace("`", "")[:2000]


def form_origin(view: dict[str, Any], key: CarriedKey) -> ModalOrigin:
    """The context the bot signed into the form; a made-up or altered one is refused."""
    try:
        return ModalOrigin.decode(str(view.get("private_metadata") or ""), key)
    except CarriedRefusedError:
        log.warning("refused a form whose private_metadata the bot did not sign")
        raise stale_form() from None


def tell_person(runtime: Runtime, user: str, reply: Reply) -> None:
    """The form has closed; its result goes to the person's DM: the only place a form's answer can
    go that nothing in the request could have named."""
    try:
        runtime.slack.chat_postMessage(channel=user, **reply.as_kwargs())
    except Exception:
        log.exception("could not deliver a form's answer")


def submission(form: str, view_id: str, account_id: str) -> str | None:
    """What makes a form's submission the same one again: the form and the account it records on
    (one form id may come with another account: that is another submission). A digest, to fit the
    keys' columns whatever the ids' lengths."""
    if not view_id:
        return None
    return hashlib.sha256(f"{form}\n{view_id}\n{account_id}".encode()).hexdigest()[:48]


# --- The document forms, which a command, a card's button and a worklist's menu all open ---------


def open_document_choice(
    runtime: Runtime, key: CarriedKey, client: WebClient, body: dict[str, Any], account_id: str
) -> None:
    """After a click's acknowledgement: the form that picks the document, when the clicker may send
    the account one (why not is raised, and told to them)."""
    user = body["user"]["id"]
    account = documents.document_account(runtime, account_id, actor=user)
    carried = DocumentChoice(account_id=account[0], opened_by=user).signed_with(key)
    client.views_open(trigger_id=body["trigger_id"], view=choose_document_modal(carried, account))


def open_preview(
    runtime: Runtime,
    key: CarriedKey,
    client: WebClient,
    *,
    trigger_id: str,
    user: str,
    account_id: str,
    kind: DocumentKind,
    channel: SendChannel | None,
) -> None:
    """`/collect send`, after its acknowledgement: a waiting form opened on the trigger at once,
    then the preview in its place, or why there is none (nothing about the customer in it)."""
    opened = client.views_open(trigger_id=trigger_id, view=waiting_modal())
    try:
        shown = preview_view(runtime, key, user, account_id, kind, channel)
    except Exception as error:
        shown = refused_modal(told(error, "document preview failed").problem)
    client.views_update(view_id=opened["view"]["id"], view=shown)


def preview_view(
    runtime: Runtime,
    key: CarriedKey,
    user: str,
    account_id: str,
    kind: DocumentKind,
    channel: SendChannel | None,
) -> View:
    preview = documents.preview_to_send(
        runtime, account_id=account_id, kind=kind, channel=channel, actor=user
    )
    carried = DocumentToSend(
        account_id=preview.account_id, kind=preview.kind.value, channel=preview.channel.value, opened_by=user
    ).signed_with(key)
    return preview_modal(preview, carried)
