"""Records requests and retention, for the command line: one transaction each."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from bot.retention.records.export import export_account
from bot.retention.records.purge import PurgePlan, plan_purge, purge
from storage.database import Database


def account_history(db: Database, account_id: str, *, now: datetime) -> dict[str, Any]:
    with db.reading() as session:
        return export_account(session, account_id, now=now)


def purge_closed_accounts(
    db: Database, *, before: date, today: date, zone: tzinfo, now: datetime, dry_run: bool
) -> PurgePlan:
    """What is past the retention period: shown (dry run), or deleted as planned."""
    if dry_run:
        with db.reading() as session:
            return plan_purge(session, before=before, today=today, zone=zone)
    # Planned and deleted in one transaction: what is deleted is what was planned.
    with db.transaction() as session:
        return purge(session, plan_purge(session, before=before, today=today, zone=zone), now=now)
