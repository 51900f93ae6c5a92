"""Each account's running figures for the learned propensity (`running_figures`): what the features
sum over the last 30 and 90 days and over all time, brought forward each night from the events that
entered and left the windows since the night before, instead of a year of events summed again.

An event counts on a night when it is known then (its record id at most the night's last of its
table) and falls in that night's window: from the night before to this one, the figures change by
the events whose counting differs, which are the events recorded since (whatever their date: an
import of old history, a payment entered late) and the known events whose date lies between the
two nights' window edges. Those are read through the record ids and the time indexes, a few days of
events, not a year. The first night, a night earlier than the last one, and once a week (the check
of the running sums) the figures are summed in full. tests/test_propensity_figures.py checks, night
after night with events entering and leaving the windows, that they equal a full recount and that
the scores stored from them are the features of today's definitions.

A promise counts as kept or broken once both its making and its resolving are before the night's
midnight; a promise is resolved at the moment it is (its `resolved_at` is then), so a known
promise's resolution is between the nights' edges when it changes its counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from bot.propensity.rules import DAYS_CAP, PAID_DOWN_DAYS, RECENT_DAYS
from bot.vocabulary import CLOSED_STATUSES, RIGHT_PARTY_OUTCOMES, Channel, PromiseStatus
from storage.models import Account, Contact, Payment, Promise, RunningFigures, RunningFiguresNight, table_of
from storage.types import MONEY_SCALE, MONEY_UNITS, money_sum, money_units

if TYPE_CHECKING:
    # numpy loads with the night's first use, not with every process.
    import numpy as np

RECOUNT_DAYS = 7
"""The running figures are summed in full when the last full sum is this many days old: the
weekly check that nothing has drifted (a promise's status changed by hand, an account's currency)."""
BATCH = 20_000
_RIGHT_PARTY = frozenset(str(outcome) for outcome in RIGHT_PARTY_OUTCOMES)
_COUNTED = (str(PromiseStatus.KEPT), str(PromiseStatus.BROKEN))
_CHANNEL_COUNTS = {
    str(Channel.CALL): ("calls_90", "calls_answered_90"),
    str(Channel.SMS): ("texts_90", "texts_answered_90"),
    str(Channel.EMAIL): ("emails_90", "emails_answered_90"),
}


@dataclass(slots=True)
class Figures:
    """One account's running figures (RunningFigures' columns, without the account)."""

    paid_30: Decimal = Decimal(0)
    payments_90: int = 0
    last_paid_at: datetime | None = None
    tried_90: int = 0
    answered_90: int = 0
    calls_90: int = 0
    calls_answered_90: int = 0
    texts_90: int = 0
    texts_answered_90: int = 0
    emails_90: int = 0
    emails_answered_90: int = 0
    last_talk_at: datetime | None = None
    promises_kept: int = 0
    promises_broken: int = 0

    def is_empty(self) -> bool:
        return self == Figures()


FIGURE_NAMES = tuple(f.name for f in fields(Figures))


@dataclass(frozen=True, slots=True)
class Night:
    """A night the figures are brought to: its team day and the last record of each event table."""

    day: date
    payments_upto: int
    contacts_upto: int
    promises_upto: int


@dataclass(frozen=True, slots=True)
class Edges:
    """A night's window edges as UTC instants: the team's midnights of the day, 30 and 90 days before."""

    today: datetime
    paid_down: datetime
    recent: datetime

    @classmethod
    def of(cls, day: date, zone: ZoneInfo) -> Edges:
        return cls(
            midnight(day, 0, zone), midnight(day, PAID_DOWN_DAYS, zone), midnight(day, RECENT_DAYS, zone)
        )


def midnight(day: date, days_before: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(date.fromordinal(max(1, day.toordinal() - days_before)), time(0), zone)


def bring_figures_to(
    session: Session, today: date, zone: ZoneInfo, now: datetime, recount_after: int = RECOUNT_DAYS
) -> bool:
    """The running figures brought to `today`'s midnight: from the last night's by the events that
    changed their counting, or summed in full (the first night, a day before the last one,
    `recount_after` days after the last full sum). True when summed in full."""
    night = Night(today, *_last_records(session))
    last = session.execute(
        select(RunningFiguresNight).order_by(RunningFiguresNight.id.desc()).limit(1)
    ).scalar_one_or_none()
    recounted_on = session.scalar(
        select(func.max(RunningFiguresNight.day)).where(RunningFiguresNight.recounted.is_(True))
    )
    full = (
        last is None
        or recounted_on is None
        or today < last.day
        or (today - recounted_on).days >= recount_after
    )
    if full:
        recount(session, night, zone)
    else:
        assert last is not None
        before = Night(last.day, last.payments_upto, last.contacts_upto, last.promises_upto)
        bring_forward(session, before, night, zone)
    session.add(
        RunningFiguresNight(
            day=today,
            payments_upto=night.payments_upto,
            contacts_upto=night.contacts_upto,
            promises_upto=night.promises_upto,
            recounted=full,
            at=now,
        )
    )
    session.flush()
    return full


def _last_records(session: Session) -> tuple[int, int, int]:
    found = (
        session.connection()
        .execute(
            select(
                select(func.max(Payment.id)).scalar_subquery(),
                select(func.max(Contact.id)).scalar_subquery(),
                select(func.max(Promise.id)).scalar_subquery(),
            )
        )
        .one()
    )
    return (found[0] or 0, found[1] or 0, found[2] or 0)


# --- the full sum ----------------------------------------------------------------------------------


def recount(session: Session, night: Night, zone: ZoneInfo) -> None:
    """Every account's figures summed in full by the database, a batch of accounts at a time (one
    GROUP BY per table through the account indexes), replacing what was held."""
    session.execute(delete(RunningFigures))
    after = 0
    while True:
        listed = (
            session.connection()
            .execute(
                select(Account.id, Account.currency)
                .where(Account.id > after)
                .order_by(Account.id)
                .limit(BATCH)
            )
            .all()
        )
        if not listed:
            return
        counted = counted_figures(session, night, zone, listed)
        _write(session, [(pk, figures) for pk, figures in counted.items() if not figures.is_empty()])
        after = listed[-1][0]


def counted_figures(
    session: Session, night: Night, zone: ZoneInfo, listed: Sequence[Any]
) -> dict[int, Figures]:
    """The figures of these accounts ((record id, currency), in id order) summed from their events."""
    edges = Edges.of(night.day, zone)
    first, last = listed[0][0], listed[-1][0]
    currency_of = dict(listed)
    found = {pk: Figures() for pk in currency_of}
    zero = Decimal(0)
    payments = (
        select(
            Payment.account_pk,
            Payment.currency,
            money_sum(case((Payment.received_at >= edges.paid_down, Payment.amount), else_=zero)),
            func.count(case((Payment.received_at >= edges.recent, 1))),
            func.max(Payment.received_at),
        )
        .where(
            Payment.account_pk.between(first, last),
            Payment.received_at < edges.today,
            Payment.id <= night.payments_upto,
        )
        .group_by(Payment.account_pk, Payment.currency)
    )
    for pk, currency, paid, count, last_at in session.connection().execute(payments):
        figures = found.get(pk)
        if figures is None:
            continue
        if currency == currency_of[pk]:
            figures.paid_30 += paid
        figures.payments_90 += count
        figures.last_paid_at = _later(figures.last_paid_at, last_at)
    contacts = contact_sums(edges.recent).where(
        Contact.account_pk.between(first, last),
        Contact.at < edges.today,
        Contact.id <= night.contacts_upto,
    )
    for pk, channel, tried, answered, talked in session.connection().execute(contacts):
        figures = found.get(pk)
        if figures is None:
            continue
        _add_tries(figures, channel, tried, answered)
        figures.last_talk_at = _later(figures.last_talk_at, talked)
    promises = (
        select(Promise.account_pk, Promise.status, func.count())
        .where(
            Promise.account_pk.between(first, last),
            Promise.made_at < edges.today,
            Promise.resolved_at < edges.today,
            Promise.status.in_(_COUNTED),
            Promise.id <= night.promises_upto,
        )
        .group_by(Promise.account_pk, Promise.status)
    )
    for pk, status, count in session.connection().execute(promises):
        figures = found.get(pk)
        if figures is not None:
            _add_promises(figures, status, count)
    return found


def contact_sums(recent_since: Any) -> Select[int, str, int, int, Any]:
    """Per account and channel: the attempts and the right-party answers since `recent_since`, and
    the last right-party conversation; the caller says which contacts (its WHERE)."""
    right_party = Contact.outcome.in_(sorted(_RIGHT_PARTY))
    recent = Contact.at >= recent_since
    return select(
        Contact.account_pk,
        Contact.channel,
        func.count(case((recent, 1))),
        func.count(case((and_(recent, right_party), 1))),
        func.max(case((right_party, Contact.at))),
    ).group_by(Contact.account_pk, Contact.channel)


# --- from one night to the next --------------------------------------------------------------------


def bring_forward(session: Session, before: Night, night: Night, zone: ZoneInfo) -> None:
    """The figures changed by the events whose counting differs between the two nights: each
    table's changes summed by account and added to the figures held by the database itself, one
    INSERT … SELECT … ON CONFLICT DO UPDATE a table (no figure comes through Python)."""
    was, now = Edges.of(before.day, zone), Edges.of(night.day, zone)
    _add(session, _payment_changes(before, night, was, now), ("paid_30", "payments_90"), "last_paid_at")
    _add(session, _contact_changes(before, night, was, now), _TRIES, "last_talk_at")
    _add(session, _promise_changes(before, night, was, now), ("promises_kept", "promises_broken"), None)


_TRIES = ("tried_90", "answered_90", *(name for names in _CHANNEL_COUNTS.values() for name in names))
"""The figures _contact_changes() sums, in its order."""


def _moved(
    record_id: Any,
    before_upto: int,
    upto: int,
    columns: Sequence[Any],
    ranges: Iterable[tuple[datetime, datetime]],
) -> list[Any]:
    """The WHERE of each read of the events whose counting may differ: those recorded since the night
    before, and the known ones with an instant (any of `columns`) in one of the ranges between the
    two nights' edges; each read through its index (the record ids, the time), none repeating an
    earlier one's events."""
    reads = [and_(record_id > before_upto, record_id <= upto)]
    earlier: list[Any] = []
    for low, high in _merged(ranges):
        within = or_(*(and_(column >= low, column < high) for column in columns))
        reads.append(and_(record_id <= before_upto, record_id <= upto, within, *(not_(e) for e in earlier)))
        earlier.append(within)
    return reads


def _merged(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The ranges (empty ones left out) as disjoint ones: two nights far apart have overlapping ranges."""
    found: list[tuple[datetime, datetime]] = []
    for low, high in sorted((low, high) for low, high in ranges if low < high):
        if found and low <= found[-1][1]:
            found[-1] = (found[-1][0], max(found[-1][1], high))
        else:
            found.append((low, high))
    return found


def _counted(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _payment_changes(before: Night, night: Night, was: Edges, now: Edges) -> Select[*tuple[Any, ...]]:
    moved = [(was.paid_down, now.paid_down), (was.recent, now.recent), (was.today, now.today)]
    events = union_all(
        *(
            select(
                Payment.id, Payment.account_pk, Payment.received_at, Payment.amount, Payment.currency
            ).where(where)
            for where in _moved(
                Payment.id, before.payments_upto, night.payments_upto, [Payment.received_at], moved
            )
        )
    ).subquery()
    at, known = events.c.received_at, events.c.id <= before.payments_upto
    # Only the amounts in the account's own currency are added to its money.
    own = events.c.currency == Account.currency
    step_30 = _counted(and_(at >= now.paid_down, at < now.today)) - _counted(
        and_(known, at >= was.paid_down, at < was.today)
    )
    step_90 = _counted(and_(at >= now.recent, at < now.today)) - _counted(
        and_(known, at >= was.recent, at < was.today)
    )
    zero = literal(Decimal(0), Payment.amount.type)
    return (
        select(
            events.c.account_pk,
            money_sum(case((own, events.c.amount * step_30), else_=zero)),
            func.sum(step_90),
            func.max(case((at < now.today, at))),
        )
        .join(Account, Account.id == events.c.account_pk)
        .group_by(events.c.account_pk)
    )


def _contact_changes(before: Night, night: Night, was: Edges, now: Edges) -> Select[*tuple[Any, ...]]:
    moved = [(was.recent, now.recent), (was.today, now.today)]
    events = union_all(
        *(
            select(Contact.id, Contact.account_pk, Contact.at, Contact.channel, Contact.outcome).where(where)
            for where in _moved(Contact.id, before.contacts_upto, night.contacts_upto, [Contact.at], moved)
        )
    ).subquery()
    at, known = events.c.at, events.c.id <= before.contacts_upto
    step = _counted(and_(at >= now.recent, at < now.today)) - _counted(
        and_(known, at >= was.recent, at < was.today)
    )
    talked = events.c.outcome.in_(sorted(_RIGHT_PARTY))
    sums = [func.sum(step), func.sum(case((talked, step), else_=0))]
    for channel in _CHANNEL_COUNTS:
        ours = events.c.channel == channel
        sums += [func.sum(case((ours, step), else_=0)), func.sum(case((and_(ours, talked), step), else_=0))]
    return select(events.c.account_pk, *sums, func.max(case((and_(talked, at < now.today), at)))).group_by(
        events.c.account_pk
    )


def _promise_changes(before: Night, night: Night, was: Edges, now: Edges) -> Select[*tuple[Any, ...]]:
    moved = [(was.today, now.today)]
    events = union_all(
        *(
            select(
                Promise.id, Promise.account_pk, Promise.made_at, Promise.resolved_at, Promise.status
            ).where(where, Promise.status.in_(_COUNTED), Promise.resolved_at.is_not(None))
            for where in _moved(
                Promise.id,
                before.promises_upto,
                night.promises_upto,
                [Promise.made_at, Promise.resolved_at],
                moved,
            )
        )
    ).subquery()
    made_at, resolved_at = events.c.made_at, events.c.resolved_at
    # A promise counts once both its making and its resolving are before the night's midnight.
    step = _counted(and_(made_at < now.today, resolved_at < now.today)) - _counted(
        and_(events.c.id <= before.promises_upto, made_at < was.today, resolved_at < was.today)
    )
    return select(
        events.c.account_pk,
        func.sum(case((events.c.status == str(PromiseStatus.KEPT), step), else_=0)),
        func.sum(case((events.c.status == str(PromiseStatus.BROKEN), step), else_=0)),
    ).group_by(events.c.account_pk)


def _add(
    session: Session, changes: Select[*tuple[Any, ...]], summed: Sequence[str], latest: str | None
) -> None:
    """The changes (the account, the `summed` figures' changes, the `latest` instant seen) added to
    the figures held; an account without a row gets one, from every figure zero."""
    table = table_of(RunningFigures)
    zero = {name: _nothing(name) for name in FIGURE_NAMES if name not in summed and name != latest}
    named = [*summed, *([latest] if latest is not None else []), *zero]
    rows = changes.add_columns(*zero.values())
    upsert = _insert(session, table).from_select(["account_pk", *named], rows)
    held, seen = table.c, upsert.excluded
    values: dict[str, Any] = {name: held[name] + seen[name] for name in summed}
    if latest is not None:
        later = and_(seen[latest].is_not(None), or_(held[latest].is_(None), seen[latest] > held[latest]))
        values[latest] = case((later, seen[latest]), else_=held[latest])
    session.execute(upsert.on_conflict_do_update(index_elements=[held.account_pk], set_=values))


def _insert(session: Session, table: Any) -> Any:
    # Imported here: each dialect's module loads every driver it ships for (tests/test_startup_imports.py).
    if session.connection().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def _nothing(name: str) -> Any:
    """The figure's value while nothing is counted."""
    column = getattr(RunningFigures, name)
    return literal(Decimal(0) if name == "paid_30" else None if name in _MOMENTS else 0, column.type)


_MOMENTS = ("last_paid_at", "last_talk_at")


def _add_tries(figures: Figures, channel: str, tried: int, answered: int) -> None:
    figures.tried_90 += tried
    figures.answered_90 += answered
    names = _CHANNEL_COUNTS.get(channel)
    if names is not None:
        setattr(figures, names[0], getattr(figures, names[0]) + tried)
        setattr(figures, names[1], getattr(figures, names[1]) + answered)


def _add_promises(figures: Figures, status: str, count: int) -> None:
    if status == PromiseStatus.KEPT:
        figures.promises_kept += count
    elif status == PromiseStatus.BROKEN:
        figures.promises_broken += count


def _later(held: datetime | None, seen: datetime | None) -> datetime | None:
    if seen is None:
        return held
    return seen if held is None or seen > held else held


def _write(session: Session, added: list[tuple[int, Figures]]) -> None:
    """The rows inserted with one statement run for them all."""
    if added:
        session.execute(
            insert(table_of(RunningFigures)),
            [
                {"account_pk": pk, **{name: getattr(figures, name) for name in FIGURE_NAMES}}
                for pk, figures in added
            ],
        )


# --- the day's rows from the figures ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayFigures:
    """A batch of open accounts' running figures as today's rows take them: numpy columns, an entry
    an account, in record id order (an account without a row has every figure zero)."""

    pks: np.ndarray
    past_due: np.ndarray
    """Days from the due date to today (negative before it)."""
    balances: np.ndarray
    """float(balance + what was paid from today's midnight on in its own currency), as features()."""
    paid_30: np.ndarray
    """float(paid_30)."""
    counts: dict[str, np.ndarray]
    """Each counted figure (FIGURE_NAMES but the money and the instants)."""
    since_paid: np.ndarray
    since_talk: np.ndarray
    """Team days since the last payment and conversation, at most DAYS_CAP (days_since_stamps)."""
    languages: list[str | None]


_COUNTS = tuple(name for name in FIGURE_NAMES if name != "paid_30" and name not in _MOMENTS)
_NEVER = -(2**62)
"""An instant before any midnight, for none: the days since it are DAYS_CAP, as for None."""


def day_figures(session: Session, today: date, zone: ZoneInfo, batch: int = BATCH) -> Iterator[DayFigures]:
    """The open accounts owing something, a batch at a time in record id order, with their running
    figures (as bring_figures_to left them for today) and what each paid from today's midnight on
    in its own currency (added back to the balance, as the features do). Every value comes as an
    integer (money in ten-thousandths, days, seconds since 1970) straight into numpy: no Decimal,
    date or datetime built for an account."""
    import numpy as np

    edges = Edges.of(today, zone)
    figures = RunningFigures
    accounts = (
        select(
            Account.id,
            _epoch_days(session, Account.due_date),
            money_units(Account.balance),
            func.coalesce(money_units(figures.paid_30), 0),
            *(func.coalesce(getattr(figures, name), 0) for name in _COUNTS),
            func.coalesce(_seconds(session, figures.last_paid_at), _NEVER),
            func.coalesce(_seconds(session, figures.last_talk_at), _NEVER),
            Account.currency,
            Account.language,
        )
        .outerjoin(figures, figures.account_pk == Account.id)
        .where(and_(Account.status.not_in([str(s) for s in CLOSED_STATUSES]), Account.balance > Decimal(0)))
        .order_by(Account.id)
    )
    today_day = (today - _EPOCH).days
    whole = 4 + len(_COUNTS) + 2
    after: int | None = None
    while True:
        page = accounts.limit(batch) if after is None else accounts.where(Account.id > after).limit(batch)
        found = stored_rows(session, page)
        if not found:
            return
        columns = list(zip(*found, strict=True))
        numbers = np.array(columns[:whole], dtype=np.int64)
        pks, due_days, balances = numbers[0], numbers[1], numbers[2]
        paid = (
            select(Payment.account_pk, Payment.currency, money_sum(Payment.amount))
            .where(Payment.account_pk.between(found[0][0], found[-1][0]), Payment.received_at >= edges.today)
            .group_by(Payment.account_pk, Payment.currency)
        )
        currency_of = dict(zip(columns[0], columns[whole], strict=True))
        for pk, currency, amount in session.connection().execute(paid):
            if currency_of.get(pk) == currency:  # a few rows: the payments of the night so far
                balances[np.searchsorted(pks, pk)] += int(amount.scaleb(MONEY_SCALE))
        yield DayFigures(
            pks=pks,
            past_due=today_day - due_days,
            balances=money_floats(balances),
            paid_30=money_floats(numbers[3]),
            counts={name: numbers[4 + n] for n, name in enumerate(_COUNTS)},
            since_paid=days_since_stamps(numbers[whole - 2], today, zone),
            since_talk=days_since_stamps(numbers[whole - 1], today, zone),
            languages=list(columns[whole + 1]),
        )
        after = found[-1][0]


def stored_rows(session: Session, query: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """The rows as the driver gives them, the stored values as they are (a date is SQLite's text):
    SQLAlchemy's rows and column types would cost as much as the read itself on a million rows."""
    result = session.connection().execute(query)
    try:
        found: Sequence[Any] = result.cursor.fetchall()
    finally:
        result.close()
    return found


_EPOCH = date(1970, 1, 1)
_EXACT = 2**53
"""Integers below this are exact as floats."""


def money_floats(units: np.ndarray) -> np.ndarray:
    """Amounts in ten-thousandths as float(Decimal amount) gives them: both are the float nearest to
    the amount (the division of two exact floats is rounded once, as the Decimal's conversion is)."""
    import numpy as np

    found: np.ndarray = units / float(MONEY_UNITS)
    for at in np.flatnonzero(np.abs(units) >= _EXACT).tolist():  # beyond a float's exact integers
        found[at] = float(Decimal(int(units[at])).scaleb(-MONEY_SCALE))
    return found


def _epoch_days(session: Session, column: Any) -> Any:
    """The date as days since 1970-01-01."""
    if session.connection().dialect.name == "sqlite":
        return cast(func.julianday(column) - 2440587.5, BigInteger)
    return column - literal(_EPOCH)


def _seconds(session: Session, column: Any) -> Any:
    """The instant as whole seconds since 1970, UTC (the fraction dropped: the team's midnights are
    whole seconds, so the days since are the same)."""
    if session.connection().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(extract("epoch", column)), BigInteger)


def days_since_each(moments: list[datetime | None], today: date, zone: ZoneInfo) -> list[int]:
    """Each moment's team days before `today`, at most DAYS_CAP (and DAYS_CAP for None): the moments
    placed among the team's last midnights, which is local_day() for every one without a zone
    conversion each."""
    days: list[int] = days_since_stamps(
        [m.timestamp() if m is not None else None for m in moments], today, zone
    ).tolist()
    return days


def days_since_stamps(stamps: Sequence[float | None] | np.ndarray, today: date, zone: ZoneInfo) -> np.ndarray:
    """days_since_each() of moments given as seconds since 1970 (None: none)."""
    import numpy as np

    midnights = np.array(
        [
            datetime.combine(date.fromordinal(max(1, today.toordinal() - back)), time(0), zone).timestamp()
            for back in range(DAYS_CAP, -1, -1)
        ]
    )
    at = np.array(stamps, dtype=np.float64)  # None is NaN: no moment, before every midnight
    at[np.isnan(at)] = -np.inf
    # The number of midnights up to the moment: DAYS_CAP + 1 on today, 0 before the oldest.
    passed = np.searchsorted(midnights, at, side="right")
    days: np.ndarray = np.minimum(DAYS_CAP + 1 - passed, DAYS_CAP)
    return days
