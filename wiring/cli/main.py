"""The `collect-bot` command line.

Every command ends in one of three ways: done (0, or the command's own documented status); refused,
because something it was given cannot be used (2: one line on standard error saying what is wrong
and what to do, nothing written); or a fault of the bot itself (1: one line with an error id, the
traceback in the error log, never on the terminal).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import errno
import gc
import logging
import os
import secrets
import signal
import socket
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, NoReturn

# What is imported here is paid by every command, `--help` included: argparse and the commands'
# arguments only. The libraries a command uses (SQLAlchemy, pydantic, Alembic, Bolt, the renderers)
# are imported inside the function that runs it.
from wiring.cli.coaching import add_review_command
from wiring.cli.documents import add_document_command
from wiring.cli.dunning import add_letters_command
from wiring.cli.imports import add_import_command
from wiring.cli.retention import add_records_commands
from wiring.cli.score import add_score_command
from wiring.cli.terminal import StartupError, say

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings
    from handlers.answering import Answerer
    from storage.database import Database
    from wiring.socket_mode import SocketModeBot

log = logging.getLogger("collect-bot")

EXIT_FAULT = 1
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130
DEFAULT_ERROR_LOG = "collect-bot-errors.log"
# `--at` outside these years is a typo, and the jobs' date arithmetic must stay far from datetime's ends.
FIRST_YEAR, LAST_YEAR = 2000, 2099
# Write failures that can only be the output's: standard output to a full disk or a closed pipe.
_OUTPUT_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
# These commands report their progress; the others print what they did, and standard error carries
# only what went wrong.
_CHATTY_COMMANDS = frozenset({"serve", "sandbox", "db"})
_QUIET_LIBRARIES = ("fontTools", "fpdf", "mail.log")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class UsageError(Exception):
    """The command line itself is wrong (argparse's complaint, in one line)."""


class CommandParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except UsageError as error:
        return refuse(str(error))
    root = logging.getLogger()
    before = set(root.handlers)
    logging.basicConfig(
        level=logging.INFO if args.command in _CHATTY_COMMANDS else logging.WARNING,
        format=LOG_FORMAT,
    )
    for library in _QUIET_LIBRARIES:
        # They tell every step at INFO (each font subset of each PDF, each SMTP connection): a
        # serving bot's log is for what the bot does; their warnings and errors still show.
        logging.getLogger(library).setLevel(logging.WARNING)
    if args.command not in _CHATTY_COMMANDS:
        # A one-off command's terminal gets one line per problem; tracebacks are for the error log.
        # Only on the terminal's own handler: a handler someone else set up (a test's log capture,
        # an embedding program's) keeps its tracebacks.
        for handler in set(root.handlers) - before:
            handler.setFormatter(_WithoutTraceback(LOG_FORMAT))
    settings: Settings | None = None
    # serve's start-up builds objects that live as long as the process, and the cyclic collector
    # walked them again and again while they were built (a tenth of its CPU): off until the app is
    # built (wiring.serving.freeze_start_up_objects turns it back on), and on again here whatever
    # happens, for a caller that goes on after main().
    paused = args.command == "serve" and gc.isenabled()
    if paused:
        gc.disable()
    try:
        settings = _settings()
        code = int(args.run(settings, args))
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return code
    except KeyboardInterrupt:
        say("collect-bot: interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:
        refusal = refusal_of(error, args)
        if refusal is None:
            return _fault(error, args, settings)
        return refuse(refusal)
    finally:
        if paused:
            gc.enable()


def refusal_of(error: BaseException, args: argparse.Namespace) -> str | None:
    """The one line for a failure the user can fix, or None for a fault of the bot."""
    # Imported here, when something failed: none of them is needed to start a command.
    from sqlalchemy import exc

    from bot.errors import UserError
    from bot.settings import SettingsError
    from storage.database import DatabaseSetupError, database_reason
    from wiring.serving import CannotListenError

    if isinstance(error, StartupError | DatabaseSetupError | SettingsError | CannotListenError | UserError):
        return f"collect-bot: {error}"
    if isinstance(error, OSError) and error.filename is not None and str(error.filename) in _named(args):
        return f"collect-bot: cannot use {error.filename}: {error.strerror or error}"
    if isinstance(error, OSError) and error.filename is None and error.errno in _OUTPUT_ERRNOS:
        _drop_output()
        return f"collect-bot: cannot write to standard output: {error.strerror}"
    if isinstance(error, csv.Error):
        return f"collect-bot: the CSV file cannot be read ({error}): save it again as CSV UTF-8"
    if isinstance(error, UnicodeDecodeError):
        return "collect-bot: a file is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in a spreadsheet)"
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return (
            f"collect-bot: the database failed ({database_reason(error)}); the change was not made."
            " Check that it is running and that DATABASE_URL names it, then try again"
        )
    return None


def refuse(message: str) -> int:
    say(message)
    return EXIT_REFUSED


def _shown_url(url: str) -> str:
    """A database URL as a terminal may show it: the password starred out."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(the DATABASE_URL set)"


def _named(args: argparse.Namespace) -> set[str]:
    return {value for value in vars(args).values() if isinstance(value, str)}


def _drop_output() -> None:
    """Standard output is broken: what is still buffered goes nowhere instead of failing again at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _settings() -> Settings:
    from bot.settings import load_settings

    try:
        return load_settings()
    except UnicodeDecodeError:
        raise StartupError(f"the .env file in {Path.cwd()} is not UTF-8 text: save it as UTF-8") from None
    except OSError as error:
        raise StartupError(f"cannot read the .env file in {Path.cwd()}: {error.strerror}") from None


class _WithoutTraceback(logging.Formatter):
    """The record's line alone. The record itself is left whole (a filter that cleared exc_info
    would take the traceback from every other handler too)."""

    def format(self, record: logging.LogRecord) -> str:
        kept = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = kept


def _fault(error: BaseException, args: argparse.Namespace, settings: Settings | None) -> int:
    error_id = secrets.token_hex(4)
    report = "".join(traceback.format_exception(error))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    entry = f"{stamp} error {error_id} in `collect-bot {args.command}`\n{report}\n"
    wanted = Path(settings.error_log if settings else DEFAULT_ERROR_LOG)
    for path in (wanted, Path(tempfile.gettempdir()) / DEFAULT_ERROR_LOG):
        try:
            # Owner-only: a traceback may hold a row's values.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as log_file:
                log_file.write(entry)
        except OSError:
            continue
        say(
            f"collect-bot: unexpected error {error_id} ({type(error).__name__}): the details are in"
            f" {path.resolve()}; please report it with this id"
        )
        return EXIT_FAULT
    say(
        f"collect-bot: unexpected error {error_id} ({type(error).__name__}); its details could not be"
        f" written to {wanted}: set COLLECT_ERROR_LOG to a file you may write"
    )
    return EXIT_FAULT


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="collect-bot", description="A Slack bot for credit-collections teams.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the bot: over Socket Mode when SLACK_APP_TOKEN is set, else in HTTP mode"
        " (POST /slack/events); GET /healthz in both",
    )
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=port_number, default=3000)
    serve.add_argument("--threads", type=thread_count, default=8, help="request threads (default 8)")
    serve.add_argument(
        "--reuse-port",
        action="store_true",
        help="let several serve processes on this host listen on the same port (Linux SO_REUSEPORT)",
    )
    serve.add_argument(
        "--http",
        action="store_true",
        help="HTTP mode even when SLACK_APP_TOKEN is set (Slack must reach POST /slack/events)",
    )
    serve.set_defaults(run=_serve)

    sandbox = commands.add_parser("sandbox", help="try the bot in the browser, without a Slack workspace")
    sandbox.add_argument("--port", type=port_number, default=3000)
    sandbox.add_argument("--seed", type=int, default=None, help="load the demo team and portfolio (e.g. 42)")
    sandbox.set_defaults(run=_sandbox)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations").set_defaults(run=_db_upgrade)

    run = commands.add_parser("run", help="run a scheduled job now, as if at --at, once per period")
    run.add_argument(
        "job",
        metavar="JOB",
        help="daily-assignments, supervisor-alerts, escalation-reminders, performance-digest, dunning,"
        " housekeeping, import-folder, train-score or learned-scores",
    )
    run.add_argument(
        "--at",
        help=f"ISO date-time (team's zone when it has no offset), {FIRST_YEAR}-{LAST_YEAR}; default: now",
    )
    run.add_argument(
        "--period", choices=["day", "week", "month"], help="for performance-digest (default day)"
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="for dunning: list what would be sent and what held back, and why; nothing is written",
    )
    run.set_defaults(run=_run_job)

    report = commands.add_parser("report", help="the performance report of the current period")
    report.add_argument("--period", choices=["day", "week", "month"], default="day")
    report.add_argument("--xlsx", metavar="FILE", help="also write the spreadsheet to FILE")
    report.add_argument(
        "--strategy",
        action="store_true",
        help="the champion/challenger tests instead: each side's numbers with 95%% intervals, and a verdict",
    )
    report.add_argument(
        "--month",
        type=_month,
        metavar="YYYY-MM",
        help="with --strategy: that month (default: this month so far)",
    )
    report.set_defaults(run=_report)

    add_import_command(commands)
    add_records_commands(commands)
    add_document_command(commands)
    add_letters_command(commands)
    add_review_command(commands)
    add_score_command(commands)
    return parser


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return int(text)


def thread_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of threads: give 1 to 256")
    return int(text)


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from storage.database import open_database, require_reachable
    from storage.schema import current_revision, upgrade

    db = open_database(settings.database_url.get_secret_value())
    require_reachable(db)
    upgrade(db.engine)
    print(f"database at revision {current_revision(db.engine)}")
    return 0


def _moment(text: str | None, settings: Settings) -> datetime | None:
    if text is None:
        return None
    example = "like 2026-11-23T08:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise StartupError(f"--at {text!r} is not an ISO date-time, {example}") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise StartupError(
            f"--at {text!r} is not between {FIRST_YEAR} and {LAST_YEAR}: give a time {example}"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.zone)


@contextlib.contextmanager
def output_file(name: str, option: str) -> Iterator[IO[bytes]]:
    """A file named on the command line, written whole or not at all. Checked before any work is done
    (a temporary file next to it is created at once) and put in place only when complete."""
    path = Path(name)
    if path.is_dir():
        raise StartupError(
            f"{option} {name} is a folder: give a file name in it, like {path / 'report.xlsx'}"
        )
    if not path.parent.is_dir():
        raise StartupError(
            f"{option} {name}: the folder {path.parent} does not exist: create it or choose another"
        )
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise StartupError(
            f"{option} {name}: cannot write in {path.parent}: {error.strerror}: choose a folder you may write to"
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
        umask = os.umask(0)  # mkstemp's file is the owner's only; the report gets the usual mode
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        raise StartupError(
            f"{option} {name}: cannot write it: {error.strerror}; nothing was written"
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _run_job(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import ManualClock, SystemClock
    from bot.outbox.job import deliver_due
    from bot.runtime import Runtime
    from schedules.jobs import JOBS
    from schedules.runner import run_job
    from storage.database import open_database
    from storage.schema import prepare_schema
    from wiring.cli.dunning import print_dunning_plan

    # Everything the command line says is checked before the database is touched.
    at = _moment(args.at, settings)
    if args.period and args.job != "performance-digest":
        raise StartupError(f"--period is for performance-digest, not {args.job}: leave it out")
    if args.dry_run and args.job != "dunning":
        raise StartupError(f"--dry-run is for dunning, not {args.job}: leave it out")
    job = f"{args.job}-{args.period or 'day'}" if args.job == "performance-digest" else args.job
    if job not in JOBS:
        names = ", ".join(sorted({"performance-digest", *JOBS}))
        raise StartupError(f"there is no job {args.job!r}: jobs are {names}")
    db = open_database(settings.database_url.get_secret_value())
    prepare_schema(db)
    runtime = Runtime(settings=settings, db=db, clock=ManualClock(at) if at else SystemClock())
    if args.dry_run:
        return print_dunning_plan(runtime, runtime.now())
    report = run_job(runtime, job, runtime.now(), by="collect-bot run")
    print(report.message)
    delivered = deliver_due(runtime)
    print(f"messages: {delivered.sent} sent, {delivered.retrying} to retry, {delivered.failed} failed")
    return 1 if report.failed else 0


def _month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: write it as 2026-11") from None


def _strategy_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import Runtime
    from bot.strategy.desk import month_report
    from bot.strategy.render import result_lines
    from storage.database import open_database
    from storage.schema import prepare_schema

    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        found = month_report(Runtime(settings=settings, db=db), args.month)
    finally:
        db.dispose()
    so_far = " (so far)" if found.so_far else ""
    print(f"Strategy: champion/challenger, {found.first.isoformat()} to {found.last.isoformat()}{so_far} "
          f"({settings.timezone}); 95% intervals")  # fmt: skip
    for line in result_lines(found.results):
        print(line)
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    if args.strategy:
        return _strategy_report(settings, args)
    if args.month is not None:
        print("--month goes with --strategy: the performance report takes --period", file=sys.stderr)
        return 2
    from bot.reports.records.numbers import build_report
    from bot.reports.render.spreadsheet import report_workbook
    from bot.reports.render.text import report_lines
    from bot.runtime import Runtime
    from storage.database import open_database
    from storage.schema import prepare_schema

    with contextlib.ExitStack() as stack:
        spreadsheet = stack.enter_context(output_file(args.xlsx, "--xlsx")) if args.xlsx else None
        db = open_database(settings.database_url.get_secret_value())
        stack.callback(db.dispose)
        prepare_schema(db)
        runtime = Runtime(settings=settings, db=db)
        with db.reading() as session:
            report = build_report(session, args.period, runtime.today(), settings, runtime.now())
        for line in report_lines(report):
            print(line)
        if spreadsheet is not None:
            spreadsheet.write(report_workbook(report))
    if args.xlsx:
        print(f"spreadsheet written to {args.xlsx}")
    return 0


def _load_document_templates(settings: Settings) -> None:
    """A team's own templates are loaded and checked before serving: a broken template in
    COLLECT_TEMPLATES_DIR stops the bot here, with the template and the line named, not at the first
    document someone sends. The shipped ones are checked by the tests, so without the setting they
    (and Jinja2) load with the first document."""
    if not settings.templates_dir:
        return
    from bot.correspondence.desk import ready_templates
    from bot.correspondence.render import DocumentTemplateError

    try:
        ready_templates(settings)
    except DocumentTemplateError as error:
        raise StartupError(
            f"{error}; fix it, or unset COLLECT_TEMPLATES_DIR to use the shipped templates"
        ) from None


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from storage.database import open_database
    from storage.schema import prepare_schema
    from wiring.serving import StartingWsgi, create_server, freeze_start_up_objects, serving_meanwhile

    settings.require_slack()
    _load_document_templates(settings)
    db = open_database(settings.database_url.get_secret_value())
    prepare_schema(db)
    # In HTTP mode the port is bound and /healthz answers as soon as the database has answered;
    # the app (most of start-up) is built meanwhile, and Slack's requests wait for it (StartingWsgi).
    # In Socket Mode /healthz waits for the socket, which needs the app: it is built first.
    starting: StartingWsgi | None = None
    serving: _Serving | None = None
    app: Any  # the WSGI application on --port
    if args.http or not settings.socket_mode:
        starting = StartingWsgi(db)
        app, threads = starting, args.threads
    else:
        serving = _build_serving(settings, db, args)
        app, threads = serving.app, 2
    try:
        server = create_server(app, args.host, args.port, threads, reuse_port=args.reuse_port)
    except ValueError as error:  # waitress's word for a host it cannot resolve
        raise StartupError(
            f"cannot listen on {args.host}:{args.port} ({error}): give one address of this machine with --host"
        ) from None
    # SIGTERM while the app is built is noted, and acted on once it is built (a fraction of a
    # second): stopping from under the import of a module or the loop's own thread would leave the
    # requests in hand unanswered.
    stop_asked: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stop_asked.append(signum))
    if starting:
        try:
            with serving_meanwhile(server):
                serving = _build_serving(settings, db, args)
                freeze_start_up_objects()
                starting.ready(serving.app)
        except BaseException:
            starting.abandon()  # the requests waiting for the app get a 503
            server.close()
            server.task_dispatcher.shutdown()  # and those the app has are answered
            db.dispose()
            raise
    else:
        freeze_start_up_objects()
    assert serving is not None
    return _run_serving(server, serving, args, stop_asked)


class _Serving(NamedTuple):
    app: Any  # the WSGI application on --port
    answerer: Answerer
    over_socket: SocketModeBot | None
    runtime: Runtime


def _build_serving(settings: Settings, db: Database, args: argparse.Namespace) -> _Serving:
    from bot.runtime import Runtime
    from wiring.app import create_wsgi_app

    runtime = Runtime(settings=settings, db=db)
    if settings.socket_mode and not args.http:
        from wiring.socket_mode import SocketModeBot  # the socket's client: not loaded in HTTP mode

        # Slack's requests come through the socket (`--threads` at once); the port serves /healthz.
        over_socket = SocketModeBot(runtime, concurrency=args.threads)
        serving = _Serving(over_socket.health, over_socket.answerer, over_socket, runtime)
    else:
        wsgi = create_wsgi_app(runtime)
        serving = _Serving(wsgi, wsgi.answerer, None, runtime)
    # Once the app is built (HTTP's bounded transactions have a pool of their own: allow_bounded),
    # before the first requests (Database.open_connections).
    db.open_connections(args.threads)
    return serving


def _run_serving(server: Any, serving: _Serving, args: argparse.Namespace, stop_asked: list[int]) -> int:
    from schedules.scheduler import start_scheduler

    over_socket, answerer = serving.over_socket, serving.answerer
    scheduler = None if stop_asked else start_scheduler(serving.runtime, after_jobs=answerer.homes.jobs_ran)
    if over_socket and not stop_asked:
        over_socket.start()
        log.info(
            "collect-bot serving in Socket Mode (SLACK_APP_TOKEN is set; --http for HTTP mode),"
            " GET /healthz on http://%s:%s",
            args.host,
            args.port,
        )
    elif not stop_asked:
        log.info(
            "collect-bot serving on http://%s:%s in HTTP mode (POST /slack/events, GET /healthz)",
            args.host,
            args.port,
        )
    try:
        signal.signal(signal.SIGTERM, lambda _signum, _frame: _stop_serving(server))
        if stop_asked:  # while it started
            _stop_serving(server)
        server.run()
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)
        server.close()
        # What waitress does when SIGTERM stops its loop, done here too for a SIGTERM that came
        # before the loop ran: the requests in flight are answered.
        server.task_dispatcher.shutdown()
        if over_socket:
            over_socket.stop()
        else:
            answerer.shutdown()
        serving.runtime.db.dispose()
    return 0


def _sandbox(_settings: Settings, args: argparse.Namespace) -> int:
    from wiring.sandbox.launch import running_sandbox

    # Ctrl-C and SIGTERM wake this thread through the signal wakeup fd and do nothing else: a
    # handler that set an Event deadlocked on the Event's own lock when a second signal came while
    # the first was still inside it. Whatever thread a signal lands on (native ones included), its
    # byte reaches the socket read below; later ones are ignored while the sandbox stops.
    woken, waking = socket.socketpair()
    waking.setblocking(False)
    signal.set_wakeup_fd(waking.fileno())
    for stopping in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stopping, lambda _signum, _frame: None)
    with running_sandbox(port=args.port, seed=args.seed) as sandbox:
        print(
            f"collect-bot sandbox: open {sandbox.url}  (Ctrl-C stops it; data in {_shown_url(sandbox.database_url)}"
            + (", removed when it stops)" if sandbox.temporary else ")"),
            flush=True,
        )
        if sandbox.import_dir:
            print(f"collect-bot sandbox: CSV files dropped in {sandbox.import_dir} are imported", flush=True)
        woken.recv(1)
    return 0


def _stop_serving(server: Any) -> None:
    """SIGTERM: close the listening socket first, so new connections are refused at once, then stop
    the loop; waitress then waits for the requests in flight (and the finally above cleans up)."""
    server.close()
    raise SystemExit(0)
