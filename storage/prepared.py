"""The busiest statements (a pay's and a log's), compiled once per database and run on the driver's
cursor.

A `/collect pay` is three statements on PostgreSQL, and SQLAlchemy's Core execution around each
(its execution context, result metadata and the driver's cursor description) cost more CPU than
the database's own work: about a fifth of a pay (issue 23, bench_load's profile). A
PreparedStatement does what that execution does for these few statements, once where it can:

* the SQL text, the parameters' order and their fixed values, from SQLAlchemy's own compiler;
* each value through its type's bind processor, each result through its result processor (the
  same ones Core uses: money as minor units on SQLite, instants in UTC);
* the connection's `before_cursor_execute` and `after_cursor_execute` listeners called as Core
  calls them (tests/test_statement_counts.py counts a pay's statements with them);
* a driver's error handed to the connection's own handling, so that it is raised as SQLAlchemy's
  (IntegrityError, OperationalError: what the ledger and Database.transaction catch), a
  disconnect invalidates the connection, and the `handle_error` hooks run.

It runs inside a transaction begun as any other (Database.transaction), on that transaction's
connection: the statement is only a shorter road to the same cursor.

SQLAlchemy is pinned in the lock: the compiler's bind names and result columns, the types'
cached processors and the connection's error handling used here are SQLAlchemy's internals, and
tests/test_prepared.py checks them against Core's own execution on both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Processor = Callable[[Any], Any]
Row = tuple[Any, ...]

# Where a pooled connection's info keeps its statements' cursors (_kept_cursor).
_KEPT_CURSORS = "collect_bot.prepared_cursors"


@dataclass(frozen=True, slots=True)
class _Binding:
    """One bound parameter: the name the caller gives, the name the SQL text uses, its fixed value
    when the statement carries one, and its type's bind processor for the dialect."""

    name: str
    rendered: str
    fixed: Any
    required: bool
    process: Processor | None


@dataclass(slots=True)
class _Compiled:
    sql: str
    driver_sql: str | bytes
    """The text handed to the driver: psycopg takes it as bytes, which it would encode at each run."""
    keep_cursor: bool
    """psycopg: run on a cursor of the statement's own, kept on the connection (_kept_cursor). SQLite's
    cursors learn nothing worth keeping, and one closed after each run leaves no statement open."""
    positional: bool
    bindings: tuple[_Binding, ...]
    result_types: tuple[Any, ...]
    results: tuple[Processor | None, ...] | None = None
    """The result columns' processors, known once the driver has described the columns (their
    type codes choose some processors on PostgreSQL): made at the first run that returns a row;
    empty when no column needs one."""


class PreparedStatement:
    """A Core statement compiled once per dialect and run on the driver's cursor of a connection
    already in a transaction. `column_keys`: for an INSERT or UPDATE without values of its own, the
    columns each run gives (as Core compiles them from the first run's parameters)."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Row]:
        """Every row the statement returns, each value as Core would give it."""
        return self._execute(connection, params, fetch=True)

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Row | None:
        found = self._execute(connection, params, fetch=True)
        return found[0] if found else None

    def run(self, connection: Connection, params: Mapping[str, Any]) -> None:
        """For a statement that returns nothing."""
        self._execute(connection, params, fetch=False)

    def _execute(self, connection: Connection, params: Mapping[str, Any], *, fetch: bool) -> list[Row]:
        dialect = connection.dialect
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = self._compile(dialect)
        values = _driver_values(compiled, params)
        sql = compiled.sql
        # As Core checks for listeners (on the connection, or its engine's joined to it); an engine
        # with listeners of other kinds (connect, checkout) has none of these.
        dispatch = connection.dispatch if connection._has_events or connection.engine._has_events else None
        before = dispatch.before_cursor_execute if dispatch is not None else None
        after = dispatch.after_cursor_execute if dispatch is not None else None
        pooled = connection.connection
        kept = pooled.info.setdefault(_KEPT_CURSORS, {}) if compiled.keep_cursor else None
        cursor = _kept_cursor(kept, self, pooled) if kept is not None else pooled.cursor()
        failed = False
        try:
            if before:
                before(connection, cursor, sql, values, None, False)
            cursor.execute(compiled.driver_sql, values)
            if after:
                after(connection, cursor, sql, values, None, False)
            found = cast(list[Row], cursor.fetchall()) if fetch else []
            if found:
                results = compiled.results
                if results is None:
                    results = _result_processors(compiled, cursor, dialect)
                if results:
                    found = [_processed(results, row) for row in found]
        except Exception as error:
            failed = True
            # As Core's execution does: raised as SQLAlchemy's own error, a dead connection
            # invalidated, the engine's handle_error hooks told (storage.database).
            connection._handle_dbapi_exception(error, sql, values, cursor, None)
        finally:
            if kept is None or failed:  # a kept cursor that saw an error is not kept
                if kept is not None:
                    kept.pop(self, None)
                with suppress(Exception):  # a dead connection's cursor may refuse even to close
                    cursor.close()
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect, column_keys=self._column_keys)
        assert isinstance(compiled, SQLCompiler)
        # Core computes these per run (Python-side column defaults, expanding IN lists): none of
        # the busy statements has them, and this road would silently leave them out.
        assert not compiled.insert_prefetch and not compiled.update_prefetch, "a Python-side default"
        assert not compiled.literal_execute_params and not compiled.post_compile_params, (
            "a post-compiled parameter"
        )
        escaped = compiled.escaped_bind_names
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        order = compiled.positiontup if compiled.positional else list(by_name)
        assert order is not None
        bindings = []
        for name in order:
            bind = by_name[name]
            bindings.append(
                _Binding(
                    name=name,
                    rendered=escaped.get(name, name),
                    fixed=None if bind.required else bind.effective_value,
                    required=bind.required,
                    process=bind.type._cached_bind_processor(dialect),
                )
            )
        return _Compiled(
            sql=compiled.string,
            driver_sql=compiled.string.encode() if dialect.driver == "psycopg" else compiled.string,
            keep_cursor=dialect.driver == "psycopg",
            positional=compiled.positional,
            bindings=tuple(bindings),
            result_types=tuple(column.type for column in compiled._result_columns),
        )


def connection_of(session: Session) -> Connection:
    """The connection of the session's transaction. A session of Database.transaction is bound to
    its connection already: taken from there, the ORM's own transaction is never begun for a pay
    or a log, whose statements need none of it (session.connection() would begin it)."""
    bind = session.bind
    if isinstance(bind, Connection):
        return bind
    return session.connection()


def _kept_cursor(kept: dict[PreparedStatement, Any], statement: PreparedStatement, pooled: Any) -> Any:
    """The statement's own cursor on the driver's connection, kept for its next run there: a psycopg
    cursor that runs the same query again keeps the adapters it found for the query's parameters
    and columns, and a new cursor looks them all up again (about a tenth of a pay's CPU on
    PostgreSQL, in process). Kept in the pooled connection's `info`, which the pool empties when it
    replaces the driver's connection; checked against it all the same."""
    cursor = kept.get(statement)
    if cursor is None or cursor.connection is not pooled.dbapi_connection:
        cursor = kept[statement] = pooled.cursor()
    return cursor


def _driver_values(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    values = []
    for binding in compiled.bindings:
        value = params[binding.name] if binding.required else params.get(binding.name, binding.fixed)
        values.append(value if binding.process is None else binding.process(value))
    if compiled.positional:
        return tuple(values)
    return {binding.rendered: value for binding, value in zip(compiled.bindings, values, strict=True)}


def _processed(results: tuple[Processor | None, ...], row: Row) -> Row:
    return tuple(
        value if process is None else process(value) for process, value in zip(results, row, strict=True)
    )


def _result_processors(compiled: _Compiled, cursor: Any, dialect: Dialect) -> tuple[Processor | None, ...]:
    """Made once: the driver's type codes of the columns (its cursor description) choose some
    processors on PostgreSQL, as they do for Core's cached result metadata."""
    codes = [column[1] for column in cursor.description]
    processors = tuple(
        type_._cached_result_processor(dialect, code)
        for type_, code in zip(compiled.result_types, codes, strict=True)
    )
    compiled.results = processors if any(process is not None for process in processors) else ()
    return compiled.results
