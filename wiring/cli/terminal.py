"""How every `collect-bot` command talks to its terminal: one line on standard error per problem,
and the refusal that stops a command with such a line."""

from __future__ import annotations

import sys
from pathlib import Path

# A line on the terminal; longer ones (a pasted file as an id) are cut.
MAX_LINE = 500


class StartupError(Exception):
    """Stops the command with one line on standard error: what is wrong and what to do."""


def say(message: str) -> None:
    """One line on standard error, whatever the message holds (a file's bytes, a pasted newline)."""
    print(one_line(message), file=sys.stderr, flush=True)


def one_line(message: str, limit: int = MAX_LINE) -> str:
    shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


def output_folder(typed: str) -> Path:
    """The existing folder `--out` names, else the command stops before anything is read or written."""
    folder = Path(typed)
    if not folder.is_dir():
        raise StartupError(f"--out {typed} is not a folder: create it or choose another")
    return folder
