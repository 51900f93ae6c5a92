"""The `collect-bot` command line."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.serving import CannotListenError
from bot.settings import Settings, SettingsError, load_settings
from storage.database import Database
from storage.schema import current_revision, is_current, upgrade

log = logging.getLogger("collect-bot")


class StartupError(Exception):
    """Stops the command with one line on standard error."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        return int(args.run(settings, args))
    except (SettingsError, StartupError, CannotListenError) as error:
        print(f"collect-bot: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collect-bot", description="A Slack bot for credit-collections teams."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the bot in HTTP mode (POST /slack/events, GET /healthz)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--threads", type=int, default=8, help="request threads (default 8)")
    serve.add_argument(
        "--reuse-port",
        action="store_true",
        help="let several serve processes on this host listen on the same port (Linux SO_REUSEPORT)",
    )
    serve.set_defaults(run=_serve)

    sandbox = commands.add_parser("sandbox", help="try the bot in the browser, without a Slack workspace")
    sandbox.add_argument("--port", type=int, default=3000)
    sandbox.add_argument("--seed", type=int, default=None, help="load the demo team and portfolio (e.g. 42)")
    sandbox.set_defaults(run=_sandbox)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations").set_defaults(run=_db_upgrade)

    run = commands.add_parser("run", help="run a scheduled job now, as if at --at, once per period")
    run.add_argument("job", metavar="JOB", help="daily-assignments")
    run.add_argument("--at", help="ISO date-time (team's zone when it has no offset); default: now")
    run.add_argument(
        "--period", choices=["day", "week", "month"], help="for performance-digest (default day)"
    )
    run.set_defaults(run=_run_job)

    report = commands.add_parser("report", help="the performance report of the current period")
    report.add_argument("--period", choices=["day", "week", "month"], default="day")
    report.add_argument("--xlsx", metavar="FILE", help="also write the spreadsheet to FILE")
    report.set_defaults(run=_report)

    from bot.imports.cli import add_import_command
    from bot.records.cli import add_records_commands

    add_import_command(commands)
    add_records_commands(commands)
    return parser


def open_database(settings: Settings) -> Database:
    try:
        return Database(settings.database_url)
    except Exception as error:
        raise StartupError(f"DATABASE_URL is invalid: {error}") from None


def prepare_schema(db: Database) -> None:
    """A new or older SQLite file is brought up to date; PostgreSQL, shared by several processes,
    is upgraded on purpose with `collect-bot db upgrade`."""
    if not db.is_reachable():
        raise StartupError("DATABASE_URL does not answer: is the database running?")
    if is_current(db.engine):
        return
    if db.is_sqlite:
        upgrade(db.engine)
        return
    found = current_revision(db.engine) or "empty"
    raise StartupError(f"the database schema is {found}, not current: run `collect-bot db upgrade` first")


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    db = open_database(settings)
    if not db.is_reachable():
        raise StartupError("DATABASE_URL does not answer: is the database running?")
    upgrade(db.engine)
    print(f"database at revision {current_revision(db.engine)}")
    return 0


def _moment(text: str | None, settings: Settings) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise StartupError(f"--at {text!r} is not an ISO date-time, like 2026-11-23T08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.zone)


def _run_job(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import ManualClock, SystemClock
    from bot.outbox import deliver_due
    from bot.runtime import Runtime
    from schedules.runner import UnknownJobError, run_job

    at = _moment(args.at, settings)
    db = open_database(settings)
    prepare_schema(db)
    runtime = Runtime(settings=settings, db=db, clock=ManualClock(at) if at else SystemClock())
    job = f"{args.job}-{args.period or 'day'}" if args.job == "performance-digest" else args.job
    try:
        report = run_job(runtime, job, runtime.now(), by="collect-bot run")
    except UnknownJobError as error:
        raise StartupError(str(error)) from None
    print(report.message)
    delivered = deliver_due(runtime)
    print(f"messages: {delivered.sent} sent, {delivered.retrying} to retry, {delivered.failed} failed")
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.reports.numbers import build_report
    from bot.reports.spreadsheet import report_workbook
    from bot.reports.text import report_lines
    from bot.runtime import Runtime

    db = open_database(settings)
    prepare_schema(db)
    runtime = Runtime(settings=settings, db=db)
    with db.reading() as session:
        report = build_report(session, args.period, runtime.today(), settings, runtime.now())
    for line in report_lines(report):
        print(line)
    if args.xlsx:
        Path(args.xlsx).write_bytes(report_workbook(report))
        print(f"spreadsheet written to {args.xlsx}")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import create_wsgi_app
    from bot.runtime import Runtime
    from bot.serving import create_server, freeze_start_up_objects
    from schedules.scheduler import start_scheduler

    settings.require_slack()
    db = open_database(settings)
    prepare_schema(db)
    runtime = Runtime(settings=settings, db=db)
    wsgi = create_wsgi_app(runtime)
    server = create_server(wsgi, args.host, args.port, args.threads, reuse_port=args.reuse_port)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: _stop_serving(server))
    freeze_start_up_objects()
    scheduler = start_scheduler(runtime)
    log.info("collect-bot serving on http://%s:%s (POST /slack/events, GET /healthz)", args.host, args.port)
    try:
        server.run()
    finally:
        scheduler.shutdown(wait=False)
        server.close()
        wsgi.answerer.shutdown()
        db.dispose()
    return 0


def _sandbox(_settings: Settings, args: argparse.Namespace) -> int:
    import threading

    from bot.sandbox.launch import running_sandbox

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_sandbox(port=args.port, seed=args.seed) as sandbox:
        print(
            f"collect-bot sandbox: open {sandbox.url}  (Ctrl-C stops it; data in {sandbox.database_url})",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


def _stop_serving(server: Any) -> None:
    """SIGTERM: close the listening socket first, so new connections are refused at once, then stop
    the loop; waitress then waits for the requests in flight (and the finally above cleans up)."""
    server.close()
    raise SystemExit(0)


if __name__ == "__main__":
    raise SystemExit(main())
