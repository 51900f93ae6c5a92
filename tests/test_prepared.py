"""storage.prepared: the busiest statements run on the driver's cursor give what Core's execution
gives (the same values through the same type processors), fail as Core's does (SQLAlchemy's own
errors, which the ledger and Database.transaction catch), and are seen by the connection's
statement listeners (tests/test_statement_counts.py counts with them), on SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.database import Database
from storage.models import Account, AuditEntry, Payment, ReceivedRequest, table_of
from storage.prepared import PreparedStatement

AT = datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=UTC)
ACCOUNTS, PAYMENTS = table_of(Account), table_of(Payment)


def _an_account(db: Database) -> int:
    with db.transaction() as session:
        found = session.execute(
            insert(ACCOUNTS).returning(ACCOUNTS.c.id),
            {"account_id": "ACC-1", "account_key": "acc-1", "customer_name": "Ana O'Brien",
             "currency": "JPY", "balance": Decimal("1234567.0000"), "original_amount": Decimal("0.0001"),
             "due_date": date(2026, 1, 31), "status": "active", "customer_timezone": "America/New_York",
             "created_at": AT, "updated_at": AT},
        ).scalar_one()  # fmt: skip
    return int(found)


_ACCOUNT_ROW = select(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("pk"))
_PAYMENT = insert(PAYMENTS).returning(PAYMENTS.c.id, PAYMENTS.c.amount, PAYMENTS.c.received_at)
_PAYMENT_KEYS = ("account_pk", "amount", "currency", "reference", "reference_key", "received_at",
                 "recorded_by", "source", "created_at")  # fmt: skip


def _payment(pk: int, amount: str, reference: str) -> dict[str, Any]:
    return {"account_pk": pk, "amount": Decimal(amount), "currency": "JPY", "reference": reference,
            "reference_key": reference.casefold(), "received_at": AT - timedelta(days=400),
            "recorded_by": "U1", "source": "slack", "created_at": AT}  # fmt: skip


def test_a_prepared_select_gives_what_core_gives(db: Database) -> None:
    pk = _an_account(db)
    with db.transaction() as session:
        by_core = session.connection().execute(_ACCOUNT_ROW, {"pk": pk}).one()
        prepared = PreparedStatement(_ACCOUNT_ROW).rows(session.connection(), {"pk": pk})
    assert prepared == [tuple(by_core)]
    row = dict(zip(ACCOUNTS.c.keys(), prepared[0], strict=True))
    assert row["balance"] == Decimal("1234567.0000") and isinstance(row["balance"], Decimal)
    assert row["original_amount"] == Decimal("0.0001")
    assert row["created_at"] == AT and row["created_at"].utcoffset() == timedelta(0)
    assert row["due_date"] == date(2026, 1, 31)
    assert row["customer_name"] == "Ana O'Brien"


def test_a_prepared_insert_stores_and_returns_what_core_does(db: Database) -> None:
    pk = _an_account(db)
    statement = PreparedStatement(_PAYMENT, column_keys=_PAYMENT_KEYS)
    with db.transaction() as session:
        first = statement.first(session.connection(), _payment(pk, "12.3456", "R-1"))
        by_core = session.connection().execute(_PAYMENT, _payment(pk, "0.0001", "R-2")).one()
    assert first is not None
    assert first[1:] == (Decimal("12.3456"), AT - timedelta(days=400))
    assert tuple(by_core)[1:] == (Decimal("0.0001"), AT - timedelta(days=400))
    with db.reading() as session:
        stored = session.execute(
            select(PAYMENTS.c.amount, PAYMENTS.c.received_at).order_by(PAYMENTS.c.id)
        ).all()
    assert [tuple(row) for row in stored] == [
        (Decimal("12.3456"), AT - timedelta(days=400)),
        (Decimal("0.0001"), AT - timedelta(days=400)),
    ]


def test_a_fixed_value_in_the_statement_is_bound_as_core_binds_it(db: Database) -> None:
    pk = _an_account(db)
    with db.transaction() as session:
        session.connection().execute(_PAYMENT, _payment(pk, "5", "R-1"))
    from_slack = PreparedStatement(
        select(PAYMENTS.c.reference).where(
            PAYMENTS.c.account_pk == bindparam("pk"), PAYMENTS.c.source == "slack"
        )
    )
    from_feed = PreparedStatement(
        select(PAYMENTS.c.reference).where(
            PAYMENTS.c.account_pk == bindparam("pk"), PAYMENTS.c.source == "import"
        )
    )
    with db.reading() as session:
        assert from_slack.rows(session.connection(), {"pk": pk}) == [("R-1",)]
        assert from_feed.rows(session.connection(), {"pk": pk}) == []


def test_a_unique_key_taken_is_sqlalchemys_integrity_error_and_nothing_is_written(db: Database) -> None:
    claim = PreparedStatement(insert(table_of(ReceivedRequest)), column_keys=("request_key", "received_at"))
    with db.transaction() as session:
        claim.run(session.connection(), {"request_key": "slash:1", "received_at": AT})
    with pytest.raises(IntegrityError), db.transaction() as session:
        claim.run(session.connection(), {"request_key": "slash:2", "received_at": AT})
        claim.run(session.connection(), {"request_key": "slash:1", "received_at": AT})
    with db.reading() as session:
        keys = session.scalars(select(table_of(ReceivedRequest).c.request_key)).all()
    assert keys == ["slash:1"]  # the whole second transaction rolled back


def test_the_connections_statement_listeners_see_each_prepared_statement(db: Database) -> None:
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split())[:30])

    audit = PreparedStatement(
        insert(table_of(AuditEntry)),
        column_keys=("at", "actor", "action", "entity", "entity_key", "before", "after"),
    )
    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        with db.transaction() as session:
            audit.run(session.connection(), {"at": AT, "actor": "U1", "action": "test", "entity": "account",
                                             "entity_key": "ACC-1", "before": None, "after": {"n": "1.00"}})  # fmt: skip
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    assert [s for s in seen if s.startswith("INSERT")] == ["INSERT INTO audit_log (at, act"]
    with db.reading() as session:
        after = session.scalars(select(table_of(AuditEntry).c.after)).one()
    assert after == {"n": "1.00"}


def test_a_statement_needing_a_value_per_run_from_python_is_refused_when_built() -> None:
    """A Python-side column default is Core's to compute at each run: this road would leave it out."""
    from sqlalchemy import Column, Integer, MetaData, Table
    from sqlalchemy.dialects import sqlite

    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer, default=lambda: 7)
    )
    statement = PreparedStatement(insert(table), column_keys=("id",))
    with pytest.raises(AssertionError, match="Python-side default"):
        statement._compile(sqlite.dialect())


def test_a_statement_run_again_and_again_on_one_connection_gives_each_runs_own_rows(db: Database) -> None:
    """On PostgreSQL each statement keeps a cursor of its own on the connection (psycopg keeps the
    adapters it found there): a value that is None on one run and text on the next, or a row
    and then none, is each run's own."""
    pk = _an_account(db)
    with db.transaction() as session:
        session.connection().execute(_PAYMENT, _payment(pk, "5", "R-1"))
    by_reference = PreparedStatement(
        select(PAYMENTS.c.amount).where(
            PAYMENTS.c.account_pk == bindparam("pk"), PAYMENTS.c.reference == bindparam("reference")
        )
    )
    with db.transaction() as session:
        connection = session.connection()
        runs = [by_reference.rows(connection, {"pk": pk, "reference": reference})
                for reference in ("R-1", None, "R-2", "R-1", None, "R-1")]  # fmt: skip
    assert runs == [[(Decimal("5.0000"),)], [], [], [(Decimal("5.0000"),)], [], [(Decimal("5.0000"),)]]


def test_a_statement_that_failed_runs_again_on_the_same_connection(db: Database) -> None:
    claim = PreparedStatement(insert(table_of(ReceivedRequest)), column_keys=("request_key", "received_at"))
    for key in ("slash:1", "slash:1", "slash:2"):
        with suppress(IntegrityError), db.transaction() as session:
            claim.run(session.connection(), {"request_key": key, "received_at": AT})
    with db.reading() as session:
        keys = session.scalars(select(table_of(ReceivedRequest).c.request_key).order_by("request_key"))
        assert list(keys) == ["slash:1", "slash:2"]


def test_a_statement_runs_on_the_new_connection_when_the_old_one_was_replaced(db: Database) -> None:
    if db.engine.dialect.name == "sqlite":
        pytest.skip("a database file has no server to restart under its connections")
    pk = _an_account(db)
    statement = PreparedStatement(_ACCOUNT_ROW)
    with db.transaction() as session:
        assert statement.first(session.connection(), {"pk": pk}) is not None
        dead = session.connection().connection.dbapi_connection
    assert dead is not None
    dead.close()  # as a database restart leaves it: the pool finds it dead and replaces it
    for _attempt in range(2):
        with suppress(DBAPIError), db.transaction() as session:
            found = statement.first(session.connection(), {"pk": pk})
    assert found is not None and found[ACCOUNTS.c.keys().index("customer_name")] == "Ana O'Brien"
