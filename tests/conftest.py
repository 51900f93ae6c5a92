"""Shared fixtures: a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), the Slack
stand-in over real HTTP, and the bot served over real HTTP with a controllable clock."""

from __future__ import annotations

import json
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

from bot.assignments.job.daily import JOB as MORNING
from bot.clock import Clock, ManualClock
from bot.outbox.job import deliver_due
from bot.runtime import Runtime
from bot.settings import Settings
from schedules.runner import run_job
from storage.database import Database
from storage.models import Base
from storage.schema import upgrade
from tests.portfolio import morning_team, standard_team
from wiring.app import create_wsgi_app
from wiring.serving import BackgroundServer
from wiring.socket_mode import SocketModeBot
from wiring.standin.requests import SlackRequestSender
from wiring.standin.web_api import SlackStandIn

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "settings(**environment): the bot's settings for this test (environment names, as in "
        "bot_settings), in place before anything reads them",
    )


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


def _holding_answer(body: Any) -> bool:
    """Whether a slash command's answer is blocks.answers.working_reply() (in any language): one
    context block, the hourglass and the text, nothing else."""
    blocks = body.get("blocks") if isinstance(body, dict) else None
    if not isinstance(blocks, list) or len(blocks) != 1 or blocks[0].get("type") != "context":
        return False
    shown = str((blocks[0].get("elements") or [{}])[0].get("text", ""))
    return shown == f":hourglass_flowing_sand: {body.get('text', '')}"


@dataclass
class RunningBot:
    """The bot served over real HTTP, talking to the Slack stand-in, with its clock in hand."""

    runtime: Runtime
    slack: SlackStandIn
    send: SlackRequestSender
    clock: ManualClock
    url: str
    # Served over Socket Mode (serving(mode="socket")): the connection, to drop and watch.
    socket: SocketModeBot | None = None

    def collect(self, user: str, typed: str) -> str:
        """The whole answer to `/collect <typed>` from `user` (JSON, as Slack got it), whether it came
        in the response or later by response_url."""
        response = self.send.slash_command(user, typed)
        assert response.status == 200, response.body
        body: Any = response.json() if response.body.strip() else {}
        # "Working on it…" (blocks.answers.working_reply): the work outlasted the reply budget, as it
        # may on a loaded machine, and the answer comes by response_url; a test that is about the
        # holding answer itself sends the command with `send.slash_command`.
        if not body or _holding_answer(body):
            body = self.slack.wait_for_response(url=response.response_url, timeout=30)[-1]
        return json.dumps(body, ensure_ascii=False)

    def run_morning(self, at: datetime = MONDAY_9AM) -> str:
        """The morning's worklists as if at `at`, delivered; what the job reported."""
        return self.run_job(MORNING, at)

    def run_job(self, job: str, at: datetime) -> str:
        """A scheduled job as if at `at` (the clock set there), its messages delivered; what it
        reported."""
        self.clock.set(at)
        report = run_job(self.runtime, job, at, by="test")
        deliver_due(self.runtime)
        return report.message

    def wait_for_dms(self, user: str, count: int = 1) -> list[dict[str, Any]]:
        """The DMs to `user` once there are `count` of them (a DM is a chat.postMessage to the
        user's id), as the stand-in received them."""
        wanted = 1
        while True:
            posted = self.slack.wait_for("chat.postMessage", count=wanted)
            found = [call.params for call in posted if call.params.get("channel") == user]
            if len(found) >= count:
                return found
            wanted = len(posted) + 1

    @contextmanager
    def another_process(self) -> Iterator[Runtime]:
        """The bot as a second process has it: the same settings and clock, its own connections."""
        db = Database(self.runtime.db.url)
        try:
            yield Runtime(settings=self.runtime.settings, db=db, clock=self.clock)
        finally:
            db.dispose()


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


def bot_settings(database_url: str, slack: SlackStandIn | None = None, **extra: str) -> Settings:
    """The team's settings; without `slack`, for code that reads them but never calls Slack (reports)."""
    talking = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url} if slack else {}
    values = {
        "DATABASE_URL": database_url,
        **talking,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "COLLECT_TIMEZONE": "America/New_York",
        "COLLECT_SUPERVISOR_CHANNEL": "C0SUPERVISORS",
        "COLLECT_SLACK_RETRY_BACKOFF": "0.01",
        **extra,
    }
    # Built from these values alone: no .env file, and these win over the environment.
    make: Any = Settings
    settings: Settings = make(_env_file=None, **values)
    return settings


def make_runtime(
    db: Database, database_url: str, standin: SlackStandIn, clock: Clock, **settings: str
) -> Runtime:
    """A runtime whose settings (environment names, as in `bot_settings`) are fixed from the start:
    the Slack client and the app copy some of them when they are made."""
    return Runtime(settings=bot_settings(database_url, standin, **settings), db=db, clock=clock)


@pytest.fixture
def settings_asked(request: pytest.FixtureRequest) -> dict[str, str]:
    """What the test's @pytest.mark.settings(NAME="value") markers ask for; the closest one wins."""
    values: dict[str, str] = {}
    for marker in reversed(list(request.node.iter_markers("settings"))):
        values.update(marker.kwargs)
    return values


@pytest.fixture
def runtime(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, settings_asked: dict[str, str]
) -> Runtime:
    """The bot's runtime without serving it, for the jobs and the outbox."""
    return make_runtime(db, database_url, standin, clock, **settings_asked)


@contextmanager
def serving(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    clock: ManualClock,
    mode: str = "http",
    **settings: str,
) -> Iterator[RunningBot]:
    """The bot served over real HTTP; `settings` (environment names, as in `bot_settings`) are in
    place before anything reads them: the app copies some at start, so changing them later does not
    reach it. `mode="socket"`: connected to the stand-in over Socket Mode instead (its `url` is then
    the health server's, and `send` delivers envelopes through the socket)."""
    if mode == "socket":
        with serving_over_socket(db, database_url, standin, clock, **settings) as running:
            yield running
        return
    runtime = make_runtime(db, database_url, standin, clock, **settings)
    wsgi = create_wsgi_app(runtime)
    with BackgroundServer(wsgi) as server:
        sender = SlackRequestSender(server.url, SIGNING_SECRET, standin=standin)
        yield RunningBot(runtime=runtime, slack=standin, send=sender, clock=clock, url=server.url)
    wsgi.answerer.shutdown()


@contextmanager
def serving_over_socket(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, **settings: str
) -> Iterator[RunningBot]:
    runtime = make_runtime(db, database_url, standin, clock, SLACK_APP_TOKEN=standin.app_token, **settings)
    # Pings and reconnections at a test's pace; the protocol is the same as at serve's.
    socket = SocketModeBot(runtime, ping_seconds=0.25, keeper_seconds=0.05, max_backoff_seconds=0.4)
    try:
        with BackgroundServer(socket.health) as server:
            socket.start()
            assert socket.wait_until_connected(), "the bot did not connect over Socket Mode"
            sender = SlackRequestSender(server.url, SIGNING_SECRET, standin=standin, socket_mode=True)
            yield RunningBot(
                runtime=runtime, slack=standin, send=sender, clock=clock, url=server.url, socket=socket
            )
    finally:
        socket.stop()


@pytest.fixture
def bot(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, settings_asked: dict[str, str]
) -> Iterator[RunningBot]:
    with serving(db, database_url, standin, clock, **settings_asked) as running:
        yield running


@pytest.fixture
def team(bot: RunningBot) -> RunningBot:
    """The bot with the standard team (tests/portfolio.py): Ana (U0AGENT1) and João (U0AGENT2,
    Portuguese) as agents, Sam (U0SUPER1) supervising, and their accounts in three currencies.
    More members join with `add_agent`, with whatever role, capacity or limit a test needs."""
    standard_team(bot.runtime.db)
    return bot


@pytest.fixture
def morning(bot: RunningBot) -> RunningBot:
    """The bot with the morning team (tests/portfolio.py): three agents with room for three accounts
    each, a supervisor, and accounts waiting for the morning's worklists (RunningBot.run_morning)."""
    morning_team(bot.runtime.db)
    return bot
