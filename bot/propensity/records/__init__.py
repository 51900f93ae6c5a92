"""The learned propensity's reads and writes: every account's history as plain data (payments,
contacts and promises, whatever their source: Slack, a CSV import, the billing API), and the
stored models."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import repeat
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Select, and_, case, cast, delete, extract, func, literal, select
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
from bot.propensity.records.figures import (
    bring_figures_to,
    contact_sums,
    day_figures,
    days_since_each,
    stored_rows,
)
from bot.propensity.rules import (
    DAYS_CAP,
    PAID_DOWN_DAYS,
    RECENT_DAYS,
    percent,
    percents,
    probabilities,
    share,
    summed_row,
    summed_rows,
)
from bot.vocabulary import CLOSED_STATUSES, Channel, PromiseStatus
from storage.models import Account, Contact, Payment, Promise, PropensityModel, PropensityScore
from storage.types import MONEY_SCALE, money_sum, money_units

if TYPE_CHECKING:
    import numpy as np

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
    every: int = 1,
) -> list[AccountHistory]:
    """Every account's history (events from `since` on, when given), in account order; the open
    accounts owing something only, with `open_only`; these accounts only, with `pks`; those whose
    record id is a multiple of `every` only (the training's sample of a large portfolio)."""
    accounts = select(
        Account.id, Account.due_date, Account.balance, Account.original_amount, Account.language,
        Account.risk_score, Account.created_at, Account.currency,
    ).order_by(Account.id)  # fmt: skip
    if open_only:
        accounts = accounts.where(
            and_(Account.status.not_in([str(s) for s in CLOSED_STATUSES]), Account.balance > Decimal(0))
        )
    if pks is not None:
        accounts = accounts.where(Account.id.in_(list(pks)))
    if every > 1:
        accounts = accounts.where(Account.id % every == 0)
    start = datetime.combine(since, time(0), zone) if since is not None else None
    if pks is None and every == 1:
        return _histories_of(session, zone, list(_rows(session, accounts)), start, None)
    # A sample's events are read by account through the indexes, a chunk at a time, rather than by
    # a pass over every event of the portfolio.
    found: list[AccountHistory] = []
    listed = list(_rows(session, accounts))
    for first in range(0, len(listed), HISTORY_CHUNK):
        part = listed[first : first + HISTORY_CHUNK]
        found.extend(_histories_of(session, zone, part, start, [row[0] for row in part]))
    return found


HISTORY_CHUNK = 2_000


def _histories_of(
    session: Session, zone: ZoneInfo, accounts: list[Any], start: datetime | None, pks: list[int] | None
) -> list[AccountHistory]:
    # The instants come as whole seconds since 1970 (the database's arithmetic, not a datetime built
    # for each of a million events) and are placed among the team's midnights all at once; the
    # contacts come in the order of their instants (then ids), which a second does not resolve.
    # Events are immutable values and many accounts have the same ones (a day's texts unanswered, a
    # payment of the same amount): each distinct event is made once and shared, as is each amount.
    days = _LocalDays(zone)
    amounts = _Amounts()
    callbacks, due_dates = _Dates(session, Contact.callback_on), _Dates(session, Promise.due_date)
    payments: dict[int, list[PaymentEvent]] = defaultdict(list)
    paid_query = select(
        Payment.account_pk,
        _epoch(session, Payment.received_at),
        money_units(Payment.amount),
        Payment.currency,
    )
    if start is not None:
        paid_query = paid_query.where(Payment.received_at >= start)
    if pks is not None:
        paid_query = paid_query.where(Payment.account_pk.in_(pks))
    paid_rows = stored_rows(session, paid_query)
    paid_made: dict[tuple[int, int, str], PaymentEvent] = {}
    for (pk, _at, units, currency), ordinal in zip(
        paid_rows, days.ordinals([row[1] for row in paid_rows]), strict=True
    ):
        payment = paid_made.get(paid_key := (ordinal, units, currency))
        if payment is None:
            payment = paid_made[paid_key] = PaymentEvent(days.on(ordinal), amounts.of(units), currency)
        payments[pk].append(payment)
    del paid_rows
    # In the order of their instants, then ids: the callback an account holds is the last contact's
    # (note_contact_on_account), and two contacts may fall on one day.
    contacts: dict[int, list[ContactEvent]] = defaultdict(list)
    tried_query = select(
        Contact.account_pk, _epoch(session, Contact.at), Contact.channel, Contact.outcome, Contact.callback_on
    ).order_by(Contact.account_pk, Contact.at, Contact.id)
    if start is not None:
        tried_query = tried_query.where(Contact.at >= start)
    if pks is not None:
        tried_query = tried_query.where(Contact.account_pk.in_(pks))
    tried_rows = stored_rows(session, tried_query)
    tried_made: dict[tuple[int, str, str, Any], ContactEvent] = {}
    for (pk, _at, channel, outcome, callback_on), ordinal in zip(
        tried_rows, days.ordinals([row[1] for row in tried_rows]), strict=True
    ):
        contact = tried_made.get(tried_key := (ordinal, channel, outcome, callback_on))
        if contact is None:
            contact = tried_made[tried_key] = ContactEvent(
                days.on(ordinal), channel, outcome, callbacks.of(callback_on)
            )
        contacts[pk].append(contact)
    del tried_rows
    promises: dict[int, list[tuple[int, PromiseEvent]]] = defaultdict(list)
    made_query = select(
        Promise.account_pk, Promise.id, _epoch(session, Promise.made_at), Promise.status,
        _epoch(session, Promise.resolved_at), Promise.due_date, money_units(Promise.amount),
    )  # fmt: skip
    if pks is not None:
        made_query = made_query.where(Promise.account_pk.in_(pks))
    made_rows = stored_rows(session, made_query)
    made_days = days.ordinals([row[2] for row in made_rows])
    resolved_days = days.some_ordinals([row[4] for row in made_rows])
    promises_made: dict[tuple[int, str, int | None, Any, int], PromiseEvent] = {}
    for (pk, promise_id, _made, status, _resolved, due_on, units), made_on, resolved in zip(
        made_rows, made_days, resolved_days, strict=True
    ):
        promise = promises_made.get(made_key := (made_on, status, resolved, due_on, units))
        if promise is None:
            promise = promises_made[made_key] = PromiseEvent(
                days.on(made_on), status, None if resolved is None else days.on(resolved), due_dates.of(due_on),
                amounts.of(units),
            )  # fmt: skip
        promises[pk].append((promise_id, promise))
    del made_rows
    found = []
    for pk, due_date, balance, original, language, risk, created_at, currency in accounts:
        paid = sorted(payments.pop(pk, ()), key=lambda p: p.on)
        tried = contacts.pop(pk, [])
        # By the day made, then by id: the morning's read takes the first of two due on one day.
        made = [p for _id, p in sorted(promises.pop(pk, ()), key=lambda p: (p[1].made_on, p[0]))]
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
                currency=currency,
                payments=tuple(paid),
                contacts=tuple(tried),
                promises=tuple(made),
            )
        )
    return found


def _epoch(session: Session, column: Any) -> Any:
    """The instant as whole seconds since 1970, UTC (the fraction dropped: the team's midnights are
    whole seconds, so the day it falls on is the same)."""
    if session.connection().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(extract("epoch", column)), BigInteger)


class _LocalDays:
    """Instants (seconds since 1970) made into the team's days: local_day(), placed among the
    team's midnights (by bisect, or numpy for many) instead of a conversion each; one date object a
    day."""

    SPAN = 40_000
    """Days of midnights worked out at most (a century); beyond, each instant is converted alone."""
    FEW = 5_000
    """Instants placed by bisect rather than numpy: as quick for so few, and a thin portfolio (a new
    bot's first weekly training) decides it is too thin to learn from without loading numpy."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._dates: dict[int, date] = {}

    def ordinals(self, stamps: Sequence[int]) -> list[int]:
        """Each instant's team day, as its ordinal (date.toordinal())."""
        if not stamps:
            return []
        try:
            first = self._day(min(stamps)) - timedelta(days=1)
            last = self._day(max(stamps)) + timedelta(days=1)
        except (OverflowError, ValueError, OSError):
            return [self._alone(s).toordinal() for s in stamps]
        span = (last - first).days
        if span > self.SPAN:
            return [self._alone(s).toordinal() for s in stamps]
        midnights = [
            datetime.combine(first + timedelta(days=n), time(0), self._zone).timestamp()
            for n in range(span + 1)
        ]
        # The instants are whole seconds within the years 1 to 9999: exact as floats, so that bisect
        # and numpy place them alike.
        if len(stamps) <= self.FEW:
            base = first.toordinal() - 1
            return [base + bisect_right(midnights, stamp) for stamp in stamps]
        import numpy as np  # the first large portfolio's read loads it, not every process

        found = np.searchsorted(np.array(midnights), np.asarray(stamps, dtype=np.float64), side="right") - 1
        ordinals: list[int] = (found + first.toordinal()).tolist()
        return ordinals

    def some_ordinals(self, stamps: Sequence[int | None]) -> list[int | None]:
        """ordinals(), None kept for None."""
        days = iter(self.ordinals([s for s in stamps if s is not None]))
        return [None if s is None else next(days) for s in stamps]

    def on(self, ordinal: int) -> date:
        """The day of this ordinal: one date object a day."""
        day = self._dates.get(ordinal)
        if day is None:
            day = self._dates[ordinal] = date.fromordinal(ordinal)
        return day

    def _day(self, stamp: int) -> date:
        return datetime.fromtimestamp(stamp, UTC).astimezone(self._zone).date()

    def _alone(self, stamp: int) -> date:
        try:
            return self._day(stamp)
        except (OverflowError, ValueError, OSError):
            return date.min if stamp < 0 else date.max


class _Dates:
    """A date column's stored values decoded as its type decodes them, each distinct value once."""

    def __init__(self, session: Session, column: Any) -> None:
        dialect = session.connection().dialect
        self._decode = column.type.dialect_impl(dialect).result_processor(dialect, None)
        self._held: dict[Any, date | None] = {None: None}

    def of(self, stored: Any) -> date | None:
        try:
            return self._held[stored]
        except KeyError:
            found: date | None = self._decode(stored) if self._decode is not None else stored
            self._held[stored] = found
            return found


class _Amounts:
    """Money read as ten-thousandths (money_units) made into the Decimal the column type gives, one
    object an amount."""

    def __init__(self) -> None:
        self._held: dict[int, Decimal] = {}

    def of(self, units: int) -> Decimal:
        amount = self._held.get(units)
        if amount is None:
            amount = self._held[units] = Decimal(units).scaleb(-MONEY_SCALE)
        return amount


def account_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0


# Built once: every App Home rebuild asks whether a learned model is in use.
_LATEST_MODEL = select(PropensityModel).order_by(PropensityModel.version.desc()).limit(1)


def latest_model(session: Session) -> StoredModel | None:
    row = session.scalars(_LATEST_MODEL).first()
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


DAY_BATCH = 20_000
"""Open accounts worked out at a time (by record id): the day's figures of a million accounts are
read in bounded memory, each batch's events found through the account indexes."""


def learned_rows(
    session: Session, today: date, zone: ZoneInfo, pks: Sequence[int] | None = None
) -> dict[int, tuple[float, ...]]:
    """Today's feature rows of the open accounts (of `pks` only, when given): exactly what
    features(history, today) gives (tests/test_propensity.py)."""
    found: dict[int, tuple[float, ...]] = {}
    for batch_pks, rows in day_rows(session, today, zone, pks):
        found.update(zip(batch_pks, rows, strict=True))
    return found


def day_rows(
    session: Session, today: date, zone: ZoneInfo, pks: Sequence[int] | None = None, batch: int = DAY_BATCH
) -> Iterator[tuple[list[int], list[tuple[float, ...]]]]:
    """Today's feature rows of the open accounts, `batch` accounts at a time in record id order:
    summed by the database, one GROUP BY per table over the batch's last year, so that a few numbers
    per account come back instead of every event. The team's days are cut at the team's midnights,
    as UTC instants."""

    def midnight(days_before: int) -> datetime:
        return datetime.combine(date.fromordinal(max(1, today.toordinal() - days_before)), time(0), zone)

    windows = _Windows(midnight(0), midnight(PAID_DOWN_DAYS), midnight(RECENT_DAYS), midnight(DAYS_CAP))
    accounts = (
        select(Account.id, Account.due_date, Account.balance, Account.currency, Account.language)
        .where(and_(Account.status.not_in([str(s) for s in CLOSED_STATUSES]), Account.balance > Decimal(0)))
        .order_by(Account.id)
    )
    if pks is not None:
        wanted = sorted(set(pks))
        for first in range(0, len(wanted), batch):
            part = wanted[first : first + batch]
            listed = session.execute(accounts.where(Account.id.in_(part))).all()
            if listed:
                yield _batch_rows(session, today, zone, windows, listed, part)
        return
    after: int | None = None
    while True:
        page = accounts.limit(batch) if after is None else accounts.where(Account.id > after).limit(batch)
        listed = session.execute(page).all()
        if not listed:
            return
        yield _batch_rows(session, today, zone, windows, listed, (listed[0][0], listed[-1][0]))
        after = listed[-1][0]


@dataclass(frozen=True, slots=True)
class _Windows:
    today: datetime
    paid_down: datetime
    recent: datetime
    year: datetime


def _batch_rows(
    session: Session,
    today: date,
    zone: ZoneInfo,
    windows: _Windows,
    listed: Sequence[Any],
    among: list[int] | tuple[int, int],
) -> tuple[list[int], list[tuple[float, ...]]]:
    """The rows of these accounts; `among` is the batch's record ids, or its first and last."""

    def of(column: Any) -> Any:
        return column.in_(among) if isinstance(among, list) else column.between(among[0], among[1])

    t0, t30, t90, t365 = windows.today, windows.paid_down, windows.recent, windows.year
    zero = literal(Decimal(0), Payment.amount.type)

    def paid(since: datetime, until: datetime | None = None) -> Any:
        within = Payment.received_at >= since
        if until is not None:
            within = and_(within, Payment.received_at < until)
        return money_sum(case((within, Payment.amount), else_=zero))

    # By currency: only the amounts in the account's own are added to its money.
    payments = (
        select(
            Payment.account_pk,
            Payment.currency,
            paid(t0),
            paid(t30, t0),
            func.count(case((and_(Payment.received_at >= t90, Payment.received_at < t0), 1))),
            func.max(case((Payment.received_at < t0, Payment.received_at))),
        )
        .where(of(Payment.account_pk), Payment.received_at >= t365)
        .group_by(Payment.account_pk, Payment.currency)
    )
    contacts = contact_sums(t90).where(of(Contact.account_pk), Contact.at >= t365, Contact.at < t0)
    promises = (
        select(Promise.account_pk, Promise.status, func.count())
        .where(
            of(Promise.account_pk),
            Promise.made_at < t0,
            Promise.resolved_at < t0,
            Promise.status.in_([str(PromiseStatus.KEPT), str(PromiseStatus.BROKEN)]),
        )
        .group_by(Promise.account_pk, Promise.status)
    )
    currency_of = {pk: currency for pk, _due, _balance, currency, _language in listed}
    no_money = Decimal(0)
    paid_today: dict[int, Decimal] = {}
    paid_30: dict[int, Decimal] = {}
    paid_90: dict[int, int] = defaultdict(int)
    last_paid: dict[int, datetime] = {}
    for pk, currency, today_sum, sum_30, count, last in session.execute(payments):
        if currency == currency_of.get(pk):
            paid_today[pk] = today_sum
            paid_30[pk] = sum_30
        paid_90[pk] += count
        if last is not None and (pk not in last_paid or last > last_paid[pk]):
            last_paid[pk] = last
    tried: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    talked: dict[int, datetime] = {}
    for pk, channel, count, answered, last_talk in session.execute(contacts):
        tried[pk][channel] = (count, answered)
        if last_talk is not None and (pk not in talked or last_talk > talked[pk]):
            talked[pk] = last_talk
    kept: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, status, count in session.execute(promises):
        kept[pk][status] = count
    # The days since the last payment and conversation, from the team's midnights, all at once.
    days_paid = days_since_each([last_paid.get(row[0]) for row in listed], today, zone)
    days_talked = days_since_each([talked.get(row[0]) for row in listed], today, zone)
    found_pks: list[int] = []
    found: list[tuple[float, ...]] = []
    for (pk, due_date, balance_now, _currency, language), since_paid, since_talk in zip(
        listed, days_paid, days_talked, strict=True
    ):
        channels = tried.get(pk, {})
        count_90 = sum(count for count, _answered in channels.values())
        answered_90 = sum(answered for _count, answered in channels.values())
        made = kept.get(pk, {})
        found_pks.append(pk)
        found.append(
            summed_row(
                today,
                due_date,
                float(balance_now + paid_today.get(pk, no_money)),
                float(paid_30.get(pk, no_money)),
                paid_90.get(pk, 0),
                since_paid,
                made.get(PromiseStatus.KEPT, 0),
                made.get(PromiseStatus.BROKEN, 0),
                (
                    _answered_share(channels, Channel.CALL),
                    _answered_share(channels, Channel.SMS),
                    _answered_share(channels, Channel.EMAIL),
                ),
                count_90 - answered_90,
                since_talk,
                language,
            )
        )
    return found_pks, found


def _answered_share(channels: dict[str, tuple[int, int]], channel: str) -> float:
    count, answered = channels.get(channel, (0, 0))
    return share(answered, count)


def learned_scores(session: Session, today: date, zone: ZoneInfo) -> LearnedScores | None:
    """The adopted model's scores of every open account: the day's, stored at its first tick
    (store_day_scores), or else worked out now, all at once; None while no model has beaten the
    rule score. The feature rows come along only when worked out now (rows_of reads the listed
    accounts' afterwards)."""
    latest = latest_model(session)
    if latest is None or not latest.adopted:
        return None
    stored = select(PropensityScore.account_pk, PropensityScore.score).where(
        PropensityScore.day == today, PropensityScore.version == latest.version
    )
    # iter(): a Result has keys(), which dict() would take for a mapping's.
    scores: dict[int, int] = dict(iter(_rows(session, stored)))
    if scores:
        return LearnedScores(latest.model, {}, scores)
    rows = learned_rows(session, today, zone)
    found = probabilities(latest.model, list(rows.values()))
    return LearnedScores(
        latest.model, rows, {pk: percent(float(p)) for pk, p in zip(rows, found, strict=True)}
    )


def rows_of(
    session: Session,
    learned: LearnedScores,
    today: date,
    zone: ZoneInfo,
    pks: Sequence[int],
    chunk: int = 5_000,
) -> dict[int, tuple[float, ...]]:
    """The feature rows of these accounts (the ones on a list), to word their reasons: as the
    scores came, from the day's stored rows, or worked out now."""
    wanted = [pk for pk in pks if pk in learned.scores]
    found = {pk: learned.rows[pk] for pk in wanted if pk in learned.rows}
    missing = [pk for pk in wanted if pk not in found]
    for start in range(0, len(missing), chunk):
        part = missing[start : start + chunk]
        stored = select(PropensityScore.account_pk, PropensityScore.features).where(
            PropensityScore.day == today, PropensityScore.account_pk.in_(part)
        )
        found.update((pk, tuple(float(x) for x in row)) for pk, row in session.execute(stored))
        left = [pk for pk in part if pk not in found]
        if left:
            found.update(learned_rows(session, today, zone, left))
    return found


def store_day_scores(session: Session, today: date, zone: ZoneInfo, now: datetime) -> int | None:
    """Every open account's learned score for `today`, replacing yesterday's: the number stored,
    or None while no model is adopted. Every feature window ends at the team's midnight, so scores
    stored at the day's first tick are the ones the morning would compute. The running figures are
    brought to today first (bot.propensity.records.figures: the events that entered and left the
    windows since the night before, not a year of them); then a batch of accounts at a time: its
    rows made from its figures and scored, all at once (numpy), and written in bulk (COPY on
    PostgreSQL)."""
    latest = latest_model(session)
    session.execute(delete(PropensityScore))
    if latest is None or not latest.adopted:
        return None
    bring_figures_to(session, today, zone, now)
    stored = 0
    for pks, rows in figures_matrices(session, today, zone):
        scores = percents(probabilities(latest.model, rows))
        _write_scores(session, pks.tolist(), today, latest.version, scores.tolist(), features_json(rows))
        stored += len(pks)
    return stored


def figures_rows(
    session: Session, today: date, zone: ZoneInfo, batch: int = DAY_BATCH
) -> Iterator[tuple[list[int], list[tuple[float, ...]]]]:
    """Today's feature rows of the open accounts from their running figures (as bring_figures_to
    left them for today), `batch` accounts at a time in record id order: what day_rows() sums from
    the events (tests/test_propensity_figures.py)."""
    for pks, rows in figures_matrices(session, today, zone, batch):
        yield pks.tolist(), [tuple(row) for row in rows.tolist()]


def figures_matrices(
    session: Session, today: date, zone: ZoneInfo, batch: int = DAY_BATCH
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """figures_rows() as numpy: the batch's record ids and its rows as a matrix, a row an account."""
    for held in day_figures(session, today, zone, batch):
        counts = held.counts
        rows = summed_rows(
            held.past_due,
            held.balances,
            held.paid_30,
            counts["payments_90"],
            held.since_paid,
            counts["promises_kept"],
            counts["promises_broken"],
            (
                (counts["calls_answered_90"], counts["calls_90"]),
                (counts["texts_answered_90"], counts["texts_90"]),
                (counts["emails_answered_90"], counts["emails_90"]),
            ),
            counts["tried_90"] - counts["answered_90"],
            held.since_talk,
            held.languages,
        )
        yield held.pks, rows


def features_json(rows: np.ndarray) -> list[str]:
    """json.dumps(list(row)) of each row, for finite floats (which every feature is), without the
    encoder's machinery: a million rows a night. Each column's distinct values are written once
    (float.__repr__, as json.dumps writes a float) and the rows joined from them in C."""
    import numpy as np

    columns: list[list[str]] = []
    last = rows.shape[1] - 1
    # By their bits: -0.0 and 0.0 are equal floats but not the same text.
    for column, bits in enumerate(np.ascontiguousarray(rows).view(np.int64).T):
        values, at = np.unique(bits, return_inverse=True)
        texts = [float.__repr__(value) for value in values.view(np.float64).tolist()]
        if column == 0:
            texts = ["[" + text for text in texts]
        if column == last:
            texts = [text + "]" for text in texts]
        columns.append(np.array(texts, dtype=object)[at].tolist())
    return list(map(", ".join, zip(*columns, strict=True)))


def _write_scores(
    session: Session, pks: list[int], day: date, version: int, scores: list[int], features: list[str]
) -> None:
    """The rows as the driver takes them: a million rows through the ORM's per-row typing would
    take longer than working them out. The features are JSON text, as the JSON column stores it."""
    connection = session.connection()
    columns = "account_pk, day, version, score, features"
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        # COPY's text form, each line formatted in C: no value holds a tab, a newline or a backslash.
        text = "".join(map("{}\t{}\t{}\t{}\t{}\n".format, pks, repeat(day.isoformat()), repeat(version),
                           scores, features))  # fmt: skip
        with driver.cursor() as cursor, cursor.copy(f"COPY propensity_scores ({columns}) FROM STDIN") as copy:
            copy.write(text)
        return
    connection.exec_driver_sql(
        f"INSERT INTO propensity_scores ({columns}) VALUES (?, ?, ?, ?, ?)",
        list(zip(pks, repeat(day.isoformat()), repeat(version), scores, features, strict=False)),
    )
