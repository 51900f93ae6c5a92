"""The sandbox in a real browser (Debian's Chromium, driven by Playwright): an agent records a
payment and escalates, a supervisor approves, the morning worklist arrives and a line's menu
opens a form. Screenshots of each step go to test-artifacts/sandbox/."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from pypdf import PdfReader
from slack_sdk import WebClient
from sqlalchemy import select

from bot.correspondence import desk
from bot.correspondence.model import DocumentKind, SendChannel
from bot.outbox.job import deliver_due
from schedules.jobs import JOBS
from storage.database import Database
from storage.models import Account
from tests.conftest import MONDAY_9AM
from tests.portfolio import add_account, add_agent
from wiring.sandbox.launch import RunningSandbox, running_sandbox

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "sandbox"
AGENT, SUPERVISOR, MANAGER = "U0AGENT1", "U0SUPER1", "U0MANAGER1"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium for the browser test: apt-get install chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def team(db: Database) -> None:
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor", approval_limit=Decimal("1000"))
    add_agent(db, MANAGER, "Mia Manager", role="manager")
    add_account(db, "ACC-1042", "1250.00", customer_name="Maria Silva")
    add_account(db, "ACC-2001", "640.00", customer_name="João & Filhos <Ltda>")
    add_account(db, "BR-7", "1250.00", currency="BRL", customer_name="Padaria Estrela Ltda")
    three_weeks_ago = MONDAY_9AM - timedelta(days=21)
    add_account(db, "OLD-1", "90.00", customer_name="Quiet Customer", last_contact_at=three_weeks_ago)


@pytest.fixture
def sandbox(database_url: str) -> Iterator[RunningSandbox]:
    six_in_the_morning = MONDAY_9AM.replace(hour=11)
    with running_sandbox(
        port=0, database_url=database_url, start=six_in_the_morning, prepare=team
    ) as running:
        yield running


@pytest.fixture
def page(sandbox: RunningSandbox) -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )  # fmt: skip
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        tab.set_default_timeout(15_000)
        tab.goto(f"{sandbox.url}/?user={AGENT}")
        expect(tab.get_by_test_id("clock")).to_contain_text("2026")  # the first state has arrived
        yield tab
        browser.close()


def type_command(page: Page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def snap(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_a_collections_morning_in_the_browser(page: Page) -> None:
    type_command(page, "/collect pay ACC-1042 250")
    expect(page.get_by_test_id("ephemeral").last).to_contain_text("Recorded $250.00")
    expect(page.get_by_test_id("ephemeral").last).to_contain_text("Only visible to you")
    snap(page, "1-payment-confirmed")

    type_command(page, "/collect log ACC-1042 call vm")  # 06:00 at the customer's: too early to call
    expect(page.get_by_test_id("ephemeral").last).to_contain_text("08:00")
    snap(page, "1b-call-refused-by-the-rules")

    type_command(page, "/collect escalate ACC-1042 settlement 900 lost their job")
    expect(page.get_by_test_id("ephemeral").last).to_contain_text("Escalated")
    snap(page, "2-escalated")

    page.get_by_test_id("act-as").select_option(SUPERVISOR)
    page.get_by_test_id("conv-C0SUPERVISORS").click()
    escalation = page.get_by_test_id("message").filter(has_text="settlement").first
    escalation.locator('[data-action-id="escalation-approve"]').click()
    expect(page.get_by_test_id("modal")).to_be_visible()
    snap(page, "3-approve-form")
    page.get_by_test_id("modal-submit").click()
    expect(escalation).to_contain_text("Approved")
    escalation.get_by_test_id("replies").click()
    expect(page.get_by_test_id("thread")).to_contain_text("approved")
    snap(page, "4-approved-in-thread")

    page.get_by_test_id("run-daily-assignments").click()
    page.get_by_test_id("act-as").select_option(AGENT)
    worklist = page.get_by_test_id("message").filter(has_text="Your worklist").last
    expect(worklist).to_contain_text("ACC-2001")
    expect(worklist).to_contain_text("João & Filhos <Ltda>")
    snap(page, "5-worklist-dm")

    line = worklist.locator(".b-section").filter(has_text="ACC-2001")
    line.get_by_test_id("overflow").first.click()
    page.get_by_test_id("overflow-menu").get_by_role("menuitem", name="Record a payment").click()
    expect(page.get_by_test_id("modal")).to_be_visible()
    page.get_by_test_id("input-amount").fill("40")
    snap(page, "6-payment-form")
    page.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_be_hidden()
    # A form's answer comes in the person's DM, as a message (nothing in a form says where else).
    expect(page.get_by_test_id("message").filter(has_text="Recorded $40.00")).to_be_visible()
    snap(page, "7-payment-from-worklist")

    # A message's ⋯: "Log as contact" opens the log form with the account it names and its text.
    recorded = page.get_by_test_id("message").filter(has_text="Recorded $40.00").last
    recorded.hover()
    recorded.get_by_test_id("message-more").click()
    page.get_by_test_id("overflow-menu").get_by_role("menuitem", name="Log as contact").click()
    expect(page.get_by_test_id("modal")).to_be_visible()
    expect(page.get_by_test_id("input-account")).to_have_value(re.compile("^ACC-2001 "))
    expect(page.get_by_test_id("input-notes")).to_have_value(re.compile("Recorded"))
    snap(page, "8-log-as-contact-from-a-message")
    page.get_by_test_id("modal-cancel").click()
    expect(page.get_by_test_id("modal")).to_be_hidden()


def test_alerts_and_the_digest_with_its_chart_in_the_browser(page: Page) -> None:
    page.get_by_test_id("act-as").select_option(SUPERVISOR)
    page.get_by_test_id("conv-C0SUPERVISORS").click()
    page.get_by_test_id("run-supervisor-alerts").click()
    expect(page.get_by_test_id("message").filter(has_text="needs a supervisor")).to_be_visible()
    page.get_by_test_id("run-performance-digest-day").click()
    # The closed days since the last digest (with the chart and spreadsheet), then today so far.
    expect(page.get_by_test_id("message").filter(has_text="(so far)")).to_be_visible()
    digest = page.get_by_test_id("message").filter(has_text="Daily numbers").filter(has_text="complete days")
    expect(digest).to_be_visible()
    digest.get_by_test_id("replies").click()
    expect(page.get_by_test_id("thread").locator("img")).to_be_visible()
    expect(page.get_by_test_id("thread").get_by_test_id("file").filter(has_text="numbers")).to_be_visible()
    snap(page, "8-digest-with-chart")


def test_a_supervisors_morning_in_the_browser(page: Page) -> None:
    """The supervisor's cockpit: the team on the Home, a question asked from it and answered by the
    agent from her direct message, the alerts, the day's digest."""
    type_command(page, "/collect escalate ACC-1042 settlement 900 lost their job")
    expect(page.get_by_test_id("ephemeral").last).to_contain_text("Escalated")
    page.get_by_test_id("run-daily-assignments").click()
    expect(page.get_by_test_id("message").filter(has_text="Your worklist")).to_be_visible()

    page.get_by_test_id("act-as").select_option(SUPERVISOR)
    page.get_by_test_id("home-tab").click()
    home = page.get_by_test_id("home")
    expect(home).to_contain_text("The team today")
    expect(home).to_contain_text("Ana Agent")
    expect(home).to_contain_text("ACC-1042")  # the escalation waiting, with its buttons
    snap(page, "11-supervisor-home")
    home.locator('[data-action-id="escalation-ask-info"]').first.click()
    expect(page.get_by_test_id("modal")).to_be_visible()
    page.get_by_test_id("input-question").fill("Has she sent proof of the job loss?")
    page.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_be_hidden()

    page.get_by_test_id("act-as").select_option(AGENT)
    question = page.get_by_test_id("message").filter(has_text="Has she sent proof of the job loss?").last
    expect(question).to_be_visible()
    snap(page, "12-question-to-the-agent")
    question.locator('[data-action-id="escalation-answer"]').click()
    expect(page.get_by_test_id("modal")).to_be_visible()
    page.get_by_test_id("input-answer").fill("Yes: a letter from her employer, dated 2 November.")
    page.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_be_hidden()
    expect(question).to_contain_text("You answered")
    expect(question.locator('[data-action-id="escalation-answer"]')).to_have_count(0)

    page.get_by_test_id("act-as").select_option(SUPERVISOR)
    page.get_by_test_id("conv-C0SUPERVISORS").click()
    escalation = page.get_by_test_id("message").filter(has_text="settlement").first
    escalation.get_by_test_id("replies").click()
    expect(page.get_by_test_id("thread")).to_contain_text("a letter from her employer")
    page.get_by_test_id("run-supervisor-alerts").click()
    expect(page.get_by_test_id("message").filter(has_text="needs a supervisor")).to_be_visible()
    snap(page, "13-thread-answered-and-alerts")
    page.get_by_test_id("home-tab").click()
    expect(home).to_contain_text("OLD-1")  # the stalled account among the open alerts
    page.get_by_test_id("conv-C0SUPERVISORS").click()
    page.get_by_test_id("run-performance-digest-day").click()
    expect(page.get_by_test_id("message").filter(has_text="(so far)")).to_be_visible()


def test_a_portuguese_morning_in_the_browser(page: Page) -> None:
    """Acting as Ana, pick Portuguese: the morning's worklist arrives in Portuguese, with reais and
    dollars as a Brazilian reads them, and the line's form too."""
    page.get_by_test_id("language").select_option("pt-BR")
    expect(page.get_by_test_id("language")).to_have_value("pt-BR")
    page.get_by_test_id("run-daily-assignments").click()
    worklist = page.get_by_test_id("message").filter(has_text="Sua fila de").last
    expect(worklist).to_contain_text("segunda-feira, 23 de novembro de 2026")
    expect(worklist).to_contain_text("R$ 1.250,00")  # BR-7, in reais
    expect(worklist).to_contain_text("US$ 640,00")  # ACC-2001, in dollars
    expect(worklist).to_contain_text("dias de atraso")
    snap(page, "14-portuguese-morning")
    line = worklist.locator(".b-section").filter(has_text="ACC-1042")
    line.get_by_test_id("overflow").first.click()
    page.get_by_test_id("overflow-menu").get_by_role("menuitem", name="Registrar pagamento").click()
    expect(page.get_by_test_id("modal")).to_contain_text("Forma de pagamento")
    snap(page, "15-portuguese-payment-form")


def test_the_billing_system_box_sends_a_payment_the_agent_hears_of(page: Page) -> None:
    page.get_by_test_id("run-daily-assignments").click()
    worklist = page.get_by_test_id("message").filter(has_text="Your worklist").last
    expect(worklist).to_contain_text("ACC-1042")
    box = page.get_by_test_id("billing")
    expect(box.get_by_test_id("billing-account")).to_have_value(re.compile(r"\S"))
    box.get_by_test_id("billing-account").fill("ACC-2001")
    box.get_by_test_id("billing-amount").fill("40.00")
    box.get_by_test_id("billing-method").select_option("wire")
    expect(box.get_by_test_id("billing-reference")).to_have_value("BANK-1")
    box.get_by_test_id("billing-send").click()
    expect(box.get_by_test_id("billing-answer")).to_contain_text("Applied")
    expect(page.get_by_test_id("message").last).to_contain_text("on your list today")
    expect(worklist).to_contain_text("don't call")
    expect(box.get_by_test_id("billing-reference")).to_have_value("BANK-2")  # a new one, pre-filled
    snap(page, "billing-applied")
    box.get_by_test_id("billing-reference").fill("BANK-1")
    box.get_by_test_id("billing-send").click()
    expect(box.get_by_test_id("billing-answer")).to_contain_text("Duplicate")
    box.get_by_test_id("billing-account").fill("<b>NOPE</b>")
    box.get_by_test_id("billing-reference").fill("BANK-77")
    box.get_by_test_id("billing-send").click()
    expect(box.get_by_test_id("billing-answer")).to_contain_text("Refused")
    expect(box.get_by_test_id("billing-answer")).to_contain_text("<b>NOPE</b>")  # shown as typed, as text
    snap(page, "billing-refused")


def test_typing_at_offers_the_team_and_sends_the_mention_slack_would(page: Page) -> None:
    page.get_by_test_id("act-as").select_option(SUPERVISOR)
    composer = page.get_by_test_id("composer")
    composer.press_sequentially("/collect assign ACC-2001 @an")
    offered = page.get_by_test_id("composer-wrap").get_by_test_id("mention-list")
    expect(offered).to_be_visible()
    expect(offered.get_by_role("option")).to_have_count(1)
    expect(offered).to_contain_text("Ana Agent")
    snap(page, "9-mention-offered")
    composer.press("Enter")  # picks the person; a second Enter sends
    expect(offered).to_be_hidden()
    expect(composer).to_have_value("/collect assign ACC-2001 @Ana Agent ")
    composer.press("Enter")
    answer = page.get_by_test_id("ephemeral").last
    expect(answer).to_contain_text("ACC-2001")
    expect(answer.locator(".mention").filter(has_text="@Ana Agent").first).to_be_visible()


def test_emoji_and_slack_date_tokens_read_as_in_slack(page: Page) -> None:
    shown = page.evaluate(
        """() => {
          const md = window.collectSandbox.mrkdwn;
          return {
            emoji: md(":white_check_mark: :telephone_receiver: :e-mail: :octagonal_sign: :dart:").textContent,
            date: md("<!date^1795442400^{date_short} at {time}|the fallback>").textContent,
            bad: md("<!date^soon^{time}|the fallback>").textContent,
          };
        }"""
    )
    assert shown["emoji"] == "✅ 📞 📧 🛑 🎯"
    assert shown["date"] == "Nov 23, 2026 at 9:00 AM"  # 14:00 UTC in the team's New York
    assert shown["bad"] == "the fallback"


def test_a_permalink_opens_its_thread_in_the_page(page: Page, sandbox: RunningSandbox) -> None:
    client = WebClient(base_url=sandbox.world.slack.api_url, token=sandbox.world.slack.token)
    parent = client.chat_postMessage(channel="C0SUPERVISORS", text="an escalation to talk about")
    client.chat_postMessage(channel="C0SUPERVISORS", text="the reply in its thread", thread_ts=parent["ts"])
    link = str(client.chat_getPermalink(channel="C0SUPERVISORS", message_ts=parent["ts"])["permalink"])
    page.get_by_test_id("act-as").select_option(SUPERVISOR)
    page.goto(link)
    expect(page.get_by_test_id("thread")).to_contain_text("the reply in its thread")
    expect(page.get_by_test_id("conv-title")).to_contain_text("collections-supervisors")


def test_the_morning_starts_with_a_hint_and_the_jobs_read_apart(database_url: str) -> None:
    with running_sandbox(port=0, database_url=database_url, prepare=team) as running, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        tab.set_default_timeout(15_000)
        tab.goto(f"{running.url}/?user={AGENT}")
        expect(tab.get_by_test_id("hint")).to_contain_text("07:55")
        expect(tab.get_by_test_id("hint")).to_contain_text("+5 min")
        names = tab.get_by_test_id("job-name").all_inner_texts()
        assert len(names) == len(set(names)) >= 7
        snap(tab, "0-the-morning-hint")
        tab.get_by_test_id("clock-minutes").click()
        expect(tab.get_by_test_id("hint")).to_be_hidden()
        expect(tab.get_by_test_id("clock")).to_contain_text("08:00")
        browser.close()


MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")


def everything_shown(sandbox: RunningSandbox) -> list[tuple[str, str, list[Any]]]:
    """Every message and view the bot sent through the stand-in, and every answer in a response."""
    slack = sandbox.world.slack
    shown: list[tuple[str, str, list[Any]]] = []
    for method in MESSAGE_METHODS:
        for made in slack.calls(method):
            blocks = made.params.get("blocks")
            shown.append((method, "message", json.loads(blocks) if isinstance(blocks, str) else blocks or []))
    for method in VIEW_METHODS:
        for made in slack.calls(method):
            view = made.params.get("view")
            view = json.loads(view) if isinstance(view, str) else view or {}
            shown.append(
                (method, "modal" if view.get("type") == "modal" else "home", view.get("blocks") or [])
            )
    for answer in slack.response_posts():
        shown.append(("response_url", "message", answer.body.get("blocks") or []))
    for user in (AGENT, SUPERVISOR, MANAGER):  # with the answers in the acknowledgements
        for messages in api(sandbox, f"/api/state?user={user}")["messages"].values():
            shown += [("shown to " + user, "message", m["blocks"]) for m in messages if m["blocks"]]
    return shown


def test_every_message_and_view_the_bot_builds_renders_without_an_unsupported_part(
    page: Page, sandbox: RunningSandbox
) -> None:
    """A day of work through the page's API (commands, forms, buttons, every job, each role's Home),
    then everything the bot sent rendered by the page's own renderer: none of it unsupported."""
    agent_dm = next(
        c["id"] for c in api(sandbox, f"/api/state?user={AGENT}")["conversations"] if c["kind"] == "dm"
    )
    boss_dm = next(
        c["id"] for c in api(sandbox, f"/api/state?user={SUPERVISOR}")["conversations"] if c["kind"] == "dm"
    )
    for user, channel, text in [
        (AGENT, agent_dm, "help"), (AGENT, agent_dm, "account ACC-1042"), (AGENT, agent_dm, "mine"),
        (AGENT, agent_dm, "pay ACC-1042 250"), (AGENT, agent_dm, "log ACC-1042 email sent a reminder"),
        (AGENT, agent_dm, "promise ACC-1042 100 2026-11-30"), (AGENT, agent_dm, "log"), (AGENT, agent_dm, "pay"),
        (AGENT, agent_dm, "promise"), (AGENT, agent_dm, "escalate"),
        (AGENT, agent_dm, "escalate ACC-1042 settlement 900 lost their job"), (AGENT, agent_dm, "hold ACC-2001 dispute says it was paid"),
        (AGENT, agent_dm, "nonsense"), (AGENT, agent_dm, "acount ACC-1042"), (AGENT, agent_dm, "report"),
        (SUPERVISOR, boss_dm, "escalations"), (SUPERVISOR, boss_dm, "alerts"), (SUPERVISOR, boss_dm, "report week"),
        (SUPERVISOR, boss_dm, "team"), (SUPERVISOR, boss_dm, f"target <@{AGENT}|ana> 15000"),
        (SUPERVISOR, boss_dm, f"assign OLD-1 <@{AGENT}|ana>"), (SUPERVISOR, boss_dm, f"away <@{AGENT}|ana> 2026-12-24 2026-12-31"),
        (SUPERVISOR, boss_dm, "release ACC-2001 checked: not paid"),
    ]:  # fmt: skip
        api(sandbox, "/api/command", {"user": user, "channel": channel, "text": f"/collect {text}"})
    for job in sorted(JOBS):
        api(sandbox, "/api/run", {"job": job})
    for user in (AGENT, SUPERVISOR, MANAGER):
        api(sandbox, "/api/home", {"user": user})
    escalation = next(
        m
        for m in api(sandbox, f"/api/state?user={SUPERVISOR}")["messages"]["C0SUPERVISORS"]
        if "settlement" in json.dumps(m)
    )
    approve = next(
        e
        for b in escalation["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == "escalation-approve"
    )
    api(
        sandbox,
        "/api/action",
        {"user": SUPERVISOR, "channel": "C0SUPERVISORS", "message_ts": escalation["ts"], "action": approve},
    )
    sandbox.world.slack.wait_for("views.publish", count=3)
    sandbox.world.slack.wait_for("views.open", count=5)

    shown = everything_shown(sandbox)
    kinds = {kind for _method, kind, _blocks in shown}
    assert {"message", "modal", "home"} <= kinds and len(shown) > 30
    found = page.evaluate(
        """(shown) => shown.map(([method, kind, blocks]) => {
             const el = window.collectSandbox.blocks(blocks, kind);
             return [method, Array.from(el.querySelectorAll(".unsupported")).map((u) => u.textContent)];
           }).filter(([, bad]) => bad.length)""",
        shown,
    )
    assert found == []
    page.get_by_test_id("act-as").select_option(SUPERVISOR)
    expect(page.get_by_test_id("modal")).to_be_visible()  # the approval form the button opened
    page.get_by_test_id("modal-cancel").click()
    page.get_by_test_id("home-tab").click()
    expect(page.get_by_test_id("home").locator(".block").first).to_be_visible()
    expect(page.get_by_test_id("home").get_by_test_id("unsupported")).to_have_count(0)
    snap(page, "10-supervisor-home")


def api(sandbox: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        sandbox.url + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def test_the_customer_outbox_shows_each_document_and_its_pdf(page: Page, sandbox: RunningSandbox) -> None:
    runtime = sandbox.world.runtime
    sandbox.world.move_clock(timedelta(hours=3))  # 09:00 in New York: inside the customer's hours
    sandbox.world.settle()
    with runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "ACC-2001")).one()
        account.email, account.address_line1, account.city = (
            "joao@customer.example",
            "Rua Augusta 500",
            "Boston",
        )
    emailed = desk.send(
        runtime,
        account_id="ACC-2001",
        kind=DocumentKind.STATEMENT,
        channel=SendChannel.EMAIL,
        actor=SUPERVISOR,
    )
    desk.send(
        runtime,
        account_id="ACC-2001",
        kind=DocumentKind.REMINDER,
        channel=SendChannel.LETTER,
        actor=SUPERVISOR,
    )
    deliver_due(runtime)

    page.get_by_test_id("outbox-tab").click()
    items = page.get_by_test_id("outbox-item")
    expect(items).to_have_count(2)
    letter, email = items.nth(0), items.nth(1)  # newest first
    expect(letter).to_contain_text("Letter to Rua Augusta 500")
    expect(letter.get_by_test_id("outbox-status")).to_have_text("waiting for its print batch")
    expect(email).to_contain_text("Email to joao@customer.example")
    expect(email).to_contain_text("João & Filhos <Ltda>")  # the customer's name as text, never markup
    expect(email.get_by_test_id("outbox-status")).to_have_text("delivered to the mail server")
    expect(email.frame_locator("iframe").locator("body")).to_contain_text("ACC-2001")
    expect(email.get_by_test_id("outbox-html")).to_have_attribute("sandbox", "")
    snap(page, "outbox-1-documents")

    href = email.get_by_test_id("outbox-pdf").get_attribute("href")
    assert href == f"/documents/{emailed.document_id}.pdf"
    with urllib.request.urlopen(f"{sandbox.url}{href}") as response:
        assert response.headers["Content-Type"] == "application/pdf"
        pdf = response.read()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "ACC-2001" in text and "João & Filhos <Ltda>" in text
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{sandbox.url}/documents/99999.pdf")
