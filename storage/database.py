"""Engine, sessions and transactions for SQLite and PostgreSQL.

Every change runs in `Database.transaction()`: one transaction, committed whole or not at all.
On SQLite it starts with BEGIN IMMEDIATE so that two writers queue for the lock instead of one
failing on a stale snapshot, and the writers of one process take turns before that (WriterTurns);
on PostgreSQL rows that are read-then-written are locked with SELECT ... FOR UPDATE by the services.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

log = logging.getLogger(__name__)

_BEGIN_MODE = "collect_begin"
_BEGIN_STATEMENTS = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE")}

# How long a writer waits for SQLite's lock (its busy timeout) and for its turn in this process.
SQLITE_WAIT_SECONDS = 30
# Where a SQLite connection's info keeps the busy timeout it has now, in milliseconds (_on_begin).
_BUSY_TIMEOUT = "collect_bot.busy_timeout"

# A pooled connection back in use within this many seconds was working a moment ago: it is not
# pinged. One that sat longer is, before it is handed out (below).
PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN_AT = "collect_checked_in_at"


def normalise_url(url: str) -> str:
    """Let users write postgresql:// and get psycopg 3, the driver the project installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_database_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_WAIT_SECONDS},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    # Enough connections for the request threads, the answer workers and the scheduler at once, so
    # that a busy morning does not open and close connections under load.
    engine = create_engine(url, pool_size=32, max_overflow=16, **kwargs)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, for connections that sat idle only: pinging at every checkout
    costs a round trip on every transaction of a busy morning. A connection reused within
    PING_AFTER_IDLE_SECONDS was working a moment ago and is not pinged; if the database dropped it
    in between, its command fails ("try again", nothing written) and SQLAlchemy replaces every
    pooled connection older than the failure, as it does after a failed ping."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected), or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # Like a failed pre-ping: this connection and all pooled before now are replaced.
            raise exc.InvalidatePoolError(f"ping after idle failed: {error!r}") from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Hand BEGIN to SQLAlchemy (below) instead of pysqlite's implicit, deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        busy = record.info[_BUSY_TIMEOUT] = _milliseconds(SQLITE_WAIT_SECONDS)
        cursor.execute(f"PRAGMA busy_timeout={busy}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # On the driver's cursor: Core's execution of one word cost a twentieth of a pay's CPU.
        # A failure (a busy database past its timeout) is raised as Core would raise it.
        sql = _BEGIN_STATEMENTS[connection.get_execution_options().get(_BEGIN_MODE, "DEFERRED")]
        bounded = _BOUNDED.get()
        # A bounded transaction waits for another process's write lock (a CLI import) only as long
        # as its bound, any other for the connection's own timeout. Set only when it changes, and
        # kept for the whole transaction (Database.bounded bounds each of its waits): every pay
        # and log sent two PRAGMAs around its BEGIN, in the writers' turn, which each statement
        # opens to the other request threads. bench_load showed no change in the SQLite log's
        # throughput from it (1.21 ms of the server's CPU a log before and after, issue 23).
        wanted = _milliseconds(bounded.wait_seconds if bounded is not None else SQLITE_WAIT_SECONDS)
        pooled = connection.connection
        cursor = pooled.cursor()
        try:
            if pooled.info.get(_BUSY_TIMEOUT) != wanted:
                cursor.execute(f"PRAGMA busy_timeout={wanted}")  # one that fails changes nothing
                pooled.info[_BUSY_TIMEOUT] = wanted
            cursor.execute(sql)
        except Exception as error:
            connection._handle_dbapi_exception(error, sql, (), cursor, None)
        finally:
            cursor.close()


class WriterTurns:
    """SQLite has one writer at a time, and its busy handler lets the others poll with growing
    sleeps, so under a burst some waited seconds while later ones got in first. The writers of
    this process queue here instead and are woken in turn; SQLite's busy timeout still covers
    other processes (a CLI import while `serve` runs). Waiting longer than the busy timeout fails
    the same way it would."""

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout

    def __enter__(self) -> None:
        self._take(self._timeout)

    def __exit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._lock.release()

    @contextmanager
    def within(self, timeout: float) -> Iterator[None]:
        """The turn, waited for at most `timeout` (TimeoutError after): a bounded transaction's wait."""
        self._take(timeout)
        try:
            yield
        finally:
            self._lock.release()

    def _take(self, timeout: float) -> None:
        if not self._lock.acquire(timeout=timeout):
            raise TimeoutError(f"no turn to write to the database within {timeout} s")


class OutOfTimeError(Exception):
    """A bounded transaction (Database.bounded) waited longer than its bound, for a lock, a
    connection or a statement: it was rolled back whole, nothing of it written."""


# What PostgreSQL says when a bound ran out: lock_timeout (55P03), statement_timeout (57014).
_OUT_OF_TIME_STATES = frozenset({"55P03", "57014"})


@dataclass(frozen=True)
class _Bounded:
    """How bounded transactions are had (PostgreSQL): an engine of their own, a small pool whose
    connections are opened with their waits bounded (lock_timeout and statement_timeout), so that
    a bounded transaction costs no statement more than another."""

    wait_seconds: float
    engine: Engine | None
    """PostgreSQL's engine of bounded connections; None on SQLite, whose waits are the writers'
    turn and the busy timeout, both bounded per transaction."""


# The waits of a bounded transaction, when the request's context asked for one (Database.bounded).
_BOUNDED: ContextVar[_Bounded | None] = ContextVar("collect_bounded_transaction", default=None)


def _out_of_time(error: BaseException) -> bool:
    # No pooled connection free in time (PostgreSQL), no writers' turn in time (SQLite).
    if isinstance(error, exc.TimeoutError | TimeoutError):
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    # A lock or a statement past its bound (PostgreSQL), another process's write lock past the
    # busy timeout (SQLite: "database is locked").
    orig = error.orig
    return (
        getattr(orig, "sqlstate", None) in _OUT_OF_TIME_STATES
        or getattr(orig, "sqlite_errorname", None) == "SQLITE_BUSY"
    )


class Database:
    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_database_engine(self.url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = (
            self.engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"}) if self.is_sqlite else self.engine
        )
        self._writer = writer
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        # PostgreSQL locks rows, not the database: its writers need no turns.
        self._writers: AbstractContextManager[None] = (
            WriterTurns(SQLITE_WAIT_SECONDS) if self.is_sqlite else nullcontext()
        )
        self._bounded: _Bounded | None = None
        self._kept_writer: Connection | None = None

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine of this database: the main one, and the bounded transactions' when set up."""
        if self._bounded is None or self._bounded.engine is None:
            return (self.engine,)
        return (self.engine, self._bounded.engine)

    def allow_bounded(self, wait_seconds: float) -> bool:
        """Sets up bounded transactions (Database.bounded), each wait at most `wait_seconds`."""
        if self._bounded is not None:
            if self._bounded.wait_seconds == wait_seconds:
                return True
            if self._bounded.engine is not None:
                self._bounded.engine.dispose()  # another budget: connections that wait as long
            self._bounded = None
        if self.is_sqlite:
            # The writers' turn and the busy timeout, bounded per transaction: answered on
            # the request's thread, a pay spares the hand-off to the pool and back (bench_load,
            # 2026-12-07, closed loop: 578 and 595 pays a second against 547 and 560 through the
            # pool, the same CPU a pay).
            self._bounded = _Bounded(wait_seconds, None)
            return True
        # PostgreSQL: a small pool of its own, whose connections are opened with their waits bounded.
        waits = f"-c lock_timeout={_milliseconds(wait_seconds)}"
        waits += f" -c statement_timeout={_milliseconds(wait_seconds)}"
        # Enough connections for the request threads; a request that finds none free in time is
        # out of time like one that waited for a lock.
        engine = create_engine(
            make_url(self.url),
            pool_size=8,
            max_overflow=8,
            pool_timeout=wait_seconds,
            connect_args={"options": waits},
        )
        _ping_after_idle(engine)
        event.listen(engine, "handle_error", self._replace_pools_after_disconnect)
        if not event.contains(self.engine, "handle_error", self._replace_pools_after_disconnect):
            event.listen(self.engine, "handle_error", self._replace_pools_after_disconnect)
        self._bounded = _Bounded(wait_seconds, engine)
        return True

    def open_connections(self, count: int) -> None:
        """PostgreSQL: opens up to `count` connections in each pool now, before the first requests.
        Opened on demand, the connection a burst needed beyond those in use was opened in the middle
        of it, with its authentication: the slowest answers at 200 pays a second were those
        (bench_load --rate 200, issue 23: p99 2.12x the minimal app's, 1.62x with them opened at
        start). SQLite's are files opened in a moment, left to open on demand. A database that does
        not answer now is left to the requests, which tell the person so."""
        if self.is_sqlite:
            return
        for engine in self.engines:
            size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 0
            opened: list[Connection] = []
            try:
                for _ in range(min(count, size)):
                    opened.append(engine.connect())
            except exc.SQLAlchemyError as error:
                log.warning("could not open the database's connections ahead of the requests: %s", error)
            finally:
                for connection in opened:
                    connection.close()

    def _replace_pools_after_disconnect(self, context: Any) -> None:
        """The engines of one server lose their connections together (a restart, a failover,
        connections terminated): a disconnect seen on one replaces every engine's pool. An engine
        replaces its own pool after a disconnect; without this, the reads' engine kept its dead
        connections while the bounded transactions' engine took the failures (tests/test_faults.py).
        Connections in use are left to their holders (`close=False`): their next statement fails
        and is told "try again" as any other would be."""
        if context.is_disconnect:
            for engine in self.engines:
                if engine is not context.engine:
                    engine.dispose(close=False)

    @contextmanager
    def bounded(self) -> Iterator[bool]:
        """Within it, this context's transactions wait at most the bound of allow_bounded for a lock,
        a connection or a statement, and raise OutOfTimeError (everything rolled
        back) when one waits longer: for work that must answer within a budget, and that can be
        done again elsewhere when the database is slow. Yields False (transactions as usual) when
        no bound is set up."""
        if self._bounded is None:
            yield False
            return
        token = _BOUNDED.set(self._bounded)
        try:
            yield True
        finally:
            _BOUNDED.reset(token)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any exception."""
        bounded = _BOUNDED.get()
        if bounded is None:
            with self._writers, self._writer_connection() as connection, connection.begin():
                yield from _session_on(connection)
            return
        try:
            if bounded.engine is None:  # SQLite: the writers' turn waited for as long as the bound
                assert isinstance(self._writers, WriterTurns)
                with (
                    self._writers.within(bounded.wait_seconds),
                    self._writer_connection() as connection,
                    connection.begin(),
                ):
                    yield from _session_on(connection)
            else:
                with bounded.engine.begin() as connection:
                    yield from _session_on(connection)
        except Exception as error:
            if _out_of_time(error):
                raise OutOfTimeError(
                    f"a bounded transaction waited more than {bounded.wait_seconds} s"
                ) from error
            raise

    @contextmanager
    def _writer_connection(self) -> Iterator[Connection]:
        """PostgreSQL: a pooled connection. SQLite: the one connection kept for this process's
        writers, who take turns on it (WriterTurns, held by the caller): taking a connection from
        the pool and giving it back cost a tenth of a pay's CPU (issue 23), for a database with one
        writer at a time anyway. One left unusable (invalidated, or in a transaction a failed
        rollback left open) is replaced."""
        if not self.is_sqlite:
            with self._writer.connect() as connection:
                yield connection
            return
        kept = self._kept_writer
        if kept is None or kept.closed or kept.invalidated or kept.in_transaction():
            if kept is not None:
                kept.close()
            kept = self._kept_writer = self._writer.connect()
        yield kept

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only look; nothing done here is committed (closing rolls the connection back)."""
        with self._read_sessions() as session:
            yield session

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        if self._kept_writer is not None:
            # Closed in the writers' turn: a writer still at work on it (a job when `serve` stops)
            # finishes first; closed under it, its commit failed or SQLite crashed the process. One
            # that does not finish in time keeps it, and the process's exit closes it.
            assert isinstance(self._writers, WriterTurns)
            with contextlib.suppress(TimeoutError), self._writers.within(SQLITE_WAIT_SECONDS):
                if self._kept_writer is not None:
                    self._kept_writer.close()
                    self._kept_writer = None
        for engine in self.engines:
            engine.dispose()


def _session_on(connection: Connection) -> Iterator[Session]:
    """A session in the connection's transaction, which the caller commits or rolls back: what the
    session holds is flushed first. The ORM's own transaction around the connection's (its begin,
    commit and close steps) cost a twentieth of a pay's CPU (issue 23); the session still gives the
    rare paths (refusals, promises, savepoints) everything they use."""
    session = Session(bind=connection, expire_on_commit=False, join_transaction_mode="rollback_only")
    try:
        yield session
        session.flush()
    finally:
        session.close()


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class DatabaseSetupError(Exception):
    """The database named in the settings cannot be used as it is: one line for the operator saying
    what is wrong and what to do (never the URL itself, which may hold a password)."""


def open_database(url: str) -> Database:
    try:
        return Database(url)
    except ModuleNotFoundError as error:
        # psycopg is the postgres extra: a machine installed for SQLite only does not have it.
        if error.name is None or error.name.split(".")[0] not in ("psycopg", "psycopg_binary"):
            raise
        raise DatabaseSetupError(
            'DATABASE_URL names PostgreSQL but its driver psycopg is not installed: pip install "collect-bot[postgres]"'
            ' (or -e ".[postgres]" in a checkout)'
        ) from None
    except Exception as error:
        driver = f" ({error})" if isinstance(error, exc.NoSuchModuleError) else ""
        raise DatabaseSetupError(
            f"DATABASE_URL is invalid{driver}: write it like"
            " postgresql://user:password@host:5432/collect or sqlite:///collect.db"
        ) from None


def require_reachable(db: Database) -> None:
    """DatabaseSetupError, naming the database (never its password) and the driver's reason, when it
    does not answer."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        url = db.engine.url
        reason = database_reason(error)
        if url.get_backend_name() == "sqlite":
            folder = Path(url.database or ".").absolute().parent
            raise DatabaseSetupError(
                f"the SQLite file of DATABASE_URL cannot be opened ({reason}): check that the folder"
                f" {folder} exists and that you may write there"
            ) from None
        raise DatabaseSetupError(
            f"the database at {url.host}:{url.port or 5432} does not answer ({reason}): is it running,"
            " and is DATABASE_URL right?"
        ) from None


def database_reason(error: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's statement and parameters (customer data)."""
    original = getattr(error, "orig", None) or error
    first = str(original).strip().splitlines()
    return first[0] if first else type(original).__name__


T = TypeVar("T")


def in_batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` `size` at a time, for `IN (...)` lists: a big feed's keys in one list would pass
    SQLite's and PostgreSQL's limits on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
