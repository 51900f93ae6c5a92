"""What the supervisors' channel is told of a file taken from the watched import folder: imported
(how many rows did what), refused (why, and which lines), or the same file again. The file's name
is whoever dropped it's text: escaped. The precise reasons are in the report beside the file."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import code, local_time, one_line
from bot.imports.model import FolderFile, FolderOutcome, ImportKind, Refusal
from bot.imports.rules import FOLDER_PREFIXES
from bot.language.model import N_, _, counted, number

NAME_LIMIT = 120
LINES_SHOWN = 10

_KINDS = {
    ImportKind.PAYMENTS: N_("payments"),
    ImportKind.ACCOUNTS: N_("accounts"),
    ImportKind.CONTACTS: N_("contacts"),
    ImportKind.AGENTS: N_("agents"),
}


def folder_notice(decided: FolderFile, zone: ZoneInfo) -> Reply:
    name = one_line(decided.name, NAME_LIMIT)
    where = code(decided.moved_to)
    if decided.outcome == FolderOutcome.IMPORTED and decided.summary is not None:
        summary = decided.summary
        text = _(
            ":inbox_tray: *{name}* ({kind}) was imported from the watched folder: {created} created,"
            " {updated} updated, {unchanged} unchanged, {duplicates} skipped as duplicates. Its report is"
            " beside it in {where}."
        ).format(
            name=name,
            kind=_kind(decided.kind),
            created=number(summary.created),
            updated=number(summary.updated),
            unchanged=number(summary.unchanged),
            duplicates=number(summary.skipped_duplicate),
            where=where,
        )
    elif decided.outcome == FolderOutcome.ALREADY_IMPORTED:
        earlier = local_time(decided.earlier, zone) if decided.earlier is not None else "?"
        text = _(
            ":information_source: *{name}* was imported before ({when}), the same name and content:"
            " it was not imported again, and is in {where}."
        ).format(name=name, when=earlier, where=where)
    else:
        text = _refused(decided, name, where)
    return Reply(text=text, blocks=[section(text)])


def _refused(decided: FolderFile, name: str, where: str) -> str:
    if decided.refusal == Refusal.NAME:
        prefixes = ", ".join(code(kind.value) for kind in FOLDER_PREFIXES)
        return _(
            ":warning: *{name}* was not imported: its name does not say what it holds. A file's name"
            " must start with {prefixes}; rename it and drop it again. It is in {where}."
        ).format(name=name, prefixes=prefixes, where=where)
    if decided.refusal == Refusal.ROWS:
        lines = ", ".join(str(bad.line) for bad in decided.bad_rows[:LINES_SHOWN])
        if len(decided.bad_rows) > LINES_SHOWN:
            lines += ", …"
        return _(
            ":warning: *{name}* ({kind}) was not imported: {rows} refused (lines {lines}), so nothing"
            " was written. Correct them and drop the file again; it is in {where}, with the reasons in"
            " its report."
        ).format(
            name=name,
            kind=_kind(decided.kind),
            rows=counted("{count} row", "{count} rows", len(decided.bad_rows)),
            lines=lines,
            where=where,
        )
    if decided.refusal == Refusal.TOO_LARGE:
        return _(
            ":warning: *{name}* ({kind}) was not imported: a value in it is too large or too long to"
            " store, so nothing was written. It is in {where}, with the reason in its report."
        ).format(name=name, kind=_kind(decided.kind), where=where)
    return _(
        ":warning: *{name}* ({kind}) was not imported: it is not a CSV file of {kind} the bot can read,"
        " so nothing was written. It is in {where}, with the reason in its report."
    ).format(name=name, kind=_kind(decided.kind), where=where)


def _kind(kind: ImportKind | None) -> str:
    return _(_KINDS[kind]) if kind is not None else "?"
