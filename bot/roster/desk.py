"""Changing the roster from Slack: `/collect team`, for admins and managers, audited; one transaction
each."""

from __future__ import annotations

from bot.roster.model import Member
from bot.roster.records import join, leave, speak_to, team_members
from bot.runtime import Runtime
from bot.vocabulary import Role


def list_team(runtime: Runtime, *, actor: str) -> list[Member]:
    with runtime.db.reading() as session:
        return team_members(session, actor=actor)


def add_member(
    runtime: Runtime, *, actor: str, user_id: str, role: Role, name: str, locale: str | None = None
) -> Member:
    with runtime.db.transaction() as session:
        changed = join(
            session, actor=actor, user_id=user_id, role=role, name=name, now=runtime.now(), locale=locale
        )
    # Once committed: a gate check between a forget and the commit would remember the old row.
    runtime.roster_memory.forget()
    return changed


def choose_language(runtime: Runtime, *, user: str, locale: str | None) -> Member:
    """`user`'s own choice of the language the bot speaks to them (the sandbox's language menu)."""
    with runtime.db.transaction() as session:
        changed = speak_to(session, user_id=user, locale=locale, now=runtime.now())
    runtime.roster_memory.forget()  # once committed, as above
    return changed


def remove_member(runtime: Runtime, *, actor: str, user_id: str) -> Member:
    with runtime.db.transaction() as session:
        changed = leave(session, actor=actor, user_id=user_id, now=runtime.now())
    runtime.roster_memory.forget()  # once committed, as above
    return changed
