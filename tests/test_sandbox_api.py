"""The sandbox's page API, as the browser page drives it: a person acts, the real bot answers
through the Slack stand-in, and the state shows what that person would see in Slack."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.ids import ActionId, BlockId
from bot.settings import load_settings
from schedules.jobs import JOBS
from storage.database import Database
from storage.models import JobRun
from tests.conftest import MONDAY_9AM
from tests.portfolio import add_account, add_agent
from wiring.sandbox.launch import RunningSandbox, first_morning, running_sandbox

ROOT = Path(__file__).resolve().parent.parent

AGENT, SUPERVISOR = "U0AGENT1", "U0SUPER1"


def small_team(db: Database) -> None:
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1042", "1250.00", customer_name="Maria Silva")


@pytest.fixture
def sandbox(database_url: str) -> Iterator[RunningSandbox]:
    before_nine = MONDAY_9AM.replace(hour=11)  # 06:00 in New York: the morning run is not due yet
    with running_sandbox(port=0, database_url=database_url, start=before_nine, prepare=small_team) as running:
        yield running


def call(sandbox: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        sandbox.url + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=15) as answer:
        return json.load(answer)


def state(sandbox: RunningSandbox, user: str) -> Any:
    return call(sandbox, f"/api/state?user={user}")


def dm(sandbox: RunningSandbox, user: str) -> str:
    return str(next(c["id"] for c in state(sandbox, user)["conversations"] if c["kind"] == "dm"))


def test_the_page_and_its_assets_are_served_locally(sandbox: RunningSandbox) -> None:
    with urllib.request.urlopen(sandbox.url + "/", timeout=10) as page:
        html = page.read().decode()
    assert "/static/app.js" in html and "http" not in html.replace("http-equiv", "")


def test_a_typed_payment_is_confirmed_ephemerally(sandbox: RunningSandbox) -> None:
    channel = dm(sandbox, AGENT)
    call(sandbox, "/api/command", {"user": AGENT, "channel": channel, "text": "/collect pay ACC-1042 250"})
    shown = state(sandbox, AGENT)["messages"][channel]
    assert shown[-1]["ephemeral"] and "Recorded $250.00" in shown[-1]["text"]
    assert not any(m["ephemeral"] for m in state(sandbox, SUPERVISOR)["messages"].get(channel, []))


def test_the_morning_run_shows_the_worklist_and_a_line_opens_its_form(sandbox: RunningSandbox) -> None:
    call(sandbox, "/api/run", {"job": "daily-assignments"})
    channel = dm(sandbox, AGENT)
    worklist = state(sandbox, AGENT)["messages"][channel][-1]
    assert worklist["bot"] and "ACC-1042" in json.dumps(worklist["blocks"])
    menu = next(
        b["accessory"] for b in worklist["blocks"] if b.get("accessory", {}).get("type") == "overflow"
    )
    pay = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "pay")
    action = {"action_id": ActionId.WORKLIST_LINE_MENU, "type": "overflow", "selected_option": pay}
    call(
        sandbox,
        "/api/action",
        {"user": AGENT, "channel": channel, "message_ts": worklist["ts"], "action": action},
    )
    view = sandbox.world.slack.wait_for("views.open")[-1].response["view"]
    assert state(sandbox, AGENT)["view"]["id"] == view["id"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "abc"}},
    }
    refused = call(sandbox, "/api/submit", {"user": AGENT, "view_id": view["id"], "values": values})
    assert BlockId.AMOUNT in refused["errors"]
    values[BlockId.AMOUNT][ActionId.AMOUNT_INPUT]["value"] = "100"
    assert call(sandbox, "/api/submit", {"user": AGENT, "view_id": view["id"], "values": values}) == {
        "ok": True
    }
    assert state(sandbox, AGENT)["view"] is None


def test_the_shortcuts_open_their_forms_for_the_person_acting(sandbox: RunningSandbox) -> None:
    channel = dm(sandbox, AGENT)
    offered = {s["name"]: s["callback_id"] for s in state(sandbox, AGENT)["shortcuts"]}
    assert sorted(offered) == ["Escalate", "Log a contact", "Log as contact", "Record a payment"]
    call(
        sandbox,
        "/api/shortcut",
        {"user": AGENT, "callback_id": offered["Record a payment"], "channel": channel},
    )
    view = sandbox.world.slack.wait_for("views.open")[-1].response["view"]
    assert state(sandbox, AGENT)["view"]["id"] == view["id"] and view["title"]["text"] == "Record a payment"
    assert state(sandbox, SUPERVISOR)["view"] is None  # the form is the person's who used it
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1042"}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "100"}},
    }
    # Counted once the start's first tick is through: it posts too (the weekly train-score's note).
    sandbox.world.settle()
    posted = len(sandbox.world.slack.calls("chat.postMessage"))
    assert call(sandbox, "/api/submit", {"user": AGENT, "view_id": view["id"], "values": values}) == {
        "ok": True
    }
    sandbox.world.slack.wait_for("chat.postMessage", count=posted + 1)
    recorded = state(sandbox, AGENT)["messages"][channel][-1]
    assert recorded["text"] == "Recorded $100.00 on ACC-1042"

    call(sandbox, "/api/shortcut", {"user": AGENT, "callback_id": offered["Log as contact"], "channel": channel,
                                    "message_ts": recorded["ts"]})  # fmt: skip
    view = sandbox.world.slack.wait_for("views.open", count=2)[-1].response["view"]
    assert state(sandbox, AGENT)["view"]["id"] == view["id"] and view["title"]["text"] == "Log a contact"
    picker, notes = (next(b["element"] for b in view["blocks"] if b["block_id"] == block)
                     for block in (BlockId.ACCOUNT, BlockId.NOTES))  # fmt: skip
    assert picker["initial_option"]["value"] == "ACC-1042"
    assert notes["initial_value"] == "Recorded $100.00 on ACC-1042"


def test_the_person_acted_as_picks_their_language_and_the_bot_speaks_it(sandbox: RunningSandbox) -> None:
    ana = next(p for p in state(sandbox, AGENT)["people"] if p["id"] == AGENT)
    assert ana["locale"] == "en"  # the stand-in's Slack says en-US, as Slack would
    call(sandbox, "/api/language", {"user": AGENT, "locale": "pt-BR"})
    assert next(p for p in state(sandbox, AGENT)["people"] if p["id"] == AGENT)["locale"] == "pt-BR"
    channel = dm(sandbox, AGENT)
    call(sandbox, "/api/command", {"user": AGENT, "channel": channel, "text": "/collect pay ACC-1042 250"})
    shown = state(sandbox, AGENT)["messages"][channel][-1]["text"]
    assert shown.startswith("Pagamento de US$") and shown.endswith("250,00 registrado em ACC-1042")
    with pytest.raises(urllib.error.HTTPError):
        call(sandbox, "/api/language", {"user": AGENT, "locale": "fr"})


def test_the_clock_moves_and_the_supervisor_sees_the_channel(sandbox: RunningSandbox) -> None:
    before = state(sandbox, AGENT)["now"]
    call(sandbox, "/api/clock", {"hours": 2})
    assert state(sandbox, AGENT)["now"] > before
    assert [c["kind"] for c in state(sandbox, SUPERVISOR)["conversations"]] == ["channel", "dm"]
    assert [c["kind"] for c in state(sandbox, AGENT)["conversations"]] == ["dm"]


def test_a_supervisors_home_open_on_the_team_follows_the_scheduled_jobs(sandbox: RunningSandbox) -> None:
    """The team's Home is kept live after the jobs' changes too: the morning's lists, by the clock
    and by Run now, show on the Home a supervisor has open without opening it again."""
    call(sandbox, "/api/home", {"user": SUPERVISOR})
    sandbox.world.slack.wait_for("views.publish")
    assert "lines done" not in json.dumps(sandbox.world.slack.home_view(SUPERVISOR))
    published = len(sandbox.world.slack.calls("views.publish"))
    call(sandbox, "/api/run", {"job": "daily-assignments"})
    sandbox.world.slack.wait_for("views.publish", count=published + 1, timeout=15)
    home = json.dumps(sandbox.world.slack.home_view(SUPERVISOR))
    assert "Ana Agent" in home and "0 of 1 lines done" in home


def test_the_billing_box_sends_a_signed_payment_through_the_bots_api_once(sandbox: RunningSandbox) -> None:
    """The page's Billing system box is a billing system: the sandbox signs the payment with the
    bot's per-run API secret and posts it to /api/v1/payments over HTTP; the agent hears at once."""
    call(sandbox, "/api/run", {"job": "daily-assignments"})
    box = state(sandbox, AGENT)["billing"]
    assert box["account"] == "ACC-1042" and box["reference"] == "BANK-1" and "ach" in box["methods"]
    secret = sandbox.world.runtime.settings.api_secret.get_secret_value()
    assert len(secret) >= 32 and secret not in json.dumps(box) and box["key"].startswith("key-")
    payment = {"account": "ACC-1042", "amount": "250.00", "method": "ach", "reference": box["reference"]}
    published = len(sandbox.world.slack.calls("views.publish"))
    sent = call(sandbox, "/api/billing", payment)
    assert sent["status"] == 200 and [r["result"] for r in sent["results"]] == ["applied"]
    assert sent["message"].startswith("Applied") and "ACC-1042" in sent["message"]
    assert "on Ana Agent's list today" in sent["message"]  # whom to act as to see the DM
    channel = dm(sandbox, AGENT)
    told = state(sandbox, AGENT)["messages"][channel]
    assert "1 account on your list today has paid" in told[-1]["text"]
    assert "$250.00" in json.dumps(told[-1]["blocks"])
    assert "paid $250.00" in json.dumps(told[0]["blocks"]) and "don't call" in json.dumps(told[0]["blocks"])
    sandbox.world.slack.wait_for("views.publish", count=published + 1, timeout=15)
    assert "paid $250.00" in json.dumps(sandbox.world.slack.home_view(AGENT))  # their Home follows
    assert state(sandbox, AGENT)["billing"]["reference"] == "BANK-2"  # the next one is new
    again = call(sandbox, "/api/billing", payment)
    assert [r["result"] for r in again["results"]] == ["duplicate"] and "Duplicate" in again["message"]
    assert len(state(sandbox, AGENT)["messages"][channel]) == len(told)  # nothing more to say
    refused = call(sandbox, "/api/billing", {**payment, "account": "ACC-NONE", "reference": "BANK-9"})
    assert [r["result"] for r in refused["results"]] == ["refused"]
    assert refused["message"].startswith("Refused") and refused["results"][0]["reason"] in refused["message"]
    assert not refused["message"].endswith("..")


def test_a_tick_the_clock_started_is_over_once_the_sandbox_has_stopped(database_url: str) -> None:
    """Moving the clock runs the scheduler at once, off the request; stopping the sandbox waits for
    that run, which would otherwise go on writing into a database its owner may already reuse."""
    before_nine = MONDAY_9AM.replace(hour=11)
    with running_sandbox(port=0, database_url=database_url, start=before_nine, prepare=small_team) as running:
        call(running, "/api/clock", {"hours": 26})  # the morning run, a digest and housekeeping fall due
    assert [t.name for t in threading.enumerate() if t.name.startswith("sandbox-tick")] == []


NEW_YORK = ZoneInfo("America/New_York")


def local(at: datetime) -> datetime:
    return at.astimezone(NEW_YORK)


def job_runs(running: RunningSandbox) -> list[tuple[str, str, datetime, str]]:
    with running.world.runtime.db.reading() as session:
        rows = session.execute(
            select(JobRun.job, JobRun.period, JobRun.ran_at, JobRun.ran_by).order_by(JobRun.id)
        )
        return [(job, period, ran_at, by) for job, period, ran_at, by in rows]


def test_a_day_on_the_clock_runs_everything_that_fell_due_in_between_in_order(database_url: str) -> None:
    """From Monday 07:55 to Tuesday 07:55: Monday's worklists at 08:00, every alerts slot of the
    working day, the daily digest at 17:30, each once and in that order, as the minute ticks would."""
    five_to_eight = MONDAY_9AM - timedelta(hours=1, minutes=5)
    with running_sandbox(
        port=0, database_url=database_url, start=five_to_eight, prepare=small_team
    ) as running:
        call(running, "/api/clock", {"days": 1})
        running.world.settle()
        runs = job_runs(running)
        supervisors = state(running, SUPERVISOR)["messages"]["C0SUPERVISORS"]
    by_job: dict[str, list[datetime]] = {}
    for job, period, ran_at, _by in runs:
        if ".." not in period:  # a daily digest also claims the closed days it reported
            by_job.setdefault(job, []).append(local(ran_at))
    assert [(t.date(), t.strftime("%H:%M")) for t in by_job["daily-assignments"]] == [
        (date(2026, 11, 23), "08:00")
    ]
    assert [(t.date(), t.strftime("%H:%M")) for t in by_job["performance-digest-day"]] == [
        (date(2026, 11, 23), "17:30")
    ]
    slots = [t.strftime("%H:%M") for t in by_job["supervisor-alerts"]]
    assert slots[0] == "09:00" and slots[-1] == "16:45" and len(slots) == len(set(slots)) == 32
    order = [when for _job, _period, when, _by in runs]
    assert order == sorted(order)  # in the order they fell due
    digest = next(m for m in supervisors if "(so far)" in json.dumps(m["blocks"]))
    assert local(datetime.fromisoformat(digest["at"])).strftime("%a %H:%M") == "Mon 17:30"


def test_run_now_of_a_digest_is_an_extra_one_and_the_scheduled_one_still_comes(
    sandbox: RunningSandbox,
) -> None:
    call(sandbox, "/api/clock", {"hours": 4})  # 06:00 → 10:00
    sandbox.world.settle()
    call(sandbox, "/api/run", {"job": "performance-digest-day"})
    call(sandbox, "/api/clock", {"hours": 8})  # past 17:30
    sandbox.world.settle()
    claims = [(period, by) for job, period, _at, by in job_runs(sandbox) if job == "performance-digest-day"]
    assert claims[0] == ("2026-11-23", claims[0][1]) and claims[0][1].startswith("sandbox@")
    so_far = [
        m
        for m in state(sandbox, SUPERVISOR)["messages"]["C0SUPERVISORS"]
        if "(so far)" in json.dumps(m["blocks"])
    ]
    assert [local(datetime.fromisoformat(m["at"])).strftime("%H:%M") for m in so_far] == ["10:00", "17:30"]


def test_the_clock_starts_just_before_the_next_working_mornings_worklists(database_url: str) -> None:
    settings = load_settings(COLLECT_TIMEZONE="America/New_York")
    friday_noon = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert local(first_morning(settings, friday_noon)) == datetime(2026, 11, 23, 7, 55, tzinfo=NEW_YORK)
    monday_six = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert local(first_morning(settings, monday_six)) == datetime(2026, 11, 23, 7, 55, tzinfo=NEW_YORK)
    with running_sandbox(port=0, database_url=database_url, prepare=small_team) as running:
        shown = state(running, AGENT)
        now = local(datetime.fromisoformat(shown["now"]))
        assert now.strftime("%H:%M") == "07:55"
        assert running.world.runtime.settings.work_calendar.is_working_day(now.date())
        assert "+5 min" in shown["hint"] and "worklists" in shown["hint"]
        call(running, "/api/clock", {"minutes": 5})
        running.world.settle()
        assert state(running, AGENT)["hint"] is None


def test_message_times_are_when_they_were_posted_not_when_the_page_first_asked(
    sandbox: RunningSandbox,
) -> None:
    call(sandbox, "/api/run", {"job": "daily-assignments"})  # 06:00
    call(sandbox, "/api/clock", {"hours": 3})
    sandbox.world.settle()
    worklist = state(sandbox, AGENT)["messages"][dm(sandbox, AGENT)][-1]
    assert local(datetime.fromisoformat(worklist["at"])).strftime("%H:%M") == "06:00"


def test_a_permalink_leads_to_the_thread_in_the_sandbox_page(sandbox: RunningSandbox) -> None:
    client = WebClient(base_url=sandbox.world.slack.api_url, token=sandbox.world.slack.token)
    posted = client.chat_postMessage(channel=dm(sandbox, AGENT), text="hello")
    link = str(client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])["permalink"])
    assert link.startswith(sandbox.url + "/archives/")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(link, timeout=10)
    assert answer.value.code == 302
    where = parse_qs(urlparse(answer.value.headers["Location"]).query)
    assert where == {"conv": [posted["channel"]], "thread": [posted["ts"]], "user": [AGENT]}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def test_only_the_events_slack_would_send_are_sent(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No message event for a reply in the bot's DM (no message.im subscription, and a read-only
    Messages tab); a reply in the private supervisors' channel is a `group` message; app_home_opened
    carries the Home last published."""
    sent: list[dict[str, Any]] = []
    deliver = sandbox.world.send.event

    def spy(event: dict[str, Any], **kwargs: Any) -> Any:
        sent.append(event)
        return deliver(event, **kwargs)

    monkeypatch.setattr(sandbox.world.send, "event", spy)
    client = WebClient(base_url=sandbox.world.slack.api_url, token=sandbox.world.slack.token)
    in_dm = client.chat_postMessage(channel=dm(sandbox, AGENT), text="a question")
    refused = post_error(
        sandbox,
        "/api/reply",
        {"user": AGENT, "channel": in_dm["channel"], "thread_ts": in_dm["ts"], "text": "hi"},
    )
    assert "read-only" in refused and sent == []
    in_channel = client.chat_postMessage(channel="C0SUPERVISORS", text="an escalation")
    call(
        sandbox,
        "/api/reply",
        {"user": SUPERVISOR, "channel": "C0SUPERVISORS", "thread_ts": in_channel["ts"], "text": "ok"},
    )
    assert sent[-1]["channel_type"] == "group" and sent[-1]["event_ts"] == sent[-1]["ts"]
    call(sandbox, "/api/home", {"user": AGENT})
    sandbox.world.slack.wait_for("views.publish")
    assert "view" not in sent[-1]
    call(sandbox, "/api/home", {"user": AGENT})
    assert sent[-1]["type"] == "app_home_opened" and sent[-1]["view"]["type"] == "home"
    call(sandbox, "/api/home", {"user": AGENT, "tab": "messages"})
    assert sent[-1]["tab"] == "messages" and "view" not in sent[-1]


def post_error(sandbox: RunningSandbox, path: str, body: dict[str, Any]) -> str:
    with pytest.raises(urllib.error.HTTPError) as answer:
        call(sandbox, path, body)
    return str(json.load(answer.value)["error"])


def test_the_jobs_are_told_apart(sandbox: RunningSandbox) -> None:
    labels = [job["label"] for job in state(sandbox, AGENT)["jobs"]]
    assert len(labels) == len(set(labels)) == len(JOBS)
    assert {"Daily digest", "Weekly digest", "Monthly digest"} <= set(labels)


def test_the_help_says_how_to_name_a_person(sandbox: RunningSandbox) -> None:
    channel = dm(sandbox, AGENT)
    call(sandbox, "/api/command", {"user": AGENT, "channel": channel, "text": "/collect help"})
    assert "@-mention" in json.dumps(state(sandbox, AGENT)["messages"][channel][-1]["blocks"])


def test_a_taken_port_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "TMPDIR": str(tmp_path)}
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "wiring.cli", "sandbox", "--port", str(port), "--seed", "3"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in done.stderr
    assert list(tmp_path.glob("collect-sandbox-*")) == []


def test_the_sandboxs_own_database_is_removed_when_it_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with running_sandbox(port=0, start=MONDAY_9AM, prepare=small_team) as running:
        channel = dm(running, AGENT)
        call(running, "/api/command", {"user": AGENT, "channel": channel, "text": "/collect pay ACC-1042 10"})
        assert list(tmp_path.glob("collect-sandbox-*/sandbox.db"))
    assert list(tmp_path.iterdir()) == []


def test_the_sandbox_stops_on_sigterm_even_twice_and_removes_its_database(tmp_path: Path) -> None:
    """A process manager (or `timeout`, or a second Ctrl-C) may signal twice in a row: the sandbox
    stops whole and removes its database. (A handler that set an Event deadlocked on the Event's own
    lock when a second signal came while the first was still inside it.)"""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "wiring.cli", "sandbox", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert sandbox.stdout is not None
        assert "open http://" in sandbox.stdout.readline()
        for _ in range(3):
            sandbox.send_signal(signal.SIGTERM)
        assert sandbox.wait(timeout=60) == 0
    finally:
        sandbox.kill()
    assert list(tmp_path.glob("collect-sandbox-*")) == []


def test_every_emoji_the_bot_writes_has_its_glyph_in_the_page() -> None:
    """A shortcode the page does not know would show as `:name:` text."""
    page = (ROOT / "wiring/sandbox/static/app.js").read_text()
    table = page[page.index("var EMOJI = {") : page.index("};", page.index("var EMOJI = {"))]
    known = set(re.findall(r'(?:^|[\s{,])"?([a-z0-9_+-]+)"?:\s*"', table))
    written = set()
    for source in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]:
        written |= set(re.findall(r'(?<=["\s]):([a-z][a-z0-9_+-]*[a-z0-9]):(?=[\s"])', source.read_text()))
    assert written and written - known == set()


def test_every_block_kit_type_the_bot_builds_is_one_the_page_renders() -> None:
    page = (ROOT / "wiring/sandbox/static/app.js").read_text()
    rendered = set(re.findall(r'case "([a-z_]+)":', page)) | {"mrkdwn", "plain_text", "modal", "home"}
    used = set()
    for source in (ROOT / "bot" / "blocks").rglob("*.py"):
        used |= set(re.findall(r'"type": "([a-z_]+)"', source.read_text()))
    assert used and used - rendered == set()


def test_a_document_is_previewed_and_sent_from_the_page(database_url: str) -> None:
    """`/collect send` opens a wait that the preview replaces; Send puts what was sent in its place."""

    def prepare(db: Database) -> None:
        small_team(db)
        add_account(db, "ACC-MAIL", "300.00", customer_name="Paul Post", email="paul@example.com")

    with running_sandbox(port=0, database_url=database_url, start=MONDAY_9AM, prepare=prepare) as sandbox:
        channel = dm(sandbox, AGENT)
        call(
            sandbox,
            "/api/command",
            {"user": AGENT, "channel": channel, "text": "/collect send ACC-MAIL statement"},
        )
        sandbox.world.slack.wait_for("views.update")
        view = state(sandbox, AGENT)["view"]
        assert view["submit"]["text"] == "Send" and "paul@example.com" in json.dumps(view["blocks"])
        assert call(sandbox, "/api/submit", {"user": AGENT, "view_id": view["id"], "values": {}}) == {
            "ok": True
        }
        sent = state(sandbox, AGENT)["view"]
        if "on its way" not in json.dumps(sent["blocks"]):
            # Past the reply budget (a loaded machine): the wait shows, and what was sent follows.
            sandbox.world.slack.wait_for("views.update", count=2)
            sent = state(sandbox, AGENT)["view"]
        assert sent["id"] == view["id"] and "submit" not in sent
        assert "on its way by email to paul@example.com" in json.dumps(sent["blocks"])


def test_dunning_runs_in_the_sandbox_and_its_summary_reaches_the_supervisors(database_url: str) -> None:
    def team_with_a_late_customer(db: Database) -> None:
        small_team(db)
        add_account(db, "ACC-2001", "90.00", customer_name="Rita Lopes", due_date=date(2026, 11, 13),
                    email="rita@example.com")  # fmt: skip

    before_nine = MONDAY_9AM.replace(hour=11)  # 06:00 in New York
    with running_sandbox(
        port=0, database_url=database_url, start=before_nine, prepare=team_with_a_late_customer
    ) as running:
        assert running.world.runtime.settings.dunning_per_day == 20
        call(running, "/api/clock", {"hours": 4})  # 10:00: dunning fell due at 09:00
        running.world.settle()
        channel = json.dumps(state(running, SUPERVISOR)["messages"]["C0SUPERVISORS"], ensure_ascii=False)
    assert "Dunning" in channel and "1 document sent" in channel and "`reminder` by email: 1" in channel


def test_training_the_propensity_score_on_a_new_team_tells_the_supervisors_why_not(
    sandbox: RunningSandbox,
) -> None:
    call(sandbox, "/api/run", {"job": "train-score"})
    told = [m for m in state(sandbox, SUPERVISOR)["messages"]["C0SUPERVISORS"] if "propensity" in m["text"]]
    assert len(told) == 1 and "keeps the rule score" in told[0]["text"]


def test_a_supervisor_asks_for_an_agents_trend_and_the_chart_comes_into_their_dm(
    sandbox: RunningSandbox,
) -> None:
    channel = dm(sandbox, SUPERVISOR)
    text = "/collect report <@U0AGENT1> --trend"
    call(sandbox, "/api/command", {"user": SUPERVISOR, "channel": channel, "text": text})
    # Slower than Slack's 3 s allow: "working on it" first, then the chart and the answer.
    sandbox.world.slack.wait_for("files.completeUploadExternal", timeout=60)
    title = "Trend: Ana Agent, last 13 weeks against the team's median"
    deadline = time.monotonic() + 60
    while True:
        messages = state(sandbox, SUPERVISOR)["messages"][channel]
        answered = [m for m in messages if m["ephemeral"] and title in str(m["text"])]
        if answered or time.monotonic() > deadline:
            break
        threading.Event().wait(0.05)  # the page asks the same way, a state at a time
    assert answered
    [chart] = [f for m in messages if not m["ephemeral"] for f in m["files"]]
    assert chart["name"] == "trend-U0AGENT1-2026-11-23.png" and chart["mimetype"] == "image/png"
