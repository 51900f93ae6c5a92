"""Monthly targets: a supervisor sets one for someone on the team, audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import audit
from bot.language.model import N_
from bot.parsing.amounts import parse_amount
from bot.reports.model import TargetOutcome
from bot.roster.records import require_member, require_supervisor


def set_monthly_target(
    session: Session, *, actor: str, user_id: str, amount_text: str, currency: str, now: datetime
) -> TargetOutcome:
    require_supervisor(session, actor, N_("set targets"))
    agent = require_member(session, user_id)
    amount = parse_amount(amount_text, currency)
    before = audit.snapshot({"monthly_target": agent.monthly_target})
    agent.monthly_target = amount
    agent.updated_at = now
    audit.record(
        session, at=now, actor=actor, action="agent.target", entity="agent", entity_key=user_id,
        before=before, after=audit.snapshot({"monthly_target": amount, "currency": currency}),
    )  # fmt: skip
    return TargetOutcome(user_id, agent.name, amount, currency)
