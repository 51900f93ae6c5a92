"""Small Block Kit constructors that keep every text inside Slack's limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.blocks.mrkdwn import clip, clip_escaped, fallback

Block = dict[str, Any]

SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
CONTEXT_ELEMENTS_LIMIT = 10
MESSAGE_BLOCKS_LIMIT = 50
VIEW_BLOCKS_LIMIT = 100
OPTION_TEXT_LIMIT = 75
MESSAGE_TEXT_LIMIT = 3000


@dataclass(frozen=True, slots=True)
class Reply:
    """A message body: `text` is the notification fallback, `blocks` what people see.

    Beside blocks, `text` is plain words and is escaped here as a whole (mrkdwn.fallback): a
    renderer cannot forget to escape a name in it. Without blocks, `text` is the message itself,
    mrkdwn written by the bot, whose parts from people the writer escapes."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        if not self.blocks:
            return {"text": clip(self.text, MESSAGE_TEXT_LIMIT), "blocks": []}
        text = clip_escaped(fallback(self.text), MESSAGE_TEXT_LIMIT)
        return {"text": text, "blocks": self.blocks[:MESSAGE_BLOCKS_LIMIT]}


def mrkdwn(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def section(text: str, *, fields: list[str] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if fields:
        block["fields"] = [mrkdwn(f, FIELD_TEXT_LIMIT) for f in fields[:10]]
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT_LIMIT)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS_LIMIT]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> dict[str, Any]:
    if len(value) > BUTTON_VALUE_LIMIT:
        raise ValueError("a button value over Slack's 2,000 characters would be refused")
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_LIMIT),
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_LIMIT), "value": value}


def lines_within(lines: Iterable[str], budget: int) -> list[str]:
    """The first lines whose text, a newline each, fits in `budget` characters: a list stops where
    the next line would not fit (the caller counts the rest). `lines` may be lazy: none is built
    past the first that does not fit."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    return kept


def pack_lines(lines: Sequence[str], limit: int) -> list[str]:
    """Several lines per section, each chunk within `limit`: one block per line would run out at 50."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks
