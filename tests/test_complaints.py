"""Complaints through `/collect`: recorded with a handler and a due date, listed, resolved, refused
with what to type, each change audited; and the rules of the due date and lateness."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.complaints.rules import due_on, handler_for, is_overdue, may_resolve
from bot.reports.records.numbers import build_report
from bot.reports.render.spreadsheet import report_workbook
from storage.models import AuditEntry, Complaint
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent

ANA, JOAO, SAM, LUCIA = "U0AGENT1", "U0AGENT2", "U0SUPER1", "U0LUCIA"
# Monday 23 November 2026 in New York, the team's zone.
TODAY = date(2026, 11, 23)


@pytest.fixture
def desk(team: RunningBot) -> RunningBot:
    add_account(team.runtime.db, "ACC-ANA", "300.00", assigned_to=ANA, customer_name="Ana's *customer*")
    return team


def complaints(bot: RunningBot) -> list[Complaint]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(Complaint).order_by(Complaint.id)))


def audited(bot: RunningBot, action: str) -> list[AuditEntry]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def text_of(answer: str) -> str:
    body: Any = json.loads(answer)
    return json.dumps(body.get("blocks", body), ensure_ascii=False)


def test_an_agent_records_a_complaint_the_supervisors_handle_due_in_15_calendar_days(
    desk: RunningBot,
) -> None:
    answer = desk.collect(ANA, "complaint ACC-ANA fees charged a late fee twice in November")
    assert "Complaint number 1 recorded" in answer
    assert "the supervisors" in answer and "Dec 8, 2026" in answer
    [complaint] = complaints(desk)
    assert (complaint.category, complaint.text, complaint.recorded_by) == (
        "fees", "charged a late fee twice in November", ANA,
    )  # fmt: skip
    assert (complaint.agent, complaint.handler) == (ANA, None)
    assert (complaint.opened_on, complaint.due_on) == (TODAY, TODAY + timedelta(days=15))
    [entry] = audited(desk, "complaint.recorded")
    assert entry.actor == ANA and entry.entity_key == str(complaint.id)


def test_a_supervisor_who_records_one_handles_it(desk: RunningBot) -> None:
    answer = desk.collect(SAM, "complaint ACC-2001 conduct the agent was rude on the phone")
    assert "<@U0SUPER1>" in answer
    [complaint] = complaints(desk)
    assert (complaint.handler, complaint.agent) == (SAM, JOAO)


@pytest.mark.settings(COLLECT_COMPLAINT_DAYS="30")
def test_the_team_sets_the_days_to_answer(desk: RunningBot) -> None:
    desk.collect(ANA, "complaint ACC-ANA service nobody called back")
    assert complaints(desk)[0].due_on == TODAY + timedelta(days=30)


def test_the_teams_own_words_are_understood(desk: RunningBot) -> None:
    desk.collect(ANA, "reclamação ACC-ANA dívida-errada diz que já pagou")
    desk.collect(ANA, "queja ACC-ANA privacidad llamaron a su trabajo")
    assert [c.category for c in complaints(desk)] == ["wrong-debt", "privacy"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("complaint ACC-ANA rudeness he shouted", ["is not a complaint category", "`wrong-debt`"]),
        ("complaint ACC-ANA fees", ["needs an account id, a category", "/collect complaint ACC-1042 fees"]),
        ("complaint ACC-2001 fees charged twice", ["is not an account you can work"]),
        ("complaint resolve x done", ["is not a complaint's number", "/collect complaint resolve"]),
        ("complaint resolve 1", ["Say how the complaint was resolved"]),
    ],
)
def test_bad_input_is_refused_with_what_to_type_and_nothing_written(
    desk: RunningBot, typed: str, said: list[str]
) -> None:
    answer = desk.collect(ANA, typed)
    assert "ephemeral" in answer
    for words in said:
        assert words in answer
    assert complaints(desk) == []
    assert audited(desk, "complaint.recorded") == []


def test_the_list_shows_open_ones_oldest_due_first_escaped_and_counted(desk: RunningBot) -> None:
    desk.collect(ANA, "complaint ACC-ANA fees first")
    desk.clock.advance(timedelta(days=2))
    desk.collect(SAM, "complaint ACC-1043 other second <!here>")
    listed = desk.collect(SAM, "complaints")
    assert "2 open complaints" in listed
    shown = text_of(listed)
    assert shown.index("first") < shown.index("second")
    assert "<!channel>" not in shown and "<!here>" not in shown and "&lt;!channel&gt;" in shown
    # An agent sees those on their accounts (ACC-1043 is Ana's too) or recorded by them.
    desk.collect(SAM, "complaint ACC-2001 service third")
    assert "3 open complaints" in desk.collect(SAM, "complaints")
    assert "2 open complaints" in desk.collect(ANA, "complaints")
    assert "1 open complaint" in desk.collect(JOAO, "complaints")
    add_agent(desk.runtime.db, "U0NEW", "Nina New")
    assert "No open complaints." in desk.collect("U0NEW", "complaints")


def test_resolving_is_for_supervisors_and_the_handler_and_is_audited(desk: RunningBot) -> None:
    desk.collect(ANA, "complaint ACC-ANA fees charged twice")
    refused = desk.collect(ANA, "complaint resolve 1 refunded")
    assert "Only supervisors and the complaint's handler" in refused
    assert complaints(desk)[0].resolved_at is None
    answer = desk.collect(SAM, "complaint resolve 1 refunded the second fee and apologised")
    assert "Complaint number 1 on" in answer and "is resolved" in answer
    [complaint] = complaints(desk)
    assert (complaint.resolved_by, complaint.outcome) == (SAM, "refunded the second fee and apologised")
    assert len(audited(desk, "complaint.resolved")) == 1
    assert "No open complaints." in desk.collect(SAM, "complaints")
    assert "already resolved" in desk.collect(SAM, "complaint resolve 1 again")
    assert "There is no complaint number 9" in desk.collect(SAM, "complaint resolve 9 done")


def test_each_language_for_one_message(desk: RunningBot) -> None:
    add_agent(desk.runtime.db, "U0BIA", "Beatriz Lima", role="supervisor", locale="pt-BR")
    add_agent(desk.runtime.db, LUCIA, "Lucía Gómez", role="supervisor", locale="es")
    assert "Reclamação número 1 registrada" in desk.collect(
        "U0BIA", "complaint ACC-1042 fees cobrou duas vezes"
    )
    assert "Queja número 2 registrada" in desk.collect(LUCIA, "complaint ACC-1042 fees cobró dos veces")
    assert "Complaint number 3 recorded" in desk.collect(SAM, "complaint ACC-1042 fees charged twice")
    with desk.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 3


# --- the rules ---------------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))


@given(days, st.integers(min_value=0, max_value=365))
def test_the_due_date_is_never_before_today(today: date, within: int) -> None:
    assert due_on(today, within) >= today
    assert not is_overdue(due_on(today, within), due_on(today, within), resolved=False)


@given(days, days, st.booleans())
def test_overdue_iff_today_is_past_the_due_date_and_it_is_open(
    today: date, due: date, resolved: bool
) -> None:
    assert is_overdue(today, due, resolved=resolved) == (today > due and not resolved)


def test_who_handles_and_who_resolves() -> None:
    assert handler_for(SAM, recorder_supervises=True) == SAM
    assert handler_for(ANA, recorder_supervises=False) is None
    assert may_resolve(ANA, supervises=False, handler=ANA)
    assert not may_resolve(ANA, supervises=False, handler=None)
    assert may_resolve(SAM, supervises=True, handler=None)


# --- overdue: told once in the supervisors' channel --------------------------------------------------

# Wednesday 9 December 2026, 9:00 in New York: the day after the due date of a complaint of the 23rd.
AFTER_DUE = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)


def channel_texts(bot: RunningBot) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in bot.slack.messages("C0SUPERVISORS")]


def test_an_overdue_complaint_is_told_once_in_the_supervisors_channel(desk: RunningBot) -> None:
    desk.collect(ANA, "complaint ACC-ANA fees charged twice")
    desk.collect(ANA, "complaint ACC-1042 service answered late")
    desk.collect(SAM, "complaint resolve 2 called back the same day")
    # On the due date itself the complaint is still in time.
    desk.run_job("supervisor-alerts", AFTER_DUE - timedelta(days=1))
    assert not any("past its due date" in text for text in channel_texts(desk))
    report = desk.run_job("supervisor-alerts", AFTER_DUE)
    assert "1 overdue complaints" in report
    told = [text for text in channel_texts(desk) if "past its due date" in text]
    assert len(told) == 1 and "ACC-ANA" in told[0] and "ACC-1042" not in told[0]
    desk.run_job("supervisor-alerts", AFTER_DUE + timedelta(minutes=15))
    desk.run_job("supervisor-alerts", AFTER_DUE + timedelta(days=1))
    assert len([text for text in channel_texts(desk) if "past its due date" in text]) == 1
    assert len(audited(desk, "complaint.overdue")) == 1
    assert "overdue since" in desk.collect(SAM, "complaints")


# --- the digests and the spreadsheet -----------------------------------------------------------------


def test_the_digest_and_the_spreadsheet_count_complaints(desk: RunningBot) -> None:
    desk.collect(ANA, "complaint ACC-ANA fees charged twice")
    desk.collect(ANA, "complaint ACC-ANA conduct rude on the phone")
    desk.collect(SAM, "complaint ACC-2001 fees interest looks wrong")
    desk.collect(SAM, "complaint resolve 3 explained the interest")
    desk.clock.advance(timedelta(minutes=5))
    shown = text_of(desk.collect(SAM, "report day"))
    assert "*Complaints:* 3 opened · 1 resolved · 0 overdue" in shown
    assert "Opened by category: conduct 1, fees 2" in shown
    assert "Opened by agent: Ana Agent 2, João Agente 1" in shown
    with desk.runtime.db.reading() as session:
        report = build_report(session, "day", desk.runtime.today(), desk.runtime.settings, desk.runtime.now())
    rows = {
        row[0]: row[2]
        for row in openpyxl.load_workbook(io.BytesIO(report_workbook(report)))["Summary"].iter_rows(
            values_only=True
        )
    }
    assert (rows["Complaints opened"], rows["Complaints resolved"], rows["Complaints overdue at the end"]) == (
        3, 1, 0,
    )  # fmt: skip
    assert (rows["Complaints opened: fees"], rows["Complaints opened: Ana Agent"]) == (2, 2)
    # Three weeks later the two still open are overdue, counted in that day's numbers.
    desk.clock.advance(timedelta(days=21))
    assert "*Complaints:* 0 opened · 0 resolved · 2 overdue" in text_of(desk.collect(SAM, "report day"))


def test_a_digest_without_complaints_says_nothing_of_them(desk: RunningBot) -> None:
    assert "Complaints" not in desk.collect(SAM, "report day")


def test_a_supervisor_may_be_named_to_handle_it(desk: RunningBot) -> None:
    add_agent(desk.runtime.db, "U0SUPER2", "Rita Supervisor", role="supervisor")
    answer = desk.collect(ANA, "complaint ACC-ANA privacy <@U0SUPER2|rita> called her at work")
    assert "<@U0SUPER2>" in answer
    [complaint] = complaints(desk)
    assert (complaint.handler, complaint.text) == ("U0SUPER2", "called her at work")
    # The handler resolves it; naming an agent is refused, nothing written.
    refused = desk.collect(ANA, "complaint ACC-ANA privacy <@U0AGENT2> called again")
    assert "is not a supervisor" in refused and len(complaints(desk)) == 1
    assert "is resolved" in desk.collect("U0SUPER2", "complaint resolve 1 apologised, number removed")
