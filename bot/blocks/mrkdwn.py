"""Text for Slack's mrkdwn: escaping what users and customers wrote, and small formatting pieces."""

from __future__ import annotations

from datetime import datetime


def escape(text: str) -> str:
    """Slack asks for exactly these three; `<!channel>` in a customer name must not ping anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """Inline code for an id; backticks inside would end it early, so they are dropped."""
    return "`" + escape(text).replace("`", "'") + "`"


def mention(slack_user_id: str) -> str:
    safe = "".join(ch for ch in slack_user_id if ch.isalnum())
    return f"<@{safe}>"


def local_time(at: datetime, fallback: str) -> str:
    """A time each reader sees in their own zone, with a plain fallback for notifications."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_escaped(escaped: str, limit: int) -> str:
    """Clip already-escaped text to `limit` characters without leaving half of `&amp;`, `&lt;` or `&gt;`."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def one_line(text: str, limit: int) -> str:
    """Someone's text on one line: whitespace collapsed (a newline would break a list's layout),
    escaped, and clipped to `limit`."""
    return clip_escaped(escape(" ".join(text.split())), limit)
