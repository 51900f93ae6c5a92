"""Starting the sandbox: a fresh database (with the demo team when asked), the Slack stand-in,
the real bot served over HTTP with request signing and its scheduler, and the page."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.calendar import add_days
from bot.clock import ShiftedClock
from bot.runtime import Runtime
from bot.settings import Settings
from schedules.scheduler import start_scheduler
from storage.database import Database, open_database
from storage.schema import upgrade
from wiring.app import create_wsgi_app
from wiring.sandbox.billing import BillingSystem
from wiring.sandbox.mailbox import SENDER, SandboxMailbox
from wiring.sandbox.page import SandboxPage
from wiring.sandbox.world import Sandbox
from wiring.serving import BackgroundServer
from wiring.standin.requests import SlackRequestSender
from wiring.standin.web_api import SlackStandIn

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

SUPERVISOR_CHANNEL = "C0SUPERVISORS"
SANDBOX_DUNNING_PER_DAY = 20
DEMO_CREDITOR = {
    "COLLECT_CREDITOR_NAME": "Sandbox Credit Co.",
    "COLLECT_CREDITOR_ADDRESS": "100 Main Street;Springfield, IL 62701;United States",
    "COLLECT_PAYMENT_INSTRUCTIONS": "Pay by bank transfer to account 0001-2345, quoting your account number.",
    "COLLECT_PAYMENT_LINK": "https://pay.sandbox.example/{account_id}",
    "COLLECT_DISPUTE_CONTACT": "disputes@sandbox.example",
}
DEMO_ZONE = "America/New_York"
BEFORE_THE_WORKLISTS = timedelta(minutes=5)
"""The sandbox starts this long before the morning's worklists: one click shows them arrive."""


@dataclass
class RunningSandbox:
    world: Sandbox
    page: BackgroundServer
    database_url: str
    temporary: bool = False
    """The database is the sandbox's own, in a temporary folder removed when it stops."""
    import_dir: str = ""
    """The watched import folder (COLLECT_IMPORT_DIR): CSV files dropped there are imported."""
    mailbox: SandboxMailbox | None = None
    """The mail server the bot's emails to customers go to (unless COLLECT_SMTP_URL names another)."""

    @property
    def url(self) -> str:
        return self.page.url


def sandbox_settings(
    database_url: str,
    standin: SlackStandIn,
    signing_secret: str,
    import_dir: Path | None = None,
    api_secret: str = "",
    mailbox: SandboxMailbox | None = None,
) -> Settings:
    """The user's settings, with Slack pointed at the stand-in and a team in New York unless told;
    `import_dir` is watched unless COLLECT_IMPORT_DIR names another folder. The billing API is on
    with `api_secret`, the sandbox's own (its billing system box signs with it)."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": standin.token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": standin.api_url,
        "COLLECT_SUPERVISOR_CHANNEL": SUPERVISOR_CHANNEL,
        "COLLECT_SLACK_RETRY_BACKOFF": "0.1",
    }
    if api_secret:
        values["COLLECT_API_SECRET"] = api_secret
    if "COLLECT_TIMEZONE" not in os.environ:
        values["COLLECT_TIMEZONE"] = DEMO_ZONE
    if import_dir is not None and "COLLECT_IMPORT_DIR" not in os.environ:
        values["COLLECT_IMPORT_DIR"] = str(import_dir)
    if mailbox is not None and "COLLECT_SMTP_URL" not in os.environ:
        values["COLLECT_SMTP_URL"] = mailbox.smtp_url
        values["COLLECT_MAIL_FROM"] = os.environ.get("COLLECT_MAIL_FROM") or SENDER
    # Dunning's first run over the demo portfolio is a backlog of about 1,000 documents; a few a day
    # show it working without the +1 hour that reaches 09:00 taking a minute of PDF rendering.
    if "COLLECT_DUNNING_PER_DAY" not in os.environ:
        values["COLLECT_DUNNING_PER_DAY"] = str(SANDBOX_DUNNING_PER_DAY)
    # A demo creditor, so documents can be written before a team has set its own.
    for name, value in DEMO_CREDITOR.items():
        if name not in os.environ:
            values[name] = value
    make: Any = Settings
    settings: Settings = make(**values)
    return settings


def fresh_database_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="collect-sandbox-"))


def first_morning(settings: Settings, now: datetime) -> datetime:
    """Just before the worklists go out on the next working day (today if it is not yet that time),
    in the team's zone and working calendar."""
    zone, calendar = settings.zone, settings.work_calendar
    local = now.astimezone(zone)
    day = local.date()
    for _ in range(366):
        at = datetime.combine(day, settings.digest_time, zone) - BEFORE_THE_WORKLISTS
        if calendar.is_working_day(day) and at > local:
            return at.astimezone(UTC)
        day = add_days(day, 1)
    return now


class _PageLater:
    """The page's address is taken before anything else (a port in use stops the sandbox before a
    database is made or seeded); the page itself is put behind it once the sandbox is up."""

    def __init__(self) -> None:
        self.page: SandboxPage | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.page is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"the sandbox is starting"]
        return self.page(environ, start_response)


@contextmanager
def running_sandbox(*, port: int = 3000, seed: int | None = None, database_url: str | None = None,
                    host: str = "127.0.0.1", start: datetime | None = None,
                    prepare: Callable[[Database], None] | None = None) -> Iterator[RunningSandbox]:  # fmt: skip
    """`prepare` fills the database before the bot and its scheduler start (tests use it). Without
    `start` the clock starts just before the next working morning's worklists. A database the
    sandbox made for itself (a temporary folder) is removed when it stops."""
    late = _PageLater()
    page = BackgroundServer(late, host=host, port=port)  # CannotListenError before anything is made
    folder: Path | None = None
    database_url = database_url or os.environ.get("DATABASE_URL")
    if not database_url:
        folder = fresh_database_folder()
        database_url = f"sqlite:///{folder / 'sandbox.db'}"
    try:
        # A sandbox of its own watches an import folder of its own, beside its database.
        import_dir = folder / "import" if folder is not None else None
        if import_dir is not None:
            import_dir.mkdir()
        with _sandbox_on(
            page, late, database_url, folder is not None, import_dir, seed, start, prepare
        ) as running:
            yield running
    finally:
        page.stop()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _sandbox_on(page: BackgroundServer, late: _PageLater, database_url: str, temporary: bool, import_dir: Path | None,
                seed: int | None, start: datetime | None,
                prepare: Callable[[Database], None] | None) -> Iterator[RunningSandbox]:  # fmt: skip
    clock: ShiftedClock | None = None
    standin = SlackStandIn(
        token="xoxb-sandbox-" + secrets.token_hex(6),
        bot_user_id="U0COLLECTBOT",
        # Messages stamped by the sandbox's clock, as Slack's by its own.
        now=lambda: (clock.now() if clock else datetime.now(UTC)).timestamp(),
    )
    standin.add_channel(SUPERVISOR_CHANNEL, name="collections-supervisors", is_private=True)
    standin.start()
    mailbox = SandboxMailbox()  # its address now, for the settings; started once the database opens
    signing_secret = secrets.token_hex(16)
    # Random per run and never shown (only its label): the bot's API is reachable only from here.
    api_secret = secrets.token_hex(32)
    settings = sandbox_settings(database_url, standin, signing_secret, import_dir, api_secret, mailbox)
    clock = ShiftedClock(start or first_morning(settings, datetime.now(UTC)))
    db = open_database(settings.database_url.get_secret_value())
    try:
        mailbox.start()
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
        world = Sandbox(
            runtime,
            standin,
            sender,
            clock,
            jobs_ran=wsgi.answerer.homes.jobs_ran,
            billing=BillingSystem(bot.url, api_secret),
        )
        world.register_people()
        late.page = SandboxPage(world)
        standin.permalink_base = page.url + "/"
        page.start()
        scheduler = start_scheduler(runtime, ticking=world.scheduled_tick)
        try:
            yield RunningSandbox(
                world=world,
                page=page,
                database_url=database_url,
                temporary=temporary,
                import_dir=settings.import_dir,
                mailbox=mailbox,
            )
        finally:
            # Waiting for the tick in progress and the answers being worked on: a job still running
            # after the sandbox stopped would write into a database its owner may already be reusing.
            page.stop()
            world.stop()
            bot.stop()
            scheduler.shutdown(wait=True)
            wsgi.answerer.shutdown()
    finally:
        standin.stop()
        mailbox.stop()
        db.dispose()
