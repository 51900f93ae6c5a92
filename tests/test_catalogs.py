"""The gettext catalogs (bot/locale/<ll_CC>/LC_MESSAGES/collect.po) against the code: every string
the code marks is translated in every language, no catalog keeps a string the code no longer has,
and a translation names exactly the placeholders of its original (a missing `{amount}` would hide
money, an extra one would crash the format)."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.language.model import KEYWORDS
from bot.language.render import catalog_path, speaker_for
from bot.language.rules import ENGLISH, SUPPORTED, babel_name

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [locale for locale in SUPPORTED if locale != ENGLISH]
Message = str | tuple[str, str]


def _extracted() -> dict[Message, list[str]]:
    """What `pybabel extract -F babel.cfg` finds: each marked string (a (singular, plural) pair
    for ngettext) with where it is."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found: dict[Message, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords={**DEFAULT_KEYWORDS, **KEYWORDS}
    ):
        key: Message = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


EXTRACTED = _extracted()


def _catalog(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as po:
        return read_po(po, locale=babel_name(locale))


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def _entries(catalog: Catalog) -> Iterator[tuple[Message, object]]:
    for entry in catalog:
        if entry.id:
            key: Message = entry.id if isinstance(entry.id, str) else (entry.id[0], entry.id[1])
            yield key, entry


def test_the_code_marks_strings_for_translation() -> None:
    assert len(EXTRACTED) > 50


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_marked_string_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    missing = []
    for message, where in EXTRACTED.items():
        entry = catalog.get(message if isinstance(message, str) else message[0])
        translated = (
            entry is not None
            and not entry.fuzzy
            and (all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string))
        )
        if not translated:
            missing.append(f"{where[0]}: {message!r}")
    assert not missing, f"{len(missing)} strings not translated in {locale}:\n" + "\n".join(missing)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_catalog_keeps_a_string_the_code_does_not_use(locale: str) -> None:
    unused = [message for message, _entry in _entries(_catalog(locale)) if message not in EXTRACTED]
    assert not unused, f"in {locale}'s catalog but not in the code: {unused}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_name_the_placeholders_of_their_original(locale: str) -> None:
    wrong = []
    for message, entry in _entries(_catalog(locale)):
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)  # type: ignore[attr-defined]
        originals = (message,) if isinstance(message, str) else message
        wanted = set().union(*(_fields(original) for original in originals))
        # A plural's form may leave out the count ("um dia"), never another name, and never add one.
        needed = wanted if isinstance(message, str) else wanted - {"count"}
        for translation in translations:
            if translation and not needed <= _fields(translation) <= wanted:
                wrong.append(f"{message!r} -> {translation!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_each_catalog_compiles_and_translates(locale: str) -> None:
    speaker = speaker_for(locale)
    assert speaker.locale == locale
    some = next(message for message in EXTRACTED if isinstance(message, str))
    assert speaker.gettext(some) != some or some.strip() == ""
