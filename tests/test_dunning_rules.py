"""The dunning rules at their edges, the schedule file as a team writes it (and gets it wrong), and
property tests for what must never happen: two stages for one account in one run, a stage twice
in one delinquency, a stage before one already had, anything for an account on hold."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.dunning import dunning_summary
from bot.correspondence.model import DocumentKind, SendChannel
from bot.dunning.model import DunningFacts, DunningSchedule, DunningSummary, HeldBack, Stage, StageCount
from bot.dunning.rules import (
    SHIPPED_SCHEDULE,
    ScheduleError,
    decide,
    parse_schedule,
    plan,
    read_schedule,
    within_daily_limit,
)
from bot.language.render import speaking
from bot.settings import SettingsError, load_settings

TODAY = date(2026, 12, 7)
SCHEDULE = read_schedule("")


def facts(dpd: int, **fields: object) -> DunningFacts:
    values: dict[str, object] = {
        "account_pk": 1,
        "account_id": "ACC-1",
        "status": "active",
        "hold_reason": None,
        "balance": Decimal("250.00"),
        "days_past_due": dpd,
    }
    values.update(fields)
    return DunningFacts(**values)  # type: ignore[arg-type]


def test_the_shipped_schedule_is_reminder_second_reminder_and_final_notice_by_letter() -> None:
    assert [(s.name, s.days, s.kind, s.channel) for s in SCHEDULE.stages] == [
        ("reminder", 5, DocumentKind.REMINDER, SendChannel.EMAIL),
        ("second-reminder", 20, DocumentKind.REMINDER, SendChannel.EMAIL),
        ("final-notice", 45, DocumentKind.FINAL_NOTICE, SendChannel.LETTER),
    ]
    assert SHIPPED_SCHEDULE.is_file()
    assert load_settings(_env_file=None).dunning_schedule == SCHEDULE


@pytest.mark.parametrize(
    ("dpd", "stage"),
    [(0, None), (4, None), (5, "reminder"), (19, "reminder"), (20, "second-reminder"),
     (44, "second-reminder"), (45, "final-notice"), (400, "final-notice")],
)  # fmt: skip
def test_the_highest_stage_reached_is_due(dpd: int, stage: str | None) -> None:
    decision = decide(SCHEDULE, facts(dpd), TODAY)
    assert (decision.stage.name if decision else None) == stage


def test_a_stage_had_is_not_due_again_nor_any_before_it() -> None:
    assert decide(SCHEDULE, facts(10, stages_sent=frozenset({"reminder"})), TODAY) is None
    assert decide(SCHEDULE, facts(10, stages_sent=frozenset({"second-reminder"})), TODAY) is None
    later = decide(SCHEDULE, facts(25, stages_sent=frozenset({"reminder"})), TODAY)
    assert later is not None and later.stage.name == "second-reminder"
    # Arrived at 50 days with nothing sent: the final notice only, never the reminders after it.
    assert decide(SCHEDULE, facts(50), TODAY).stage.name == "final-notice"  # type: ignore[union-attr]
    assert decide(SCHEDULE, facts(50, stages_sent=frozenset({"final-notice"})), TODAY) is None


@pytest.mark.parametrize("status", ["paid", "settled", "written_off"])
def test_a_closed_account_or_one_owing_nothing_is_due_nothing(status: str) -> None:
    assert decide(SCHEDULE, facts(30, status=status), TODAY) is None
    assert decide(SCHEDULE, facts(30, balance=Decimal("0")), TODAY) is None
    assert decide(SCHEDULE, facts(30, balance=Decimal("-5")), TODAY) is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [("on_hold", "dispute"), ("on_hold", "cease-communication"), ("on_hold", "hardship"),
     ("on_hold", None), ("legal", None)],
)  # fmt: skip
def test_an_account_on_hold_is_held_back_with_its_reason(status: str, reason: str | None) -> None:
    decision = decide(SCHEDULE, facts(30, status=status, hold_reason=reason), TODAY)
    assert decision is not None and decision.held == HeldBack.ON_HOLD and not decision.sends
    assert decision.detail == (reason or status)


def test_an_open_promise_holds_it_back_until_it_is_broken() -> None:
    kept_until = TODAY + timedelta(days=2)
    assert decide(SCHEDULE, facts(30, promise_kept_until=kept_until), TODAY).held == HeldBack.PROMISE  # type: ignore[union-attr]
    # Its last day (due date + grace) is today: still kept.
    assert decide(SCHEDULE, facts(30, promise_kept_until=TODAY), TODAY).held == HeldBack.PROMISE  # type: ignore[union-attr]
    broken = decide(SCHEDULE, facts(30, promise_kept_until=TODAY - timedelta(days=1)), TODAY)
    assert broken is not None and broken.sends


def test_a_contact_by_the_stages_channel_within_its_quiet_days_holds_it_back() -> None:
    # second-reminder: email, quiet 7 days.
    recent = {"email": TODAY - timedelta(days=6)}
    assert decide(SCHEDULE, facts(25, last_contact=recent), TODAY).held == HeldBack.RECENT_CONTACT  # type: ignore[union-attr]
    assert decide(SCHEDULE, facts(25, last_contact={"email": TODAY - timedelta(days=7)}), TODAY).sends  # type: ignore[union-attr]
    # Another channel does not count.
    assert decide(SCHEDULE, facts(25, last_contact={"call": TODAY}), TODAY).sends  # type: ignore[union-attr]
    # quiet_days 0: never held for a contact.
    loud = DunningSchedule(stages=(Stage(name="r", days=1, kind="reminder", channel="email"),))  # type: ignore[arg-type]
    assert decide(loud, facts(3, last_contact={"email": TODAY}), TODAY).sends  # type: ignore[union-attr]


def test_no_email_or_no_address_for_the_stages_channel_holds_it_back() -> None:
    assert decide(SCHEDULE, facts(25, has_email=False), TODAY).held == HeldBack.NO_EMAIL  # type: ignore[union-attr]
    assert decide(SCHEDULE, facts(25, has_address=False), TODAY).sends  # type: ignore[union-attr]
    assert decide(SCHEDULE, facts(50, has_address=False), TODAY).held == HeldBack.NO_ADDRESS  # type: ignore[union-attr]


# --- the schedule file ----------------------------------------------------------------------------


def test_a_schedule_file_is_read_with_every_field() -> None:
    schedule = parse_schedule(
        "stages:\n"
        "  - {name: nudge, days: 3, kind: statement, channel: email}\n"
        "  - {name: letter, days: 60, kind: final-notice, channel: letter, quiet_days: 30}\n"
    )
    assert schedule.stages == (
        Stage(name="nudge", days=3, kind=DocumentKind.STATEMENT, channel=SendChannel.EMAIL),
        Stage(
            name="letter", days=60, kind=DocumentKind.FINAL_NOTICE, channel=SendChannel.LETTER, quiet_days=30
        ),
    )
    assert parse_schedule("stages: []\n").stages == ()
    assert parse_schedule("").stages == ()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("stages:\n  - name: a\n    days: soon\n    kind: reminder\n    channel: email\n",
         "line 3: stages[0].days: Input should be a valid integer"),
        ("stages:\n  - name: a\n    days: 5\n    kind: settlement-offer\n    channel: email\n",
         "line 4: stages[0].kind: settlement-offer is sent by a person, not by dunning"),
        ("stages:\n  - {name: a, days: 5, kind: reminder, channel: email}\n"
         "  - {name: b, days: 9, kind: reminder, channel: fax}\n",
         "line 3: stages[1].channel: Input should be 'email' or 'letter'"),
        ("stages:\n  - {name: a, days: 5, kind: reminder, channel: email, when: never}\n",
         "line 2: stages[0].when: Extra inputs are not permitted"),
        ("stages:\n  - {name: a, days: 5, kind: reminder, channel: email}\n"
         "  - {name: b, days: 5, kind: reminder, channel: email}\n",
         "stage 'b' (5 days) must come after 'a' (5 days)"),
        ("stages:\n  - {name: a, days: 5, kind: reminder, channel: email}\n"
         "  - {name: a, days: 9, kind: reminder, channel: email}\n",
         "two stages are named 'a'"),
        ("stages:\n  - {name: a, days: 0, kind: reminder, channel: email}\n",
         "line 2: stages[0].days: Input should be greater than or equal to 1"),
        ("stages:\n  - {name: 'Big One', days: 5, kind: reminder, channel: email}\n",
         "line 2: stages[0].name: String should match pattern"),
        ("stages:\n  - name: [a\n", "line 3: not YAML"),
        ("- a\n- b\n", "line 1: expected `stages:`"),
    ],
)  # fmt: skip
def test_a_wrong_schedule_names_the_line_and_the_field(text: str, said: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(text, "dunning.yml")
    assert str(raised.value).startswith("dunning.yml")
    assert said in str(raised.value)


def test_a_wrong_schedule_file_stops_start_up_naming_the_setting_and_the_line(tmp_path: Path) -> None:
    file = tmp_path / "dunning.yml"
    file.write_text("stages:\n  - name: a\n    days: 5\n    kind: reminder\n    channel: pigeon\n")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, COLLECT_DUNNING_FILE=str(file))
    assert str(raised.value).startswith("COLLECT_DUNNING_FILE is invalid")
    assert f"{file}, line 5: stages[0].channel" in str(raised.value)
    with pytest.raises(SettingsError, match="cannot be read"):
        load_settings(_env_file=None, COLLECT_DUNNING_FILE=str(tmp_path / "missing.yml"))
    file.write_text("stages:\n  - {name: only, days: 9, kind: reminder, channel: email}\n")
    assert [
        s.name for s in load_settings(_env_file=None, COLLECT_DUNNING_FILE=str(file)).dunning_schedule.stages
    ] == ["only"]


# --- properties -----------------------------------------------------------------------------------


@st.composite
def schedules(draw: st.DrawFn) -> DunningSchedule:
    days = sorted(draw(st.sets(st.integers(1, 200), min_size=0, max_size=6)))
    return DunningSchedule(
        stages=tuple(
            Stage(
                name=f"s{index}",
                days=day,
                kind=draw(
                    st.sampled_from(
                        [DocumentKind.REMINDER, DocumentKind.FINAL_NOTICE, DocumentKind.STATEMENT]
                    )
                ),
                channel=draw(st.sampled_from(list(SendChannel))),
                quiet_days=draw(st.integers(0, 30)),
            )
            for index, day in enumerate(days)
        )
    )


STATUSES = ["active", "promised", "plan", "on_hold", "paid", "settled", "written_off", "legal"]


@st.composite
def accounts(draw: st.DrawFn, schedule: DunningSchedule, pk: int = 1) -> DunningFacts:
    names = [stage.name for stage in schedule.stages]
    return DunningFacts(
        account_pk=pk,
        account_id=f"ACC-{pk}",
        status=draw(st.sampled_from(STATUSES)),
        hold_reason=draw(st.sampled_from([None, "dispute", "bankruptcy"])),
        balance=Decimal(draw(st.integers(-100, 10_000))),
        days_past_due=draw(st.integers(0, 250)),
        stages_sent=frozenset(draw(st.sets(st.sampled_from(names))) if names else set()),
        promise_kept_until=draw(st.none() | st.dates(TODAY - timedelta(days=10), TODAY + timedelta(days=10))),
        last_contact=draw(
            st.dictionaries(
                st.sampled_from(["email", "letter", "call"]), st.dates(TODAY - timedelta(days=40), TODAY)
            )
        ),
        has_email=draw(st.booleans()),
        has_address=draw(st.booleans()),
    )


@given(st.data())
def test_one_run_gives_an_account_at_most_one_stage_never_one_had_nor_one_before_it(
    data: st.DataObject,
) -> None:
    schedule = data.draw(schedules())
    many = [data.draw(accounts(schedule, pk)) for pk in range(1, 6)]
    decisions = plan(schedule, many, TODAY)
    assert len({d.account_pk for d in decisions}) == len(decisions)
    order = [stage.name for stage in schedule.stages]
    for decision in decisions:
        account = many[decision.account_pk - 1]
        assert decision.stage.name not in account.stages_sent
        assert all(order.index(had) < order.index(decision.stage.name) for had in account.stages_sent)
        assert decision.stage.days <= account.days_past_due


@given(st.data())
def test_an_account_on_hold_never_gets_anything(data: st.DataObject) -> None:
    schedule = data.draw(schedules())
    account = data.draw(accounts(schedule))
    held = replace(account, status=data.draw(st.sampled_from(["on_hold", "legal"])))
    decision = decide(schedule, held, TODAY)
    assert decision is None or (not decision.sends and decision.held == HeldBack.ON_HOLD)


@given(st.data())
def test_a_stage_sent_is_never_due_again_however_the_days_go_on(data: st.DataObject) -> None:
    """Running day after day, recording each stage sent: every stage at most once, in order."""
    schedule = data.draw(schedules())
    account = data.draw(accounts(schedule))
    account = replace(account, stages_sent=frozenset(), status="active", balance=Decimal(100))
    sent: list[str] = []
    for day in range(account.days_past_due, account.days_past_due + 120):
        today = TODAY + timedelta(days=day - account.days_past_due)
        decision = decide(schedule, replace(account, days_past_due=day, stages_sent=frozenset(sent)), today)
        if decision is not None and decision.sends:
            sent.append(decision.stage.name)
    assert len(sent) == len(set(sent))
    order = [stage.name for stage in schedule.stages]
    assert sent == sorted(sent, key=order.index)


# --- the supervisors' summary ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", ["Dunning", "3 documents sent", "by email: 2", "2 held back", "on hold 1", "an open promise 1"]),
     ("pt-BR", ["Cobrança automática", "3 documentos enviados", "por e-mail: 2", "2 retidos", "uma promessa em aberto 1"]),
     ("es", ["Cobranza automática", "3 documentos enviados", "2 retenidos", "suspendida 1"])],
)  # fmt: skip
def test_the_summary_counts_per_stage_and_reason_in_the_teams_language(locale: str, words: list[str]) -> None:
    summary = DunningSummary(
        day=TODAY,
        sent=(StageCount("reminder", "email", 2), StageCount("final-notice", "letter", 1)),
        held=((HeldBack.ON_HOLD, 1), (HeldBack.PROMISE, 1)),
    )
    with speaking(locale):
        reply = dunning_summary(summary)
    text = json.dumps(reply.blocks, ensure_ascii=False)
    for word in words:
        assert word in text
    assert "`final-notice`" in text and "collect-bot letters" in text
    with speaking(locale):
        quiet = dunning_summary(DunningSummary(day=TODAY, sent=(), held=()))
    assert "Dunning" in quiet.text or "automática" in quiet.text


def test_the_days_limit_sends_the_most_past_due_first_and_holds_back_the_rest() -> None:
    many = [
        facts(dpd, account_pk=pk, account_id=f"ACC-{pk}") for pk, dpd in ((1, 10), (2, 50), (3, 25), (4, 25))
    ]
    decisions = plan(SCHEDULE, many, TODAY)
    limited = within_daily_limit(decisions, 2)
    assert [(d.account_id, d.held) for d in limited] == [
        ("ACC-1", HeldBack.DAILY_LIMIT), ("ACC-2", None), ("ACC-3", None), ("ACC-4", HeldBack.DAILY_LIMIT),
    ]  # fmt: skip
    assert within_daily_limit(decisions, None) == decisions
    assert all(d.held == HeldBack.DAILY_LIMIT for d in within_daily_limit(decisions, 0))
    assert all(d.held == HeldBack.DAILY_LIMIT for d in within_daily_limit(decisions, -3))


@given(st.data())
def test_the_days_limit_never_lets_more_go_and_never_sends_what_was_held(data: st.DataObject) -> None:
    schedule = data.draw(schedules())
    many = [data.draw(accounts(schedule, pk)) for pk in range(1, 8)]
    decisions = plan(schedule, many, TODAY)
    room = data.draw(st.none() | st.integers(0, 8))
    limited = within_daily_limit(decisions, room)
    assert [d.account_pk for d in limited] == [d.account_pk for d in decisions]
    going = [d for d in limited if d.sends]
    assert room is None or len(going) <= room
    assert all(before.sends for before, after in zip(decisions, limited, strict=True) if after.sends)


def test_a_demand_waits_for_the_validation_period_to_end_under_the_us_profile() -> None:
    running = facts(10, validation_ends=TODAY)
    decision = decide(SCHEDULE, running, TODAY)
    assert (
        decision is not None
        and decision.held == HeldBack.VALIDATION_PERIOD
        and decision.detail == TODAY.isoformat()
    )
    assert decide(SCHEDULE, facts(10, validation_ends=TODAY - timedelta(days=1)), TODAY).sends  # type: ignore[union-attr]
    assert decide(SCHEDULE, replace(running, profile="off"), TODAY).sends  # type: ignore[union-attr]
    # A statement answers the customer and may go during the period.
    statement = DunningSchedule(stages=(Stage(name="s", days=1, kind="statement", channel="email"),))  # type: ignore[arg-type]
    assert decide(statement, running, TODAY).sends  # type: ignore[union-attr]
