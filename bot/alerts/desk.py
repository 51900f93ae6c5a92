"""What a supervisor does with an alert: take the account over, give it to someone, or snooze it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot import audit
from bot.alerts.rules import SNOOZE_DAYS
from bot.assignments.records.moves import assign_account
from bot.errors import NotFoundError
from bot.roster.records import require_supervisor
from bot.runtime import Runtime
from storage.models import Account, Alert


def _alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFoundError("I can't find that alert any more.")
    return alert


def hand_to(runtime: Runtime, *, actor: str, alert_id: int, agent_id: str) -> str:
    """Take over (agent_id = the supervisor) or reassign: the account moves, the alert is handled."""
    with runtime.db.transaction() as session:
        require_supervisor(session, actor, "act on alerts")
        alert = _alert(session, alert_id)
        account = session.get_one(Account, alert.account_pk)
        moved = assign_account(
            session,
            actor=actor,
            account_id=account.account_id,
            agent_id=agent_id,
            now=runtime.now(),
            today=runtime.today(),
        )
        alert.handled_by, alert.cleared_at = actor, runtime.now()
        return f"{moved.account_id} is now {moved.to_name}'s."


def snooze(runtime: Runtime, *, actor: str, alert_id: int) -> str:
    with runtime.db.transaction() as session:
        require_supervisor(session, actor, "snooze alerts")
        alert = _alert(session, alert_id)
        alert.snoozed_until, alert.handled_by = runtime.now() + timedelta(days=SNOOZE_DAYS), actor
        audit.record(
            session,
            at=runtime.now(),
            actor=actor,
            action="alert.snoozed",
            entity="alert",
            entity_key=str(alert_id),
            after=audit.snapshot({"snoozed_until": alert.snoozed_until, "condition": alert.condition}),
        )
        return f"Snoozed for {SNOOZE_DAYS} days: {alert.why}"
