"""Starting the sandbox: a fresh database (with the demo team when asked), the Slack stand-in,
the real bot served over HTTP with request signing and its scheduler, and the page."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import ShiftedClock
from bot.runtime import Runtime
from bot.settings import Settings
from schedules.scheduler import start_scheduler
from storage.database import Database, open_database
from storage.schema import upgrade
from wiring.app import create_wsgi_app
from wiring.sandbox.page import SandboxPage
from wiring.sandbox.world import Sandbox
from wiring.serving import BackgroundServer
from wiring.standin.requests import SlackRequestSender
from wiring.standin.web_api import SlackStandIn

SUPERVISOR_CHANNEL = "C0SUPERVISORS"
DEMO_ZONE = "America/New_York"


@dataclass
class RunningSandbox:
    world: Sandbox
    page: BackgroundServer
    database_url: str

    @property
    def url(self) -> str:
        return self.page.url


def sandbox_settings(database_url: str, standin: SlackStandIn, signing_secret: str) -> Settings:
    """The user's settings, with Slack pointed at the stand-in and a team in New York unless told."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": standin.token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": standin.api_url,
        "COLLECT_SUPERVISOR_CHANNEL": SUPERVISOR_CHANNEL,
        "COLLECT_SLACK_RETRY_BACKOFF": "0.1",
    }
    if "COLLECT_TIMEZONE" not in os.environ:
        values["COLLECT_TIMEZONE"] = DEMO_ZONE
    make: Any = Settings
    settings: Settings = make(**values)
    return settings


def fresh_database_url() -> str:
    folder = Path(tempfile.mkdtemp(prefix="collect-sandbox-"))
    return f"sqlite:///{folder / 'sandbox.db'}"


@contextmanager
def running_sandbox(*, port: int = 3000, seed: int | None = None, database_url: str | None = None,
                    host: str = "127.0.0.1", start: datetime | None = None,
                    prepare: Callable[[Database], None] | None = None) -> Iterator[RunningSandbox]:  # fmt: skip
    """`prepare` fills the database before the bot and its scheduler start (tests use it)."""
    database_url = database_url or os.environ.get("DATABASE_URL") or fresh_database_url()
    clock = ShiftedClock(start)
    standin = SlackStandIn(
        token="xoxb-sandbox-" + secrets.token_hex(6),
        bot_user_id="U0COLLECTBOT",
        now=lambda: clock.now().timestamp(),  # messages stamped by the sandbox's clock, as Slack's
    )
    standin.add_channel(SUPERVISOR_CHANNEL, name="collections-supervisors", is_private=True)
    standin.start()
    signing_secret = secrets.token_hex(16)
    settings = sandbox_settings(database_url, standin, signing_secret)
    db = open_database(settings.database_url.get_secret_value())
    upgrade(db.engine)
    runtime = Runtime(settings=settings, db=db, clock=clock)
    if seed is not None:
        from wiring.sandbox.demo import seed_demo

        seed_demo(db, seed=seed, now=clock.now(), zone=settings.zone)
    if prepare is not None:
        prepare(db)
    wsgi = create_wsgi_app(runtime)
    bot = BackgroundServer(wsgi).start()
    sender = SlackRequestSender(bot.url, signing_secret, standin=standin)
    world = Sandbox(runtime, standin, sender, clock)
    world.register_people()
    page = BackgroundServer(SandboxPage(world), host=host, port=port).start()
    scheduler = start_scheduler(runtime)
    try:
        yield RunningSandbox(world=world, page=page, database_url=database_url)
    finally:
        # Waiting for the tick in progress and the answers being worked on: a job still running
        # after the sandbox stopped would write into a database its owner may already be reusing.
        page.stop()
        world.stop()
        bot.stop()
        scheduler.shutdown(wait=True)
        wsgi.answerer.shutdown()
        standin.stop()
        db.dispose()
