"""The catalogs: `bot/locale/<ll_CC>/LC_MESSAGES/collect.po`, compiled when first needed in a
process (Babel's writer into memory) rather than in a build step, so a checkout, an editable
install, CI and the sandbox all speak every language with no generated file to forget or to get
stale; it costs a few milliseconds once per language per process. `speaking(locale)` makes that
language the current reader's for a block of work."""

from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from bot.language.model import CURRENT_SPEAKER, ENGLISH_SPEAKER, Speaker
from bot.language.rules import ENGLISH, SUPPORTED, babel_name, parse_locale

CATALOGS = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "collect"

_speakers: dict[str, Speaker] = {ENGLISH: ENGLISH_SPEAKER}
_loading = threading.Lock()


def catalog_path(locale: str) -> Path:
    return CATALOGS / babel_name(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"


def speaker_for(locale: str) -> Speaker:
    """The speaker of a supported locale (English for any other), its catalog compiled once."""
    known = parse_locale(locale) or ENGLISH
    found = _speakers.get(known)
    if found is not None:
        return found
    with _loading:
        if known not in _speakers:
            _speakers[known] = Speaker(known, _compiled(known))
        return _speakers[known]


def _compiled(locale: str) -> gettext.NullTranslations:
    # Babel's catalog tools load with the first language other than English: a team and a bot
    # that speak English only never need them (a megabyte of the idle bot's memory).
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(locale).open("rb") as po:
        catalog = read_po(po, locale=babel_name(locale), domain=DOMAIN)
    mo = io.BytesIO()
    # Fuzzy entries (a translation a tool guessed) are never shown: English is, until someone checks it.
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def speak(locale: str) -> Speaker:
    """From here on in this context (a request's: Bolt runs the listeners after the middleware has
    returned, so a `with` block there would end too soon), write in `locale`. Whoever calls it sets
    it again at the start of each request, so a thread reused for the next one never keeps it."""
    CURRENT_SPEAKER.set(speaker_for(locale))
    return CURRENT_SPEAKER.get()


@dataclass(frozen=True, slots=True)
class Audience:
    """Who else may be written to from here: a person in their own language (`locale_of`), a
    channel in the team's (`channel`). Set with the speaker, per request and per job run."""

    locale_of: Callable[[str], str]
    channel: str


_audience: ContextVar[Audience | None] = ContextVar("audience", default=None)


def address(audience: Audience) -> None:
    """From here on in this context, `speaking_to` and `speaking_in_channel` use `audience`."""
    _audience.set(audience)


@contextmanager
def addressing(audience: Audience) -> Iterator[Audience]:
    """`address` for a block of work (a job run), the previous audience back after it."""
    token = _audience.set(audience)
    try:
        yield audience
    finally:
        _audience.reset(token)


@contextmanager
def speaking_to(user: str) -> Iterator[Speaker]:
    """What is written inside goes to `user` (a direct message to someone else than the reader):
    in their language. Without an audience (the command line), in the current reader's."""
    audience = _audience.get()
    with speaking(audience.locale_of(user) if audience else CURRENT_SPEAKER.get().locale) as speaker:
        yield speaker


@contextmanager
def speaking_in_channel() -> Iterator[Speaker]:
    """What is written inside goes to a channel: in the team's language (COLLECT_LANGUAGE)."""
    audience = _audience.get()
    with speaking(audience.channel if audience else CURRENT_SPEAKER.get().locale) as speaker:
        yield speaker


@contextmanager
def speaking(locale: str) -> Iterator[Speaker]:
    """What is written inside is in `locale`; the previous reader is back after it."""
    token = CURRENT_SPEAKER.set(speaker_for(locale))
    try:
        yield CURRENT_SPEAKER.get()
    finally:
        CURRENT_SPEAKER.reset(token)


__all__ = [
    "CATALOGS", "SUPPORTED", "Audience", "address", "addressing", "catalog_path", "speak", "speaker_for", "speaking",
    "speaking_in_channel", "speaking_to",
]  # fmt: skip
