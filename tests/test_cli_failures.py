"""Every way a `collect-bot` command can be given something it cannot use ends the same way: one line
on standard error saying what is wrong and what to do, exit status 2, nothing written, no traceback
and no customer data. A fault of the bot itself is one line with an error id (exit 1), the traceback
in the error log. The real command runs as a subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from bot.imports.desk import import_file
from bot.imports.model import ImportKind, ImportOptions
from bot.imports.rules import PERSONAL_COLUMNS, Record, read_csv, shown_reason
from storage.database import Database
from storage.models import Base
from tests.conftest import POSTGRES_URL

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COLLECT_", "DATABASE_URL"))}

TEAM = "slack_user_id,name,role\nU0AGENT1,Ana Agent,agent\nU0SUPER1,Sam Boss,supervisor\n"
PORTFOLIO = (
    "account_id,customer_name,balance,currency,due_date,assigned_to,phone,email\n"
    "ACC-1042,Maria Silva,1250.00,USD,2026-09-01,U0AGENT1,+1 555 0100,maria@example.com\n"
)
# What no message may show: the customer's personal data, wherever it sits in a file.
PERSONAL = ("Maria", "Silva", "555 0100", "maria@", "Jo\u00e3o", "Pereira")


@dataclass
class Done:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.strip().splitlines()


@dataclass
class Place:
    """A working directory with a team and a portfolio already imported."""

    path: Path
    database_url: str
    env: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        stdout: IO[str] | None = None,
        python: tuple[str, ...] = ("-m", "wiring.cli"),
    ) -> Done:
        done = subprocess.run(
            [sys.executable, *python, *args],
            env={**CLEAN_ENV, **self.env, **(env or {})},
            cwd=self.path,
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
        return Done(done.returncode, done.stdout or "", done.stderr)

    def file(self, name: str, content: str | bytes) -> str:
        path = self.path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return str(path)


def row_counts(database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        with db.reading() as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
    finally:
        db.dispose()


def files_in(path: Path) -> set[str]:
    # SQLite's own -wal and -shm files come and go with its connections.
    return {str(item.relative_to(path)) for item in path.rglob("*") if not item.name.startswith("collect.db")}


@pytest.fixture
def place(tmp_path: Path, database_url: str) -> Place:
    work = tmp_path / "work"
    work.mkdir()
    here = Place(
        work,
        database_url,
        {
            "DATABASE_URL": database_url,
            "COLLECT_TIMEZONE": "America/New_York",
            "COLLECT_ERROR_LOG": str(tmp_path / "errors.log"),
        },
    )
    db = Database(database_url)
    options = ImportOptions(now=datetime.now(UTC), zone=ZoneInfo("America/New_York"), grace_days=1)
    for kind, content in ((ImportKind.AGENTS, TEAM), (ImportKind.ACCOUNTS, PORTFOLIO)):
        here.file(f"{kind}.csv", content)
        import_file(db, read_csv(io.StringIO(content, newline=""), kind), options)
    db.dispose()
    return here


def assert_refused(place: Place, run: Callable[[], Done], *expected: str) -> Done:
    """Runs a command that must be refused: one line, exit 2, nothing written anywhere."""
    before = row_counts(place.database_url), files_in(place.path.parent)
    done = run()
    assert "Traceback" not in done.err
    assert len(done.lines) == 1, done.err
    assert done.code == 2, done.err
    line = done.lines[0]
    assert line.startswith("collect-bot"), line
    for phrase in expected:
        assert phrase in line, line
    for personal in PERSONAL:
        assert personal not in done.err + done.out
    assert (row_counts(place.database_url), files_in(place.path.parent)) == before
    return done


# --- Files named on the command line -------------------------------------------------------------


def test_a_spreadsheet_into_a_folder_is_refused_before_any_work(place: Place) -> None:
    assert_refused(place, lambda: place.run("report", "--xlsx", str(place.path)), "is a folder")


def test_a_spreadsheet_into_a_missing_folder_is_refused(place: Place) -> None:
    target = str(place.path / "nowhere" / "week.xlsx")
    assert_refused(place, lambda: place.run("report", "--xlsx", target), "does not exist")


def test_a_spreadsheet_where_nobody_may_write_is_refused(place: Place) -> None:
    # /sys refuses new files even to root, whom permission bits do not stop.
    assert_refused(place, lambda: place.run("report", "--xlsx", "/sys/week.xlsx"), "Permission denied")


def test_no_spreadsheet_nor_partial_file_is_left_when_the_work_fails(place: Place) -> None:
    unreachable = {"DATABASE_URL": "postgresql://collect@127.0.0.1:9/collect"}
    target = str(place.path / "week.xlsx")
    assert_refused(place, lambda: place.run("report", "--xlsx", target, env=unreachable), "127.0.0.1:9")
    done = place.run("report", "--xlsx", target)  # and when it works, the file is whole and readable
    assert done.code == 0, done.err
    umask = os.umask(0)
    os.umask(umask)
    assert (place.path / "week.xlsx").stat().st_mode & 0o777 == 0o666 & ~umask  # not the temporary's 0600
    assert (place.path / "week.xlsx").read_bytes()[:2] == b"PK"
    assert not [name for name in os.listdir(place.path) if name.endswith(".part")]


def test_output_that_cannot_be_written_is_one_line(place: Place) -> None:
    with open("/dev/full", "w") as full:
        done = assert_refused(
            place, lambda: place.run("export", "account", "ACC-1042", stdout=full), "standard output"
        )
    assert "No space left on device" in done.err


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda work: str(work), "is a folder"),
        (lambda work: str(work / "missing.csv"), "No such file or directory"),
    ],
    ids=["folder", "missing"],
)
def test_an_import_file_that_cannot_be_opened_is_one_line(
    place: Place, make: Callable[[Path], str], expected: str
) -> None:
    assert_refused(place, lambda: place.run("import", "accounts", make(place.path)), expected)


def test_a_named_pipe_nobody_writes_to_does_not_hang_the_import(place: Place) -> None:
    pipe = place.path / "feed.csv"
    os.mkfifo(pipe)
    try:
        assert_refused(place, lambda: place.run("import", "payments", str(pipe)), "nothing")
    finally:
        pipe.unlink()


# --- Malformed CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "account_id,name,amount\nACC-1042,Maria Silva,10\n",
            "lacks the required columns customer_name, balance, currency, due_date",
        ),
        (
            (PORTFOLIO + "ACC-2,Jo\u00e3o Pereira,10,USD,2026-09-01,,,\n").encode("latin-1"),
            "line 3: the file is not UTF-8",
        ),
        ("a\x00c\x00c\x00o\x00u\x00n\x00t\x00_\x00i\x00d\x00\n", "line 1: the file holds a NUL character"),
        (
            PORTFOLIO + 'ACC-2,"' + "Maria Silva " * 20_000 + '",10,USD,2026-09-01,,,\n',
            "line 3: a cell is longer than",
        ),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4\x00\x00\x00", "not CSV text"),
    ],
    ids=["wrong-header", "latin-1", "nul", "enormous-cell", "spreadsheet"],
)
def test_a_malformed_csv_is_refused_in_one_line(place: Place, content: str | bytes, expected: str) -> None:
    path = place.file("portfolio.csv", content)
    assert_refused(place, lambda: place.run("import", "accounts", path), expected)


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("agents", "slack_user_id,name,approval_limit\nU0AGENT9,Maria Silva," + "9" * 40 + "\n"),
        ("agents", "slack_user_id,name,monthly_target\nU0AGENT9,Maria Silva," + "9" * 40 + "\n"),
        ("accounts", PORTFOLIO + "ACC-7,Maria Silva," + "9" * 40 + ",USD,2026-09-01,,,\n"),
        (
            "accounts",
            "account_id,customer_name,balance,currency,due_date,risk_score\n"
            "ACC-7,Maria Silva,10,USD,2026-09-01," + "1" * 5000 + "\n",
        ),
        (
            "payments",
            "account_id,amount,received_at,payer\nACC-1042," + "9" * 40 + ",2026-11-24,Maria Silva\n",
        ),
    ],
    ids=["approval-limit", "monthly-target", "balance", "risk-score", "payment"],
)
def test_a_value_too_large_never_prints_a_traceback_nor_writes(place: Place, kind: str, content: str) -> None:
    """Whether the row checks refuse the value (a bad-row listing, exit 1) or the database does
    (one line, exit 2), the answer is short, names no customer, and nothing is written."""
    before = row_counts(place.database_url)
    done = place.run("import", kind, place.file(f"{kind}-big.csv", content))
    assert "Traceback" not in done.err
    assert done.code in (1, 2), done.err
    assert len(done.lines) <= 2, done.err
    assert all(len(line) < 400 for line in done.lines), done.err
    for personal in PERSONAL:
        assert personal not in done.err + done.out
    assert row_counts(place.database_url) == before


# --- Bad rows: line, column and reason, never the customer's data --------------------------------


def test_a_bad_row_listing_shows_line_column_and_reason_but_no_personal_data(place: Place) -> None:
    bad = (
        "account_id,customer_name,balance,currency,due_date,phone,email\n"
        "ACC-5,Jo\u00e3o Pereira,10,USD,2026-09-01,call Jo\u00e3o Pereira,\n"
        "ACC-6,Maria Silva,10,USD,2026-09-01,,maria at example\n"
        "ACC-7,Jo\u00e3o Pereira,ten dollars,USD,2026-09-01,,\n"
    )
    before = row_counts(place.database_url)
    done = place.run("import", "accounts", place.file("bad.csv", bad))
    assert done.code == 1 and "Traceback" not in done.err
    lines = done.lines
    assert lines[0].endswith(
        "bad.csv:2: phone: the value is not a phone number (digits, spaces, + ( ) - . /)"
    )
    assert lines[1].endswith("bad.csv:3: email: the value is not an email address")
    # An amount is no one's personal data: showing it helps fix the file.
    assert lines[2].endswith("bad.csv:4: balance: `ten dollars` is not an amount.") or (
        "bad.csv:4: balance: `ten dollars`" in lines[2]
    )
    for personal in PERSONAL:
        assert personal not in done.err + done.out
    assert row_counts(place.database_url) == before


def test_bad_rows_skipped_are_listed_without_personal_data_too(place: Place) -> None:
    bad = "account_id,customer_name,balance,currency,due_date,email\nACC-5,Maria Silva,10,USD,2026-09-01,Maria Silva\n"
    done = place.run("import", "accounts", place.file("bad.csv", bad), "--skip-invalid")
    assert done.code == 0, done.err
    assert "bad.csv:2: email: the value is not an email address" in done.err
    for personal in PERSONAL:
        assert personal not in done.err + done.out


def test_control_characters_in_a_cell_cannot_reach_the_terminal(place: Place) -> None:
    bad = 'account_id,customer_name,balance,currency,due_date\nACC-5,Ana,"1\n\x1b[2J",USD,2026-09-01\n'
    done = place.run("import", "accounts", place.file("bad.csv", bad))
    assert done.code == 1
    assert "\x1b" not in done.err
    assert len(done.lines) == 2, done.err  # the bad row and the summary: one line each


# --- Options -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("run", "daily-assignments", "--at", "soon"), "--at"),
        (("run", "daily-assignments", "--at", "9999-12-31T23:00"), "--at"),
        (("run", "supervisor-alerts", "--at", "0001-01-01T10:00"), "--at"),
        (("run", "performance-digest", "--period", "year"), "--period"),
        (("run", "daily-assignments", "--period", "week"), "--period"),
        (("report", "--period", "year"), "--period"),
        (("run", "nightly-cleanup"), "there is no job"),
        (("purge", "--before", "last year"), "--before"),
        (("export", "account"), "ID"),
        (("serve", "--port", "70000"), "--port"),
        (("serve", "--threads", "0"), "--threads"),
        (("sandbox", "--port", "-1"), "--port"),
        (("import", "debts", "x.csv"), "debts"),
        (("frobnicate",), "frobnicate"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_a_bad_option_is_one_line(place: Place, args: tuple[str, ...], expected: str) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret"}
    assert_refused(place, lambda: place.run(*args, env=env), expected)


# --- Settings and the database -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["postgresql://collect:s3cret@db.example:notaport/collect", "not a url s3cret"]
)
def test_an_invalid_database_url_is_one_line_that_shows_no_password(place: Place, url: str) -> None:
    done = assert_refused(place, lambda: place.run("report", env={"DATABASE_URL": url}), "DATABASE_URL")
    assert "s3cret" not in done.err


@pytest.mark.parametrize(
    "args",
    [("report",), ("import", "agents", "agents.csv"), ("db", "upgrade"), ("run", "daily-assignments")],
    ids=" ".join,
)
def test_an_unreachable_database_is_one_line(place: Place, args: tuple[str, ...]) -> None:
    url = "postgresql://collect:s3cret@127.0.0.1:9/collect"
    done = assert_refused(place, lambda: place.run(*args, env={"DATABASE_URL": url}), "127.0.0.1:9")
    assert "s3cret" not in done.err


# Python's own way to make a module not installed (sys.modules[name] = None): the command then runs
# as on a machine installed without the postgres extra.
WITHOUT_PSYCOPG = (
    "-c",
    "import runpy, sys; sys.modules['psycopg'] = None; sys.argv[0] = 'collect-bot';"
    " runpy.run_module('wiring.cli', run_name='__main__')",
)


@pytest.mark.parametrize(
    "args",
    [("serve", "--port", "3999"), ("report",), ("db", "upgrade"), ("sandbox", "--port", "3998")],
    ids=" ".join,
)
def test_postgresql_without_its_driver_is_one_line_saying_what_to_install(
    place: Place, args: tuple[str, ...]
) -> None:
    env = {
        "DATABASE_URL": "postgresql://collect:s3cret@127.0.0.1:9/collect",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-secret",
    }
    done = assert_refused(
        place,
        lambda: place.run(*args, env=env, python=WITHOUT_PSYCOPG),
        "psycopg",
        'pip install "collect-bot[postgres]"',
    )
    assert "s3cret" not in done.err
    assert "invalid" not in done.err


def test_a_sqlite_file_in_a_missing_folder_is_one_line_naming_the_folder(place: Place) -> None:
    url = f"sqlite:///{place.path}/gone/collect.db"
    assert_refused(place, lambda: place.run("report", env={"DATABASE_URL": url}), str(place.path / "gone"))


def test_a_dotenv_that_is_not_utf8_is_one_line(place: Place) -> None:
    place.file(".env", "COLLECT_TIMEZONE=S\u00e3o_Paulo\n".encode("latin-1"))
    try:
        assert_refused(place, lambda: place.run("report"), ".env")
    finally:
        (place.path / ".env").unlink()


# --- A fault of the bot itself -------------------------------------------------------------------


@pytest.mark.skipif(bool(POSTGRES_URL), reason="only SQLite keeps text in a numeric column")
def test_an_unexpected_fault_is_one_line_with_an_error_id_and_the_traceback_goes_to_the_log(
    place: Place, tmp_path: Path
) -> None:
    db = Database(place.database_url)
    with db.engine.begin() as connection:  # damage planted under the bot, as a bad restore would
        connection.execute(
            text("UPDATE accounts SET balance = 'Maria Silva owes' WHERE account_id = 'ACC-1042'")
        )
    db.dispose()
    done = place.run("export", "account", "ACC-1042")
    assert done.code == 1
    assert "Traceback" not in done.err
    assert len(done.lines) == 1, done.err
    line = done.lines[0]
    assert line.startswith("collect-bot: unexpected error "), line
    error_id = line.removeprefix("collect-bot: unexpected error ").split()[0].strip(":")
    assert str(tmp_path / "errors.log") in line
    for personal in PERSONAL:
        assert personal not in done.err
    log = (tmp_path / "errors.log").read_text()
    assert error_id in log and "Traceback" in log


# --- The bad-row reason, as a plain function ------------------------------------------------------


def record(**cells: str) -> Record:
    return Record(line=7, cells=cells)


def test_a_quoted_personal_value_becomes_the_value_and_other_columns_keep_theirs() -> None:
    row = record(customer_name="Maria Silva", phone="call Maria Silva", balance="ten")
    assert shown_reason("phone: `call Maria Silva` is not a phone number", row) == (
        "phone: the value is not a phone number"
    )
    assert shown_reason("balance: `ten` is not an amount", row) == "balance: `ten` is not an amount"
    # Wherever else the name turns up (another column's message), it is hidden too, in any case.
    assert (
        shown_reason("account_id: MARIA SILVA has no account", row) == "account_id: (hidden) has no account"
    )
    # Whole words only: a short name does not eat letters out of the message.
    assert shown_reason("due_date: is empty, and it is required", record(customer_name="a")) == (
        "due_date: is empty, and it is required"
    )


@given(
    name=st.text(st.characters(categories=["L"]), min_size=2, max_size=20).filter(
        lambda text: text.lower() not in {"the", "value", "hidden"}
    ),
    column=st.sampled_from(sorted(PERSONAL_COLUMNS)),
    template=st.sampled_from(["{c}: `{v}` is not valid", "{c}: {v} is wrong", "account_id: `{v}`, not {v}"]),
)
def test_no_personal_value_survives_in_a_reason(name: str, column: str, template: str) -> None:
    reason = template.format(c=column, v=name)
    shown = shown_reason(reason, record(**{column: name}))
    assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", shown, flags=re.IGNORECASE)


def test_a_job_run_by_hand_that_fails_as_a_whole_says_so_and_exits_1(place: Place) -> None:
    """A script running `collect-bot run` must see from the exit status that nothing was sent."""
    db = Database(place.database_url)
    unreadable = "'lots'" if db.is_sqlite else "'infinity'"
    column = "monthly_target" if db.is_sqlite else "updated_at"
    with db.engine.begin() as connection:  # a roster row the driver cannot read: no account is at fault
        connection.execute(
            text(f"UPDATE agents SET {column} = {unreadable} WHERE slack_user_id = 'U0AGENT1'")
        )
    db.dispose()
    done = place.run("run", "daily-assignments", "--at", "2026-11-23T08:00")
    assert done.code == 1, done
    assert "daily-assignments failed" in done.out and "Traceback" not in done.err
    help_text = place.run("run", "--help").out
    assert "housekeeping" in help_text and "supervisor-alerts" in help_text


def test_serve_stops_at_start_on_a_broken_document_template(place: Place) -> None:
    (place.path / "templates" / "en").mkdir(parents=True)
    place.file("templates/en/statement.txt", b"Dear {{ customer_nmae }}\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-secret",
        "COLLECT_TEMPLATES_DIR": str(place.path / "templates"),
    }
    assert_refused(
        place, lambda: place.run("serve", "--port", "3999", env=env), "en/statement.txt", "customer_nmae"
    )
