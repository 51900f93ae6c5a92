"""What a payment changes at once: the agent whose list has the account today sees its line say it
was paid (the morning message edited in place, `/collect mine`, the Home) and gets one direct
message not to call; a promise it keeps is kept; the alerts it answers clear. Through the import
with its `after` step and through `collect-bot import`, on SQLite and PostgreSQL, the Slack
stand-in receiving what the outbox delivers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.alerts.job import JOB as ALERTS
from bot.assignments.job.daily import JOB as MORNING
from bot.assignments.model import PaidOnList, PaidToday, Worklist, WorklistLine
from bot.assignments.records.arrivals import payments_arrived
from bot.blocks.kit import Reply
from bot.blocks.worklist import paid_on_list_dm, worklist_reply
from bot.clock import ManualClock, SystemClock, team_today
from bot.cockpit.desk import publish_home
from bot.ids import ActionId, BlockId
from bot.imports.desk import import_file
from bot.imports.job import JOB as IMPORT_FOLDER
from bot.imports.model import ImportKind, ImportOptions, ImportSummary
from bot.imports.rules import read_csv
from bot.language.render import speaking
from bot.outbox.job import deliver_due
from bot.outbox.records import State, enqueue
from bot.runtime import Runtime
from schedules.runner import run_job
from storage.database import Database
from storage.models import Alert, Assignment, AuditEntry, OutboxMessage, Promise
from tests.billing_api import OLD_SECRET, BillingSystem
from tests.conftest import MONDAY_9AM, RunningBot, bot_settings, make_runtime
from tests.portfolio import add_account, add_agent, morning_team
from wiring.cli.main import main
from wiring.standin.web_api import SlackStandIn

AGENT, PORTUGUESE, SENIOR = "U0AGENT1", "U0AGENT2", "U0SENIOR"
SUPERVISORS = "C0SUPERVISORS"
NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 23)
# 10:42 in New York on the morning's Monday.
AT_10_42 = datetime(2026, 11, 23, 15, 42, tzinfo=UTC)
HEADER = "account_id,amount,received_at,method,reference\n"


def import_payments(bot: RunningBot, rows: str, at: datetime = AT_10_42) -> tuple[ImportSummary, set[str]]:
    """The payments file imported as if at `at`, its live effects in its transaction, then delivered."""
    bot.clock.set(at)
    runtime = bot.runtime
    homes: set[str] = set()

    def after(session: Session, summary: ImportSummary) -> None:
        homes.update(payments_arrived(session, runtime, summary.arrived, at))

    options = ImportOptions(now=at, zone=runtime.zone, grace_days=runtime.settings.promise_grace_days)
    csv_file = read_csv((HEADER + rows).splitlines(keepends=True), ImportKind.PAYMENTS)
    summary = import_file(runtime.db, csv_file, options, after=after)
    deliver_due(runtime)
    return summary, homes


def dms(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == user and c.ok]


def edits(bot: RunningBot) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls("chat.update") if c.ok]


def shown(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + json.dumps(message.get("blocks", []), ensure_ascii=False)


def outbox_count(bot: RunningBot) -> int:
    with bot.runtime.db.reading() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def listed(bot: RunningBot, agent: str) -> list[str]:
    with bot.runtime.db.reading() as session:
        return list(
            session.scalars(
                select(Assignment.account_pk).where(Assignment.agent == agent, Assignment.work_date == TODAY)
            )
        )


# --- The morning message, the DM, once ------------------------------------------------------------


def test_a_payment_on_a_listed_account_edits_the_morning_message_and_tells_the_agent_once(
    morning: RunningBot,
) -> None:
    morning.run_morning()
    assert len(dms(morning, AGENT)) == 1 and edits(morning) == []
    summary, homes = import_payments(morning, "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-1\n")
    assert summary.created == 1 and homes == {AGENT}
    edited = edits(morning)
    assert len(edited) == 1
    morning_dm = morning.slack.calls("chat.postMessage")[0]
    assert edited[0]["ts"] == morning_dm.response["ts"]
    assert edited[0]["channel"] == morning_dm.response["channel"]  # the DM's conversation, not the user
    assert "paid $100.00 at" in shown(edited[0]) and "by ACH, don't call" in shown(edited[0])
    told = dms(morning, AGENT)
    assert len(told) == 2
    assert "`ACC-1` (&lt;!channel&gt; &amp; Sons) on your list today: paid $100.00 at <!date^" in shown(
        told[1]
    )
    assert "<!channel>" not in shown(told[1])
    assert "10:42 EST" in shown(told[1])  # the team's zone where the date token cannot render

    queued = outbox_count(morning)
    again, homes = import_payments(morning, "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-1\n")
    assert again.created == 0 and again.skipped_duplicate == 1
    assert outbox_count(morning) == queued and homes == set()
    assert len(dms(morning, AGENT)) == 2 and len(edits(morning)) == 1


def test_telling_the_same_payments_twice_queues_nothing_new(morning: RunningBot) -> None:
    morning.run_morning()
    summary, _homes = import_payments(morning, "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-1\n")
    queued = outbox_count(morning)
    with morning.runtime.db.transaction() as session:
        assert payments_arrived(session, morning.runtime, summary.arrived, AT_10_42) == {AGENT}
    assert outbox_count(morning) == queued


def test_several_payments_for_one_agent_make_one_dm_and_edits_in_order(morning: RunningBot) -> None:
    morning.run_morning()
    accounts = [account for account in ("ACC-1", "ACC-2", "ACC-3") if _on_list(morning, account, AGENT)]
    assert len(accounts) >= 2, accounts
    rows = "".join(
        f"{account},10.00,2026-11-23T10:{n:02}:00,card,R-{n}\n" for n, account in enumerate(accounts)
    )
    import_payments(morning, rows)
    told = dms(morning, AGENT)
    assert len(told) == 2 and f"{len(accounts)} accounts on your list today have paid" in shown(told[1])
    # A second payment later the same day: a second edit, with both lines paid.
    import_payments(
        morning, f"{accounts[0]},5.00,2026-11-23T11:30:00,cash,R-LATER\n", AT_10_42 + timedelta(hours=1)
    )
    edited = edits(morning)
    assert len(edited) == 2 and "paid $5.00 at" in shown(edited[1]) and "paid $10.00 at" in shown(edited[1])
    assert len(dms(morning, AGENT)) == 3


def test_a_morning_message_still_queued_is_sent_then_edited(morning: RunningBot) -> None:
    morning.clock.set(MONDAY_9AM)
    run_job(morning.runtime, MORNING, MONDAY_9AM, by="test")  # planned, not delivered yet
    import_payments(morning, "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-1\n")
    calls = [c for c in morning.slack.calls() if c.method in {"chat.postMessage", "chat.update"}]
    to_ana = [c for c in calls if c.params.get("channel") == AGENT or c.method == "chat.update"]
    assert [c.method for c in to_ana] == ["chat.postMessage", "chat.update", "chat.postMessage"]
    assert "paid $100.00 at" in shown(to_ana[1].params) and "paid $100.00 at" in shown(to_ana[2].params)


def test_a_morning_message_given_up_on_is_not_edited_and_blocks_nothing(morning: RunningBot) -> None:
    morning.clock.set(MONDAY_9AM)
    run_job(morning.runtime, MORNING, MONDAY_9AM, by="test")
    with morning.runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key == f"worklist:{TODAY.isoformat()}:{AGENT}")
            .values(state=State.FAILED)
        )
    import_payments(morning, "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-1\n")
    assert edits(morning) == []
    told = dms(morning, AGENT)
    assert len(told) == 1 and "on your list today: paid $100.00" in shown(told[0])
    with morning.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "worklist-edit")) == 0  # fmt: skip


def test_an_account_on_no_list_today_tells_nobody(morning: RunningBot) -> None:
    morning.run_morning()
    queued = outbox_count(morning)
    summary, homes = import_payments(morning, "HOLD-1,50.00,2026-11-23T10:42:00,ach,REF-H\n")
    assert summary.created == 1 and homes == set()
    assert outbox_count(morning) == queued and edits(morning) == []


def test_before_the_morning_run_nobody_is_told(morning: RunningBot) -> None:
    summary, homes = import_payments(morning, "ACC-1,100.00,2026-11-23T08:00:00,ach,REF-1\n", MONDAY_9AM)
    assert summary.created == 1 and homes == set() and outbox_count(morning) == 0


# --- The line everywhere it shows --------------------------------------------------------------------


def test_the_line_says_paid_dont_call_in_mine_and_on_the_home(morning: RunningBot) -> None:
    morning.run_morning()
    assert "don't call" not in morning.collect(AGENT, "mine")
    import_payments(morning, "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-1\n")
    mine = morning.collect(AGENT, "mine")
    assert "paid $100.00 at <!date^" in mine and "by ACH, don't call" in mine
    publish_home(morning.runtime, AGENT)
    home = json.dumps(morning.slack.wait_for("views.publish")[-1].params["view"], ensure_ascii=False)
    assert "paid $100.00 at <!date^" in home and "by ACH, don't call" in home
    # Tomorrow the payment is no longer today's.
    with morning.runtime.db.transaction() as session:
        for line in session.scalars(select(Assignment).where(Assignment.work_date == TODAY)):
            session.add(
                Assignment(
                    work_date=TODAY + timedelta(days=1), account_pk=line.account_pk, agent=line.agent,
                    rank=line.rank, score=line.score, reasons=line.reasons,
                )
            )  # fmt: skip
    morning.clock.set(AT_10_42 + timedelta(days=1))
    assert "don't call" not in morning.collect(AGENT, "mine")


def test_a_payment_the_agent_typed_is_on_the_line_but_not_told_to_them(morning: RunningBot) -> None:
    morning.run_morning()
    morning.clock.set(AT_10_42)
    assert "recorded" in morning.collect(AGENT, "pay ACC-1 100 ach").lower()
    deliver_due(morning.runtime)
    assert len(dms(morning, AGENT)) == 1 and edits(morning) == []
    assert "paid $100.00 at" in morning.collect(AGENT, "mine")


def test_a_supervisors_payment_on_an_agents_account_tells_the_agent(morning: RunningBot) -> None:
    morning.run_morning()
    morning.clock.set(AT_10_42)
    assert "recorded" in morning.collect("U0SUPER1", "pay ACC-1 100 ach").lower()
    deliver_due(morning.runtime)
    told = dms(morning, AGENT)
    assert len(told) == 2 and "on your list today: paid $100.00" in shown(told[1])
    assert len(edits(morning)) == 1
    assert "paid $100.00 at" in json.dumps(published_home(morning, AGENT), ensure_ascii=False)


def test_a_supervisors_payment_by_the_form_refreshes_the_agents_home(morning: RunningBot) -> None:
    morning.run_morning()
    morning.clock.set(AT_10_42)
    typed = morning.send.slash_command("U0SUPER1", "pay")
    assert typed.status == 200
    view = morning.slack.wait_for("views.open")[0].response["view"]
    values: dict[str, Any] = {
        BlockId.ACCOUNT: {
            ActionId.ACCOUNT_PICKER: {"type": "external_select", "selected_option": {"value": "ACC-1"}}
        },
        BlockId.AMOUNT: {ActionId.AMOUNT_INPUT: {"type": "plain_text_input", "value": "100"}},
        BlockId.METHOD: {
            ActionId.METHOD_SELECT: {"type": "static_select", "selected_option": {"value": "cash"}}
        },
        BlockId.REFERENCE: {ActionId.REFERENCE_INPUT: {"type": "plain_text_input", "value": None}},
    }
    assert morning.send.view_submission("U0SUPER1", view, values).status == 200
    assert "paid $100.00 at" in json.dumps(published_home(morning, AGENT), ensure_ascii=False)


def test_a_supervisors_confirmed_overpayment_refreshes_the_agents_home(morning: RunningBot) -> None:
    morning.run_morning()
    morning.clock.set(AT_10_42)
    question = morning.send.slash_command("U0SUPER1", "pay ACC-1 300 ach")
    assert "more than the balance" in json.dumps(question.json())
    message = {"ts": "1.1", "blocks": question.json()["blocks"], "channel": "C0GENERAL"}
    clicked = morning.send.block_actions(
        "U0SUPER1", [{"action_id": ActionId.CONFIRM_OVERPAYMENT}], message=message
    )
    assert clicked.status == 200
    assert "paid $300.00 at" in json.dumps(published_home(morning, AGENT), ensure_ascii=False)


def published_home(bot: RunningBot, user: str) -> dict[str, Any]:
    """The last Home published for `user`, once one has been."""
    wanted = 1
    while True:
        published = bot.slack.wait_for("views.publish", count=wanted)
        mine: list[dict[str, Any]] = [c.params["view"] for c in published if c.params.get("user_id") == user]
        if mine:
            return mine[-1]
        wanted = len(published) + 1


# --- A kept promise, a cleared alert -----------------------------------------------------------------


def test_a_promise_the_imported_payment_keeps_is_kept_at_once(morning: RunningBot) -> None:
    morning.run_morning()
    morning.clock.set(MONDAY_9AM + timedelta(minutes=5))
    assert "promise" in morning.collect(AGENT, "promise ACC-1 100 2026-11-25").lower()
    import_payments(morning, "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-1\n")
    with morning.runtime.db.reading() as session:
        promise = session.scalars(select(Promise)).one()
    assert promise.status == "kept" and promise.paid_toward == Decimal("100.00")


def test_an_alert_a_payment_answers_clears_with_one_audit_row_and_its_line_edited(
    morning: RunningBot,
) -> None:
    morning.run_morning()
    morning.run_job(ALERTS, MONDAY_9AM + timedelta(hours=1))
    with morning.runtime.db.reading() as session:
        raised = session.scalars(select(Alert).where(Alert.cleared_at.is_(None))).all()
    big = [alert for alert in raised if "high-value" in alert.condition]
    assert big, [alert.condition for alert in raised]
    channel_message = next(c for c in morning.slack.calls("chat.postMessage") if c.params["channel"] == SUPERVISORS
                           and "BIG-1" in shown(c.params) and "alert" in json.dumps(c.params))  # fmt: skip
    import_payments(morning, "BIG-1,25000.00,2026-11-23T10:42:00,wire,W-1\n", MONDAY_9AM + timedelta(hours=2))
    with morning.runtime.db.reading() as session:
        still = session.scalars(select(Alert).where(Alert.cleared_at.is_(None))).all()
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "alerts.cleared")).all()
    assert not [alert for alert in still if alert.id in {a.id for a in big}]
    assert len(audits) == 1 and "BIG-1" in json.dumps(audits[0].after)
    line_edit = [e for e in edits(morning) if e["ts"] == channel_message.response["ts"]]
    assert len(line_edit) == 1 and "Cleared: a payment arrived" in shown(line_edit[0])
    # The next run raises nothing again on the account.
    morning.run_job(ALERTS, MONDAY_9AM + timedelta(hours=3))
    with morning.runtime.db.reading() as session:
        again = session.scalars(select(Alert).where(Alert.cleared_at.is_(None))).all()
    assert {a.id for a in again} == {a.id for a in still}


def test_a_late_feed_keeps_a_broken_promise_and_clears_its_alert(morning: RunningBot) -> None:
    add_account(morning.runtime.db, "LATE-1", "300.00", assigned_to=AGENT, due_date=date(2026, 10, 1))
    morning.clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))
    assert "promise" in morning.collect(AGENT, "promise LATE-1 300 2026-11-19").lower()
    morning.run_morning()
    morning.run_job(ALERTS, MONDAY_9AM + timedelta(hours=1))
    with morning.runtime.db.reading() as session:
        broken = session.scalars(select(Alert).where(Alert.condition == "broken-promise")).one()
    # The feed brings the payment received on the promised day, four days late.
    import_payments(morning, "LATE-1,300.00,2026-11-19T16:00:00,ach,L-1\n", MONDAY_9AM + timedelta(hours=2))
    with morning.runtime.db.reading() as session:
        assert session.get_one(Alert, broken.id).cleared_at is not None
        assert session.scalars(select(Promise.status)).one() == "kept"


# --- The outbox's edits: nothing to edit is let go, a later edit wins ----------------------------------


def test_an_edit_of_a_message_never_sent_is_let_go_without_blocking_the_outbox(runtime: Runtime) -> None:
    now = MONDAY_9AM
    with runtime.db.transaction() as session:
        enqueue(session, key="gone", kind="t", channel=AGENT, reply=Reply(text="x"), now=now)
        enqueue(
            session,
            key="gone:edit",
            kind="t",
            channel=AGENT,
            reply=Reply(text="y"),
            now=now,
            update_key="gone",
        )
        enqueue(session, key="missing:edit", kind="t", channel=AGENT, reply=Reply(text="z"), now=now,
                update_key="missing")  # fmt: skip
        session.flush()
        session.execute(
            update(OutboxMessage).where(OutboxMessage.dedupe_key == "gone").values(state=State.FAILED)
        )
    report = deliver_due(runtime)
    assert states(runtime) == {"gone": State.FAILED, "gone:edit": State.SENT, "missing:edit": State.SENT}
    assert report.failed == 0 and report.retrying == 0


def test_edits_follow_a_message_still_queued_in_order_and_an_old_one_never_undoes_a_newer_one(
    runtime: Runtime, standin: SlackStandIn
) -> None:
    now = MONDAY_9AM
    with runtime.db.transaction() as session:
        enqueue(session, key="m", kind="t", channel=AGENT, reply=Reply(text="morning"), now=now)
        for n in (1, 2):
            enqueue(session, key=f"m:{n}", kind="t", channel=AGENT, reply=Reply(text=f"edit {n}"), now=now,
                    update_key="m")  # fmt: skip
    deliver_due(runtime)
    assert [c.params["text"] for c in standin.calls("chat.update")] == ["edit 1", "edit 2"]
    # An older edit that comes round again (a retry) after a newer one was sent is let go.
    with runtime.db.transaction() as session:
        enqueue(
            session, key="m:3", kind="t", channel=AGENT, reply=Reply(text="edit 3"), now=now, update_key="m"
        )
        enqueue(
            session, key="m:4", kind="t", channel=AGENT, reply=Reply(text="edit 4"), now=now, update_key="m"
        )
        session.flush()
        session.execute(
            update(OutboxMessage).where(OutboxMessage.dedupe_key == "m:4").values(state=State.SENT)
        )
    deliver_due(runtime)
    assert [c.params["text"] for c in standin.calls("chat.update")] == ["edit 1", "edit 2"]
    assert states(runtime)["m:3"] == State.SENT


def states(runtime: Runtime) -> dict[str, str]:
    with runtime.db.reading() as session:
        return dict(session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.state)).all())


def _on_list(bot: RunningBot, account_id: str, agent: str) -> bool:
    with bot.runtime.db.reading() as session:
        from storage.models import Account

        return (
            session.scalar(
                select(Assignment.id)
                .join(Account, Account.id == Assignment.account_pk)
                .where(Account.account_id == account_id, Assignment.agent == agent)
            )
            is not None
        )


# --- `collect-bot import payments` -------------------------------------------------------------------


def test_the_cli_import_tells_the_agent(
    database_url: str, db: Any, standin: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line's clock is the system's: the list is today's, whatever day the test runs."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "DATABASE_URL": database_url, "COLLECT_TIMEZONE": "America/New_York", "SLACK_API_URL": standin.api_url,
        "SLACK_BOT_TOKEN": standin.token,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    add_agent(db, AGENT, "Ana Agent")
    add_account(db, "ACC-1", "250.00", assigned_to=AGENT)
    today = team_today(SystemClock().now(), NEW_YORK)
    with db.transaction() as session:
        from storage.models import Account

        pk = session.scalars(select(Account.id)).one()
        session.add(Assignment(work_date=today, account_pk=pk, agent=AGENT, rank=1, score=1, reasons=[]))
    path = tmp_path / "payments.csv"
    path.write_text(HEADER + f"ACC-1,250.00,{today.isoformat()},ach,CLI-1\n", encoding="utf-8")
    assert main(["import", "payments", str(path)]) == 0
    with db.reading() as session:
        queued = session.scalars(select(OutboxMessage)).all()
    # No morning message was queued for this list: nothing to edit, only the DM.
    assert [(m.kind, m.channel) for m in queued] == [("payment-arrived", AGENT)]
    assert "on your list today: paid $250.00 on " in shown(queued[0].payload)
    # The running bot delivers it (here: a runtime on the system's clock, as `serve` has).
    deliver_due(Runtime(settings=bot_settings(database_url, standin), db=db))
    told = [c.params for c in standin.calls("chat.postMessage") if c.params.get("channel") == AGENT]
    assert len(told) == 1 and "`ACC-1` (Maria Silva) on your list today: paid $250.00" in shown(told[0])
    assert main(["import", "payments", str(path)]) == 0
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


# --- The words, in each language -------------------------------------------------------------------------

PAID = PaidToday(Decimal("250.00"), "USD", "ach", datetime(2026, 11, 23, 15, 42, tzinfo=UTC))


def _line(paid: PaidToday | None) -> Worklist:
    line = WorklistLine(
        rank=1, account_id="ACC-1042", customer_name="*Maria* <!here>", currency="USD",
        balance=Decimal("1000.00"), days_past_due=10, reasons=("why",), done=True, paid_today=paid,
    )  # fmt: skip
    return Worklist(agent_id=AGENT, agent_name="Ana", work_date=TODAY, lines=(line,), zone=NEW_YORK)


def _text(reply: Reply) -> str:
    return json.dumps(reply.as_kwargs(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "paid $250.00 at <!date^1795448520^{time}|10:42 EST> by ACH, don't call"),
        ("pt-BR", "pagou US$ 250,00 às <!date^1795448520^{time}|10:42 EST> via ACH, não ligue"),
        ("es", "pagó 250,00 US$ a las <!date^1795448520^{time}|10:42 EST> por ACH, no llame"),
    ],
)
def test_the_paid_line_in_each_language(locale: str, words: str) -> None:
    with speaking(locale):
        assert words in _text(worklist_reply(_line(PAID)))
        assert "don't call" not in _text(worklist_reply(_line(None)))


def test_a_payment_received_another_day_or_with_no_time_says_its_day() -> None:
    yesterday = PaidToday(Decimal("5"), "USD", None, datetime(2026, 11, 20, 5, 0, tzinfo=UTC))
    bare = PaidToday(Decimal("5"), "USD", "wire", datetime(2026, 11, 23, 5, 0, tzinfo=UTC))  # midnight in NY
    assert "paid $5.00 on <!date^" in _text(worklist_reply(_line(yesterday)))
    assert "|Nov 20, 2026>, don't call" in _text(worklist_reply(_line(yesterday)))
    assert "|Nov 23, 2026> by wire, don't call" in _text(worklist_reply(_line(bare)))


def test_the_dm_names_the_most_important_first_and_counts_the_rest() -> None:
    paid = [PaidOnList(rank, f"ACC-{rank}", f"Customer {rank}", PAID) for rank in range(14, 0, -1)]
    text = _text(paid_on_list_dm(paid, NEW_YORK, TODAY))
    assert "14 accounts on your list today have paid" in text
    assert text.index("ACC-1`") < text.index("ACC-2`") and "ACC-11`" not in text
    assert "…and 4 more" in text
    with speaking("pt-BR"):
        one = _text(paid_on_list_dm(paid[-1:], NEW_YORK, TODAY))
    assert "`ACC-1` (Customer 1) na sua fila de hoje: pagou US$ 250,00" in one


def test_a_feed_clearing_many_alerts_writes_one_audit_row_whose_key_fits(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, AGENT, "Ana Agent")
    for n in range(30):
        add_account(bot.runtime.db, f"BIG-{n:02}", "25000.00", assigned_to=AGENT)
    bot.run_job(ALERTS, MONDAY_9AM + timedelta(hours=1))
    with bot.runtime.db.reading() as session:
        assert (
            session.scalar(select(func.count()).select_from(Alert).where(Alert.cleared_at.is_(None))) or 0
        ) >= 30
    rows = "".join(f"BIG-{n:02},25000.00,2026-11-23T10:00:00,wire,W-{n}\n" for n in range(30))
    import_payments(bot, rows, MONDAY_9AM + timedelta(hours=2))
    with bot.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Alert).where(Alert.cleared_at.is_(None))) == 0
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "alerts.cleared")).all()
    assert len(audits) == 1 and len(audits[0].entity_key) <= 64
    assert len((audits[0].after or {})["cleared"]) >= 30


# --- As served: the API and the watched folder tell the agent -------------------------------------------


@pytest.mark.settings(COLLECT_API_SECRET=OLD_SECRET)
def test_a_payment_by_the_api_edits_the_agents_line_tells_them_and_refreshes_their_home(
    morning: RunningBot,
) -> None:
    morning.run_morning()
    morning.clock.set(AT_10_42)
    item = {
        "account_id": "ACC-1", "amount": "100.00", "currency": "USD", "method": "ach",
        "received_at": "2026-11-23T10:42:00-05:00", "reference": "BANK-API-1",
    }  # fmt: skip
    answer = BillingSystem(morning.url, morning.clock).post("/api/v1/payments", {"payments": [item]})
    assert answer.status == 200, answer.raw
    assert [result["result"] for result in answer.json()["results"]] == ["applied"]
    deliver_due(morning.runtime)
    edited = edits(morning)
    assert len(edited) == 1 and "by ACH, don't call" in shown(edited[0])
    told = dms(morning, AGENT)
    assert len(told) == 2 and "`ACC-1` (&lt;!channel&gt; &amp; Sons) on your list today" in shown(told[1])
    # The Home is refreshed by the serving process after the commit, without the agent opening it.
    assert "by ACH, don't call" in json.dumps(published_home(morning, AGENT), ensure_ascii=False)


def test_a_payment_the_watched_folder_brings_tells_the_agent_and_names_their_home(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, tmp_path: Path
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    runtime = make_runtime(db, database_url, standin, clock, COLLECT_IMPORT_DIR=str(folder))
    morning_team(db)
    clock.set(MONDAY_9AM)
    run_job(runtime, MORNING, MONDAY_9AM, by="test")
    (folder / "payments-1123.csv").write_text(HEADER + "ACC-1,100.00,2026-11-23T10:42:00,ach,REF-F1\n")
    reports = []
    for minute in range(2):  # the file is taken once it has stayed the same for a look
        clock.set(AT_10_42 + timedelta(minutes=minute))
        reports.append(run_job(runtime, IMPORT_FOLDER, clock.now(), by="test"))
    deliver_due(runtime)
    assert reports[-1].ran and reports[-1].homes == {AGENT}
    told = [c.params for c in standin.calls("chat.postMessage") if c.params.get("channel") == AGENT]
    assert len(told) == 2 and "by ACH, don't call" in shown(told[1])
    assert any("by ACH, don't call" in shown(c.params) for c in standin.calls("chat.update"))
