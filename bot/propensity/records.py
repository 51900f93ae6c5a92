"""The learned propensity's reads and writes: every account's history as plain data (payments,
contacts and promises, whatever their source: Slack, a CSV import, the billing API), and the
stored models."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.calendar import local_day
from bot.propensity.model import (
    AccountHistory,
    Backtest,
    ContactEvent,
    LearnedScores,
    PaymentEvent,
    PromiseEvent,
    StoredModel,
    TrainedModel,
)
from bot.propensity.rules import DAYS_CAP, features, percent, probabilities
from bot.vocabulary import CLOSED_STATUSES
from storage.models import Account, Contact, Payment, Promise, PropensityModel

CHUNK = 20_000


def _rows(session: Session, query: Select[*tuple[Any, ...]]) -> Any:
    # Streamed through the connection: the ORM would copy every row once more.
    return session.connection().execute(query.execution_options(yield_per=CHUNK))


def histories(
    session: Session,
    zone: ZoneInfo,
    *,
    since: date | None = None,
    open_only: bool = False,
    pks: Sequence[int] | None = None,
) -> list[AccountHistory]:
    """Every account's history (events from `since` on, when given), in account order; the open
    accounts owing something only, with `open_only` (the morning's scoring); these accounts only,
    with `pks` (a worklist's few)."""
    accounts = select(
        Account.id, Account.due_date, Account.balance, Account.original_amount, Account.language,
        Account.risk_score, Account.created_at,
    ).order_by(Account.id)  # fmt: skip
    if open_only:
        accounts = accounts.where(
            and_(Account.status.not_in([str(s) for s in CLOSED_STATUSES]), Account.balance > Decimal(0))
        )
    if pks is not None:
        accounts = accounts.where(Account.id.in_(list(pks)))
    start = datetime.combine(since, time(0), zone) if since is not None else None
    payments: dict[int, list[PaymentEvent]] = defaultdict(list)
    paid_query = select(Payment.account_pk, Payment.received_at, Payment.amount)
    if start is not None:
        paid_query = paid_query.where(Payment.received_at >= start)
    if pks is not None:
        paid_query = paid_query.where(Payment.account_pk.in_(list(pks)))
    for pk, at, amount in _rows(session, paid_query):
        payments[pk].append(PaymentEvent(local_day(at, zone), amount))
    contacts: dict[int, list[ContactEvent]] = defaultdict(list)
    tried_query = select(Contact.account_pk, Contact.at, Contact.channel, Contact.outcome)
    if start is not None:
        tried_query = tried_query.where(Contact.at >= start)
    if pks is not None:
        tried_query = tried_query.where(Contact.account_pk.in_(list(pks)))
    for pk, at, channel, outcome in _rows(session, tried_query):
        contacts[pk].append(ContactEvent(local_day(at, zone), channel, outcome))
    promises: dict[int, list[PromiseEvent]] = defaultdict(list)
    made_query = select(Promise.account_pk, Promise.made_at, Promise.status, Promise.resolved_at)
    if pks is not None:
        made_query = made_query.where(Promise.account_pk.in_(list(pks)))
    for pk, made_at, status, resolved_at in _rows(session, made_query):
        resolved = local_day(resolved_at, zone) if resolved_at is not None else None
        promises[pk].append(PromiseEvent(local_day(made_at, zone), status, resolved))
    found = []
    for pk, due_date, balance, original, language, risk, created_at in _rows(session, accounts):
        paid = sorted(payments.pop(pk, ()), key=lambda p: p.on)
        tried = sorted(contacts.pop(pk, ()), key=lambda c: c.on)
        made = sorted(promises.pop(pk, ()), key=lambda p: p.made_on)
        # An imported account's history may be older than its row: it was on the books by then.
        firsts = [local_day(created_at, zone), *(e.on for e in paid[:1]), *(e.on for e in tried[:1]),
                  *(e.made_on for e in made[:1])]  # fmt: skip
        found.append(
            AccountHistory(
                pk=pk,
                due_date=due_date,
                balance=balance,
                original_amount=original,
                language=language,
                risk_score=risk,
                opened_on=min(firsts),
                payments=tuple(paid),
                contacts=tuple(tried),
                promises=tuple(made),
            )
        )
    return found


def latest_model(session: Session) -> StoredModel | None:
    row = session.scalars(select(PropensityModel).order_by(PropensityModel.version.desc()).limit(1)).first()
    if row is None:
        return None
    return StoredModel(
        version=row.version,
        trained_at=row.trained_at,
        adopted=row.adopted,
        model=TrainedModel(
            features=tuple(row.features),
            coefficients=tuple(float(w) for w in row.coefficients),
            intercept=float(row.intercept),
            means=tuple(float(m) for m in row.means),
            scales=tuple(float(s) for s in row.scales),
        ),
        metrics=dict(row.metrics),
    )


def adopted_model(session: Session) -> TrainedModel | None:
    """The model the priority score uses: the latest training's, when it beat the rule score."""
    latest = latest_model(session)
    return latest.model if latest is not None and latest.adopted else None


def save_model(
    session: Session,
    *,
    model: TrainedModel,
    backtest: Backtest,
    examples: int,
    adopted: bool,
    metrics: dict[str, Any],
    now: datetime,
    actor: str,
) -> int:
    """Stores a training as the next version, audited; its version."""
    version = (session.scalar(select(func.max(PropensityModel.version))) or 0) + 1
    session.add(
        PropensityModel(
            version=version,
            trained_at=now,
            window_start=backtest.window_start,
            window_end=backtest.window_end,
            test_start=backtest.test_start,
            examples=examples,
            adopted=adopted,
            metrics=metrics,
            features=list(model.features),
            coefficients=list(model.coefficients),
            intercept=model.intercept,
            means=list(model.means),
            scales=list(model.scales),
        )
    )
    record(
        session,
        at=now,
        actor=actor,
        action="propensity.trained",
        entity="propensity_model",
        entity_key=str(version),
        after={"adopted": adopted, "auc": metrics.get("auc"), "rule_auc": metrics.get("rule_auc")},
    )
    session.flush()
    return version


def learned_rows(
    session: Session, today: date, zone: ZoneInfo, pks: Sequence[int] | None = None
) -> dict[int, tuple[float, ...]]:
    """Today's feature rows of the open accounts (of `pks` only, when given)."""
    since = date.fromordinal(max(1, today.toordinal() - DAYS_CAP))
    return {h.pk: features(h, today) for h in histories(session, zone, since=since, open_only=True, pks=pks)}


def learned_scores(session: Session, today: date, zone: ZoneInfo) -> LearnedScores | None:
    """The adopted model's scores of every open account, worked out all at once (numpy); None
    while no model has beaten the rule score."""
    model = adopted_model(session)
    if model is None:
        return None
    rows = learned_rows(session, today, zone)
    found = probabilities(model, list(rows.values()))
    return LearnedScores(model, rows, {pk: percent(float(p)) for pk, p in zip(rows, found, strict=True)})
