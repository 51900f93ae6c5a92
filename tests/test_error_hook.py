"""One way to fail: whatever path a request takes (a typed command, a form within and past the reply
budget, a click answered through response_url, an exception escaping a listener), an unexpected
exception reaches the person as the apology with a short error id, the log has the same id with
the traceback, and Slack never receives a traceback. A UserError is shown as its own message.

The faults are real: a table renamed away under the bot (as a half-applied migration or a restore
gone wrong leaves it), and a command arriving after the bot's worker pool has shut down. And a
structural check: handler modules do not import each other, the database, or build error ids."""

from __future__ import annotations

import ast
import json
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import ManualClock
from bot.ids import ActionId, BlockId
from bot.ledger.records.accounts import find_account
from bot.runtime import Runtime
from storage.database import Database
from tests.conftest import SIGNING_SECRET, RunningBot, bot_settings
from tests.portfolio import add_agent, standard_team
from wiring.app import create_wsgi_app
from wiring.serving import BackgroundServer
from wiring.standin.requests import SlackHttpResponse, SlackRequestSender
from wiring.standin.web_api import SlackStandIn
from wiring.web import CollectBotWsgi

AGENT = "U0AGENT1"
ERROR_ID = re.compile(r"error id:? `?([0-9a-f]{8})\b")
HANDLERS = Path(__file__).resolve().parent.parent / "handlers"


@contextmanager
def serving_app(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, **settings: str
) -> Iterator[tuple[RunningBot, CollectBotWsgi]]:
    """The bot over real HTTP (as tests.conftest.serving), with its WSGI app in hand."""
    runtime = Runtime(settings=bot_settings(database_url, standin, **settings), db=db, clock=clock)
    wsgi = create_wsgi_app(runtime)
    with BackgroundServer(wsgi) as server:
        sender = SlackRequestSender(server.url, SIGNING_SECRET, standin=standin)
        yield RunningBot(runtime=runtime, slack=standin, send=sender, clock=clock, url=server.url), wsgi
    wsgi.answerer.shutdown()


@pytest.fixture
def served(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> Iterator[tuple[RunningBot, CollectBotWsgi]]:
    # A short budget: the slow form is past it at once. A command's answer is read with
    # `team.collect`, which waits past "Working on it…": on a loaded machine 0.3 s is outlasted.
    with serving_app(db, database_url, standin, clock, COLLECT_REPLY_BUDGET="0.3") as running:
        standard_team(db)
        yield running


@pytest.fixture
def team(served: tuple[RunningBot, CollectBotWsgi]) -> RunningBot:
    return served[0]


@contextmanager
def table_away(db: Database, table: str) -> Iterator[None]:
    """The table renamed away for the block's length: every statement on it fails with an error the
    bot cannot foresee (no such table / relation does not exist)."""
    with db.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))


def shown(answer: Any) -> str:
    return answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)


@dataclass(frozen=True)
class Logged:
    level: int
    message: str
    traceback: str


class LogSnapshot(logging.Handler):
    """The bot's log lines as they were written, each with its traceback formatted at once: a record
    is one object every handler sees, so what one handler does to it later cannot change what this
    test read."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[Logged] = []

    def emit(self, record: logging.LogRecord) -> None:
        trace = "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else ""
        self.lines.append(Logged(record.levelno, record.getMessage(), trace))

    def errors(self) -> list[Logged]:
        return [line for line in self.lines if line.level >= logging.ERROR]


@pytest.fixture
def bot_log() -> Iterator[LogSnapshot]:
    """What the bot's handlers log (every failure is logged under handlers.failures)."""
    snapshot = LogSnapshot()
    logger = logging.getLogger("handlers")
    logger.addHandler(snapshot)
    try:
        yield snapshot
    finally:
        logger.removeHandler(snapshot)


def apology_logged(answer: str, bot_log: LogSnapshot) -> str:
    """The apology's error id, checked against the log: the same id, with the traceback there and
    nowhere in the answer."""
    assert "Traceback" not in answer and 'File "' not in answer, answer
    assert "went wrong" in answer and "nothing was saved" in answer, answer
    found = ERROR_ID.search(answer)
    assert found, answer
    error_id = found.group(1)
    logged = [line for line in bot_log.lines if error_id in line.message]
    assert len(logged) == 1, [line.message for line in bot_log.lines]
    assert logged[0].level == logging.ERROR and "Traceback" in logged[0].traceback, logged[0]
    return error_id


def body_of(response: SlackHttpResponse) -> str:
    assert response.status == 200, (response.status, response.body)
    return response.body


def open_pay_form(bot: RunningBot) -> dict[str, Any]:
    opened = len(bot.slack.calls("views.open"))
    assert body_of(bot.send.slash_command(AGENT, "pay")) == ""
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    return view


def pay_values(account_id: str, amount: str) -> dict[str, Any]:
    return {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": account_id}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": amount}},
    }


# --- (a) Through the real endpoint ----------------------------------------------------------------


def test_a_command_that_fails_unexpectedly_answers_the_apology_with_the_logged_id(
    team: RunningBot, bot_log: LogSnapshot
) -> None:
    with table_away(team.runtime.db, "audit_log"):
        answer = team.collect(AGENT, "pay ACC-1042 5")
    apology_logged(answer, bot_log)
    assert "Recorded" in team.collect(AGENT, "pay ACC-1042 5")


def test_a_user_error_shows_its_message_and_no_error_id(team: RunningBot, bot_log: LogSnapshot) -> None:
    answer = team.collect(AGENT, "pay ACC-1042 12.345")
    assert "decimals" in answer and "went wrong" not in answer and not ERROR_ID.search(answer), answer
    assert not bot_log.errors()


def test_a_form_that_fails_within_the_budget_shows_the_apology_inline(
    team: RunningBot, bot_log: LogSnapshot
) -> None:
    view = open_pay_form(team)
    with table_away(team.runtime.db, "audit_log"):
        answer = team.send.view_submission(AGENT, view, pay_values("ACC-1042", "5"))
    errors = answer.json()["errors"]
    assert answer.json()["response_action"] == "errors" and list(errors) == [BlockId.ACCOUNT], errors
    apology_logged(errors[BlockId.ACCOUNT], bot_log)


def test_a_form_that_fails_past_the_budget_closes_and_the_apology_goes_to_the_dm(
    team: RunningBot, bot_log: LogSnapshot
) -> None:
    view = open_pay_form(team)
    db = team.runtime.db
    with table_away(db, "audit_log"):
        with db.transaction() as session:
            # The account's lock (the whole database on SQLite) holds the payment past the budget.
            find_account(session, "ACC-1042", for_update=True)
            answer = team.send.view_submission(AGENT, view, pay_values("ACC-1042", "5"))
            assert body_of(answer) == ""
        told = shown(team.wait_for_dms(AGENT, 1)[-1])
    apology_logged(told, bot_log)


def test_a_click_that_fails_unexpectedly_answers_the_apology_through_response_url(
    team: RunningBot, bot_log: LogSnapshot
) -> None:
    question = json.loads(team.collect(AGENT, "pay ACC-1043 100"))
    assert "more than the balance" in shown(question)
    message = {"ts": "1.1", "blocks": question["blocks"], "channel": "C0GENERAL"}
    with table_away(team.runtime.db, "audit_log"):
        click = team.send.block_actions(AGENT, [{"action_id": ActionId.CONFIRM_OVERPAYMENT}], message=message)
        assert body_of(click) == ""
        answer = team.slack.wait_for_response(url=click.response_url)[0]
    apology_logged(shown(answer), bot_log)


def test_a_decision_click_that_fails_unexpectedly_answers_the_apology_through_response_url(
    team: RunningBot, bot_log: LogSnapshot
) -> None:
    """The click opens a form when it works; when it fails, the person is told so all the same."""
    add_agent(team.runtime.db, "U0MANAGER", "Meg Manager", role="manager")
    assert team.collect(AGENT, "escalate ACC-1042 settlement 900 offer accepted")
    team.slack.wait_for("chat.postMessage")
    message = next(m for m in team.slack.messages("C0SUPERVISORS") if not m.get("thread_ts"))
    with table_away(team.runtime.db, "escalations"):
        click = team.send.block_actions(
            "U0MANAGER", [{"action_id": ActionId.ESCALATION_REJECT}], message=message
        )
        answer = team.slack.wait_for_response(url=click.response_url)[0]
    apology_logged(shown(answer), bot_log)
    assert team.slack.calls("views.open") == []


def test_an_exception_escaping_a_command_listener_answers_the_apology(
    served: tuple[RunningBot, CollectBotWsgi], bot_log: LogSnapshot
) -> None:
    bot, wsgi = served
    # A command arriving once the worker pool is shut down (the end of a drain): the listener's
    # hand-off to the pool raises, outside any work the answerer guards.
    wsgi.answerer.shutdown()
    apology_logged(body_of(bot.send.slash_command(AGENT, "account ACC-1042")), bot_log)


def test_an_exception_escaping_a_form_listener_answers_the_apology_inline(
    served: tuple[RunningBot, CollectBotWsgi], bot_log: LogSnapshot
) -> None:
    bot, wsgi = served
    view = open_pay_form(bot)
    wsgi.answerer.shutdown()
    answer = bot.send.view_submission(AGENT, view, pay_values("ACC-1042", "5"))
    errors = answer.json()["errors"]
    assert answer.json()["response_action"] == "errors" and len(errors) == 1, errors
    apology_logged(next(iter(errors.values())), bot_log)


def test_an_exception_escaping_the_options_listener_is_logged_with_an_id_and_answers_no_options(
    team: RunningBot, bot_log: LogSnapshot
) -> None:
    view = open_pay_form(team)
    with table_away(team.runtime.db, "accounts"):
        answer = team.send.block_suggestion(
            AGENT, ActionId.ACCOUNT_PICKER, BlockId.ACCOUNT, "silva", view=view
        )
    assert answer.json() == {"options": []}
    logged = [line for line in bot_log.errors() if ERROR_ID.search(line.message)]
    assert len(logged) == 1 and "Traceback" in logged[0].traceback, bot_log.lines


def test_an_event_whose_gate_fails_is_logged_with_an_id_and_acknowledged(
    team: RunningBot, bot_log: LogSnapshot
) -> None:
    with table_away(team.runtime.db, "received_events"):
        answer = team.send.event({"type": "app_home_opened", "user": AGENT, "tab": "home"})
    # Acknowledged all the same: a retried event would fail the same way.
    assert body_of(answer) == ""
    logged = [line for line in bot_log.errors() if ERROR_ID.search(line.message)]
    assert len(logged) == 1 and "Traceback" in logged[0].traceback, bot_log.lines


# --- (b) The shape of handlers/ -----------------------------------------------------------------

# Shared by the handler modules: acknowledging within the budget and the error hook
# (answering), reading a submitted form (forms), the request's own checks (gate: the replay claim
# a command makes in its work). home_refresh belongs to the answerer, which owns the refresher;
# interpreter_turns is how often the serving process's threads take turns (the refresher, wiring).
SHARED = {"answering", "forms", "gate", "home_refresh", "failures", "interpreter_turns"}
MAY_IMPORT = {"answering", "forms", "gate"}
HANDLER_MODULES = sorted(p for p in HANDLERS.glob("*.py") if p.stem not in SHARED | {"__init__"})


def imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "handlers":
                names |= {f"handlers.{alias.name}" for alias in node.names}
    return names


def test_there_are_handler_modules_to_check() -> None:
    assert {p.stem for p in HANDLER_MODULES} >= {
        "actions", "alerts", "commands", "escalations", "events", "options", "views", "worklists",
    }  # fmt: skip


@pytest.mark.parametrize("module", HANDLER_MODULES, ids=lambda p: p.stem)
def test_a_handler_imports_only_the_shared_handler_modules(module: Path) -> None:
    names = imported(ast.parse(module.read_text()))
    other_handlers = {n for n in names if n.startswith("handlers.") and n.split(".")[1] not in MAY_IMPORT}
    assert not other_handlers, f"{module.name} imports {sorted(other_handlers)}"


@pytest.mark.parametrize("module", HANDLER_MODULES, ids=lambda p: p.stem)
def test_a_handler_reaches_the_database_only_through_a_desk(module: Path) -> None:
    tree = ast.parse(module.read_text())
    names = imported(tree)
    database = {n for n in names if n.split(".")[0] in ("sqlalchemy", "storage")}
    assert not database, f"{module.name} imports {sorted(database)}"
    sessions = [
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "db"
    ]
    assert not sessions, f"{module.name} opens the database itself on lines {sessions}"


@pytest.mark.parametrize("module", sorted(HANDLERS.glob("*.py")), ids=lambda p: p.stem)
def test_only_the_error_hook_makes_error_ids(module: Path) -> None:
    if module.stem == "failures":
        return
    source = module.read_text()
    names = imported(ast.parse(source))
    assert not names & {"uuid", "secrets"}, f"{module.name} makes ids of its own"
    for builder in ("failure_reply", "form_failure", "error_id"):
        assert builder not in source, f"{module.name} builds the apology ({builder}) itself"
    if module in HANDLER_MODULES:
        assert "log.exception" not in source, f"{module.name} logs a failure itself, not through the hook"


def test_the_shared_modules_import_no_handler_module() -> None:
    for stem in SHARED:
        path = HANDLERS / f"{stem}.py"
        if not path.exists():
            continue
        names = imported(ast.parse(path.read_text()))
        others = {n for n in names if n.startswith("handlers.") and n.split(".")[1] not in SHARED}
        assert not others, f"{path.name} imports {sorted(others)}"
