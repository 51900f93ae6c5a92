"""Customer documents rendered from their templates: subject, text and HTML from Jinja2 templates a
team may edit, and a PDF of the text for an attachment or the post.

Templates live in bot/correspondence/templates/<language>/<kind>.{subject.txt,txt,html}; a file of
the same name under `COLLECT_TEMPLATES_DIR` replaces the shipped one. `load_templates` checks every
one when it is loaded (syntax, names the documents have, and a render of a complete sample), so a
template naming a field documents lack fails at start-up and in the tests, never at send time."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.correspondence.model import (
    DocumentFacts,
    DocumentKind,
    Itemization,
    PaymentLine,
    PostalAddress,
    PromiseLine,
    RenderedDocument,
    SettlementTerms,
)
from bot.correspondence.rules import address_lines, content_hash
from bot.language.model import SUPPORTED, Speaker

if TYPE_CHECKING:
    import jinja2

SHIPPED = Path(__file__).resolve().parent / "templates"
PARTS = ("subject.txt", "txt", "html")

# What a template may name: each is a string already said in the customer's locale, a list of lines,
# or (promise, settlement) a small mapping or None. Kept as one list so loading can name a stranger.
FIELDS: dict[str, str] = {
    "creditor_name": "the creditor's name (COLLECT_CREDITOR_NAME)",
    "creditor_address": "the creditor's address, a list of lines (COLLECT_CREDITOR_ADDRESS)",
    "account_id": "the account's id",
    "customer_name": "the customer's name",
    "address": "the customer's postal address, a list of lines (may be empty)",
    "email": "the customer's email address, or empty",
    "currency": "the account's currency code",
    "balance": "the balance, as money in the customer's locale",
    "original_amount": "the original amount as money, or empty",
    "due_date": "the oldest unpaid due date",
    "days_past_due": "days past due, as a number",
    "aging": "the aging bucket: current, 1-30, 31-60, 61-90, 91-120, 120+",
    "today": "the document's date",
    "payments": "recent payments: a list of {date, amount}",
    "promises": "open promises and instalments: a list of {due_date, amount, instalment}",
    "promise": "the next promise due: {due_date, amount}, or None",
    "plan": "the approved plan's open instalments: a list of {due_date, amount, instalment}",
    "plan_total": "what the plan's open instalments add up to, as money",
    "settlement": "the approved settlement: {amount, pay_by}, or None",
    "payment_instructions": "how to pay (COLLECT_PAYMENT_INSTRUCTIONS)",
    "payment_link": "the account's payment link (COLLECT_PAYMENT_LINK), or empty",
    "dispute_contact": "where to dispute the debt (COLLECT_DISPUTE_CONTACT, else the creditor's address)",
    "validation_ends": "the last day of the validation period",
    "itemization": (
        "the US validation notice's itemization: {date, amount, interest, fees, payments, credits},"
        " or None when the account has none"
    ),
}


class DocumentTemplateError(Exception):
    """A document template that cannot be used; the message names the template and what is wrong."""


@dataclass(frozen=True)
class Templates:
    environment: jinja2.Environment
    where: tuple[str, ...]

    def name(self, language: str, kind: DocumentKind, part: str) -> str:
        return f"{language}/{kind.value}.{part}"


def load_templates(override_dir: str | Path | None = None) -> Templates:
    """Every kind's templates in every language, checked; raises DocumentTemplateError."""
    # Jinja2 is imported with the first templates loaded: the ledger and the jobs import this module
    # for its names, and a serving bot may send no document for hours.
    import jinja2

    where = [str(SHIPPED)]
    if override_dir:
        if not Path(override_dir).is_dir():
            raise DocumentTemplateError(f"COLLECT_TEMPLATES_DIR {str(override_dir)!r} is not a folder")
        where.insert(0, str(override_dir))
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(where),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates = Templates(environment, tuple(where))
    for language in SUPPORTED:
        # The shared layouts the kinds extend or include (a team may override those too).
        for base in ("_base.txt", "_base.html", "_account_history.html"):
            _check(templates, f"{language}/{base}")
        for kind in DocumentKind:
            for part in PARTS:
                _check(templates, templates.name(language, kind, part))
        for kind in DocumentKind:
            # A complete sample renders through every branch a template has for the facts it names
            # (the PDF is left out: it adds nothing a template could get wrong).
            _render_parts(sample_facts(kind, language), templates)
    return templates


@functools.lru_cache(maxsize=4)
def templates_for(override_dir: str) -> Templates:
    """The templates loaded and checked once per process (serve loads them at start-up, so a broken
    override stops the bot there rather than at the first send)."""
    return load_templates(override_dir or None)


def _check(templates: Templates, name: str) -> None:
    import jinja2
    import jinja2.meta

    loader = templates.environment.loader
    assert loader is not None
    try:
        source, _filename, _uptodate = loader.get_source(templates.environment, name)
    except jinja2.TemplateNotFound:
        raise DocumentTemplateError(
            f"template {name} is missing (looked in {', '.join(templates.where)})"
        ) from None
    try:
        parsed = templates.environment.parse(source, name)
    except jinja2.TemplateSyntaxError as error:
        raise DocumentTemplateError(f"template {name}, line {error.lineno}: {error.message}") from None
    unknown = sorted(jinja2.meta.find_undeclared_variables(parsed) - FIELDS.keys())
    if unknown:
        raise DocumentTemplateError(
            f"template {name} names {', '.join(unknown)}, which documents do not have;"
            f" the fields are: {', '.join(FIELDS)}"
        )


def render_document(facts: DocumentFacts, templates: Templates) -> RenderedDocument:
    subject, text, html = _render_parts(facts, templates)
    pdf = document_pdf(facts, subject, text)
    return RenderedDocument(
        kind=facts.kind, language=facts.language, subject=subject, text=text, html=html, pdf=pdf,
        sha256=content_hash(subject, text, html, pdf),
    )  # fmt: skip


def render_parts(facts: DocumentFacts, templates: Templates) -> tuple[str, str, str]:
    """Subject, text and HTML without the PDF: a preview's, in milliseconds (the PDF takes far
    longer, and a preview form must open within Slack's 3 seconds)."""
    return _render_parts(facts, templates)


def _render_parts(facts: DocumentFacts, templates: Templates) -> tuple[str, str, str]:
    """Subject (one line), text and HTML."""
    import jinja2

    context = document_context(facts)
    parts: dict[str, str] = {}
    for part in PARTS:
        name = templates.name(facts.language, facts.kind, part)
        try:
            parts[part] = templates.environment.get_template(name).render(context)
        except jinja2.TemplateError as error:
            raise DocumentTemplateError(f"template {name}: {error}") from None
    return " ".join(parts["subject.txt"].split()), parts["txt"].strip() + "\n", parts["html"]


def document_context(facts: DocumentFacts) -> dict[str, Any]:
    reader = Speaker(facts.language)

    def money(amount: Decimal) -> str:
        return reader.money(amount, facts.currency)

    def day(when: date) -> str:
        return reader.day(when, "long")

    def promised(line: PromiseLine) -> dict[str, Any]:
        return {"due_date": day(line.due_date), "amount": money(line.amount), "instalment": line.instalment}

    return {
        "creditor_name": facts.creditor_name,
        "creditor_address": list(facts.creditor_address),
        "account_id": facts.account_id,
        "customer_name": facts.customer_name,
        "address": list(address_lines(facts.address)),
        "email": facts.email or "",
        "currency": facts.currency,
        "balance": money(facts.balance),
        "original_amount": money(facts.original_amount) if facts.original_amount is not None else "",
        "due_date": day(facts.due_date),
        "days_past_due": reader.number(facts.days_past_due),
        "aging": facts.aging,
        "today": day(facts.today),
        "payments": [{"date": day(p.received_on), "amount": money(p.amount)} for p in facts.recent_payments],
        "promises": [promised(p) for p in facts.open_promises],
        "promise": promised(facts.promise) if facts.promise else None,
        "plan": [promised(p) for p in facts.plan],
        "plan_total": money(sum((p.amount for p in facts.plan), Decimal(0))),
        "settlement": (
            {"amount": money(facts.settlement.amount), "pay_by": day(facts.settlement.pay_by)}
            if facts.settlement
            else None
        ),
        "payment_instructions": facts.payment_instructions,
        "payment_link": facts.payment_link or "",
        "dispute_contact": facts.dispute_contact,
        "validation_ends": day(facts.validation_ends),
        "itemization": (
            {
                "date": day(facts.itemization.on),
                "amount": money(facts.itemization.amount),
                "interest": money(facts.itemization.interest),
                "fees": money(facts.itemization.fees),
                "payments": money(facts.itemization.payments),
                "credits": money(facts.itemization.credits),
            }
            if facts.itemization
            else None
        ),
    }


if TYPE_CHECKING:
    from fpdf import FPDF

# (family, style, file in matplotlib's fonts/ttf)
_PDF_FONTS = (("DejaVu", "", "DejaVuSans.ttf"), ("DejaVu", "B", "DejaVuSans-Bold.ttf"))


def new_pdf() -> FPDF:
    """An A4 document with the fonts added. fpdf2 and matplotlib (whose DejaVu Sans it is) load on
    the first PDF, not in every process that only renders text: together they are most of the
    command line's start-up. (fpdf2 parses the fonts again for every document, most of its time;
    a parsed font cannot be shared, since writing a document subsets it in place.)"""
    import matplotlib
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for family, style, file in _PDF_FONTS:
        pdf.add_font(family, style, str(fonts / file))
    return pdf


def document_pdf(facts: DocumentFacts, subject: str, text: str) -> bytes:
    """An A4 page (or more) of the text part under the creditor's letterhead and the customer's
    address, in DejaVu Sans (matplotlib's copy: every Latin accent and currency sign). Dated by the
    document, not the clock, so the same facts give the same bytes."""
    pdf = new_pdf()
    pdf.set_creation_date(datetime(facts.today.year, facts.today.month, facts.today.day, tzinfo=UTC))
    pdf.set_title(subject)
    pdf.set_author(facts.creditor_name)
    pdf.set_lang(facts.language)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 6, facts.creditor_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in facts.creditor_address:
        pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 10.5)
    for line in (facts.customer_name, *address_lines(facts.address)):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, subject, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 10)
    for line in text.splitlines():
        if line.strip():
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(3)
    return bytes(pdf.output())


def sample_facts(kind: DocumentKind, language: str) -> DocumentFacts:
    """Facts with every field filled, every list non-empty: what loading renders each template with."""
    line = PromiseLine(date(2026, 12, 15), Decimal("125.50"), "open", 1)
    return DocumentFacts(
        kind=kind, language=language, today=date(2026, 12, 7),
        creditor_name="Acme Crédito Ltda.", creditor_address=("Rua das Flores 12", "São Paulo SP 01000-000"),
        account_id="ACC-1042", customer_name="Joana Conceição", email="joana@example.com",
        address=PostalAddress("Av. Paulista 1000", "Apto 5", "São Paulo", "SP", "01310-100", "Brasil"),
        currency="BRL", balance=Decimal("1250.00"), original_amount=Decimal("2000.00"),
        due_date=date(2026, 10, 1), days_past_due=67, aging="61-90",
        recent_payments=(PaymentLine(date(2026, 11, 20), Decimal("100.00")),),
        open_promises=(line, replace(line, due_date=date(2027, 1, 15), instalment=2)),
        promise=line, plan=(line, replace(line, due_date=date(2027, 1, 15), instalment=2)),
        settlement=SettlementTerms(Decimal("900.00"), date(2026, 12, 31)),
        payment_instructions="Bank transfer to 0001 / 12345-6, reference ACC-1042",
        payment_link="https://pay.example.com/ACC-1042", dispute_contact="disputes@example.com",
        validation_ends=date(2027, 1, 11),
        itemization=Itemization(date(2026, 6, 30), Decimal("1300.00"), Decimal("30.00"), Decimal("20.00"),
                                Decimal("100.00"), Decimal("0.00")),
    )  # fmt: skip
