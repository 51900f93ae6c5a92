"""Shared fixtures: a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), the Slack
stand-in over real HTTP, and the bot served over real HTTP with a controllable clock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.models import Base
from storage.schema import upgrade

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrating once and copying the file keeps a fresh database per test cheap."""
    path = tmp_path_factory.mktemp("template") / "collect.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_ready() -> str | None:
    if not POSTGRES_URL:
        return None
    db = Database(POSTGRES_URL)
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(db.engine)
    db.dispose()
    return POSTGRES_URL


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path, _postgres_ready: str | None) -> str:
    if _postgres_ready:
        db = Database(_postgres_ready)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.dispose()
        return _postgres_ready
    path = tmp_path / "collect.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


# A Monday morning in New York, in a week with no holiday.
MONDAY_9AM = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
