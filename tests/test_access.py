"""Access through Slack: the roster decides who may do what, the workspace must be ours, and an
agent works only their own accounts and the shared queue."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.ids import ActionId
from storage.models import Absence, Account, AccountNote, Agent, Alert, Assignment, AuditEntry, Payment
from tests.conftest import SIGNING_SECRET, RunningBot
from wiring.standin.requests import SlackRequestSender

STRANGER = "U0STRANGER"


def nothing_written(bot: RunningBot) -> bool:
    with bot.runtime.db.reading() as session:
        return not session.scalar(select(func.count()).select_from(AuditEntry)) and not session.scalar(
            select(func.count()).select_from(Payment)
        )


def test_someone_off_the_roster_gets_help_and_a_polite_refusal_for_the_rest(team: RunningBot) -> None:
    assert "/collect pay" in team.send.slash_command(STRANGER, "help").body
    refused = team.send.slash_command(STRANGER, "pay ACC-1042 10")
    assert "not on the collections team" in refused.body and refused.json()["response_type"] == "ephemeral"
    click = team.send.block_actions(
        STRANGER, [{"action_id": ActionId.CONFIRM_OVERPAYMENT, "value": "{}"}], channel_id="C0GENERAL"
    )
    assert "not on the collections team" in json.dumps(
        team.slack.wait_for_response(url=click.response_url)[-1]
    )
    assert nothing_written(team)


def test_an_agent_cannot_see_or_change_another_agents_account(team: RunningBot) -> None:
    for typed in (
        "account ACC-2001",
        "pay ACC-2001 10",
        "log ACC-2001 call vm",
        "promise ACC-2001 10 friday",
    ):
        assert "not an account you can work" in team.send.slash_command("U0AGENT1", typed).body
    assert "Pedro" not in team.send.slash_command("U0AGENT1", "account ACC-2001").body
    assert nothing_written(team)
    assert "R$4,310.00" in team.send.slash_command("U0SUPER1", "account ACC-2001").body


def test_a_request_from_another_workspace_is_refused(team: RunningBot) -> None:
    foreign = SlackRequestSender(team.url, SIGNING_SECRET, team_id="T0ELSEWHERE", standin=team.slack)
    refused = foreign.slash_command("U0AGENT1", "pay ACC-1042 10")
    assert refused.status == 200 and "another Slack workspace" in refused.body
    assert nothing_written(team)


def test_managers_and_admins_change_the_team_and_it_is_audited(team: RunningBot) -> None:
    from tests.portfolio import add_agent

    add_agent(team.runtime.db, "U0MANAGER", "Meg Manager", role="manager")
    team.slack.add_user("U0NEWBIE", real_name="Nina Newbie")
    assert (
        "Only admins and managers" in team.send.slash_command("U0SUPER1", "team add <@U0NEWBIE> agent").body
    )
    added = team.send.slash_command("U0MANAGER", "team add <@U0NEWBIE|nina> agent").body
    assert "is on the team as *agent*" in added
    assert "Nina Newbie" in team.send.slash_command("U0SUPER1", "team").body
    assert "Only supervisors" in team.send.slash_command("U0AGENT1", "team").body
    assert "has left the team" in team.send.slash_command("U0MANAGER", "team remove <@U0NEWBIE>").body
    assert "not on the collections team" in team.send.slash_command("U0NEWBIE", "mine").body
    with team.runtime.db.reading() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"team.added", "team.removed"} <= actions


def test_an_event_slack_delivers_again_is_handled_once(team: RunningBot) -> None:
    opened = {"type": "app_home_opened", "user": "U0AGENT1", "tab": "home"}
    first = team.send.event(opened, event_id="Ev0HOME1")
    team.slack.wait_for("views.publish")
    again = team.send.event(opened, event_id="Ev0HOME1", retry_num=1, retry_reason="http_timeout")
    assert (first.status, again.status) == (200, 200)
    for later in ("Ev0HOME2", "Ev0HOME3"):  # events after the retry: their publishes come after its would
        assert team.send.event(opened, event_id=later).status == 200
    team.slack.wait_for("views.publish", count=3)
    assert len(team.slack.calls("views.publish")) == 3  # the retry published nothing


def test_phone_and_email_are_masked_for_an_agent_working_the_shared_queue(team: RunningBot) -> None:
    from tests.portfolio import add_account

    add_account(
        team.runtime.db, "Q-1", "90.00", assigned_to=None, phone="+1 555 010 0199", email="ana.b@example.com"
    )
    add_account(team.runtime.db, "MINE-1", "90.00", phone="+1 555 010 0142", email="carl@example.com")
    queue = team.send.slash_command("U0AGENT1", "account Q-1").body
    assert "0199" in queue and "555 010" not in queue and "ana.b@" not in queue
    mine = team.send.slash_command("U0AGENT1", "account MINE-1").body
    assert "+1 555 010 0142" in mine and "carl@example.com" in mine
    assert "+1 555 010 0199" in team.send.slash_command("U0SUPER1", "account Q-1").body


# --- Today's list, the roster and the workspace decide; nothing is given to someone who may not work it


def _picker(bot: RunningBot, user: str, typed: str) -> list[str]:
    from bot.ids import BlockId

    answer = bot.send.block_suggestion(user, ActionId.ACCOUNT_PICKER, BlockId.ACCOUNT, typed)
    return [option["value"] for option in answer.json()["options"]]


def test_an_account_shared_out_while_its_owner_is_away_is_worked_from_the_list_and_by_command(
    morning: RunningBot,
) -> None:
    from tests.test_daily_assignments import AGENT, PORTUGUESE, SENIOR, dms, posted_dm, shown

    assert "away" in morning.collect(AGENT, f"away <@{AGENT}|ana> 2026-11-23 2026-11-23")
    morning.run_morning()
    portuguese = dms(morning, PORTUGUESE)
    holder = PORTUGUESE if portuguese and "ACC-1" in shown(portuguese[0]) else SENIOR
    bystander = SENIOR if holder == PORTUGUESE else PORTUGUESE
    assert "ACC-1" in shown(dms(morning, holder)[0])
    # From the list: the line's menu opens the form for that account.
    message = posted_dm(morning, holder)
    menu = next(
        block["accessory"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.WORKLIST_LINE_MENU
        and "ACC-1" in json.dumps(block)
    )
    pay_option = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "pay")
    clicked = {
        "action_id": ActionId.WORKLIST_LINE_MENU,
        "type": "overflow",
        "selected_option": pay_option,
    }
    assert morning.send.block_actions(holder, [clicked], message=message).status == 200
    opened = morning.slack.wait_for("views.open")[0].params["view"]
    assert opened["blocks"][0]["element"]["initial_option"]["value"] == "ACC-1"
    # By command, and the picker offers it.
    assert "$250.00" in morning.collect(holder, "account ACC-1")
    assert "Logged call" in morning.collect(holder, "log ACC-1 call vm")
    assert "$10.00" in morning.collect(holder, "promise ACC-1 10 friday")
    assert "$10.00" in morning.collect(holder, "pay ACC-1 10")
    assert "ACC-1" in _picker(morning, holder, "ACC")
    # Someone whose list it is not on still may not, and the owner keeps their account.
    assert "not an account you can work" in morning.collect(bystander, "pay ACC-1 10")
    assert "ACC-1" not in _picker(morning, bystander, "ACC")
    assert "$240.00" in morning.collect(AGENT, "account ACC-1")


def test_the_morning_lists_go_only_to_people_who_may_work_accounts(morning: RunningBot) -> None:
    from tests.portfolio import add_agent
    from tests.test_daily_assignments import dms

    add_agent(morning.runtime.db, "U0AUDITOR", "Alex Auditor", role="auditor", daily_capacity=5)
    add_agent(morning.runtime.db, "U0GONE", "Gus Gone", daily_capacity=5, active=False)
    morning.run_morning()
    assert dms(morning, "U0AUDITOR") == [] and dms(morning, "U0GONE") == []
    with morning.runtime.db.reading() as session:
        listed = set(session.scalars(select(Assignment.agent)))
    assert listed and not listed & {"U0AUDITOR", "U0GONE"}


GONE = "U0GONE"


@pytest.fixture
def with_someone_gone(team: RunningBot) -> RunningBot:
    from tests.portfolio import add_agent

    add_agent(team.runtime.db, GONE, "Gus Gone", active=False, monthly_target=Decimal("500"))
    add_agent(team.runtime.db, "U0AUDITOR", "Alex Auditor", role="auditor")
    return team


def _nothing_changed_for(bot: RunningBot, people: set[str]) -> None:
    with bot.runtime.db.reading() as session:
        assert not session.scalar(select(func.count()).select_from(AuditEntry))
        assert not session.scalar(select(func.count()).select_from(Absence))
        assert not set(session.scalars(select(Account.assigned_to))) & people
        assert set(session.scalars(select(Agent.monthly_target).where(Agent.slack_user_id == GONE))) == {
            Decimal("500")
        }


@pytest.mark.parametrize("who", [GONE, STRANGER, "U0AUDITOR"])
def test_no_account_is_given_to_someone_removed_off_the_roster_or_who_may_not_work_it(
    with_someone_gone: RunningBot, who: str
) -> None:
    answer = with_someone_gone.collect("U0SUPER1", f"assign ACC-1042 <@{who}>")
    assert "moved" not in answer and ("not on the team" in answer or "cannot work accounts" in answer)
    _nothing_changed_for(with_someone_gone, {who})


@pytest.mark.parametrize("who", [GONE, STRANGER])
def test_no_target_or_absence_is_given_to_someone_removed_or_off_the_roster(
    with_someone_gone: RunningBot, who: str
) -> None:
    for typed in (f"target <@{who}> 100", f"away <@{who}> 2026-11-24 2026-11-25"):
        assert "not on the team" in with_someone_gone.collect("U0SUPER1", typed)
    _nothing_changed_for(with_someone_gone, {who})


def test_an_alert_is_not_reassigned_to_someone_removed(with_someone_gone: RunningBot) -> None:
    from datetime import UTC, datetime

    from bot.outbox.job import deliver_due
    from schedules.runner import run_job
    from tests.portfolio import add_account

    bot = with_someone_gone
    add_account(bot.runtime.db, "QUIET-1", "800.00", last_contact_at=datetime(2026, 11, 9, 15, tzinfo=UTC))
    at = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    bot.clock.set(at)
    run_job(bot.runtime, "supervisor-alerts", at, by="test")
    deliver_due(bot.runtime)
    message = bot.slack.messages("C0SUPERVISORS")[0]
    for who in (GONE, STRANGER, "U0AUDITOR"):
        action = {"action_id": ActionId.ALERT_REASSIGN, "type": "users_select", "selected_user": who}
        answer = bot.send.block_actions("U0SUPER1", [action], message=message)
        said = json.dumps(bot.slack.wait_for_response(url=answer.response_url)[-1])
        assert "not on the team" in said or "cannot work accounts" in said
    _nothing_changed_for(bot, {GONE, STRANGER, "U0AUDITOR"})
    with bot.runtime.db.reading() as session:
        assert not session.scalars(select(Alert.handled_by).where(Alert.handled_by.is_not(None))).all()


def test_whoever_may_not_make_an_admin_may_not_demote_or_remove_one(team: RunningBot) -> None:
    from tests.portfolio import add_agent

    add_agent(team.runtime.db, "U0MANAGER", "Meg Manager", role="manager")
    add_agent(team.runtime.db, "U0ADMIN", "Ada Admin", role="admin")
    for typed in (
        "team add <@U0ADMIN|ada> agent",
        "team add <@U0ADMIN|ada> manager",
        "team remove <@U0ADMIN>",
    ):
        assert "Only an admin" in team.collect("U0MANAGER", typed)
    with team.runtime.db.reading() as session:
        admin = session.scalars(select(Agent).where(Agent.slack_user_id == "U0ADMIN")).one()
        assert (admin.role, admin.active) == ("admin", True)
        assert not session.scalar(select(func.count()).select_from(AuditEntry))
    assert "is on the team as *agent*" in team.collect("U0ADMIN", "team add <@U0MANAGER|meg> agent")


def _home(bot: RunningBot, user: str) -> str:
    before = len(bot.slack.calls("views.publish"))
    assert bot.send.event({"type": "app_home_opened", "user": user, "tab": "home"}).status == 200
    published = bot.slack.wait_for("views.publish", count=before + 1)[-1].params
    assert published["user_id"] == user
    return json.dumps(published["view"])


def test_someone_removed_or_never_on_the_roster_gets_the_welcome_home_never_a_list(
    morning: RunningBot,
) -> None:
    from tests.portfolio import add_agent
    from tests.test_daily_assignments import AGENT

    add_agent(morning.runtime.db, "U0MANAGER", "Meg Manager", role="manager")
    morning.run_morning()
    assert "Your worklist" in _home(morning, AGENT)
    assert "has left the team" in morning.collect("U0MANAGER", f"team remove <@{AGENT}>")
    for who in (AGENT, STRANGER):
        home = _home(morning, who)
        assert "Welcome" in home and "Your worklist" not in home and "ACC-1" not in home


@pytest.fixture
def waiting_for_an_answer(team: RunningBot) -> tuple[RunningBot, str]:
    """An escalation of U0AGENT1's whose supervisor asked a question in its thread."""
    from tests.portfolio import add_agent
    from tests.test_escalations import decide, the_escalation

    add_agent(team.runtime.db, GONE, "Gus Gone", active=False)
    team.collect("U0AGENT1", "escalate ACC-1042 hardship until 2026-12-31 lost job")
    team.slack.wait_for("chat.postMessage")
    decide(team, "U0SUPER1", ActionId.ESCALATION_ASK_INFO, "Any proof of the job loss?")
    return team, str(the_escalation(team)["ts"])


def _reply(thread_ts: str, user: str, text: str, ts: str, **more: str) -> dict[str, str]:
    return {"type": "message", "channel": "C0SUPERVISORS", "user": user, "text": text, "ts": ts,
            "thread_ts": thread_ts, **more}  # fmt: skip


def test_thread_replies_of_people_off_the_roster_are_not_notes_and_also_sent_to_channel_is_an_answer(
    waiting_for_an_answer: tuple[RunningBot, str],
) -> None:
    from tests.test_escalations import escalation

    bot, parent = waiting_for_an_answer
    for n, who in enumerate((STRANGER, GONE)):
        assert bot.send.event(_reply(parent, who, f"not a note {n}", f"1800000000.00010{n}")).status == 200
    edits = len(bot.slack.calls("chat.update"))
    broadcast = _reply(parent, "U0AGENT1", "A letter from the employer", "1800000000.000900",
                       subtype="thread_broadcast")  # fmt: skip
    assert bot.send.event(broadcast).status == 200
    bot.slack.wait_for("chat.update", count=edits + 1)  # the agent's answer reopened it
    with bot.runtime.db.reading() as session:
        assert session.scalars(select(AccountNote.text)).all() == ["A letter from the employer"]
    assert escalation(bot).status == "open"


def test_a_request_without_a_workspace_is_refused_like_one_from_another(team: RunningBot) -> None:
    teamless = SlackRequestSender(team.url, SIGNING_SECRET, team_id=None, standin=team.slack)
    refused = teamless.slash_command("U0AGENT1", "pay ACC-1042 10")
    assert refused.status == 200 and "another Slack workspace" in refused.body
    click = teamless.block_actions(
        "U0AGENT1", [{"action_id": ActionId.CONFIRM_OVERPAYMENT, "value": "{}"}], channel_id="C0GENERAL"
    )
    assert "another Slack workspace" in json.dumps(team.slack.wait_for_response(url=click.response_url)[-1])
    assert teamless.event({"type": "app_home_opened", "user": "U0AGENT1", "tab": "home"}).status == 200
    assert team.send.event({"type": "app_home_opened", "user": "U0AGENT2", "tab": "home"}).status == 200
    published = team.slack.wait_for("views.publish")
    assert [call.params["user_id"] for call in published] == ["U0AGENT2"]
    assert nothing_written(team)


def _without_suggestions(answer: str) -> str:
    return re.sub(r"Did you mean [^?]*\? ", "", answer)


def test_an_unknown_account_and_someone_elses_get_the_same_answer_and_suggestions_only_among_ones_own(
    team: RunningBot,
) -> None:
    for command in ("account {}", "pay {} 10", "log {} call vm", "promise {} 10 friday"):
        theirs = team.collect("U0AGENT1", command.format("acc-2001"))
        missing = team.collect("U0AGENT1", command.format("acc-2002"))
        assert "not an account you can work" in theirs
        # Suggestions depend on the spelling typed (and are among Ana's own), the rest is the same.
        assert _without_suggestions(theirs.replace("acc-2001", "acc-2002")) == _without_suggestions(missing)
        assert "ACC-2001" not in theirs + missing and "Pedro" not in theirs
    assert "ACC-2001" in team.collect("U0SUPER1", "account ACC-2002")  # a supervisor's suggestion
    assert "ACC-2001" not in _picker(team, "U0AGENT1", "ACC") and "ACC-1042" in _picker(
        team, "U0AGENT1", "ACC"
    )
    assert "ACC-2001" in _picker(team, "U0SUPER1", "ACC")
    assert nothing_written(team)


def test_slacks_own_checks_carry_no_workspace_and_are_answered(team: RunningBot) -> None:
    teamless = SlackRequestSender(team.url, SIGNING_SECRET, team_id=None, standin=team.slack)
    body = b"ssl_check=1&token=standin-verification-token"
    ssl = teamless.raw(body, {"Content-Type": "application/x-www-form-urlencoded", **teamless.sign(body)})
    assert ssl.status == 200
    challenge = json.dumps({"type": "url_verification", "challenge": "c-9", "token": "t"}).encode()
    answer = teamless.raw(challenge, {"Content-Type": "application/json", **teamless.sign(challenge)})
    assert answer.status == 200 and "c-9" in answer.body
