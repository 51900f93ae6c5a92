"""An import's outcome as lines for people: the terminal's (`collect-bot import`) and the report a
file of the watched folder leaves beside it. Bad rows come already shown (personal values hidden,
bot.imports.rules.shown_bad_rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.imports.model import (
    BadRow,
    FolderFile,
    FolderOutcome,
    ImportSummary,
    ItemOutcome,
    ItemResult,
    RowsRejectedError,
)


def summary_line(summary: ImportSummary) -> str:
    return (
        f"{summary.kind}: {summary.created} created, {summary.updated} updated,"
        f" {summary.unchanged} unchanged, {summary.skipped_duplicate} skipped-duplicate,"
        f" {summary.invalid} invalid"
    )


def bad_row_lines(name: str, bad_rows: Sequence[BadRow]) -> list[str]:
    """One line per row, `NAME:LINE: COLUMN: reason`; a cell's line breaks and control characters
    are already shown escaped by the loader, never as themselves."""
    return [f"{name}:{bad.line}: {bad.reason}" for bad in bad_rows]


def rejection(rejected: RowsRejectedError, *, dropped: bool = False) -> str:
    """What to do about bad rows: on the command line, import again or skip them; a file of the
    watched folder is dropped there again (it is never imported in part)."""
    count = len(rejected.bad_rows)
    rows, them = ("row is", "it") if count == 1 else ("rows are", "them")
    said = f"nothing imported: {count} {rows} invalid. Fix {them} and"
    if dropped:
        return f"{said} drop the file in the folder again."
    return f"{said} import again, or use --skip-invalid to import the {rejected.good_rows} good rows."


def folder_report(decided: FolderFile, at: datetime, by: str) -> str:
    """The report left beside a file of the watched folder in done/ or failed/: plain text, English
    like the command line's, its rows' personal values hidden as there."""
    lines = [
        f"file: {decided.name}",
        f"sha256: {decided.sha256}",
        f"kind: {decided.kind or 'unknown'}",
        f"decided: {at.isoformat()} by {by}",
        f"outcome: {_OUTCOMES[decided.outcome]}",
    ]
    if decided.earlier is not None:
        lines.append(f"imported before at {decided.earlier.isoformat()}: nothing was imported again")
    if decided.problem:
        lines.append(f"why: {decided.problem}")
    for column in decided.unknown_columns:
        lines.append(f"column {column[:80]!r} is not one of the {decided.kind} columns; it was ignored")
    if decided.summary is not None:
        lines.append(summary_line(decided.summary))
        lines.extend(_outcome_line(outcome) for outcome in decided.summary.outcomes)
    if decided.bad_rows:
        good = "good row was" if decided.good_rows == 1 else "good rows were"
        lines.append(
            f"refused rows: {len(decided.bad_rows)} ({decided.good_rows} {good} not imported either)"
        )
        lines.extend(bad_row_lines(decided.name, decided.bad_rows))
    return "\n".join(lines) + "\n"


_OUTCOMES = {
    FolderOutcome.IMPORTED: "imported",
    FolderOutcome.REFUSED: "refused: nothing was imported",
    FolderOutcome.ALREADY_IMPORTED: "already imported: the same file (name and content) was imported before",
}


def _outcome_line(outcome: ItemOutcome) -> str:
    if outcome.result == ItemResult.APPLIED:
        return f"line {outcome.line}: applied (payment {outcome.payment_id})"
    if outcome.result == ItemResult.DUPLICATE:
        return f"line {outcome.line}: skipped, a duplicate of a payment the account already has"
    return f"line {outcome.line}: refused"
