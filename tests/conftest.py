"""Shared fixtures: a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), the Slack
stand-in over real HTTP, and the bot served over real HTTP with a controllable clock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import create_wsgi_app
from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.standin.requests import SlackRequestSender
from bot.standin.web_api import SlackStandIn
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


SIGNING_SECRET = "test-signing-secret"


@dataclass
class RunningBot:
    """The bot served over real HTTP, talking to the Slack stand-in, with its clock in hand."""

    runtime: Runtime
    slack: SlackStandIn
    send: SlackRequestSender
    clock: ManualClock
    url: str


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def standin(clock: ManualClock) -> Iterator[SlackStandIn]:
    # Slack stamps a message with its time of posting; here that is the test's clock.
    slack = SlackStandIn(token="xoxb-test-token", now=lambda: clock.now().timestamp())
    slack.add_channel("C0SUPERVISORS", name="collections-supervisors", is_private=True)
    slack.start()
    yield slack
    slack.stop()


def bot_settings(database_url: str, slack: SlackStandIn, **extra: str) -> Settings:
    values = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "COLLECT_TIMEZONE": "America/New_York",
        "COLLECT_SUPERVISOR_CHANNEL": "C0SUPERVISORS",
        "COLLECT_SLACK_RETRY_BACKOFF": "0.01",
        **extra,
    }
    # Built from these values alone: no .env file, and these win over the environment.
    make: Any = Settings
    settings: Settings = make(_env_file=None, **values)
    return settings


@contextmanager
def serving(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, **settings: str
) -> Iterator[RunningBot]:
    """The bot served over real HTTP; `settings` (environment names, as in `bot_settings`) are in
    place before anything reads them: the app copies some at start, so changing them later does not
    reach it."""
    runtime = Runtime(settings=bot_settings(database_url, standin, **settings), db=db, clock=clock)
    wsgi = create_wsgi_app(runtime)
    with BackgroundServer(wsgi) as server:
        sender = SlackRequestSender(server.url, SIGNING_SECRET, standin=standin)
        yield RunningBot(runtime=runtime, slack=standin, send=sender, clock=clock, url=server.url)
    wsgi.answerer.shutdown()


@pytest.fixture
def bot(db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock) -> Iterator[RunningBot]:
    with serving(db, database_url, standin, clock) as running:
        yield running
