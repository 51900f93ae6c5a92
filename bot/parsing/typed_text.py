"""Text as people type it, made fit to keep."""

from __future__ import annotations


def storable(text: str) -> str:
    """The text without NUL characters.

    PostgreSQL refuses NUL in text columns. No Slack client types one, so a NUL that arrives is
    noise: dropping it answers the person as if it had never been there, on either database.
    """
    return text.replace("\x00", "")
