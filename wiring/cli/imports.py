"""`collect-bot import agents|accounts|payments|contacts FILE.csv [--skip-invalid]`.

Exit codes: 0 imported (bad rows skipped under --skip-invalid included), 1 nothing imported because
of bad rows, 2 the input could not be read (missing file, not UTF-8, not a CSV of that kind), holds
an amount larger than the ledger stores (each such row listed, nothing imported) or a value that
does not fit the database.
"""

from __future__ import annotations

import argparse
import csv
import errno
import io
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from bot.assignments.records.arrivals import payments_arrived
from bot.assignments.records.worklists import agents_listed
from bot.clock import SystemClock, team_today
from bot.imports.desk import AfterImport, import_file
from bot.imports.model import BadRow, ImportKind, ImportOptions, ImportSummary, NoProgress, RowsRejectedError
from bot.imports.model import Progress as ProgressReport
from bot.imports.rules import CsvFile, CsvFormatError, read_csv
from bot.runtime import Runtime
from bot.settings import Settings
from storage.database import Database, database_reason, open_database
from storage.schema import prepare_schema
from wiring.cli.terminal import StartupError, say

STDIN = "-"
EXIT_IMPORTED = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2
# A physical line longer than this is not a row of any of these files (a cell holds 131,072 at most,
# csv's own limit, and a row has a few dozen cells); reading stops there instead of filling memory.
MAX_LINE_CHARACTERS = 4 * 1024 * 1024
# A byte that is not UTF-8 (kept by surrogateescape as U+DC80-U+DCFF so its line is known), or a NUL
# in the header: a UTF-16 file or a spreadsheet, not CSV text.
_NOT_TEXT = re.compile("[\x00\udc80-\udcff]")
SAVE_AS = "save it as CSV UTF-8"
_QUOTED = re.compile(r'"[^"]*"')


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
    csv_file = read_input(args.file, kind)
    for column in csv_file.unknown_columns:
        say(f"collect-bot: {name}: column {column[:80]!r} is not one of the {kind} columns; it is ignored")
    options = ImportOptions(
        now=SystemClock().now(),
        zone=settings.zone,
        grace_days=settings.promise_grace_days,
        skip_invalid=args.skip_invalid,
    )
    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        with progress_report() as progress:
            after = _live_effects(settings, db, options) if kind == ImportKind.PAYMENTS else None
            summary = import_file(db, csv_file, options, progress, after=after)
    except RowsRejectedError as rejected:
        _print_bad_rows(name, rejected.bad_rows)
        say(_rejection(rejected))
        print(summary_line(ImportSummary(kind, bad_rows=rejected.bad_rows)))
        return EXIT_UNUSABLE if any(bad.too_large for bad in rejected.bad_rows) else EXIT_REJECTED
    except (DataError, ArithmeticError, ValueError) as error:
        # A value the row checks let through but the database (or Python's int) cannot hold; the
        # transaction is rolled back. The driver's first line names the problem, never the row.
        # PostgreSQL quotes the value it refused ("invalid input syntax ... "X""): that part goes.
        cause = f" ({_QUOTED.sub('…', database_reason(error))})" if isinstance(error, DataError) else ""
        raise StartupError(
            f"{name}: a value in the file is too large or too long to store{cause}; nothing was imported."
            " Look for a number with very many digits or an overlong text"
        ) from None
    finally:
        db.dispose()
    _print_bad_rows(name, summary.bad_rows)
    print(summary_line(summary))
    return EXIT_IMPORTED


def _live_effects(settings: Settings, db: Database, options: ImportOptions) -> AfterImport:
    """What the payments change at once, as when they come by the API: the agents whose lists have
    the accounts told (their morning message edited, a DM), the alerts they answer cleared; queued in
    the import's transaction, delivered by the running bot's outbox. The agents' Homes show the
    payments when next opened or refreshed: this process has no Home refresher of its own."""
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


@dataclass
class _Source:
    stream: TextIO
    is_pipe: bool
    lines: int = 0

    def checked_lines(self) -> Iterator[str]:
        """The lines of the file, each known to be UTF-8 text of a sane length, counted as csv counts."""
        while line := self.stream.readline(MAX_LINE_CHARACTERS + 1):
            self.lines += 1
            if len(line) > MAX_LINE_CHARACTERS:
                raise CsvFormatError(
                    f"line {self.lines} is longer than {MAX_LINE_CHARACTERS:,} characters: this is not a CSV"
                    f" file of rows; {SAVE_AS}"
                )
            # A stray NUL in a cell is noise that storable() drops; in the header it is not CSV text.
            found = _NOT_TEXT.search(line if self.lines == 1 else line.replace("\x00", ""))
            if found and found.group() == "\x00":
                raise CsvFormatError(
                    f"line {self.lines}: the file holds a NUL character, so it is not CSV text (a"
                    f" spreadsheet, or UTF-16?): {SAVE_AS}"
                )
            if found:
                raise CsvFormatError(f"line {self.lines}: the file is not UTF-8 text: {SAVE_AS}")
            yield line


def read_input(file: str, kind: ImportKind) -> CsvFile:
    """The whole file, checked for a header with the required columns; StartupError when unreadable."""
    name = "<stdin>" if file == STDIN else file
    try:
        with _open(file) as source:
            try:
                return read_csv(source.checked_lines(), kind)
            except CsvFormatError:
                if source.is_pipe and source.lines == 0:
                    raise CsvFormatError(
                        "nothing came through the pipe: give a CSV file, or - for standard input"
                    ) from None
                raise
    except CsvFormatError as error:
        raise StartupError(f"{name}: {_plain(str(error))}") from None
    except IsADirectoryError:
        raise StartupError(f"{name} is a folder: give the CSV file in it") from None
    except OSError as error:
        raise StartupError(f"cannot read {name}: {error.strerror or error}") from None


def _plain(problem: str) -> str:
    limit = f"field larger than field limit ({csv.field_size_limit()})"
    return problem.replace(
        limit, f"a cell is longer than {csv.field_size_limit():,} characters (is a quote left open?)"
    )


@contextmanager
def _open(file: str) -> Iterator[_Source]:
    # utf-8-sig drops the byte-order mark Excel writes; newline="" lets csv see quoted line breaks;
    # surrogateescape keeps bytes that are not UTF-8 so that the line holding one can be named.
    if file == STDIN:
        stream = io.TextIOWrapper(
            sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        try:
            yield _Source(stream, is_pipe=False)
        finally:
            stream.detach()  # standard input stays open for whoever else holds it
        return
    # Opened without waiting: a named pipe nobody writes to then reads as empty instead of hanging.
    descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), file)
        os.set_blocking(descriptor, True)
        stream = open(descriptor, encoding="utf-8-sig", errors="surrogateescape", newline="")  # noqa: SIM115
    except BaseException:
        os.close(descriptor)
        raise
    with stream:
        yield _Source(stream, is_pipe=stat.S_ISFIFO(mode))


def summary_line(summary: ImportSummary) -> str:
    return (
        f"{summary.kind}: {summary.created} created, {summary.updated} updated,"
        f" {summary.unchanged} unchanged, {summary.skipped_duplicate} skipped-duplicate,"
        f" {summary.invalid} invalid"
    )


def _rejection(rejected: RowsRejectedError) -> str:
    count = len(rejected.bad_rows)
    rows, them = ("row is", "it") if count == 1 else ("rows are", "them")
    return (
        f"collect-bot: nothing imported: {count} {rows} invalid. Fix {them} and import again, or use"
        f" --skip-invalid to import the {rejected.good_rows} good rows."
    )


def _print_bad_rows(name: str, bad_rows: Sequence[BadRow]) -> None:
    """One line per row: the line number, the column and the reason (the loader has already taken
    the row's personal data out of it); a cell's line breaks and control characters are shown
    escaped, never sent to the terminal."""
    for bad in bad_rows:
        say(f"{name}:{bad.line}: {bad.reason}")


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
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield _Bar(progress)
