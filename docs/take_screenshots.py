"""The README's screenshots, taken from the sandbox as it is (the seed-42 demo team, Debian's
Chromium): `python docs/take_screenshots.py docs`. With fonts-noto-color-emoji installed the
emoji show as in Slack."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from wiring.sandbox.launch import running_sandbox

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


def close_toasts(page: Page) -> None:
    for button in page.get_by_test_id("toast-close").all():
        button.click()
    page.wait_for_timeout(300)


def person(page: Page, role: str) -> str:
    """The first person of the demo team with that role, as the page's Acting-as list names them."""
    for option in page.get_by_test_id("act-as").locator("option").all():
        if option.inner_text().endswith(f"— {role}"):
            return str(option.get_attribute("value"))
    raise SystemExit(f"the demo team has no {role}")


def main(out: Path) -> None:
    with running_sandbox(port=0, seed=42) as sandbox, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.set_default_timeout(60_000)
        page.goto(sandbox.url)
        expect(page.get_by_test_id("clock")).to_contain_text("07:55")

        page.get_by_test_id("act-as").select_option(person(page, "agent"))
        page.get_by_test_id("clock-minutes").click()  # 08:00: the worklists go out
        worklist = page.get_by_test_id("message").filter(has_text="Your worklist").last
        expect(worklist).to_be_visible()
        worklist.evaluate("e => e.scrollIntoView({block: 'start'})")
        close_toasts(page)
        page.screenshot(path=str(out / "sandbox-agent.png"))

        page.get_by_test_id("clock-hour").click()  # 09:00: the first working hour's alerts
        page.get_by_test_id("act-as").select_option(person(page, "supervisor"))
        page.get_by_test_id("conv-C0SUPERVISORS").click()
        page.get_by_test_id("run-performance-digest-week").click()
        expect(page.get_by_test_id("message").filter(has_text="Weekly numbers").first).to_be_visible()
        page.wait_for_timeout(1500)
        close_toasts(page)
        page.screenshot(path=str(out / "sandbox-supervisor.png"))

        page.get_by_test_id("home-tab").click()
        expect(page.get_by_test_id("home")).to_contain_text("The team today")
        page.wait_for_timeout(800)
        close_toasts(page)
        page.screenshot(path=str(out / "sandbox-supervisor-home.png"))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
