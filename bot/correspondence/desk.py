"""A customer document as it would go out today: `preview` (the command line's `document`; the
Slack preview form and sending come later, issue 21)."""

from __future__ import annotations

from datetime import date

from bot.correspondence.model import DocumentKind, RenderedDocument
from bot.correspondence.records import document_facts
from bot.correspondence.render import Templates, load_templates, render_document
from bot.correspondence.rules import missing_for_kind
from bot.errors import UserError
from bot.language.model import _
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
