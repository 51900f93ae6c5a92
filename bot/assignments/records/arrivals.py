"""What a payment changes at once, inside the transaction that records it (an import, the API, the
watched folder, a payment typed in Slack): the agent whose list has the account today sees its
line say it was paid (their morning message edited in place, their Home refreshed after commit)
and is told in one direct message not to call; the account's alerts the payment answers clear; its
dunning letters still waiting for the print room are cancelled (bot.dunning.records)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.records import clear_answered
from bot.assignments.model import PaidOnList, PaidToday
from bot.assignments.records.worklists import worklist_for
from bot.blocks.worklist import paid_on_list_dm, worklist_page
from bot.clock import team_today
from bot.dunning.records import cancel_for_payments
from bot.imports.model import ArrivedPayment
from bot.language.render import speaking
from bot.outbox.records import State, enqueue
from bot.runtime import Runtime
from storage.database import in_batches
from storage.models import Account, Assignment, OutboxMessage, Payment

# Ids per IN (...): far below SQLite's and PostgreSQL's limits on bound parameters.
LOOKUP_BATCH = 500
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Listed:
    agent: str
    rank: int
    account_id: str
    customer_name: str


def payments_arrived(
    session: Session, runtime: Runtime, arrived: Sequence[ArrivedPayment], now: datetime
) -> set[str]:
    """Run in the transaction that recorded `arrived`; returns the agents whose Home should be
    refreshed once it commits. Each message is queued under a key naming its payments, so the same
    payments told twice (a retried call) queue nothing new; an agent is not told of a payment they
    recorded themselves."""
    if not arrived:
        return set()
    day = team_today(now, runtime.zone)
    listed = _listed_today(session, day, {payment.account_pk for payment in arrived})
    # Who recorded them: for the payments on a list, and the first one's for the audit.
    asked = {payment.payment_id for payment in arrived if payment.account_pk in listed}
    recorded_by = _recorders(session, [arrived[0].payment_id, *asked])
    latest: dict[str, dict[int, ArrivedPayment]] = defaultdict(dict)
    for payment in sorted(arrived, key=lambda payment: payment.payment_id):
        line = listed.get(payment.account_pk)
        if line is None or recorded_by.get(payment.payment_id) == line.agent:
            continue
        latest[line.agent][payment.account_pk] = payment  # an account's latest payment speaks for it
    for agent, payments in sorted(latest.items()):
        _tell_agent(session, runtime, agent, day, [(listed[pk], paid) for pk, paid in payments.items()], now)
    actor = recorded_by.get(arrived[0].payment_id) or "import"
    clear_answered(session, runtime, {payment.account_pk for payment in arrived}, actor=actor, now=now)
    cancel_for_payments(session, {payment.account_pk for payment in arrived}, actor=actor, now=now)
    return set(latest)


def _tell_agent(
    session: Session,
    runtime: Runtime,
    agent: str,
    day: date,
    paid: list[tuple[_Listed, ArrivedPayment]],
    now: datetime,
) -> None:
    morning_key = f"worklist:{day.isoformat()}:{agent}"
    last = max(payment.payment_id for _line, payment in paid)
    with speaking(runtime.locale_of(agent)):
        if _editable(session, morning_key):
            # The morning message is the list's first page, worded as the morning worded it.
            page = worklist_page(worklist_for(session, agent, day, runtime.zone))
            enqueue(
                session, key=f"{morning_key}:paid:{last}", kind="worklist-edit", channel=agent, reply=page,
                now=now, update_key=morning_key,
            )  # fmt: skip
        told = [
            PaidOnList(
                line.rank,
                line.account_id,
                line.customer_name,
                PaidToday(payment.amount, payment.currency, payment.method, payment.received_at),
            )
            for line, payment in paid
        ]
        dm = paid_on_list_dm(told, runtime.zone, day)
    enqueue(session, key=f"paid:{day.isoformat()}:{agent}:{last}", kind="payment-arrived", channel=agent,
            reply=dm, now=now)  # fmt: skip


def _editable(session: Session, key: str) -> bool:
    """Whether there is a morning message to edit: queued (the edit follows it, in order) or sent;
    not when the list was planned but its message never queued (or given up on)."""
    state = session.scalar(select(OutboxMessage.state).where(OutboxMessage.dedupe_key == key))
    return state is not None and state != State.FAILED


def _listed_today(session: Session, day: date, account_pks: set[int]) -> dict[int, _Listed]:
    found: dict[int, _Listed] = {}
    for chunk in in_batches(sorted(account_pks), LOOKUP_BATCH):
        rows = session.execute(
            select(
                Assignment.account_pk, Assignment.agent, Assignment.rank, Account.account_id,
                Account.customer_name,
            )
            .join(Account, Account.id == Assignment.account_pk)
            .where(Assignment.work_date == day, Assignment.account_pk.in_(chunk))
        )  # fmt: skip
        for pk, agent, rank, account_id, customer_name in rows:
            found[pk] = _Listed(agent, rank, account_id, customer_name)
    return found


def _recorders(session: Session, payment_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in in_batches(sorted(set(payment_ids)), LOOKUP_BATCH):
        rows = session.execute(select(Payment.id, Payment.recorded_by).where(Payment.id.in_(chunk)))
        found.update(rows.all())
    return found


def payment_recorded(
    session: Session,
    runtime: Runtime,
    arrived: ArrivedPayment,
    now: datetime,
    *,
    recorded_by: str,
    listed_for: str | None,
    open_alert: bool = True,
    letter_waiting: bool = True,
) -> set[str]:
    """payments_arrived for one payment typed in Slack (by a supervisor on an agent's account, say),
    from what was read with the account's lock: nobody to tell when it is on no list today or on
    the list of the one who typed it, and no alert to clear or letter to cancel when it had none."""
    if listed_for is not None and listed_for != recorded_by:
        return payments_arrived(session, runtime, [arrived], now)
    if open_alert:
        clear_answered(session, runtime, {arrived.account_pk}, actor=recorded_by, now=now)
    if letter_waiting:
        cancel_for_payments(session, {arrived.account_pk}, actor=recorded_by, now=now)
    return set()
