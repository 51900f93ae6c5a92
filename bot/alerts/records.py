"""Acting on an alert inside the desk's transaction: the account handed over, or its alerts
snoozed, audited; the channel message that lists it, read for its edit; the open alerts listed;
the alerts a payment answers, cleared as it arrives; the facts each account is judged on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.aging import days_past_due
from bot.alerts.rules import (
    SNOOZE_DAYS,
    AccountAlert,
    AlertFacts,
    BrokenPromise,
    Condition,
    Thresholds,
    broken_in_a_row,
    line_from_kept,
    raised_conditions,
)
from bot.assignments.records.moves import assign_account
from bot.blocks.alerts import Handled, with_line_handled
from bot.calendar import local_day
from bot.clock import team_today
from bot.currency import format_money
from bot.errors import NotFoundError
from bot.language.model import N_, _, number, reader_locale, said_kept
from bot.language.render import speaking_in_channel
from bot.outbox.records import enqueue
from bot.roster.records import require_supervisor
from bot.runtime import Runtime
from bot.vocabulary import CLOSED_STATUSES, AccountStatus, PromiseStatus
from storage.database import in_batches
from storage.models import Account, Alert, OutboxMessage, Promise


@dataclass(frozen=True, slots=True)
class ActedOn:
    said: str
    owner: str | None
    listed: tuple[tuple[int, str], ...]
    """The account's open alerts that a channel message lists, with that message's key: the line
    may be in more than one message (a condition raised in one run, another in a later one)."""


def _acted(said: str, owner: str | None, alerts: list[Alert]) -> ActedOn:
    return ActedOn(said, owner, tuple((a.id, a.message_key) for a in alerts if a.message_key))


def _alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFoundError(_("I can't find that alert any more."))
    return alert


def _open_on_account(session: Session, alert: Alert) -> list[Alert]:
    """The account's alerts still open: its line in a message stands for all of them."""
    query = select(Alert).where(
        Alert.account_pk == alert.account_pk, Alert.cleared_at.is_(None), Alert.id != alert.id
    )
    return [alert, *session.scalars(query.with_for_update())]


def hand_over(
    session: Session,
    *,
    actor: str,
    alert_id: int,
    agent_id: str,
    now: datetime,
    today: date,
    watched_again: Callable[[str], datetime | None] = lambda condition: None,
) -> ActedOn:
    """Take over (agent_id = the supervisor) or reassign: the account moves, its alerts are handled.
    A handled alert stays raised (not cleared) so the next run does not raise it again: only a
    new condition on the account does, or, for a condition about nobody working the account, the
    new owner leaving it as long (`watched_again`: when that condition is watched again)."""
    require_supervisor(session, actor, N_("act on alerts"))
    alert = _alert(session, alert_id)
    account = session.get_one(Account, alert.account_pk)
    moved = assign_account(
        session, actor=actor, account_id=account.account_id, agent_id=agent_id, now=now, today=today
    )
    alerts = _open_on_account(session, alert)
    for each in alerts:
        each.handled_by = actor
        each.snoozed_until = watched_again(each.condition)
    said = _("{account_id} is now {name}'s.").format(account_id=moved.account_id, name=moved.to_name)
    return _acted(said, agent_id, alerts)


def snooze_alert(session: Session, *, actor: str, alert_id: int, now: datetime) -> ActedOn:
    require_supervisor(session, actor, N_("snooze alerts"))
    alert = _alert(session, alert_id)
    alerts = _open_on_account(session, alert)
    for each in alerts:
        each.snoozed_until, each.handled_by = now + timedelta(days=SNOOZE_DAYS), actor
        audit.record(
            session, at=now, actor=actor, action="alert.snoozed", entity="alert", entity_key=str(each.id),
            after=audit.snapshot({"snoozed_until": each.snoozed_until, "condition": each.condition}),
        )  # fmt: skip
    owner = session.scalar(select(Account.assigned_to).where(Account.id == alert.account_pk))
    # The condition's sentence is stored with the alert, in the words of the run that raised it.
    said = _("Snoozed for {days} days: {why}").format(days=number(SNOOZE_DAYS), why=said_kept(alert.why))
    return _acted(said, owner, alerts)


@dataclass(frozen=True, slots=True)
class ListedIn:
    """The channel message an alert is listed in, as it now reads (its latest edit, if any)."""

    key: str
    channel: str
    blocks: list[dict[str, Any]]
    next_edit_key: str


def listed_in(session: Session, key: str) -> ListedIn | None:
    """The message queued under `key`, locked so that two actions on its lines edit it one after
    the other, each over the other's change."""
    original = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == key).with_for_update()
    ).one_or_none()
    if original is None:
        return None
    edits = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dedupe_key.startswith(f"{key}:edit:", autoescape=True))
            .order_by(OutboxMessage.id)
        )
    )
    latest = edits[-1] if edits else original
    blocks = list(latest.payload.get("blocks") or [])
    return ListedIn(key, original.channel, blocks, f"{key}:edit:{len(edits) + 1}")


def queue_line_edit(
    session: Session, acted: ActedOn, *, did: str, actor: str, at: datetime, zone: ZoneInfo
) -> None:
    """Everyone sees what was done: each message listing the account is edited (chat.update
    through the outbox), queued in the action's own transaction so the two never disagree."""
    for message_key in dict.fromkeys(key for _account, key in acted.listed):
        listed = listed_in(session, message_key)
        if listed is None:
            continue
        for alert_id, key in acted.listed:
            if key != message_key:
                continue
            with speaking_in_channel():
                edited = with_line_handled(
                    listed.blocks, Handled(alert_id, did, actor, at, acted.owner, zone)
                )
            if edited is None:
                continue  # not this alert's line (the account's line carries one alert's buttons)
            enqueue(
                session,
                key=listed.next_edit_key,
                kind="alerts-edit",
                channel=listed.channel,
                reply=edited,
                now=at,
                update_key=listed.key,
            )
            break


def open_alerts(session: Session, today: date) -> list[AccountAlert]:
    """Every account with an alert nobody has handled or snoozed: one entry per account, its
    conditions on one line as the channel's message words them, with its balance and days past
    due as they are `today`."""
    query = (
        select(Alert, Account)
        .join(Account, Account.id == Alert.account_pk)
        .where(Alert.cleared_at.is_(None), Alert.handled_by.is_(None))
        .order_by(Alert.account_pk, Alert.id)
    )
    by_account: dict[int, tuple[Account, list[Alert]]] = {}
    for alert, account in session.execute(query):
        by_account.setdefault(account.id, (account, []))[1].append(alert)
    found = []
    for account, alerts in by_account.values():
        kept = [(Condition(alert.condition), alert.why) for alert in alerts]
        money = format_money(account.balance, account.currency, reader_locale())
        said = line_from_kept(kept, money, days_past_due(account.due_date, today))
        line = AccountAlert(
            alerts[0].id, account.id, account.account_id, account.customer_name, account.currency,
            account.balance, account.assigned_to, tuple(condition for condition, _ in kept), said,
        )  # fmt: skip
        found.append(line)
    return found


def ever_raised(session: Session) -> bool:
    return session.scalar(select(Alert.id).limit(1)) is not None


# --- The facts an account is judged on, and the alerts a payment answers ------------------------


def thresholds(runtime: Runtime) -> Thresholds:
    settings = runtime.settings
    return Thresholds(
        high_value=settings.high_value_threshold,
        stalled_attempt_working_days=settings.stalled_attempt_days,
        stalled_conversation_days=settings.stalled_conversation_days,
        stalled_payment_days=settings.stalled_payment_days,
        grace_days=settings.promise_grace_days,
    )


def broken_promises(
    session: Session,
    today: date,
    grace_days: int,
    leaving_out: Sequence[int] = (),
    *,
    only: Collection[int] | None = None,
) -> dict[int, list[Promise]]:
    """Each account's open promises past their date plus grace with less paid than promised, by
    date; `only` these accounts when given."""
    query = select(Promise).where(
        Promise.status == PromiseStatus.OPEN, Promise.due_date < today - timedelta(days=grace_days)
    )
    if leaving_out:
        query = query.where(Promise.account_pk.not_in(leaving_out))
    if only is not None:
        query = query.where(Promise.account_pk.in_(sorted(only)))
    found: dict[int, list[Promise]] = defaultdict(list)
    for promise in session.scalars(query.order_by(Promise.due_date)):
        if promise.paid_toward < promise.amount:
            found[promise.account_pk].append(promise)
    return found


def alert_facts(account: Account, broken: list[Promise], zone: object) -> AlertFacts:
    def day(at: datetime | None) -> date | None:
        return local_day(at, zone) if at else None  # type: ignore[arg-type]

    instalments = [(p.due_date, True) for p in broken if p.instalment]
    return AlertFacts(
        account_pk=account.id,
        account_id=account.account_id,
        currency=account.currency,
        balance=account.balance,
        due_date=account.due_date,
        assigned_to=account.assigned_to,
        last_contact_on=day(account.last_contact_at),
        last_conversation_on=day(account.last_conversation_at),
        last_payment_on=account.last_payment_date,
        broken=tuple(BrokenPromise(p.amount, p.paid_toward, p.due_date, p.instalment) for p in broken),
        instalments_broken_in_a_row=broken_in_a_row(instalments),
    )


# Accounts the alerts job does not judge at all: whatever was raised on them clears at its next run.
_NOT_JUDGED = frozenset({*CLOSED_STATUSES, AccountStatus.ON_HOLD, AccountStatus.LEGAL})
ANSWERED_BY_A_PAYMENT = N_("Cleared: a payment arrived")
LOOKUP_BATCH = 500
AUDIT_KEY_LENGTH = 64


def clear_answered(
    session: Session, runtime: Runtime, account_pks: Collection[int], *, actor: str, now: datetime
) -> list[Alert]:
    """The open alerts on these accounts that no longer hold once their payments are in (a promise
    kept, a balance paid down below high value or paid off, a payment after a long silence),
    cleared now instead of at the alerts job's next run, with one audit row for all of them; each
    channel message listing an account whose alerts all cleared is edited to say so. Judged by the
    job's own rules (bot.alerts.rules), so an alert cleared here is one the job would clear too,
    never raised again by its next run."""
    alerts: list[Alert] = []
    for chunk in in_batches(sorted(account_pks), LOOKUP_BATCH):
        # An alert a supervisor is acting on this moment is left to the next run: waiting for it
        # here, with the accounts locked by the payments, could deadlock with that action, which
        # locks the alert before the account.
        query = select(Alert).where(Alert.account_pk.in_(chunk), Alert.cleared_at.is_(None))
        alerts += session.scalars(query.order_by(Alert.id).with_for_update(skip_locked=True))
    if not alerts:
        return []
    holding, names = _conditions_holding(session, runtime, {alert.account_pk for alert in alerts}, now)
    cleared = [alert for alert in alerts if alert.condition not in holding[alert.account_pk]]
    if not cleared:
        return []
    for alert in cleared:
        alert.cleared_at = now
    ids = ",".join(str(alert.id) for alert in cleared)
    audit.record(
        session, at=now, actor=actor, action="alerts.cleared", entity="alert",
        entity_key=ids if len(ids) <= AUDIT_KEY_LENGTH else f"{cleared[0].id}+{len(cleared) - 1} more",
        after={"by": "payment", "cleared": [
            {"alert": alert.id, "account": names.get(alert.account_pk), "condition": alert.condition}
            for alert in cleared
        ]},
    )  # fmt: skip
    _edit_cleared_lines(session, runtime, alerts, cleared, now)
    return cleared


def _conditions_holding(
    session: Session, runtime: Runtime, account_pks: set[int], now: datetime
) -> tuple[dict[int, set[str]], dict[int, str]]:
    """The conditions each account has now, and its account id."""
    today, zone = team_today(now, runtime.zone), runtime.zone
    limits = thresholds(runtime)
    is_working_day = runtime.settings.work_calendar.is_working_day
    holding: dict[int, set[str]] = {pk: set() for pk in account_pks}
    names: dict[int, str] = {}
    for chunk in in_batches(sorted(account_pks), LOOKUP_BATCH):
        broken = broken_promises(session, today, limits.grace_days, only=chunk)
        for account in session.scalars(select(Account).where(Account.id.in_(chunk))):
            names[account.id] = account.account_id
            if account.status in _NOT_JUDGED:
                continue
            facts = alert_facts(account, broken.get(account.id, []), zone)
            limit = replace(limits, high_value=runtime.settings.high_value_for(account.currency))
            raised = raised_conditions(facts, today, limit, is_working_day)
            holding[account.id] = {str(item.condition) for item in raised}
    return holding, names


def _edit_cleared_lines(
    session: Session, runtime: Runtime, alerts: list[Alert], cleared: list[Alert], now: datetime
) -> None:
    """An account's line says it cleared only when all its open alerts did: its buttons act on
    them all, and a line with a condition still open keeps them."""
    gone = {alert.id for alert in cleared}
    by_account: dict[int, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_account[alert.account_pk].append(alert)
    for account_pk, its_alerts in sorted(by_account.items()):
        if any(alert.id not in gone for alert in its_alerts):
            continue
        owner = session.scalar(select(Account.assigned_to).where(Account.id == account_pk))
        acted = _acted("", owner, its_alerts)
        queue_line_edit(session, acted, did=ANSWERED_BY_A_PAYMENT, actor="", at=now, zone=runtime.zone)
