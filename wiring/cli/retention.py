"""`collect-bot export account ID` and `collect-bot purge --before DATE [--dry-run]`.

Exit codes: 0 done; 1 no account with that id (export); 2 bad arguments, settings or database, or
standard output cannot be written (see wiring.cli.main).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.retention.model import RETENTION_YEARS
from wiring.cli.terminal import say

if TYPE_CHECKING:
    from bot.retention.records.purge import PurgePlan
    from bot.settings import Settings

EXIT_DONE = 0
EXIT_NOT_FOUND = 1
# The account first, then what hangs off it, in the order a reader thinks of them.
SHOWN_TABLES = (
    "accounts", "contacts", "payments", "promises", "escalations", "account_notes", "assignments",
    "alerts", "complaints", "documents", "audit_log", "outbox",
)  # fmt: skip


def add_records_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    export = subparsers.add_parser("export", help="write the full history of one account as JSON")
    what = export.add_subparsers(dest="export_what", required=True, metavar="WHAT")
    account = what.add_parser("account", help="one account, by its id, on standard output")
    account.add_argument("account_id", metavar="ID")
    account.set_defaults(run=run_export_account)

    purge_command = subparsers.add_parser(
        "purge",
        help="delete closed accounts past the retention period",
        description=f"Delete closed (paid, settled, written-off) accounts with nothing recorded since"
        f" DATE, and everything of theirs. Records younger than {RETENTION_YEARS} years are always"
        " kept (12 CFR 1006.100), whatever DATE says.",
    )
    purge_command.add_argument("--before", required=True, type=iso_date, metavar="DATE", help="YYYY-MM-DD")
    purge_command.add_argument("--dry-run", action="store_true", help="show what would go; delete nothing")
    purge_command.set_defaults(run=run_purge)


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2023-01-31") from None


def run_export_account(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.errors import NotFoundError
    from bot.retention.desk import account_history
    from storage.database import open_database
    from storage.schema import prepare_schema

    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        document = account_history(db, args.account_id, now=SystemClock().now())
    except NotFoundError as error:
        # The error carries its hint: the closest ids, so a typo is one copy-paste away.
        say(f"collect-bot: {error}")
        return EXIT_NOT_FOUND
    finally:
        db.dispose()
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return EXIT_DONE


def run_purge(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock, team_today
    from bot.retention.desk import purge_closed_accounts
    from storage.database import open_database
    from storage.schema import prepare_schema

    now = SystemClock().now()
    today = team_today(now, settings.zone)
    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        plan = purge_closed_accounts(
            db, before=args.before, today=today, zone=settings.zone, now=now, dry_run=args.dry_run
        )
    finally:
        db.dispose()
    for line in plan_lines(plan, dry_run=args.dry_run):
        print(line)
    return EXIT_DONE


def plan_lines(plan: PurgePlan, *, dry_run: bool) -> list[str]:
    """The plan (or what was done) in a few lines a person checks before running it for real."""
    lines = [
        f"cutoff {plan.cutoff} (the earlier of --before {plan.before} and {RETENTION_YEARS} years ago,"
        f" {plan.retention_cutoff}): closed accounts with nothing recorded since then go"
    ]
    verb = "would delete" if dry_run else "deleted"
    lines.append(
        f"{verb} {_count(len(plan.accounts), 'closed account')}, {_count(sum(plan.rows.values()), 'row')}:"
    )
    width = max(len(table) for table in SHOWN_TABLES)
    lines.extend(f"  {table:<{width}} {plan.rows.get(table, 0):>8}" for table in SHOWN_TABLES)
    if plan.kept_for_retention:
        lines.append(
            f"kept: {_count(plan.kept_for_retention, 'closed account')} with nothing since {plan.before} but"
            f" activity since {plan.retention_cutoff}, inside the {RETENTION_YEARS}-year retention period"
        )
    if dry_run:
        lines.append("dry run: nothing was deleted")
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
