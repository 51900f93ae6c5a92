"""Reading the day's worklists back: an agent's ranked lines with what is already done."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from bot.aging import days_past_due
from bot.assignments.worklist import Worklist, WorklistLine
from bot.roster import roster_name
from storage.models import Account, Assignment, Contact, Payment, Promise


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)


def worked_today(session: Session, account_pks: list[int], day: date, zone: ZoneInfo) -> set[int]:
    """Accounts with a contact, payment or promise recorded during the team's day."""
    if not account_pks:
        return set()
    start, end = day_bounds(day, zone)
    queries = (
        select(Contact.account_pk).where(
            Contact.account_pk.in_(account_pks), Contact.created_at.between(start, end)
        ),
        select(Payment.account_pk).where(
            Payment.account_pk.in_(account_pks), Payment.created_at.between(start, end)
        ),
        select(Promise.account_pk).where(
            Promise.account_pk.in_(account_pks), Promise.made_at.between(start, end)
        ),
    )
    return set(session.scalars(select(union(*queries).subquery().c[0])))


def worklist_for(session: Session, agent_id: str, day: date, zone: ZoneInfo) -> Worklist:
    rows = session.execute(
        select(Assignment, Account)
        .join(Account, Account.id == Assignment.account_pk)
        .where(Assignment.work_date == day, Assignment.agent == agent_id)
        .order_by(Assignment.rank)
    ).all()
    done = worked_today(session, [account.id for _assignment, account in rows], day, zone)
    lines = tuple(
        WorklistLine(
            rank=assignment.rank,
            account_id=account.account_id,
            customer_name=account.customer_name,
            currency=account.currency,
            balance=account.balance,
            days_past_due=days_past_due(account.due_date, day),
            reasons=tuple(assignment.reasons),
            done=account.id in done,
        )
        for assignment, account in rows
    )
    return Worklist(agent_id=agent_id, agent_name=roster_name(session, agent_id), work_date=day, lines=lines)


def has_worklists(session: Session, day: date) -> bool:
    return session.scalar(select(Assignment.id).where(Assignment.work_date == day).limit(1)) is not None
