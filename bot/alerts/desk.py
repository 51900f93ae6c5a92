"""What a supervisor does with an alert: take the account over, give it to someone, or snooze it;
one transaction each, the alert's line in the channel message edited in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from math import ceil

from bot.alerts.records import hand_over, open_alerts, queue_line_edit, snooze_alert, thresholds
from bot.alerts.rules import Condition, new_owner_window, ranked, window_ends
from bot.blocks.alerts import AlertLine, alerts_page
from bot.blocks.kit import Reply
from bot.calendar import start_of_day
from bot.language.model import N_
from bot.roster.records import require_supervisor
from bot.runtime import Runtime

PAGE_SIZE = 10


def _watched_again(runtime: Runtime) -> Callable[[str], datetime | None]:
    """When a condition handed over with its account is watched again: the new owner's window."""
    limits, today, calendar = thresholds(runtime), runtime.today(), runtime.settings.work_calendar

    def when(condition: str) -> datetime | None:
        window = new_owner_window(Condition(condition), limits)
        if window is None:
            return None
        return start_of_day(window_ends(today, window, calendar.is_working_day), runtime.zone)

    return when


def hand_to(runtime: Runtime, *, actor: str, alert_id: int, agent_id: str) -> str:
    now = runtime.now()
    with runtime.db.transaction() as session:
        acted = hand_over(
            session, actor=actor, alert_id=alert_id, agent_id=agent_id, now=now, today=runtime.today(),
            watched_again=_watched_again(runtime),
        )  # fmt: skip
        # Marked here, translated where the channel's message is written (bot.blocks.alerts).
        did = N_("Taken over") if agent_id == actor else N_("Reassigned")
        queue_line_edit(session, acted, did=did, actor=actor, at=now, zone=runtime.zone)
        return acted.said


def snooze(runtime: Runtime, *, actor: str, alert_id: int) -> str:
    now = runtime.now()
    with runtime.db.transaction() as session:
        acted = snooze_alert(session, actor=actor, alert_id=alert_id, now=now)
        queue_line_edit(session, acted, did=N_("Snoozed"), actor=actor, at=now, zone=runtime.zone)
        return acted.said


def alerts_list(runtime: Runtime, *, actor: str, page: int) -> Reply:
    """`/collect alerts`: every open alert, one line per account, the most pressing first."""
    with runtime.db.reading() as session:
        require_supervisor(session, actor, N_("see the alerts"))
        ordered = ranked(open_alerts(session, runtime.today()))
    pages = max(1, ceil(len(ordered) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = [
        AlertLine(a.alert_id, a.account_id, a.customer_name, a.said, a.assigned_to, a.balance) for a in shown
    ]
    return alerts_page(lines, page=page, pages=pages, total=len(ordered))
