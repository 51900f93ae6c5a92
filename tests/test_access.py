"""Access through Slack: the roster decides who may do what, the workspace must be ours, and an
agent works only their own accounts and the shared queue."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.ids import ActionId
from bot.standin.requests import SlackRequestSender
from storage.models import AuditEntry, Payment
from tests.conftest import SIGNING_SECRET, RunningBot
from tests.portfolio import standard_team

STRANGER = "U0STRANGER"


@pytest.fixture
def team(bot: RunningBot) -> RunningBot:
    standard_team(bot.runtime.db)
    return bot


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
        assert "not one of your accounts" in team.send.slash_command("U0AGENT1", typed).body
    assert "Pedro" not in team.send.slash_command("U0AGENT1", "account ACC-2001").body
    assert nothing_written(team)
    assert "R$ 4.310,00" in team.send.slash_command("U0SUPER1", "account ACC-2001").body


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
