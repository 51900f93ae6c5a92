"""`collect-bot import`: the row checks at their edges, then whole files through the command line
against a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import DataError

from bot.imports.desk import import_file
from bot.imports.model import ImportKind, ImportOptions, ItemResult, RowsRejectedError
from bot.imports.records import insert_rows
from bot.imports.rules import (
    COLUMNS,
    AccountRow,
    CsvFile,
    CsvFormatError,
    Record,
    RowError,
    check_accounts,
    check_agents,
    check_contacts,
    check_payments,
    parse_account,
    parse_agent,
    parse_contact,
    parse_payment,
    read_csv,
    resolved_status,
)
from bot.ledger.records.payments import DuplicatePaymentError, PaymentDetails, record_typed_payment
from bot.ledger.records.promises import record_promise
from bot.vocabulary import AccountStatus, Channel, Outcome, PaymentMethod, Role
from storage.database import Database
from storage.models import Account, Agent, AuditEntry, Base, Contact, Payment, Promise, table_of
from wiring.cli.main import main

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
ROSTER = frozenset({"U0AGENT1", "U0AGENT2"})
ACCOUNT = {
    "account_id": "ACC-1042",
    "customer_name": "Maria Silva",
    "balance": "1,250.00",
    "currency": "usd",
    "due_date": "2026-09-01",
}
PAYMENT = {"account_id": "acc-1042", "amount": "250", "received_at": "2026-11-20"}
CONTACT = {"account_id": "ACC-1042", "at": "2026-11-20T10:30", "channel": "call", "outcome": "rpc"}


def records(*rows: dict[str, str]) -> list[Record]:
    """Rows as they come out of a file: data starts on line 2."""
    return [Record(line, row) for line, row in enumerate(rows, start=2)]


def refused(parse: Callable[..., object], *args: object, **kwargs: object) -> RowError:
    with pytest.raises(RowError) as caught:
        parse(*args, **kwargs)
    return caught.value


# --- Reading the file ------------------------------------------------------------------------------


def test_a_byte_order_mark_and_spaced_header_are_read() -> None:
    text = "\ufeffAccount_ID , customer_name,balance,currency,due_date\r\nACC-1,Ana,10,USD,2026-01-01\r\n"
    csv_file = read_csv(io.StringIO(text, newline=""), ImportKind.ACCOUNTS)
    assert csv_file.records[0].cells["account_id"] == "ACC-1"
    assert "account_id" in csv_file.columns


@pytest.mark.parametrize(
    ("kind", "missing"),
    [(kind, column) for kind, columns in COLUMNS.items() for column in columns.required],
)
def test_a_header_without_a_required_column_is_one_clear_error(kind: ImportKind, missing: str) -> None:
    header = ",".join(column for column in COLUMNS[kind].required if column != missing)
    with pytest.raises(CsvFormatError, match=f"lacks the required column {missing}"):
        read_csv(io.StringIO(header + "\n"), kind)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(CsvFormatError, match="empty"):
        read_csv(io.StringIO(""), ImportKind.AGENTS)


def test_line_numbers_are_the_file_lines_even_across_quoted_line_breaks() -> None:
    text = (
        "account_id,at,channel,outcome,notes\n"
        'ACC-1,2026-11-20,call,rpc,"two\nlines"\n'
        "\n"
        ",,,,\n"
        "ACC-2,2026-11-20,call,rpc,\n"
    )
    csv_file = read_csv(io.StringIO(text, newline=""), ImportKind.CONTACTS)
    assert [record.line for record in csv_file.records] == [2, 6]
    assert csv_file.records[0].cells["notes"] == "two\nlines"


def test_a_row_with_more_cells_than_the_header_is_a_bad_row() -> None:
    text = "slack_user_id,name\nU0AGENT1,Ana,extra\n"
    checked = check_agents(read_csv(io.StringIO(text), ImportKind.AGENTS).records)
    assert [(bad.line, bad.reason) for bad in checked.bad] == [
        (2, "the row has 3 cells but the header has 2 columns")
    ]


def test_unknown_columns_are_named() -> None:
    csv_file = read_csv(io.StringIO("slack_user_id,name,shoe_size\n"), ImportKind.AGENTS)
    assert csv_file.unknown_columns == ("shoe_size",)


# --- Agents ----------------------------------------------------------------------------------------


def test_an_agent_row_with_every_column() -> None:
    row = parse_agent(
        {
            "slack_user_id": "u012ab3cd",
            "name": "Ana Agent",
            "role": "Supervisor",
            "daily_capacity": "30",
            "languages": "EN; pt",
            "timezone": "America/Sao_Paulo",
            "approval_limit": "5,000.00",
            "monthly_target": "25000",
            "locale": "pt_br",
        }
    )
    assert row.slack_user_id == "U012AB3CD"
    assert row.locale == "pt-BR"
    assert row.role == Role.SUPERVISOR
    assert row.languages == "en;pt"
    assert (row.daily_capacity, row.timezone) == (30, "America/Sao_Paulo")
    assert (row.approval_limit, row.monthly_target) == (Decimal("5000.00"), Decimal("25000"))


def test_an_agent_needs_only_an_id_and_a_name() -> None:
    row = parse_agent({"slack_user_id": "W0ABC", "name": "Bo"})
    assert (row.role, row.languages, row.daily_capacity, row.timezone) == (Role.AGENT, "", None, None)
    assert row.locale is None  # Slack's language, else the team's


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"slack_user_id": "", "name": "Ana"}, "slack_user_id"),
        ({"slack_user_id": "U0AGENT1", "name": ""}, "name"),
        ({"slack_user_id": "ana@example.com", "name": "Ana"}, "slack_user_id"),
        ({"slack_user_id": "C0CHANNEL", "name": "Ana"}, "slack_user_id"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "role": "boss"}, "role"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "timezone": "Mars/Olympus"}, "timezone"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "timezone": "../../etc/passwd"}, "timezone"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "daily_capacity": "-1"}, "daily_capacity"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "daily_capacity": "2.5"}, "daily_capacity"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "daily_capacity": "9" * 5000}, "daily_capacity"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "languages": "english!"}, "languages"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "approval_limit": "lots"}, "approval_limit"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "monthly_target": "-100"}, "monthly_target"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "locale": "fr"}, "locale"),
        ({"slack_user_id": "U0AGENT1", "name": "Ana", "locale": "pt"}, "locale"),
    ],
)
def test_bad_agent_cells_are_refused_naming_the_column(cells: dict[str, str], column: str) -> None:
    assert refused(parse_agent, cells).column == column


def test_the_same_agent_twice_in_a_file_is_a_bad_row() -> None:
    checked = check_agents(
        records({"slack_user_id": "U0AGENT1", "name": "A"}, {"slack_user_id": "u0agent1", "name": "B"})
    )
    assert [bad.line for bad in checked.bad] == [3]
    assert "line 2" in checked.bad[0].reason


# --- Accounts --------------------------------------------------------------------------------------


def test_an_account_row_is_typed() -> None:
    row = parse_account(
        {
            **ACCOUNT,
            "phone": "+1 (555) 010-0100",
            "email": "maria@example.com",
            "language": "PT-BR",
            "assigned_to": "u0agent1",
        },
        ROSTER,
        today=TODAY,
    )
    assert (row.account_id, row.key, row.currency) == ("ACC-1042", "acc-1042", "USD")
    assert row.balance == Decimal("1250.00")
    assert row.due_date == date(2026, 9, 1)
    assert (row.language, row.assigned_to, row.status) == ("pt-br", "U0AGENT1", None)


def test_a_balance_is_read_in_the_rows_currency() -> None:
    row = parse_account({**ACCOUNT, "balance": "R$ 1.250,00", "currency": "BRL"}, ROSTER, today=TODAY)
    assert row.balance == Decimal("1250.00")


@pytest.mark.parametrize("column", COLUMNS[ImportKind.ACCOUNTS].required)
def test_each_required_account_cell_must_be_filled(column: str) -> None:
    error = refused(parse_account, {**ACCOUNT, column: ""}, ROSTER, today=TODAY)
    assert (error.column, error.reason) == (column, "is empty, and it is required")


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"balance": "12,34,5"}, "balance", "grouped oddly"),
        ({"balance": "ten"}, "balance", "not an amount"),
        ({"balance": "12.345"}, "balance", "more decimals"),
        ({"balance": "€40"}, "balance", "not in USD"),
        ({"balance": "-5.00"}, "balance", "negative"),
        ({"balance": "\u22125.00"}, "balance", "negative"),
        ({"currency": "US"}, "currency", "3-letter"),
        ({"currency": "US$"}, "currency", "3-letter"),
        ({"due_date": "01/09/2026"}, "due_date", "not a date"),
        ({"due_date": "2026-02-30"}, "due_date", "not a day on the calendar"),
        ({"account_id": "ACC 1042"}, "account_id", "spaces"),
        ({"account_id": "A" * 65}, "account_id", "longer than 64"),
        ({"customer_name": "x" * 301}, "customer_name", "at most 300"),
        ({"status": "closed"}, "status", "not a status"),
        ({"status": "paid"}, "status", "a paid account owes nothing"),
        ({"assigned_to": "U0STRANGER"}, "assigned_to", "import agents first"),
        ({"assigned_to": "@ana"}, "assigned_to", "not a Slack user id"),
        ({"customer_timezone": "EST5EDT6"}, "customer_timezone", "IANA"),
        ({"email": "maria at example.com"}, "email", "not an email"),
        ({"phone": "call me"}, "phone", "not a phone"),
        ({"original_amount": "0"}, "original_amount", "zero"),
        ({"last_payment_date": "yesterday"}, "last_payment_date", "not a date"),
        ({"risk_score": "9" * 5000}, "risk_score", "not a score from 0 to 100"),
        ({"risk_score": "١٢"}, "risk_score", "not a score from 0 to 100"),
        (
            {"product": "Personal Loan"},
            "product",
            "`Personal Loan` is not a product code (lower case letters, "
            "digits and hyphens, at most 40 characters): write personal-loan",
        ),
        ({"product": "Cartão"}, "product", "write cartao"),
        ({"product": "card_gold"}, "product", "write card-gold"),
        ({"product": "-card"}, "product", "write card"),
        ({"product": "x" * 41}, "product", "write " + "x" * 40),
        ({"product": "¿?"}, "product", "write a code like card or personal-loan"),
    ],
)
def test_bad_account_cells_are_refused_with_a_reason(
    changes: dict[str, str], column: str, words: str
) -> None:
    error = refused(parse_account, {**ACCOUNT, **changes}, ROSTER, today=TODAY)
    assert error.column == column
    assert words in error.reason


@pytest.mark.parametrize(
    ("text", "product"), [("card", "card"), ("personal-loan", "personal-loan"), ("x" * 40, "x" * 40),
                          ("auto2", "auto2"), (" card ", "card"), ("", None)],
)  # fmt: skip
def test_a_product_is_a_short_lower_case_code(text: str, product: str | None) -> None:
    assert parse_account({**ACCOUNT, "product": text}, ROSTER, today=TODAY).product == product
    assert parse_account(ACCOUNT, ROSTER, today=TODAY).product is None


@pytest.mark.parametrize("balance", ["0", "0.00", "$0", "0,00"])
def test_a_zero_balance_is_allowed(balance: str) -> None:
    row = parse_account({**ACCOUNT, "balance": balance}, ROSTER, today=TODAY)
    assert row.balance == Decimal("0.00")
    assert resolved_status(None, row) == AccountStatus.PAID


def test_status_aliases_and_case_are_accepted() -> None:
    assert (
        parse_account({**ACCOUNT, "status": "On-Hold"}, ROSTER, today=TODAY).status == AccountStatus.ON_HOLD
    )
    assert (
        parse_account({**ACCOUNT, "status": "written off"}, ROSTER, today=TODAY).status
        == AccountStatus.WRITTEN_OFF
    )


def _row(balance: str, status: str = "") -> AccountRow:
    return parse_account({**ACCOUNT, "balance": balance, "status": status}, ROSTER, today=TODAY)


@pytest.mark.parametrize(
    ("current", "balance", "status", "expected"),
    [
        (None, "10", "", "active"),
        (None, "0", "", "paid"),
        (None, "10", "legal", "legal"),
        ("promised", "10", "", "promised"),  # the bot's own state survives a re-import
        ("on_hold", "0", "", "paid"),
        ("paid", "10", "", "active"),  # the billing system reopened it
        ("settled", "0", "", "settled"),
        ("promised", "10", "active", "active"),  # a status in the file wins
    ],
)
def test_resolved_status(current: str | None, balance: str, status: str, expected: str) -> None:
    assert resolved_status(current, _row(balance, status)) == expected


def test_the_same_account_twice_in_a_file_is_a_bad_row_whatever_the_case() -> None:
    checked = check_accounts(
        records(ACCOUNT, {**ACCOUNT, "account_id": "acc-1042"}, {**ACCOUNT, "account_id": "ACC-7"}),
        roster=ROSTER,
        currencies={},
        today=TODAY,
    )
    assert [line for line, _row in checked.rows] == [2, 4]
    assert [(bad.line, bad.reason) for bad in checked.bad] == [
        (3, "account_id: `acc-1042` is already on line 2 of this file")
    ]


def test_an_accounts_currency_cannot_change() -> None:
    checked = check_accounts(records(ACCOUNT), roster=ROSTER, currencies={"acc-1042": "EUR"}, today=TODAY)
    assert "recorded in EUR" in checked.bad[0].reason


# --- Payments --------------------------------------------------------------------------------------

CURRENCIES = {"acc-1042": "USD", "acc-2001": "BRL"}


def test_a_payment_row_takes_its_accounts_currency_and_the_teams_zone() -> None:
    row = parse_payment({**PAYMENT, "method": "Cheque", "reference": "CHK-77"}, CURRENCIES, NEW_YORK, now=NOW)
    assert (row.amount, row.currency, row.method, row.reference) == (
        Decimal("250.00"),
        "USD",
        PaymentMethod.CHECK,
        "CHK-77",
    )
    assert row.received_at == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # midnight in New York


def test_a_naive_payment_time_is_in_the_teams_zone_and_an_offset_is_kept() -> None:
    naive = parse_payment({**PAYMENT, "received_at": "2026-11-20T14:30:00"}, CURRENCIES, NEW_YORK, now=NOW)
    offset = parse_payment({**PAYMENT, "received_at": "2026-11-20T14:30:00Z"}, CURRENCIES, NEW_YORK, now=NOW)
    assert naive.received_at == datetime(2026, 11, 20, 19, 30, tzinfo=UTC)
    assert offset.received_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"account_id": "ACC-404"}, "account_id", "no account `ACC-404`"),
        ({"currency": "EUR"}, "currency", "is EUR but account `acc-1042` is in USD"),
        ({"currency": "dollars"}, "currency", "3-letter"),
        ({"amount": "R$ 250,00"}, "amount", "not in USD"),
        ({"amount": "0"}, "amount", "zero"),
        ({"amount": "-5"}, "amount", "negative"),
        ({"received_at": "20/11/2026"}, "received_at", "not a date"),
        ({"method": "bitcoin"}, "method", "not a payment method"),
        ({"reference": "R" * 101}, "reference", "at most 100"),
        ({"reference": "\u200b\u00ad"}, "reference", "nothing visible"),
        ({"reference": "\ufdfa" * 30}, "reference", "too long once"),
        ({"amount": "100000000000000"}, "amount", "too large: the largest amount"),
    ],
)
def test_bad_payment_cells_are_refused(changes: dict[str, str], column: str, words: str) -> None:
    error = refused(parse_payment, {**PAYMENT, **changes}, CURRENCIES, NEW_YORK, now=NOW)
    assert error.column == column
    assert words in error.reason


@pytest.mark.parametrize("column", COLUMNS[ImportKind.PAYMENTS].required)
def test_each_required_payment_cell_must_be_filled(column: str) -> None:
    assert refused(parse_payment, {**PAYMENT, column: ""}, CURRENCIES, NEW_YORK, now=NOW).column == column


def test_identical_payments_without_reference_get_distinct_stable_fingerprints() -> None:
    file_rows = records(PAYMENT, PAYMENT, {**PAYMENT, "reference": "R1"}, {**PAYMENT, "payer": "Ana"})
    first = check_payments(file_rows, currencies=CURRENCIES, zone=NEW_YORK, now=NOW)
    again = check_payments(file_rows, currencies=CURRENCIES, zone=NEW_YORK, now=NOW)
    keys = [row.dedupe_key for _line, row in first.rows]
    assert keys == [row.dedupe_key for _line, row in again.rows]
    assert keys[2] is None  # the reference identifies it
    assert len({keys[0], keys[1], keys[3]}) == 3
    assert all(key is not None and len(key) == 64 for key in (keys[0], keys[1], keys[3]))


# --- Contacts --------------------------------------------------------------------------------------


def test_contact_aliases_are_read() -> None:
    row = parse_contact(
        {**CONTACT, "channel": "Phone", "outcome": "VM", "agent": "u0agent1"}, {"acc-1042"}, NEW_YORK, now=NOW
    )
    assert (row.channel, row.outcome, row.agent) == (Channel.CALL, Outcome.LEFT_MESSAGE, "U0AGENT1")
    assert row.at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"account_id": "ACC-404"}, "account_id"),
        ({"channel": "pigeon"}, "channel"),
        ({"outcome": "maybe"}, "outcome"),
        ({"at": "last tuesday"}, "at"),
        ({"agent": "Ana"}, "agent"),
        ({"notes": "x" * 2001}, "notes"),
        ({"at": ""}, "at"),
    ],
)
def test_bad_contact_cells_are_refused(changes: dict[str, str], column: str) -> None:
    assert refused(parse_contact, {**CONTACT, **changes}, {"acc-1042"}, NEW_YORK, now=NOW).column == column


def test_identical_contacts_in_a_file_are_kept_apart() -> None:
    checked = check_contacts(records(CONTACT, CONTACT), accounts={"acc-1042"}, zone=NEW_YORK, now=NOW)
    first, second = (row.dedupe_key for _line, row in checked.rows)
    assert first != second


# --- Whole files through `collect-bot import` ------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str


class Cli(Protocol):
    def __call__(self, kind: str, text: str, *options: str) -> Run: ...


@pytest.fixture
def cli(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """`collect-bot import KIND TEXT [options]` on a file written from TEXT, in a team in New York."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLLECT_TIMEZONE", "America/New_York")
    files = iter(range(1000))

    def run(kind: str, text: str, *options: str) -> Run:
        path = tmp_path / f"{kind}-{next(files)}.csv"
        path.write_text(text, encoding="utf-8")
        capsys.readouterr()
        code = main(["import", kind, str(path), *options])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def ledger(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def count(db: Database, model: type[Base], *where: ColumnElement[bool]) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def account(db: Database, account_id: str) -> Account:
    with db.reading() as session:
        return session.scalars(select(Account).where(Account.account_id == account_id)).one()


TEAM = "slack_user_id,name,role,languages\nU0AGENT1,Ana Agent,agent,en;pt\nU0SUPER1,Sam Boss,supervisor,en\n"
PORTFOLIO = (
    "account_id,customer_name,balance,currency,due_date,assigned_to,phone\n"
    'ACC-1042,Maria Silva,"1,250.00",USD,2026-09-01,U0AGENT1,+1 555 0100\n'
    'ACC-2001,Pedro Álvares,"R$ 4.310,00",BRL,2026-10-15,,\n'
    "EU-77,Jean Dupont,40,EUR,2026-11-01,U0SUPER1,\n"
)


def test_agents_then_accounts_import_and_audit(cli: Cli, ledger: Database) -> None:
    assert cli("agents", TEAM).code == 0
    result = cli("accounts", PORTFOLIO)
    assert result.code == 0
    assert result.out.strip() == "accounts: 3 created, 0 updated, 0 unchanged, 0 skipped-duplicate, 0 invalid"
    maria = account(ledger, "ACC-1042")
    assert (maria.balance, maria.currency, maria.status, maria.assigned_to) == (
        Decimal("1250"),
        "USD",
        "active",
        "U0AGENT1",
    )
    assert maria.created_at.tzinfo is not None
    assert account(ledger, "ACC-2001").balance == Decimal("4310")
    assert (
        count(ledger, AuditEntry, AuditEntry.action == "import.created", AuditEntry.entity == "account") == 3
    )
    assert count(ledger, AuditEntry, AuditEntry.action == "import.created", AuditEntry.entity == "agent") == 2


def test_a_nul_character_in_a_cell_is_dropped_because_postgresql_cannot_keep_it(
    cli: Cli, ledger: Database
) -> None:
    cli("agents", TEAM)
    assert cli("accounts", PORTFOLIO.replace("Maria Silva", "Maria\x00 Silva")).code == 0
    assert account(ledger, "ACC-1042").customer_name == "Maria Silva"


def test_reimporting_the_same_files_changes_nothing(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    audit_rows = count(ledger, AuditEntry)
    before = account(ledger, "ACC-1042").updated_at
    assert "0 created, 0 updated, 2 unchanged" in cli("agents", TEAM).out
    assert "0 created, 0 updated, 3 unchanged" in cli("accounts", PORTFOLIO).out
    assert count(ledger, AuditEntry) == audit_rows
    assert account(ledger, "ACC-1042").updated_at == before


def test_a_changed_row_updates_the_account_audits_it_and_keeps_its_history(
    cli: Cli, ledger: Database
) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    cli("payments", "account_id,amount,received_at,reference\nACC-1042,50,2026-11-20,R1\n")
    changed = PORTFOLIO.replace('"1,250.00",USD,2026-09-01', '"1,100.00",USD,2026-08-01')
    result = cli("accounts", changed)
    assert "0 created, 1 updated, 2 unchanged" in result.out
    maria = account(ledger, "ACC-1042")
    assert (maria.balance, maria.due_date) == (Decimal("1100"), date(2026, 8, 1))
    assert count(ledger, Payment) == 1
    with ledger.reading() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import.updated")).one()
    assert (entry.entity, entry.entity_key, entry.actor) == ("account", "ACC-1042", "import")
    assert entry.after == {"balance": "1100.00", "due_date": "2026-08-01"}
    assert entry.before is not None and set(entry.before) == {"balance", "due_date"}
    assert Decimal(entry.before["balance"]) == Decimal("1200")


def test_columns_left_out_keep_their_values_and_the_bots_status_survives(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    with ledger.transaction() as session:
        record_promise(
            session,
            "ACC-1042",
            "100",
            "2026-12-01",
            actor="U0AGENT1",
            now=datetime(2026, 11, 23, tzinfo=UTC),
            today=date(2026, 11, 23),
        )
    slim = "account_id,customer_name,balance,currency,due_date\nACC-1042,Maria Silva,1250,USD,2026-09-01\n"
    assert "1 unchanged" in cli("accounts", slim).out
    maria = account(ledger, "ACC-1042")
    assert (maria.status, maria.phone, maria.assigned_to) == ("promised", "+1 555 0100", "U0AGENT1")
    roster_only = "slack_user_id,name\nU0SUPER1,Sam Boss\n"
    assert "1 unchanged" in cli("agents", roster_only).out
    with ledger.reading() as session:
        assert (
            session.scalars(select(Agent.role).where(Agent.slack_user_id == "U0SUPER1")).one() == "supervisor"
        )


def test_a_status_in_the_file_is_stored_by_its_value(cli: Cli, ledger: Database) -> None:
    text = (
        "account_id,customer_name,balance,currency,due_date,status\nACC-1,Ana,10,USD,2026-01-01,Written-Off\n"
    )
    assert "1 created" in cli("accounts", text).out
    assert account(ledger, "ACC-1").status == "written_off"
    assert "1 unchanged" in cli("accounts", text).out


def test_an_agent_row_that_changes_updates_the_roster(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    result = cli("agents", TEAM.replace("U0AGENT1,Ana Agent,agent", "U0AGENT1,Ana Agent,supervisor"))
    assert "0 created, 1 updated, 1 unchanged" in result.out
    with ledger.reading() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import.updated")).one()
    assert (entry.entity, entry.entity_key, entry.before, entry.after) == (
        "agent",
        "U0AGENT1",
        {"role": "agent"},
        {"role": "supervisor"},
    )


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_line(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    text = (
        PORTFOLIO
        + "ACC-9,Bad Balance,-5,USD,2026-09-01,,\nACC-10,Bad Date,5,USD,someday,,\nacc-1042,Twice,1,USD,2026-09-01,,\n"
    )
    result = cli("accounts", text)
    assert result.code == 1
    assert count(ledger, Account) == 0
    assert count(ledger, AuditEntry, AuditEntry.entity == "account") == 0
    lines = [line for line in result.err.splitlines() if ".csv:" in line]
    assert [line.split(".csv:")[1].split(":")[0] for line in lines] == ["5", "6", "7"]
    assert "balance:" in lines[0] and "negative" in lines[0]
    assert "due_date:" in lines[1]
    assert "already on line 2" in lines[2]
    assert "nothing imported: 3 rows are invalid" in result.err
    assert result.out.strip() == "accounts: 0 created, 0 updated, 0 unchanged, 0 skipped-duplicate, 3 invalid"
    assert "--skip-invalid" in result.err


def test_skip_invalid_imports_the_good_rows_and_lists_the_bad(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    result = cli("accounts", PORTFOLIO + "ACC-9,Nobody,5,USD,2026-09-01,U0GHOST,\n", "--skip-invalid")
    assert result.code == 0
    assert "3 created, 0 updated, 0 unchanged, 0 skipped-duplicate, 1 invalid" in result.out
    assert (
        ".csv:5: assigned_to: U0GHOST is not an active member who works accounts: import agents first"
        in result.err
    )
    assert count(ledger, Account) == 3


def test_missing_columns_or_file_is_exit_code_2_and_nothing_is_imported(
    cli: Cli, ledger: Database, tmp_path: Path
) -> None:
    result = cli("accounts", "account_id,customer_name,balance\nACC-1,Ana,5\n")
    assert result.code == 2
    assert "lacks the required columns currency, due_date" in result.err
    assert main(["import", "accounts", str(tmp_path / "nowhere.csv")]) == 2
    assert count(ledger, Account) == 0


def test_a_file_that_is_not_utf8_is_refused(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("slack_user_id,name\nU0AGENT1,Jo\u00e3o\n".encode("latin-1"))
    assert main(["import", "agents", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_standard_input_is_read_with_a_dash(
    cli: Cli, ledger: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(("\ufeff" + TEAM).encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["import", "agents", "-"]) == 0
    assert count(ledger, Agent) == 2


def test_payments_lower_balances_keep_promises_and_close_paid_accounts(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    with ledger.transaction() as session:
        record_promise(
            session,
            "EU-77",
            "40",
            "2026-11-25",
            actor="U0SUPER1",  # EU-77 is the supervisor's
            now=datetime(2026, 11, 23, tzinfo=UTC),
            today=date(2026, 11, 23),
        )
    feed = (
        "account_id,amount,received_at,currency,method,reference,payer\n"
        "acc-1042,250.00,2026-11-24T09:15,USD,card,TX-1,Maria Silva\n"
        "EU-77,€40,2026-11-24,,transfer,,\n"
        'ACC-2001,"R$ 310,00",2026-11-24,BRL,pix,PIX-9,\n'
    )
    result = cli("payments", feed)
    assert result.code == 0, result.err
    assert "3 created, 0 updated, 0 unchanged, 0 skipped-duplicate, 0 invalid" in result.out
    assert account(ledger, "ACC-1042").balance == Decimal("1000")
    assert account(ledger, "ACC-2001").balance == Decimal("4000")
    jean = account(ledger, "EU-77")
    assert (jean.balance, jean.status, jean.last_payment_amount) == (Decimal("0"), "paid", Decimal("40"))
    with ledger.reading() as session:
        assert session.scalars(select(Promise.status)).one() == "kept"
        payment = session.scalars(select(Payment).where(Payment.reference == "TX-1")).one()
    assert (payment.source, payment.recorded_by, payment.method) == ("import", "import", "card")
    assert payment.received_at == datetime(2026, 11, 24, 14, 15, tzinfo=UTC)
    assert count(ledger, AuditEntry, AuditEntry.action == "payment.recorded") == 3


def test_a_reference_already_recorded_is_skipped_and_counted(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    cli("payments", "account_id,amount,received_at,reference\nACC-1042,100,2026-11-20,TX-1\n")
    result = cli(
        "payments",
        "account_id,amount,received_at,reference\nACC-1042,100,2026-11-20,TX-1\nACC-1042,5,2026-11-21,TX-2\n",
    )
    assert result.code == 0
    assert "1 created, 0 updated, 0 unchanged, 1 skipped-duplicate, 0 invalid" in result.out
    assert account(ledger, "ACC-1042").balance == Decimal("1145")


def test_the_same_reference_twice_in_one_feed_is_recorded_once(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    feed = "account_id,amount,received_at,reference\nACC-1042,100,2026-11-20,TX-1\nacc-1042,100,2026-11-20,TX-1\n"
    assert "1 created, 0 updated, 0 unchanged, 1 skipped-duplicate" in cli("payments", feed).out
    assert account(ledger, "ACC-1042").balance == Decimal("1150")


def test_an_overpayment_from_the_feed_is_recorded_and_leaves_a_credit(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    assert "1 created" in cli("payments", "account_id,amount,received_at\nEU-77,50,2026-11-20\n").out
    jean = account(ledger, "EU-77")
    assert (jean.balance, jean.status) == (Decimal("-10"), "paid")


def test_payments_without_reference_are_idempotent_and_identical_rows_are_two_payments(
    cli: Cli, ledger: Database
) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    feed = "account_id,amount,received_at\nACC-1042,50,2026-11-20\nACC-1042,50,2026-11-20\n"
    assert "2 created" in cli("payments", feed).out
    audit_rows = count(ledger, AuditEntry)
    again = cli("payments", feed)
    assert "0 created, 0 updated, 0 unchanged, 2 skipped-duplicate" in again.out
    assert count(ledger, Payment) == 2
    assert count(ledger, AuditEntry) == audit_rows
    assert account(ledger, "ACC-1042").balance == Decimal("1150")
    # The feed grows by a third identical payment: only that one is new.
    assert (
        "1 created, 0 updated, 0 unchanged, 2 skipped-duplicate"
        in cli("payments", feed + "ACC-1042,50,2026-11-20\n").out
    )


def test_unknown_accounts_and_wrong_currencies_are_bad_rows(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    feed = "account_id,amount,received_at,currency\nACC-404,10,2026-11-20,\nACC-1042,10,2026-11-20,EUR\nACC-1042,10,2026-11-20,\n"
    result = cli("payments", feed)
    assert result.code == 1
    assert ".csv:2: account_id: there is no account `ACC-404`" in result.err
    assert ".csv:3: currency: is EUR but account `ACC-1042` is in USD" in result.err
    assert count(ledger, Payment) == 0
    assert account(ledger, "ACC-1042").balance == Decimal("1250")
    assert "1 created" in cli("payments", feed, "--skip-invalid").out


def test_contacts_import_once_with_one_audit_row(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    history = (
        "account_id,at,channel,outcome,agent,notes\n"
        "ACC-1042,2026-11-20T10:00,phone,rpc,U0AGENT1,Promised Friday\n"
        "ACC-1042,2026-11-20T10:00,phone,rpc,U0AGENT1,Promised Friday\n"
        "eu-77,2026-11-21,email,no-answer,,\n"
    )
    assert "3 created" in cli("contacts", history).out
    assert "0 created, 0 updated, 0 unchanged, 3 skipped-duplicate" in cli("contacts", history).out
    assert count(ledger, Contact) == 3
    assert count(ledger, Contact, Contact.channel == "call", Contact.outcome == "right-party") == 2
    with ledger.reading() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import.contacts")).one()
    assert entry.after == {"count": 3}
    result = cli("contacts", history + "ACC-404,2026-11-21,email,no-answer,,\n")
    assert (result.code, count(ledger, Contact)) == (1, 3)


def test_the_loader_rolls_back_a_file_with_bad_rows(ledger: Database) -> None:
    text = "slack_user_id,name\nU0AGENT1,Ana\nnot-an-id,Bob\n"
    csv_file: CsvFile = read_csv(io.StringIO(text), ImportKind.AGENTS)
    options = ImportOptions(now=datetime(2026, 11, 23, tzinfo=UTC), zone=NEW_YORK, grace_days=1)
    with pytest.raises(RowsRejectedError) as rejected:
        import_file(ledger, csv_file, options)
    assert [bad.line for bad in rejected.value.bad_rows] == [3]
    assert count(ledger, Agent) == 0
    summary = import_file(ledger, csv_file, replace(options, skip_invalid=True))
    assert (summary.created, summary.invalid) == (1, 1)
    assert count(ledger, Agent) == 1


def test_imported_history_keeps_the_accounts_last_contact_facts(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    history = (
        "account_id,at,channel,outcome,agent,notes\n"
        "ACC-1042,2026-11-10T10:00,call,rpc,U0AGENT1,\n"
        "ACC-1042,2026-11-20T16:00,call,callback,U0AGENT1,friday after lunch\n"
    )
    assert cli("contacts", history).code == 0
    maria = account(ledger, "ACC-1042")
    assert maria.last_contact_at == datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    assert maria.last_conversation_at == datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    assert maria.callback_on == date(2026, 11, 27)  # the Friday after the call
    assert account(ledger, "EU-77").last_contact_at is None
    far = "account_id,at,channel,outcome,notes\nACC-1042,2026-11-21T10:00,call,callback,9999-12-31 then\n"
    refused = cli("contacts", far)
    assert refused.code == 1 and ".csv:2: notes: The callback date 9999-12-31" in refused.err
    assert account(ledger, "ACC-1042").callback_on == date(2026, 11, 27)


def test_tier_and_risk_score_columns(cli: Cli, ledger: Database) -> None:
    assert cli("agents", "slack_user_id,name,tier\nU0AGENT1,Ana,Senior\n").code == 0
    portfolio = "account_id,customer_name,balance,currency,due_date,risk_score\nA-1,X,10,USD,2026-11-01,82\n"
    assert cli("accounts", portfolio).code == 0
    assert account(ledger, "A-1").risk_score == 82
    with ledger.reading() as session:
        assert session.scalars(select(Agent.tier)).one() == "senior"
    bad = cli("accounts", portfolio.replace(",82", ",101"))
    assert bad.code == 1 and "risk_score" in bad.err


def test_the_product_column_is_optional_and_a_bad_one_refuses_its_row(cli: Cli, ledger: Database) -> None:
    header = "account_id,customer_name,balance,currency,due_date"
    assert (
        cli("accounts", f"{header},product\nA-1,X,10,USD,2026-11-01,card\nA-2,Y,20,USD,2026-11-01,\n").code
        == 0
    )
    assert (account(ledger, "A-1").product, account(ledger, "A-2").product) == ("card", None)
    # A file without the column leaves the recorded product alone.
    assert cli("accounts", f"{header}\nA-1,X,11,USD,2026-11-01\n").code == 0
    assert account(ledger, "A-1").product == "card" and account(ledger, "A-1").balance == Decimal("11.00")
    bad = cli(
        "accounts", f"{header},product\nA-1,X,11,USD,2026-11-01,auto\nA-3,Z,5,USD,2026-11-01,Auto Loan\n"
    )
    assert bad.code == 1
    assert ".csv:3: product: `Auto Loan` is not a product code" in bad.err and "write auto-loan" in bad.err
    assert account(ledger, "A-1").product == "card"  # nothing imported
    skipped = cli("accounts", f"{header},product\nA-1,X,11,USD,2026-11-01,auto\nA-3,Z,5,USD,2026-11-01,Auto Loan\n",
                  "--skip-invalid")  # fmt: skip
    assert skipped.code == 0 and account(ledger, "A-1").product == "auto"
    assert count(ledger, Account, Account.account_id == "A-3") == 0
    # Present but empty: cleared, like any optional column; the change is audited.
    assert cli("accounts", f"{header},product\nA-1,X,11,USD,2026-11-01,\n").code == 0
    assert account(ledger, "A-1").product is None
    with ledger.reading() as session:
        changes = session.scalars(
            select(AuditEntry.after).where(
                AuditEntry.action == "import.updated", AuditEntry.entity_key == "A-1"
            )
        ).all()
    assert changes[-2:] == [{"product": "auto"}, {"product": None}]


def test_accounts_are_not_given_to_someone_removed_from_the_roster(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    with ledger.transaction() as session:
        session.execute(update(Agent).where(Agent.slack_user_id == "U0AGENT1").values(active=False))
    result = cli("accounts", PORTFOLIO)
    assert result.code == 1
    assert ".csv:2: assigned_to: U0AGENT1 is not an active member who works accounts" in result.err
    assert count(ledger, Account) == 0


# --- Dates within their bounds ---------------------------------------------------------------------


def test_imported_dates_beyond_their_bounds_are_bad_rows_with_their_line(cli: Cli, ledger: Database) -> None:
    cli("agents", TEAM)
    accounts = cli(
        "accounts",
        "account_id,customer_name,balance,currency,due_date,last_payment_date\n"
        "ACC-1,Ana,10,USD,2026-09-01,2026-10-01\n"
        "ACC-2,Bo,10,USD,9999-12-31,\n"
        "ACC-3,Cy,10,USD,1899-12-31,\n"
        "ACC-4,Di,10,USD,2026-09-01,2999-01-01\n"
        "ACC-5,Ed,10,USD,0001-01-01,\n",
    )
    assert accounts.code == 1 and count(ledger, Account) == 0
    lines = [line for line in accounts.err.splitlines() if ".csv:" in line]
    assert [line.split(".csv:")[1].split(":")[0] for line in lines] == ["3", "4", "5", "6"]
    assert (
        "due_date: The due date 9999-12-31 is after" in lines[0]
        and "Write a date from 1900-01-01" in lines[0]
    )
    assert "before 1900-01-01" in lines[1] and "last_payment_date" in lines[2] and "before 1900" in lines[3]
    assert cli("accounts", PORTFOLIO).code == 0
    payments = cli(
        "payments",
        "account_id,amount,received_at\nACC-1042,5,2026-11-20\nACC-1042,5,9999-12-31\nACC-1042,5,1800-01-01\n",
    )
    assert payments.code == 1 and count(ledger, Payment) == 0
    lines = [line for line in payments.err.splitlines() if ".csv:" in line]
    assert [line.split(".csv:")[1].split(":")[0] for line in lines] == ["3", "4"]
    assert "received_at:" in lines[0] and "in the future" in lines[0] and "before 1900" in lines[1]
    contacts = cli(
        "contacts",
        "account_id,at,channel,outcome\nACC-1042,2026-11-20T10:30,call,rpc\nACC-1042,2999-01-01T10:00,call,rpc\n",
    )
    assert contacts.code == 1 and count(ledger, Contact) == 0
    assert "csv:3: at:" in contacts.err and "in the future" in contacts.err


def test_a_payment_dated_tomorrow_is_taken_but_not_later() -> None:
    tomorrow = {**PAYMENT, "received_at": "2026-11-24T09:00"}
    assert parse_payment(tomorrow, CURRENCIES, NEW_YORK, now=NOW).received_at.day == 24
    later = refused(
        parse_payment, {**PAYMENT, "received_at": "2026-11-25T12:00"}, CURRENCIES, NEW_YORK, now=NOW
    )
    assert later.column == "received_at"


def test_a_feed_reference_written_another_way_than_the_typed_one_is_a_duplicate(
    cli: Cli, ledger: Database
) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    details = PaymentDetails(
        method=None, reference="bank-991", payer=None, received_at=datetime(2026, 11, 20, tzinfo=UTC),
        actor="U0AGENT1",
    )  # fmt: skip
    with ledger.transaction() as session:
        record_typed_payment(
            session, "ACC-1042", "100", details, now=datetime(2026, 11, 20, tzinfo=UTC), zone=NEW_YORK,
            grace_days=1,
        )  # fmt: skip
    feed = (
        "account_id,amount,received_at,reference\n"
        "ACC-1042,100,2026-11-20,BANK-991\n"
        "ACC-1042,7,2026-11-21,TX\u20137\n"
        "ACC-1042,7,2026-11-21,\ufefftx-7\n"
    )
    result = cli("payments", feed)
    assert result.code == 0, result.err
    assert "1 created, 0 updated, 0 unchanged, 2 skipped-duplicate, 0 invalid" in result.out
    assert account(ledger, "ACC-1042").balance == Decimal("1143")
    with ledger.reading() as session:
        assert sorted(str(r) for r in session.scalars(select(Payment.reference))) == ["TX\u20137", "bank-991"]
    # And the other way round: the feed's payment typed again is refused, naming the feed's.
    typed_again = replace(details, reference="tx-7")
    with pytest.raises(DuplicatePaymentError) as refused, ledger.transaction() as session:
        record_typed_payment(
            session, "ACC-1042", "7", typed_again, now=datetime(2026, 11, 22, tzinfo=UTC), zone=NEW_YORK,
            grace_days=1,
        )  # fmt: skip
    assert "`TX\u20137`" in refused.value.problem and "the payment feed" in refused.value.problem


def test_an_imported_refusal_or_dispute_is_the_accounts_last_conversation(cli: Cli, ledger: Database) -> None:
    """A right-party contact is any conversation with the debtor: a refusal and a dispute too, so the
    alerts' "no conversation" and the worklist's score read the same thing as the RPC rate."""
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    history = (
        "account_id,at,channel,outcome,agent,notes\n"
        "ACC-1042,2026-11-10T10:00,call,rpc,U0AGENT1,\n"
        "ACC-1042,2026-11-16T10:00,call,refusal,U0AGENT1,\n"
        "ACC-1042,2026-11-18T10:00,call,no-answer,U0AGENT1,\n"
        "EU-77,2026-11-17T10:00,call,disputed,U0AGENT1,\n"
    )
    assert cli("contacts", history).code == 0
    assert account(ledger, "ACC-1042").last_conversation_at == datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    assert account(ledger, "EU-77").last_conversation_at == datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


def test_an_accounts_file_reports_each_rows_outcome_and_audits_under_the_actor_it_is_given(
    cli: Cli, ledger: Database
) -> None:
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    text = (
        "account_id,customer_name,balance,currency,due_date\n"
        "NEW-1,Nova,10,USD,2026-11-01\n"
        'ACC-1042,Maria Silva,"1,000.00",USD,2026-09-01\n'
        "EU-77,Jean Dupont,40,EUR,2026-11-01\n"
        "BAD-1,Bad,-1,USD,2026-11-01\n"
    )
    options = ImportOptions(
        now=datetime(2026, 11, 23, tzinfo=UTC),
        zone=NEW_YORK,
        grace_days=1,
        skip_invalid=True,
        actor="api:key-1",
    )
    summary = import_file(ledger, read_csv(io.StringIO(text), ImportKind.ACCOUNTS), options)
    assert [(outcome.line, outcome.result) for outcome in summary.outcomes] == [
        (2, ItemResult.CREATED),
        (3, ItemResult.UPDATED),
        (4, ItemResult.UNCHANGED),
        (5, ItemResult.REFUSED),
    ]
    assert summary.outcomes[3].reason is not None and summary.outcomes[3].reason.startswith("balance")
    with ledger.reading() as session:
        actors = session.scalars(
            select(AuditEntry.actor)
            .where(AuditEntry.entity_key.in_(["NEW-1", "ACC-1042"]))
            .order_by(AuditEntry.id)
        ).all()
    assert actors[-2:] == ["api:key-1", "api:key-1"]


def test_items_that_set_different_fields_are_each_updated_with_their_own(cli: Cli, ledger: Database) -> None:
    """An API item names its own fields, so one import may update one account's phone and leave
    another's alone: each update sets only its item's columns."""
    cli("agents", TEAM)
    cli("accounts", PORTFOLIO)
    maria = {"account_id": "ACC-1042", "customer_name": "Maria Silva", "balance": "1000", "currency": "USD"}
    jean = {"account_id": "EU-77", "customer_name": "Jean Dupont", "balance": "30", "currency": "EUR"}
    items = [
        Record(2, maria | {"due_date": "2026-09-01", "phone": "+1 555 0199"}, columns=frozenset({"phone"})),
        Record(3, jean | {"due_date": "2026-11-01"}, columns=frozenset()),
    ]
    csv_file = CsvFile(ImportKind.ACCOUNTS, frozenset(), (), items)
    options = ImportOptions(now=datetime(2026, 11, 23, tzinfo=UTC), zone=NEW_YORK, grace_days=1)
    summary = import_file(ledger, csv_file, options)
    assert (summary.updated, summary.unchanged) == (2, 0)
    assert (account(ledger, "ACC-1042").balance, account(ledger, "ACC-1042").phone) == (
        Decimal("1000"),
        "+1 555 0199",
    )
    assert (account(ledger, "EU-77").balance, account(ledger, "EU-77").assigned_to) == (
        Decimal("30"),
        "U0SUPER1",
    )


def test_a_value_the_database_cannot_hold_in_a_bulk_insert_is_refused_as_sqlalchemy_refuses_it(
    ledger: Database,
) -> None:
    """Inserts go to the driver (a COPY on PostgreSQL): a refusal still arrives as SQLAlchemy's
    DataError, which the import turns into "too large or too long to store", nothing written."""
    if ledger.is_sqlite:
        pytest.skip("SQLite keeps text of any length")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    agent = {"slack_user_id": "U" + "X" * 80, "name": "Ana", "role": "agent", "languages": "en"}
    with pytest.raises(DataError), ledger.transaction() as session:
        insert_rows(
            session, table_of(Agent), [agent | {"active": True, "created_at": now, "updated_at": now}]
        )
    assert count(ledger, Agent) == 0
