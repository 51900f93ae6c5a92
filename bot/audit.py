"""The audit trail: every change appends who, what, when, before and after, in its own transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import Account, AuditEntry, table_of


def json_value(value: object) -> Any:
    """Audit rows are JSON: money as exact strings, dates as ISO."""
    if value is None or type(value) is str:  # most values, answered before the isinstance tests
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(values: dict[str, object]) -> dict[str, Any]:
    return {key: json_value(value) for key, value in values.items()}


AUDITED_ACCOUNT_FIELDS = (
    "customer_name", "customer_id", "phone", "email", "customer_timezone", "language", "currency",
    "balance", "original_amount", "due_date", "last_payment_date", "last_payment_amount",
    "assigned_to", "status", "hold_reason", "hold_until", "settlement_amount", "written_off_amount",
    "address_line1", "address_line2", "city", "region", "postal_code", "country",
    "itemization_date", "itemization_amount", "interest_since", "fees_since", "validation_ends", "product",
)  # fmt: skip


def account_state(account: Account) -> dict[str, Any]:
    return snapshot({field: getattr(account, field) for field in AUDITED_ACCOUNT_FIELDS})


# Built once: every change writes an audit row, and building the statement costs more than
# running it. A plain insert, not an ORM object: it is never read back in the transaction.
_INSERT = insert(table_of(AuditEntry))


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_key: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    # On the session's connection, past the ORM's execute (its autoflush and compile-state steps
    # cost more than the insert, and the row depends on nothing pending: what is pending is
    # flushed at commit, in the same transaction).
    session.connection().execute(
        _INSERT,
        {
            "at": at,
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_key": entity_key,
            "before": before,
            "after": after,
        },
    )
