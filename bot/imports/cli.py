"""`collect-bot import agents|accounts|payments|contacts FILE.csv [--skip-invalid]`.

Exit codes: 0 imported (bad rows skipped under --skip-invalid included), 1 nothing imported because
of bad rows, 2 the input could not be read (missing file, not UTF-8, not a CSV of that kind) or holds
an amount larger than the ledger stores (each such row listed, nothing imported).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from bot.cli import StartupError, open_database, prepare_schema
from bot.clock import SystemClock
from bot.imports.loader import (
    ImportOptions,
    ImportSummary,
    NoProgress,
    RowsRejectedError,
    import_file,
)
from bot.imports.loader import Progress as ProgressReport
from bot.imports.rows import BadRow, CsvFile, CsvFormatError, ImportKind, read_csv
from bot.settings import Settings

STDIN = "-"
EXIT_IMPORTED = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2


def add_import_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        print(
            f"collect-bot: {name}: column {column!r} is not one of the {kind} columns; it is ignored",
            file=sys.stderr,
        )
    options = ImportOptions(
        now=SystemClock().now(),
        zone=settings.zone,
        grace_days=settings.promise_grace_days,
        skip_invalid=args.skip_invalid,
    )
    db = open_database(settings)
    try:
        prepare_schema(db)
        with progress_report() as progress:
            summary = import_file(db, csv_file, options, progress)
    except RowsRejectedError as rejected:
        _print_bad_rows(name, rejected.bad_rows)
        print(_rejection(rejected), file=sys.stderr)
        print(summary_line(ImportSummary(kind, bad_rows=rejected.bad_rows)))
        return EXIT_UNUSABLE if any(bad.too_large for bad in rejected.bad_rows) else EXIT_REJECTED
    finally:
        db.dispose()
    _print_bad_rows(name, summary.bad_rows)
    print(summary_line(summary))
    return EXIT_IMPORTED


def read_input(file: str, kind: ImportKind) -> CsvFile:
    """The whole file, checked for a header with the required columns; StartupError when unreadable."""
    name = "<stdin>" if file == STDIN else file
    try:
        with _open(file) as stream:
            return read_csv(stream, kind)
    except CsvFormatError as error:
        raise StartupError(f"{name}: {error}") from None
    except OSError as error:
        raise StartupError(f"cannot read {name}: {error.strerror or error}") from None


@contextmanager
def _open(file: str) -> Iterator[TextIO]:
    # utf-8-sig drops the byte-order mark Excel writes; newline="" lets csv see quoted line breaks.
    if file == STDIN:
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        try:
            yield stream
        finally:
            stream.detach()  # standard input stays open for whoever else holds it
        return
    with Path(file).open(encoding="utf-8-sig", newline="") as stream:
        yield stream


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
    for bad in bad_rows:
        print(f"{name}:{bad.line}: {bad.reason}", file=sys.stderr)


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
