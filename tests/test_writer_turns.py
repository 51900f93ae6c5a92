"""Writers of one process take turns on SQLite (storage.database.WriterTurns). That many writers at
once all land is tested by test_ledger's twenty simultaneous payments, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.database import SQLITE_WAIT_SECONDS, Database, OutOfTimeError, WriterTurns
from storage.models import Account
from tests.portfolio import add_account


@contextmanager
def held_by_another_thread(hold: Callable[[], AbstractContextManager[object]]) -> Iterator[None]:
    """Another thread inside `hold()` for as long as the block runs."""
    holding, done = threading.Event(), threading.Event()

    def run() -> None:
        with hold():
            holding.set()
            done.wait(timeout=10)

    holder = threading.Thread(target=run)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        yield
    finally:
        done.set()
        holder.join(timeout=10)


def test_a_writer_that_waits_past_the_timeout_fails_instead_of_hanging() -> None:
    turns = WriterTurns(timeout=0.05)
    with held_by_another_thread(lambda: turns), pytest.raises(TimeoutError, match="no turn to write"), turns:
        pass
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


def test_a_bounded_change_waits_for_another_process_s_write_lock_only_as_long_as_its_bound(
    db: Database,
) -> None:
    """Pay and log answer on the request's thread with their waits bounded (Database.bounded): on
    SQLite the writers' turn and the busy timeout for another process's write lock (a CLI
    import). Past the bound: OutOfTimeError, nothing written, and the connection's own busy
    timeout is back for everyone else."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's bounded waits are its lock and statement timeouts")
    add_account(db, "ACC-1042", "1000.00")
    assert db.allow_bounded(0.1)
    other = sqlite3.connect(str(make_url(db.url).database), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(OutOfTimeError), db.bounded(), db.transaction() as session:
            session.scalars(select(Account)).one().balance -= Decimal("1.00")
        assert time.monotonic() - started < SQLITE_WAIT_SECONDS / 10
    finally:
        other.execute("COMMIT")
        other.close()
    with db.transaction() as session:
        busy = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert busy == SQLITE_WAIT_SECONDS * 1000
    with db.reading() as session:
        assert session.scalar(select(Account.balance)) == Decimal("1000.00")


def test_the_busy_timeout_is_set_only_when_a_transaction_needs_another_one(db: Database) -> None:
    """Every statement in the writers' turn lets the other request threads take the interpreter,
    so a bounded transaction after a bounded one begins with BEGIN alone: the connection keeps the
    bound until a transaction without one (a job's) puts the connection's own timeout back."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's bounded waits are its lock and statement timeouts")
    add_account(db, "ACC-1042", "1000.00")
    assert db.allow_bounded(0.1)
    sent: list[str] = []
    with db.bounded(), db.transaction() as session:
        driver = session.connection().connection.dbapi_connection
        assert driver is not None
        busy = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert busy == 100
    driver.set_trace_callback(sent.append)
    try:
        for _ in range(2):
            with db.bounded(), db.transaction() as session:
                session.scalars(select(Account)).one().balance -= Decimal("1.00")
        bounded, sent[:] = list(sent), []
        with db.transaction() as session:
            busy = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        driver.set_trace_callback(None)
    assert not [sql for sql in bounded if "busy_timeout" in sql], bounded
    assert [sql for sql in bounded if sql.startswith("BEGIN")] == ["BEGIN IMMEDIATE"] * 2
    assert sent[0] == f"PRAGMA busy_timeout={SQLITE_WAIT_SECONDS * 1000}"
    assert busy == SQLITE_WAIT_SECONDS * 1000
    with db.reading() as session:
        assert session.scalar(select(Account.balance)) == Decimal("998.00")


def test_a_bounded_change_waits_for_the_writers_turn_only_as_long_as_its_bound(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's writers take no turns")
    add_account(db, "ACC-1042", "1000.00")
    assert db.allow_bounded(0.05)
    with (
        held_by_another_thread(db.transaction),
        pytest.raises(OutOfTimeError),
        db.bounded(),
        db.transaction() as session,
    ):
        session.scalars(select(Account)).one().balance -= Decimal("1.00")
    with db.bounded(), db.transaction() as session:  # the turn is free again: within the bound
        session.scalars(select(Account)).one().balance -= Decimal("1.00")
    with db.reading() as session:
        assert session.scalar(select(Account.balance)) == Decimal("999.00")


def test_closing_the_database_waits_for_the_writer_at_work_on_the_kept_connection(db: Database) -> None:
    """`serve` closes the database when it stops, maybe while a start-up job is still writing: the
    writers' kept SQLite connection is closed only once that writer is done (closed under it, the
    writer's commit failed, or the process crashed in SQLite)."""
    add_account(db, "ACC-1042", "1000.00")
    writing, finish = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with db.transaction() as session:
                session.scalars(select(Account)).one().balance -= Decimal("1.00")
                session.flush()
                writing.set()
                finish.wait(timeout=10)
        except BaseException as error:
            failures.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    assert writing.wait(timeout=10)
    closing = threading.Thread(target=db.dispose)
    closing.start()
    closing.join(timeout=0.2)
    finish.set()
    writer.join(timeout=10)
    closing.join(timeout=10)
    assert failures == []
    with db.reading() as session:
        assert session.scalar(select(Account.balance)) == Decimal("999.00")
