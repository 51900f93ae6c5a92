"""Faults the bot must live through: Slack failing or hanging, a process killed mid-send, the
database dropping its connections, and SIGTERM during a request. Real HTTP, real databases; time
moves only on the ManualClock, and the tests wait for conditions, not for seconds."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bot.assignments.job.daily import JOB
from bot.clock import ManualClock
from bot.ledger.rules.accounts import account_key
from bot.outbox.job import CLAIM_LEASE, deliver_due
from bot.runtime import Runtime
from schedules.runner import run_job
from storage import database
from storage.database import Database
from storage.models import Account, Agent, AuditEntry, OutboxMessage, Payment
from tests.conftest import MONDAY_9AM, POSTGRES_URL, SIGNING_SECRET, RunningBot, serving
from tests.portfolio import SET_UP_AT, add_account, add_agent, standard_team
from wiring.standin.requests import SlackHttpResponse, SlackRequestSender
from wiring.standin.web_api import RecordedCall, SlackStandIn

SUPERVISORS = "C0SUPERVISORS"
AGENTS = [f"U0FAULT{n}" for n in range(1, 7)]
SUPERVISOR = "U0SUPER1"
NEW_YORK_DAY = date(2026, 11, 23)


# ---------------------------------------------------------------------------------------------
# Helpers


def posted(slack: SlackStandIn) -> Counter[str]:
    """chat.postMessage calls Slack accepted, per channel argument (a user id for a DM)."""
    return Counter(str(c.params.get("channel")) for c in slack.calls("chat.postMessage") if c.ok)


def outbox_states(runtime: Runtime) -> Counter[str]:
    with runtime.db.reading() as session:
        return Counter(session.scalars(select(OutboxMessage.state)))


def small_team(bot: RunningBot) -> None:
    """Six agents with two accounts each, and a supervisor: seven messages a morning."""
    db = bot.runtime.db
    for n, agent in enumerate(AGENTS, 1):
        add_agent(db, agent, f"Agent {n}", daily_capacity=5)
        add_account(db, f"F-{n}A", f"{100 * n}.00", assigned_to=agent)
        add_account(db, f"F-{n}B", f"{100 * n + 50}.00", assigned_to=agent)
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")


def fewer_retries(*, retries: int, timeout: int = 10) -> pytest.MarkDecorator:
    """A Web API client with fewer retries (and a shorter timeout), as an operator could set."""
    return pytest.mark.settings(COLLECT_SLACK_MAX_RETRIES=str(retries), COLLECT_SLACK_TIMEOUT=str(timeout))


def deliver_until_done(bot: RunningBot, *, step: timedelta = timedelta(minutes=2), rounds: int = 30) -> int:
    """Delivery ticks a scheduler would make, `step` apart on the clock; returns the ticks used."""
    for tick in range(1, rounds + 1):
        deliver_due(bot.runtime)
        if set(outbox_states(bot.runtime)) == {"sent"}:
            return tick
        bot.clock.advance(step)
    raise AssertionError(f"still undelivered after {rounds} ticks: {outbox_states(bot.runtime)}")


def the_morning(bot: RunningBot) -> None:
    bot.clock.set(MONDAY_9AM)
    report = run_job(bot.runtime, JOB, MONDAY_9AM, by="test")
    assert report.ran, report.message


def expected_channels() -> set[str]:
    return {*AGENTS, SUPERVISORS}


# ---------------------------------------------------------------------------------------------
# 1. Slack failing, then recovering


@fewer_retries(retries=1)
@pytest.mark.parametrize("fault", ["429", "500"])
def test_slack_errors_delay_the_worklists_but_each_arrives_once_the_same_day(
    bot: RunningBot, fault: str
) -> None:
    small_team(bot)
    if fault == "429":
        # The client waits out Retry-After once; the second 429 gives the message back to the outbox.
        bot.slack.fail("chat.postMessage", 429, times=3, retry_after=1)
    else:
        # Five messages in a row fail both of the client's tries; the outbox retries them later.
        bot.slack.fail("chat.postMessage", 500, times=10)
    the_morning(bot)
    deliver_due(bot.runtime)
    waiting = outbox_states(bot.runtime)["pending"]
    assert waiting >= 1, "the fault should have left something for a later delivery"
    ticks = deliver_until_done(bot)
    assert ticks > 1
    assert bot.clock.now().astimezone(bot.runtime.zone).date() == NEW_YORK_DAY
    sent = posted(bot.slack)
    assert set(sent) == expected_channels()
    assert all(count == 1 for count in sent.values()), sent
    refused = [c for c in bot.slack.calls("chat.postMessage") if not c.ok]
    assert {c.status for c in refused} == {int(fault)}
    # Slack answered each refusal: nothing was posted, so no history needs reading.
    assert not bot.slack.calls("conversations.history")


HANGING_SLACK = fewer_retries(retries=1, timeout=1)


def _hang_then_recover(bot: RunningBot) -> Counter[str]:
    """Slack holds two posts past the client's 1 s timeout, then answers them (it did post them),
    and answers promptly from then on (the bot's client: HANGING_SLACK)."""
    small_team(bot)
    bot.slack.hang("chat.postMessage", seconds=1.5, times=2)
    the_morning(bot)
    deliver_due(bot.runtime)
    assert outbox_states(bot.runtime)["pending"] == 2
    # Slack is done with the held posts long before the outbox tries them again (30 s on): they
    # are in the conversations' history by then.
    bot.slack.wait_for("chat.postMessage", count=len(expected_channels()), timeout=10)
    deliver_until_done(bot)
    assert bot.clock.now().astimezone(bot.runtime.zone).date() == NEW_YORK_DAY
    with bot.runtime.db.reading() as session:
        assert session.scalar(select(func.max(OutboxMessage.attempts))) == 2
    return posted(bot.slack)


@HANGING_SLACK
def test_slack_hanging_past_the_timeout_still_delivers_every_worklist_the_same_day(
    bot: RunningBot,
) -> None:
    sent = _hang_then_recover(bot)
    assert set(sent) == expected_channels()
    assert all(count == 1 for count in sent.values()), sent


@HANGING_SLACK
def test_slack_hanging_past_the_timeout_sends_no_worklist_twice(bot: RunningBot) -> None:
    sent = _hang_then_recover(bot)
    # Each call is made once: the two that timed out were found in their DMs' history, by the
    # outbox id in their metadata, and marked sent with the ts Slack gave them.
    assert len(bot.slack.calls("chat.postMessage")) == len(expected_channels()) == sum(sent.values())
    assert len(bot.slack.calls("conversations.history")) == 2
    with bot.runtime.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.unsure_since.is_not(None))).all()
        recorded = {(row.channel, row.slack_ts) for row in rows}
    answered = {(str(c.params["channel"]), c.response["ts"]) for c in bot.slack.calls("chat.postMessage")}
    assert len(recorded) == 2 and recorded <= answered


# ---------------------------------------------------------------------------------------------
# 2. SIGKILL in the middle of sending 500 worklists

MANY = 500
KILL_AFTER = 60  # DMs Slack has answered before the next post is held and the process killed


def bulk_portfolio(db: Database, agents: int) -> list[str]:
    ids = [f"U0BULK{n:04d}" for n in range(agents)]
    with db.transaction() as session:
        session.execute(
            insert(Agent),
            [
                {"slack_user_id": agent, "name": f"Bulk Agent {n}", "role": "agent", "languages": "en",
                 "active": True, "created_at": SET_UP_AT, "updated_at": SET_UP_AT}
                for n, agent in enumerate(ids)
            ],
        )  # fmt: skip
        session.execute(
            insert(Account),
            [
                {"account_id": f"BULK-{n:04d}", "account_key": account_key(f"BULK-{n:04d}"),
                 "customer_name": f"Customer {n}", "currency": "USD", "balance": Decimal("250.00"),
                 "due_date": date(2026, 10, 1), "assigned_to": agent, "status": "active",
                 "customer_timezone": "America/New_York", "created_at": SET_UP_AT, "updated_at": SET_UP_AT}
                for n, agent in enumerate(ids)
            ],
        )  # fmt: skip
    return ids


def cli_env(database_url: str, slack: SlackStandIn) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "COLLECT_TIMEZONE": "America/New_York",
        "COLLECT_SUPERVISOR_CHANNEL": SUPERVISORS,
        "COLLECT_SLACK_RETRY_BACKOFF": "0.01",
    }


def collect_bot(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("collect-bot")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "wiring.cli", *args]


def test_sigkill_mid_send_then_a_second_process_sends_each_worklist_once(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    runtime: Runtime,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    agents = bulk_portfolio(db, MANY)
    armed = threading.Event()

    def hold_the_next_post(call: RecordedCall) -> None:
        if call.method != "chat.postMessage" or armed.is_set():
            return
        if len(standin.calls("chat.postMessage")) >= KILL_AFTER:
            armed.set()
            # Held long enough for the kill to land, then Slack posts it: the in-flight DM.
            standin.hang("chat.postMessage", seconds=2.0, times=1)

    standin.on_call(hold_the_next_post)
    env = cli_env(database_url, standin)
    with (tmp_path / "first.log").open("w") as log:
        first = subprocess.Popen(
            collect_bot("run", "daily-assignments", "--at", "2026-11-23T09:00"),
            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            standin.wait_for_held("chat.postMessage", timeout=60)
            first.send_signal(signal.SIGKILL)
            assert first.wait(timeout=10) == -signal.SIGKILL
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
    # Slack answers the held call after the kill: the message was posted, the bot never knew.
    calls = standin.wait_for("chat.postMessage", count=KILL_AFTER + 1, timeout=10)
    assert len(calls) == KILL_AFTER + 1
    in_flight = str(calls[-1].params["channel"])
    before = posted(standin)
    assert sum(before.values()) == KILL_AFTER + 1 and set(before.values()) == {1}

    claimed = outbox_states(runtime)["sending"]
    # The second batch of 50 was claimed: 10 sent, the held one, and 39 not yet tried.
    assert claimed == 40, outbox_states(runtime)

    # A second process within the claim's lease sends everything unclaimed, and nothing claimed.
    second = subprocess.run(
        collect_bot("run", "daily-assignments", "--at", "2026-11-23T09:02"),
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 0, second.stdout + second.stderr
    assert "already ran" in second.stdout
    assert outbox_states(runtime) == Counter({"sent": MANY + 1 - claimed, "sending": claimed})
    assert posted(standin)[in_flight] == 1

    # Once the lease has run out the claimed ones go too.
    clock.set(MONDAY_9AM + CLAIM_LEASE + timedelta(minutes=1))
    report = deliver_due(runtime)
    assert report.sent == claimed and report.failed == 0
    assert outbox_states(runtime) == Counter({"sent": MANY + 1})

    sent = posted(standin)
    assert set(sent) == {*agents, SUPERVISORS}
    # The post Slack had taken when the process died is found in that DM's history (each expired
    # claim is looked for there first) and marked sent with its ts: no DM arrives twice.
    assert all(count == 1 for count in sent.values()), {c: n for c, n in sent.items() if n > 1}
    assert len(standin.calls("conversations.history")) == claimed
    with db.reading() as session:
        in_flight_ts = session.scalar(
            select(OutboxMessage.slack_ts).where(OutboxMessage.channel == in_flight)
        )
    assert in_flight_ts == calls[-1].response["ts"]


# ---------------------------------------------------------------------------------------------
# 3. The database dropping the bot's connections under load (PostgreSQL only)

BOT_APP = "collect-faults-bot"
TEST_APP = "collect-faults-test"


def with_application_name(url: str, name: str) -> str:
    """The same database, with connections labelled so that only the bot's are terminated."""
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


@dataclass
class LabelledBot:
    runtime: Runtime
    send: SlackRequestSender
    slack: SlackStandIn
    control: Database  # the test's own connections, labelled differently


@pytest.fixture
def labelled_bot(database_url: str, standin: SlackStandIn) -> Iterator[LabelledBot]:
    if not POSTGRES_URL:
        pytest.skip(
            "needs PostgreSQL (TEST_DATABASE_URL): connections are terminated with pg_terminate_backend"
        )
    url = with_application_name(database_url, BOT_APP)
    db = Database(url)
    control = Database(with_application_name(database_url, TEST_APP))
    standard_team(control)
    with serving(db, url, standin, ManualClock(MONDAY_9AM)) as running:
        yield LabelledBot(running.runtime, running.send, standin, control)
    db.dispose()
    control.dispose()


def bot_backends(control: Database, *, waiting_on_lock: bool = False) -> int:
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app AND datname = current_database()"
    )
    if waiting_on_lock:
        query += " AND wait_event_type = 'Lock'"
    with control.engine.connect() as connection:
        return int(connection.execute(text(query), {"app": BOT_APP}).scalar_one())


def terminate_bot_connections(control: Database) -> int:
    with control.engine.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :app AND datname = current_database()) AS t"
            ),
            {"app": BOT_APP},
        ).scalar_one()
    return int(killed)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def final_answer(bot: LabelledBot, response: SlackHttpResponse) -> str:
    """What the person finally reads: the acknowledgement, or the late answer it promised."""
    assert response.status == 200, response.body
    assert "Traceback" not in response.body
    if "Working on it" in response.body:
        late = bot.slack.wait_for_response(url=response.response_url, timeout=10)[0]
        return str(late)
    return response.body


def send_in_threads(jobs: list[Callable[[], SlackHttpResponse]]) -> tuple[list[threading.Thread], list[Any]]:
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except Exception as error:  # a refused or dropped connection is a result too
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    return threads, results


def balances_match_payments(db: Database) -> None:
    start = {"ACC-1042": Decimal("1250.00"), "ACC-1043": Decimal("80.00"), "ACC-2001": Decimal("4310.00"),
             "EU-77": Decimal("40.00")}  # fmt: skip
    with db.reading() as session:
        paid = dict(
            session.execute(
                select(Account.account_id, func.coalesce(func.sum(Payment.amount), 0))
                .outerjoin(Payment, Payment.account_pk == Account.id)
                .group_by(Account.account_id)
            ).all()
        )
        balances = dict(session.execute(select(Account.account_id, Account.balance)).all())
        payments = session.scalar(select(func.count()).select_from(Payment))
        audited = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "payment.recorded")
        )
    for account, opening in start.items():
        assert balances[account] == opening - Decimal(paid[account]), account
    assert payments == audited


@pytest.mark.postgres_only
def test_connections_killed_mid_command_answer_try_again_and_the_next_commands_work(
    labelled_bot: LabelledBot,
) -> None:
    bot, agent = labelled_bot, "U0AGENT1"
    assert "Recorded" in bot.send.slash_command(agent, "pay ACC-1042 1.00 ref:WARM-1").body
    in_flight = 4
    with bot.control.transaction() as session:
        # Holding the account's row lock keeps the payments waiting inside their transactions.
        session.execute(text("SELECT 1 FROM accounts WHERE account_id = 'ACC-1042' FOR UPDATE"))
        threads, results = send_in_threads(
            [
                partial(bot.send.slash_command, agent, f"pay ACC-1042 1.00 ref:HELD-{n}")
                for n in range(in_flight)
            ]
        )
        wait_until(
            lambda: bot_backends(bot.control, waiting_on_lock=True) == in_flight, what="payments waiting"
        )
        # More commands arrive while the connections go: each either works or says try again,
        # also those whose roster check (not remembered from the warm-up) loses its connection.
        bot.runtime.roster_memory.forget()
        stream, streamed = send_in_threads(
            [partial(bot.send.slash_command, agent, f"pay ACC-1043 1.00 ref:STREAM-{n}") for n in range(6)]
        )
        assert terminate_bot_connections(bot.control) >= in_flight
    for thread in threads + stream:
        thread.join(timeout=15)
    for response in results:
        assert isinstance(response, SlackHttpResponse), response
        answer = final_answer(bot, response)
        assert "try again" in answer and "nothing was saved" in answer, answer
    recorded_refs = set()
    for n, response in enumerate(streamed):
        assert isinstance(response, SlackHttpResponse), response
        answer = final_answer(bot, response)
        # Recorded, or told so: since the roster check answers 'try again' too (handlers/gate.py),
        # no path leaves the person with an empty answer.
        assert "Recorded" in answer or ("try again" in answer and "nothing was saved" in answer), answer
        if "Recorded" in answer:
            recorded_refs.add(f"STREAM-{n}")
    with bot.control.reading() as session:
        refs = set(session.scalars(select(Payment.reference)))
    assert not any(ref.startswith("HELD-") for ref in refs if ref)
    assert recorded_refs <= refs
    balances_match_payments(bot.control)

    # The pool's connections are all dead: the failures replaced them and the bot carries on.
    after = [bot.send.slash_command(agent, f"pay ACC-1042 1.00 ref:AFTER-{n}") for n in range(3)]
    assert all("Recorded $1.00" in final_answer(bot, r) for r in after)
    assert "ACC-1042" in final_answer(bot, bot.send.slash_command(agent, "account ACC-1042"))
    balances_match_payments(bot.control)
    assert bot_backends(bot.control) >= 1


def kill_idle_bot_connections(bot: LabelledBot) -> None:
    """After a payment, with nothing in flight: the database drops every connection of the bot (as
    it does when it restarts), which the bot's pool does not know yet."""
    assert "Recorded" in bot.send.slash_command("U0AGENT1", "pay ACC-1042 1.00 ref:WARM-1").body
    # The payment's App Home refresh reads the database too: done before the connections go.
    bot.slack.wait_for("views.publish")
    assert terminate_bot_connections(bot.control) >= 1
    wait_until(lambda: bot_backends(bot.control) == 0, what="the bot's connections to go")


@pytest.mark.postgres_only
def test_connections_that_died_while_idle_are_replaced_before_the_next_command(
    labelled_bot: LabelledBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    kill_idle_bot_connections(labelled_bot)
    # However short the pause was, it counts as idle: each connection handed out is pinged first.
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    answer = labelled_bot.send.slash_command("U0AGENT1", "pay ACC-1042 1.00 ref:AFTER-IDLE")
    assert "Recorded $1.00" in answer.body, answer.body
    balances_match_payments(labelled_bot.control)


@pytest.mark.postgres_only
def test_a_connection_reused_at_once_is_not_pinged_and_its_death_costs_one_try_again(
    labelled_bot: LabelledBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load no connection sits idle, so none is pinged: a database restart then fails the
    commands on the dead connections, once, as it fails those in flight."""
    kill_idle_bot_connections(labelled_bot)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    first = labelled_bot.send.slash_command("U0AGENT1", "pay ACC-1042 1.00 ref:FIRST")
    assert "try again" in final_answer(labelled_bot, first)
    second = labelled_bot.send.slash_command("U0AGENT1", "pay ACC-1042 1.00 ref:SECOND")
    assert "Recorded $1.00" in final_answer(labelled_bot, second)
    with labelled_bot.control.reading() as session:
        assert set(session.scalars(select(Payment.reference))) == {"WARM-1", "SECOND"}
    balances_match_payments(labelled_bot.control)


@pytest.mark.postgres_only
def test_the_pools_open_their_connections_before_the_first_request(database_url: str) -> None:
    """Opened on demand, the connection a burst needed beyond those in use was opened in the middle
    of it, with its authentication: the slowest answers at 200 pays a second (issue 23)."""
    if not POSTGRES_URL:
        pytest.skip("SQLite's connections are files, opened on demand")
    db = Database(database_url)
    try:
        assert db.allow_bounded(0.25)
        db.open_connections(3)
        assert [engine.pool.checkedin() for engine in db.engines] == [3, 3]  # type: ignore[attr-defined]
    finally:
        db.dispose()


@pytest.mark.postgres_only
def test_serve_opens_a_connection_for_each_request_thread_before_any_request(
    database_url: str, standin: SlackStandIn, tmp_path: Path
) -> None:
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): the bot's connections are counted by name")
    control = Database(with_application_name(database_url, TEST_APP))
    standard_team(control)
    port = free_port()
    env = cli_env(with_application_name(database_url, BOT_APP), standin)
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            collect_bot("serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "3"),
            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        # The request threads' pool (pay and log) and the one of reads and work: three each.
        wait_until(lambda: bot_backends(control) >= 6, timeout=30, what="the bot's connections")
        assert process.poll() is None, (tmp_path / "serve.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)
        control.dispose()


@pytest.mark.postgres_only
def test_a_connection_killed_during_the_roster_check_also_answers_try_again(
    labelled_bot: LabelledBot,
) -> None:
    bot = labelled_bot
    assert "Recorded" in bot.send.slash_command("U0AGENT1", "pay ACC-1042 1.00 ref:WARM-1").body
    # The payment's App Home refresh reads the roster too (someone removed gets the welcome): done
    # before the lock, or it waits behind it as a second backend and the count below never is 1.
    bot.slack.wait_for("views.publish")
    bot.runtime.roster_memory.forget()  # the warm-up's roster check is remembered for a few seconds
    with bot.control.transaction() as session:
        # The roster check (a read of agents) waits behind this lock, inside the request.
        session.execute(text("LOCK TABLE agents IN ACCESS EXCLUSIVE MODE"))
        threads, results = send_in_threads([lambda: bot.send.slash_command("U0AGENT1", "account ACC-1042")])
        wait_until(lambda: bot_backends(bot.control, waiting_on_lock=True) == 1, what="the roster check")
        terminate_bot_connections(bot.control)
    threads[0].join(timeout=15)
    response = results[0]
    assert isinstance(response, SlackHttpResponse) and response.status == 200
    assert "try again" in response.body, repr(response.body)


# ---------------------------------------------------------------------------------------------
# 4. SIGTERM while a request is in flight


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthz(port: int, timeout: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except ConnectionRefusedError:
        return True


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    path: Path
    send: SlackRequestSender
    slack: SlackStandIn


@pytest.fixture
def served(_sqlite_template: Path, standin: SlackStandIn, tmp_path: Path) -> Iterator[Served]:
    """`collect-bot serve` in its own process, on a SQLite file, talking to the stand-in."""
    path = tmp_path / "served.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    db = Database(url)
    standard_team(db)
    db.dispose()
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            collect_bot("serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "4"),
            env=cli_env(url, standin), cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            wait_until(
                lambda: healthz(port) or process.poll() is not None, timeout=30, what="the bot to serve"
            )
            assert process.poll() is None, log_path.read_text()
            sender = SlackRequestSender(
                f"http://127.0.0.1:{port}", SIGNING_SECRET, standin=standin, timeout=20
            )
            yield Served(process, port, path, sender, standin)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


def write_lock(path: Path) -> Callable[[], None]:
    """BEGIN IMMEDIATE from outside the bot: its writes wait (busy_timeout) until the returned
    release() is called."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=5)
    connection.execute("BEGIN IMMEDIATE")

    def release() -> None:
        if connection.in_transaction:
            connection.execute("COMMIT")
        connection.close()

    return release


def acc_1042_balance(path: Path) -> Decimal:
    db = Database(f"sqlite:///{path}")
    try:
        with db.reading() as session:
            return session.scalars(select(Account.balance).where(Account.account_id == "ACC-1042")).one()
    finally:
        db.dispose()


@dataclass
class Draining:
    """A payment waiting on the database lock when SIGTERM arrived; the lock is still held."""

    request: threading.Thread
    results: list[Any]
    signalled_at: float
    release: Callable[[], None]


def sigterm_during_a_payment(served: Served) -> Draining:
    assert healthz(served.port)
    release = write_lock(served.path)
    threads, results = send_in_threads([lambda: served.send.slash_command("U0AGENT1", "pay ACC-1042 5")])
    # The first request makes the bot call auth.test: the payment is inside the bot now.
    served.slack.wait_for("auth.test", timeout=10)
    served.process.send_signal(signal.SIGTERM)
    signalled_at = time.monotonic()
    # It stops taking work (the health check no longer answers) while the payment waits.
    wait_until(lambda: not healthz(served.port, timeout=0.3), timeout=5, what="the bot to stop serving")
    return Draining(threads[0], results, signalled_at, release)


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(served: Served) -> None:
    draining = sigterm_during_a_payment(served)
    try:
        assert draining.request.is_alive(), "the payment should still be waiting on the lock"
    finally:
        draining.release()
    draining.request.join(timeout=15)
    assert served.process.wait(timeout=10) == 0
    assert time.monotonic() - draining.signalled_at < 10
    response = draining.results[0]
    assert isinstance(response, SlackHttpResponse), response
    assert response.status == 200 and "Traceback" not in response.body
    answer = response.body
    if "Working on it" in answer:  # the lock outlasted the reply budget: the answer came later
        answer = str(served.slack.wait_for_response(url=response.response_url, timeout=5)[0])
    assert "Recorded $5.00" in answer
    assert acc_1042_balance(served.path) == Decimal("1245.00")
    assert refused(served.port)


def test_sigterm_refuses_new_connections_while_the_request_in_flight_finishes(served: Served) -> None:
    draining = sigterm_during_a_payment(served)
    try:
        assert draining.request.is_alive()
        # Within the drain (the lock is still held), a new connection must be refused at once.
        assert refused(served.port), "a new connection was accepted during shutdown and left unanswered"
    finally:
        draining.release()
        draining.request.join(timeout=15)
