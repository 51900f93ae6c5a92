"""Alerts worth reading (issue 18): one line per account with all its conditions, at most
COLLECT_ALERTS_PER_RUN listed by money at risk and the rest counted, a portfolio's backlog announced
once, the message edited in place when a supervisor acts, and quiet outside working hours."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select

from bot.alerts.rules import (
    SEVERITY,
    AccountAlert,
    Condition,
    Thresholds,
    digest,
    new_owner_window,
    ranked,
    window_ends,
    working_days_since,
)
from bot.ids import ActionId
from bot.ledger.rules.accounts import account_key
from schedules.runner import tick
from storage.database import Database
from storage.models import Account, OutboxMessage, Promise
from tests.conftest import RunningBot
from tests.portfolio import SET_UP_AT, add_account, add_agent

AGENT, SUPERVISOR, OTHER_SUPERVISOR = "U0AGENT1", "U0SUPER1", "U0SUPER2"
CHANNEL = "C0SUPERVISORS"
MONDAY_10AM = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York
OLD_CONTACT = datetime(2026, 10, 20, 15, tzinfo=UTC)


def bulk_portfolio(db: Database, count: int, *, prefix: str = "BULK") -> None:
    """`count` accounts in one insert: every one high value and past due; every third never
    contacted and assigned, so also stalled; a fifth of them in BRL."""
    rows: list[dict[str, Any]] = []
    for n in range(count):
        account_id = f"{prefix}-{n:05d}"
        rows.append(
            {
                "account_id": account_id,
                "account_key": account_key(account_id),
                "customer_name": f"Customer {n}",
                "currency": "BRL" if n % 5 == 0 else "USD",
                "balance": Decimal(10_000 + (n * 37) % 90_000),
                "due_date": date(2026, 8, 11) if n % 2 else date(2026, 11, 1),
                "assigned_to": AGENT if n % 3 == 0 else None,
                "status": "active",
                "last_contact_at": OLD_CONTACT if n % 3 == 0 else None,
                "created_at": SET_UP_AT,
                "updated_at": SET_UP_AT,
            }
        )
    with db.transaction() as session:
        session.execute(insert(Account), rows)


@pytest.fixture
def desk(bot: RunningBot) -> RunningBot:
    db = bot.runtime.db
    add_agent(db, AGENT, "Ana Agent")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_agent(db, OTHER_SUPERVISOR, "Sue Supervisor", role="supervisor")
    return bot


def alerts_run(bot: RunningBot, at: datetime) -> str:
    return bot.run_job("supervisor-alerts", at)


def posted(bot: RunningBot) -> list[dict[str, Any]]:
    return bot.slack.messages(CHANNEL)


def lines_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if str(b.get("block_id", "")).startswith("alert-line-")]


def listed_accounts(message: dict[str, Any]) -> list[str]:
    return [line["text"]["text"].split("`")[1] for line in lines_of(message)]


def button_blocks(message: dict[str, Any]) -> list[str]:
    return [
        str(b["block_id"])
        for b in message["blocks"]
        if b["type"] == "actions" and str(b.get("block_id", "")).startswith("alert-")
    ]


def first_alert_done(bot: RunningBot) -> None:
    """A portfolio that has had its first alert already: what comes next are alerts, not a backlog."""
    add_account(bot.runtime.db, "EARLY-1", "25000.00", due_date=date(2026, 11, 20), assigned_to=AGENT)
    alerts_run(bot, MONDAY_10AM - timedelta(minutes=45))


# --- one line per account, at most the cap, ranked, the rest counted --------------------------------


def test_a_run_on_two_thousand_accounts_lists_at_most_the_cap_and_each_account_once(desk: RunningBot) -> None:
    first_alert_done(desk)
    bulk_portfolio(desk.runtime.db, 2000)
    assert alerts_run(desk, MONDAY_10AM).endswith("new alerts")
    message = posted(desk)[-1]
    accounts = listed_accounts(message)
    assert len(accounts) == 10 and len(set(accounts)) == 10
    assert len(button_blocks(message)) == 10
    text = json.dumps(message, ensure_ascii=False)
    assert "2,000 accounts need a supervisor" in text and "Backlog" not in text
    assert "…and 1,990 more: " in text and "`/collect alerts`" in text
    # The merged line: the money once, each condition's words once, how late last.
    line = lines_of(message)[0]["text"]["text"]
    assert "high value · no contact attempt for" in line and " · stalled · " in line
    assert line.rstrip().endswith("days past due")
    assert line.count("high value") == 1


def test_the_most_pressing_come_first_and_currencies_are_never_added(desk: RunningBot) -> None:
    first_alert_done(desk)
    bulk_portfolio(desk.runtime.db, 60)
    alerts_run(desk, MONDAY_10AM)
    accounts = listed_accounts(posted(desk)[-1])
    with desk.runtime.db.reading() as session:
        found = {a.account_id: a for a in session.scalars(select(Account))}
    # Every listed account has the three conditions (assigned, never reached): stalled and untouched.
    assert all(found[a].assigned_to == AGENT for a in accounts)
    for currency in ("USD", "BRL"):
        balances = [found[a].balance for a in accounts if found[a].currency == currency]
        assert balances == sorted(balances, reverse=True) and balances
        # The biggest of its currency among the three-condition accounts is listed.
        top = max(
            a.balance
            for a in found.values()
            if a.currency == currency and a.assigned_to and a.account_id != "EARLY-1"
        )
        assert balances[0] == top


@pytest.mark.settings(COLLECT_ALERTS_PER_RUN="3")
def test_the_cap_is_a_setting(desk: RunningBot) -> None:
    first_alert_done(desk)
    bulk_portfolio(desk.runtime.db, 40)
    alerts_run(desk, MONDAY_10AM)
    message = posted(desk)[-1]
    assert len(listed_accounts(message)) == 3
    assert "…and 37 more" in json.dumps(message, ensure_ascii=False)


def test_a_portfolios_backlog_is_announced_once_as_a_summary(desk: RunningBot) -> None:
    bulk_portfolio(desk.runtime.db, 2000)
    alerts_run(desk, MONDAY_10AM)
    messages = posted(desk)
    assert len(messages) == 1
    text = json.dumps(messages[0], ensure_ascii=False)
    assert "Backlog on first load: 2,000 accounts need a supervisor" in text
    assert len(set(listed_accounts(messages[0]))) == len(listed_accounts(messages[0])) <= 10
    alerts_run(desk, MONDAY_10AM + timedelta(minutes=15))
    alerts_run(desk, MONDAY_10AM + timedelta(days=1))
    assert len(posted(desk)) == 1  # raised once: nothing new since


def test_a_small_first_run_is_plain_alerts(desk: RunningBot) -> None:
    add_account(desk.runtime.db, "BIG-1", "25000.00", due_date=date(2026, 11, 20), assigned_to=AGENT)
    alerts_run(desk, MONDAY_10AM)
    text = json.dumps(posted(desk)[-1], ensure_ascii=False)
    assert "1 account needs a supervisor" in text and "Backlog" not in text
    # Two conditions, one line: "high value" and "never contacted" merged with the days past due.
    assert "$25,000.00 · high value · never contacted · 3 days past due" in text


# --- acting on a line edits the message for everyone ---------------------------------------------------


def click(bot: RunningBot, user: str, message: dict[str, Any], action: dict[str, Any]) -> str:
    answer = bot.send.block_actions(user, [action], message=message)
    return json.dumps(bot.slack.wait_for_response(url=answer.response_url)[-1], ensure_ascii=False)


def alert_of(message: dict[str, Any], index: int) -> str:
    return button_blocks(message)[index].removeprefix("alert-")


def test_take_over_edits_the_line_in_place_for_everyone(desk: RunningBot) -> None:
    first_alert_done(desk)
    bulk_portfolio(desk.runtime.db, 30)
    alerts_run(desk, MONDAY_10AM)
    message = posted(desk)[-1]
    alert_id, account = alert_of(message, 0), listed_accounts(message)[0]
    desk.clock.set(MONDAY_10AM + timedelta(minutes=5))
    said = click(desk, SUPERVISOR, message, {"action_id": ActionId.ALERT_TAKE_OVER, "value": alert_id})
    assert "Sam Supervisor" in said
    update = desk.slack.wait_for("chat.update")[-1].params
    assert update["ts"] == message["ts"]
    edited = posted(desk)[-1]
    assert edited["ts"] == message["ts"]
    assert f"alert-{alert_id}" not in button_blocks(edited)  # that line's buttons are gone
    assert len(button_blocks(edited)) == len(button_blocks(message)) - 1  # the others keep theirs
    line = next(b for b in lines_of(edited) if f"`{account}`" in b["text"]["text"])
    note = line["fields"][0]["text"]
    when = int((MONDAY_10AM + timedelta(minutes=5)).timestamp())
    assert f"Taken over by <@{SUPERVISOR}> <!date^{when}^" in note
    assert f"Owner: <@{SUPERVISOR}>" in note and AGENT not in json.dumps(line)
    with desk.runtime.db.reading() as session:
        edit = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alerts-edit")).one()
        # The edit, once sent, carries the same ts as the message it edited: the original is the other.
        original = session.scalars(
            select(OutboxMessage).where(OutboxMessage.slack_ts == message["ts"], OutboxMessage.id != edit.id)
        ).one()
    assert edit.payload["update_key"] == original.dedupe_key  # through the outbox, as an edit


def test_reassign_and_snooze_edit_their_lines_one_over_the_other(desk: RunningBot) -> None:
    first_alert_done(desk)
    bulk_portfolio(desk.runtime.db, 30)
    alerts_run(desk, MONDAY_10AM)
    message = posted(desk)[-1]
    first, second = alert_of(message, 0), alert_of(message, 1)
    reassign = {
        "action_id": ActionId.ALERT_REASSIGN,
        "type": "users_select",
        "block_id": f"alert-{first}",
        "selected_user": AGENT,
    }
    assert "Ana Agent" in click(desk, SUPERVISOR, message, reassign)
    desk.slack.wait_for("chat.update")
    snooze = {"action_id": ActionId.ALERT_SNOOZE, "value": second}
    assert "Snoozed" in click(desk, OTHER_SUPERVISOR, message, snooze)
    desk.slack.wait_for("chat.update", count=2)
    edited = posted(desk)[-1]
    assert f"alert-{first}" not in button_blocks(edited) and f"alert-{second}" not in button_blocks(edited)
    text = json.dumps(edited)
    assert f"Reassigned by <@{SUPERVISOR}>" in text and f"Owner: <@{AGENT}>" in text
    assert f"Snoozed 3 days by <@{OTHER_SUPERVISOR}>" in text


def test_an_account_handled_yesterday_is_not_todays_alert_unless_something_new(desk: RunningBot) -> None:
    add_account(desk.runtime.db, "BIG-1", "25000.00", due_date=date(2026, 11, 20), assigned_to=AGENT)
    add_account(desk.runtime.db, "BIG-2", "30000.00", due_date=date(2026, 11, 20), assigned_to=AGENT)
    alerts_run(desk, MONDAY_10AM)
    message = posted(desk)[-1]
    for index in range(2):
        click(
            desk,
            SUPERVISOR,
            message,
            {"action_id": ActionId.ALERT_TAKE_OVER, "value": alert_of(message, index)},
        )
    desk.slack.wait_for("chat.update", count=2)
    alerts_run(desk, MONDAY_10AM + timedelta(days=1))
    assert len(posted(desk)) == 1  # both still high value and past due: handled, not raised again
    with desk.runtime.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "BIG-2")).one()
        session.add(
            Promise(
                account_pk=account.id, amount=Decimal("500.00"), currency="USD", due_date=date(2026, 11, 20),
                status="open", paid_toward=Decimal("0"), made_by=SUPERVISOR, made_at=SET_UP_AT,
            )
        )  # fmt: skip
    alerts_run(desk, MONDAY_10AM + timedelta(days=2))
    assert len(posted(desk)) == 2
    assert listed_accounts(posted(desk)[-1]) == ["BIG-2"]  # a new condition: the promise broke
    assert "broken promise" in json.dumps(posted(desk)[-1])


def test_a_stalled_account_handed_over_gets_its_new_owner_a_fair_window_then_alerts_again(
    desk: RunningBot,
) -> None:
    """Handing a stalled account to someone quiets its alert while they have had less than the
    stalled window; if they too leave it untouched that long, the supervisors hear again."""
    add_account(desk.runtime.db, "SLOW-1", "900.00", due_date=date(2026, 11, 1), last_contact_at=OLD_CONTACT)
    alerts_run(desk, MONDAY_10AM)
    message = posted(desk)[-1]
    assert listed_accounts(message) == ["SLOW-1"] and "stalled" in json.dumps(message)
    click(desk, SUPERVISOR, message, {"action_id": ActionId.ALERT_TAKE_OVER, "value": alert_of(message, 0)})
    desk.slack.wait_for("chat.update")
    for day in range(1, 7):  # Tuesday to the next Monday: 4 working days after the hand-over, then 5
        alerts_run(desk, MONDAY_10AM + timedelta(days=day))
    assert len(posted(desk)) == 1  # the new owner's first working days: quiet
    alerts_run(desk, MONDAY_10AM + timedelta(days=7))  # 5 working days with the new owner, no attempt
    assert len(posted(desk)) == 2
    again = posted(desk)[-1]
    assert listed_accounts(again) == ["SLOW-1"] and "stalled" in json.dumps(again)
    assert f"<@{SUPERVISOR}>" in json.dumps(again)  # with its new owner


def test_a_stalled_account_its_new_owner_works_stays_quiet(desk: RunningBot) -> None:
    add_account(desk.runtime.db, "SLOW-1", "900.00", due_date=date(2026, 11, 1), last_contact_at=OLD_CONTACT)
    alerts_run(desk, MONDAY_10AM)
    message = posted(desk)[-1]
    click(desk, SUPERVISOR, message, {"action_id": ActionId.ALERT_TAKE_OVER, "value": alert_of(message, 0)})
    desk.slack.wait_for("chat.update")
    desk.clock.set(MONDAY_10AM + timedelta(days=2))
    desk.collect(SUPERVISOR, "log SLOW-1 call no-answer")
    alerts_run(desk, MONDAY_10AM + timedelta(days=8))
    assert len(posted(desk)) == 1


# --- /collect alerts: the full list, a page at a time, the same buttons ---------------------------------


def test_the_full_list_is_paged_with_the_same_buttons(desk: RunningBot) -> None:
    first_alert_done(desk)
    bulk_portfolio(desk.runtime.db, 25)
    alerts_run(desk, MONDAY_10AM)
    first_page = json.loads(desk.collect(SUPERVISOR, "alerts"))
    assert "Page 1 of 3" in json.dumps(first_page)
    seen = listed_accounts(first_page)
    assert len(seen) == 10
    second = json.loads(desk.collect(SUPERVISOR, "alerts 2"))
    assert not set(listed_accounts(second)) & set(seen)
    assert "Only supervisors" in desk.collect(AGENT, "alerts")
    # Taking one over from the list edits the channel message too.
    channel_message = posted(desk)[-1]
    on_the_list = listed_accounts(first_page)[0]
    assert on_the_list == listed_accounts(channel_message)[0]
    click(
        desk,
        SUPERVISOR,
        channel_message,
        {"action_id": ActionId.ALERT_TAKE_OVER, "value": alert_of(first_page, 0)},
    )
    desk.slack.wait_for("chat.update")
    assert len(button_blocks(posted(desk)[-1])) == 9
    assert on_the_list not in listed_accounts(json.loads(desk.collect(SUPERVISOR, "alerts")))


def test_the_full_list_words_each_account_as_the_channel_does(desk: RunningBot) -> None:
    """`/collect alerts` (and so the Home) gives an account one compact line, its conditions
    merged, the same words as the channel's message: not each alert's sentence one after another."""
    add_account(
        desk.runtime.db, "BIG-1", "25000.00", due_date=date(2026, 11, 20), last_contact_at=OLD_CONTACT
    )
    alerts_run(desk, MONDAY_10AM)
    line = lines_of(posted(desk)[-1])[0]["text"]["text"]
    listed = lines_of(json.loads(desk.collect(SUPERVISOR, "alerts")))[0]["text"]["text"]
    words = line.split("\n", 1)[1]
    assert words in listed
    assert words.count("$25,000.00") == 1 and "high value" in words and "stalled" in words
    assert listed.count("$25,000.00") == 1


# --- quiet outside working hours and on holidays ------------------------------------------------------------


def scheduler_tick(bot: RunningBot, at: datetime) -> None:
    bot.clock.set(at)
    tick(bot.runtime, by="scheduler@test")


@pytest.mark.settings(COLLECT_HOLIDAY_COUNTRY="US")
def test_alerts_wait_for_working_hours_and_come_at_the_next_working_start(desk: RunningBot) -> None:
    add_account(desk.runtime.db, "BIG-1", "25000.00", due_date=date(2026, 11, 20), assigned_to=AGENT)
    wednesday_evening = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Wed 20:00 in New York
    thanksgiving_noon = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    friday_early = datetime(2026, 11, 27, 13, 45, tzinfo=UTC)  # 08:45
    friday_start = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 09:00
    for at in (wednesday_evening, thanksgiving_noon, friday_early):
        scheduler_tick(desk, at)
    # Digests and the worklists' summary (which names high-value accounts with no senior agent)
    # may go out; alerts do not.
    assert "BIG-1" not in json.dumps([m for m in posted(desk) if "alert-line-" in json.dumps(m)])
    scheduler_tick(desk, friday_start)
    assert "BIG-1" in json.dumps([m for m in posted(desk) if "alert-line-" in json.dumps(m)])


def test_escalation_reminders_wait_for_the_next_working_start(desk: RunningBot) -> None:
    add_account(desk.runtime.db, "ACC-1042", "1250.00", assigned_to=AGENT)
    monday_1pm = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    desk.clock.set(monday_1pm)
    assert "escalat" in desk.collect(AGENT, "escalate ACC-1042 settlement 800 offers 800 to close").lower()

    def reminders() -> int:
        with desk.runtime.db.reading() as session:
            kinds = session.scalars(select(OutboxMessage.kind)).all()
        return sum(1 for kind in kinds if kind == "escalation-reminder")

    # Four working hours are up at 17:00 sharp: a tick just after is the evening, and waits.
    scheduler_tick(desk, datetime(2026, 11, 23, 22, 0, 30, tzinfo=UTC))
    scheduler_tick(desk, datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # 22:00
    assert reminders() == 0
    scheduler_tick(desk, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # Tuesday 09:00
    assert reminders() == 1


# --- the pure rules: one line per account, the cap, counts that add up ------------------------------------

_CONDITIONS = st.lists(st.sampled_from(list(Condition)), min_size=1, max_size=3, unique=True)
_ENTRY = st.builds(
    lambda pk, currency, cents, conditions, alert: AccountAlert(
        alert, pk, f"A-{pk}", "x", currency, Decimal(cents) / 100, None, tuple(conditions), "words"
    ),
    st.integers(1, 30),
    st.sampled_from(["USD", "BRL", "EUR"]),
    st.integers(0, 10**9),
    _CONDITIONS,
    st.integers(1, 10**6),
)


@given(st.lists(_ENTRY, max_size=80), st.integers(1, 20))
def test_a_digest_lists_each_account_once_at_most_the_cap_and_counts_the_rest(
    entries: list[AccountAlert], cap: int
) -> None:
    summary = digest(entries, cap)
    accounts = {e.account_pk for e in entries}
    listed = [a.account_pk for a in summary.listed]
    assert len(listed) == len(set(listed)) <= cap
    assert summary.total == len(accounts)
    assert len(listed) + sum(n for _, n in summary.rest) == summary.total
    ordered = ranked(entries)
    assert [a.account_pk for a in ordered[: len(listed)]] == listed
    # Within a currency and a tier, the bigger balance first; a worse tier never after a milder one.
    tiers = [(len(a.conditions), SEVERITY[a.worst]) for a in ordered]
    assert tiers == sorted(tiers, reverse=True)
    for first, second in pairwise(ordered):
        same_tier = (len(first.conditions), first.worst) == (len(second.conditions), second.worst)
        if same_tier and first.currency == second.currency:
            assert first.balance >= second.balance


def test_an_alert_row_per_condition_stays_behind_one_line() -> None:
    with_two = AccountAlert(
        1, 7, "A-7", "x", "USD", Decimal("1"), None, (Condition.HIGH_VALUE,), "$1.00 · high value"
    )
    again = AccountAlert(2, 7, "A-7", "x", "USD", Decimal("1"), None, (Condition.STALLED,), "$1.00 · stalled")
    (line,) = ranked([with_two, again])
    assert line.said == "$1.00 · high value · stalled" and line.alert_id == 1
    assert set(line.conditions) == {Condition.HIGH_VALUE, Condition.STALLED}


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    window=st.integers(min_value=1, max_value=20),
    off=st.frozensets(st.integers(min_value=0, max_value=6), max_size=5),
)
def test_a_new_owners_window_ends_on_the_first_day_it_is_full(
    start: date, window: int, off: frozenset[int]
) -> None:
    def working(day: date) -> bool:
        return day.weekday() not in off

    ends = window_ends(start, window, working)
    assert ends > start
    assert (working_days_since(start, ends, working) or 0) >= window
    before = ends - timedelta(days=1)
    assert before == start or (working_days_since(start, before, working) or 0) < window


def test_only_a_stalled_condition_is_watched_again_after_a_hand_over() -> None:
    limits = Thresholds(high_value=Decimal(10_000), stalled_attempt_working_days=5)
    assert {c: new_owner_window(c, limits) for c in Condition} == {
        c: (5 if c == Condition.STALLED else None) for c in Condition
    }


def test_an_agent_hears_of_a_runs_broken_promises_in_one_message(desk: RunningBot) -> None:
    """A first load with many broken promises is one direct message per agent, not one per promise."""
    for n in range(40):
        account_id = f"PROM-{n:02d}"
        add_account(desk.runtime.db, account_id, f"{500 + n}.00", last_contact_at=OLD_CONTACT)
        with desk.runtime.db.transaction() as session:
            account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
            session.add(
                Promise(
                    account_pk=account.id, amount=Decimal("200.00"), currency="USD",
                    due_date=date(2026, 11, 10), status="open", paid_toward=Decimal("0"), made_by=AGENT,
                    made_at=SET_UP_AT,
                )
            )  # fmt: skip
    alerts_run(desk, MONDAY_10AM)
    desk.wait_for_dms(AGENT)
    dms = [
        c.params for c in desk.slack.calls("chat.postMessage") if c.ok and c.params.get("channel") == AGENT
    ]
    assert len(dms) == 1
    text = json.dumps(dms[0])
    assert "40 broken promises" in text
    listed = sorted(
        (f"PROM-{n:02d}" for n in range(40) if f"`PROM-{n:02d}`" in text), key=lambda a: text.index(f"`{a}`")
    )
    assert listed and len(listed) < 40 and "more" in text  # the biggest listed, the rest counted
    assert listed[0] == "PROM-39"  # the most money at risk first


@pytest.mark.settings(COLLECT_LANGUAGE="pt-BR")
def test_an_alerts_words_are_in_each_readers_language(desk: RunningBot) -> None:
    """The conditions are kept as phrases, not English sentences: the channel reads them in the
    team's language, and `/collect alerts` in the reader's own, with days and money as they write them."""
    add_account(
        desk.runtime.db, "BIG-1", "25000.00", due_date=date(2026, 11, 20), last_contact_at=OLD_CONTACT
    )
    add_agent(desk.runtime.db, "U0SUPERES", "Sol Supervisora", role="supervisor", locale="es")
    alerts_run(desk, MONDAY_10AM)
    channel = json.dumps(lines_of(posted(desk)[-1]), ensure_ascii=False)
    assert "alto valor" in channel and "sem tentativa de contato há 24 dias úteis" in channel
    assert "US$\u00a025.000,00" in channel and "3 dias de atraso" in channel
    spanish = json.dumps(lines_of(json.loads(desk.collect("U0SUPERES", "alerts"))), ensure_ascii=False)
    assert "alto valor" in spanish and "sin intento de contacto desde hace 24 días hábiles" in spanish
    assert "estancada" in spanish and "high value" not in spanish
