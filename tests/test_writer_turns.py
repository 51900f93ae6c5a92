"""Writers of one process take turns on SQLite (storage.database.WriterTurns). That many writers at
once all land is tested by test_ledger's twenty simultaneous payments, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from storage.database import Database, WriterTurns
from storage.models import Account
from tests.portfolio import add_account


def test_a_writer_that_waits_past_the_timeout_fails_instead_of_hanging() -> None:
    turns = WriterTurns(timeout=0.05)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with turns:
            holding.set()
            done.wait(timeout=10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(TimeoutError, match="no turn to write"), turns:
            pass
    finally:
        done.set()
        holder.join(timeout=10)
    with turns:  # free again once the holder is done
        pass


def test_a_failed_change_gives_up_its_turn(db: Database) -> None:
    add_account(db, "ACC-1042", "1000.00")
    with pytest.raises(ValueError), db.transaction() as session:
        session.scalars(select(Account)).all()
        raise ValueError("the change is refused half-way")
    with db.transaction() as session:  # would wait for the busy timeout if the turn were kept
        account = session.scalars(select(Account).where(Account.account_id == "ACC-1042")).one()
        account.balance -= Decimal("1.00")
    with db.reading() as session:
        assert session.scalar(select(Account.balance)) == Decimal("999.00")


def test_the_writers_connection_left_unusable_is_replaced_and_nothing_of_the_failure_is_kept(
    db: Database,
) -> None:
    """On SQLite the writers take turns on one kept connection (Database._writer_connection): one a
    failure invalidated, or left in a transaction, is not handed to the next writer."""
    add_account(db, "ACC-1042", "1000.00")
    with pytest.raises(RuntimeError), db.transaction() as session:
        account = session.scalars(select(Account)).one()
        account.balance -= Decimal("500.00")
        session.flush()
        session.connection().invalidate()  # as a broken connection is, after a disk or driver error
        raise RuntimeError("the connection broke half-way")
    with db.transaction() as session:
        account = session.scalars(select(Account)).one()
        assert account.balance == Decimal("1000.00")  # the half-done change was not kept
        account.balance -= Decimal("1.00")
    with db.reading() as session:
        assert session.scalar(select(Account.balance)) == Decimal("999.00")
    db.dispose()  # the kept connection is closed with the engines, and opened again when needed
    with db.transaction() as session:
        session.scalars(select(Account)).one().balance -= Decimal("1.00")
    with db.reading() as session:
        assert session.scalar(select(Account.balance)) == Decimal("998.00")
