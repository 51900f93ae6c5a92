"""Payment references compared as people and bank feeds write them: `reference_key` at its edges,
then the same payment typed, submitted in the form and imported, on the real database."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from bot.ledger.rules.references import reference_key
from storage.database import Database
from storage.models import Payment
from storage.schema import _config, upgrade
from tests.portfolio import standard_team

# Characters nobody sees: zero-width space, non-joiner and joiner, word joiner, BOM, soft hyphen,
# left-to-right mark, invisible separator.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u2063"]
# Hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign, small and
# full-width hyphen-minus, small em dash.
DASHES = [
    "-",
    "\u2010",
    "\u2011",
    "\u2012",
    "\u2013",
    "\u2014",
    "\u2015",
    "\u2212",
    "\ufe63",
    "\uff0d",
    "\ufe58",
]


@pytest.mark.parametrize(
    "written",
    [
        "bank-991",
        "BANK-991",
        "Bank-991",
        " BANK-991 ",
        "\u00a0BANK-991\t",
        "BANK\u2011991",
        "BANK\u2013991",
        "BANK\u2212991",
        "BANK\u200b-991",
        "\ufeffBANK-991",
        "BA\u00adNK-991",
        "\uff22\uff21\uff2e\uff2b\uff0d\uff19\uff19\uff11",  # full-width, as some bank portals export
    ],
)
def test_ways_of_writing_one_reference_have_one_key(written: str) -> None:
    assert reference_key(written) == "bank-991"


@pytest.mark.parametrize(
    ("one", "other"), [("BANK-991", "BANK-992"), ("BANK-991", "BANK991"), ("A-1", "A--1")]
)
def test_different_references_keep_different_keys(one: str, other: str) -> None:
    assert reference_key(one) != reference_key(other)


def test_a_reference_of_invisible_characters_has_an_empty_key() -> None:
    assert reference_key("\u200b\ufeff \u00ad") == ""


@given(st.text())
def test_the_key_is_its_own_key(text: str) -> None:
    key = reference_key(text)
    assert reference_key(key) == key


@given(st.text())
def test_a_key_has_no_invisible_or_surrounding_space_or_odd_dash(text: str) -> None:
    key = reference_key(text)
    assert key == key.strip()
    assert not any(unicodedata.category(ch) in ("Cf", "Pd") and ch != "-" for ch in key)
    assert key == key.casefold()


@given(
    st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1),
    st.lists(st.tuples(st.integers(0, 50), st.sampled_from(INVISIBLE)), max_size=5),
    st.sampled_from(DASHES),
    st.sampled_from(["", " ", "\u00a0", "\u3000", "\t"]),
    st.booleans(),
)
def test_variants_of_a_reference_map_to_its_key(
    word: str, invisible: list[tuple[int, str]], dash: str, space: str, upper: bool
) -> None:
    plain = f"{word}-{word}"
    variant = f"{word}{dash}{word}"
    variant = variant.upper() if upper else variant.lower()
    for position, mark in invisible:
        at = position % (len(variant) + 1)
        variant = variant[:at] + mark + variant[at:]
    assert reference_key(space + variant + space) == reference_key(plain)


@pytest.fixture
def at_0008(database_url: str) -> Iterator[Database]:
    """The database as it was before references had keys; at the head again afterwards."""
    db = Database(database_url)
    standard_team(db)
    _migrate(db.engine, "0008")
    try:
        yield db
    finally:
        upgrade(db.engine)
        db.dispose()


def _migrate(engine: Engine, revision: str) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_the_migration_gives_recorded_payments_their_keys_and_keeps_earlier_twins(at_0008: Database) -> None:
    insert = text(
        "INSERT INTO payments (account_pk, amount, currency, reference, received_at, recorded_by, source,"
        " created_at) SELECT id, :amount, 'USD', :reference, '2026-11-20 10:00:00', 'U0AGENT1', 'slack',"
        " '2026-11-20 10:00:00' FROM accounts WHERE account_id = :account"
    )
    # Written two ways before keys existed: both were recorded, and both stay.
    rows = [("ACC-1042", "bank-991"), ("ACC-1042", "BANK\u2011991"), ("ACC-1043", "BANK-991"),
            ("ACC-1042", None), ("ACC-1042", "\u200b")]  # fmt: skip
    with at_0008.engine.begin() as connection:
        for account, reference in rows:
            connection.execute(insert, {"amount": 10000, "reference": reference, "account": account})
    upgrade(at_0008.engine)
    with at_0008.reading() as session:
        keys = session.execute(select(Payment.reference, Payment.reference_key).order_by(Payment.id)).all()
    assert [tuple(row) for row in keys] == [
        ("bank-991", "bank-991"),
        ("BANK\u2011991", None),
        ("BANK-991", "bank-991"),
        (None, None),
        ("\u200b", None),
    ]
