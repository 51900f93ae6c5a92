"""The sandbox's outbox: the documents the bot wrote to customers, newest first, each as it went out
(subject, text, HTML, the PDF's address) with whether its email has left the outbox, so a newcomer
sees correspondence end to end. Read from the `documents` table the bot keeps them in."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.correspondence.model import DocumentKind
from bot.correspondence.records import pdf_filename
from bot.runtime import Runtime
from storage.models import Account, Document, OutboxMessage

SHOWN = 50
PDF_PATH = re.compile(r"^/documents/([0-9]{1,12})\.pdf$")


def outbox(runtime: Runtime) -> list[dict[str, Any]]:
    """The latest documents (queued letters, sent ones, cancelled ones), the team's times."""
    zone = runtime.zone
    with runtime.db.reading() as session:
        rows = session.execute(
            select(Document, Account.account_id, Account.customer_name)
            .join(Account, Account.id == Document.account_pk)
            .order_by(Document.created_at.desc(), Document.id.desc())
            .limit(SHOWN)
        ).all()
        keys = [f"document:{document.id}" for document, _id, _name in rows]
        found = session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.state).where(OutboxMessage.dedupe_key.in_(keys))
        )
        delivery: dict[str, str] = {row.dedupe_key: row.state for row in found}
    return [
        {
            "id": document.id,
            "account_id": account_id,
            "customer_name": customer_name,
            "kind": document.kind,
            "channel": document.channel,
            "language": document.language,
            "status": document.status,
            "recipient": document.recipient,
            "subject": document.subject,
            "text": document.text,
            "html": document.html,
            "created": document.created_at.astimezone(zone).strftime("%a %d %b %Y %H:%M"),
            "sent": document.sent_at.astimezone(zone).strftime("%a %d %b %Y %H:%M")
            if document.sent_at
            else None,
            "batch": document.batch.isoformat() if document.batch else None,
            "delivery": delivery.get(f"document:{document.id}"),
            "pdf": f"/documents/{document.id}.pdf",
        }
        for document, account_id, customer_name in rows
    ]


def document_pdf(runtime: Runtime, path: str) -> tuple[bytes, str] | None:
    """The PDF a `/documents/<id>.pdf` address names and its file name, or None."""
    found = PDF_PATH.match(path)
    if found is None:
        return None
    with runtime.db.reading() as session:
        row = session.execute(
            select(Document.pdf, Document.kind, Account.account_id)
            .join(Account, Account.id == Document.account_pk)
            .where(Document.id == int(found[1]))
        ).one_or_none()
    if row is None:
        return None
    pdf, kind, account_id = row
    return bytes(pdf), pdf_filename(DocumentKind(kind), account_id)
