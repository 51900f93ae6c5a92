"""Dunning on the command line: `collect-bot run dunning --dry-run` (what today's run would send and
hold back, nothing written) and `collect-bot letters --date D --out DIR` (the print room's batch).

Exit codes of `letters`: 0 written (or nothing new); 2 bad arguments, settings or database (see
wiring.cli.main)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wiring.cli.terminal import StartupError, output_folder

if TYPE_CHECKING:
    from bot.dunning.model import Letter
    from bot.runtime import Runtime
    from bot.settings import Settings

FIRST_YEAR, LAST_YEAR = 2000, 2099


def print_dunning_plan(runtime: Runtime, at: datetime) -> int:
    """One line per account with a stage due: would be sent, or held back and why."""
    from bot.dunning.job import plan_dunning
    from bot.job_faults import SkippedRows

    skipped = SkippedRows("dunning")
    planned = plan_dunning(runtime, at, skipped)
    sending = [d for d in planned.decisions if d.sends]
    held = [d for d in planned.decisions if not d.sends]
    print(f"dunning for {planned.day.isoformat()} (dry run: nothing is written or sent)")
    print(f"would send {len(sending)}:")
    for decision in sending:
        stage = decision.stage
        print(f"  {decision.account_id}  {stage.name}: {stage.kind.value} by {stage.channel.value}")
    print(f"would hold back {len(held)}:")
    for decision in held:
        why = f"{decision.held}" + (f" ({decision.detail})" if decision.detail else "")
        print(f"  {decision.account_id}  {decision.stage.name}: {why}")
    for fault in skipped.faults.values():
        print(f"could not judge {fault.row.what}: {fault.problem}")
    print("the contact rules are checked again when sending: an email outside the customer's hours waits")
    return 0


MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ("document_id", "account_id", "customer_name", "address_1", "address_2", "address_3",
                    "address_4", "kind", "pages", "sha256", "file")  # fmt: skip
# A cell a spreadsheet would take for a formula (a customer's name is the billing system's text).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def add_letters_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    letters = subparsers.add_parser(
        "letters",
        help="write the letters queued on --date or before as PDFs with manifest.csv for the print room; they count as sent",
    )
    letters.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the batch's team day")
    letters.add_argument("--out", required=True, metavar="DIR", help="an existing folder")
    letters.set_defaults(run=run_letters)


def run_letters(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.dunning.desk import batch_of, letters_printed, letters_to_print
    from storage.database import open_database
    from storage.schema import prepare_schema

    day = _batch_day(args.date)
    out = output_folder(args.out)
    _check_writable(out, args.out)
    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        now = SystemClock().now()
        printable, held = letters_to_print(db, settings, day, now)
        for letter in printable:
            _write_whole(out / letter.filename, letter.pdf, args.out)
        counted = letters_printed(db, printable, day, now)
        batch = batch_of(db, day)
    finally:
        db.dispose()
    # A run that died after counting its letters but before its files were all in place: the
    # batch's missing files are put back (the same bytes, under the same names).
    restored = [letter for letter in batch if not (out / letter.filename).is_file()]
    for letter in restored:
        _write_whole(out / letter.filename, letter.pdf, args.out)
    manifest = _manifest(batch)
    path = out / MANIFEST
    if batch and (not path.is_file() or path.read_bytes() != manifest):
        _write_whole(path, manifest, args.out)
    print(f"letters for {day.isoformat()}: {counted} written and counted as sent, {len(batch)} in the batch")
    for refused in held:
        print(
            f"  held back: document {refused.document_id} ({refused.account_id}) cancelled: {refused.reason}"
        )
    if restored:
        print(f"  {len(restored)} files of the batch were missing and are written again")
    if batch:
        print(f"  {path}")
    return 0


def _batch_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise StartupError(f"--date {text!r} is not a date: give it as 2026-12-07") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise StartupError(f"--date {text!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def _check_writable(out: Path, given: str) -> None:
    try:
        descriptor, name = tempfile.mkstemp(dir=out, prefix=".letters.", suffix=".part")
    except OSError as error:
        raise StartupError(f"--out {given}: cannot write there: {error.strerror}") from None
    os.close(descriptor)
    os.unlink(name)


def _write_whole(path: Path, content: bytes, given: str) -> None:
    """Under a temporary name first, renamed when whole: the print room never sees half a file."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(content)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    except OSError as error:
        raise StartupError(f"--out {given}: cannot write {path.name}: {error.strerror}") from None


def _manifest(batch: list[Letter]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    for letter in batch:
        address = [*letter.address[:4], *[""] * (4 - min(4, len(letter.address)))]
        writer.writerow([
            letter.document_id, _cell(letter.account_id), _cell(letter.customer_name),
            *(_cell(line) for line in address), letter.kind, letter.pages, letter.sha256, letter.filename,
        ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
