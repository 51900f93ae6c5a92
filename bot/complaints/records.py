"""Complaints in the ledger: recorded, listed, resolved, each change one transaction with its audit row."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.blocks.mrkdwn import mention
from bot.complaints.model import LIST_LIMIT, ComplaintCounts, ComplaintView, OpenComplaints
from bot.complaints.rules import due_on, handler_for, is_overdue, may_resolve
from bot.errors import NotFoundError, UserError
from bot.language.model import _
from bot.ledger.records.accounts import find_account
from bot.roster.records import find_member, require_member, supervises
from bot.vocabulary import ComplaintCategory
from storage.models import Account, Complaint


def record_complaint(
    session: Session,
    *,
    account_id: str,
    category: ComplaintCategory,
    text: str,
    actor: str,
    now: datetime,
    today: date,
    days: int,
    handler: str | None = None,
) -> ComplaintView:
    """Anyone who may work the account records a complaint about it (bot.access.may_work), and may
    name a supervisor to handle it."""
    account = find_account(session, account_id, actor=actor, today=today)
    if handler is not None and not supervises(find_member(session, handler)):
        raise UserError(
            _(
                "{user} is not a supervisor on the team's roster: only a supervisor handles a complaint."
            ).format(user=mention(handler)),
            _("Name a supervisor after the category, or nobody: then the supervisors handle it."),
            field="handler",
        )
    if not text.strip():
        raise UserError(
            _("Say what the customer complains about."),
            _("Type `/collect complaint {account_id} {category} <what the customer says…>`.").format(
                account_id=account.account_id, category=category.value
            ),
            field="text",
        )
    complaint = Complaint(
        account_pk=account.id,
        category=category.value,
        text=text.strip(),
        recorded_by=actor,
        recorded_at=now,
        agent=account.assigned_to,
        handler=handler or handler_for(actor, recorder_supervises=supervises(find_member(session, actor))),
        opened_on=today,
        due_on=due_on(today, days),
    )
    session.add(complaint)
    session.flush()
    audit.record(
        session, at=now, actor=actor, action="complaint.recorded", entity="complaint",
        entity_key=str(complaint.id), after=_state(complaint, account.account_id),
    )  # fmt: skip
    return _view(complaint, account)


def open_complaints(session: Session, *, actor: str, today: date, limit: int = LIST_LIMIT) -> OpenComplaints:
    """Supervisors see every open complaint; an agent those on their accounts or recorded by them."""
    member = require_member(session, actor)
    query = select(Complaint, Account).join(Account, Account.id == Complaint.account_pk)
    query = query.where(Complaint.resolved_at.is_(None))
    if not supervises(member):
        query = query.where((Complaint.agent == actor) | (Complaint.recorded_by == actor))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Complaint.due_on, Complaint.id).limit(limit)).all()
    return OpenComplaints([_view(c, a) for c, a in rows], int(total), today)


def resolve_complaint(
    session: Session, *, complaint_id: int, outcome: str, actor: str, now: datetime
) -> ComplaintView:
    """Only a supervisor or the complaint's handler closes it, saying how it ended."""
    complaint, account = _find(session, complaint_id, for_update=True)
    member = find_member(session, actor)
    _check_may_act(complaint, actor, supervises(member))
    if not outcome.strip():
        raise UserError(_("Say how the complaint was resolved, after its number."))
    before = _state(complaint, account.account_id)
    complaint.resolved_at, complaint.resolved_by, complaint.outcome = now, actor, outcome.strip()
    audit.record(
        session, at=now, actor=actor, action="complaint.resolved", entity="complaint",
        entity_key=str(complaint.id), before=before, after=_state(complaint, account.account_id),
    )  # fmt: skip
    return _view(complaint, account)


def complaint_to_resolve(session: Session, *, complaint_id: int, actor: str) -> ComplaintView:
    """The open complaint a Resolve button names, when `actor` may resolve it (else UserError): what
    the outcome form shows. Everything is checked again when the form comes back."""
    complaint, account = _find(session, complaint_id, for_update=False)
    _check_may_act(complaint, actor, supervises(find_member(session, actor)))
    return _view(complaint, account)


def reassign_complaint(
    session: Session, *, complaint_id: int, handler: str, actor: str, now: datetime
) -> ComplaintView:
    """A supervisor, or the complaint's handler, hands an open complaint to another supervisor."""
    complaint, account = _find(session, complaint_id, for_update=True)
    _check_may_act(complaint, actor, supervises(find_member(session, actor)), handing_on=True)
    if not supervises(find_member(session, handler)):
        raise UserError(
            _(
                "{user} is not a supervisor on the team's roster: only a supervisor handles a complaint."
            ).format(user=mention(handler)),
            _("Pick a supervisor."),
            field="handler",
        )
    if complaint.handler == handler:
        return _view(complaint, account)
    before = _state(complaint, account.account_id)
    complaint.handler = handler
    audit.record(
        session, at=now, actor=actor, action="complaint.reassigned", entity="complaint",
        entity_key=str(complaint.id), before=before, after=_state(complaint, account.account_id),
    )  # fmt: skip
    return _view(complaint, account)


def _find(session: Session, complaint_id: int, *, for_update: bool) -> tuple[Complaint, Account]:
    query = (
        select(Complaint, Account)
        .join(Account, Account.id == Complaint.account_pk)
        .where(Complaint.id == complaint_id)
    )
    found = session.execute(query.with_for_update(of=Complaint) if for_update else query).one_or_none()
    if found is None:
        raise NotFoundError(
            _("There is no complaint number {number}.").format(number=complaint_id),
            _("Type `/collect complaints` to see the open complaints and their numbers."),
        )
    return found[0], found[1]


def _check_may_act(
    complaint: Complaint, actor: str, actor_supervises: bool, *, handing_on: bool = False
) -> None:
    """Only supervisors and the complaint's handler act on it, and only while it is open."""
    if not may_resolve(actor, supervises=actor_supervises, handler=complaint.handler):
        raise UserError(
            _("Only supervisors and the complaint's handler can hand it on.")
            if handing_on
            else _("Only supervisors and the complaint's handler can resolve it."),
            _("Ask your supervisor to do it."),
        )
    if complaint.resolved_at is not None:
        raise UserError(
            _("Complaint number {number} is already resolved.").format(number=complaint.id),
            _("Type `/collect complaints` to see the open complaints and their numbers."),
        )


def overdue_to_tell(session: Session, *, today: date) -> list[tuple[Complaint, Account]]:
    """Open complaints past their due date that the supervisors have not been told about, locked:
    each is told once, by whichever process takes it first."""
    query = (
        select(Complaint, Account)
        .join(Account, Account.id == Complaint.account_pk)
        .where(
            Complaint.resolved_at.is_(None), Complaint.overdue_alerted_at.is_(None), Complaint.due_on < today
        )
        .order_by(Complaint.due_on, Complaint.id)
        .with_for_update(of=Complaint, skip_locked=True)
    )
    return [(c, a) for c, a in session.execute(query).all()]


def mark_told(session: Session, complaint: Complaint, account: Account, *, now: datetime) -> ComplaintView:
    before = _state(complaint, account.account_id)
    complaint.overdue_alerted_at = now
    audit.record(
        session, at=now, actor="collect-bot", action="complaint.overdue", entity="complaint",
        entity_key=str(complaint.id), before=before, after=_state(complaint, account.account_id),
    )  # fmt: skip
    return _view(complaint, account)


def complaint_counts(session: Session, *, start: datetime, end: datetime, last_day: date) -> ComplaintCounts:
    """Opened and resolved in [start, end); overdue: still open at the end and due before `last_day`."""
    opened = session.execute(
        select(Complaint.category, Complaint.agent).where(
            Complaint.recorded_at >= start, Complaint.recorded_at < end
        )
    ).all()
    resolved = session.scalar(
        select(func.count()).where(Complaint.resolved_at >= start, Complaint.resolved_at < end)
    )
    still_open = session.execute(
        select(Complaint.due_on, Complaint.resolved_at).where(
            Complaint.recorded_at < end, (Complaint.resolved_at.is_(None)) | (Complaint.resolved_at >= end)
        )
    ).all()
    overdue = sum(1 for due, _resolved in still_open if is_overdue(last_day, due, resolved=False))
    return ComplaintCounts(
        opened=len(opened),
        resolved=int(resolved or 0),
        overdue=overdue,
        by_category=dict(Counter(category for category, _agent in opened)),
        by_agent=dict(Counter(agent or "" for _category, agent in opened)),
    )


def _view(complaint: Complaint, account: Account) -> ComplaintView:
    return ComplaintView(
        id=complaint.id,
        account_id=account.account_id,
        customer_name=account.customer_name,
        category=ComplaintCategory(complaint.category),
        text=complaint.text,
        recorded_by=complaint.recorded_by,
        handler=complaint.handler,
        opened_on=complaint.opened_on,
        due_on=complaint.due_on,
        outcome=complaint.outcome,
        resolved_by=complaint.resolved_by,
    )


def _state(complaint: Complaint, account_id: str) -> dict[str, Any]:
    return audit.snapshot(
        {
            "account_id": account_id,
            "category": complaint.category,
            "text": complaint.text,
            "handler": complaint.handler,
            "opened_on": complaint.opened_on,
            "due_on": complaint.due_on,
            "resolved_at": complaint.resolved_at,
            "resolved_by": complaint.resolved_by,
            "outcome": complaint.outcome,
            "overdue_alerted_at": complaint.overdue_alerted_at,
        }
    )
