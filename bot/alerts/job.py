"""The supervisor-alerts job: every 15 minutes of working hours, raise each account's conditions
once (until they clear or a snooze ends), and post them as one message in the supervisors'
channel, the agent told of a broken promise. The 15-minute slot is claimed like any job period,
so two processes never raise the same alerts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.alerts.records import alert_facts, broken_promises, ever_raised, thresholds
from bot.alerts.rules import (
    SEVERITY,
    AccountAlert,
    AlertFacts,
    Condition,
    Raised,
    digest,
    kept_words,
    merged_words,
    raised_conditions,
    ranked,
)
from bot.blocks.alerts import AlertLine, ToChase, alerts_message, broken_promises_dm
from bot.calendar import WorkCalendar
from bot.clock import team_today
from bot.complaints.job import tell_overdue
from bot.currency import format_money
from bot.job_faults import RowRef, SkippedRows, is_outage
from bot.job_runs import JobReport, already_ran, claim, describe
from bot.language.model import reader_locale
from bot.language.render import speaking_to
from bot.outbox.records import enqueue
from bot.runtime import Runtime
from bot.vocabulary import CLOSED_STATUSES, AccountStatus
from storage.models import Account, Alert, Promise, table_of

JOB = "supervisor-alerts"
SLOT_MINUTES = 15


def alerts_due(runtime: Runtime, at: datetime) -> bool:
    return runtime.settings.in_working_hours(at)


def slot(at: datetime, runtime: Runtime) -> str:
    local = at.astimezone(runtime.zone)
    return local.replace(
        minute=local.minute - local.minute % SLOT_MINUTES, second=0, microsecond=0
    ).isoformat()


@dataclass(frozen=True, slots=True)
class Found:
    facts: AlertFacts
    customer_name: str
    raised: list[Raised]


def run_alerts(runtime: Runtime, at: datetime, by: str) -> JobReport:
    today = team_today(at, runtime.zone)
    calendar = runtime.settings.work_calendar
    period = slot(at, runtime)
    skipped = SkippedRows(JOB)
    with runtime.db.reading() as session:
        done = already_ran(session, JOB, period)
        if done is not None:
            return JobReport(JOB, period, False, describe(done))
    found = _all_found(runtime, today, calendar, skipped)
    try:
        with runtime.db.transaction() as session:
            claim(session, JOB, period, at, by, {"accounts": len(found), "skipped": len(skipped)})
            new = _raise_and_clear(session, runtime, found, at)
            late = tell_overdue(session, runtime, today=today, at=at)
            skipped.record(session, runtime, at)
    except IntegrityError:
        return JobReport(JOB, period, False, f"{JOB} for {period} was run by another process")
    told = f", {late} overdue complaints" if late else ""
    return JobReport(JOB, period, bool(new or late), f"{new} new alerts{told}")


def _all_found(runtime: Runtime, today: date, calendar: WorkCalendar, skipped: SkippedRows) -> list[Found]:
    """The accounts with something to raise. When the read fails as a whole (a value the driver
    cannot convert fails the stream, not one account's step), the unreadable accounts are found
    by halving the ids, and the others judged without them."""
    try:
        with runtime.db.reading() as session:
            return [f for f in _found(session, runtime, today, calendar, skipped) if f.raised]
    except Exception as error:
        if is_outage(error):
            raise
        with runtime.db.reading() as session:
            unreadable = _unreadable_accounts(session, skipped)
        if not unreadable:
            raise
    with runtime.db.reading() as session:
        return [f for f in _found(session, runtime, today, calendar, skipped, unreadable) if f.raised]


def _unreadable_accounts(session: Session, skipped: SkippedRows) -> list[int]:
    accounts, promises = table_of(Account), table_of(Promise)

    def read(first: int, last: int) -> None:
        session.execute(select(accounts).where(accounts.c.id.between(first, last))).all()
        session.execute(select(promises).where(promises.c.account_pk.between(first, last))).all()

    def ref(pk: int) -> RowRef:
        account_id = session.scalar(select(Account.account_id).where(Account.id == pk))
        return RowRef(f"account {account_id}" if account_id else f"account record {pk}", account_id)

    ids = list(session.scalars(select(Account.id).order_by(Account.id)))
    return skipped.unreadable(ids, read, ref)


def _found(
    session: Session,
    runtime: Runtime,
    today: date,
    calendar: WorkCalendar,
    skipped: SkippedRows,
    leaving_out: Sequence[int] = (),
) -> list[Found]:
    """The accounts with a condition to raise; an account whose facts cannot be judged is skipped
    (and told), the others are raised as usual."""
    limits = thresholds(runtime)
    lowest_high_value = min([limits.high_value, *runtime.settings.high_value_by_currency.values()])
    zone = runtime.zone
    broken = broken_promises(session, today, limits.grace_days, leaving_out)
    quiet_since = datetime.combine(
        today - timedelta(days=limits.stalled_attempt_working_days), datetime.min.time(), zone
    )
    query = select(Account).where(
        Account.status.not_in(
            [str(s) for s in (*CLOSED_STATUSES, AccountStatus.ON_HOLD, AccountStatus.LEGAL)]
        ),
        or_(
            Account.balance >= lowest_high_value,
            Account.id.in_(list(broken)),
            (Account.assigned_to.is_not(None))
            & or_(
                Account.last_contact_at < quiet_since,
                Account.last_conversation_at < quiet_since - timedelta(days=limits.stalled_conversation_days),
                Account.last_payment_date <= today - timedelta(days=limits.stalled_payment_days),
            ),
        ),
    )
    if leaving_out:
        query = query.where(Account.id.not_in(leaving_out))

    def judged(account: Account) -> Found:
        facts = alert_facts(account, broken.get(account.id, []), zone)
        raised = raised_conditions(
            facts,
            today,
            replace(limits, high_value=runtime.settings.high_value_for(account.currency)),
            calendar.is_working_day,
        )
        return Found(facts, account.customer_name, raised)

    def ref(account: Account) -> RowRef:
        return RowRef(f"account {account.account_id}", account.account_id)

    return list(skipped.each(session.scalars(query.execution_options(yield_per=5_000)), judged, ref))


def _raise_and_clear(session: Session, runtime: Runtime, found: list[Found], at: datetime) -> int:
    """Each account's new conditions raised (an alert row each), and the accounts with one told as
    one message: a line per account, the most pressing `alerts_per_run` listed, the rest counted.
    The first run of a portfolio with more than that is its backlog, announced once as such."""
    first_run = not ever_raised(session)
    active = {
        (a.account_pk, a.condition): a
        for a in session.scalars(select(Alert).where(Alert.cleared_at.is_(None)))
    }
    still: set[tuple[int, str]] = set()
    raised_now: list[tuple[Found, list[Alert]]] = []
    for item in found:
        new: list[Alert] = []
        for raised in item.raised:
            key = (item.facts.account_pk, str(raised.condition))
            still.add(key)
            current = active.get(key)
            if current is not None and (current.snoozed_until is None or current.snoozed_until > at):
                continue  # raised already: open, handled, or snoozed
            if current is not None:
                current.cleared_at = at  # the snooze ended with the condition still there: raise again
            new.append(
                Alert(
                    account_pk=item.facts.account_pk,
                    condition=raised.condition,
                    why=kept_words(raised),
                    raised_at=at,
                )
            )
        if new:
            raised_now.append((item, new))
    for key, alert in active.items():
        if key not in still:
            alert.cleared_at = at
    if not raised_now:
        return 0
    session.add_all([alert for _, new in raised_now for alert in new])
    session.flush()
    message_key = f"alerts:{min(alert.id for _, new in raised_now for alert in new)}"
    merged = [(_merged(item, new, at, runtime), new) for item, new in raised_now]
    summary = digest([line for line, _ in merged], runtime.settings.alerts_per_run)
    listed = {line.account_pk for line in summary.listed}
    for _, new in raised_now:
        for alert in new:
            if alert.account_pk in listed:
                alert.message_key = message_key
    _tell_agents(session, merged, message_key, at)
    if runtime.settings.supervisor_channel:
        lines = [
            AlertLine(a.alert_id, a.account_id, a.customer_name, a.said, a.assigned_to, a.balance)
            for a in summary.listed
        ]
        enqueue(
            session,
            key=message_key,
            kind="alerts",
            channel=runtime.settings.supervisor_channel,
            reply=alerts_message(
                lines, rest=summary.rest, total=summary.total, backlog=first_run and bool(summary.rest)
            ),
            now=at,
        )
    return sum(len(new) for _, new in raised_now)


def _merged(item: Found, new: list[Alert], at: datetime, runtime: Runtime) -> AccountAlert:
    """The account's line: every condition it has now (not only the new ones), its buttons on the
    most severe new alert."""
    facts = item.facts
    button = max(new, key=lambda alert: SEVERITY[Condition(alert.condition)])
    days_past_due = (team_today(at, runtime.zone) - facts.due_date).days
    said = merged_words(
        item.raised, format_money(facts.balance, facts.currency, reader_locale()), days_past_due
    )
    conditions = tuple(raised.condition for raised in item.raised)
    return AccountAlert(
        button.id, facts.account_pk, facts.account_id, item.customer_name, facts.currency, facts.balance,
        facts.assigned_to, conditions, said,
    )  # fmt: skip


def _tell_agents(
    session: Session, merged: list[tuple[AccountAlert, list[Alert]]], message_key: str, at: datetime
) -> None:
    """A broken promise is the agent's to chase first: each agent hears of the run's broken
    promises on their accounts in one direct message."""
    chased: dict[str, list[AccountAlert]] = defaultdict(list)
    for line, new in merged:
        if line.assigned_to and any(alert.condition == Condition.BROKEN_PROMISE for alert in new):
            chased[line.assigned_to].append(line)
    for agent, lines in sorted(chased.items()):
        ordered = [ToChase(line.account_id, line.customer_name, line.said) for line in ranked(lines)]
        with speaking_to(agent):
            dm = broken_promises_dm(ordered, len(ordered))
        enqueue(
            session, key=f"{message_key}:agent:{agent}", kind="alert-agent", channel=agent, reply=dm, now=at
        )  # fmt: skip
