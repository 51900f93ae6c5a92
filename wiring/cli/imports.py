"""`collect-bot import agents|accounts|payments|contacts FILE.csv [--skip-invalid]`.

Exit codes: 0 imported (bad rows skipped under --skip-invalid included), 1 nothing imported because
of bad rows, 2 the input could not be read (missing file, not UTF-8, not a CSV of that kind), holds
an amount larger than the ledger stores (each such row listed, nothing imported) or a value that
does not fit the database.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from bot.imports.model import BadRow, ImportKind, ImportSummary, NoProgress
from bot.imports.model import Progress as ProgressReport
from wiring.cli.terminal import StartupError, say

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from sqlalchemy.orm import Session

    from bot.imports.model import ImportOptions
    from bot.imports.records import AfterImport
    from bot.imports.rules import CsvFile
    from bot.settings import Settings
    from storage.database import Database

STDIN = "-"
EXIT_IMPORTED = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2


def add_import_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="load the roster, the portfolio, the payment feed or contact history from a CSV file",
        description="Import a UTF-8, comma-separated CSV file with a header row. Importing the same"
        " file again changes nothing. A file with any bad row imports nothing unless --skip-invalid.",
    )
    parser.add_argument("kind", choices=[kind.value for kind in ImportKind], help="what the file holds")
    parser.add_argument("file", metavar="FILE.csv", help="the CSV file, or - for standard input")
    parser.add_argument(
        "--skip-invalid", action="store_true", help="import the good rows and list the bad ones"
    )
    parser.set_defaults(run=run_import)


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    kind = ImportKind(args.kind)
    name = "<stdin>" if args.file == STDIN else str(args.file)
    # Payments go one by one through the ORM, whose cyclic garbage should be collected as it comes.
    with _collector_paused() if kind != ImportKind.PAYMENTS else nullcontext():
        return _run_import(settings, args, kind, name)


def _run_import(settings: Settings, args: argparse.Namespace, kind: ImportKind, name: str) -> int:
    from bot.clock import SystemClock
    from bot.imports.desk import UNSTORABLE, import_file, import_options, unstorable
    from bot.imports.model import RowsRejectedError
    from bot.imports.render import rejection, summary_line
    from storage.database import open_database
    from storage.schema import prepare_schema

    csv_file = read_input(args.file, kind)
    for column in csv_file.unknown_columns:
        say(f"collect-bot: {name}: column {column[:80]!r} is not one of the {kind} columns; it is ignored")
    options = import_options(settings, SystemClock().now(), skip_invalid=args.skip_invalid)
    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        with progress_report() as progress:
            after = _live_effects(settings, db, options) if kind == ImportKind.PAYMENTS else None
            summary = import_file(db, csv_file, options, progress, after=after)
    except RowsRejectedError as rejected:
        _print_bad_rows(name, rejected.bad_rows)
        say(f"collect-bot: {rejection(rejected)}")
        print(summary_line(ImportSummary(kind, bad_rows=rejected.bad_rows)))
        return EXIT_UNUSABLE if any(bad.too_large for bad in rejected.bad_rows) else EXIT_REJECTED
    except UNSTORABLE as error:
        raise StartupError(f"{name}: {unstorable(error)}") from None
    finally:
        db.dispose()
    _print_bad_rows(name, summary.bad_rows)
    print(summary_line(summary))
    return EXIT_IMPORTED


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the command reads and imports a file written in
    bulk. Its rows (a dict and a tuple or two each, no cycles) live until the import ends, and the
    collector walked them again and again as they piled up: 15% of a 100,000-row portfolio import.
    Back on afterwards, for whoever runs the command in their own process (the tests)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _live_effects(settings: Settings, db: Database, options: ImportOptions) -> AfterImport:
    """What the payments change at once, as when they come by the API: the agents whose lists have
    the accounts told (their morning message edited, a DM), the alerts they answer cleared; queued in
    the import's transaction, delivered by the running bot's outbox. The agents' Homes show the
    payments when next opened or refreshed: this process has no Home refresher of its own."""
    from bot.assignments.records.arrivals import payments_arrived
    from bot.assignments.records.worklists import agents_listed
    from bot.clock import SystemClock, team_today
    from bot.runtime import Runtime

    runtime = Runtime(settings=settings, db=db, clock=SystemClock())
    if settings.slack_bot_token.get_secret_value():
        # Each agent's language is asked of Slack now, and remembered, rather than inside the
        # import's transaction, where every answer waited for would hold the accounts locked.
        with db.reading() as session:
            agents = agents_listed(session, team_today(options.now, settings.zone))
        for agent in agents:
            runtime.locale_of(agent)

    def after(session: Session, summary: ImportSummary) -> None:
        payments_arrived(session, runtime, summary.arrived, options.now)

    return after


def read_input(file: str, kind: ImportKind) -> CsvFile:
    """The whole file, checked for a header with the required columns; StartupError when unreadable."""
    from bot.imports.desk import read_file, read_stream
    from bot.imports.rules import CsvFormatError

    name = "<stdin>" if file == STDIN else file
    try:
        if file != STDIN:
            return read_file(file, kind)
        # utf-8-sig drops the byte-order mark Excel writes; newline="" lets csv see quoted line
        # breaks; surrogateescape keeps bytes that are not UTF-8 so that their line can be named.
        stream = io.TextIOWrapper(
            sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        try:
            return read_stream(stream, kind)
        finally:
            stream.detach()  # standard input stays open for whoever else holds it
    except CsvFormatError as error:
        raise StartupError(f"{name}: {error}") from None
    except IsADirectoryError:
        raise StartupError(f"{name} is a folder: give the CSV file in it") from None
    except OSError as error:
        raise StartupError(f"cannot read {name}: {error.strerror or error}") from None


def _print_bad_rows(name: str, bad_rows: Sequence[BadRow]) -> None:
    from bot.imports.render import bad_row_lines

    for line in bad_row_lines(name, bad_rows):
        say(line)


class _Bar:
    """The loader's progress report drawn as a rich progress bar, one bar per phase."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def phase(self, description: str, total: int) -> None:
        self._task = self._progress.add_task(description, total=total)

    def advance(self, count: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, count)


@contextmanager
def progress_report() -> Iterator[ProgressReport]:
    """A bar on a terminal only: redirected output (cron, CI, a pipe) stays clean text."""
    if not sys.stderr.isatty():
        yield NoProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield _Bar(progress)
