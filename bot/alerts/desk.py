"""What a supervisor does with an alert: take the account over, give it to someone, or snooze it;
one transaction each."""

from __future__ import annotations

from bot.alerts.records import hand_over, snooze_alert
from bot.runtime import Runtime


def hand_to(runtime: Runtime, *, actor: str, alert_id: int, agent_id: str) -> str:
    with runtime.db.transaction() as session:
        return hand_over(
            session,
            actor=actor,
            alert_id=alert_id,
            agent_id=agent_id,
            now=runtime.now(),
            today=runtime.today(),
        )


def snooze(runtime: Runtime, *, actor: str, alert_id: int) -> str:
    with runtime.db.transaction() as session:
        return snooze_alert(session, actor=actor, alert_id=alert_id, now=runtime.now())
