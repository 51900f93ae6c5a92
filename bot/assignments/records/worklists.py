"""Reading the day's worklists back: an agent's ranked lines with what is already done."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from bot.aging import days_past_due
from bot.assignments.model import Worklist, WorklistLine
from bot.roster.records import roster_name
from storage.models import Account, Assignment, Contact, Payment, Promise


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)


def worked_today(day: date, zone: ZoneInfo) -> ColumnElement[bool]:
    """Whether the line's account has a contact, payment or promise recorded during the team's day."""
    start, end = day_bounds(day, zone)
    return or_(
        exists().where(
            Contact.account_pk == Account.id, Contact.created_at >= start, Contact.created_at < end
        ),
        exists().where(
            Payment.account_pk == Account.id, Payment.created_at >= start, Payment.created_at < end
        ),
        exists().where(Promise.account_pk == Account.id, Promise.made_at >= start, Promise.made_at < end),
    )


def worklist_for(session: Session, agent_id: str, day: date, zone: ZoneInfo) -> Worklist:
    # One query of plain columns: the App Home is rebuilt from this after people's changes.
    rows = session.execute(
        select(
            Assignment.rank,
            Assignment.reasons,
            Account.account_id,
            Account.customer_name,
            Account.currency,
            Account.balance,
            Account.due_date,
            Account.status,
            worked_today(day, zone),
            Assignment.callable_from,
        )
        .join(Account, Account.id == Assignment.account_pk)
        .where(Assignment.work_date == day, Assignment.agent == agent_id)
        .order_by(Assignment.rank)
    ).all()
    lines = tuple(
        WorklistLine(
            rank=rank,
            account_id=account_id,
            customer_name=customer_name,
            currency=currency,
            balance=balance,
            days_past_due=days_past_due(due_date, day),
            reasons=tuple(reasons),
            done=bool(done),
            status=status,
            callable_from=callable_from,
        )
        for (
            rank, reasons, account_id, customer_name, currency, balance, due_date, status, done, callable_from
        ) in rows
    )  # fmt: skip
    name = roster_name(session, agent_id)
    return Worklist(agent_id=agent_id, agent_name=name, work_date=day, lines=lines, zone=zone)


def has_worklists(session: Session, day: date) -> bool:
    return session.scalar(select(Assignment.id).where(Assignment.work_date == day).limit(1)) is not None
