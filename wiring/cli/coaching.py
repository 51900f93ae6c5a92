"""`collect-bot review --agent U123 --month 2026-11 --out DIR`: an agent's monthly review, written as
review-U123-2026-11.xlsx and .pdf for a supervisor to take into a performance conversation.

Exit codes: 0 written; 1 no such person on the roster; 2 bad arguments, settings or database (see
wiring.cli.main).
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from wiring.cli.terminal import StartupError, output_folder, say

if TYPE_CHECKING:
    from bot.settings import Settings

EXIT_DONE = 0
EXIT_REFUSED = 1
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_argument(text: str) -> date:
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: give it as YYYY-MM, like 2026-11")
    return date(int(found.group(1)), int(found.group(2)), 1)


def add_review_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    review = subparsers.add_parser(
        "review", help="write an agent's monthly review (XLSX and PDF): the month and the 13 weeks to its end"
    )
    review.add_argument("--agent", required=True, metavar="USER_ID", help="the agent's Slack user id")
    review.add_argument("--month", required=True, metavar="YYYY-MM", type=month_argument)
    review.add_argument("--out", required=True, metavar="DIR", help="an existing folder")
    review.set_defaults(run=run_review)


def run_review(settings: Settings, args: argparse.Namespace) -> int:
    from bot.coaching.desk import monthly_review
    from bot.errors import UserError
    from bot.language.render import speaking
    from bot.runtime import Runtime
    from storage.database import open_database
    from storage.schema import prepare_schema

    out = output_folder(args.out)
    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        runtime = Runtime(settings=settings, db=db)
        with speaking(settings.language):
            files = monthly_review(runtime, agent_id=args.agent, month=args.month)
    except UserError as error:
        say(f"collect-bot: {error}")
        return EXIT_REFUSED
    finally:
        db.dispose()
    stem = f"review-{_safe(args.agent)}-{args.month:%Y-%m}"
    for suffix, content in ((".xlsx", files.xlsx), (".pdf", files.pdf)):
        path = out / f"{stem}{suffix}"
        try:
            path.write_bytes(content)
        except OSError as error:
            raise StartupError(f"--out {args.out}: cannot write {path.name}: {error.strerror}") from None
        print(f"  {path}")
    return EXIT_DONE


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text) or "agent"
