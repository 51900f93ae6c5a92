"""A working morning: the scheduler hands out the worklists, each agent gets theirs once, and the
supervisors get one summary; through the real HTTP endpoint and the Slack stand-in."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.assignments.job.daily import JOB
from bot.ids import ActionId
from bot.job_runs import JobReport
from bot.outbox.job import deliver_due
from bot.runtime import Runtime
from schedules.runner import run_due, run_job
from schedules.scheduler import start_scheduler
from storage.models import Account, Assignment, OutboxMessage, Promise
from tests.conftest import MONDAY_9AM, RunningBot
from tests.portfolio import add_account, add_agent

AGENT, PORTUGUESE, SENIOR, SUPERVISOR = "U0AGENT1", "U0AGENT2", "U0SENIOR", "U0SUPER1"
SUPERVISORS = "C0SUPERVISORS"
TODAY = date(2026, 11, 23)


def dms(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == user and c.ok]


def posted_dm(bot: RunningBot, user: str) -> dict[str, Any]:
    """The first message in the user's DM with the bot, as the stand-in keeps it (with its ts)."""
    call = next(c for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == user and c.ok)
    return bot.slack.messages(call.response["channel"])[0]


def shown(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + json.dumps(message.get("blocks", []), ensure_ascii=False)


def daily(reports: list[JobReport]) -> list[JobReport]:
    return [report for report in reports if report.job == JOB]


def test_each_agent_gets_todays_list_once_with_reasons(morning: RunningBot) -> None:
    assert "accounts on 3 worklists" in morning.run_morning()
    ana = dms(morning, AGENT)
    assert len(ana) == 1
    assert "&lt;!channel&gt; &amp; Sons" in shown(ana[0]) and "<!channel>" not in shown(ana[0])
    assert "BIG-1" not in shown(ana[0])  # high value goes to the senior agent
    assert "BIG-1" in shown(dms(morning, SENIOR)[0])
    assert "BR-1" in shown(dms(morning, PORTUGUESE)[0])  # the Portuguese speaker has room
    for message in dms(morning, AGENT) + dms(morning, PORTUGUESE) + dms(morning, SENIOR):
        assert (
            "HOLD-1" not in shown(message)
            and "CEASE-1" not in shown(message)
            and "PAID-1" not in shown(message)
        )
    with morning.runtime.db.reading() as session:
        stored = session.scalars(select(Assignment.reasons)).all()
    assert all(stored) and any("never contacted" in why for why in stored)
    assert "never contacted" in shown(ana[0])


def test_the_supervisors_get_one_summary_without_debtor_details(morning: RunningBot) -> None:
    morning.run_morning()
    summaries = [
        c.params for c in morning.slack.calls("chat.postMessage") if c.params.get("channel") == SUPERVISORS
    ]
    assert len(summaries) == 1
    text = shown(summaries[0])
    assert "Ana Agent" in text and "on hold: dispute" in text and "on hold: cease-communication" in text
    for debtor in ("ACC-1", "Sons", "BR-1", "BIG-1"):
        assert debtor not in text


def test_running_twice_or_from_two_processes_sends_nothing_twice(morning: RunningBot) -> None:
    morning.run_morning()
    assert "already ran" in morning.run_morning()
    with morning.another_process() as other:
        assert daily(run_due(other, by="other process")) == []
        deliver_due(other)
    assert len(dms(morning, AGENT)) == 1


def test_two_schedulers_at_once_claim_the_day_once(morning: RunningBot) -> None:
    with morning.another_process() as first, morning.another_process() as second:
        reports = both_at_once(first, second)
    assert sum(1 for report in reports if report.ran) == 1
    assert len(dms(morning, AGENT)) == 1 and len(dms(morning, SENIOR)) == 1


def both_at_once(*runtimes: Runtime) -> list[Any]:
    """Two schedulers run the due jobs and deliver at the same moment; what the jobs reported."""
    barrier = threading.Barrier(len(runtimes))
    reports: list[Any] = []

    def scheduler(runtime: Runtime) -> None:
        barrier.wait()
        reports.extend(daily(run_due(runtime, by=f"process {id(runtime)}")))
        deliver_due(runtime)

    threads = [threading.Thread(target=scheduler, args=(runtime,)) for runtime in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reports


@pytest.mark.settings(COLLECT_HOLIDAY_COUNTRY="US")
def test_holidays_and_weekends_have_no_worklists(morning: RunningBot) -> None:
    saturday = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    assert "not a working day" in morning.run_morning(saturday)
    thanksgiving = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    assert "Thanksgiving" in morning.run_morning(thanksgiving)
    assert morning.slack.calls("chat.postMessage") == []


def test_a_missed_digest_goes_out_the_same_day_and_never_later(morning: RunningBot) -> None:
    morning.clock.set(datetime(2026, 11, 23, 12, 59, tzinfo=UTC))  # 07:59 in New York: not yet
    assert daily(run_due(morning.runtime, by="test")) == []
    morning.clock.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # back up at 15:00, same day
    assert [report.ran for report in daily(run_due(morning.runtime, by="test"))] == [True]
    morning.clock.set(datetime(2026, 11, 25, 4, 0, tzinfo=UTC))  # Tuesday 23:00: Tuesday's was missed
    morning.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # Wednesday 07:00: Tuesday's is gone
    assert daily(run_due(morning.runtime, by="test")) == []
    with morning.runtime.db.reading() as session:
        days = set(session.scalars(select(Assignment.work_date)))
    assert days == {TODAY}


def test_a_failed_send_is_retried_by_the_next_run_and_the_sent_ones_are_not_resent(
    morning: RunningBot,
) -> None:
    tries = 1 + morning.runtime.settings.slack_max_retries
    morning.slack.fail("chat.postMessage", 500, times=tries)  # the first message fails every retry
    morning.run_morning()
    with morning.runtime.db.reading() as session:
        states = dict(session.execute(select(OutboxMessage.channel, OutboxMessage.state)).all())
    assert sorted(states.values()).count("pending") == 1
    failed_channel = next(channel for channel, state in states.items() if state == "pending")
    sent_before = len([c for c in morning.slack.calls("chat.postMessage") if c.ok])
    deliver_due(morning.runtime)  # not due yet: it waits for its backoff
    assert len([c for c in morning.slack.calls("chat.postMessage") if c.ok]) == sent_before
    morning.clock.advance(timedelta(minutes=1))
    deliver_due(morning.runtime)
    oks = [c.params["channel"] for c in morning.slack.calls("chat.postMessage") if c.ok]
    assert oks.count(failed_channel) == 1 and len(oks) == len(set(oks))


def test_rate_limits_are_waited_out_within_the_delivery(morning: RunningBot) -> None:
    morning.slack.fail("chat.postMessage", 429, times=2, retry_after=0)
    morning.run_morning()
    with morning.runtime.db.reading() as session:
        assert set(session.scalars(select(OutboxMessage.state))) == {"sent"}


def test_a_crash_in_the_middle_of_sending_finishes_the_rest_once(morning: RunningBot) -> None:
    bot = morning
    bot.clock.set(MONDAY_9AM)
    run_job(bot.runtime, JOB, MONDAY_9AM, by="test")  # queued, then the process "dies" before sending
    deliver_due(bot.runtime, limit=2)  # a process that sent two and died
    deliver_due(bot.runtime)  # the next one
    oks = [c.params["channel"] for c in bot.slack.calls("chat.postMessage") if c.ok]
    assert len(oks) == 4 and len(set(oks)) == 4  # three agents and the supervisors, once each


def test_the_scheduler_in_serve_runs_the_morning_by_itself(morning: RunningBot) -> None:
    scheduler = start_scheduler(morning.runtime)
    try:
        morning.slack.wait_for("chat.postMessage", count=4, timeout=20)
    finally:
        scheduler.shutdown(wait=True)
    assert len(dms(morning, AGENT)) == 1


def test_mine_strikes_through_what_is_done(morning: RunningBot) -> None:
    morning.run_morning()
    before = morning.collect(AGENT, "mine")
    assert "0 of 2 done" in before and "~" not in before
    morning.collect(AGENT, "log ACC-1 call vm")
    after = morning.collect(AGENT, "mine")
    assert "1 of 2 done" in after and "~" in after


def test_a_line_menu_opens_the_form_for_that_account(morning: RunningBot) -> None:
    morning.run_morning()
    message = dms(morning, AGENT)[0]
    menu = next(
        block["accessory"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.WORKLIST_LINE_MENU
    )
    promise_option = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "promise")
    clicked = {
        "action_id": ActionId.WORKLIST_LINE_MENU,
        "type": "overflow",
        "selected_option": promise_option,
    }
    posted = posted_dm(morning, AGENT)
    assert morning.send.block_actions(AGENT, [clicked], message=posted).status == 200
    opened = morning.slack.wait_for("views.open")[0].params["view"]
    account = json.loads(promise_option["value"])["account_id"]
    assert opened["blocks"][0]["element"]["initial_option"]["value"] == account


def test_a_long_list_is_paged_within_slacks_limits(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, AGENT, "Ana Agent", daily_capacity=500)
    for n in range(500):
        add_account(bot.runtime.db, f"ACC-{n:03}", f"{100 + n}.00", assigned_to=AGENT)
    bot.run_morning()
    first = dms(bot, AGENT)
    assert len(first) == 1 and len(first[0]["blocks"]) <= 50
    assert bot.slack.calls("chat.postMessage")[0].ok
    posted = posted_dm(bot, AGENT)
    reply = bot.send.block_actions(AGENT, [{"action_id": ActionId.WORKLIST_NEXT_PAGE}], message=posted)
    assert reply.status == 200
    page_two = bot.slack.wait_for("chat.postMessage", count=3)[-1]  # after Ana's DM and the summary
    assert page_two.ok and page_two.params["thread_ts"] == posted["ts"]
    assert "Showing 31–60 of 500" in shown(page_two.params)


def test_app_home_shows_todays_list(morning: RunningBot) -> None:
    morning.run_morning()
    assert morning.send.event({"type": "app_home_opened", "user": AGENT, "tab": "home"}).status == 200
    published = morning.slack.wait_for("views.publish")[0]
    assert published.params["user_id"] == AGENT and "0 of 2" in json.dumps(published.params["view"])


def test_away_shares_out_the_accounts_and_they_come_back(morning: RunningBot) -> None:
    assert "away" in morning.collect(AGENT, f"away <@{AGENT}|ana> 2026-11-23 2026-11-23")
    morning.run_morning()
    assert dms(morning, AGENT) == []
    assert "ACC-1" in shown(dms(morning, PORTUGUESE)[0]) or "ACC-1" in shown(dms(morning, SENIOR)[0])
    tuesday = MONDAY_9AM + timedelta(days=1)
    morning.run_morning(tuesday)
    assert "ACC-1" in shown(dms(morning, AGENT)[0])


def test_only_supervisors_mark_others_away_or_move_accounts(morning: RunningBot) -> None:
    refused = morning.collect(AGENT, f"away <@{PORTUGUESE}|joao> tomorrow tomorrow")
    assert "Only supervisors" in refused
    assert "Only supervisors" in morning.collect(AGENT, f"assign ACC-1 <@{PORTUGUESE}>")
    moved = morning.collect(SUPERVISOR, f"assign ACC-1 <@{PORTUGUESE}|joao>")
    assert "moved" in moved
    morning.run_morning()
    assert "ACC-1" in shown(dms(morning, PORTUGUESE)[0])


def test_the_cli_runs_the_job_as_if_at_a_time(
    morning: RunningBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wiring.cli.main import main

    settings = morning.runtime.settings
    for name, value in {
        "DATABASE_URL": morning.runtime.db.url,
        "SLACK_BOT_TOKEN": settings.slack_bot_token.get_secret_value(),
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret.get_secret_value(),
        "SLACK_API_URL": settings.slack_api_url,
        "COLLECT_TIMEZONE": settings.timezone,
        "COLLECT_SUPERVISOR_CHANNEL": SUPERVISORS,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "daily-assignments", "--at", "2026-11-23T08:00"]) == 0
    assert "4 sent" in capsys.readouterr().out
    assert main(["run", "daily-assignments", "--at", "2026-11-23T09:00"]) == 0
    assert "already ran" in capsys.readouterr().out
    assert len(dms(morning, AGENT)) == 1


@pytest.mark.settings(COLLECT_SLACK_TIMEOUT="1")
def test_a_slack_timeout_is_recorded_and_retried_by_the_next_delivery(morning: RunningBot) -> None:
    # The client does not repeat a call that timed out (Slack may have posted it): the outbox
    # retries it on its next delivery, looking in the conversation's history first.
    morning.slack.hang("chat.postMessage", seconds=3, times=1)
    morning.run_morning()
    with morning.runtime.db.reading() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending")).all()
        queued = len(session.scalars(select(OutboxMessage.id)).all())
    assert len(waiting) == 1 and "imeout" in (waiting[0].last_error or "")
    assert waiting[0].unsure_since is not None
    # Slack is done with the held post long before the retry (30 s on, here 1 min).
    morning.slack.wait_for("chat.postMessage", count=queued, timeout=10)
    morning.clock.advance(timedelta(minutes=1))
    deliver_due(morning.runtime)
    with morning.runtime.db.reading() as session:
        assert set(session.scalars(select(OutboxMessage.state))) == {"sent"}
    assert len(morning.slack.calls("chat.postMessage")) == queued  # found in the history, not posted again


def test_logging_a_contact_refreshes_the_agents_home_tab(morning: RunningBot) -> None:
    morning.run_morning()
    morning.collect(AGENT, "log ACC-1 call vm")
    published = morning.slack.wait_for("views.publish")[0]
    assert published.params["user_id"] == AGENT and "1 of 2" in json.dumps(published.params["view"])


def test_a_plan_account_is_on_one_list_once(bot: RunningBot) -> None:
    """A plan has an open promise per instalment; the account still makes one line."""

    add_agent(bot.runtime.db, AGENT, "Ana Agent")
    add_account(bot.runtime.db, "PLAN-1", "900.00", assigned_to=AGENT, status="plan")
    with bot.runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "PLAN-1")).one()
        for n in range(1, 4):  # three open instalments
            session.add(
                Promise(
                    account_pk=account.id, amount=Decimal("300.00"), currency="USD",
                    due_date=TODAY + timedelta(days=30 * n), status="open", paid_toward=Decimal(0),
                    made_by=AGENT, made_at=MONDAY_9AM, instalment=n,
                )
            )  # fmt: skip
    assert "1 accounts on 1 worklists" in bot.run_morning()


@pytest.mark.settings(COLLECT_OUTBOX_MAX_ATTEMPTS="1")
def test_a_message_that_keeps_failing_is_raised_with_the_supervisors(morning: RunningBot) -> None:
    # A Slack error (not a 429 or 5xx) is not retried by the client: one delivery, one try, given up.
    morning.slack.fail("chat.postMessage", 200, times=1, error="channel_not_found")
    morning.run_morning()
    with morning.runtime.db.reading() as session:
        failed = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "failed")).all()
    assert len(failed) == 1
    notices = [m for m in morning.slack.messages("C0SUPERVISORS") if "could not be delivered" in m["text"]]
    assert len(notices) == 1 and "channel_not_found" in notices[0]["text"]
