"""The team's own words (bot/parsing/aliases.py): Portuguese and Spanish subcommands, channels,
outcomes, methods and escalation kinds, accepted from anyone and read as their English words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.correspondence.model import DocumentKind
from bot.errors import UserError
from bot.parsing import aliases
from bot.parsing.command import (
    _EXAMPLES,
    KIND_ALIASES,
    USAGE,
    Command,
    LogCommand,
    UnknownSubcommandError,
    parse_command,
)
from bot.vocabulary import (
    CHANNEL_ALIASES,
    METHOD_ALIASES,
    OUTCOME_ALIASES,
    Channel,
    ComplaintCategory,
    EscalationKind,
    Outcome,
    PaymentMethod,
)
from storage.models import Contact
from tests.conftest import RunningBot

TABLES: dict[str, dict[str, dict[str, Any]]] = {
    "subcommand": aliases.SUBCOMMAND_ALIASES,
    "channel": aliases.CHANNEL_ALIASES,
    "outcome": aliases.OUTCOME_ALIASES,
    "method": aliases.METHOD_ALIASES,
    "kind": aliases.KIND_ALIASES,
    "category": aliases.CATEGORY_ALIASES,
    "document": aliases.DOCUMENT_ALIASES,
}
# Every English word the parser knows, at any place in a command.
ENGLISH = (
    set(USAGE)
    | {
        w.value
        for kind in (Channel, Outcome, PaymentMethod, EscalationKind, ComplaintCategory, DocumentKind)
        for w in kind
    }
    | set(CHANNEL_ALIASES) | set(OUTCOME_ALIASES) | set(METHOD_ALIASES) | set(KIND_ALIASES)
    | {"add", "remove", "until", "day", "week", "month", "today", "daily", "weekly", "monthly"}
)  # fmt: skip


def outcome(text: str) -> Command | str:
    """The command parsed, or the problem it was refused with."""
    try:
        return parse_command(text)
    except UserError as error:
        return f"{error.problem} {error.hint}"


def test_the_languages_words_are_no_english_word_the_bot_knows() -> None:
    for table in TABLES.values():
        for words in table.values():
            assert not set(words) & ENGLISH
            assert all(word == word.lower() and " " not in word for word in words)


@pytest.mark.parametrize("name", list(TABLES))
def test_a_word_two_languages_share_means_the_same_in_both(name: str) -> None:
    portuguese, spanish = TABLES[name]["pt-BR"], TABLES[name]["es"]
    for word in set(portuguese) & set(spanish):
        assert portuguese[word] == spanish[word], word


def test_every_subcommand_has_its_words_in_each_language() -> None:
    for words in aliases.SUBCOMMAND_ALIASES.values():
        assert set(words.values()) == set(USAGE)


SUBCOMMAND_WORDS = sorted(
    (alias, english) for words in aliases.SUBCOMMAND_ALIASES.values() for alias, english in words.items()
)
# What may follow a subcommand: each one's example, the team's words for what follows, and noise.
ARGUMENTS = sorted(
    {example.split(" ", 2)[2] for example in _EXAMPLES.values()}
    | {"", "ACC-1042", "2", "week", "list", "ACC-1042 ligação sem-resposta não atendeu",
       "ACC-1042 llamada buzón dejó mensaje", "ACC-1042 250 cartão ref:X-1", "ACC-1042 250 efectivo",
       "ACC-1042 acordo 800 perdeu o emprego", "ACC-1042 quita 800 perdió el trabajo", "x" * 70}
)  # fmt: skip


@given(st.sampled_from(SUBCOMMAND_WORDS), st.sampled_from(ARGUMENTS), st.sampled_from(["", " ", "  "]))
def test_every_subcommand_word_parses_as_its_english_word(
    word: tuple[str, str], arguments: str, space: str
) -> None:
    alias, english = word
    typed = f"{space}{alias.upper() if len(alias) % 2 else alias} {arguments}"
    assert outcome(typed) == outcome(f"{english} {arguments}")


CONTACT_WORDS = sorted(
    [(alias, str(english)) for words in aliases.CHANNEL_ALIASES.values() for alias, english in words.items()]
)
RESULT_WORDS = sorted(
    [(alias, str(english)) for words in aliases.OUTCOME_ALIASES.values() for alias, english in words.items()]
)


@given(st.sampled_from(CONTACT_WORDS), st.sampled_from(RESULT_WORDS), st.text(max_size=30))
def test_every_channel_and_outcome_word_parses_as_its_english_word(
    channel: tuple[str, str], result: tuple[str, str], notes: str
) -> None:
    typed = f"log ACC-1042 {channel[0]} {result[0]} {notes}"
    assert outcome(typed) == outcome(f"log ACC-1042 {channel[1]} {result[1]} {notes}")


@pytest.mark.parametrize(
    ("name", "template"),
    [("method", "pay ACC-1042 250 {}"), ("kind", "escalate ACC-1042 {} 800 x6 lost the job")],
)
def test_every_method_and_kind_word_parses_as_its_english_word(name: str, template: str) -> None:
    for words in TABLES[name].values():
        for alias, english in words.items():
            assert outcome(template.format(alias)) == outcome(template.format(english))


def test_the_issues_examples() -> None:
    assert parse_command("registrar ACC-1042 ligação sem-resposta ninguém atendeu") == LogCommand(
        "ACC-1042", Channel.CALL, Outcome.NO_ANSWER, "ninguém atendeu"
    )
    assert parse_command("Registrar ACC-1042 Llamada Buzón-de-voz") == LogCommand(
        "ACC-1042", Channel.CALL, Outcome.LEFT_MESSAGE, None
    )
    assert (
        parse_command("conta ACC-1042")
        == parse_command("cuenta ACC-1042")
        == parse_command("account ACC-1042")
    )
    assert parse_command("pagar") == parse_command("pay")  # the form
    assert parse_command("promessa ACC-1042 250 friday") == parse_command("promise ACC-1042 250 friday")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("cuneta ACC-1", "cuenta"), ("promsa", "promesa"), ("registar ACC-1 call na", "registrar"),
     ("acount ACC-1", "account"), ("hepl", "help"), ("escalation", "escalations"), ("ajda", "ajuda")],
)  # fmt: skip
def test_a_mistyped_word_of_any_language_names_the_closest_one(typed: str, meant: str) -> None:
    with pytest.raises(UnknownSubcommandError) as caught:
        parse_command(typed)
    assert caught.value.suggestion == meant


def test_the_help_lists_the_languages_words(team: RunningBot) -> None:
    shown = json.dumps(json.loads(team.collect("U0AGENT2", "ajuda")), ensure_ascii=False)
    assert "Also in Portuguese: `ajuda` (help), `conta` (account)" in shown
    assert "Also in Spanish: `ayuda` (help), `cuenta` (account)" in shown
    assert "`sem-resposta`, `não-atende` (no-answer)" in shown
    assert "`relatorio`" not in shown and "`relatório` (report)" in shown


def test_the_languages_words_work_in_slack(team: RunningBot) -> None:
    card = team.collect("U0AGENT1", "conta ACC-1042")
    assert "Maria Silva" in card
    team.collect("U0AGENT1", "registrar ACC-1042 ligação sem-resposta tocou e ninguém atendeu")
    with team.runtime.db.reading() as session:
        logged = session.execute(select(Contact.channel, Contact.outcome, Contact.notes)).one()
    assert tuple(logged) == ("call", "no-answer", "tocou e ninguém atendeu")
    # Help is for anyone, in any of the languages: off the roster too.
    assert "collect-bot commands" in team.collect("U0STRANGER", "ayuda")
