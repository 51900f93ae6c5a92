"""The audit trail: every change appends who, what, when, before and after, in its own transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _escaped
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import Account, AuditEntry, table_of
from storage.prepared import PreparedStatement, connection_of


def json_value(value: object) -> Any:
    """Audit rows are JSON: money as exact strings, dates as ISO."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:  # most values, answered first
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    return value


def snapshot(values: dict[str, object]) -> dict[str, Any]:
    return {key: json_value(value) for key, value in values.items()}


def snapshot_json(values: dict[str, object] | None) -> str:
    """The text a JSON column stores for snapshot(values) (`null` for None): json.dumps, as the
    column's own type writes it on SQLite and as psycopg's Json does on PostgreSQL."""
    return json.dumps(snapshot(values) if values is not None else None)


class SnapshotText:
    """snapshot_json(dict(zip(names, values))) for many rows of the same `names`: the text around
    the values is made once (with the values of the names in `fixed`, the same on every row), and
    each value is escaped as json.dumps escapes it (ASCII only), text and None without a call. A
    portfolio import audits a hundred thousand new accounts with it."""

    def __init__(self, names: Sequence[str], fixed: Mapping[str, object] | None = None) -> None:
        if len(set(names)) != len(names):
            raise ValueError("a snapshot names each field once")
        fixed = fixed or {}
        # A %-template: the literal text has its % doubled, each value that varies is one %s.
        parts = [
            f"{_escaped(name)}: {_json_text(fixed[name])}".replace("%", "%%")
            if name in fixed
            else f"{_escaped(name).replace('%', '%%')}: %s"
            for name in names
        ]
        self._template = "{" + ", ".join(parts) + "}"
        self.names = tuple(name for name in names if name not in fixed)
        """The names whose values each call gives, in this order."""

    def __call__(self, values: Sequence[object]) -> str:
        if len(values) != len(self.names):
            raise ValueError(f"{len(values)} values for {len(self.names)} fields")
        return self._template % tuple(
            [
                "null"
                if value is None
                else _escaped(value)
                if type(value) is str
                else f'"{value}"'
                if type(value) in _PLAIN_TEXT
                else _json_text(value)
                for value in values
            ]
        )


# Kinds whose str() is what json_value makes of them (a Decimal's digits, a day's ISO form), in
# characters JSON leaves as they are: quoted without asking json.dumps.
_PLAIN_TEXT = frozenset({Decimal, date})


def _json_text(value: object) -> str:
    return json.dumps(json_value(value))


AUDITED_ACCOUNT_FIELDS = (
    "customer_name", "customer_id", "phone", "email", "customer_timezone", "language", "currency",
    "balance", "original_amount", "due_date", "last_payment_date", "last_payment_amount",
    "assigned_to", "status", "hold_reason", "hold_until", "settlement_amount", "written_off_amount",
    "address_line1", "address_line2", "city", "region", "postal_code", "country",
    "itemization_date", "itemization_amount", "interest_since", "fees_since", "validation_ends", "product",
)  # fmt: skip


def account_state(account: Account) -> dict[str, Any]:
    # The values the instance holds are read from its dict (each through the ORM's attribute
    # descriptor cost a payment as much as its audit row's JSON); one not loaded, through it.
    loaded = account.__dict__
    return {
        field: json_value(loaded[field] if field in loaded else getattr(account, field))
        for field in AUDITED_ACCOUNT_FIELDS
    }


# Built once: every change writes an audit row, and building the statement costs more than
# running it. A plain insert, not an ORM object: it is never read back in the transaction.
_INSERT = PreparedStatement(
    insert(table_of(AuditEntry)),
    column_keys=("at", "actor", "action", "entity", "entity_key", "before", "after"),
)


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
    _INSERT.run(
        connection_of(session),
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
