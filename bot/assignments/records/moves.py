"""A supervisor moving an account to another agent, today's worklists included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.language.model import N_
from bot.ledger.records.accounts import find_account
from bot.roster.records import require_account_holder, require_supervisor
from storage.models import Assignment


@dataclass(frozen=True, slots=True)
class MoveOutcome:
    account_id: str
    customer_name: str
    from_agent: str | None
    to_agent: str
    to_name: str


def assign_account(
    session: Session, *, actor: str, account_id: str, agent_id: str, now: datetime, today: date
) -> MoveOutcome:
    require_supervisor(session, actor, N_("move accounts between agents"))
    agent = require_account_holder(session, agent_id)  # and so onto their list today
    account = find_account(session, account_id, for_update=True)
    before = audit.account_state(account)
    previous = account.assigned_to
    account.assigned_to = agent_id
    account.updated_at = now
    _move_todays_line(session, account.id, agent_id, today)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="account.assigned",
        entity="account",
        entity_key=account.account_id,
        before=before,
        after=audit.account_state(account),
    )
    return MoveOutcome(account.account_id, account.customer_name, previous, agent_id, agent.name)


def _move_todays_line(session: Session, account_pk: int, agent_id: str, today: date) -> None:
    """An account already on today's lists moves to the end of the new agent's list."""
    line = session.scalars(
        select(Assignment).where(Assignment.work_date == today, Assignment.account_pk == account_pk)
    ).first()
    if line is None or line.agent == agent_id:
        return
    last = session.scalar(
        select(func.max(Assignment.rank)).where(Assignment.work_date == today, Assignment.agent == agent_id)
    )
    line.agent = agent_id
    line.rank = (last or 0) + 1
