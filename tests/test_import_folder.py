"""The watched import folder (COLLECT_IMPORT_DIR): files dropped there are imported all or nothing by
the import-folder job, moved to done/ or failed/ with a report beside them, and the supervisors'
channel is told through the outbox, delivered to the Slack stand-in. A file is never read half-way
and never imported twice, whichever processes run the job. The job's clock is the test's: a file
settles by the minutes the clock is moved, never by sleeping."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.imports.job import JOB, STUCK_SECONDS, run_import_folder
from bot.imports.model import ArrivedPayment, ImportKind
from bot.imports.rules import dropped_kind, free_name, is_dropped_csv, report_name, settled
from bot.job_runs import JobReport
from bot.outbox.job import deliver_due
from bot.runtime import Runtime
from schedules.jobs import IMPORT_FOLDER
from schedules.runner import run_job
from storage.database import Database
from storage.models import Account, AuditEntry, FolderImport, Payment, SkippedRow
from tests.conftest import MONDAY_9AM, make_runtime
from tests.portfolio import standard_team
from tests.test_cli import run_cli
from wiring.standin.web_api import SlackStandIn

SUPERVISORS = "C0SUPERVISORS"
PAYMENTS = (
    "account_id,amount,received_at,currency,method,reference,payer\n"
    "ACC-1042,250.00,2026-11-23T09:30:00,USD,ACH,BANK-001,Maria Silva\n"
    "ACC-1043,30.00,2026-11-23T09:45:00,USD,card,BANK-002,\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    watched = tmp_path / "incoming"
    watched.mkdir()
    return watched


@pytest.fixture
def watching(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, folder: Path
) -> Runtime:
    runtime = make_runtime(db, database_url, standin, clock, COLLECT_IMPORT_DIR=str(folder))
    standard_team(db)
    return runtime


def look(runtime: Runtime, at: datetime) -> JobReport:
    """One run of the job as the scheduler runs it, as if at `at`; its messages delivered."""
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.set(at)
    report = run_job(runtime, JOB, at, by="test")
    deliver_due(runtime)
    return report


def settle(runtime: Runtime, minutes: int = 2) -> JobReport:
    """The job run once a minute, `minutes` times, from 9 a.m.: long enough for a file to settle."""
    report = look(runtime, MONDAY_9AM)
    for minute in range(1, minutes):
        report = look(runtime, MONDAY_9AM + timedelta(minutes=minute))
    return report


def drop(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def payments(db: Database) -> list[Payment]:
    with db.reading() as session:
        return list(session.scalars(select(Payment).order_by(Payment.id)))


def channel(standin: SlackStandIn) -> list[str]:
    return [json.dumps(message, ensure_ascii=False) for message in standin.messages(SUPERVISORS)]


def listing(place: Path) -> list[str]:
    return sorted(os.listdir(place)) if place.exists() else []


def test_the_scheduler_names_the_job_as_the_job_claims_its_runs() -> None:
    """schedules.jobs names the folder's job itself, so that its module loads only where a folder
    is watched: the two names must stay one."""
    assert IMPORT_FOLDER == JOB


def test_a_payments_file_is_imported_moved_to_done_with_its_report_and_the_channel_told(
    watching: Runtime, folder: Path, standin: SlackStandIn
) -> None:
    drop(folder, "payments-0601.csv", PAYMENTS)
    first = look(watching, MONDAY_9AM)
    assert not first.ran
    assert payments(watching.db) == []  # seen once: not yet known to be complete
    assert listing(folder) == ["done", "failed", "payments-0601.csv", "processing"]

    report = look(watching, MONDAY_9AM + timedelta(minutes=1))
    assert report.ran and "1 imported" in report.message
    paid = payments(watching.db)
    assert [(p.amount, p.source, p.recorded_by) for p in paid] == [
        (Decimal("250.00"), "folder", "import-folder"),
        (Decimal("30.00"), "folder", "import-folder"),
    ]
    assert listing(folder) == ["done", "failed", "processing"]
    assert listing(folder / "done") == ["payments-0601.csv", "payments-0601.csv.report.txt"]
    assert listing(folder / "processing") == []
    written = (folder / "done" / "payments-0601.csv.report.txt").read_text()
    assert "outcome: imported" in written
    assert "payments: 2 created" in written
    assert "line 2: applied" in written and "line 3: applied" in written
    assert "Maria Silva" not in written
    told = channel(standin)
    assert len(told) == 1
    assert "payments-0601.csv" in told[0] and "was imported from the watched folder" in told[0]
    assert "2 created" in told[0] and "done/payments-0601.csv" in told[0]
    with watching.db.reading() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert "import-folder.imported" in actions

    # Nothing left to do: a later run does nothing and says nothing.
    assert not look(watching, MONDAY_9AM + timedelta(minutes=2)).ran
    assert len(channel(standin)) == 1


def test_a_bad_file_goes_to_failed_with_its_lines_and_nothing_is_written(
    watching: Runtime, folder: Path, standin: SlackStandIn
) -> None:
    bad = (
        "account_id,amount,received_at,currency,payer\n"
        "ACC-1042,250.00,2026-11-23,USD,Maria Silva\n"
        "ACC-1042,lots,2026-11-23,USD,Maria Silva\n"
        "NOPE-1,10.00,2026-11-23,USD,Someone Else\n"
    )
    drop(folder, "payments_bad.csv", bad)
    drop(folder, "payments-good.csv", PAYMENTS)  # one bad file stops no other
    settle(watching)
    assert listing(folder / "failed") == ["payments_bad.csv", "payments_bad.csv.report.txt"]
    assert listing(folder / "done") == ["payments-good.csv", "payments-good.csv.report.txt"]
    assert len(payments(watching.db)) == 2  # the good file's two, nothing of the bad one
    written = (folder / "failed" / "payments_bad.csv.report.txt").read_text()
    assert "outcome: refused: nothing was imported" in written
    assert "payments_bad.csv:3: amount" in written
    assert "payments_bad.csv:4: " in written
    assert "Maria Silva" not in written and "Someone Else" not in written
    told = " ".join(channel(standin))
    assert "payments_bad.csv" in told and "2 rows refused (lines 3, 4)" in told


def test_a_file_still_being_written_is_never_read_half_way(
    watching: Runtime, folder: Path, standin: SlackStandIn
) -> None:
    header, first, second = PAYMENTS.splitlines(keepends=True)
    drop(folder, "payments-live.csv.part", header + first)
    growing = drop(folder, "payments-growing.csv", header)
    look(watching, MONDAY_9AM)
    with growing.open("a") as stream:
        stream.write(first)
    look(watching, MONDAY_9AM + timedelta(minutes=1))
    assert payments(watching.db) == []  # it grew since the last look: not taken
    assert growing.exists()
    with growing.open("a") as stream:
        stream.write(second)
    look(watching, MONDAY_9AM + timedelta(minutes=2))
    assert payments(watching.db) == []
    look(watching, MONDAY_9AM + timedelta(minutes=3))  # unchanged since: complete
    assert len(payments(watching.db)) == 2
    assert listing(folder / "done") == ["payments-growing.csv", "payments-growing.csv.report.txt"]

    for minute in range(4, 8):
        look(watching, MONDAY_9AM + timedelta(minutes=minute))
    assert (folder / "payments-live.csv.part").exists()  # a .part file is never taken
    assert len(payments(watching.db)) == 2

    # Renamed when complete: taken like any file.
    os.rename(folder / "payments-live.csv.part", folder / "payments-live.csv")
    look(watching, MONDAY_9AM + timedelta(minutes=8))
    look(watching, MONDAY_9AM + timedelta(minutes=9))
    assert not (folder / "payments-live.csv").exists()
    assert len(payments(watching.db)) == 2  # its one row was a duplicate of the first file's
    assert "1 skipped-duplicate" in (folder / "done" / "payments-live.csv.report.txt").read_text()


def test_a_file_is_not_taken_when_looks_come_closer_than_the_settling_time(
    watching: Runtime, folder: Path
) -> None:
    drop(folder, "payments-0601.csv", PAYMENTS)
    look(watching, MONDAY_9AM)
    look(watching, MONDAY_9AM + timedelta(seconds=5))  # another process's tick, five seconds on
    assert payments(watching.db) == []
    look(watching, MONDAY_9AM + timedelta(seconds=40))
    assert len(payments(watching.db)) == 2


def run_together(processes: Sequence[Runtime], at: datetime) -> list[BaseException]:
    """The job run by each process on its own thread, all starting at the same instant; what failed."""
    together = threading.Barrier(len(processes))
    failures: list[BaseException] = []

    def run(process: Runtime) -> None:
        try:
            together.wait()
            run_job(process, JOB, at, by=f"process-{id(process)}")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(process,)) for process in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


def test_two_processes_looking_at_once_import_each_file_exactly_once(
    watching: Runtime, folder: Path, standin: SlackStandIn, clock: ManualClock
) -> None:
    for number in range(4):
        drop(
            folder,
            f"payments-{number}.csv",
            "account_id,amount,received_at,reference\n"
            f"ACC-1042,1{number}.00,2026-11-23,REF-{number}-A\n"
            f"ACC-1043,2{number}.00,2026-11-23,REF-{number}-B\n",
        )
    others = [Database(watching.db.url) for _ in range(2)]
    processes = [Runtime(settings=watching.settings, db=db, clock=clock) for db in others]
    try:
        for minute in range(3):
            at = MONDAY_9AM + timedelta(minutes=minute)
            clock.set(at)
            assert run_together(processes, at) == []
        deliver_due(watching)
    finally:
        for db in others:
            db.dispose()
    assert len(payments(watching.db)) == 8
    assert listing(folder / "done") == sorted(
        [f"payments-{n}.csv" for n in range(4)] + [f"payments-{n}.csv.report.txt" for n in range(4)]
    )
    with watching.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(FolderImport)) == 4
        assert session.scalar(select(func.count()).select_from(SkippedRow)) == 0
    assert len(channel(standin)) == 4


def test_a_file_whose_name_says_nothing_goes_to_failed_and_other_files_are_left_alone(
    watching: Runtime, folder: Path, standin: SlackStandIn
) -> None:
    drop(folder, "invoices-0601.csv", PAYMENTS)
    drop(folder, "notes.txt", "not for the bot")
    drop(folder, ".payments-hidden.csv", PAYMENTS)
    settle(watching)
    assert listing(folder / "failed") == ["invoices-0601.csv", "invoices-0601.csv.report.txt"]
    written = (folder / "failed" / "invoices-0601.csv.report.txt").read_text()
    assert "it must start with payments, accounts, contacts, agents" in written
    assert (folder / "notes.txt").exists() and (folder / ".payments-hidden.csv").exists()
    assert payments(watching.db) == []
    told = " ".join(channel(standin))
    assert "invoices-0601.csv" in told and "its name does not say what it holds" in told


def test_the_same_file_dropped_twice_is_imported_once(
    watching: Runtime, folder: Path, standin: SlackStandIn
) -> None:
    drop(folder, "payments-0601.csv", PAYMENTS)
    settle(watching)
    drop(folder, "payments-0601.csv", PAYMENTS)
    look(watching, MONDAY_9AM + timedelta(minutes=5))
    look(watching, MONDAY_9AM + timedelta(minutes=6))
    assert len(payments(watching.db)) == 2
    assert listing(folder / "done") == [
        "payments-0601.2.csv",
        "payments-0601.2.csv.report.txt",
        "payments-0601.csv",
        "payments-0601.csv.report.txt",
    ]
    again = (folder / "done" / "payments-0601.2.csv.report.txt").read_text()
    assert "outcome: already imported" in again
    told = channel(standin)
    assert len(told) == 2 and "was imported before" in told[1]

    # The same name with other content is another file: imported.
    drop(folder, "payments-0601.csv", PAYMENTS.replace("BANK-002", "BANK-003"))
    look(watching, MONDAY_9AM + timedelta(minutes=7))
    look(watching, MONDAY_9AM + timedelta(minutes=8))
    assert len(payments(watching.db)) == 3


def test_a_file_left_in_processing_by_a_crash_is_taken_again_and_never_imported_twice(
    watching: Runtime, folder: Path
) -> None:
    # A crash after the claim, before the import: the file lies in processing/.
    look(watching, MONDAY_9AM)  # makes the folders
    drop(folder / "processing", "payments-a.csv", PAYMENTS)
    look(watching, MONDAY_9AM + timedelta(minutes=1))
    look(watching, MONDAY_9AM + timedelta(minutes=5))
    assert payments(watching.db) == []  # it may still be in another process's hands
    look(watching, MONDAY_9AM + timedelta(minutes=1, seconds=STUCK_SECONDS))
    assert len(payments(watching.db)) == 2
    assert listing(folder / "processing") == []

    # A crash after the import, before the move: the file is found imported.
    os.rename(folder / "done" / "payments-a.csv", folder / "processing" / "payments-a.csv")
    later = MONDAY_9AM + timedelta(hours=1)
    look(watching, later)
    look(watching, later + timedelta(seconds=STUCK_SECONDS))
    assert len(payments(watching.db)) == 2
    assert "outcome: already imported" in (folder / "done" / "payments-a.2.csv.report.txt").read_text()


def test_an_unreadable_folder_is_told_once_and_stops_no_other_job(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, tmp_path: Path
) -> None:
    runtime = make_runtime(db, database_url, standin, clock, COLLECT_IMPORT_DIR=str(tmp_path / "not-there"))
    first = look(runtime, MONDAY_9AM)
    look(runtime, MONDAY_9AM + timedelta(minutes=1))
    assert not first.failed
    told = channel(standin)
    assert len(told) == 1 and "import-folder" in told[0] and "not-there" in told[0]
    assert "no such folder: create it or correct COLLECT_IMPORT_DIR" in told[0]


def test_without_the_setting_no_folder_is_watched(runtime: Runtime) -> None:
    report = run_job(runtime, JOB, MONDAY_9AM, by="test")
    assert not report.ran and "COLLECT_IMPORT_DIR" in report.message


def test_accounts_are_imported_from_the_folder_and_the_channel_told_in_the_teams_language(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, folder: Path
) -> None:
    runtime = make_runtime(
        db, database_url, standin, clock, COLLECT_IMPORT_DIR=str(folder), COLLECT_LANGUAGE="pt-BR"
    )
    standard_team(db)
    drop(
        folder,
        "Accounts_June.csv",
        "account_id,customer_name,balance,currency,due_date,assigned_to\n"
        "ACC-7001,*Bold* <!channel>,900.00,USD,2026-10-01,U0AGENT1\n",
    )
    settle(runtime)
    with db.reading() as session:
        account = session.scalars(select(Account).where(Account.account_id == "ACC-7001")).one()
    assert account.assigned_to == "U0AGENT1"
    told = channel(standin)
    assert len(told) == 1 and "Accounts_June.csv" in told[0] and "importado" in told[0]
    assert "<!channel>" not in told[0]


def test_the_payments_a_file_brings_reach_the_live_step_and_the_homes_are_refreshed(
    watching: Runtime, folder: Path
) -> None:
    """The live effects of a payment (issue 20's third part) plug in here: called inside the
    import's transaction with what arrived, the Homes refreshed once it committed."""
    arrived: list[Sequence[ArrivedPayment]] = []
    refreshed: list[tuple[str, int]] = []

    def payments_arrived(
        session: object, runtime: Runtime, payments_: Sequence[ArrivedPayment], now: datetime
    ) -> set[str]:
        arrived.append(payments_)
        return {"U0AGENT1"}

    def refresh_home(user: str) -> None:
        refreshed.append((user, len(payments(watching.db))))  # committed by then

    drop(folder, "payments-0601.csv", PAYMENTS)
    for minute in range(2):
        at = MONDAY_9AM + timedelta(minutes=minute)
        watching.clock.set(at)  # type: ignore[attr-defined]
        run_import_folder(watching, at, "test", after_payments=payments_arrived, refresh_home=refresh_home)
    assert [[(p.account_id, str(p.amount), p.method) for p in batch] for batch in arrived] == [
        [("ACC-1042", "250.00", "ach"), ("ACC-1043", "30.00", "card")]
    ]
    assert refreshed == [("U0AGENT1", 2)]


def test_a_file_whose_name_is_not_text_is_told_once_and_the_others_imported(
    watching: Runtime, folder: Path, standin: SlackStandIn
) -> None:
    with open(bytes(folder) + b"/payments-\xff.csv", "w", encoding="utf-8") as stream:
        stream.write(PAYMENTS)
    drop(folder, "payments-0601.csv", PAYMENTS)
    settle(watching, minutes=3)
    assert len(payments(watching.db)) == 2
    told = channel(standin)
    assert len(told) == 2  # the imported file, and the other said once
    assert any("not plain UTF-8 text" in message for message in told)
    assert os.path.exists(bytes(folder) + b"/payments-\xff.csv")  # left where it is


def test_the_job_runs_by_hand_from_the_command_line(tmp_path: Path, folder: Path) -> None:
    """`collect-bot run import-folder`: no period is claimed, so two runs by hand a minute apart
    (by --at) take a file, as two ticks would."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'hand.db'}", "COLLECT_IMPORT_DIR": str(folder)}
    drop(folder, "agents-team.csv", "slack_user_id,name\nU0AGENT9,Nia Agent\n")
    first = run_cli("run", "import-folder", "--at", "2026-11-23T09:00", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (folder / "agents-team.csv").exists()
    second = run_cli("run", "import-folder", "--at", "2026-11-23T09:01", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "1 imported" in second.stdout
    assert "agents: 1 created" in (folder / "done" / "agents-team.csv.report.txt").read_text()


def test_a_files_name_is_shown_escaped_in_the_channel(
    watching: Runtime, folder: Path, standin: SlackStandIn
) -> None:
    drop(folder, "payments-<!here>-*urgent*.csv", "account_id,amount\n")
    settle(watching)
    told = channel(standin)
    assert len(told) == 1
    assert "<!here>" not in told[0] and "&lt;!here&gt;" in told[0]
    assert listing(folder / "failed") == [
        "payments-<!here>-*urgent*.csv",
        "payments-<!here>-*urgent*.csv.report.txt",
    ]
    assert "received_at" in (folder / "failed" / "payments-<!here>-*urgent*.csv.report.txt").read_text()


# --- The folder's rules, at their edges and as properties -------------------------------------------

_NAMES = st.text(st.characters(blacklist_characters="/\x00"), min_size=1, max_size=40)


@given(_NAMES, st.sets(_NAMES, max_size=8))
def test_a_free_name_is_taken_by_neither_a_file_nor_a_report(name: str, taken: set[str]) -> None:
    free = free_name(name, taken)
    assert free not in taken and report_name(free) not in taken
    if name not in taken and report_name(name) not in taken:
        assert free == name


def test_a_taken_name_gets_the_next_number_before_its_suffix() -> None:
    taken = {"payments.csv", "payments.2.csv.report.txt"}
    assert free_name("payments.csv", taken) == "payments.3.csv"
    assert free_name("README", {"README"}) == "README.2"


@given(_NAMES)
def test_a_part_file_or_a_hidden_one_is_never_taken(name: str) -> None:
    assert not is_dropped_csv(name + ".part")
    assert not is_dropped_csv("." + name)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("payments.csv", ImportKind.PAYMENTS),
        ("PAYMENTS-2026-11-23.CSV", ImportKind.PAYMENTS),
        ("Accounts_June.csv", ImportKind.ACCOUNTS),
        ("contacts.csv", ImportKind.CONTACTS),
        ("agents-team.csv", ImportKind.AGENTS),
        ("invoices.csv", None),
        ("my-payments.csv", None),
    ],
)
def test_a_files_name_says_what_it_holds_by_how_it_starts(name: str, kind: ImportKind | None) -> None:
    assert is_dropped_csv(name)
    assert dropped_kind(name) == kind


def test_a_file_settles_once_unchanged_for_the_settling_time() -> None:
    assert not settled(MONDAY_9AM, MONDAY_9AM + timedelta(seconds=29), 30)
    assert settled(MONDAY_9AM, MONDAY_9AM + timedelta(seconds=30), 30)
    assert not settled(MONDAY_9AM, MONDAY_9AM - timedelta(minutes=5), 30)  # a clock behind


def test_the_sandbox_watches_an_import_folder_of_its_own() -> None:
    """A sandbox with a database of its own watches a folder beside it: a file dropped there is
    imported once the sandbox's clock has moved on past the settling time."""
    from wiring.sandbox.launch import running_sandbox

    with running_sandbox(port=0, start=MONDAY_9AM, prepare=standard_team) as running:
        folder = Path(running.import_dir)
        assert running.temporary and folder.is_dir()
        drop(folder, "payments-sandbox.csv", PAYMENTS)
        for _ in range(2):
            running.world.move_clock(timedelta(minutes=1))  # the page's "+1 min"
            running.world.settle()
        assert len(payments(running.world.runtime.db)) == 2
        assert (folder / "done" / "payments-sandbox.csv.report.txt").exists()
    assert not folder.exists()  # removed with the sandbox's database
