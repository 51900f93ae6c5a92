"""Customer documents (issue 21, first part): every kind in every language rendered from its
templates, checked when loaded; the PDF read back; the facts read from the ledger on SQLite and
PostgreSQL; what refuses a channel; the postal address columns of the accounts import."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select

from bot.correspondence.model import DocumentKind, PostalAddress, SendChannel
from bot.correspondence.records import document_facts
from bot.correspondence.render import (
    DocumentTemplateError,
    load_templates,
    render_document,
    sample_facts,
)
from bot.correspondence.rules import (
    document_locale,
    missing_for_kind,
    payment_link,
    payment_link_problem,
    refusal_to_send,
)
from bot.errors import NotFoundError, UserError
from bot.imports.rules import RowError, parse_account
from bot.language.model import SUPPORTED
from bot.settings import SettingsError, load_settings
from storage.database import Database
from storage.models import Account, Payment, Promise
from tests.portfolio import add_account
from tests.test_cli import run_cli

TODAY = date(2026, 12, 7)
TEMPLATES = load_templates()


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- Every kind, every language --------------------------------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_kind_renders_in_every_language_with_what_the_law_asks(
    kind: DocumentKind, language: str
) -> None:
    facts = sample_facts(kind, language)
    document = render_document(facts, TEMPLATES)
    balance = {"en": "R$1,250.00", "pt-BR": "R$ 1.250,00", "es": "1.250,00 BRL"}[language]
    for part in (document.text, document.html, pdf_text(document.pdf)):
        assert "ACC-1042" in part
        assert "Acme Crédito Ltda." in part
        assert "Rua das Flores 12" in part
        assert balance.replace("\xa0", " ") in part.replace("\xa0", " ")
    for part in (document.text, document.html):
        assert "https://pay.example.com/ACC-1042" in part
        assert "Bank transfer to 0001" in part
        assert "disputes@example.com" in part
    assert document.subject and "\n" not in document.subject
    assert "{{" not in document.text and "{%" not in document.html
    assert len(document.sha256) == 64
    assert render_document(facts, TEMPLATES) == document, "the same facts give the same bytes"


def test_the_pdf_renders_portuguese_and_spanish_text() -> None:
    facts = replace(
        sample_facts(DocumentKind.STATEMENT, "es"),
        customer_name="Íñigo Muñoz Peña",
        currency="EUR",
        address=PostalAddress("Calle Mayor 3", None, "Logroño", "La Rioja", "26001", "España"),
    )
    text = pdf_text(render_document(facts, TEMPLATES).pdf)
    assert "Íñigo Muñoz Peña" in text and "Logroño" in text and "España" in text
    assert "1.250,00 €" in text.replace("\xa0", " ")
    assert "Días de atraso" in text

    portuguese = pdf_text(render_document(sample_facts(DocumentKind.REMINDER, "pt-BR"), TEMPLATES).pdf)
    assert "Joana Conceição" in portuguese and "São Paulo" in portuguese
    assert "R$ 1.250,00" in portuguese.replace("\xa0", " ")
    assert "está vencido" in squeezed(portuguese) or "estávencido" in squeezed(portuguese)


def test_a_plan_confirmation_lists_the_instalments_and_their_total() -> None:
    document = render_document(sample_facts(DocumentKind.PLAN_CONFIRMATION, "pt-BR"), TEMPLATES)
    assert "Parcela 1: R$\xa0125,50 até 15 de dezembro de 2026" in document.text
    assert "Total: R$\xa0251,00" in document.text


# --- Templates checked when loaded -----------------------------------------------------------------


def overriding(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return tmp_path


def test_a_template_naming_a_field_documents_lack_fails_when_loaded(tmp_path: Path) -> None:
    folder = overriding(tmp_path, "en/reminder.txt", "Dear {{ customer_name }}, you owe {{ balanse }}.")
    with pytest.raises(DocumentTemplateError, match=r"template en/reminder\.txt names balanse"):
        load_templates(folder)


def test_a_template_naming_a_missing_part_of_a_field_fails_when_loaded(tmp_path: Path) -> None:
    folder = overriding(tmp_path, "es/promise-confirmation.html", "<p>{{ promise.amont }}</p>")
    with pytest.raises(DocumentTemplateError, match=r"es/promise-confirmation\.html.*amont"):
        load_templates(folder)


def test_a_template_that_does_not_parse_fails_when_loaded(tmp_path: Path) -> None:
    folder = overriding(tmp_path, "pt-BR/statement.subject.txt", "Extrato {{ account_id ")
    with pytest.raises(DocumentTemplateError, match=r"pt-BR/statement\.subject\.txt, line 1"):
        load_templates(folder)


def test_an_overriding_template_replaces_the_shipped_one_and_html_is_escaped(tmp_path: Path) -> None:
    folder = overriding(tmp_path, "en/statement.subject.txt", "Your account {{ account_id }} with us\n")
    templates = load_templates(folder)
    facts = replace(sample_facts(DocumentKind.STATEMENT, "en"), customer_name="Tom & <b>Jerry</b>")
    document = render_document(facts, templates)
    assert document.subject == "Your account ACC-1042 with us"
    assert "Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;" in document.html and "<b>Jerry" not in document.html
    assert "Tom & <b>Jerry</b>" in document.text


def test_a_templates_folder_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentTemplateError, match="is not a folder"):
        load_templates(tmp_path / "nowhere")


names = st.text(
    alphabet=st.sampled_from("abcxyzÁÉãçñüöéèß€ <>&\"'/;.-0123456789"), min_size=1, max_size=40
).filter(lambda text: text.strip() != "")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, line1=names, city=names)
def test_any_customer_text_is_escaped_in_html_and_kept_in_text_and_pdf(
    name: str, line1: str, city: str
) -> None:
    facts = replace(
        sample_facts(DocumentKind.REMINDER, "pt-BR"),
        customer_name=name,
        address=PostalAddress(line1, None, city, None, "01310-100", None),
    )
    document = render_document(facts, TEMPLATES)
    assert str(escape(name.strip())) in document.html
    assert name.strip() in document.text
    text = squeezed(pdf_text(document.pdf))
    for given_text in (name, line1, city):
        assert squeezed(given_text) in text
    assert "ACC-1042" in text


# --- Plain rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "team", "expected"),
    [("pt", "en", "pt-BR"), ("pt-BR", "en", "pt-BR"), ("pt-PT", "es", "pt-BR"), ("es-MX", "en", "es"),
     ("en-GB", "es", "en"), ("fr", "es", "es"), (None, "pt-BR", "pt-BR"), ("", "en", "en")],
)  # fmt: skip
def test_the_accounts_language_picks_the_documents_else_the_teams(
    column: str | None, team: str, expected: str
) -> None:
    assert document_locale(column, team) == expected


def test_the_payment_link_is_an_http_url_whose_only_placeholder_is_the_account_id() -> None:
    assert payment_link_problem("") is None
    assert payment_link_problem("https://pay.example.com/{account_id}") is None
    assert payment_link_problem("https://pay.example.com/pay?account={account_id}&x=1") is None
    assert "only {account_id}" in (payment_link_problem("https://pay.example.com/{customer}") or "")
    assert "unbalanced" in (payment_link_problem("https://pay.example.com/{account_id") or "")
    assert "http(s) URL" in (payment_link_problem("ftp://pay.example.com/{account_id}") or "")
    assert "http(s) URL" in (payment_link_problem("pay.example.com/{account_id}") or "")
    assert payment_link("https://pay.example.com/{account_id}", "ACC 1/2?&") == (
        "https://pay.example.com/ACC%201%2F2%3F%26"
    )
    assert payment_link("", "ACC-1") is None


def test_a_bad_payment_link_setting_is_refused_at_start_up() -> None:
    with pytest.raises(SettingsError, match="COLLECT_PAYMENT_LINK"):
        load_settings(_env_file=None, COLLECT_PAYMENT_LINK="https://pay.example.com/{id}")
    loaded = load_settings(_env_file=None, COLLECT_CREDITOR_ADDRESS="Rua A 1; São Paulo SP\nBrasil")
    assert loaded.creditor_address_lines == ("Rua A 1", "São Paulo SP", "Brasil")


def test_a_letter_needs_a_postal_address_and_an_email_an_email_address() -> None:
    facts = sample_facts(DocumentKind.REMINDER, "en")
    assert refusal_to_send(SendChannel.LETTER, facts) is None
    assert refusal_to_send(SendChannel.EMAIL, facts) is None
    nowhere = replace(facts, address=PostalAddress(), email=None)
    assert "postal address" in (refusal_to_send(SendChannel.LETTER, nowhere) or "")
    assert "email address" in (refusal_to_send(SendChannel.EMAIL, nowhere) or "")
    no_city = replace(facts, address=PostalAddress("Av. Paulista 1000"))
    assert refusal_to_send(SendChannel.LETTER, no_city) is not None
    by_postcode = replace(facts, address=PostalAddress("Av. Paulista 1000", postal_code="01310-100"))
    assert refusal_to_send(SendChannel.LETTER, by_postcode) is None


def test_a_confirmation_needs_what_it_confirms() -> None:
    assert missing_for_kind(sample_facts(DocumentKind.STATEMENT, "en")) is None
    bare = replace(sample_facts(DocumentKind.PROMISE_CONFIRMATION, "en"), promise=None)
    assert missing_for_kind(bare) == "This account has no open promise to confirm."
    assert missing_for_kind(replace(bare, kind=DocumentKind.PLAN_CONFIRMATION, plan=())) is not None
    assert missing_for_kind(replace(bare, kind=DocumentKind.SETTLEMENT_OFFER, settlement=None)) is not None


# --- From the ledger (SQLite, and PostgreSQL with TEST_DATABASE_URL) --------------------------------


SETTINGS = load_settings(
    _env_file=None,
    COLLECT_TIMEZONE="America/Sao_Paulo",
    COLLECT_LANGUAGE="es",
    COLLECT_CREDITOR_NAME="Acme Cobranças Ltda.",
    COLLECT_CREDITOR_ADDRESS="Rua das Flores 12; São Paulo SP 01000-000",
    COLLECT_PAYMENT_INSTRUCTIONS="PIX: cobranca@acme.example",
    COLLECT_PAYMENT_LINK="https://pay.example.com/{account_id}",
)


def test_document_facts_come_from_the_ledger(db: Database) -> None:
    add_account(
        db, "ACC-2001", "4310.00", currency="BRL", customer_name="Pedro Álvares", language="pt",
        email="pedro@example.com", address_line1="Rua Augusta 500", city="São Paulo", region="SP",
        postal_code="01304-000", country="Brasil", due_date=date(2026, 9, 1),
    )  # fmt: skip
    add_account(db, "ACC-2002", "80.00", customer_name="Ana Ruiz", language=None)
    with db.transaction() as session:
        account = session.scalars(select(Account.id).where(Account.account_id == "ACC-2001")).one()
        at = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
        for amount in ("100.00", "50.00"):
            session.add(Payment(account_pk=account, amount=Decimal(amount), currency="BRL", received_at=at,
                                recorded_by="U0AGENT1", source="slack", created_at=at))  # fmt: skip
        session.add(Promise(account_pk=account, amount=Decimal("500.00"), currency="BRL", due_date=date(2026, 12, 20),
                            status="open", paid_toward=Decimal(0), made_by="U0AGENT1", made_at=at))  # fmt: skip

    with db.reading() as session:
        facts = document_facts(session, "acc-2001", DocumentKind.STATEMENT, SETTINGS, TODAY)
        other = document_facts(session, "ACC-2002", DocumentKind.REMINDER, SETTINGS, TODAY)
        with pytest.raises(NotFoundError):
            document_facts(session, "ACC-9999", DocumentKind.STATEMENT, SETTINGS, TODAY)
        unnamed = load_settings(_env_file=None)
        with pytest.raises(UserError, match="creditor"):
            document_facts(session, "ACC-2001", DocumentKind.STATEMENT, unnamed, TODAY)

    assert facts.language == "pt-BR" and other.language == "es"
    assert facts.account_id == "ACC-2001" and facts.balance == Decimal("4310.00") and facts.currency == "BRL"
    assert facts.days_past_due == 97 and facts.aging == "91-120"
    assert [p.amount for p in facts.recent_payments] == [Decimal("50.00"), Decimal("100.00")]
    assert facts.promise is not None and facts.promise.amount == Decimal("500.00") and facts.plan == ()
    assert facts.payment_link == "https://pay.example.com/ACC-2001"
    assert facts.creditor_address == ("Rua das Flores 12", "São Paulo SP 01000-000")
    assert refusal_to_send(SendChannel.LETTER, facts) is None
    assert refusal_to_send(SendChannel.LETTER, other) is not None
    assert refusal_to_send(SendChannel.EMAIL, other) is not None

    document = render_document(facts, TEMPLATES)
    text = pdf_text(document.pdf).replace("\xa0", " ")
    assert "ACC-2001" in text and "R$ 4.310,00" in text and "Pedro Álvares" in text
    assert "Rua Augusta 500" in text and "São Paulo SP 01304-000" in text
    assert "Dias de atraso" in text and "PIX: cobranca@acme.example" in text


# --- The accounts import's address columns ---------------------------------------------------------


ACCOUNT = {"account_id": "ACC-1042", "customer_name": "Maria Silva", "balance": "10", "currency": "USD",
           "due_date": "2026-09-01"}  # fmt: skip


def test_the_accounts_import_reads_a_postal_address() -> None:
    cells = {**ACCOUNT, "address_line1": "1 Main St", "city": "Springfield", "region": "IL",
             "postal_code": "62701", "country": "US"}  # fmt: skip
    row = parse_account(cells, frozenset(), today=TODAY)
    assert (row.address_line1, row.address_line2, row.city, row.region, row.postal_code, row.country) == (
        "1 Main St", None, "Springfield", "IL", "62701", "US",
    )  # fmt: skip
    with pytest.raises(RowError) as caught:
        parse_account({**ACCOUNT, "postal_code": "9" * 21}, frozenset(), today=TODAY)
    assert caught.value.column == "postal_code"


# --- The command line's preview --------------------------------------------------------------------


def test_the_document_command_writes_text_html_and_pdf(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    add_account(db, "ACC-1042", "1250.00", currency="EUR", customer_name="Íñigo & <Muñoz>", language="es")
    env = {
        "DATABASE_URL": database_url,
        "COLLECT_CREDITOR_NAME": "Acme Cobros S.L.",
        "COLLECT_CREDITOR_ADDRESS": "Calle Mayor 1; 28013 Madrid",
    }
    done = run_cli("document", "ACC-1042", "statement", "--out", str(tmp_path), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Estado de la cuenta ACC-1042" in done.stdout
    assert "Íñigo &amp; &lt;Muñoz&gt;" in (tmp_path / "ACC-1042-statement.html").read_text()
    assert "Íñigo & <Muñoz>" in (tmp_path / "ACC-1042-statement.txt").read_text()
    assert "1.250,00 €" in pdf_text((tmp_path / "ACC-1042-statement.pdf").read_bytes()).replace("\xa0", " ")

    refused = run_cli(
        "document", "ACC-1042", "settlement-offer", "--out", str(tmp_path), env=env, cwd=tmp_path
    )
    assert refused.returncode == 1 and "no approved settlement" in refused.stderr + refused.stdout
    unnamed = {"DATABASE_URL": database_url}
    refused = run_cli("document", "ACC-1042", "statement", "--out", str(tmp_path), env=unnamed, cwd=tmp_path)
    assert refused.returncode == 1 and "COLLECT_CREDITOR_NAME" in refused.stderr + refused.stdout
