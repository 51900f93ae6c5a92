"""The complaint rules, over plain values: the response deadline, lateness, and who may close one."""

from __future__ import annotations

from datetime import date, timedelta


def due_on(today: date, days: int) -> date:
    """Calendar days, not working days: regulators' complaint deadlines (15 days is common) count
    the customer's calendar, and the date must not move when the team's workdays change."""
    return today + timedelta(days=max(days, 0))


def is_overdue(today: date, due: date, *, resolved: bool) -> bool:
    """Late once the due date has passed without an answer: the due date itself is still in time."""
    return not resolved and today > due


def handler_for(recorder: str, *, recorder_supervises: bool) -> str | None:
    """Whoever records it handles it when they supervise; an agent's complaint goes to the
    supervisors as a group (None), as an agent should not answer a complaint about their own work."""
    return recorder if recorder_supervises else None


def may_resolve(actor: str, *, supervises: bool, handler: str | None) -> bool:
    return supervises or (handler is not None and actor == handler)
