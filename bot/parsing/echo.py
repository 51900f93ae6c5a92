"""Echoing what a user typed back to them inside an error message."""

from __future__ import annotations


def quoted(text: str, limit: int = 40) -> str:
    """In code style, short, and without backticks that would end the code span early."""
    shown = " ".join(text.replace("`", "'").split())
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f"`{shown}`"
