"""The gate's memory of who is on the roster: it runs out on the bot's own clock (never the real
time), each runtime has its own, and a change made through the bot is never shadowed by an answer
read before it committed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from bot.clock import ManualClock
from bot.roster import desk as team
from bot.roster.records import ROSTER_MEMORY
from bot.runtime import Runtime
from storage.models import Agent
from tests.conftest import MONDAY_9AM, RunningBot
from tests.portfolio import add_agent, standard_team

OFF_THE_ROSTER = "not on the collections team"


@pytest.fixture
def crew(bot: RunningBot) -> RunningBot:
    standard_team(bot.runtime.db)
    add_agent(bot.runtime.db, "U0MANAGER", "Meg Manager", role="manager")
    return bot


def removed_in_another_process(bot: RunningBot, slack_user_id: str) -> None:
    """A change this runtime is not told of: the CLI, a second server, a hand edit."""
    with bot.runtime.db.transaction() as session:
        session.execute(update(Agent).where(Agent.slack_user_id == slack_user_id).values(active=False))


def test_someone_removed_elsewhere_is_let_in_until_the_memory_runs_out_on_the_bots_clock(
    crew: RunningBot,
) -> None:
    assert OFF_THE_ROSTER not in crew.send.slash_command("U0AGENT1", "report").body
    removed_in_another_process(crew, "U0AGENT1")
    crew.clock.advance(ROSTER_MEMORY - timedelta(milliseconds=1))
    # Past the gate, on its memory: the report itself reads the roster afresh and refuses.
    assert "not on the team any more" in crew.send.slash_command("U0AGENT1", "report").body
    crew.clock.advance(timedelta(milliseconds=1))
    assert OFF_THE_ROSTER in crew.send.slash_command("U0AGENT1", "report").body


def test_a_clock_set_back_reads_the_roster_again(crew: RunningBot) -> None:
    assert OFF_THE_ROSTER not in crew.send.slash_command("U0AGENT1", "report").body
    removed_in_another_process(crew, "U0AGENT1")
    crew.clock.set(MONDAY_9AM - timedelta(hours=1))
    assert OFF_THE_ROSTER in crew.send.slash_command("U0AGENT1", "report").body


def test_a_team_change_forgets_in_its_own_runtime_only(crew: RunningBot) -> None:
    its_clock = ManualClock(MONDAY_9AM)
    elsewhere = Runtime(settings=crew.runtime.settings, db=crew.runtime.db, clock=its_clock)
    assert elsewhere.roster_memory.on_roster("U0AGENT1")
    assert crew.runtime.roster_memory.on_roster("U0AGENT1")
    assert "has left the team" in crew.send.slash_command("U0MANAGER", "team remove <@U0AGENT1>").body
    assert OFF_THE_ROSTER in crew.send.slash_command("U0AGENT1", "report").body
    # Another runtime (another process, in effect) learns it when its own memory runs out.
    assert elsewhere.roster_memory.on_roster("U0AGENT1")
    crew.clock.advance(ROSTER_MEMORY)  # the bot's clock is not the one it goes by
    assert elsewhere.roster_memory.on_roster("U0AGENT1")
    its_clock.advance(ROSTER_MEMORY)
    assert not elsewhere.roster_memory.on_roster("U0AGENT1")


def test_an_answer_read_before_a_removal_committed_is_not_remembered_after_it(crew: RunningBot) -> None:
    runtime = crew.runtime
    assert runtime.roster_memory.on_roster("U0AGENT1")
    crew.clock.advance(ROSTER_MEMORY)  # what was remembered has run out: the next check reads
    asked: list[bool] = []

    def gate_checks_while_committing(*_: Any) -> None:
        # A request arriving while the removal commits still reads the old row.
        if not asked:
            asked.append(runtime.roster_memory.on_roster("U0AGENT1"))

    event.listen(runtime.db.engine, "commit", gate_checks_while_committing)
    try:
        team.remove_member(runtime, actor="U0MANAGER", user_id="U0AGENT1")
    finally:
        event.remove(runtime.db.engine, "commit", gate_checks_while_committing)
    assert asked == [True]
    assert not runtime.roster_memory.on_roster("U0AGENT1")  # same instant on the bot's clock


def test_an_answer_read_across_a_forget_is_not_remembered(crew: RunningBot) -> None:
    runtime = crew.runtime
    forgot: list[bool] = []

    def a_change_commits_meanwhile(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "agents" in statement and not forgot:
            forgot.append(True)
            runtime.roster_memory.forget()

    event.listen(runtime.db.engine, "after_cursor_execute", a_change_commits_meanwhile)
    try:
        assert runtime.roster_memory.on_roster("U0AGENT1")  # read as it was before the change
    finally:
        event.remove(runtime.db.engine, "after_cursor_execute", a_change_commits_meanwhile)
    assert forgot == [True]
    removed_in_another_process(crew, "U0AGENT1")  # the change whose forget came mid-read
    assert not runtime.roster_memory.on_roster("U0AGENT1")


def test_one_read_serves_the_whole_team_until_the_memory_runs_out(crew: RunningBot) -> None:
    """Members remembered at about the same moment (a busy morning's first minutes) would run out
    together and be read again one by one, all at once: one read brings back the whole roster."""
    runtime = crew.runtime
    reads: list[str] = []

    def counted(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "agents" in statement:
            reads.append(statement)

    event.listen(runtime.db.engine, "before_cursor_execute", counted)
    try:
        assert runtime.roster_memory.on_roster("U0AGENT1")
        assert runtime.roster_memory.on_roster("U0AGENT2") and runtime.roster_memory.on_roster("U0MANAGER")
        assert not runtime.roster_memory.on_roster("U0STRANGER")  # not remembered yet: read again
        assert not runtime.roster_memory.on_roster("U0STRANGER")
        assert len(reads) == 2, reads
        crew.clock.advance(ROSTER_MEMORY)
        assert runtime.roster_memory.on_roster("U0AGENT2") and runtime.roster_memory.on_roster("U0AGENT1")
        assert len(reads) == 3, reads
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", counted)
