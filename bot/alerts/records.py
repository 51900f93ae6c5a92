"""Acting on an alert inside the desk's transaction: the account handed over, or the alert snoozed,
audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot import audit
from bot.alerts.rules import SNOOZE_DAYS
from bot.assignments.records.moves import assign_account
from bot.errors import NotFoundError
from bot.roster.records import require_supervisor
from storage.models import Account, Alert


def _alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFoundError("I can't find that alert any more.")
    return alert


def hand_over(
    session: Session, *, actor: str, alert_id: int, agent_id: str, now: datetime, today: date
) -> str:
    """Take over (agent_id = the supervisor) or reassign: the account moves, the alert is handled."""
    require_supervisor(session, actor, "act on alerts")
    alert = _alert(session, alert_id)
    account = session.get_one(Account, alert.account_pk)
    moved = assign_account(
        session, actor=actor, account_id=account.account_id, agent_id=agent_id, now=now, today=today
    )
    alert.handled_by, alert.cleared_at = actor, now
    return f"{moved.account_id} is now {moved.to_name}'s."


def snooze_alert(session: Session, *, actor: str, alert_id: int, now: datetime) -> str:
    require_supervisor(session, actor, "snooze alerts")
    alert = _alert(session, alert_id)
    alert.snoozed_until, alert.handled_by = now + timedelta(days=SNOOZE_DAYS), actor
    audit.record(
        session, at=now, actor=actor, action="alert.snoozed", entity="alert", entity_key=str(alert_id),
        after=audit.snapshot({"snoozed_until": alert.snoozed_until, "condition": alert.condition}),
    )  # fmt: skip
    return f"Snoozed for {SNOOZE_DAYS} days: {alert.why}"
