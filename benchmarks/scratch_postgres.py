"""A throwaway PostgreSQL database for one benchmark run, on the server the user points at, so a
benchmark never writes into a database that holds anything else."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from storage.database import Database
from storage.schema import upgrade


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg.connect takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def throwaway_postgres(
    url: str, prefix: str, *, migrate: bool, keep: bool = False, name: str | None = None
) -> Iterator[str]:
    """A database `<prefix>_<pid>` (or `name`, one of the engineer's own on a shared server) on the
    server of `url` (left over from a killed run: replaced), migrated when asked, and dropped
    afterwards whatever happens unless kept. Yields its SQLAlchemy URL."""
    name = name or f"{prefix}_{os.getpid()}"
    admin = libpq_url(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(_drop(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    scratch = make_url(url).set(drivername="postgresql+psycopg", database=name)
    scratch_url = scratch.render_as_string(hide_password=False)
    try:
        if migrate:
            db = Database(scratch_url)
            upgrade(db.engine)
            db.dispose()
        yield scratch_url
    finally:
        if keep:
            print(f"PostgreSQL: kept {scratch.render_as_string(hide_password=True)}")
        else:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(_drop(name))


def _drop(name: str) -> sql.Composed:
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
