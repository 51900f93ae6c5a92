"""Importing a checked file: one transaction for the whole file, committed whole or not at all."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import DataError

from bot.imports.model import (
    ImportKind,
    ImportOptions,
    ImportSummary,
    NoProgress,
    Progress,
    RowsRejectedError,
)

# AfterImport is written in records (it names the session, which a desk does not import) and
# given here too, where an import is run.
from bot.imports.records import IMPORTERS, AfterImport
from bot.imports.rules import CheckedLines, CsvFile, CsvFormatError, plain_problem, read_csv, shown_bad_rows
from bot.settings import Settings
from storage.database import Database, database_reason

# PostgreSQL quotes the value it refused ("invalid input syntax ... "X""): that part goes.
_QUOTED = re.compile(r'"[^"]*"')
UNSTORABLE = (DataError, ArithmeticError, ValueError)
"""What an import raises for a value the row checks let through but the database (or Python's int)
cannot hold; the transaction is rolled back."""


def import_file(
    db: Database,
    csv_file: CsvFile,
    options: ImportOptions,
    progress: Progress | None = None,
    *,
    after: AfterImport | None = None,
) -> ImportSummary:
    """Import the whole file in one transaction; RowsRejectedError (nothing written) when rows are bad."""
    importer = IMPORTERS[csv_file.kind]
    try:
        with db.transaction() as session:
            summary = importer(session, csv_file, options, progress or NoProgress())
            if after is not None:
                after(session, summary)
    except RowsRejectedError as rejected:
        shown = shown_bad_rows(rejected.bad_rows, csv_file.records)
        raise RowsRejectedError(shown, rejected.good_rows) from None
    return replace(summary, bad_rows=shown_bad_rows(summary.bad_rows, csv_file.records))


def read_file(file: str | Path, kind: ImportKind) -> CsvFile:
    """The whole file, checked for a header with the required columns: what `collect-bot import` and
    the watched folder both read. CsvFormatError (in plain words) when it is not a CSV of that kind;
    IsADirectoryError or another OSError when it cannot be read."""
    with _open(file) as (stream, is_pipe):
        return read_stream(stream, kind, is_pipe=is_pipe)


def read_stream(stream: TextIO, kind: ImportKind, *, is_pipe: bool = False) -> CsvFile:
    """A text stream opened with newline="" (utf-8-sig, surrogateescape), read as `read_file` does."""
    lines = CheckedLines(stream.readline)
    try:
        return read_csv(lines, kind)
    except CsvFormatError as error:
        if is_pipe and lines.count == 0:
            raise CsvFormatError(
                "nothing came through the pipe: give a CSV file, or - for standard input"
            ) from None
        raise CsvFormatError(plain_problem(str(error))) from None


@contextmanager
def _open(file: str | Path) -> Iterator[tuple[TextIO, bool]]:
    # utf-8-sig drops the byte-order mark Excel writes; newline="" lets csv see quoted line breaks;
    # surrogateescape keeps bytes that are not UTF-8 so that the line holding one can be named.
    # Opened without waiting: a named pipe nobody writes to then reads as empty instead of hanging.
    descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(file))
        os.set_blocking(descriptor, True)
        stream = open(descriptor, encoding="utf-8-sig", errors="surrogateescape", newline="")  # noqa: SIM115
    except BaseException:
        os.close(descriptor)
        raise
    with stream:
        yield stream, stat.S_ISFIFO(mode)


def import_options(
    settings: Settings,
    now: datetime,
    *,
    skip_invalid: bool = False,
    actor: str = "import",
    source: str = "import",
) -> ImportOptions:
    """The options an import runs with under these settings (the team's zone and grace days)."""
    return ImportOptions(
        now=now,
        zone=settings.zone,
        grace_days=settings.promise_grace_days,
        skip_invalid=skip_invalid,
        actor=actor,
        source=source,
    )


def unstorable(error: BaseException) -> str:
    """What to say of an UNSTORABLE error: the driver's first line names the problem, never the row."""
    cause = f" ({_QUOTED.sub('…', database_reason(error))})" if isinstance(error, DataError) else ""
    return (
        f"a value in the file is too large or too long to store{cause}; nothing was imported."
        " Look for a number with very many digits or an overlong text"
    )
