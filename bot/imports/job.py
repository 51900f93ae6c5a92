"""The watched import folder (COLLECT_IMPORT_DIR): on every tick, the CSV files dropped there are
imported as `collect-bot import` would import them, all or nothing, and each is moved to done/ or
failed/ with a report beside it; the supervisors' channel is told what came of it.

A file is read whole or not at all:
- one still being written is not taken: a writer may write under a `.part` name and rename it when
  done (only `.csv` names are taken), and any file is taken only once a look at least
  SETTLE_SECONDS after an earlier one (by the job's clock, any process's look) finds the same size
  and modification time (`folder_sightings`);
- it is claimed by renaming it into processing/: of two processes, only one rename succeeds;
- its row in `folder_imports`, keyed by its name and the SHA-256 of its content, is written in the
  transaction of its import (or of its refusal), so the same file dropped again, or taken again
  after a crash between the import and the move, is not imported twice: it goes to done/ saying so;
- a file left in processing/ (the process died) is taken again once it has lain there unchanged
  STUCK_SECONDS; should its first taker still be at work, the unique row lets one import commit.

The job claims no period in job_runs: every file is claimed by itself, so each tick of each process
may look, and a run by hand (`collect-bot run import-folder`) works whenever it is run. A file that
cannot be handled (an unreadable file, a fault) is skipped and told once, and the others go on; an
unreadable folder is told the same way (bot.job_faults).
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.blocks.imports import folder_notice
from bot.imports.desk import UNSTORABLE, import_file, import_options, read_stream, unstorable
from bot.imports.model import (
    ArrivedPayment,
    FolderFile,
    FolderOutcome,
    ImportSummary,
    Refusal,
    RowsRejectedError,
)
from bot.imports.records import (
    AlreadyImportedError,
    earlier_decision,
    looked_at,
    record_decision,
    renew_sighting,
)
from bot.imports.render import folder_report, rejection
from bot.imports.rules import (
    FOLDER_PREFIXES,
    CsvFormatError,
    Sighting,
    dropped_kind,
    free_name,
    is_dropped_csv,
    report_name,
    settled,
)
from bot.job_faults import RowRef, SkippedRows
from bot.job_runs import JobReport
from bot.outbox.records import enqueue
from bot.runtime import Runtime
from storage.models import FolderSighting

log = logging.getLogger(__name__)

JOB = "import-folder"
ACTOR = "import-folder"
SOURCE = "folder"
NOTICE_KIND = "import-folder"
PROCESSING = "processing"
DONE = "done"
FAILED = "failed"
SETTLE_SECONDS = 30.0
"""A dropped file is taken once it has kept its size and modification time this long."""
STUCK_SECONDS = 15 * 60.0
"""A file left this long in processing/ is taken again (its process died between claim and move)."""

AfterPayments = Callable[[Session, Runtime, Sequence[ArrivedPayment], datetime], set[str]]
"""What a live payment changes at once, inside the import's transaction; the Slack ids whose Home
is to be refreshed once it commits."""


def run_import_folder(
    runtime: Runtime,
    at: datetime,
    by: str,
    *,
    after_payments: AfterPayments | None = None,
    refresh_home: Callable[[str], None] | None = None,
) -> JobReport:
    period = at.astimezone(runtime.zone).replace(second=0, microsecond=0).isoformat()
    setting = runtime.settings.import_dir
    if not setting:
        return JobReport(JOB, period, False, "no folder is watched: COLLECT_IMPORT_DIR is not set")
    folder = Path(setting)
    skipped = SkippedRows(JOB)
    try:
        ready = _ready(runtime, folder, at, skipped)
    except IntegrityError:
        # Another process recorded the same new file at the same moment: the next tick looks again.
        return JobReport(JOB, period, False, "another process was looking at the import folder")
    except OSError as error:
        skipped.skip(RowRef(f"the import folder {setting}"), error)
        ready = []
    decided: list[FolderFile] = []
    told: set[str] = set()
    for name, held_since in ready:
        with skipped.row(RowRef(f"the file {name} of the import folder")):
            if _retake(runtime, name, held_since, at) if held_since else _claim(folder, name):
                outcome, homes = _take(runtime, folder, name, at, by, after_payments)
                decided.append(outcome)
                told |= homes
                _refresh(refresh_home, homes)
    if skipped:
        with runtime.db.transaction() as session:
            skipped.record(session, runtime, at)
    return JobReport(JOB, period, bool(decided), _said(decided, len(skipped)), homes=frozenset(told))


def _said(decided: Sequence[FolderFile], skipped: int) -> str:
    counts = {outcome: sum(1 for one in decided if one.outcome == outcome) for outcome in FolderOutcome}
    said = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
    return f"files: {said}, {skipped} skipped"


def _refresh(refresh_home: Callable[[str], None] | None, homes: set[str]) -> None:
    if refresh_home is None:
        return
    for user in sorted(homes):
        try:
            refresh_home(user)
        except Exception:
            # The import is committed; a Home left stale is refreshed by its next opening.
            log.exception("%s: the Home of %s could not be refreshed", JOB, user)


# --- Looking at the folder -------------------------------------------------------------------------


def _ready(
    runtime: Runtime, folder: Path, at: datetime, skipped: SkippedRows
) -> list[tuple[str, datetime | None]]:
    """The files to take now, by name; one already in processing/ (left there by a process that
    died) with since when it has lain there unchanged. OSError when the folder cannot be read or
    its folders made."""
    if not folder.is_dir():
        # Said plainly, rather than as the failure to make processing/ inside it.
        raise FileNotFoundError(
            errno.ENOENT, "no such folder: create it or correct COLLECT_IMPORT_DIR", str(folder)
        )
    for place in (PROCESSING, DONE, FAILED):
        (folder / place).mkdir(exist_ok=True)
    dropped = _look(folder, "", skipped)
    held = _look(folder / PROCESSING, f"{PROCESSING}/", skipped)
    # In one order for every process: two looks at once update the same rows without deadlocking.
    seen = sorted([*held, *dropped], key=lambda sighting: sighting.path)
    if not seen:
        with runtime.db.reading() as session:
            if session.scalar(select(FolderSighting.path).limit(1)) is None:
                return []
    with runtime.db.transaction() as session:
        since = looked_at(session, seen, at)
    return [
        (sighting.path.removeprefix(f"{PROCESSING}/"), since[sighting.path] if sighting in held else None)
        for sighting in seen
        if settled(since[sighting.path], at, STUCK_SECONDS if sighting in held else SETTLE_SECONDS)
    ]


def _look(place: Path, prefix: str, skipped: SkippedRows) -> list[Sighting]:
    found = []
    with os.scandir(place) as entries:
        for entry in entries:
            if not is_dropped_csv(entry.name):
                continue
            if not _is_text(entry.name):
                # Bytes that are not UTF-8 in the name: it cannot be stored or said as it is.
                unnamed = RowRef(f"the file {prefix + entry.name!a} of the import folder")
                skipped.skip(
                    unnamed,
                    ValueError(
                        "its name is not plain UTF-8 text (a byte that is not UTF-8, or a control character): rename it"
                    ),
                )
                continue
            try:
                status = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # taken or renamed meanwhile
            # A folder, a link or a device is left alone: only a file written there is read.
            if stat.S_ISREG(status.st_mode):
                found.append(Sighting(prefix + entry.name, status.st_size, status.st_mtime_ns))
    return found


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable()


def _claim(folder: Path, name: str) -> bool:
    """Moves the file into processing/; False when another process took it first, or when a file of
    that name is still in hand there (this one is taken once that one is done)."""
    target = folder / PROCESSING / name
    if target.exists():
        return False
    try:
        os.rename(folder / name, target)
    except FileNotFoundError:
        return False
    return True


def _retake(runtime: Runtime, name: str, since: datetime, at: datetime) -> bool:
    """Claims a file left in processing/ for another STUCK_SECONDS: one process wins, and a file
    that keeps failing is tried again that much later, not at every tick."""
    with runtime.db.transaction() as session:
        return renew_sighting(session, f"{PROCESSING}/{name}", since, at)


# --- Taking one file -------------------------------------------------------------------------------


def _take(
    runtime: Runtime, folder: Path, name: str, at: datetime, by: str, after_payments: AfterPayments | None
) -> tuple[FolderFile, set[str]]:
    content = (folder / PROCESSING / name).read_bytes()
    kind = dropped_kind(name)
    base = FolderFile(name, kind, hashlib.sha256(content).hexdigest(), FolderOutcome.REFUSED)
    earlier = _imported_at(runtime, base)
    if earlier is not None:
        return _already(runtime, folder, base, earlier, at, by), set()
    if kind is None:
        prefixes = ", ".join(kind.value for kind in FOLDER_PREFIXES)
        problem = f"the name does not say what the file holds: it must start with {prefixes}"
        return _refuse(runtime, folder, replace(base, refusal=Refusal.NAME, problem=problem), at, by), set()
    # The bytes hashed are the bytes imported, read as `collect-bot import` reads a file.
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        csv_file = read_stream(text, kind)
    except CsvFormatError as error:
        refused = replace(base, refusal=Refusal.UNREADABLE, problem=str(error))
        return _refuse(runtime, folder, refused, at, by), set()
    base = replace(base, unknown_columns=csv_file.unknown_columns)
    homes: set[str] = set()
    # Named before the import: what the channel is told is where the file goes.
    moved_to = _free(folder, DONE, name)

    def after(session: Session, summary: ImportSummary) -> None:
        imported = replace(base, outcome=FolderOutcome.IMPORTED, summary=summary, moved_to=moved_to)
        _decide(session, runtime, imported, at, by)
        if after_payments is not None and summary.arrived:
            homes.update(after_payments(session, runtime, summary.arrived, at))

    options = import_options(runtime.settings, at, actor=ACTOR, source=SOURCE)
    try:
        summary = import_file(runtime.db, csv_file, options, after=after)
    except RowsRejectedError as rejected:
        refused = replace(
            base,
            refusal=Refusal.ROWS,
            problem=rejection(rejected, dropped=True),
            bad_rows=rejected.bad_rows,
            good_rows=rejected.good_rows,
        )
        return _refuse(runtime, folder, refused, at, by), set()
    except UNSTORABLE as error:
        refused = replace(base, refusal=Refusal.TOO_LARGE, problem=unstorable(error))
        return _refuse(runtime, folder, refused, at, by), set()
    except (AlreadyImportedError, IntegrityError):
        # Another process imported the same file meanwhile (its row came first): this one is undone.
        earlier = _imported_at(runtime, base)
        if earlier is None:
            raise
        return _already(runtime, folder, base, earlier, at, by), set()
    imported = replace(base, outcome=FolderOutcome.IMPORTED, summary=summary, moved_to=moved_to)
    _move(folder, imported, at, by)
    return imported, homes


def _imported_at(runtime: Runtime, file: FolderFile) -> datetime | None:
    with runtime.db.reading() as session:
        earlier = earlier_decision(session, file.name, file.sha256)
        return (
            earlier.decided_at if earlier is not None and earlier.outcome == FolderOutcome.IMPORTED else None
        )


def _refuse(runtime: Runtime, folder: Path, refused: FolderFile, at: datetime, by: str) -> FolderFile:
    refused = replace(refused, moved_to=_free(folder, FAILED, refused.name))
    try:
        with runtime.db.transaction() as session:
            _decide(session, runtime, refused, at, by)
    except AlreadyImportedError:
        # Taken again after STUCK_SECONDS while its first taker imported it: that import stands.
        earlier = _imported_at(runtime, refused)
        if earlier is None:
            raise
        return _already(runtime, folder, replace(refused, refusal=None, problem=""), earlier, at, by)
    _move(folder, refused, at, by)
    return refused


def _already(
    runtime: Runtime, folder: Path, file: FolderFile, earlier: datetime, at: datetime, by: str
) -> FolderFile:
    again = replace(
        file, outcome=FolderOutcome.ALREADY_IMPORTED, earlier=earlier, moved_to=_free(folder, DONE, file.name)
    )
    with runtime.db.transaction() as session:
        _tell(session, runtime, again, at, by)
    _move(folder, again, at, by)
    return again


def _decide(session: Session, runtime: Runtime, decided: FolderFile, at: datetime, by: str) -> None:
    """The file's row and what the channel is told, in the transaction of its import or refusal."""
    record_decision(session, decided, at, by)
    _tell(session, runtime, decided, at, by)


def _tell(session: Session, runtime: Runtime, decided: FolderFile, at: datetime, by: str) -> None:
    audit.record(
        session,
        at=at,
        actor=ACTOR,
        action=f"{JOB}.{decided.outcome}",
        entity="import file",
        entity_key=decided.name[:200],
        after={"sha256": decided.sha256, "moved_to": decided.moved_to, "by": by},
    )
    channel = runtime.settings.supervisor_channel
    if not channel:
        return
    enqueue(
        session,
        key=f"{NOTICE_KIND}:{decided.sha256[:32]}:{decided.outcome}:{at.timestamp():.0f}",
        kind=NOTICE_KIND,
        channel=channel,
        reply=folder_notice(decided, runtime.zone),
        now=at,
    )


# --- Moving it out ---------------------------------------------------------------------------------


def _free(folder: Path, place: str, name: str) -> str:
    """Where the file goes under the folder: place/name, numbered when that name is taken there."""
    return f"{place}/{free_name(name, set(os.listdir(folder / place)))}"


def _move(folder: Path, decided: FolderFile, at: datetime, by: str) -> None:
    """The report first, then the file beside it: a crash between the two leaves the file in
    processing/, to be taken again (and found imported), rather than a file with no report."""
    target = folder / decided.moved_to
    report = target.with_name(report_name(target.name))
    writing = report.with_name(f".{report.name}.part")
    writing.write_text(folder_report(decided, at, by), encoding="utf-8")
    os.replace(writing, report)
    try:
        os.rename(folder / PROCESSING / decided.name, target)
    except FileNotFoundError:
        # Moved by another process that took it too (after STUCK_SECONDS): its report stands.
        report.unlink(missing_ok=True)
