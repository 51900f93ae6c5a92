"""Amounts the bot accepts are amounts the database stores: the largest one a money column holds
(NUMERIC(18, 4) on PostgreSQL, ten-thousandths in a 64-bit integer on SQLite) typed, submitted and
imported is kept and read back exactly; one unit more is "too large" with the limit, never "something
went wrong", and nothing is written. On SQLite, or on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from bot.ids import ActionId, BlockId
from storage.database import Database
from storage.models import Account, Agent, AuditEntry, Base, Escalation, Payment, Promise
from storage.types import MAX_MONEY, MoneyOutOfRangeError
from tests.conftest import RunningBot
from tests.portfolio import add_account
from wiring.cli.main import main

AGENT = "U0AGENT1"
SUPERVISOR = "U0SUPER1"
LARGEST_USD = "99,999,999,999,999.99"
TOO_LARGE = "100,000,000,000,000"


def said(response: Any) -> str:
    body = response.json() if hasattr(response, "json") else response
    return "\n".join(
        [body.get("text", ""), *(json.dumps(b, ensure_ascii=False) for b in body.get("blocks", []))]
    )


def rows(db: Database, model: type[Base]) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def balance(db: Database, account_id: str) -> Decimal:
    with db.reading() as session:
        return session.scalars(select(Account.balance).where(Account.account_id == account_id)).one()


# --- Storage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [MAX_MONEY, -MAX_MONEY, Decimal("0.0001")])
def test_the_largest_money_value_is_stored_and_read_back_exactly(db: Database, value: Decimal) -> None:
    add_account(db, "ACC-BIG", "1", original_amount=value, written_off_amount=-value)
    with db.reading() as session:
        account = session.scalars(select(Account).where(Account.account_id == "ACC-BIG")).one()
        assert (account.original_amount, account.written_off_amount) == (value, -value)


@pytest.mark.parametrize("value", [MAX_MONEY + Decimal("0.0001"), -MAX_MONEY - 1, Decimal("1e30")])
def test_a_value_past_the_limit_is_refused_alike_on_both_databases(db: Database, value: Decimal) -> None:
    """The last guard, for a sum no check above caught: SQLite would hold some of these, PostgreSQL
    none; both refuse them the same way, and nothing is written."""
    with pytest.raises(StatementError) as caught:
        add_account(db, "ACC-BIG", "1", written_off_amount=value)
    assert isinstance(caught.value.orig, MoneyOutOfRangeError)
    assert rows(db, Account) == 0


# --- Typed and submitted ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "typed"),
    [
        (AGENT, f"pay ACC-1042 {TOO_LARGE}"),
        (AGENT, f"pay ACC-1042 $ {TOO_LARGE} ref:BIG-1"),
        (AGENT, f"promise ACC-1042 {TOO_LARGE} friday"),
        (AGENT, f"escalate ACC-1042 settlement {TOO_LARGE} customer offers everything"),
        (AGENT, f"escalate ACC-1042 payment-plan {TOO_LARGE} x5 can pay monthly"),
        (SUPERVISOR, f"target <@{AGENT}> {TOO_LARGE}"),
        (SUPERVISOR, f"target <@{AGENT}> {'9' * 30}"),
    ],
)
def test_a_typed_amount_beyond_the_limit_is_too_large_and_nothing_is_written(
    team: RunningBot, user: str, typed: str
) -> None:
    reply = team.send.slash_command(user, typed)
    assert reply.status == 200
    shown = said(reply)
    assert "too large" in shown and f"${LARGEST_USD}" in shown, shown
    assert "went wrong" not in shown
    db = team.runtime.db
    for model in (Payment, Promise, Escalation, AuditEntry):
        assert rows(db, model) == 0
    with db.reading() as session:
        assert session.scalars(select(Agent.monthly_target).where(Agent.slack_user_id == AGENT)).one() is None


def test_a_target_at_the_limit_is_stored_and_read_back_equal(team: RunningBot) -> None:
    reply = team.send.slash_command(SUPERVISOR, f"target <@{AGENT}> {LARGEST_USD}")
    assert LARGEST_USD in said(reply)
    with team.runtime.db.reading() as session:
        target = session.scalars(select(Agent.monthly_target).where(Agent.slack_user_id == AGENT)).one()
    assert target == Decimal("99999999999999.99")


def test_the_pay_form_refuses_an_amount_beyond_the_limit_on_its_field(team: RunningBot) -> None:
    team.send.slash_command(AGENT, "pay")
    view = team.slack.wait_for("views.open")[0].response["view"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "1" + "0" * 20}},
    }
    refused = team.send.view_submission(AGENT, view, values)
    errors = refused.json()["errors"]
    assert "too large" in errors[BlockId.AMOUNT] and LARGEST_USD in errors[BlockId.AMOUNT]
    assert rows(team.runtime.db, Payment) == 0


def _confirmed_overpayment(bot: RunningBot, typed: str) -> str:
    question = bot.send.slash_command(AGENT, typed)
    assert "more than the balance" in said(question)
    message = {"ts": "1.1", "blocks": question.json()["blocks"], "channel": "C0GENERAL"}
    click = bot.send.block_actions(AGENT, [{"action_id": ActionId.CONFIRM_OVERPAYMENT}], message=message)
    return said(bot.slack.wait_for_response(url=click.response_url)[0])


def test_a_credit_balance_beyond_the_limit_is_refused_not_stored(team: RunningBot) -> None:
    db = team.runtime.db
    assert "Recorded" in _confirmed_overpayment(team, f"pay ACC-1043 {LARGEST_USD} ref:BIG-1")
    credit = balance(db, "ACC-1043")
    assert credit == Decimal("80.00") - Decimal("99999999999999.99")
    refused = _confirmed_overpayment(team, f"pay ACC-1043 {LARGEST_USD} ref:BIG-2")
    assert "too large" in refused and "went wrong" not in refused, refused
    assert balance(db, "ACC-1043") == credit and rows(db, Payment) == 1


# --- Imported --------------------------------------------------------------------------------------


@pytest.fixture
def cli(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLLECT_TIMEZONE", "America/New_York")
    files = iter(range(1000))

    def run(kind: str, text: str, *options: str) -> tuple[int, str, str]:
        path = tmp_path / f"{kind}-{next(files)}.csv"
        path.write_text(text, encoding="utf-8")
        capsys.readouterr()
        code = main(["import", kind, str(path), *options])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


ACCOUNTS = "account_id,customer_name,balance,currency,due_date,original_amount,last_payment_amount\n"


def test_imported_amounts_beyond_the_limit_are_bad_rows_and_exit_2(cli: Any, db: Database) -> None:
    code, _out, err = cli(
        "accounts",
        ACCOUNTS
        + f'ACC-1,Ana,"{LARGEST_USD}",USD,2026-09-01,"{LARGEST_USD}","{LARGEST_USD}"\n'
        + "ACC-2,Bea,100000000000000,USD,2026-09-01,,\n"
        + "ACC-3,Cid,10,USD,2026-09-01,100000000000000.00,\n"
        + "ACC-4,Dan,10,JPY,2026-09-01,,100000000000000\n"
        + f"ACC-5,Eve,{'9' * 25},USD,2026-09-01,,\n",
    )
    assert code == 2
    bad = err.strip().splitlines()
    assert [line.split(".csv:")[1].split(":")[0] for line in bad if ".csv:" in line] == ["3", "4", "5", "6"]
    assert all("too large" in line for line in bad if ".csv:" in line)
    assert "balance:" in bad[0] and f"${LARGEST_USD}" in bad[0]
    assert (
        "original_amount:" in bad[1] and "last_payment_amount:" in bad[2] and "¥99,999,999,999,999" in bad[2]
    )
    assert "Traceback" not in err and rows(db, Account) == 0

    code, _out, err = cli(
        "accounts", ACCOUNTS + f'ACC-1,Ana,"{LARGEST_USD}",USD,2026-09-01,"{LARGEST_USD}",\n'
    )
    assert code == 0, err
    with db.reading() as session:
        stored = session.scalars(select(Account)).one()
    assert stored.balance == stored.original_amount == Decimal("99999999999999.99")


@pytest.mark.parametrize("column", ["approval_limit", "monthly_target"])
def test_a_roster_limit_or_target_beyond_the_limit_is_a_bad_row(cli: Any, db: Database, column: str) -> None:
    code, _out, err = cli(
        "agents",
        f"slack_user_id,name,{column}\nU0AGENT1,Ana,{LARGEST_USD.replace(',', '')}\nU0AGENT2,Bo,100000000000000\n",
    )
    assert code == 2
    assert f".csv:3: {column}:" in err and "too large" in err and LARGEST_USD in err
    assert "Traceback" not in err and rows(db, Agent) == 0

    code, out, err = cli(
        "agents",
        f'slack_user_id,name,{column}\nU0AGENT1,Ana,"{LARGEST_USD}"\nU0AGENT2,Bo,1{"0" * 14}\n',
        "--skip-invalid",
    )
    assert code == 0 and "1 created" in out and ".csv:3:" in err
    with db.reading() as session:
        assert session.scalars(select(getattr(Agent, column))).one() == Decimal("99999999999999.99")


def test_imported_payments_beyond_the_limit_or_a_credit_beyond_it_are_bad_rows(
    cli: Any, db: Database
) -> None:
    cli("accounts", ACCOUNTS + "ACC-1,Ana,10,USD,2026-09-01,,\n")
    code, _out, err = cli("payments", f'account_id,amount,received_at\nACC-1,"{TOO_LARGE}",2026-11-20\n')
    assert code == 2 and ".csv:2: amount:" in err and "too large" in err
    feed = (
        "account_id,amount,received_at,reference\n"
        f'ACC-1,"{LARGEST_USD}",2026-11-20,A\n'
        f'ACC-1,"{LARGEST_USD}",2026-11-20,B\n'
    )
    code, _out, err = cli("payments", feed)
    assert code == 2 and ".csv:3:" in err and "too large" in err, err
    assert "Traceback" not in err
    assert rows(db, Payment) == 0 and balance(db, "ACC-1") == Decimal("10")


def test_a_report_sums_many_balances_at_the_limit_exactly(team: RunningBot) -> None:
    """SQLite's SUM() of integers stops at 2**63 - 1 with an error: ten accounts at the limit pass it."""
    largest = Decimal("99999999999999.99")
    for n in range(12):
        add_account(team.runtime.db, f"BIG-{n}", str(largest), due_date=date(2026, 9, 1))
    reply = team.send.slash_command(SUPERVISOR, "report month")
    shown = said(reply)
    assert reply.status == 200 and "went wrong" not in shown, shown
    assert "$1,199,999,999,999,99" in shown, shown
