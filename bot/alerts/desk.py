"""What a supervisor does with an alert: take the account over, give it to someone, or snooze it;
one transaction each, the alert's line in the channel message edited in the same transaction."""

from __future__ import annotations

from math import ceil

from bot.alerts.records import hand_over, open_alerts, queue_line_edit, snooze_alert
from bot.alerts.rules import SNOOZE_DAYS, ranked
from bot.blocks.alerts import AlertLine, alerts_page
from bot.blocks.kit import Reply
from bot.roster.records import require_supervisor
from bot.runtime import Runtime

PAGE_SIZE = 10


def hand_to(runtime: Runtime, *, actor: str, alert_id: int, agent_id: str) -> str:
    now = runtime.now()
    with runtime.db.transaction() as session:
        acted = hand_over(
            session, actor=actor, alert_id=alert_id, agent_id=agent_id, now=now, today=runtime.today()
        )
        did = "Taken over" if agent_id == actor else "Reassigned"
        queue_line_edit(session, acted, did=did, actor=actor, at=now, zone=runtime.zone)
        return acted.said


def snooze(runtime: Runtime, *, actor: str, alert_id: int) -> str:
    now = runtime.now()
    with runtime.db.transaction() as session:
        acted = snooze_alert(session, actor=actor, alert_id=alert_id, now=now)
        queue_line_edit(
            session, acted, did=f"Snoozed {SNOOZE_DAYS} days", actor=actor, at=now, zone=runtime.zone
        )
        return acted.said


def alerts_list(runtime: Runtime, *, actor: str, page: int) -> Reply:
    """`/collect alerts`: every open alert, one line per account, the most pressing first."""
    with runtime.db.reading() as session:
        require_supervisor(session, actor, "see the alerts")
        ordered = ranked(open_alerts(session))
    pages = max(1, ceil(len(ordered) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = [
        AlertLine(a.alert_id, a.account_id, a.customer_name, a.said, a.assigned_to, a.balance) for a in shown
    ]
    return alerts_page(lines, page=page, pages=pages, total=len(ordered))
