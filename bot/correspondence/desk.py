"""A customer document as it would go out today: `preview` (the command line's `document`) and
`preview_to_send` (the Slack preview form, before its Send)."""

from __future__ import annotations

from datetime import date
from functools import cache

from bot.correspondence.model import DocumentKind, DocumentPreview, RenderedDocument, SendChannel
from bot.correspondence.records import document_facts, document_preview, sendable_account
from bot.correspondence.render import Templates, load_templates, render_document
from bot.correspondence.rules import missing_for_kind
from bot.errors import UserError
from bot.language.model import _
from bot.runtime import Runtime
from bot.settings import Settings
from storage.database import Database


def preview(
    db: Database,
    account_id: str,
    kind: DocumentKind,
    settings: Settings,
    today: date,
    templates: Templates | None = None,
) -> RenderedDocument:
    """The document rendered from the ledger as it is; nothing is written. Raises UserError (no
    such account, no creditor set, nothing for this kind to say) or DocumentTemplateError."""
    templates = templates or load_templates(settings.templates_dir or None)
    with db.reading() as session:
        facts = document_facts(session, account_id, kind, settings, today)
    missing = missing_for_kind(facts)
    if missing:
        raise UserError(_(missing))
    return render_document(facts, templates)


@cache
def team_templates(override_dir: str) -> Templates:
    """The templates a running bot writes with, loaded and checked once per process (loading checks
    every template in every language: a third of a second a preview form cannot spend)."""
    return load_templates(override_dir or None)


def preview_to_send(
    runtime: Runtime, *, account_id: str, kind: DocumentKind, channel: SendChannel | None, actor: str
) -> DocumentPreview:
    """What the Send of the preview form would send; nothing is written. Raises UserError (see
    bot.correspondence.records.document_preview)."""
    templates = team_templates(runtime.settings.templates_dir)
    with runtime.db.reading() as session:
        return document_preview(
            session, account_id=account_id, kind=kind, channel=channel, actor=actor,
            settings=runtime.settings, today=runtime.today(), templates=templates,
        )  # fmt: skip


def document_account(runtime: Runtime, account_id: str, *, actor: str) -> tuple[str, str]:
    """The id and customer name the form that picks a document starts with, when `actor` may send
    the account one; UserError otherwise."""
    with runtime.db.reading() as session:
        account = sendable_account(session, account_id, actor=actor, today=runtime.today())
        return account.account_id, account.customer_name
