"""Text for Slack's mrkdwn: escaping what users and customers wrote, and small formatting pieces."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.vocabulary import Channel

# Slack has no escape for its formatting marks: each one a person typed is shown as a character
# that looks the same and formats nothing.
_LOOKALIKES = str.maketrans(
    {
        "*": "\u2217",  # asterisk operator: no bold
        "_": "\u02cd",  # modifier letter low macron: no italics
        "~": "\u223c",  # tilde operator: no strikethrough
        "`": "\u02cb",  # modifier letter grave accent: no code
    }
)
# A mark formats only at a word's edge: between two letters or digits (`channel_not_found`,
# `john_doe@example.com`) it is an ordinary character and is left as it is. Backticks always go.
_FORMATTING_MARK = re.compile(r"`|(?<![^\W_])[*_~]|[*_~](?![^\W_])")
# Every line break Slack's clients honour (a lone \r too, and the Unicode separators).
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def _entities(text: str) -> str:
    """Slack asks for exactly these three; `<!channel>` in a customer name must not ping anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Someone's text (a customer's name, an agent's notes) made inert in mrkdwn: shown as written,
    formatting, pinging and adding lines never.

    - `&`, `<`, `>` become entities, as Slack asks: no mention, link or `<!channel>`.
    - `*`, `_`, `~` at a word's edge, and backticks, become lookalikes (see _LOOKALIKES). Slack has
      no escape for them, and zero-width characters around them are undocumented territory that
      some clients strip; a lookalike is never a formatting mark in any client, and reads the
      same. What is stored is unchanged: only what Slack is shown differs.
    - Line breaks become spaces: a name or note on its own line could pose as another line of a
      list (`• ACC-9999 $0.00`). Text meant to keep its lines is split first and each line escaped.
    """
    return _FORMATTING_MARK.sub(_lookalike, _LINE_BREAKS.sub(" ", _entities(text)))


def _lookalike(mark: re.Match[str]) -> str:
    return mark.group().translate(_LOOKALIKES)


def sentence(text: str) -> str:
    """The bot's own sentence (an error, a hint): its backticks and line breaks are meant, and
    what it echoes of someone's typing comes in a code span already (parsing.echo.quoted), where
    nothing formats; only Slack's three entities are escaped."""
    return _entities(text)


# Slack's own tokens: a mention, a channel, a special mention or a date, with an optional label.
_SLACK_TOKEN = re.compile(r"<([@#!])([^<>|]*)(?:\|([^<>]*))?>")


def fallback(text: str) -> str:
    """A message's notification text (`text` beside blocks): plain words, read as mrkdwn by Slack.
    Escaped as a whole, so nothing in it (a customer's name, an echo of what someone typed) can
    format, ping or break lines; entities already there are decoded first, so it is escaped once,
    and formatting marks are dropped.
    Slack's tokens become the words they stand for (`@U0SUPER1`, a date's own fallback): whether the
    bot or a customer wrote one cannot be told apart here, and as words neither pings anyone. The
    blocks keep the real mentions, which notify."""
    plain = html.unescape(text) if "&" in text else text
    # Formatting marks are dropped rather than shown as lookalikes: a notification is plain text,
    # where the bot's own `code` and *bold* would only read as stray symbols.
    return escape(_FORMATTING_MARK.sub("", _SLACK_TOKEN.sub(_token_as_words, plain)))


def _token_as_words(token: re.Match[str]) -> str:
    sigil, body, label = token.group(1), token.group(2), token.group(3)
    if label:
        return f"#{label}" if sigil == "#" else label
    name = body.split("^", 1)[0]
    return f"#{name}" if sigil == "#" else f"@{name}"


def code(text: str) -> str:
    """Inline code for an id; backticks inside would end it early, so they are dropped. Other marks
    are inert inside code."""
    return "`" + _LINE_BREAKS.sub(" ", _entities(text)).replace("`", "'") + "`"


def mention(slack_user_id: str) -> str:
    safe = "".join(ch for ch in slack_user_id if ch.isalnum())
    return f"<@{safe}>"


WHEN = "{date_short_pretty} {time}"
"""The usual pattern for an instant: "Today 11:00", "Nov 23, 2026 11:00"."""
_DATE_TOKEN = re.compile(
    r"\{(date_num|date|date_short|date_long|date_pretty|date_short_pretty|date_long_pretty|time|time_secs)\}"
)


def local_time(at: datetime, fallback_zone: ZoneInfo, pattern: str = WHEN) -> str:
    """An instant as each reader's Slack shows it, in their own zone: a date token
    (`<!date^…^pattern|fallback>`, Slack's `{date_short_pretty}`, `{time}` … in `pattern`, around
    the bot's own words). Where a token cannot render (a notification, an old client) its fallback
    shows the instant in `fallback_zone`, the team's, with the zone's name after each time: never
    raw UTC. A naive `at` is taken as UTC, as the database stores instants."""
    instant = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    words = team_time(instant, fallback_zone, pattern)
    # `|` and `>` would end the token early: the pattern is the bot's own text, kept free of them.
    return f"<!date^{int(instant.timestamp())}^{pattern.replace('|', '/').replace('>', '')}|{escape(words)}>"


def team_time(at: datetime, zone: ZoneInfo, pattern: str = WHEN) -> str:
    """An instant in words in the team's `zone`, named after each time: a date token's fallback,
    and the form for plain text where no token renders (a refusal's sentence, a notification)."""
    instant = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    try:
        local = instant.astimezone(zone)
    except OverflowError:
        # An instant at the calendar's very edge (year 1 or 9999, written straight into the
        # database) has no local time there: it is shown as stored, named, rather than failing.
        local, zone = instant.astimezone(UTC), ZoneInfo("UTC")
    return _DATE_TOKEN.sub(lambda token: _in_words(local, token.group(1), zone), pattern)


def zone_name(zone: ZoneInfo, at: datetime) -> str:
    """The zone as people read it beside a time: its abbreviation there and then (EST, CET), or
    the zone's key where it has only an offset for one (Sao Paulo's "-03")."""
    abbreviation = at.astimezone(zone).tzname() or ""
    return abbreviation if abbreviation.isalpha() else zone.key


def _in_words(local: datetime, token: str, zone: ZoneInfo) -> str:
    # The "pretty" forms (today, yesterday) depend on the reader's day: the fallback gives the date.
    # ZoneInfo("UTC") names itself "UTC": only an instant at the calendar's edge is shown in it.
    match token:
        case "date_num":
            return f"{local:%Y-%m-%d}"
        case "date" | "date_pretty":
            return f"{local:%B} {local.day}, {local.year}"
        case "date_short" | "date_short_pretty":
            return f"{local:%b} {local.day}, {local.year}"
        case "date_long" | "date_long_pretty":
            return f"{local:%A}, {local:%B} {local.day}, {local.year}"
        case "time_secs":
            return f"{local:%H:%M:%S} {zone_name(zone, local)}"
        case _:
            return f"{local:%H:%M} {zone_name(zone, local)}"


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


# The icon beside a contact, by its channel: an email is not a telephone call. Every contact line
# (the account card, the escalation card, the answer to `/collect log`) takes its icon from here.
CHANNEL_ICONS: dict[str, str] = {
    Channel.CALL: ":telephone_receiver:",
    Channel.EMAIL: ":e-mail:",
    Channel.SMS: ":speech_balloon:",
    Channel.LETTER: ":envelope:",
    Channel.VISIT: ":house:",
}
# A channel the bot does not know (an imported word): a note that a contact was made.
OTHER_CHANNEL_ICON = ":memo:"


def channel_icon(channel: str) -> str:
    return CHANNEL_ICONS.get(channel, OTHER_CHANNEL_ICON)
