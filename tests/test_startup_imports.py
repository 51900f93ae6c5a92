"""What start-up imports (issue 23): `collect-bot --help` and each command's `--help` load argparse
and the commands' arguments, not the libraries the commands use; `serve` answers /healthz once its
port is bound and the database has answered, and serves Slack without the renderers, the model's
libraries or Alembic, which load when first used. Each case runs in a fresh
interpreter and reads its sys.modules, so a top-level import added anywhere on the way shows here.
Not timed: benchmarks/bench_startup.py measures the time and the memory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from storage.database import Database
from storage.models import JobRun
from storage.schema import current_revision, head_revision, revisions
from tests.propensity_portfolio import generated_histories, load_histories

ROOT = Path(__file__).resolve().parent.parent
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COLLECT_", "DATABASE_URL"))}

# Libraries no command needs to show its help.
NOT_FOR_HELP = (
    "sqlalchemy", "pydantic", "pydantic_settings", "alembic", "slack_bolt", "slack_sdk", "waitress",
    "apscheduler", "matplotlib", "openpyxl", "xlsxwriter", "fpdf", "sklearn", "numpy", "jinja2", "rich",
    "yaml", "holidays", "psycopg",
)  # fmt: skip
# Libraries `serve` loads at the first chart, spreadsheet, PDF, document or score; Alembic only
# to migrate.
NOT_FOR_SERVING = ("matplotlib", "openpyxl", "xlsxwriter", "fpdf", "sklearn", "numpy", "jinja2", "alembic")
# Modules `serve` loads when first used: Babel's catalog tools with the first language other than
# English, difflib with the first typo, smtplib with the first email; the billing API's with
# COLLECT_API_SECRET set, the socket's client in Socket Mode only; the CSV import's checks and
# writes with COLLECT_IMPORT_DIR set (the folder's job) or the billing API.
NOT_FOR_SERVING_MODULES = (
    "babel.messages", "difflib", "smtplib", "handlers.api", "wiring.socket_mode", "slack_sdk.socket_mode",
    "bot.imports.job", "bot.imports.desk", "bot.imports.rules", "bot.imports.records",
)  # fmt: skip


def loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The top-level packages in sys.modules once `code` has run (it prints them as JSON)."""
    return loaded_at(code, env, lines=1)[0]


def loaded_at(code: str, env: dict[str, str] | None = None, *, lines: int) -> list[set[str]]:
    """What `code` prints of sys.modules at each of `lines` moments (as JSON, one line each, last
    in its output)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**CLEAN_ENV, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [set(json.loads(line)) for line in done.stdout.strip().splitlines()[-lines:]]


def test_help_and_every_commands_help_import_none_of_the_libraries_the_commands_use() -> None:
    loaded = loaded_after(
        """
        import contextlib, io, json, sys
        from wiring.cli.main import _parser, main

        commands = _parser()._subparsers._group_actions[0].choices
        for argv in (["--help"], *([name, "--help"] for name in commands)):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
                main(argv)
        print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
        """
    )
    assert "wiring" in loaded  # the code ran
    assert sorted(loaded & set(NOT_FOR_HELP)) == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_healthz_before_its_app_is_built_and_serves_without_the_renderers_the_model_or_alembic(
    db: Database, database_url: str
) -> None:
    """`serve` in HTTP mode as `collect-bot serve` runs it, on the test's database (schema current);
    a thread asks /healthz until it answers 200 and reads what the process has imported then, then
    sends Slack's endpoint a request (unsigned: it waits for the app, which refuses it) and reads it
    again once the app is built."""
    port = free_port()
    loaded = loaded_at(
        f"""
        import json, os, sys, threading, time, urllib.error, urllib.request

        def modules():
            return sorted(sys.modules)

        def watch():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen("http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
            else:
                os._exit(3)
            at_health = modules()
            unsigned = urllib.request.Request("http://127.0.0.1:{port}/slack/events", data=b"", method="POST")
            try:
                urllib.request.urlopen(unsigned, timeout=60)
                os._exit(4)
            except urllib.error.HTTPError as refused:
                if refused.code != 401:
                    os._exit(5)
            print(json.dumps(at_health))
            print(json.dumps(modules()), flush=True)
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
        from wiring.cli.main import main
        main(["serve", "--host", "127.0.0.1", "--port", "{port}", "--http"])
        """,
        env={
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-startup-test",
            "SLACK_SIGNING_SECRET": "startup-test-secret",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
        },
        lines=2,
    )
    at_health, serving = ({name.partition(".")[0] for name in names} for names in loaded)
    assert {"sqlalchemy", "waitress"} <= at_health  # the database checked, the port bound
    assert {"slack_bolt", "handlers"} <= serving  # the app built and serving
    assert sorted(serving & set(NOT_FOR_SERVING)) == []
    # Of SQLAlchemy's dialects, only the database's own (each loads every driver it ships for).
    other_dialect = "postgresql" if db.engine.dialect.name == "sqlite" else "sqlite"
    unused = (*NOT_FOR_SERVING_MODULES, f"sqlalchemy.dialects.{other_dialect}")
    assert sorted(name for name in loaded[1] if name.startswith(unused)) == []


def this_monday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday())


def loaded_after_a_first_tick(database_url: str, at: datetime) -> set[str]:
    """What a first `serve`'s start-up tick loads, run in a fresh interpreter on the bot's clock set
    to `at` (the team's zone UTC), as the top-level packages in its sys.modules."""
    tick = f"""
        import json, sys
        from datetime import datetime
        from bot.clock import ManualClock
        from bot.runtime import Runtime
        from bot.settings import Settings
        from schedules.runner import tick
        from storage.database import open_database

        settings = Settings(_env_file=None)
        at = datetime.fromisoformat("{at.isoformat()}")
        db = open_database(settings.database_url.get_secret_value())
        runtime = Runtime(settings=settings, db=db, clock=ManualClock(at))
        tick(runtime, by="test")
        print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}})))
        """
    env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-startup-test",
           "SLACK_SIGNING_SECRET": "startup-test-secret", "SLACK_API_URL": "http://127.0.0.1:9/api/",
           "COLLECT_TIMEZONE": "UTC"}  # fmt: skip
    loaded = loaded_after(tick, env)
    assert "schedules" in loaded  # the tick ran
    return loaded


def test_a_new_teams_first_tick_decides_its_history_too_thin_without_the_models_libraries(
    db: Database, database_url: str
) -> None:
    """A first `serve` runs every job at its start-up tick, the weekly training among them: on an
    empty database, then on a new team's few accounts, the history is found too thin to learn from
    without loading numpy or scikit-learn, which would stay in the idle bot's memory. The tick runs
    on a Monday at 00:30 (UTC, the team's zone here): the week's training is due, the morning's
    jobs are not (a digest's chart loads matplotlib and numpy, as it should)."""
    monday = this_monday()
    trained = select(JobRun.summary).where(JobRun.job == "train-score")
    for accounts in (0, 4):
        load_histories(db, list(generated_histories(accounts, monday)))
        loaded = loaded_after_a_first_tick(database_url, datetime.combine(monday, time(0, 30), UTC))
        assert sorted(loaded & {"numpy", "sklearn"}) == []
        with db.transaction() as session:
            (summary,) = session.scalars(trained).all()
            assert summary == {"decision": "rule", "thin": "few-examples"}
            session.execute(delete(JobRun))


def test_a_digest_with_nobody_to_send_it_to_draws_no_chart_and_writes_no_spreadsheet(
    db: Database, database_url: str
) -> None:
    """A first `serve` after the daily digest's time runs the digests at its start-up tick. A team
    with no supervisors' or management channel set has nobody to send a digest's files to: they
    are not made, and matplotlib, numpy and XlsxWriter do not load into the idle bot's memory for
    nothing (bench_startup measured 136 MB idle on SQLite at 21:17, 78 MB before 17:30). The tick
    runs on a Monday at 18:00 (UTC, the team's zone): the daily and weekly digests are due."""
    loaded = loaded_after_a_first_tick(database_url, datetime.combine(this_monday(), time(18, 0), UTC))
    with db.transaction() as session:
        ran = set(session.scalars(select(JobRun.job)))
    assert {"performance-digest-day", "performance-digest-week"} <= ran  # the digests ran
    assert sorted(loaded & {"matplotlib", "numpy", "xlsxwriter"}) == []


def test_the_schema_check_reads_the_head_alembic_would(db: Database) -> None:
    """The start-up check reads the migration files' revision lines instead of loading Alembic."""
    assert head_revision() == revisions()[-1]
    assert current_revision(db.engine) == head_revision()
