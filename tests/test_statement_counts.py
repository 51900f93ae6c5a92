"""The statements a `/collect pay` and a `/collect log` send to the database, counted with
SQLAlchemy's events over the real endpoint, on SQLite and PostgreSQL. They are most of a busy
morning's traffic, and each statement is a round trip (issue 23): a change that adds one to
either shows here first. The counts are the command's own (the signature claim, the roster check
when its memory has lapsed, the change); the App Home refresh that follows runs on its own thread
and is not counted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert, select

from bot.roster.records import ROSTER_MEMORY
from bot.vocabulary import AccountStatus
from storage.database import Database
from storage.models import Account, Assignment, table_of
from tests.conftest import RunningBot

REFRESH_THREAD = "collect-home-refresh"


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def round_trips(self) -> int:
        """On PostgreSQL each transaction also sends BEGIN and COMMIT (or ROLLBACK); SQLite's
        BEGIN is one of the statements, and nothing of it crosses a network."""
        return len(self.statements) + 2 * self.transactions

    def describe(self) -> str:
        return "\n".join(sql[:120] for sql in self.statements)


@contextmanager
def counting(db: Database) -> Iterator[Counted]:
    counted = Counted()
    lock = threading.Lock()

    def on(name: str) -> bool:
        return threading.current_thread().name != REFRESH_THREAD and name != "ignored"

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if on(threading.current_thread().name) and not sql.lstrip().upper().startswith("BEGIN"):
            with lock:
                counted.statements.append(" ".join(sql.split()))

    def ended(_conn: Any) -> None:
        if on(threading.current_thread().name):
            with lock:
                counted.transactions += 1

    # Every engine: pay and log answer on the request's thread through the bounded transactions'.
    engines = db.engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", ended)
        event.listen(engine, "rollback", ended)
    try:
        yield counted
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", statement)
            event.remove(engine, "commit", ended)
            event.remove(engine, "rollback", ended)


def _on_todays_list(team: RunningBot) -> None:
    """As in bench_load: the agent's accounts are on their list today (the morning ran)."""
    with team.runtime.db.transaction() as session:
        session.execute(
            insert(table_of(Assignment)),
            [
                {"work_date": team.runtime.today(), "account_pk": pk, "agent": "U0AGENT1", "rank": rank,
                 "score": 1.0, "reasons": []}
                for rank, pk in enumerate((1, 2), start=1)
            ],
        )  # fmt: skip


def _warmed(team: RunningBot) -> None:
    """The roster's and Slack's memory of Ana filled, the statements' caches warm."""
    _on_todays_list(team)
    assert "Recorded" in team.collect("U0AGENT1", "pay ACC-1042 1.00 ref:WARM-1")
    assert "Logged" in team.collect("U0AGENT1", "log ACC-1042 email no-answer warm")


def test_a_pay_sends_a_pinned_number_of_statements(team: RunningBot) -> None:
    _warmed(team)
    with counting(team.runtime.db) as counted:
        assert "Recorded" in team.collect("U0AGENT1", "pay ACC-1043 2.00 ref:PIN-1")
    expected = (PAY_STATEMENTS[team.runtime.db.engine.dialect.name], PAY_TRANSACTIONS)
    assert (len(counted.statements), counted.transactions) == expected, counted.describe()


def test_a_log_sends_a_pinned_number_of_statements(team: RunningBot) -> None:
    _warmed(team)
    with counting(team.runtime.db) as counted:
        assert "Logged" in team.collect("U0AGENT1", "log ACC-1043 email no-answer pinned")
    expected = (LOG_STATEMENTS[team.runtime.db.engine.dialect.name], LOG_TRANSACTIONS)
    assert (len(counted.statements), counted.transactions) == expected, counted.describe()


def test_the_roster_check_costs_one_statement_when_its_memory_lapses(team: RunningBot) -> None:
    _warmed(team)
    team.clock.advance(ROSTER_MEMORY + timedelta(seconds=1))
    with counting(team.runtime.db) as counted:
        assert "Logged" in team.collect("U0AGENT1", "log ACC-1043 email no-answer lapsed")
    expected = (LOG_STATEMENTS[team.runtime.db.engine.dialect.name] + 1, LOG_TRANSACTIONS + 1)
    assert (len(counted.statements), counted.transactions) == expected, counted.describe()


def _account_updates(counted: Counted) -> list[str]:
    """The UPDATEs of accounts, each up to its WHERE (on PostgreSQL within the WITH of the audit row)."""
    return [sql.split("UPDATE accounts SET", 1)[1].split("WHERE")[0] for sql in counted.statements
            if "UPDATE accounts SET" in sql]  # fmt: skip


def test_a_pay_that_leaves_the_status_as_it_was_does_not_write_it(team: RunningBot) -> None:
    # SQLite rewrites an index entry for every indexed column an UPDATE sets, changed or not: a
    # status written back unchanged cost a page of ix_accounts_status in every pay's commit.
    _warmed(team)
    with counting(team.runtime.db) as counted:
        assert "Recorded" in team.collect("U0AGENT1", "pay ACC-1043 2.00 ref:SAME-STATUS")
    updates = _account_updates(counted)
    assert updates and not any("status" in sql for sql in updates), counted.describe()


def test_a_pay_that_clears_the_balance_writes_the_new_status(team: RunningBot) -> None:
    _warmed(team)
    with team.runtime.db.reading() as session:
        balance = session.scalars(select(Account.balance).where(Account.account_id == "ACC-1043")).one()
    with counting(team.runtime.db) as counted:
        assert "Recorded" in team.collect("U0AGENT1", f"pay ACC-1043 {balance:.2f} ref:PAID-OFF")
    assert any("status" in sql for sql in _account_updates(counted)), counted.describe()
    with team.runtime.db.reading() as session:
        status = session.scalars(select(Account.status).where(Account.account_id == "ACC-1043")).one()
    assert status == AccountStatus.PAID


# Today's counts (statements, transactions), lowered as the hot paths are cut (issue 23). A pay and
# a log look for an earlier claim of the command in the statement that locks the account, and claim
# it with the payment or the contact they write (its unique key). On PostgreSQL they also write the
# account's change with its audit row in one statement (a data-modifying WITH).
PAY_STATEMENTS, PAY_TRANSACTIONS = {"sqlite": 4, "postgresql": 3}, 1
LOG_STATEMENTS, LOG_TRANSACTIONS = {"sqlite": 4, "postgresql": 3}, 1
