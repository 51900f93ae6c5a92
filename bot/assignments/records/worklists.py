"""Reading the day's worklists back: an agent's ranked lines with what is already done."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    Select,
    Subquery,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from bot.aging import days_past_due
from bot.assignments.model import PaidToday, Worklist, WorklistLine
from bot.assignments.rules.scoring import AccountFacts, ScoreWeights, reasons_now
from bot.calendar import local_day
from bot.propensity.model import TrainedModel
from bot.propensity.records import adopted_model, learned_rows
from bot.propensity.rules import explain, percent, probability
from bot.roster.records import roster_name
from bot.strategy.render import channels_words
from bot.strategy.rules import DayTreatments
from bot.vocabulary import CLOSED_STATUSES, PromiseStatus
from storage.models import Account, Assignment, Contact, Payment, Promise, table_of


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)


def worked_today(day: date, zone: ZoneInfo) -> ColumnElement[bool]:
    """Whether the line's account has a contact, payment or promise recorded during the team's day."""
    return _worked_between(*day_bounds(day, zone))


def _worked_between(
    start: datetime | BindParameter[datetime], end: datetime | BindParameter[datetime]
) -> ColumnElement[bool]:
    return or_(
        exists().where(
            Contact.account_pk == Account.id, Contact.created_at >= start, Contact.created_at < end
        ),
        exists().where(
            Payment.account_pk == Account.id, Payment.created_at >= start, Payment.created_at < end
        ),
        exists().where(Promise.account_pk == Account.id, Promise.made_at >= start, Promise.made_at < end),
    )


def worklist_for(
    session: Session,
    agent_id: str,
    day: date,
    zone: ZoneInfo,
    *,
    weights: ScoreWeights | None = None,
    grace_days: int = 1,
    treatments: DayTreatments | None = None,
    agent_name: str | None = None,
) -> Worklist:
    """The agent's lines for `day` (`agent_name`: their roster name, when the caller has read it). With `weights`, each line's reasons are worded again from the
    account as it stands now (bot.assignments.rules.scoring.reasons_now), not as the morning
    found it: a payment since then changes them as it changes the balance. With `treatments`
    (bot/strategy), each account's own treatment's weights, as the morning scored it."""
    # One query of plain columns, built once: the App Home is rebuilt from this after people's changes.
    start, end = day_bounds(day, zone)
    # Plain rows on the session's connection: the ORM's execution (its context and loading) cost
    # an App Home rebuild a sixth of its CPU, for columns it does nothing with.
    rows = (
        session.connection()
        .execute(_list_query(), {"agent": agent_id, "day": day, "start": start, "end": end})
        .all()
    )
    worded_by_model = weights is not None and weights.propensity > 0
    learned = _learned_now(session, [row[2] for row in rows], day, zone) if worded_by_model else None
    lines = []
    for row in rows:
        (
            rank,
            stored,
            _pk,
            account_id,
            customer_name,
            currency,
            balance,
            due_date,
            status,
            done,
            callable_from,
        ) = _first_columns(row)
        why = tuple(stored)
        if weights is not None:
            facts = _facts_now(row, zone) if status not in CLOSED_STATUSES else None
            said = None
            if learned is not None and facts is not None and facts.pk in learned[1]:
                # Worded as the morning scored it: the learned propensity and its own explanation.
                model, rows_now = learned
                facts = facts._replace(risk_score=percent(probability(model, rows_now[facts.pk])))
                said = explain(model, rows_now[facts.pk])
            treatment = treatments.of_account(facts) if treatments is not None and facts is not None else None
            why = reasons_now(
                facts, day, treatment.weights if treatment else weights, grace_days, propensity_words=said
            )
            # As the morning worded it (the reasons, then the channels to try), while the account owes.
            if treatment is not None and treatment.channels and facts is not None and facts.balance > 0:
                why = (*why, channels_words(treatment.channels))
        lines.append(
            WorklistLine(
                rank=rank,
                account_id=account_id,
                customer_name=customer_name,
                currency=currency,
                balance=balance,
                days_past_due=days_past_due(due_date, day),
                reasons=why,
                done=bool(done),
                status=status,
                callable_from=callable_from,
                paid_today=_paid_today(row),
            )
        )
    name = agent_name if agent_name is not None else roster_name(session, agent_id)
    return Worklist(agent_id=agent_id, agent_name=name, work_date=day, lines=tuple(lines), zone=zone)


@cache
def _list_query() -> Select[*tuple[Any, ...]]:
    """An agent's lines (`agent`, `day`) with their accounts' facts, what was done during the day
    (`start` to `end`, the team's day) and the payment recorded last in it."""
    agent: BindParameter[str] = bindparam("agent")
    day: BindParameter[date] = bindparam("day")
    start: BindParameter[datetime] = bindparam("start")
    end: BindParameter[datetime] = bindparam("end")
    promise = _next_open_promise(agent, day)
    paid = aliased(Payment, name="paid_today")
    return (
        select(
            Assignment.rank,
            Assignment.reasons,
            Account.id,
            Account.account_id,
            Account.customer_name,
            Account.currency,
            Account.balance,
            Account.due_date,
            Account.status,
            _worked_between(start, end),
            Assignment.callable_from,
            Account.original_amount,
            Account.assigned_to,
            Account.language,
            Account.risk_score,
            Account.last_contact_at,
            Account.last_conversation_at,
            Account.callback_on,
            promise.c.amount,
            promise.c.due_date,
            Account.product,
            paid.amount,
            paid.currency,
            paid.method,
            paid.received_at,
        )
        .join(Account, Account.id == Assignment.account_pk)
        .outerjoin(promise, promise.c.account_pk == Account.id)
        .outerjoin(paid, paid.id == _latest_payment_between(start, end))
        .where(Assignment.work_date == day, Assignment.agent == agent)
        .order_by(Assignment.rank)
    )


def _learned_now(
    session: Session, pks: list[int], day: date, zone: ZoneInfo
) -> tuple[TrainedModel, dict[int, tuple[float, ...]]] | None:
    """The adopted learned model and these accounts' feature rows today; None while the rule
    score stands (no model has beaten it)."""
    model = adopted_model(session)
    if model is None or not pks:
        return None
    return model, learned_rows(session, day, zone, pks)


# The line's columns, then the account's facts, end here; the payment recorded today follows.
ACCOUNT_FACTS_END = 21


def _first_columns(row: Any) -> tuple[Any, ...]:
    """The line's own columns; the rest are the account's facts, read by _facts_now."""
    return tuple(row)[:11]


def _latest_payment_between(
    start: BindParameter[datetime], end: BindParameter[datetime]
) -> ScalarSelect[int]:
    """The id of the payment recorded last on the line's account during the team's day: one
    correlated look per line, through the payments' index by account (ix_payments_account_received);
    about a tenth more time for the whole list on either database, with 200,000 payments."""
    return (
        select(Payment.id)
        .where(Payment.account_pk == Account.id, Payment.created_at >= start, Payment.created_at < end)
        .order_by(Payment.id.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )


def _paid_today(row: Any) -> PaidToday | None:
    amount, currency, method, received_at = tuple(row)[ACCOUNT_FACTS_END:]
    if amount is None:
        return None
    return PaidToday(amount=amount, currency=currency, method=method, received_at=received_at)


def _next_open_promise(agent_id: BindParameter[str], day: BindParameter[date]) -> Subquery:
    """Each listed account's next open promise (a plan has one per instalment: the earliest
    counts, as in the morning's scoring), read for this list's accounts only."""
    listed = select(Assignment.account_pk).where(Assignment.work_date == day, Assignment.agent == agent_id)
    order = func.row_number().over(partition_by=Promise.account_pk, order_by=(Promise.due_date, Promise.id))
    ranked = (
        select(Promise.account_pk, Promise.amount, Promise.due_date, order.label("nth"))
        .where(Promise.status == PromiseStatus.OPEN, Promise.account_pk.in_(listed))
        .subquery("listed_promises")
    )
    return (
        select(ranked.c.account_pk, ranked.c.amount, ranked.c.due_date)
        .where(ranked.c.nth == 1)
        .subquery("listed_promise")
    )


def _facts_now(row: Any, zone: ZoneInfo) -> AccountFacts:
    (_rank, _stored, pk, account_id, _name, currency, balance, due_date, _status, _done, _callable, original,
     assigned_to, language, risk_score, last_contact_at, last_conversation_at, callback_on,
     promise_amount, promise_due, product) = tuple(row)[:ACCOUNT_FACTS_END]  # fmt: skip
    return AccountFacts(
        pk=pk,
        account_id=account_id,
        currency=currency,
        balance=balance,
        original_amount=original,
        due_date=due_date,
        assigned_to=assigned_to,
        language=language,
        risk_score=risk_score,
        last_contact_on=local_day(last_contact_at, zone) if last_contact_at else None,
        last_conversation_on=local_day(last_conversation_at, zone) if last_conversation_at else None,
        callback_on=callback_on,
        promise_amount=promise_amount,
        promise_due=promise_due,
        product=product,
    )


def agents_listed(session: Session, day: date) -> list[str]:
    """The agents with a list on `day`."""
    return list(session.scalars(select(Assignment.agent).where(Assignment.work_date == day).distinct()))


def has_worklists(session: Session, day: date) -> bool:
    return session.connection().execute(_ANY_LINE, {"day": day}).first() is not None


# Plain Core, built once: every App Home rebuild asks it, and an ORM statement's execution cost
# more than the query.
_ANY_LINE = (
    select(table_of(Assignment).c.id).where(table_of(Assignment).c.work_date == bindparam("day")).limit(1)
)
