"""Customer documents, one transaction each: `preview` (the command line's `document` and the Slack
preview form) and `send`."""

from __future__ import annotations

from datetime import date

from bot.compliance.desk import record_refusal
from bot.compliance.records import ComplianceRefusedError
from bot.correspondence.model import DocumentKind, RenderedDocument, SendChannel, SentDocument
from bot.correspondence.records import document_facts, send_document
from bot.correspondence.render import Templates, render_document, templates_for
from bot.correspondence.rules import missing_for_kind
from bot.errors import UserError
from bot.language.model import _
from bot.runtime import Runtime
from bot.settings import Settings
from storage.database import Database


def ready_templates(settings: Settings) -> Templates:
    """The team's templates, loaded and checked once per process; DocumentTemplateError if one is broken."""
    return templates_for(settings.templates_dir)


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
    templates = templates or templates_for(settings.templates_dir)
    with db.reading() as session:
        facts = document_facts(session, account_id, kind, settings, today)
    missing = missing_for_kind(facts)
    if missing:
        raise UserError(_(missing))
    return render_document(facts, templates)


def send(
    runtime: Runtime,
    *,
    account_id: str,
    kind: DocumentKind,
    channel: SendChannel,
    actor: str,
    templates: Templates | None = None,
) -> SentDocument:
    """Send the document now (agents to their own accounts, supervisors to any). A refusal by the
    contact rules is noted for coaching, in its own transaction, and raised."""
    templates = templates or templates_for(runtime.settings.templates_dir)
    try:
        with runtime.db.transaction() as session:
            return send_document(
                session, account_id=account_id, kind=kind, channel=channel, actor=actor,
                now=runtime.now(), today=runtime.today(), settings=runtime.settings, templates=templates,
            )  # fmt: skip
    except ComplianceRefusedError as refused:
        record_refusal(runtime, refused, actor=actor)
        raise
