"""Text as people type it (or a billing system exports it), made fit to keep."""

from __future__ import annotations


def storable(text: str) -> str:
    """The text without NUL characters.

    PostgreSQL refuses NUL in text columns. No Slack client types one and no CSV cell means one, so
    a NUL that arrives is noise: dropping it treats the text as if it had never been there, on
    either database.
    """
    return text.replace("\x00", "")
