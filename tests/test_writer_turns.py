"""Writers of one process take turns on SQLite (storage.database.WriterTurns), and however many
write at once, every change lands whole."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from storage.database import Database, WriterTurns
from storage.models import Account
from tests.portfolio import add_account

WRITERS = 12
CHANGES_EACH = 15


def test_many_writers_at_once_all_land(db: Database) -> None:
    add_account(db, "ACC-1042", "1000.00")
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write() -> None:
        start.wait()
        try:
            for _ in range(CHANGES_EACH):
                with db.transaction() as session:
                    account = session.scalars(
                        select(Account).where(Account.account_id == "ACC-1042").with_for_update()
                    ).one()
                    account.balance -= Decimal("1.00")
        except BaseException as error:
            failures.append(error)

    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    assert failures == []
    with db.reading() as session:
        balance = session.scalar(select(Account.balance).where(Account.account_id == "ACC-1042"))
    assert balance == Decimal("1000.00") - WRITERS * CHANGES_EACH


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
