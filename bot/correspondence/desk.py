"""Customer documents, one transaction each: `preview` (the command line's `document`),
`preview_to_send` (the Slack preview form, before its Send) and `send`."""

from __future__ import annotations

from datetime import date

from bot.compliance.desk import record_refusal
from bot.compliance.records import ComplianceRefusedError
from bot.correspondence.model import (
    DocumentKind,
    DocumentPreview,
    RenderedDocument,
    SendChannel,
    SentDocument,
)
from bot.correspondence.records import document_facts, document_preview, send_document, sendable_account
from bot.correspondence.render import Templates, render_document, templates_for
from bot.correspondence.rules import missing_for_kind
from bot.errors import UserError
from bot.language.model import _
from bot.ledger.records.submissions import claim_form
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
    submission: str | None = None,
) -> SentDocument:
    """Send the document now (agents to their own accounts, supervisors to any). A refusal by the
    contact rules is noted for coaching, in its own transaction, and raised. `submission`: the
    preview form whose Send this is, claimed in the same transaction, so that the form arriving
    twice sends once (AlreadySubmittedError the second time)."""
    templates = templates or templates_for(runtime.settings.templates_dir)
    try:
        with runtime.db.transaction() as session:
            if submission:
                claim_form(session, submission, what="document", now=runtime.now())
            return send_document(
                session, account_id=account_id, kind=kind, channel=channel, actor=actor,
                now=runtime.now(), today=runtime.today(), settings=runtime.settings, templates=templates,
            )  # fmt: skip
    except ComplianceRefusedError as refused:
        record_refusal(runtime, refused, actor=actor)
        raise


def preview_to_send(
    runtime: Runtime, *, account_id: str, kind: DocumentKind, channel: SendChannel | None, actor: str
) -> DocumentPreview:
    """What the Send of the preview form would send; nothing is written. Raises UserError (see
    bot.correspondence.records.document_preview)."""
    templates = templates_for(runtime.settings.templates_dir)
    with runtime.db.reading() as session:
        return document_preview(
            session, account_id=account_id, kind=kind, channel=channel, actor=actor,
            settings=runtime.settings, now=runtime.now(), today=runtime.today(), templates=templates,
        )  # fmt: skip


def document_account(runtime: Runtime, account_id: str, *, actor: str) -> tuple[str, str]:
    """The id and customer name the form that picks a document starts with, when `actor` may send
    the account one; UserError otherwise."""
    with runtime.db.reading() as session:
        account = sendable_account(session, account_id, actor=actor, today=runtime.today())
        return account.account_id, account.customer_name
