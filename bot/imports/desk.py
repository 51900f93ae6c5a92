"""Importing a checked file: one transaction for the whole file, committed whole or not at all."""

from __future__ import annotations

from dataclasses import replace

from bot.imports.model import ImportOptions, ImportSummary, NoProgress, Progress, RowsRejectedError
from bot.imports.records import IMPORTERS, AfterImport
from bot.imports.rules import CsvFile, shown_bad_rows
from storage.database import Database

__all__ = ["AfterImport", "import_file"]


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
