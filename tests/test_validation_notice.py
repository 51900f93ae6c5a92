"""The US validation notice and its validation period (issue 21, Regulation F §1006.34): the
itemization of model form B-1 in every language and read back from the PDF, the itemization columns
of the accounts import, when the validation period ends, what it forbids (overshadowing), and the
facts read from the ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from bot.correspondence.model import DocumentKind, SendChannel
from bot.correspondence.records import document_facts
from bot.correspondence.render import load_templates, render_document, sample_facts
from bot.correspondence.rules import (
    OVERSHADOWING,
    in_validation_period,
    itemize,
    mail_received_on,
    missing_for_kind,
    overshadows,
    validation_period_end,
)
from bot.imports.rules import RowError, parse_account
from bot.language.model import SUPPORTED
from bot.settings import load_settings
from storage.database import Database
from storage.models import Account, Payment
from tests.portfolio import add_account

TODAY = date(2026, 12, 7)
TEMPLATES = load_templates()
SETTINGS = load_settings(
    _env_file=None,
    COLLECT_CREDITOR_NAME="Acme Collections LLC",
    COLLECT_CREDITOR_ADDRESS="1 Main St; Springfield IL 62701",
    COLLECT_TIMEZONE="America/New_York",
)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


# --- The notice in every language ------------------------------------------------------------------

# What model form B-1 says, per language: the itemization's lines, the period's end, the CFPB.
SAYS = {
    "en": ("As of June 30, 2026, you owed:", "R$1,300.00", "+ R$30.00", "+ R$20.00", "R$100.00", "R$0.00",
           "Total amount of the debt now:", "R$1,250.00", "The validation period ends on January 11, 2027"),
    "pt-BR": ("Em 30 de junho de 2026, você devia:", "R$ 1.300,00", "+ R$ 30,00", "+ R$ 20,00", "R$ 100,00",
              "R$ 0,00", "Valor total da dívida agora:", "R$ 1.250,00",
              "O período de validação termina em 11 de janeiro de 2027"),
    "es": ("Al 30 de junio de 2026, usted debía:", "1.300,00 BRL", "+ 30,00 BRL", "+ 20,00 BRL", "100,00 BRL",
           "0,00 BRL", "Importe total de la deuda ahora:", "1.250,00 BRL",
           "El período de validación termina el 11 de enero de 2027"),
}  # fmt: skip


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_validation_notice_itemizes_the_debt_in_every_language(language: str) -> None:
    document = render_document(sample_facts(DocumentKind.VALIDATION_NOTICE, language), TEMPLATES)
    for part in (document.text, pdf_text(document.pdf)):
        said = plain(part)
        for expected in SAYS[language]:
            assert expected in said, (expected, language)
        assert "www.cfpb.gov/debt-collection" in said
        assert "disputes@example.com" in said
    html = plain(document.html)
    assert "www.cfpb.gov/debt-collection" in html and SAYS[language][-1] in html
    assert SAYS[language][0] in html and SAYS[language][-2] in html


@pytest.mark.parametrize("language", SUPPORTED)
def test_a_notice_without_an_itemization_renders_but_is_not_sent(language: str) -> None:
    facts = replace(sample_facts(DocumentKind.VALIDATION_NOTICE, language), itemization=None)
    document = render_document(facts, TEMPLATES)
    assert SAYS[language][0] not in plain(document.text)
    assert SAYS[language][-1] in plain(document.text)
    assert missing_for_kind(facts) is not None and "itemization_date" in str(missing_for_kind(facts))
    assert missing_for_kind(sample_facts(DocumentKind.VALIDATION_NOTICE, language)) is None


def test_an_itemization_that_cannot_add_up_is_refused() -> None:
    facts = sample_facts(DocumentKind.VALIDATION_NOTICE, "en")
    assert facts.itemization is not None
    short = replace(facts, itemization=replace(facts.itemization, credits=Decimal("-0.01")))
    assert "does not add up" in str(missing_for_kind(short))


money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amount=money, interest=st.none() | money, fees=st.none() | money, payments=money, balance=money)
def test_an_itemization_always_adds_up_to_the_balance(
    amount: Decimal, interest: Decimal | None, fees: Decimal | None, payments: Decimal, balance: Decimal
) -> None:
    item = itemize(date(2026, 6, 30), amount, interest, fees, payments, balance)
    assert item.amount + item.interest + item.fees - item.payments - item.credits == balance
    assert item.interest >= 0 and item.fees >= 0


# --- The validation period -------------------------------------------------------------------------


def test_a_letter_is_received_after_five_federal_working_days() -> None:
    # Mailed Wednesday 2026-11-25: Thanksgiving (26th), the weekend; received Thursday 2026-12-03.
    assert mail_received_on(date(2026, 11, 25)) == date(2026, 12, 3)
    assert validation_period_end(date(2026, 11, 25), SendChannel.LETTER) == date(2027, 1, 2)
    # Mailed Monday 2026-12-07: Tuesday to Monday the 14th.
    assert validation_period_end(date(2026, 12, 7), SendChannel.LETTER) == date(2026, 12, 14) + timedelta(30)


def test_an_email_is_received_the_day_it_is_sent() -> None:
    assert validation_period_end(date(2026, 12, 7), SendChannel.EMAIL) == date(2027, 1, 6)


def test_the_period_at_the_calendars_edge_does_not_overflow() -> None:
    assert validation_period_end(date.max - timedelta(3), SendChannel.LETTER) == date.max
    assert validation_period_end(date.max, SendChannel.EMAIL) == date.max


@given(sent=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_a_letters_period_is_longer_than_an_emails_by_a_working_week_at_most(sent: date) -> None:
    by_letter = validation_period_end(sent, SendChannel.LETTER)
    by_email = validation_period_end(sent, SendChannel.EMAIL)
    assert by_email == sent + timedelta(30)
    # Five working days: five to seven calendar days (sent on a Sunday, a weekday), a few more across holidays.
    assert timedelta(5) <= by_letter - by_email <= timedelta(12)


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_only_demands_overshadow_and_only_inside_the_period_in_the_us_profile(kind: DocumentKind) -> None:
    ends = date(2027, 1, 6)
    demand = kind in OVERSHADOWING
    assert overshadows(kind, ends, ends, "us") is demand, "the period's last day is in it"
    assert overshadows(kind, ends, TODAY, "us") is demand
    assert not overshadows(kind, ends, ends + timedelta(1), "us")
    assert not overshadows(kind, None, TODAY, "us"), "no notice sent, no period"
    assert not overshadows(kind, ends, TODAY, "off")
    assert in_validation_period(ends, TODAY) and not in_validation_period(None, TODAY)


def test_reminders_and_final_notices_are_the_demands() -> None:
    assert frozenset({DocumentKind.REMINDER, DocumentKind.FINAL_NOTICE}) == OVERSHADOWING


# --- From the ledger -------------------------------------------------------------------------------


def test_the_itemization_and_the_period_come_from_the_ledger(db: Database) -> None:
    add_account(
        db, "ACC-3001", "1150.00", itemization_date=date(2026, 9, 30), itemization_amount=Decimal("1200.00"),
        interest_since=Decimal("25.00"), fees_since=None, email="maria@example.com",
    )  # fmt: skip
    add_account(db, "ACC-3002", "80.00")
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "ACC-3001")).one()
        # Paid on the itemization day in New York (already in the amount then), and twice since.
        for at, amount in (
            (datetime(2026, 10, 1, 3, 0, tzinfo=UTC), "40.00"),  # 23:00 on Sept 30 in New York
            (datetime(2026, 10, 1, 5, 0, tzinfo=UTC), "50.00"),
            (datetime(2026, 11, 20, 15, 0, tzinfo=UTC), "20.00"),
        ):
            session.add(Payment(account_pk=account.id, amount=Decimal(amount), currency="USD", received_at=at,
                                recorded_by="U0AGENT1", source="slack", created_at=at))  # fmt: skip

    with db.reading() as session:
        facts = document_facts(session, "ACC-3001", DocumentKind.VALIDATION_NOTICE, SETTINGS, TODAY)
        by_email = document_facts(
            session, "ACC-3001", DocumentKind.VALIDATION_NOTICE, SETTINGS, TODAY, channel=SendChannel.EMAIL
        )
        none = document_facts(session, "ACC-3002", DocumentKind.VALIDATION_NOTICE, SETTINGS, TODAY)
    item = facts.itemization
    assert item is not None
    assert (item.on, item.amount, item.interest, item.fees) == (
        date(2026, 9, 30), Decimal("1200.00"), Decimal("25.00"), Decimal(0),
    )  # fmt: skip
    assert item.payments == Decimal("70.00") and item.credits == Decimal("5.00")
    assert facts.validation_ends == validation_period_end(TODAY, SendChannel.LETTER)
    assert by_email.validation_ends == date(2027, 1, 6)
    assert none.itemization is None and missing_for_kind(none) is not None
    text = plain(pdf_text(render_document(facts, TEMPLATES).pdf))
    assert "As of September 30, 2026, you owed: $1,200.00" in text and "- $70.00" in text

    # A tracked period is what later documents state; a new notice states the one it starts.
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "ACC-3001")).one()
        account.validation_ends = date(2027, 1, 2)
    with db.reading() as session:
        verification = document_facts(session, "ACC-3001", DocumentKind.VERIFICATION, SETTINGS, TODAY)
        again = document_facts(session, "ACC-3001", DocumentKind.VALIDATION_NOTICE, SETTINGS, TODAY)
    assert verification.validation_ends == date(2027, 1, 2)
    assert again.validation_ends == validation_period_end(TODAY, SendChannel.LETTER)


# --- The accounts import's itemization columns -----------------------------------------------------

ACCOUNT = {"account_id": "ACC-1042", "customer_name": "Maria Silva", "balance": "1,150.00", "currency": "USD",
           "due_date": "2026-09-01"}  # fmt: skip


def test_the_accounts_import_reads_the_itemization() -> None:
    cells = {**ACCOUNT, "itemization_date": "2026-09-30", "itemization_amount": "1,200.00",
             "interest_since": "0", "fees_since": "12.50"}  # fmt: skip
    row = parse_account(cells, frozenset(), today=TODAY)
    assert (row.itemization_date, row.itemization_amount, row.interest_since, row.fees_since) == (
        date(2026, 9, 30), Decimal("1200.00"), Decimal("0.00"), Decimal("12.50"),
    )  # fmt: skip
    bare = parse_account(ACCOUNT, frozenset(), today=TODAY)
    assert (bare.itemization_date, bare.itemization_amount, bare.interest_since, bare.fees_since) == (
        None, None, None, None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("column", "text", "says"),
    [
        ("itemization_date", "2026-12-31", "itemization date"),
        ("itemization_date", "30/09", "2026-12-01"),
        ("itemization_amount", "12.345", ""),
        ("interest_since", "-3.00", "negative"),
        ("fees_since", "abc", ""),
    ],
)
def test_a_bad_itemization_cell_is_refused_with_its_column(column: str, text: str, says: str) -> None:
    with pytest.raises(RowError) as caught:
        parse_account({**ACCOUNT, column: text}, frozenset(), today=TODAY)
    assert caught.value.column == column
    assert says in str(caught.value)


@given(
    kind=st.sampled_from(list(DocumentKind)),
    ends=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    profile=st.sampled_from(["us", "off"]),
)
def test_only_a_demand_inside_a_us_period_is_held_back(
    kind: DocumentKind, ends: date | None, today: date, profile: str
) -> None:
    held = overshadows(kind, ends, today, profile)
    assert held == (profile == "us" and kind in OVERSHADOWING and ends is not None and today <= ends)
    if held:
        assert ends is not None and not overshadows(kind, ends, ends + timedelta(1), profile), "it ends"
