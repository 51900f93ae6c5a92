"""`collect-bot` as a user runs it: settings errors in one line, `serve` on a fresh SQLite file."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.settings import SettingsError, load_settings
from storage.database import open_database
from tests import conftest
from tests.conftest import RunningBot
from tests.portfolio import standard_team
from tests.test_faults import wait_until
from wiring.app import create_wsgi_app
from wiring.serving import (
    BackgroundServer,
    CannotListenError,
    StartingWsgi,
    create_server,
    serving_meanwhile,
)
from wiring.standin.requests import SlackRequestSender
from wiring.standin.web_api import SlackStandIn

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COLLECT_", "DATABASE_URL"))}


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wiring.cli", *args],
        env={**CLEAN_ENV, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_a_token_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    done = run_cli("serve", env={"SLACK_SIGNING_SECRET": "s"}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "collect-bot: SLACK_BOT_TOKEN is not set: the bot cannot talk to Slack without it"
    ]
    assert not (tmp_path / "collect.db").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COLLECT_TIMEZONE", "Mars/Olympus"),
        ("SLACK_API_URL", "slack.example"),
        ("COLLECT_DAILY_CAPACITY", "-1"),
    ],
)
def test_an_invalid_setting_stops_start_up_naming_it(tmp_path: Path, name: str, value: str) -> None:
    done = run_cli("serve", env={name: value}, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"collect-bot: {name} is invalid")


def test_settings_come_from_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_API_URL", "COLLECT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "SLACK_API_URL=http://127.0.0.1:9/api\nCOLLECT_TIMEZONE=America/Sao_Paulo\n"
    )
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"  # slack-sdk joins method names onto it
    assert settings.timezone == "America/Sao_Paulo"
    with pytest.raises(SettingsError):
        load_settings(COLLECT_TIMEZONE="Nowhere/Else")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Values that cannot turn up in a log by accident.
BOT_TOKEN = "xoxb-never-in-a-log-7f3a"
SIGNING_SECRET = "signing-never-in-a-log-c91e"
DATABASE_PASSWORD = "dbpass-never-in-a-log-5d20"


def test_settings_never_show_the_token_the_signing_secret_or_the_database_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database_url = f"postgresql+psycopg://collect:{DATABASE_PASSWORD}@db.internal:5432/collect"
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("DATABASE_URL", database_url)
    settings = load_settings(_env_file=None)
    for shown in (repr(settings), str(settings), f"{settings}", settings.model_dump_json()):
        assert not any(secret in shown for secret in (BOT_TOKEN, SIGNING_SECRET, DATABASE_PASSWORD))
    # ...while the one place that needs each still gets it.
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.slack_signing_secret.get_secret_value() == SIGNING_SECRET
    assert settings.database_url.get_secret_value() == database_url


def test_serve_creates_the_sqlite_schema_answers_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **CLEAN_ENV,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "wiring.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        start_up = []
        for line in server.stderr:  # blocks until the server says it is listening
            start_up.append(line)
            if "serving on" in line:
                break
        assert not any(BOT_TOKEN in line or SIGNING_SECRET in line for line in start_up)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200 and answer.read() == b"ok"
        assert (tmp_path / "collect.db").exists()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def health(url: str) -> tuple[int, bytes]:
    """/healthz's status and body; (0, b"") while nothing listens."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()
    except urllib.error.URLError:
        return 0, b""


def test_while_serve_builds_its_app_healthz_answers_for_the_database_and_slacks_requests_wait(
    runtime: Runtime, standin: SlackStandIn, clock: ManualClock
) -> None:
    """serve in HTTP mode binds its port and answers /healthz once the database has answered, then
    builds the app (most of its start-up): a command sent meanwhile waits for the app and is handled
    by it, whole, the payment recorded once."""
    standard_team(runtime.db)
    starting = StartingWsgi(runtime.db)
    server = create_server(starting, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.effective_port}"
    bot = RunningBot(
        runtime, standin, SlackRequestSender(url, conftest.SIGNING_SECRET, standin=standin), clock, url
    )
    answers: list[str] = []
    wsgi = None
    try:
        with serving_meanwhile(server):
            assert health(url) == (200, b"ok")
            paying = threading.Thread(
                target=lambda: answers.append(bot.collect("U0AGENT1", "pay ACC-1042 10"))
            )
            paying.start()
            wait_until(lambda: starting.waiting == 1, what="the command to wait for the app")
            assert answers == []
            wsgi = create_wsgi_app(runtime)
            starting.ready(wsgi)
            paying.join(timeout=60)
            assert starting.waiting == 0
            assert health(url) == (200, b"ok")  # the app's own answer now
    finally:
        server.close()
        if wsgi is not None:
            wsgi.answerer.shutdown()
    assert len(answers) == 1 and "10.00" in answers[0], answers
    with runtime.db.reading() as session:
        assert session.scalar(text("SELECT count(*) FROM payments")) == 1


def test_a_request_waiting_for_a_thread_is_not_a_warning_each(caplog: pytest.LogCaptureFixture) -> None:
    """waitress warns of its task queue's depth for every request that waits for a thread: under
    load, a log line a request when the process is busiest. The server keeps it out of the log."""
    release = threading.Event()
    served: list[str] = []

    def app(environ: Any, start_response: Any) -> list[bytes]:
        served.append(environ["PATH_INFO"])
        release.wait(timeout=30)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = create_server(app, "127.0.0.1", 0, threads=1)
    url = f"http://127.0.0.1:{server.effective_port}"
    statuses: list[int] = []

    def get(path: str) -> None:
        with urllib.request.urlopen(url + path, timeout=30) as answer:
            statuses.append(answer.status)

    callers = [threading.Thread(target=get, args=(path,)) for path in ("/first", "/second")]
    caplog.set_level(logging.DEBUG, logger="waitress")
    try:
        with serving_meanwhile(server):
            callers[0].start()
            wait_until(lambda: served == ["/first"], what="the first request to hold the thread")
            callers[1].start()
            wait_until(lambda: len(server.task_dispatcher.queue) == 1, what="the second to wait")
            release.set()
            for caller in callers:
                caller.join(timeout=30)
    finally:
        server.close()
    assert statuses == [200, 200] and served == ["/first", "/second"]
    assert not [record for record in caplog.records if record.name == "waitress.queue"], caplog.text


def test_while_serve_starts_healthz_says_503_without_the_database_and_a_stopped_start_up_answers_503(
    tmp_path: Path,
) -> None:
    unreachable = open_database("postgresql+psycopg://postgres@127.0.0.1:9/nowhere")
    starting = StartingWsgi(unreachable)
    server = create_server(starting, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.effective_port}"
    statuses: list[int] = []

    def post() -> None:
        request = urllib.request.Request(url + "/slack/events", data=b"", method="POST")
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)

    try:
        with serving_meanwhile(server):
            assert health(url) == (503, b"database unreachable")
            posting = threading.Thread(target=post)
            posting.start()
            wait_until(lambda: starting.waiting == 1, what="the request to wait for the app")
            starting.abandon()  # what serve does when its start-up fails or SIGTERM stops it
            posting.join(timeout=30)
    finally:
        server.close()
        unreachable.dispose()
    assert statuses == [503]


def test_serve_stopped_as_soon_as_healthz_answers_exits_0_without_a_traceback(tmp_path: Path) -> None:
    """SIGTERM at the first 200 from /healthz, most often while the app is still being built."""
    port = free_port()
    env = {**CLEAN_ENV, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    server = subprocess.Popen(
        [sys.executable, "-m", "wiring.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--http"],
        env={**env, "SLACK_API_URL": "http://127.0.0.1:9/api/"},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: health(f"http://127.0.0.1:{port}")[0] == 200 or server.poll() is not None)
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
        assert server.returncode == 0, stderr
        assert "Traceback" not in stderr
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_serve_on_a_taken_port_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret"}
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        for extra in ([], ["--reuse-port"]):
            done = run_cli("serve", "--host", "127.0.0.1", "--port", port, *extra, env=env, cwd=tmp_path)
            assert done.returncode == 2, done.stderr
            last = done.stderr.strip().splitlines()[-1]
            assert last.startswith(f"collect-bot: cannot listen on 127.0.0.1:{port}: Address already in use")
            assert "Traceback" not in done.stderr


def test_serve_processes_share_one_port_with_reuse_port() -> None:
    def named(name: bytes) -> Any:
        def app(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
            start_response("200 OK", [("Content-Length", str(len(name)))])
            return [name]

        return app

    port = free_port()
    with (
        BackgroundServer(named(b"one"), port=port, reuse_port=True),
        BackgroundServer(named(b"two"), port=port, reuse_port=True),
    ):
        with pytest.raises(CannotListenError, match="Address already in use; choose another"):
            BackgroundServer(named(b"three"), port=port)  # without it the port is taken
        answered = set()
        for _ in range(64):  # the kernel spreads new connections over both by their source port
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
                answered.add(answer.read())
    assert answered == {b"one", b"two"}


def test_the_sandbox_line_shows_a_database_url_without_its_password() -> None:
    from wiring.cli.main import _shown_url

    assert (
        _shown_url("postgresql+psycopg://collect:s3cret@db/collect")
        == "postgresql+psycopg://collect:***@db/collect"
    )
    assert _shown_url("sqlite:///collect.db") == "sqlite:///collect.db"
    assert "s3cret" not in _shown_url("not a url with s3cret")


def test_a_command_run_in_process_leaves_other_log_handlers_their_tracebacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The terminal gets one line per problem; a handler the command did not set up (here the test's
    log capture, elsewhere an embedding program's) still gets the traceback."""
    from wiring.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'collect.db'}")
    assert main(["report"]) == 0
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("elsewhere").exception("failed after a command")
    assert caplog.records[-1].exc_info is not None
    assert "Traceback" in caplog.text and "RuntimeError: boom" in caplog.text


def test_a_serving_bots_log_leaves_out_the_pdf_and_mail_libraries_chatter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """fontTools tells each font subset of each PDF at INFO (hundreds of lines for a morning's
    dunning letters), aiosmtpd each connection: not in the bot's log; their warnings still are."""
    from bot.correspondence.model import DocumentKind
    from bot.correspondence.render import document_pdf, sample_facts
    from wiring.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'collect.db'}")
    assert main(["db", "upgrade"]) == 0
    caplog.set_level(logging.INFO)
    caplog.clear()
    document_pdf(sample_facts(DocumentKind.STATEMENT, "en"), "Statement", "Your balance")
    assert [r.name for r in caplog.records if r.name.startswith(("fontTools", "fpdf"))] == []
    logging.getLogger("mail.log").warning("a server said no")
    assert [r.name for r in caplog.records] == ["mail.log"]
