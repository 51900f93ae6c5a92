"""Changing the roster from Slack: `/collect team`, for admins and managers, audited; one transaction
each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import audit
from bot.access import may_change_role, may_manage_roster
from bot.errors import UserError
from bot.roster.records import find_member, supervises
from bot.runtime import Runtime
from bot.vocabulary import Role
from storage.models import Agent


@dataclass(frozen=True, slots=True)
class Member:
    slack_user_id: str
    name: str
    role: str
    active: bool


def _require_roster_manager(role: str | None) -> None:
    if not may_manage_roster(role):
        raise UserError("Only admins and managers can change the team.", "Ask one of them.")


def _require_power_over(me: Agent | None, member: Agent | None, new_role: Role | None) -> None:
    """Who may not make an admin may not unmake one either (demote or remove)."""
    actor_role = me.role if me is not None and me.active else None
    _require_roster_manager(actor_role)
    if not may_change_role(actor_role, member.role if member else None, new_role):
        raise UserError(
            "Only an admin can make someone an admin, or change or remove an admin.", "Ask an admin."
        )


def list_team(runtime: Runtime, *, actor: str) -> list[Member]:
    with runtime.db.reading() as session:
        if not supervises(find_member(session, actor)):
            raise UserError("Only supervisors, managers and admins can list the team.")
        agents = session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.role, Agent.name))
        return [Member(a.slack_user_id, a.name, a.role, a.active) for a in agents]


def add_member(runtime: Runtime, *, actor: str, user_id: str, role: Role, name: str) -> Member:
    """Adds someone (or gives them a new role, or brings them back)."""
    now = runtime.now()
    with runtime.db.transaction() as session:
        me = find_member(session, actor)
        member = find_member(session, user_id)
        _require_power_over(me, member, role)
        before = audit.snapshot({"role": member.role, "active": member.active}) if member else None
        if member is None:
            member = Agent(
                slack_user_id=user_id, name=name, role=role, languages="", created_at=now, updated_at=now
            )
            session.add(member)
        member.role, member.active, member.updated_at = role, True, now
        session.flush()
        audit.record(
            session, at=now, actor=actor, action="team.added", entity="agent", entity_key=user_id,
            before=before, after=audit.snapshot({"role": role, "active": True}),
        )  # fmt: skip
        changed = Member(user_id, member.name, member.role, True)
    # Once committed: a gate check between a forget and the commit would remember the old row.
    runtime.roster_memory.forget()
    return changed


def remove_member(runtime: Runtime, *, actor: str, user_id: str) -> Member:
    """Deactivates: their history stays, they leave tomorrow's worklists and lose access."""
    now = runtime.now()
    with runtime.db.transaction() as session:
        me = find_member(session, actor)
        _require_roster_manager(me.role if me is not None and me.active else None)
        if user_id == actor:
            raise UserError("You can't remove yourself.", "Ask another admin or manager.")
        member = find_member(session, user_id)
        if member is None or not member.active:
            raise UserError(f"{user_id} is not on the team.")
        _require_power_over(me, member, None)
        member.active, member.updated_at = False, now
        audit.record(
            session, at=now, actor=actor, action="team.removed", entity="agent", entity_key=user_id,
            before=audit.snapshot({"role": member.role, "active": True}), after=audit.snapshot({"active": False}),
        )  # fmt: skip
        changed = Member(user_id, member.name, member.role, False)
    runtime.roster_memory.forget()  # once committed, as above
    return changed
