"""A portfolio is checked in bulk (bot.imports.rules.checked_accounts) with memos and quick amount
readings, and its audit snapshots are written from a template (bot.audit.SnapshotText): each must
answer exactly what the row-by-row reading (parse_account) and json.dumps answer, refusals word for
word included."""

from __future__ import annotations

import gc
import json
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import audit
from bot.imports.model import BadRow
from bot.imports.rules import (
    ACCOUNT_ROW_FIELDS,
    AccountRow,
    Record,
    RowError,
    ValueTooLargeError,
    checked_accounts,
    parse_account,
)
from storage.database import Database
from storage.models import Account, AuditEntry
from wiring.cli.main import main

TODAY = date(2026, 11, 23)
ROSTER = frozenset({"U0AGENT1", "U0AGENT2"})
LONG = "x" * 400
MONEY = frozenset(
    {
        "balance", "original_amount", "last_payment_amount", "settlement_amount", "written_off_amount",
        "itemization_amount", "interest_since", "fees_since",
    }
)  # fmt: skip

# Per column, texts of every kind a file may hold: good ones in the common shapes and in the rarer
# ones, and bad ones of each way a cell can be refused. None: the column is left out.
CELLS: dict[str, list[str | None]] = {
    "account_id": ["ACC-1", "acc-1", "ACC-2", "A B", "", "x" * 70, "ACC\u200b3", "\u00c9COLE-4"],
    "customer_name": ["Maria Silva", "", LONG],
    "balance": [
        "1,250.00",
        "1250",
        "12.5",
        "0",
        "0.00",
        "00",
        "-5",
        "\u22125",
        "R$ 1.250,00",
        "12,50",
        "1.2.3",
        "abc",
        "",
        "9" * 30,
        "1 250,00",
        "\u20ac40",
        "40 EUR",
        "1,250.005",
        "5\u00a0000",
        "0,50",
        "100000000000000",
    ],
    "currency": ["USD", "usd", "BRL", "EUR", "JPY", "KWD", "", "US", "XXX1"],
    "due_date": ["2026-09-01", "2026-13-01", "", "1800-01-01", "2090-01-01", "01/09/2026"],
    "customer_id": [None, "", "C1", "x" * 65],
    "phone": [None, "", "+1 555 0100", "(555) 010-0100 ext. 7", "abc", "1" * 41],
    "email": [None, "", "maria@example.com", "nope", "a@b"],
    "customer_timezone": [None, "", "America/New_York", "Mars/Base", "../etc"],
    "language": [None, "", "pt-BR", "en", "x1", "e"],
    "original_amount": [None, "", "100", "0", "0.00", "1,000.00", "-1", "R$ 10,00", "abc", "9" * 30],
    "last_payment_date": [None, "", "2026-11-01", "2030-12-01", "bad"],
    "last_payment_amount": [None, "", "5", "0", "x"],
    "assigned_to": [None, "", "U0AGENT1", "u0agent2", "U0NOBODY", "bad id"],
    "status": [None, "", "active", "paid", "On-Hold", "written off", "nonsense"],
    "risk_score": [None, "", "50", "101", "x", "007"],
    "address_line1": [None, "", "Rua A, 1", "x" * 201],
    "city": [None, "", "Lisboa"],
    "postal_code": [None, "", "1000-001", "9" * 21],
    "itemization_date": [None, "", "2026-01-01", "2030-01-01", "bad"],
    "itemization_amount": [None, "", "10", "0", "-1", "x"],
    "interest_since": [None, "", "0", "1.5", "-2", "0.001"],
    "fees_since": [None, "", "0.00", "3"],
    "product": [None, "", "card", "personal-loan", "Bad Product!", "x" * 50],
}

cells_strategy = st.fixed_dictionaries(
    {column: st.sampled_from(texts) for column, texts in CELLS.items()}
).map(lambda cells: {column: text for column, text in cells.items() if text is not None})


def one_by_one(
    records: list[Record], currencies: dict[str, str]
) -> tuple[list[tuple[int, str, tuple[object, ...]]], list[BadRow]]:
    """The rows as parse_account reads them one at a time, with the file's own refusals after it."""
    rows: list[tuple[int, str, tuple[object, ...]]] = []
    bad: list[BadRow] = []
    first: dict[str, int] = {}
    for record in records:
        if record.problem:
            bad.append(BadRow(record.line, record.problem))
            continue
        try:
            row = parse_account(record.cells, ROSTER, today=TODAY)
            recorded = currencies.get(row.key)
            if recorded is not None and recorded != row.currency:
                raise RowError(
                    "currency",
                    f"`{row.account_id}` is recorded in {recorded}; an account's currency cannot change"
                    " (payments and promises on it are in that currency)",
                )
        except RowError as error:
            bad.append(BadRow(record.line, str(error), too_large=isinstance(error, ValueTooLargeError)))
            continue
        if first.setdefault(row.key, record.line) != record.line:
            bad.append(
                BadRow(
                    record.line, f"account_id: `{row.key}` is already on line {first[row.key]} of this file"
                )
            )
            continue
        rows.append((record.line, row.key, tuple(getattr(row, name) for name in ACCOUNT_ROW_FIELDS)))
    return rows, sorted(bad, key=lambda bad_row: bad_row.line)


def exactly(rows: list[tuple[int, str, tuple[object, ...]]]) -> list[tuple[int, str, list[str]]]:
    """Rows with each value as its type and repr: 1.0 and 1.00 are equal Decimals, not the same value."""
    return [
        (line, key, [f"{type(value).__name__}:{value!r}" for value in values]) for line, key, values in rows
    ]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(cells_strategy, st.sampled_from([None, None, None, "the row has 9 cells"])), max_size=6
    ),
    st.sampled_from([{}, {"acc-1": "USD"}, {"acc-1": "BRL", "acc-2": "USD"}]),
)
def test_checking_a_portfolio_answers_what_parse_account_answers_row_by_row(
    rows: list[tuple[dict[str, str], str | None]], currencies: dict[str, str]
) -> None:
    records = [Record(line, cells, problem) for line, (cells, problem) in enumerate(rows, start=2)]
    checked = checked_accounts(records, roster=ROSTER, currencies=currencies, today=TODAY)
    expected_rows, expected_bad = one_by_one(records, currencies)
    assert exactly(checked.rows) == exactly(expected_rows)
    assert checked.bad == expected_bad


def test_a_portfolio_of_good_rows_in_the_common_shapes_is_read_as_parse_account_reads_it() -> None:
    """The rows every portfolio is made of, many of each, so that the memos are used again."""
    cells = [
        {
            "account_id": f"ACC-{number}",
            "customer_name": "Ana Costa",
            "balance": balance,
            "currency": currency,
            "due_date": f"2026-0{number % 9 + 1}-15",
            "phone": "+1 555 0100" if number % 2 else "",
            "email": f"ana{number}@example.com" if number % 3 else "",
            "customer_timezone": "America/Sao_Paulo",
            "language": "pt",
            "original_amount": original,
            "assigned_to": "U0AGENT1" if number % 4 else "",
            "status": "",
        }
        for number in range(60)
        for balance, currency, original in [
            (f"{number + 1},250.0{number % 10}", "USD", "2000.00"),
            (f"R$ {number + 1}.000,50", "BRL", f"{number + 1}000,50"),
            (f"{number}.5", "EUR", "0.50"),
        ][number % 3 : number % 3 + 1]
    ]
    records = [Record(line, row) for line, row in enumerate(cells, start=2)]
    checked = checked_accounts(records, roster=ROSTER, currencies={}, today=TODAY)
    expected_rows, expected_bad = one_by_one(records, {})
    assert exactly(checked.rows) == exactly(expected_rows)
    assert checked.bad == expected_bad == []
    assert [AccountRow(*values) for _line, _key, values in checked.rows] == [
        parse_account(record.cells, ROSTER, today=TODAY) for record in records
    ]


snapshot_values = st.one_of(
    st.none(),
    st.text(),
    st.decimals(),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.integers(),
    st.booleans(),
)


@given(st.dictionaries(st.text(), snapshot_values, max_size=8), st.data())
def test_a_snapshot_from_its_template_is_the_json_the_column_would_store(
    values: dict[str, object], data: st.DataObject
) -> None:
    names = list(values)
    fixed_names = data.draw(st.lists(st.sampled_from(names), unique=True) if names else st.just([]))
    template = audit.SnapshotText(names, fixed={name: values[name] for name in fixed_names})
    text = template([values[name] for name in template.names])
    assert text == audit.snapshot_json(values) == json.dumps(audit.snapshot(values))


def test_a_snapshot_template_refuses_a_row_of_other_fields() -> None:
    with pytest.raises(ValueError, match="2 values for 3 fields"):
        audit.SnapshotText(["a", "b", "c"])(["1", "2"])
    with pytest.raises(ValueError, match="once"):
        audit.SnapshotText(["a", "a"])


def test_an_imported_account_is_audited_with_every_audited_field(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the audit row of a new account holds, whatever writes it: its state as the ledger has it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLLECT_TIMEZONE", "America/New_York")
    (tmp_path / "agents.csv").write_text("slack_user_id,name\nU0AGENT1,Ana\n", encoding="utf-8")
    (tmp_path / "accounts.csv").write_text(
        "account_id,customer_name,balance,currency,due_date,email,assigned_to,original_amount,address_line1\n"
        'ACC-1,"Jo\u00e3o ""Jo"" Silva","1,250.50",USD,2026-09-01,joao@example.com,U0AGENT1,2000,"Rua 5%, 1"\n'
        "ACC-2,Ana,R$ 10,BRL,2026-10-01,,,,\n",
        encoding="utf-8",
    )
    assert main(["import", "agents", str(tmp_path / "agents.csv")]) == 0
    assert main(["import", "accounts", str(tmp_path / "accounts.csv")]) == 0
    assert gc.isenabled()  # the collector, paused for the import, is back on for the rest of the process
    database = Database(database_url)
    try:
        with database.reading() as session:
            accounts = {
                account.account_id: audit.account_state(account)
                for account in session.scalars(select(Account))
            }
            entries = session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "import.created", AuditEntry.entity == "account"
                )
            ).all()
            assert sorted(entry.entity_key for entry in entries) == sorted(accounts)
            for entry in entries:
                state, after = accounts[entry.entity_key], entry.after
                assert after is not None and list(after) == list(audit.AUDITED_ACCOUNT_FIELDS)
                for name, value in after.items():
                    if name in MONEY and value is not None:  # read back to the storage's four decimals
                        assert Decimal(value) == Decimal(state[name])
                    else:
                        assert value == state[name], name
            assert all(entry.before is None and entry.actor == "import" for entry in entries)
            afters = {entry.entity_key: entry.after or {} for entry in entries}
            assert afters["ACC-1"]["customer_name"] == 'Jo\u00e3o "Jo" Silva'
            assert afters["ACC-1"]["balance"] == "1250.50" and afters["ACC-2"]["balance"] == "10.00"
            assert afters["ACC-1"]["address_line1"] == "Rua 5%, 1"
            assert afters["ACC-2"]["status"] == "active" and afters["ACC-2"]["hold_until"] is None
    finally:
        database.dispose()
