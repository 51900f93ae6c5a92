"""The KPI formulas of DOMAIN.md ("The numbers") as plain functions over plain data.

No SQL and no Slack here: callers load facts into the dataclasses below and show the results.
Conventions every function keeps:

- Money is `Decimal` and every money result is per currency (`dict[currency, Decimal]`): two
  currencies are never added together.
- A ratio is the exact quotient as a `Decimal` (to the context's 28 digits), or `None` when its
  denominator is 0; the caller shows `None` as "n/a", never as 0. Nothing here rounds a ratio: a
  renderer rounds once, for display (rounding to 4 places first showed 18/95 as 19.0%, not 18.9%).
- A `Period` is half-open [start, end) between aware instants. `period_for` builds the team's
  day, week or month from local midnights, so "which day" is always the team's day, not UTC's.
- A balance at or below zero owes nothing (the account is paid), so a credit balance never offsets
  what another account owes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import count, pairwise
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from bot.aging import AgingBucket, aging_bucket
from bot.calendar import add_days, add_months, local_day, start_of_day
from bot.currency import Money, quantum
from bot.vocabulary import RIGHT_PARTY_OUTCOMES, PromiseStatus

PeriodKind = Literal["day", "week", "month"]
Agent = str | None  # None: work nobody is credited with (e.g. an imported payment)

_ZERO = Decimal(0)
_BUCKETS = list(AgingBucket)
# Each bucket rolls into the one after it; the last one (120+) has nowhere further to roll.
_NEXT_BUCKET = dict(pairwise(_BUCKETS))
# The fewest days past due that put an account in each bucket (0 for current), read off aging_bucket
# itself so that the two can never disagree.
FIRST_DAY_PAST_DUE = {bucket: next(d for d in count() if aging_bucket(d) == bucket) for bucket in _BUCKETS}

K = TypeVar("K", bound=Hashable)


# --- inputs ---------------------------------------------------------------------------------------


def _require_aware(name: str, value: datetime) -> None:
    # A naive datetime has no instant: comparing it with a period would raise, or worse, guess.
    zone = value.tzinfo
    if zone is UTC:  # what the database gives back: a month's facts are checked at a glance each
        return
    if zone is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def _require_decimal(name: str, value: object) -> None:
    # A float slipped in from a caller would make sums inexact; refuse it at the door.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Period:
    """The instants from `start` (included) to `end` (excluded), both stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        # Two datetimes sharing a tzinfo compare by wall clock, which is wrong in a repeated DST
        # hour; storing UTC makes every comparison one of instants.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError(f"a period must end after it starts: {self.start} .. {self.end}")

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant.astimezone(UTC) < self.end


@dataclass(frozen=True, slots=True)
class PaymentFact:
    account_pk: int
    agent: Agent
    amount: Decimal
    currency: str
    received_at: datetime

    def __post_init__(self) -> None:
        _require_decimal("amount", self.amount)
        _require_aware("received_at", self.received_at)


@dataclass(frozen=True, slots=True)
class ContactFact:
    account_pk: int
    agent: Agent
    at: datetime
    channel: str
    outcome: str

    def __post_init__(self) -> None:
        _require_aware("at", self.at)

    @property
    def is_right_party(self) -> bool:
        return self.outcome in RIGHT_PARTY_OUTCOMES


@dataclass(frozen=True, slots=True)
class PromiseFact:
    """A promise to pay, or one instalment of a payment plan (each behaves as a promise)."""

    account_pk: int
    agent: Agent
    amount: Decimal
    currency: str
    made_at: datetime
    due_date: date
    paid_toward: Decimal
    status: str  # open / kept / broken / cancelled (bot.vocabulary.PromiseStatus)

    def __post_init__(self) -> None:
        _require_decimal("amount", self.amount)
        _require_decimal("paid_toward", self.paid_toward)
        _require_aware("made_at", self.made_at)

    def deadline(self, grace_days: int) -> date:
        """The last team-local day a payment can still keep the promise."""
        return _deadline(self.due_date, grace_days)


@lru_cache(maxsize=4096)
def _deadline(due_date: date, grace_days: int) -> date:
    # Remembered: a month's report asks it of each of ~70,000 promises four or five times, and they
    # fall due on a few hundred days.
    return add_days(due_date, grace_days)


@dataclass(frozen=True, slots=True)
class AccountPosition:
    """An account's balance and days past due at one instant (the start or end of a period)."""

    account_pk: int
    currency: str
    balance: Decimal
    days_past_due: int

    def __post_init__(self) -> None:
        _require_decimal("balance", self.balance)

    @property
    def owed(self) -> Decimal:
        return max(self.balance, _ZERO)


@dataclass(frozen=True, slots=True)
class FlowGroup:
    """Accounts of one currency that stood alike over a period, with their owed balances summed.

    Every portfolio-flow number (aging, roll rates, CEI, cure and paid-off rates) is a sum of owed
    balances keyed by currency and by where each account stood: its aging bucket at the opening and
    at the close, whether it owed nothing at the close, whether it became delinquent during the
    period, and whether it was in the feed at the opening and at the close. Accounts alike in those
    are interchangeable, so a report on a large portfolio can have the database sum them and hand
    over a few hundred groups instead of one row per account (`account_flow` is one account's)."""

    currency: str
    start: AgingBucket  # by days past due at the end of the day before the period
    end: AgingBucket  # by days past due on the close's day, but current for an account owing nothing
    became_delinquent: bool  # its first day past due is in the period (due date + 1)
    owed_at_start: Decimal  # Σ max(balance, 0) at the period's first instant
    owed_at_end: Decimal  # Σ max(balance, 0) at the close
    paid_at_end: bool  # owes nothing at the close
    owed_when_delinquent: Decimal  # Σ max(balance, 0) when it became delinquent (0 if it did not)
    in_feed_at_start: bool  # entered the feed before the period's first instant
    in_feed_at_end: bool  # entered the feed before the close
    owed_when_entered: Decimal  # Σ max(balance, 0) on entering the feed, if that was in the period

    def __post_init__(self) -> None:
        for name in ("owed_at_start", "owed_at_end", "owed_when_delinquent", "owed_when_entered"):
            _require_decimal(name, getattr(self, name))

    @property
    def billed_in_period(self) -> bool:
        """A new billing: it entered the feed during the period."""
        return self.in_feed_at_end and not self.in_feed_at_start


@dataclass(frozen=True, slots=True)
class AccountHistory:
    """One account as the portfolio figures rebuild its past: its balance and due date as they are
    now, when it entered the feed, and the payments received on it (instant, amount)."""

    account_pk: int
    currency: str
    balance: Decimal
    due_date: date
    entered_at: datetime
    payments: tuple[tuple[datetime, Decimal], ...] = ()

    def __post_init__(self) -> None:
        _require_decimal("balance", self.balance)
        _require_aware("entered_at", self.entered_at)


# --- periods --------------------------------------------------------------------------------------


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a team-local day, in UTC (see bot.calendar.start_of_day)."""
    return start_of_day(day, zone)


def period_for(kind: PeriodKind, day: date, zone: ZoneInfo, week_starts: int = 0) -> Period:
    """The team-local day, week (starting on `week_starts`, 0 = Monday as in ISO) or calendar month
    that contains `day`. Its bounds are local midnights, so a DST change inside it makes it an hour
    longer or shorter rather than moving its edges."""
    if not 0 <= week_starts <= 6:
        raise ValueError(f"week_starts is a weekday number 0..6, got {week_starts}")
    first, after = _local_bounds(kind, day, week_starts)
    return Period(local_midnight(first, zone), local_midnight(after, zone))


def _local_bounds(kind: PeriodKind, day: date, week_starts: int) -> tuple[date, date]:
    if kind == "day":
        return day, add_days(day, 1)
    if kind == "week":
        first = add_days(day, -((day.weekday() - week_starts) % 7))
        return first, add_days(first, 7)
    if kind == "month":
        first = day.replace(day=1)
        return first, add_months(first, 1)
    raise ValueError(f"unknown period kind {kind!r}")


def days_period(first: date, last: date, zone: ZoneInfo) -> Period:
    """The whole team-local days from `first` to `last` (both included): from the midnight that
    starts `first` to the one that ends `last`."""
    if last < first:
        raise ValueError(f"the last day {last} comes before the first {first}")
    return Period(local_midnight(first, zone), local_midnight(add_days(last, 1), zone))


def previous(kind: PeriodKind, period: Period, zone: ZoneInfo) -> Period:
    """The period of the same kind just before `period` (built by `period_for` in `zone`).

    The zone is needed because "the day before" starts at a local midnight, which is not always
    24 hours earlier. A week keeps the weekday it starts on."""
    first = local_day(period.start, zone)
    return period_for(kind, add_days(first, -1), zone, week_starts=first.weekday())


def trailing_days(days: int, before: date, zone: ZoneInfo) -> Period:
    """The `days` whole team-local days just before `before` (e.g. the 90 days behind today)."""
    if days < 1:
        raise ValueError(f"a trailing window needs at least one day, got {days}")
    return Period(local_midnight(add_days(before, -days), zone), local_midnight(before, zone))


def day_in(period: Period, day: date, zone: ZoneInfo) -> bool:
    """True when any part of the team-local `day` falls in the period.

    For periods of whole days this is plain membership; for the rest of today (from now to the end of
    the period) it keeps today in, which is what "due in the rest of the period" means."""
    first, after = _day_bounds(day, zone)
    return first < period.end and after > period.start


@lru_cache(maxsize=4096)
def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    # Remembered: a month's report asks this of a few hundred thousand promises, over a few hundred days.
    return local_midnight(day, zone), local_midnight(add_days(day, 1), zone)


def local_days(period: Period, zone: ZoneInfo) -> list[date]:
    """The team-local days the period touches, in order (e.g. to count its working days)."""
    first = local_day(period.start, zone)
    last = local_day(period.end - timedelta(microseconds=1), zone)  # end is excluded
    return [add_days(first, n) for n in range((last - first).days + 1)]


# --- arithmetic -----------------------------------------------------------------------------------


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator ÷ denominator, not rounded; None ("n/a") when the denominator is 0.

    Kept exact so that what is built on it (a projection, a percentage on screen) is rounded once."""
    if denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _totals(pairs: Iterable[tuple[K, Decimal]]) -> dict[K, Decimal]:
    """Sums amounts per key; keys include the currency, so currencies stay apart."""
    totals: dict[K, Decimal] = {}
    for key, amount in pairs:
        totals[key] = totals.get(key, _ZERO) + amount
    return totals


def _ratios(numerators: Mapping[K, Decimal], denominators: Mapping[K, Decimal]) -> dict[K, Decimal | None]:
    return {key: ratio(numerators.get(key, _ZERO), base) for key, base in denominators.items()}


# --- money collected ------------------------------------------------------------------------------


def collected(payments: Iterable[PaymentFact], period: Period) -> dict[str, Decimal]:
    """Collected = the sum of payments received in the period, per currency.

    The team's zone is already in the period's bounds (see `period_for`): a payment at 23:30 team
    time belongs to that team-local day even when it is the next day in UTC."""
    return _totals((p.currency, p.amount) for p in payments if period.contains(p.received_at))


def collected_by_agent(payments: Iterable[PaymentFact], period: Period) -> dict[Agent, dict[str, Decimal]]:
    """Collected per agent (None for payments nobody is credited with), each per currency."""
    by_agent: dict[Agent, dict[str, Decimal]] = {}
    for payment in payments:
        if period.contains(payment.received_at):
            totals = by_agent.setdefault(payment.agent, {})
            totals[payment.currency] = totals.get(payment.currency, _ZERO) + payment.amount
    return by_agent


# --- contact attempts -----------------------------------------------------------------------------


def attempts(contacts: Iterable[ContactFact], period: Period) -> int:
    """Contact attempts logged in the period, on any channel and with any outcome."""
    return sum(1 for c in contacts if period.contains(c.at))


def attempts_by_channel(contacts: Iterable[ContactFact], period: Period) -> dict[str, int]:
    """Attempts in the period per channel (call, email, sms, letter, visit), most first, then by
    name; a channel with none is left out. Their sum is `attempts`."""
    counted = Counter(c.channel for c in contacts if period.contains(c.at))
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


def right_party_contacts(contacts: Iterable[ContactFact], period: Period) -> int:
    """Attempts in the period that reached the debtor (RIGHT_PARTY_OUTCOMES)."""
    return sum(1 for c in contacts if c.is_right_party and period.contains(c.at))


def rpc_rate(contacts: Sequence[ContactFact], period: Period) -> Decimal | None:
    """Right-party contacts ÷ attempts; None when there were no attempts."""
    return ratio(right_party_contacts(contacts, period), attempts(contacts, period))


def attempts_by_agent(contacts: Iterable[ContactFact], period: Period) -> dict[Agent, int]:
    return dict(Counter(c.agent for c in contacts if period.contains(c.at)))


def right_party_contacts_by_agent(contacts: Sequence[ContactFact], period: Period) -> dict[Agent, int]:
    """Every agent with an attempt appears, with 0 when none of their attempts reached the debtor."""
    reached = Counter(c.agent for c in contacts if c.is_right_party and period.contains(c.at))
    return {agent: reached[agent] for agent in attempts_by_agent(contacts, period)}


def rpc_rate_by_agent(contacts: Sequence[ContactFact], period: Period) -> dict[Agent, Decimal | None]:
    reached = right_party_contacts_by_agent(contacts, period)
    return {
        agent: ratio(reached[agent], tried) for agent, tried in attempts_by_agent(contacts, period).items()
    }


@dataclass(frozen=True, slots=True)
class ContactTally:
    """Attempts counted rather than listed: how many one agent made on one channel with one
    outcome. A month holds hundreds of thousands of attempts; the database counts them into a few
    thousand tallies, and the formulas below give the same figures from those as from the facts."""

    agent: Agent
    channel: str
    outcome: str
    attempts: int

    @property
    def is_right_party(self) -> bool:
        return self.outcome in RIGHT_PARTY_OUTCOMES


def tally_contacts(contacts: Iterable[ContactFact], period: Period) -> list[ContactTally]:
    """The attempts in the period as tallies: what the database's GROUP BY gives."""
    counted = Counter((c.agent, c.channel, c.outcome) for c in contacts if period.contains(c.at))
    return [ContactTally(agent, channel, outcome, n) for (agent, channel, outcome), n in counted.items()]


def tallied_attempts(tallies: Iterable[ContactTally]) -> int:
    """`attempts`, from tallies of the period's attempts."""
    return sum(t.attempts for t in tallies)


def tallied_attempts_by_channel(tallies: Iterable[ContactTally]) -> dict[str, int]:
    """`attempts_by_channel`, from tallies: most first, then by name."""
    counted: Counter[str] = Counter()
    for t in tallies:
        counted[t.channel] += t.attempts
    return dict(sorted(((c, n) for c, n in counted.items() if n), key=lambda item: (-item[1], item[0])))


def tallied_right_party_contacts(tallies: Iterable[ContactTally]) -> int:
    """`right_party_contacts`, from tallies."""
    return sum(t.attempts for t in tallies if t.is_right_party)


def tallied_rpc_rate(tallies: Sequence[ContactTally]) -> Decimal | None:
    """`rpc_rate`, from tallies."""
    return ratio(tallied_right_party_contacts(tallies), tallied_attempts(tallies))


def tallied_attempts_by_agent(tallies: Iterable[ContactTally]) -> dict[Agent, int]:
    """`attempts_by_agent`, from tallies."""
    counted: Counter[Agent] = Counter()
    for t in tallies:
        counted[t.agent] += t.attempts
    return {agent: n for agent, n in counted.items() if n}


def tallied_right_party_contacts_by_agent(tallies: Sequence[ContactTally]) -> dict[Agent, int]:
    """`right_party_contacts_by_agent`, from tallies: every agent with an attempt, 0 included."""
    reached: Counter[Agent] = Counter()
    for t in tallies:
        if t.is_right_party:
            reached[t.agent] += t.attempts
    return {agent: reached[agent] for agent in tallied_attempts_by_agent(tallies)}


def tallied_rpc_rate_by_agent(tallies: Sequence[ContactTally]) -> dict[Agent, Decimal | None]:
    """`rpc_rate_by_agent`, from tallies."""
    reached = tallied_right_party_contacts_by_agent(tallies)
    return {
        agent: ratio(reached[agent], tried) for agent, tried in tallied_attempts_by_agent(tallies).items()
    }


def accounts_worked(
    assigned: set[int], contacts_that_day: Iterable[ContactFact]
) -> tuple[int, int, Decimal | None]:
    """(worked, assigned, worked ÷ assigned): assigned accounts with at least one attempt that day.

    The caller passes that day's contacts; an attempt by anyone counts, since the account was worked."""
    worked = len(assigned & {c.account_pk for c in contacts_that_day})
    return worked, len(assigned), ratio(worked, len(assigned))


def accounts_worked_by_agent(
    assignments: Mapping[str, set[int]], contacts_that_day: Sequence[ContactFact]
) -> dict[str, tuple[int, int, Decimal | None]]:
    return {agent: accounts_worked(accounts, contacts_that_day) for agent, accounts in assignments.items()}


# --- promises to pay ------------------------------------------------------------------------------

PromiseOutcome = Literal["kept", "broken", "pending", "cancelled"]


def promise_outcome(promise: PromiseFact, grace_days: int, zone: ZoneInfo, now: datetime) -> PromiseOutcome:
    """Kept when what was paid toward it reaches the amount; broken once the team-local day of its
    due date + grace has ended at `now` without that; pending until then. A cancelled promise
    (replaced, or folded into a plan) is neither kept nor broken."""
    if promise.status == PromiseStatus.CANCELLED:
        return "cancelled"
    if promise.status == PromiseStatus.KEPT or promise.paid_toward >= promise.amount:
        return "kept"
    deadline_over = _day_bounds(promise.deadline(grace_days), zone)[1] <= now
    if promise.status == PromiseStatus.BROKEN or deadline_over:
        return "broken"
    return "pending"


@dataclass(frozen=True, slots=True)
class PromiseCounts:
    made: int  # made in the period
    kept: int  # due date + grace in the period, kept
    broken: int  # due date + grace in the period, broken

    @property
    def kept_rate(self) -> Decimal | None:
        return ratio(self.kept, self.kept + self.broken)


def promises_made(promises: Iterable[PromiseFact], period: Period) -> int:
    """Promises made in the period that still stand or were resolved. A cancelled one (replaced by a
    newer promise, or folded into a plan) is not counted: replacing a mistyped promise is not making
    two, and its newer promise or the plan is what is counted."""
    return sum(1 for p in promises if _made_in(p, period))


def _made_in(promise: PromiseFact, period: Period) -> bool:
    return promise.status != PromiseStatus.CANCELLED and period.contains(promise.made_at)


def _resolved_in(
    promises: Iterable[PromiseFact], period: Period, grace_days: int, zone: ZoneInfo, now: datetime | None
) -> list[tuple[Agent, PromiseOutcome]]:
    """Agent and outcome of each promise whose due date + grace falls in the period.

    `now` defaults to the period's end: judged once the period is over, every deadline in it has passed.
    Pass the current instant for a period still running, so promises still in grace stay pending."""
    at = period.end if now is None else now
    return [
        (p.agent, promise_outcome(p, grace_days, zone, at))
        for p in promises
        if day_in(period, p.deadline(grace_days), zone)
    ]


def promise_counts(
    promises: Sequence[PromiseFact],
    period: Period,
    grace_days: int,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> PromiseCounts:
    outcomes = Counter(outcome for _, outcome in _resolved_in(promises, period, grace_days, zone, now))
    return PromiseCounts(promises_made(promises, period), outcomes["kept"], outcomes["broken"])


def kept_rate(
    promises: Sequence[PromiseFact],
    period: Period,
    grace_days: int,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> Decimal | None:
    """PTP kept rate: of the promises whose due date + grace (team-local) falls in the period, kept ÷
    (kept + broken). Cancelled and still-pending promises are left out; None when none remain."""
    return promise_counts(promises, period, grace_days, zone, now=now).kept_rate


def promise_counts_by_agent(
    promises: Sequence[PromiseFact],
    period: Period,
    grace_days: int,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> dict[Agent, PromiseCounts]:
    made = Counter(p.agent for p in promises if _made_in(p, period))
    resolved = Counter(_resolved_in(promises, period, grace_days, zone, now))
    agents = made.keys() | {agent for agent, _ in resolved}
    return {a: PromiseCounts(made[a], resolved[(a, "kept")], resolved[(a, "broken")]) for a in agents}


def projected_collections(
    open_promises: Iterable[PromiseFact],
    rest_of_period: Period,
    kept_rate_90d: Decimal | None,
    zone: ZoneInfo,
) -> dict[str, Decimal] | None:
    """Projected collections for the rest of the period, per currency: Σ (amount - paid_toward) * the
    team's kept rate over the previous 90 days, over open promises and instalments due (team-local
    due date) in `rest_of_period`, rounded to each currency's minor unit.

    Only what is still outstanding is projected: the part already paid is in `collected`. Empty
    when nothing open is due in the rest of the period (nothing to project); None ("n/a") when
    something is but there is no kept rate (no promise resolved in 90 days): no basis to weigh it
    by, which is not a projection of 0."""
    outstanding = _totals(
        (p.currency, max(p.amount - p.paid_toward, _ZERO))
        for p in open_promises
        if p.status == PromiseStatus.OPEN and day_in(rest_of_period, p.due_date, zone)
    )
    if kept_rate_90d is None:
        return None if outstanding else {}
    return {
        currency: (amount * kept_rate_90d).quantize(quantum(currency), rounding=ROUND_HALF_UP)
        for currency, amount in outstanding.items()
    }


# --- portfolio flow: CEI, roll rates, cure rate, aging --------------------------------------------


def _by_account(positions: Iterable[AccountPosition]) -> dict[int, AccountPosition]:
    # Two positions for one account at one instant would count its balance twice.
    found: dict[int, AccountPosition] = {}
    for position in positions:
        if position.account_pk in found:
            raise ValueError(f"account {position.account_pk} has two positions at the same instant")
        found[position.account_pk] = position
    return found


def closing_instant(period: Period, now: datetime) -> datetime:
    """Where a period closes: its end, or `now` while it is still running (a period not begun
    closes at its opening: nothing has happened in it yet)."""
    return max(period.start, min(period.end, now))


def state_day(instant: datetime, zone: ZoneInfo) -> date:
    """The team-local day whose days past due bucket the portfolio at `instant`: the day of the
    last moment before it. At a local midnight that is the day that just ended, so the opening of a
    period is bucketed exactly as the close of the period before it."""
    return local_day(instant - timedelta(microseconds=1), zone)


def balance_at(account: AccountHistory, instant: datetime) -> Decimal:
    """The balance at `instant`: today's balance plus the payments received since."""
    since = [amount for at, amount in account.payments if at >= instant]
    return account.balance + sum(since, _ZERO)


def became_delinquent_at(due_date: date, zone: ZoneInfo) -> datetime:
    """An account falls delinquent when its due date ends unpaid: the first instant of the day after."""
    return local_midnight(add_days(due_date, 1), zone)


def account_flow(account: AccountHistory, period: Period, now: datetime, zone: ZoneInfo) -> FlowGroup:
    """One account over a period, as the definitions read it (the report has the database sum the
    same thing for every account at once):

    - opening: the balance at the period's first instant, bucketed by days past due at the end of
      the day before, which is exactly the close of the period before;
    - close: the balance at `closing_instant`, bucketed by days past due on the close's day;
    - it became delinquent during the period when its first day past due (due date + 1) is in it:
      then it was current at the opening, and its balance is taken when it fell delinquent;
    - it is in the feed from the instant it entered it (new billings: entered during the period)."""
    start, close = period.start, closing_instant(period, now)
    opening_day, closing_day = state_day(start, zone), state_day(close, zone)
    owed_at_end = max(balance_at(account, close), _ZERO)
    became = opening_day <= account.due_date < closing_day
    billed = start <= account.entered_at < close
    return FlowGroup(
        currency=account.currency,
        start=aging_bucket((opening_day - account.due_date).days),
        end=aging_bucket((closing_day - account.due_date).days) if owed_at_end > 0 else AgingBucket.CURRENT,
        became_delinquent=became,
        owed_at_start=max(balance_at(account, start), _ZERO),
        owed_at_end=owed_at_end,
        paid_at_end=owed_at_end == 0,
        owed_when_delinquent=(
            max(balance_at(account, became_delinquent_at(account.due_date, zone)), _ZERO) if became else _ZERO
        ),
        in_feed_at_start=account.entered_at < start,
        in_feed_at_end=account.entered_at < close,
        owed_when_entered=max(balance_at(account, account.entered_at), _ZERO) if billed else _ZERO,
    )


@dataclass(frozen=True, slots=True)
class PortfolioFigures:
    """The portfolio figures of one period, per currency (see the functions that compute each)."""

    aging: dict[str, dict[str, Decimal]]  # at the close
    aging_previous: dict[str, dict[str, Decimal]]  # at the opening: the previous period's close
    roll_rates: dict[str, dict[str, Decimal | None]]
    cei: dict[str, Decimal | None]
    cei_all_receivables: dict[str, Decimal | None]
    cure_rate: dict[str, Decimal | None]
    paid_off_rate: dict[str, Decimal | None]


def portfolio_figures(groups: Iterable[FlowGroup]) -> PortfolioFigures:
    """Every portfolio figure of a report, from the accounts (or groups of accounts alike) over it."""
    listed = list(groups)
    start, end, became = group_positions(listed)
    return PortfolioFigures(
        aging=aging_distribution(end),
        aging_previous=aging_distribution(start),
        roll_rates=roll_rates(start, end),
        cei=collection_effectiveness_index(start, end, became),
        cei_all_receivables=receivables_cei(listed),
        cure_rate=cure_rate(start, end),
        paid_off_rate=paid_off_rate(start, end),
    )


def group_positions(
    groups: Iterable[FlowGroup],
) -> tuple[list[AccountPosition], list[AccountPosition], dict[int, Money]]:
    """The opening and closing positions and the accounts that became delinquent (with what they
    owed then), to hand to the portfolio-flow functions for grouped accounts: one pair per group,
    numbered as if it were one account, owing the group's sum with a days past due in the group's
    bucket.

    The numbers come out as they would account by account: each formula adds owed balances with
    the same keys, and an account owing nothing adds nothing. Groups keep paid and owing accounts
    apart (`paid_at_end`), so a group owes nothing at the close exactly when its accounts are paid off."""
    start: list[AccountPosition] = []
    end: list[AccountPosition] = []
    became: dict[int, Money] = {}
    for number, group in enumerate(groups, 1):
        start.append(
            AccountPosition(number, group.currency, group.owed_at_start, FIRST_DAY_PAST_DUE[group.start])
        )
        end.append(AccountPosition(number, group.currency, group.owed_at_end, FIRST_DAY_PAST_DUE[group.end]))
        if group.became_delinquent:
            became[number] = Money(group.owed_when_delinquent, group.currency)
    return start, end, became


def _bucket_at_end(position: AccountPosition | None) -> AgingBucket:
    """Where an account stands at the end: one missing from `end` was closed, and one owing nothing
    is paid off; neither rolled into a later bucket, so both read as current here."""
    if position is None or position.owed == 0:
        return AgingBucket.CURRENT
    return aging_bucket(position.days_past_due)


@dataclass(frozen=True, slots=True)
class CeiParts:
    """The four sums of the CEI for one currency, kept so a report can show its working."""

    beginning: Decimal  # B: delinquent balance at the start
    new: Decimal  # N: balance that became delinquent during the period
    ending: Decimal  # E: end balance of the accounts counted in B or N
    ending_current: Decimal  # C: the part of E that is current (DPD 0) at the end

    @property
    def index(self) -> Decimal | None:
        """(B + N - E) ÷ (B + N - C) * 100; None when B + N - C is 0."""
        collectible = self.beginning + self.new
        return ratio(100 * (collectible - self.ending), collectible - self.ending_current)


def cei_parts(
    start: Sequence[AccountPosition],
    end: Sequence[AccountPosition],
    became_delinquent: Mapping[int, Money],
) -> dict[str, CeiParts]:
    """B, N, E and C per currency; see `collection_effectiveness_index`."""
    closing = _by_account(end)
    delinquent = [p for p in _by_account(start).values() if p.days_past_due > 0]
    both = {p.account_pk for p in delinquent} & set(became_delinquent)
    if both:
        # Delinquent at the opening, it cannot fall delinquent again in the period: counted in both
        # B and N its balance would look collected when nothing was.
        raise ValueError(f"accounts {sorted(both)} are both delinquent at the opening and new delinquents")
    counted = {p.account_pk for p in delinquent} | set(became_delinquent)
    ends = [closing[pk] for pk in counted if pk in closing]  # absent from `end`: closed, owes 0
    b = _totals((p.currency, p.owed) for p in delinquent)
    n = _totals((m.currency, max(m.amount, _ZERO)) for m in became_delinquent.values())
    e = _totals((p.currency, p.owed) for p in ends)
    c = _totals((p.currency, p.owed) for p in ends if p.days_past_due == 0)
    return {
        cur: CeiParts(b.get(cur, _ZERO), n.get(cur, _ZERO), e.get(cur, _ZERO), c.get(cur, _ZERO))
        for cur in b.keys() | n.keys() | e.keys()
    }


def collection_effectiveness_index(
    start: Sequence[AccountPosition],
    end: Sequence[AccountPosition],
    became_delinquent: Mapping[int, Money],
) -> dict[str, Decimal | None]:
    """CEI per currency = (B + N - E) ÷ (B + N - C) * 100, a percentage, as DOMAIN.md defines it:

    - B: delinquent (DPD > 0) balance of the `start` positions (the opening);
    - N: Σ `became_delinquent` — per account that became delinquent during the period, its balance
      at the moment it fell delinquent (a Money, so an account missing from both `start` and `end`
      still has a currency);
    - E: the `end` balance of every account counted in B or N (an account absent from `end` was
      closed and owes 0);
    - C: the part of E on accounts current (DPD 0) at the end.

    B and N never share an account (one that does is refused): an account delinquent at the
    opening did not fall delinquent during the period. 0 when nothing was collected on them, 100
    when everything was. None where B + N - C is 0."""
    return {cur: parts.index for cur, parts in cei_parts(start, end, became_delinquent).items()}


def roll_rates(
    start: Sequence[AccountPosition], end: Sequence[AccountPosition]
) -> dict[str, dict[str, Decimal | None]]:
    """Per currency, per bucket A (all but 120+, which has no next bucket): the start balance of the
    accounts in A at the start that are in the bucket after A at the end ÷ the start balance in A.

    Start balances on both sides keep the rate a share of what was in A (0..1), whatever interest
    or payments did to those accounts meanwhile. None for a bucket with no balance at the start."""
    closing, opening = _by_account(end), _by_account(start).values()
    base = _totals(((p.currency, aging_bucket(p.days_past_due)), p.owed) for p in opening)
    rolled = _totals(
        ((p.currency, aging_bucket(p.days_past_due)), p.owed) for p in opening if _rolled(p, closing)
    )
    return {
        cur: {
            bucket.value: ratio(rolled.get((cur, bucket), _ZERO), base.get((cur, bucket), _ZERO))
            for bucket in _NEXT_BUCKET
        }
        for cur in {cur for cur, _ in base}
    }


def _rolled(opening: AccountPosition, closing: Mapping[int, AccountPosition]) -> bool:
    """True when the account ended the period in the bucket right after the one it started in."""
    after = _NEXT_BUCKET.get(aging_bucket(opening.days_past_due))
    return after is not None and _bucket_at_end(closing.get(opening.account_pk)) == after


def cure_rate(start: Sequence[AccountPosition], end: Sequence[AccountPosition]) -> dict[str, Decimal | None]:
    """Per currency: the delinquent (DPD > 0) opening balance of the accounts that are current again
    at the close and still owe something ÷ the delinquent opening balance. An account owing nothing
    at the close (or absent from `end`: closed) is paid off, not cured: see `paid_off_rate`. None
    when nothing delinquent owed anything."""
    return _share_of_delinquent(
        start, end, lambda after: after is not None and after.owed > 0 and after.days_past_due == 0
    )


def paid_off_rate(
    start: Sequence[AccountPosition], end: Sequence[AccountPosition]
) -> dict[str, Decimal | None]:
    """Per currency: the delinquent (DPD > 0) opening balance of the accounts that owe nothing at the
    close (a balance at or below zero, or absent from `end`: closed) ÷ the delinquent opening
    balance. None when nothing delinquent owed anything."""
    return _share_of_delinquent(start, end, lambda after: after is None or after.owed == 0)


def _share_of_delinquent(
    start: Sequence[AccountPosition],
    end: Sequence[AccountPosition],
    ends_so: Callable[[AccountPosition | None], bool],
) -> dict[str, Decimal | None]:
    closing = _by_account(end)
    delinquent = [p for p in _by_account(start).values() if p.days_past_due > 0]
    part = _totals((p.currency, p.owed) for p in delinquent if ends_so(closing.get(p.account_pk)))
    return _ratios(part, _totals((p.currency, p.owed) for p in delinquent))


def receivables_cei(groups: Iterable[FlowGroup]) -> dict[str, Decimal | None]:
    """The textbook CEI over all receivables, per currency: (BR + S - ER) ÷ (BR + S - ECR) * 100,
    where BR = what the accounts in the feed at the opening owed then, S (new billings) = what
    each account that entered the feed during the period owed on entering it, ER = what the
    accounts in the feed at the close owe then, and ECR = the part of ER on accounts current at the
    close. Unlike `collection_effectiveness_index`, current accounts count too, so it also measures
    collecting what is not yet late. None where BR + S - ECR is 0."""
    parts: dict[str, list[Decimal]] = {}
    for group in groups:
        br, s, er, ecr = parts.setdefault(group.currency, [_ZERO, _ZERO, _ZERO, _ZERO])
        billed = group.owed_when_entered if group.billed_in_period else _ZERO
        parts[group.currency] = [
            br + (group.owed_at_start if group.in_feed_at_start else _ZERO),
            s + billed,
            er + (group.owed_at_end if group.in_feed_at_end else _ZERO),
            ecr + (group.owed_at_end if group.in_feed_at_end and group.end == AgingBucket.CURRENT else _ZERO),
        ]
    return {
        currency: ratio(100 * (br + s - er), br + s - ecr)
        for currency, (br, s, er, ecr) in sorted(parts.items())
    }


def aging_distribution(positions: Iterable[AccountPosition]) -> dict[str, dict[str, Decimal]]:
    """Per currency, the balance owed in each aging bucket, every bucket listed in order (0 when empty).
    Accounts owing nothing are paid and left out."""
    totals = _totals(((p.currency, aging_bucket(p.days_past_due)), p.owed) for p in positions if p.owed > 0)
    return {
        cur: {bucket.value: totals.get((cur, bucket), _ZERO) for bucket in _BUCKETS}
        for cur in sorted({cur for cur, _ in totals})
    }


def aging_counts(positions: Iterable[AccountPosition]) -> dict[str, dict[str, int]]:
    """Per currency, how many accounts owing something are in each aging bucket (every bucket listed)."""
    counts = Counter((p.currency, aging_bucket(p.days_past_due)) for p in positions if p.owed > 0)
    return {
        cur: {bucket.value: counts[(cur, bucket)] for bucket in _BUCKETS}
        for cur in sorted({cur for cur, _ in counts})
    }


# --- targets --------------------------------------------------------------------------------------


def target_over_days(
    monthly_target: Decimal, days: Sequence[date], is_working_day: Callable[[date], bool]
) -> Decimal | None:
    """The target of a day or a week: each working day among `days` carries its own month's target ÷
    that month's working days, so a week spanning two months mixes both months' shares. A weekend
    or holiday carries nothing. None ("n/a") when no month touched has a working day to spread its
    target over. Not rounded: it is shown through format_money, which rounds to the currency's
    minor unit. (A month's target is the monthly target itself, whatever its working days.)"""
    _require_decimal("monthly_target", monthly_target)
    by_month = Counter((d.year, d.month) for d in days if is_working_day(d))
    spreadable = False
    total = _ZERO
    for year, month in sorted({(d.year, d.month) for d in days}):
        first = date(year, month, 1)
        in_month = sum(
            1 for n in range((add_months(first, 1) - first).days) if is_working_day(add_days(first, n))
        )
        if in_month:
            spreadable = True
            total += monthly_target * by_month[(year, month)] / in_month
    return total if spreadable else None
