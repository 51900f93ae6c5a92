"""Team today, in the App Home (issue 18), through the real endpoint and the Slack stand-in: a
supervisor's Home shows the team's day (each agent's lines, attempts, contacts, promises, money per
currency, refusals, who is away), the escalations waiting with their decision buttons, the open
alerts with theirs, the promises due today, what the morning left off and the day's numbers
against target; a manager's shows what waits on a manager; an agent's Home keeps today's list with
each line's balance and reasons as they are now; and Approve clicked on the Home decides."""

from __future__ import annotations

import json
import queue
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.assignments.model import NamedAccounts
from bot.assignments.rules.scoring import AccountFacts, ScoreWeights, reasons, reasons_now
from bot.blocks.cockpit import team_home
from bot.cockpit.model import (
    AgentToday,
    EscalationWaiting,
    LeftOff,
    OpenAlert,
    PromiseDue,
    ReminderThresholds,
    TeamDay,
)
from bot.ids import ActionId, BlockId
from bot.reports.model import PerformanceReport, TeamNumbers
from bot.vocabulary import EscalationStatus
from handlers.home_refresh import WATCHING_SECONDS, HomeRefresher
from storage.models import Account, Agent, Escalation, Promise
from tests.conftest import MONDAY_9AM, RunningBot
from tests.portfolio import add_account, add_agent

ANA, JOAO, SARA = "U0AGENT1", "U0AGENT2", "U0AGENT3"
SAM, MEG, NOBODY = "U0SUPER1", "U0MANAGER", "U0STRANGER"
CHANNEL = "C0SUPERVISORS"
TODAY = date(2026, 11, 23)  # a Monday; 21 working days in November 2026
TEN_AM = MONDAY_9AM + timedelta(hours=1)
ELEVEN_AM = MONDAY_9AM + timedelta(hours=2)


def promise(db: Any, account_id: str, amount: str, currency: str, due: date, made_at: datetime) -> None:
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        session.add(
            Promise(
                account_pk=account.id, amount=Decimal(amount), currency=currency, due_date=due,
                status="open", paid_toward=Decimal(0), made_by=account.assigned_to, made_at=made_at,
            )
        )  # fmt: skip


@pytest.fixture
def day(bot: RunningBot) -> RunningBot:
    """A seeded Monday, to 11:00 in New York: two agents with lists, one away, a supervisor and a
    manager; payments in two currencies, a promise due today kept and one broken, an escalation
    waiting, two alerts and a target."""
    db = bot.runtime.db
    add_agent(db, ANA, "Ana <Agent>", daily_capacity=2, monthly_target=Decimal("21000.00"))
    add_agent(db, JOAO, "João Agente", daily_capacity=2, languages="pt;en")
    add_agent(db, SARA, "Sara Senior", daily_capacity=2, tier="senior")
    add_agent(db, SAM, "Sam Supervisor", role="supervisor")
    add_agent(db, MEG, "Meg Manager", role="manager")
    add_account(db, "ACC-1", "1000.00", assigned_to=ANA, original_amount=Decimal("2000.00"))
    add_account(db, "ACC-2", "500.00", assigned_to=ANA, customer_name="Bea *Bold* Buyer")
    add_account(db, "BR-1", "2000.00", currency="BRL", assigned_to=JOAO, language="pt")
    add_account(db, "EU-1", "300.00", currency="EUR", assigned_to=JOAO)
    add_account(db, "HOLD-1", "500.00", assigned_to=ANA, status="on_hold", hold_reason="dispute")
    add_account(db, "BIG-1", "25000.00", assigned_to=SARA, customer_name="<!channel> & Sons")
    earlier = MONDAY_9AM - timedelta(days=3)
    promise(db, "ACC-1", "200.00", "USD", TODAY, earlier)  # due today: kept by today's payment
    promise(db, "EU-1", "50.00", "EUR", date(2026, 11, 21), earlier)  # its grace day ended last night
    assert "away" in bot.collect(SAM, f"away <@{SARA}|sara> 2026-11-23 2026-11-23")
    bot.run_morning()
    assert "$400.00" in bot.collect(ANA, "pay ACC-1 400 cash")
    bot.collect(ANA, "log ACC-2 call rpc talked it through")
    bot.collect(ANA, "promise ACC-2 100 today")
    assert "disputed" in bot.collect(ANA, "log HOLD-1 call na")  # refused by the contact rules
    bot.collect(JOAO, "pay BR-1 150 pix")
    bot.collect(ANA, "escalate ACC-2 settlement 300 lost their job")
    bot.run_job("supervisor-alerts", TEN_AM)
    bot.clock.set(ELEVEN_AM)
    return bot


def home(bot: RunningBot, user: str) -> dict[str, Any]:
    """`user` opens the App Home: the view published for them."""
    before = len(bot.slack.calls("views.publish"))
    assert bot.send.event({"type": "app_home_opened", "user": user, "tab": "home"}).status == 200
    published = bot.slack.wait_for("views.publish", count=before + 1)[-1].params
    assert published["user_id"] == user
    view = bot.slack.home_view(user)
    assert view is not None and len(view["blocks"]) <= 100
    return view


def texts(view: dict[str, Any]) -> str:
    found: list[str] = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [f["text"] for f in block.get("fields", [])]
        found += [e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(found)


def agent_line(view: dict[str, Any], name: str) -> str:
    return next(line for line in texts(view).splitlines() if line.startswith(f"• *{name}*"))


def action_ids(view: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


# --- the supervisor's Home ----------------------------------------------------------------------------


def test_a_supervisors_home_shows_the_team_today(day: RunningBot) -> None:
    view = home(day, SAM)
    text = texts(view)
    assert "The team today: Monday, November 23, 2026" in text and "Nothing on your list" not in text
    # Per agent: lines done of assigned, attempts, right-party contacts, promises made today,
    # money per currency (never added), refusals by the contact rules, away today.
    ana = agent_line(view, "Ana &lt;Agent&gt;")
    assert "2 of 2 lines done · 1 attempt · 1 right-party · 1 promise made · collected $400.00" in ana
    assert "1 refusal by the contact rules" in ana
    joao = agent_line(view, "João Agente")
    assert "1 of 2 lines done · 0 attempts · 0 right-party · 0 promises made · collected R$150.00" in joao
    assert "refusal" not in joao
    sara = agent_line(view, "Sara Senior")
    assert "away today" in sara and "no list" in sara
    # The day's numbers against target: Ana's 21,000 a month over November's 21 working days.
    assert "*Collected:* $400.00 of $1,000.00 target (40.0%) · R$150.00" in text
    assert "*Team:* 1 attempt · 1 right-party" in text
    # The escalation waiting, its age against the 4 working hours of the reminder, its buttons.
    assert "*Escalations waiting on a supervisor* (1, oldest first)" in text
    assert "*Settlement* `ACC-2` Bea ∗Bold∗ Buyer · $300.00 · by Ana &lt;Agent&gt;" in text
    assert "2.0 working hours (reminder at 4 h)" in text
    assert action_ids(view).count(ActionId.ESCALATION_APPROVE) == 1
    assert {ActionId.ESCALATION_REJECT, ActionId.ESCALATION_ASK_INFO} <= set(action_ids(view))
    # The open alerts, one line per account, ranked as in the channel, with the same buttons.
    assert "*Open alerts* (2 accounts, the most pressing first)" in text
    alert_lines = [
        b["text"]["text"] for b in view["blocks"] if str(b.get("block_id", "")).startswith("alert-line-")
    ]
    assert alert_lines[0].startswith("`BIG-1` &lt;!channel&gt; &amp; Sons")
    assert (
        "high value" in alert_lines[0] and "never contacted" in alert_lines[0] and "`EU-1`" in alert_lines[1]
    )
    assert action_ids(view).count(ActionId.ALERT_TAKE_OVER) == 2
    assert "<!channel>" not in json.dumps(view)
    # Promises due today with their outcome now.
    assert "*Promises due today* (3: 1 kept, 1 pending, 1 broken)" in text
    assert "*kept* `ACC-1`" in text and "$200.00, $200.00 paid" in text
    assert "*pending* `ACC-2`" in text
    assert "*broken* `EU-1`" in text and "due Nov 21, 2026" in text
    # What the morning left off, as its summary in the channel counted it.
    summary = next(m for m in day.slack.messages(CHANNEL) if m["text"].startswith("Worklists for"))
    left_off = next(
        b["text"]["text"]
        for b in summary["blocks"]
        if "*Left off today*" in b.get("text", {}).get("text", "")
    )
    assert left_off in text


def test_a_managers_home_shows_what_waits_on_a_manager(day: RunningBot) -> None:
    # Sam may forgive 100: his approval of a 200 discount is a recommendation for a manager.
    with day.runtime.db.transaction() as session:
        session.scalars(select(Agent).where(Agent.slack_user_id == SAM)).one().approval_limit = Decimal("100")
    supervisor = home(day, SAM)
    assert "ACC-2" in texts(supervisor)
    approve_on_the_home(day, SAM, supervisor, "fine by me")
    assert the_escalation(day).status == EscalationStatus.RECOMMENDED
    manager = texts(home(day, MEG))
    assert "*Escalations waiting on a manager* (1, oldest first)" in manager
    assert "`ACC-2`" in manager and "The team today" in manager
    assert ActionId.ESCALATION_APPROVE in action_ids(home(day, MEG))
    assert "*Escalations waiting on a supervisor*\nNone" in texts(home(day, SAM))


def test_someone_off_the_roster_keeps_the_welcome(day: RunningBot) -> None:
    text = texts(home(day, NOBODY))
    assert "Welcome" in text and "The team today" not in text and "ACC-" not in text


# --- Approve clicked on the Home ----------------------------------------------------------------------


def the_escalation(bot: RunningBot) -> Escalation:
    with bot.runtime.db.reading() as session:
        return session.scalars(select(Escalation)).one()


def approve_on_the_home(bot: RunningBot, user: str, view: dict[str, Any], comment: str) -> None:
    """Clicks Approve in `user`'s Home (a view: no channel, no message, no response_url), fills the
    decision form the click opens and submits it."""
    opened = len(bot.slack.calls("views.open"))
    escalation_id = str(the_escalation(bot).id)
    click = bot.send.block_actions(
        user, [{"action_id": ActionId.ESCALATION_APPROVE, "value": escalation_id}], view=view
    )
    assert click.status == 200
    form = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    values: dict[str, Any] = {
        BlockId.COMMENT: {ActionId.ESCALATION_COMMENT_INPUT: {"type": "plain_text_input", "value": comment}}
    }
    submitted = bot.send.view_submission(user, form, values)
    assert submitted.status == 200 and not submitted.body.strip(), submitted.body
    deadline = time.monotonic() + 5
    while the_escalation(bot).status == EscalationStatus.OPEN and time.monotonic() < deadline:
        time.sleep(0.05)


def test_approve_clicked_on_the_home_decides_the_escalation(day: RunningBot) -> None:
    view = home(day, SAM)
    edits = len(day.slack.calls("chat.update"))
    approve_on_the_home(day, SAM, view, "agreed on the phone")
    decided = the_escalation(day)
    assert (decided.status, decided.decided_by) == (EscalationStatus.APPROVED, SAM)
    # The thread's message says so for everyone, and the agent hears of it.
    day.slack.wait_for("chat.update", count=edits + 1)
    day.wait_for_dms(ANA)
    # The Home no longer lists it (refreshed after the decision, within the refresh interval).
    deadline = time.monotonic() + 10
    while ActionId.ESCALATION_APPROVE in action_ids(day.slack.home_view(SAM) or {"blocks": []}):
        assert time.monotonic() < deadline, "the Home was not refreshed after the decision"
        time.sleep(0.1)
    assert "None: nothing waits for a decision." in texts(day.slack.home_view(SAM) or {})


def test_a_click_on_the_home_that_is_refused_is_told_in_a_direct_message(day: RunningBot) -> None:
    # Ana raised it: she may not decide it (four eyes), and has no response_url to be told through.
    view = home(day, SAM)
    escalation_id = str(the_escalation(day).id)
    dms = len(day.slack.calls("chat.postMessage"))
    assert (
        day.send.block_actions(
            ANA, [{"action_id": ActionId.ESCALATION_APPROVE, "value": escalation_id}], view=view
        ).status
        == 200
    )
    told = day.slack.wait_for("chat.postMessage", count=dms + 1)[-1].params
    assert told["channel"] == ANA and "decide" in json.dumps(told).lower()
    assert the_escalation(day).status == EscalationStatus.OPEN


def test_take_over_clicked_on_the_home_moves_the_account_and_edits_the_alert_message(day: RunningBot) -> None:
    view = home(day, SAM)
    buttons = next(
        b
        for b in view["blocks"]
        if str(b.get("block_id", "")).startswith("alert-") and b["type"] == "actions"
    )
    alert_id = str(buttons["block_id"]).removeprefix("alert-")
    dms, edits = len(day.slack.calls("chat.postMessage")), len(day.slack.calls("chat.update"))
    click = day.send.block_actions(
        SAM, [{"action_id": ActionId.ALERT_TAKE_OVER, "value": alert_id}], view=view
    )
    assert click.status == 200
    # No response_url in a view: the answer comes in a direct message; the channel's line is edited.
    told = day.slack.wait_for("chat.postMessage", count=dms + 1)[-1].params
    assert told["channel"] == SAM and "BIG-1 is now Sam Supervisor's." in json.dumps(told)
    day.slack.wait_for("chat.update", count=edits + 1)
    with day.runtime.db.reading() as session:
        big = session.scalars(select(Account).where(Account.account_id == "BIG-1")).one()
    assert big.assigned_to == SAM


# --- an agent's Home: today's list, as it is now --------------------------------------------------------


def test_an_agents_home_shows_each_lines_balance_and_reasons_as_they_are_now(bot: RunningBot) -> None:
    db = bot.runtime.db
    add_agent(db, ANA, "Ana Agent", daily_capacity=2)
    add_account(db, "ACC-1", "1000.00", assigned_to=ANA, original_amount=Decimal("2000.00"))
    promise(db, "ACC-1", "200.00", "USD", TODAY, MONDAY_9AM - timedelta(days=3))
    bot.run_morning()
    before = texts(home(bot, ANA))
    assert (
        "$1,000.00" in before and "promise of $200.00 due today · never contacted · never reached" in before
    )
    bot.collect(ANA, "pay ACC-1 400 cash")
    after = texts(home(bot, ANA))
    # The payment kept the promise and lowered the balance: the line says so, not only struck through.
    assert "$600.00" in after and "$1,000.00" not in after
    assert "promise of" not in after and "never contacted · never reached · 31-60 days past due" in after
    assert "1 of 1 done" in after
    # The morning's DM keeps what the morning said.
    morning_dm = json.dumps(bot.wait_for_dms(ANA)[0])
    assert "promise of $200.00 due today" in morning_dm


FACTS = st.builds(
    AccountFacts,
    pk=st.integers(1, 10**6),
    account_id=st.just("ACC-1"),
    currency=st.sampled_from(["USD", "BRL", "JPY"]),
    balance=st.decimals(Decimal("-100"), Decimal("1000000"), places=2),
    original_amount=st.none() | st.decimals(Decimal("0"), Decimal("1000000"), places=2),
    due_date=st.dates(date(2020, 1, 1), date(2027, 12, 31)),
    assigned_to=st.none() | st.just(ANA),
    language=st.none(),
    risk_score=st.none() | st.integers(0, 100),
    last_contact_on=st.none() | st.dates(date(2020, 1, 1), TODAY),
    last_conversation_on=st.none() | st.dates(date(2020, 1, 1), TODAY),
    callback_on=st.none() | st.dates(TODAY - timedelta(days=3), TODAY + timedelta(days=3)),
    promise_amount=st.just(Decimal("50.00")),
    promise_due=st.none() | st.dates(TODAY - timedelta(days=10), TODAY + timedelta(days=10)),
)


@given(FACTS)
def test_the_reasons_now_are_the_mornings_words_for_the_account_as_it_is(facts: AccountFacts) -> None:
    now = reasons_now(facts, TODAY, ScoreWeights(), 1)
    if facts.balance <= 0:
        assert now == ()  # nothing owed: the line shows its status instead
    else:
        assert now == tuple(reasons(facts, TODAY, ScoreWeights(), 1))
        assert len(now) <= 3 and not any(w.startswith(("$", "R$")) for w in now)  # never the balance


def test_an_account_no_longer_open_has_no_reasons() -> None:
    assert reasons_now(None, TODAY, ScoreWeights(), 1) == ()


# --- live: the supervisors' Homes after agents' changes --------------------------------------------------


def test_an_agents_change_refreshes_the_home_of_a_supervisor_watching_the_team(day: RunningBot) -> None:
    home(day, SAM)
    published = len(day.slack.calls("views.publish"))
    day.collect(JOAO, "log EU-1 email left-message sent a reminder")
    # Sam's Home is rebuilt through the refresher (his opening counts as his last refresh: within 5 s).
    deadline = time.monotonic() + 10
    while True:
        calls = day.slack.calls("views.publish")[published:]
        if any(c.params["user_id"] == SAM for c in calls):
            break
        assert time.monotonic() < deadline, "the supervisor's Home was not refreshed"
        time.sleep(0.1)
    assert "2 of 2 lines done" in agent_line(day.slack.home_view(SAM) or {}, "João Agente")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_change_asks_for_the_watching_supervisors_homes_through_the_same_interval() -> None:
    published: queue.Queue[str] = queue.Queue()
    supervising = {"U0SUP1"}

    def publish(user: str) -> bool:
        published.put(user)
        return user in supervising

    clock = Clock()
    refresher = HomeRefresher(publish, interval=5.0, clock=clock)
    try:
        refresher.watching("U0SUP1", True)  # opened their Home: the team's day
        refresher.watching("U0ANA", False)  # opened theirs: their own list
        refresher.request("U0ANA")
        assert {published.get(timeout=5), published.get(timeout=5)} == {"U0ANA", "U0SUP1"}
        refresher.request("U0BRUNO")  # another agent's change: theirs at once, the supervisor's waits
        assert published.get(timeout=5) == "U0BRUNO"
        for _ in range(5):  # a burst of changes: one more rebuild each, after the interval
            refresher.request("U0BRUNO")
        assert refresher.waiting() == ["U0BRUNO", "U0SUP1"] and published.empty()
        clock.now += 5.0
        supervising.clear()  # demoted meanwhile: this rebuild shows their own list, and they stop watching
        refresher.request("U0CARLA")
        assert sorted(published.get(timeout=5) for _ in range(3)) == ["U0BRUNO", "U0CARLA", "U0SUP1"]
        deadline = time.monotonic() + 5  # told once the rebuild is over
        while refresher.watchers() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert refresher.watchers() == []
        # Someone who opened the team's Home long ago is not rebuilt after every change any more.
        refresher.watching("U0SUP2", True)
        clock.now += WATCHING_SECONDS + 1
        refresher.request("U0DIDI")
        assert published.get(timeout=5) == "U0DIDI"
        assert refresher.watchers() == [] and refresher.waiting() == []
    finally:
        refresher.stop()


# --- within Slack's limits, whatever the team ------------------------------------------------------------


def test_a_huge_team_day_stays_within_the_views_limits() -> None:
    now = datetime(2026, 11, 23, 16, tzinfo=UTC)
    numbers = PerformanceReport(
        kind="day", label="Monday 23 November 2026, to 11:00 (so far)", start=now, end=now, zone="UTC",
        team=TeamNumbers(
            collected={f"C{n:02d}": Decimal(n) for n in range(30)}, target=None, target_currency="USD",
            projected={}, kept_rate_90_days=None, aging={}, aging_previous={}, roll_rates={}, cei={},
            cei_all_receivables={}, cure_rate={}, paid_off_rate={}, escalations_opened=0,
            escalations_decided=0, escalations_waiting=0, disputes_opened=0,
        ),
        agents=(),
    )  # fmt: skip
    long = "<!here> *x* " * 100
    day = TeamDay(
        day=TODAY, viewer=SAM, waiting_on="a supervisor",
        agents=tuple(
            AgentToday(f"U{n}", long, n, n + 1, n, n, n, tuple((f"C{c}", Decimal(c)) for c in range(9)), n, n % 2 == 0)
            for n in range(500)
        ),
        escalations=tuple(
            EscalationWaiting(n, "settlement", "A" * 64, long, Decimal(n), "USD", "U1", long, now, n / 3)
            for n in range(300)
        ),
        thresholds=ReminderThresholds(4, 8),
        alerts=tuple(OpenAlert(n, "A" * 64, long, long, "U1", Decimal(n)) for n in range(500)),
        alerts_listed=20,
        promises_due=tuple(
            PromiseDue("A" * 64, long, long, Decimal(n), "USD", Decimal(0), TODAY, "pending") for n in range(900)
        ),
        left_off=LeftOff(
            {long + str(n): n for n in range(100)},
            5,
            NamedAccounts(600, tuple("A" * 64 for _ in range(20))),
            NamedAccounts(700, tuple("B" * 64 for _ in range(20))),
            seniors_at_work=False,
        ),
        numbers=numbers,
    )  # fmt: skip
    view = team_home(day)
    assert len(view["blocks"]) <= 100
    assert "<!here>" not in json.dumps(view)
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
    shown = texts(view)
    assert len(shown) < 20_000
