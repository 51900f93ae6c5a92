"""The sandbox in a real browser (Debian's Chromium, driven by Playwright): an agent records a
payment and escalates, a supervisor approves, the morning worklist arrives and a line's menu
opens a form. Screenshots of each step go to test-artifacts/sandbox/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from storage.database import Database
from tests.conftest import MONDAY_9AM
from tests.portfolio import add_account, add_agent
from wiring.sandbox.launch import RunningSandbox, running_sandbox

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "sandbox"
AGENT, SUPERVISOR = "U0AGENT1", "U0SUPER1"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium for the browser test: apt-get install chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def team(db: Database) -> None:
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor", approval_limit=Decimal("1000"))
    add_account(db, "ACC-1042", "1250.00", customer_name="Maria Silva")
    add_account(db, "ACC-2001", "640.00", customer_name="João & Filhos <Ltda>")
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
