"""A Slack message's text, as a message shortcut brings it: made plain for a form's notes, and
the words in it that may be account ids (each still to be looked up under the access policy)."""

from __future__ import annotations

import re

from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH, MAX_NOTES_LENGTH, unescape_slack
from bot.parsing.typed_text import storable

# More ids than this in one message is a list, not a note about an account: the first ones are
# enough to find it, and each one costs a lookup before the form opens.
MAX_IDS_LOOKED_UP = 10

# Slack's markup in message text: <@U…|name>, <#C…|name>, <!here>, <https://…|label>, <mailto:…>.
_MARKUP = re.compile(r"<([^<>]*)>")
_EDGES = "()[]{}<>.,;:!?\"'`*_~“”‘’«»"


def plain_text(text: str, limit: int = MAX_NOTES_LENGTH) -> str:
    """The message as people read it in Slack (mentions, channels and links by their labels, no
    entities), within `limit` characters: what a form's notes or reason take."""
    readable = unescape_slack(_MARKUP.sub(_label, storable(text))).strip()
    if len(readable) <= limit:
        return readable
    return readable[: limit - 1].rstrip() + "…"


def _label(found: re.Match[str]) -> str:
    target, _, label = found.group(1).partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return "@" + (label or target[1:].split("^")[0])
    return label or target.removeprefix("mailto:")


def account_ids_in(text: str) -> list[str]:
    """The words of the message that could be account ids, in the order written, each once
    (ignoring case): one word with a digit in it (`ACC-1042`, `BIG-2`, `(acc-1042).`), not a link,
    an address or an amount's symbol."""
    found: list[str] = []
    seen: set[str] = set()
    for word in plain_text(text, limit=len(text) + 1).split():
        word = word.strip(_EDGES)
        if (
            not word
            or len(word) > MAX_ACCOUNT_ID_LENGTH
            or not any(ch.isdigit() for ch in word)
            or "://" in word
            or "@" in word
            or word.casefold() in seen
        ):
            continue
        seen.add(word.casefold())
        found.append(word)
        if len(found) == MAX_IDS_LOOKED_UP:
            break
    return found
