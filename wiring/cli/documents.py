"""`collect-bot document ID KIND --out DIR`: one customer document as it would go out today, written
as ID-KIND.txt, .html and .pdf for a reader to look at (nothing is sent or recorded).

Exit codes: 0 written; 1 no such account, or nothing for this kind to say; 2 bad arguments, settings,
templates or database (see wiring.cli.main).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.correspondence.model import DocumentKind
from wiring.cli.terminal import StartupError, output_folder, say

if TYPE_CHECKING:
    from bot.settings import Settings

EXIT_DONE = 0
EXIT_REFUSED = 1


def add_document_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    document = subparsers.add_parser(
        "document", help="write one customer document (text, HTML, PDF) as it would go out today"
    )
    document.add_argument("account_id", metavar="ID")
    document.add_argument("kind", metavar="KIND", choices=[kind.value for kind in DocumentKind],
                          help=", ".join(kind.value for kind in DocumentKind))  # fmt: skip
    document.add_argument("--out", required=True, metavar="DIR", help="an existing folder")
    document.set_defaults(run=run_document)


def run_document(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock, team_today
    from bot.correspondence.desk import preview
    from bot.correspondence.render import DocumentTemplateError
    from bot.errors import UserError
    from storage.database import open_database
    from storage.schema import prepare_schema

    out = output_folder(args.out)
    db = open_database(settings.database_url.get_secret_value())
    try:
        prepare_schema(db)
        today = team_today(SystemClock().now(), settings.zone)
        rendered = preview(db, args.account_id, DocumentKind(args.kind), settings, today)
    except DocumentTemplateError as error:
        raise StartupError(f"{error}: fix the template in COLLECT_TEMPLATES_DIR") from None
    except UserError as error:
        say(f"collect-bot: {error}")
        return EXIT_REFUSED
    finally:
        db.dispose()
    stem = f"{rendered_stem(args.account_id)}-{args.kind}"
    written = []
    for suffix, content in ((".txt", rendered.text.encode()), (".html", rendered.html.encode()),
                            (".pdf", rendered.pdf)):  # fmt: skip
        path = out / f"{stem}{suffix}"
        try:
            path.write_bytes(content)
        except OSError as error:
            raise StartupError(f"--out {args.out}: cannot write {path.name}: {error.strerror}") from None
        written.append(str(path))
    print(f"{rendered.subject} ({rendered.language}, sha256 {rendered.sha256[:12]}…)")
    for name in written:
        print(f"  {name}")
    return EXIT_DONE


def rendered_stem(account_id: str) -> str:
    """The account id fit for a file name (ids are the billing system's text)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in account_id).strip(".") or "account"
