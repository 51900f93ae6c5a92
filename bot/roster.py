"""The team's roster: who is who, by Slack user id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Agent


def find_member(session: Session, slack_user_id: str) -> Agent | None:
    return session.scalars(select(Agent).where(Agent.slack_user_id == slack_user_id)).first()


def roster_name(session: Session, slack_user_id: str) -> str:
    """A person's name for plain text; their Slack id when they are not on the roster."""
    member = find_member(session, slack_user_id)
    return member.name if member else slack_user_id
