"""Reports on demand and targets: `/collect report`, `/collect target` and `collect-bot report`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot import audit
from bot.errors import UserError
from bot.parsing.amounts import parse_amount
from bot.reports.model import PerformanceReport, PeriodKind
from bot.reports.numbers import build_report
from bot.roster import find_member, require_member, require_supervisor, supervises
from bot.runtime import Runtime


def report_for(
    runtime: Runtime, *, actor: str, kind: PeriodKind, user_id: str | None
) -> tuple[PerformanceReport, str | None]:
    """The current period's numbers. An agent sees their own; a supervisor anyone's or the team's.
    Returns the report and whose line to show (None: the team)."""
    with runtime.db.reading() as session:
        me = find_member(session, actor)
        if me is None:
            raise UserError("You are not on the team's roster.", "Ask an admin to add you.")
        whose = user_id if supervises(me) else actor
        if user_id and user_id != actor and not supervises(me):
            raise UserError("Agents see their own numbers only.", "Type `/collect report` for yours.")
        if whose:
            require_member(session, whose)
        return build_report(session, kind, runtime.today(), runtime.settings, runtime.now()), whose


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    agent_id: str
    agent_name: str
    target: Decimal
    currency: str


def set_target(runtime: Runtime, *, actor: str, user_id: str, amount_text: str) -> TargetOutcome:
    currency = runtime.settings.target_currency
    with runtime.db.transaction() as session:
        require_supervisor(session, actor, "set targets")
        agent = require_member(session, user_id)
        amount = parse_amount(amount_text, currency)
        before = audit.snapshot({"monthly_target": agent.monthly_target})
        agent.monthly_target = amount
        agent.updated_at = runtime.now()
        audit.record(
            session,
            at=runtime.now(),
            actor=actor,
            action="agent.target",
            entity="agent",
            entity_key=user_id,
            before=before,
            after=audit.snapshot({"monthly_target": amount, "currency": currency}),
        )
        return TargetOutcome(user_id, agent.name, amount, currency)
