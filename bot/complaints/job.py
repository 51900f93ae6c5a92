"""The complaints' part of the supervisor-alerts job: complaints past their due date told in the
supervisors' channel, each once, in the job's claimed transaction (so two processes never tell
the same one)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.blocks.complaints import complaints_overdue_message
from bot.complaints.records import mark_told, overdue_to_tell
from bot.outbox.records import enqueue
from bot.runtime import Runtime


def tell_overdue(session: Session, runtime: Runtime, *, today: date, at: datetime) -> int:
    """How many overdue complaints were told now; none is told without a supervisors' channel,
    so that one set later still hears of them."""
    channel = runtime.settings.supervisor_channel
    if not channel:
        return 0
    found = overdue_to_tell(session, today=today)
    if not found:
        return 0
    told = [mark_told(session, complaint, account, now=at) for complaint, account in found]
    enqueue(
        session,
        key=f"complaints-overdue:{min(view.id for view in told)}:{at.isoformat()}",
        kind="complaints-overdue",
        channel=channel,
        reply=complaints_overdue_message(told),
        now=at,
    )
    return len(told)
