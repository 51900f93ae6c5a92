"""What `/collect complaint`, `/collect complaints` and a complaint's buttons do, each in one
transaction."""

from __future__ import annotations

from bot.complaints.model import ComplaintView, OpenComplaints
from bot.complaints.records import (
    complaint_to_resolve,
    open_complaints,
    reassign_complaint,
    record_complaint,
    resolve_complaint,
)
from bot.runtime import Runtime
from bot.vocabulary import ComplaintCategory


def record(
    runtime: Runtime,
    *,
    actor: str,
    account_id: str,
    category: ComplaintCategory,
    text: str,
    handler: str | None = None,
) -> ComplaintView:
    with runtime.db.transaction() as session:
        return record_complaint(
            session, account_id=account_id, category=category, text=text, actor=actor,
            now=runtime.now(), today=runtime.today(), days=runtime.settings.complaint_days,
            handler=handler,
        )  # fmt: skip


def open_ones(runtime: Runtime, *, actor: str) -> OpenComplaints:
    with runtime.db.reading() as session:
        return open_complaints(session, actor=actor, today=runtime.today())


def resolve(runtime: Runtime, *, actor: str, complaint_id: int, outcome: str) -> ComplaintView:
    with runtime.db.transaction() as session:
        return resolve_complaint(
            session, complaint_id=complaint_id, outcome=outcome, actor=actor, now=runtime.now()
        )


def to_resolve(runtime: Runtime, *, actor: str, complaint_id: int) -> ComplaintView:
    with runtime.db.reading() as session:
        return complaint_to_resolve(session, complaint_id=complaint_id, actor=actor)


def reassign(runtime: Runtime, *, actor: str, complaint_id: int, handler: str) -> ComplaintView:
    with runtime.db.transaction() as session:
        return reassign_complaint(
            session, complaint_id=complaint_id, handler=handler, actor=actor, now=runtime.now()
        )
