"""Which language a person is spoken to in: the roster's word first, then Slack's, then the team's.

A locale here is one of `SUPPORTED`, spelled as the roster and `COLLECT_LANGUAGE` spell it (BCP 47:
`pt-BR`); Babel and gettext spell it with an underscore (`pt_BR`), `babel_name` converts.
"""

from __future__ import annotations

from functools import lru_cache

from bot.language.model import ENGLISH, SUPPORTED, babel_name

# A Slack language the bot has no catalog for in that variant still reads better in the nearest one
# (Slack offers pt-BR only, but es-ES and es-LA, en-US and en-GB): matched by the language alone.
_BY_LANGUAGE = {locale.split("-")[0].lower(): locale for locale in SUPPORTED}


def parse_locale(text: str) -> str | None:
    """A locale as typed (roster CSV, `/collect team`, the setting): `pt-BR`, `pt_br`, `ES`, `en`;
    None when it is not one the bot speaks. Only the exact supported spellings, case and the
    separator aside: `pt` alone is not taken for Brazil's."""
    wanted = text.strip().replace("_", "-").lower()
    return next((locale for locale in SUPPORTED if locale.lower() == wanted), None)


def from_slack(tag: str | None) -> str | None:
    """The locale Slack reports for a user (`pt-BR`, `es-LA`, `en-GB`, `ja-JP`) as one the bot
    speaks, by its language; None for a language the bot does not speak (the team's is used)."""
    if not tag:
        return None
    return parse_locale(tag) or _BY_LANGUAGE.get(tag.replace("_", "-").split("-")[0].lower())


# Asked on every request (the gate, the reader's language) with the same few spellings.
@lru_cache(maxsize=1024)
def choose_locale(roster: str | None, slack: str | None, team: str) -> str:
    """The roster's locale when it has one, else Slack's when the bot speaks its language, else the
    team's (`COLLECT_LANGUAGE`)."""
    return parse_locale(roster or "") or from_slack(slack) or parse_locale(team) or ENGLISH


__all__ = ["ENGLISH", "SUPPORTED", "babel_name", "choose_locale", "from_slack", "parse_locale"]
