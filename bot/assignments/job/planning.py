"""The morning run: read every open account once, leave off those that may not be contacted,
score the rest, and allocate them to the agents at work today."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Dialect, Result, Row, Select, Subquery, and_, func, null, select
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from bot.access import is_front_line, may_be_given_accounts, takes_high_value_accounts
from bot.assignments.model import NamedAccounts
from bot.assignments.rules.allocation import AgentSlot, Allocation, CandidateFields, allocate
from bot.assignments.rules.scoring import AccountFacts, DayScorer
from bot.calendar import local_day
from bot.compliance.rules.contact_limits import ContactHistory, call_block, hold_block
from bot.job_faults import RowRef, SkippedRows
from bot.propensity.model import LearnedScores
from bot.propensity.records import learned_scores, rows_of
from bot.settings import Settings
from bot.strategy.records import challengers_drawn, strategy_in_force
from bot.strategy.rules import CADENCE_RULE, DayTreatments, too_soon
from bot.vocabulary import CLOSED_STATUSES, RIGHT_PARTY_OUTCOMES, Channel, PromiseStatus
from storage.models import Absence, Account, Agent, Contact, Promise
from storage.types import MONEY_SCALE, MONEY_UNITS, instant_as_stored, money_units

SENIOR_TIER = "senior"


@dataclass
class DayPlan:
    work_date: date
    allocation: Allocation
    agents: dict[str, Agent]
    away: tuple[str, ...]
    left_off: Counter[str] = field(default_factory=Counter)
    seniors_at_work: bool = True
    """Whether anyone allowed high-value accounts works a list today."""
    learned: LearnedScores | None = None
    """The learned propensity, when its latest training beat the rule score (bot/propensity)."""


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def _open_promises() -> Subquery:
    """Each account's next open promise (a plan has one per instalment: only the earliest counts),
    so that the morning run reads one row per account."""
    order = func.row_number().over(partition_by=Promise.account_pk, order_by=(Promise.due_date, Promise.id))
    ranked = (
        select(Promise.account_pk, Promise.amount, Promise.due_date, order.label("nth"))
        .where(Promise.status == PromiseStatus.OPEN)
        .subquery("open_promises")
    )
    return (
        select(ranked.c.account_pk, ranked.c.amount, ranked.c.due_date)
        .where(ranked.c.nth == 1)
        .subquery("open_promise")
    )


def facts_query(*, product: bool = False) -> Select[*tuple[Any, ...]]:
    """One row per open account, with its open promise: the columns the scorer reads, and the
    product last. The morning's read of the whole portfolio asks for the product only when a
    strategy rule reads it (`product=False`: a NULL in its place, which costs the database
    nothing and keeps the row's shape)."""
    return _open_accounts(
        lambda promise: (
            Account.id,
            Account.account_id,
            Account.currency,
            Account.balance,
            Account.original_amount,
            Account.due_date,
            Account.assigned_to,
            Account.language,
            Account.risk_score,
            Account.last_contact_at,
            Account.last_conversation_at,
            Account.callback_on,
            promise.c.amount,
            promise.c.due_date,
            Account.status,
            Account.hold_reason,
            Account.product if product else null().label("product"),
        )
    )


def scoring_query(*, product: bool = False) -> Select[*tuple[Any, ...]]:
    """facts_query()'s columns that the morning's scoring reads, in the order _candidates() takes
    them, with money as whole ten-thousandths (storage.types.money_units): read raw through the
    driver, a million rows at a time, without a Decimal or a datetime built per value. The product
    last, read only when a strategy rule reads it (as in facts_query())."""
    return _open_accounts(
        lambda promise: (
            Account.id,
            Account.account_id,
            Account.currency,
            money_units(Account.balance),
            money_units(Account.original_amount),
            Account.due_date,
            Account.assigned_to,
            Account.language,
            Account.risk_score,
            instant_as_stored(Account.last_contact_at),
            instant_as_stored(Account.last_conversation_at),
            Account.callback_on,
            promise.c.due_date,
            Account.status,
            Account.hold_reason,
            Account.product if product else null().label("product"),
        )
    )


def _open_accounts(columns: Callable[[Subquery], tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """The open accounts owing something, each with its open promise (if any) as `promise`."""
    promise = _open_promises()
    return (
        select(*columns(promise))
        .outerjoin(promise, promise.c.account_pk == Account.id)
        .where(and_(Account.status.not_in([str(s) for s in CLOSED_STATUSES]), Account.balance > Decimal(0)))
    )


def _driver_rows(
    session: Session, query: Select[*tuple[Any, ...]], batch: int = 20_000
) -> Iterator[tuple[Any, ...]]:
    """The rows of a large read as the driver gives them (plain tuples of the stored values),
    streamed in the session's transaction: SQLAlchemy's result rows and column types cost as much
    again as the read itself on a million rows. The values are decoded by StoredValues."""
    connection = session.connection()
    statement = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    assert driver is not None
    # A server-side cursor on PostgreSQL, so that the million rows are never all in memory at once.
    cursor = driver.cursor() if connection.dialect.name == "sqlite" else driver.cursor(name="morning_facts")
    try:
        cursor.execute(statement)
        while found := cursor.fetchmany(batch):
            yield from found
    finally:
        cursor.close()


K = TypeVar("K")
V = TypeVar("V")


class _Memo(dict[K, V]):
    """A conversion by the value it converts, each worked out when first looked up."""

    def __init__(self, convert: Callable[[K], V]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value: K) -> V:
        found = self[value] = self.convert(value)
        return found


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = timedelta(hours=1)
_HOUR_MICROSECONDS = 3_600_000_000
# SQLAlchemy's storage format of an instant on SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff', naive UTC.
_SQLITE_INSTANT_LENGTH = 26


class StoredValues:
    """The driver's values of scoring_query() decoded as the column types would (the same dates
    and instants), each distinct value once: a million accounts share a few hundred due dates, and
    an instant is wanted only as its day in the team's zone, which is the same for every instant
    of one UTC hour unless a local midnight or an offset change falls within it."""

    def __init__(self, dialect: Dialect, zone: ZoneInfo) -> None:
        self.zone = zone
        to_date = _processor(Account.__table__.c.due_date.type, dialect)
        self.dates: _Memo[Any, date | None] = _Memo(lambda raw: to_date(raw) if to_date else raw)
        self.dates[None] = None
        self.to_instant = _processor(Account.__table__.c.last_contact_at.type, dialect)
        self.hours: dict[str | int, date | None] = {}

    def local_day(self, raw: str | int | None) -> date | None:
        """The team's day of an instant as storage.types.instant_as_stored reads it: SQLite's
        text, or PostgreSQL's microseconds since 1970 UTC."""
        if raw is None:
            return None
        key: str | int
        if isinstance(raw, str):
            if len(raw) != _SQLITE_INSTANT_LENGTH or raw[10] != " ":
                return self._exactly(raw)
            datetime.fromisoformat(raw)  # refused as the column type refuses it
            key = raw[:13]
        else:
            key = raw // _HOUR_MICROSECONDS
        try:
            day = self.hours[key]
        except KeyError:
            day = self.hours[key] = self._day_of_hour(key)
        return day if day is not None else self._exactly(raw)

    def _exactly(self, raw: str | int) -> date:
        if isinstance(raw, int):
            return local_day(_EPOCH + timedelta(microseconds=raw), self.zone)
        assert self.to_instant is not None  # text is decoded by the column type (SQLite)
        instant: datetime = self.to_instant(raw)
        return local_day(instant, self.zone)

    def _day_of_hour(self, key: str | int) -> date | None:
        """The day of every instant of this UTC hour, or None when it has two."""
        try:
            if isinstance(key, str):
                start = datetime.fromisoformat(f"{key}:00:00").replace(tzinfo=UTC)
            else:
                start = _EPOCH + key * _HOUR
            end = start + (_HOUR - timedelta(microseconds=1))
            first, last = start.astimezone(self.zone), end.astimezone(self.zone)
        except OverflowError:  # the calendar's edge: each instant on its own
            return None
        # One offset all hour (no change in it), so its local times run on: one day at both ends, one day.
        same = first.utcoffset() == last.utcoffset() and first.date() == last.date()
        return first.date() if same else None


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What the engine applies to this column's driver values on this database (None: nothing)."""
    return column_type.dialect_impl(dialect).result_processor(dialect, None)


def _local_day(at: datetime | None, zone: ZoneInfo) -> date | None:
    return local_day(at, zone) if at is not None else None


def contact_zones_of(
    session: Session, pks: list[int], chunk: int = 5_000
) -> dict[int, tuple[str | None, str | None]]:
    """The customer's zone and phone (the contact rules' hours) of these accounts only, the ones
    that made a list: read apart from facts_query(), which runs over the whole portfolio."""
    found: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(pks), chunk):
        query = select(Account.id, Account.customer_timezone, Account.phone).where(
            Account.id.in_(pks[start : start + chunk])
        )
        found.update((pk, (zone, phone)) for pk, zone, phone in session.execute(query))
    return found


def facts_of(session: Session, pks: list[int], zone: ZoneInfo, chunk: int = 5_000) -> Iterator[AccountFacts]:
    """The facts of these accounts only (the ones that made a list), read in chunks."""
    for start in range(0, len(pks), chunk):
        for row in session.execute(
            facts_query(product=True).where(Account.id.in_(pks[start : start + chunk]))
        ):
            yield _facts(row, zone)


def _facts(row: Row[*tuple[Any, ...]], zone: ZoneInfo) -> AccountFacts:
    return AccountFacts(
        pk=row[0],
        account_id=row[1],
        currency=row[2],
        balance=row[3],
        original_amount=row[4],
        due_date=row[5],
        assigned_to=row[6],
        language=row[7],
        risk_score=row[8],
        last_contact_on=_local_day(row[9], zone),
        last_conversation_on=_local_day(row[10], zone),
        callback_on=row[11],
        promise_amount=row[12],
        promise_due=row[13],
        product=row[16],
    )


def recent_calls(
    session: Session, today: date, zone: ZoneInfo, skipped: SkippedRows, leaving_out: Sequence[int] = ()
) -> tuple[dict[int, ContactHistory], list[int]]:
    """Calls in the last 7 days per account (only recent rows are read, through the index on `at`),
    and the accounts with a call that could not be counted: those are left out of the day, as
    their call history is not known (the call-frequency rules could not be checked)."""
    since = _local_midnight(today - timedelta(days=6), zone)
    query = select(Contact.account_pk, instant_as_stored(Contact.at), Contact.outcome).where(
        Contact.channel == Channel.CALL, Contact.at >= since
    )
    if leaving_out:
        query = query.where(Contact.account_pk.not_in(leaving_out))
    days: dict[int, list[date]] = defaultdict(list)
    conversations: dict[int, date] = {}

    day_of = StoredValues(session.connection().dialect, zone).local_day

    def count(row: Row[*tuple[Any, ...]]) -> None:
        account_pk, at, outcome = row
        day = day_of(at)
        assert day is not None  # a NOT NULL column
        days[account_pk].append(day)
        if outcome in RIGHT_PARTY_OUTCOMES:  # a conversation, whatever came of it (Reg F)
            conversations[account_pk] = max(day, conversations.get(account_pk, day))

    def ref(row: Row[*tuple[Any, ...]]) -> RowRef:
        return _account_ref_of(session, row[0], "a call on")

    faulty = [row[0] for row in skipped.at_fault(_core_rows(session, query), count, ref)]
    calls = {pk: ContactHistory(tuple(found), conversations.get(pk)) for pk, found in days.items()}
    return calls, faulty


def _account_ref_of(session: Session, pk: int, what: str) -> RowRef:
    """A skipped row of one account's, named by the account's id (looked up: on the fault path only)."""
    account_id = session.scalar(select(Account.account_id).where(Account.id == pk))
    named = f"account {account_id}" if account_id else f"account record {pk}"
    return RowRef(f"{what} {named}" if what else named, account_id)


def unreadable_accounts(session: Session, today: date, zone: ZoneInfo, skipped: SkippedRows) -> list[int]:
    """The accounts whose row (with its open promise and recent calls) cannot be read, found by
    halving the portfolio's ids after the morning's read failed as a whole."""
    since = _local_midnight(today - timedelta(days=6), zone)

    def read(first: int, last: int) -> None:
        # In a savepoint: on PostgreSQL a read the server refuses (a NaN balance cannot be cast to
        # ten-thousandths) spoils the transaction for the reads after it.
        with session.begin_nested():
            for _row in _core_rows(session, facts_query().where(Account.id.between(first, last))):
                pass
            for _raw in _driver_rows(session, scoring_query().where(Account.id.between(first, last))):
                pass
            calls = select(Contact.at).where(
                Contact.account_pk.between(first, last), Contact.channel == Channel.CALL, Contact.at >= since
            )
            for _row in _core_rows(session, calls):
                pass

    ids = list(session.scalars(select(Account.id).order_by(Account.id)))
    return skipped.unreadable(ids, read, lambda pk: _account_ref_of(session, pk, ""))


def _core_rows(session: Session, query: Select[*tuple[Any, ...]]) -> Result[*tuple[Any, ...]]:
    """The rows of a large read, streamed through the session's connection: session.execute()
    would have the ORM copy every row once more, which doubles the time to read a million."""
    return session.connection().execute(query.execution_options(yield_per=20_000))


def working_agents(
    session: Session, today: date, default_capacity: int
) -> tuple[dict[str, Agent], list[AgentSlot], list[str]]:
    """Who works a list today: active agents (and supervisors given a capacity), less those away."""
    away = set(
        session.scalars(select(Absence.agent).where(Absence.starts_on <= today, Absence.ends_on >= today))
    )
    members = {a.slack_user_id: a for a in session.scalars(select(Agent).where(Agent.active.is_(True)))}
    slots = []
    for agent in members.values():
        # may_be_given_accounts: the same rule as `/collect assign`, so no list goes to a role
        # that may not work what is on it.
        if (
            agent.slack_user_id in away
            or not _works_a_list(agent)
            or not may_be_given_accounts(agent.role, agent.active)
        ):
            continue
        capacity = agent.daily_capacity if agent.daily_capacity is not None else default_capacity
        slots.append(
            AgentSlot(
                slack_user_id=agent.slack_user_id,
                capacity=capacity,
                languages=frozenset(lang for lang in agent.languages.lower().split(";") if lang),
                takes_high_value=takes_high_value_accounts(agent.role, senior=agent.tier == SENIOR_TIER),
            )
        )
    return members, slots, sorted(away & members.keys())


def _works_a_list(agent: Agent) -> bool:
    return is_front_line(agent.role) or bool(agent.daily_capacity)


def plan_day(
    session: Session,
    today: date,
    settings: Settings,
    skipped: SkippedRows | None = None,
    leaving_out: Sequence[int] = (),
) -> DayPlan:
    """`skipped` collects the accounts whose row could not be scored: they are left out of the
    day's plan, and everyone else's accounts are planned. `leaving_out` are accounts known to be
    unreadable (unreadable_accounts)."""
    zone = settings.zone
    skipped = skipped if skipped is not None else SkippedRows(PLANNING)
    members, slots, away = working_agents(session, today, settings.default_daily_capacity)
    calls, unknown_calls = recent_calls(session, today, zone, skipped, leaving_out)
    left_off: Counter[str] = Counter()
    learned = _learned(session, today, settings, skipped)
    candidates = list(
        _candidates(
            session, today, settings, calls, left_off, skipped, [*leaving_out, *unknown_calls],
            learned.scores if learned is not None else None,
        )
    )  # fmt: skip
    allocation = allocate(candidates, slots)
    if learned is not None:
        # Only the listed accounts' rows are worded later: the rest need not outlive the scoring.
        placed = sorted(candidate.pk for found in allocation.lists.values() for candidate in found)
        rows: dict[int, tuple[float, ...]] = {}
        with skipped.row(LEARNED_ROWS), session.begin_nested():
            rows = rows_of(session, learned, today, zone, placed)
        learned = LearnedScores(learned.model, rows, learned.scores)
    return DayPlan(
        work_date=today,
        allocation=allocation,
        agents=members,
        away=tuple(away),
        left_off=left_off,
        seniors_at_work=any(slot.takes_high_value and slot.capacity > 0 for slot in slots),
        learned=learned,
    )


LEARNED = RowRef("the learned propensity scores (the rule score ranks today)")
LEARNED_ROWS = RowRef("the learned propensity's words (the rule score's words today)")


def _learned(session: Session, today: date, settings: Settings, skipped: SkippedRows) -> LearnedScores | None:
    """The adopted learned scores, when the propensity part counts at all; a fault reading them (a
    value only a direct write could leave) leaves the day on the rule score, told, rather than
    stopping the morning for everyone. In a savepoint, so that PostgreSQL goes on after it."""
    if settings.score_weights.propensity <= 0:
        return None
    with skipped.row(LEARNED), session.begin_nested():
        return learned_scores(session, today, settings.zone)
    return None


SUMMARY_ACCOUNT_IDS = 20
"""High-value accounts named one by one in the supervisors' summary; the rest are counted."""


def named_accounts(session: Session, pks: Sequence[int], most: int = SUMMARY_ACCOUNT_IDS) -> NamedAccounts:
    """These accounts counted, and the first `most` of them by account id, in the order given."""
    wanted = list(pks[:most])
    if not wanted:
        return NamedAccounts(len(pks))
    rows = session.execute(select(Account.id, Account.account_id).where(Account.id.in_(wanted)))
    found: dict[int, str] = dict(rows.all())
    return NamedAccounts(len(pks), tuple(found[pk] for pk in wanted if pk in found))


PLANNING = "daily-assignments"


def _candidates(
    session: Session,
    today: date,
    settings: Settings,
    calls: dict[int, ContactHistory],
    left_off: Counter[str],
    skipped: SkippedRows,
    leaving_out: Sequence[int] = (),
    learned: dict[int, int] | None = None,
) -> Iterator[CandidateFields]:
    """Every open account that may be contacted today, scored. Runs once per open account, so it
    works on the row's plain values rather than building an AccountFacts for each; a row whose
    values cannot be scored is skipped (and told) instead of stopping the morning for everyone.
    `learned`: the learned propensity by account, in place of the billing system's risk score (an
    int 0-100 like it, so the scorer's memo still holds a hundred values at most); a segment's score
    band reads the score in use."""
    zone = settings.zone
    thresholds: dict[str, Decimal] = {}  # in ten-thousandths, as the balances are read
    strategy = strategy_in_force(session, settings)
    grace = settings.promise_grace_days
    # One scorer per treatment, each memoising its parts (the shipped strategy has one).
    scorers = {
        name: DayScorer(today, treatment.weights, grace) for name, treatment in settings.treatments.items()
    }
    only = scorers[strategy.fallback.name]
    # Everyone one treatment and no test running (the shipped strategy): no per-account question.
    treatments = (
        None if strategy.trivial else DayTreatments(strategy, today, challengers_drawn(session, strategy))
    )

    decode = StoredValues(session.connection().dialect, zone)
    dates, local_day_of = decode.dates, decode.local_day
    units = MONEY_UNITS
    strings: dict[str | None, str | None] = {}  # agents' ids and languages: a few hundred
    shared = strings.setdefault
    calls_of = calls.get

    def candidate(row: tuple[Any, ...]) -> CandidateFields | None:
        # In scoring_query()'s order: money in ten-thousandths, dates and instants as stored.
        (pk, _account_id, currency, balance, original_amount, due_raw, assigned_to, language, risk_score,
         last_contact_at, last_conversation_at, callback_raw, promise_raw, status, hold_reason, product) = row  # fmt: skip
        # Held, or a call today would break the call rules. Written out rather than in a function
        # of its own (and a missing instant not looked up): on a million rows, calls of Python
        # functions are much of the time left.
        blocked = hold_block(status, hold_reason)
        if blocked is None and (history := calls_of(pk)) is not None:
            blocked = call_block(history, today)
        if blocked is not None:
            left_off[blocked.rule] += 1
            return None
        due_date = dates[due_raw]
        assert due_date is not None  # a NOT NULL column
        last_contact_on = None if last_contact_at is None else local_day_of(last_contact_at)
        score_in_use = risk_score if learned is None else learned.get(pk, risk_score)
        scorer = only
        if treatments is not None:
            amount = Decimal(balance).scaleb(-MONEY_SCALE)
            treatment = treatments.treatment(pk, due_date, amount, currency, score_in_use, language, product)
            if treatment.cadence_days and too_soon(treatment, last_contact_on, today):
                left_off[CADENCE_RULE] += 1
                return None
            scorer = scorers[treatment.name]
        threshold = thresholds.get(currency) or thresholds.setdefault(
            currency, settings.high_value_for(currency) * units
        )
        points = scorer.score_units(
            balance,
            original_amount,
            units,
            due_date,
            dates[promise_raw],
            dates[callback_raw],
            last_contact_on,
            None if last_conversation_at is None else local_day_of(last_conversation_at),
            score_in_use,
        )
        # A plain tuple, not a Candidate: see CandidateFields. The driver gives each row its own
        # copy of the agent's id and the language: one shared string each holds a million rows
        # in about 100 MB less.
        return (
            pk,
            points,
            shared(assigned_to, assigned_to),
            shared(language, language),
            balance >= threshold,
        )

    query = scoring_query(product=treatments is not None and treatments.chooser.by_product)
    if leaving_out:
        query = query.where(Account.id.not_in(leaving_out))
    return skipped.each(_driver_rows(session, query), candidate, account_ref)


def account_ref(row: Row[*tuple[Any, ...]] | tuple[Any, ...]) -> RowRef:
    """A facts_query() or scoring_query() row as a skipped row: its account id."""
    return RowRef(f"account {row[1]}", row[1])
