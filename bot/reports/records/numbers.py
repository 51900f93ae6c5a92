"""Assembling a performance report from the ledger: the facts of a period read with a few queries,
then the KPI formulas (bot.kpis.rules) applied to them.

Balances at an instant are rebuilt from today's balance and the payments received since (balances
changed by a later portfolio import are taken as they are now)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, case, func, literal, select, text, union_all
from sqlalchemy.orm import Session

from bot.access import is_front_line
from bot.aging import AgingBucket, aging_bucket
from bot.complaints.records import complaint_counts
from bot.currency import Money as Amount
from bot.job_faults import RowRef, SkippedRows, is_outage
from bot.kpis import rules as kpi
from bot.language.model import _, speaker
from bot.reports.model import (
    ActivityNumbers,
    AgentNumbers,
    LineFigures,
    PaymentRow,
    PerformanceReport,
    PeriodKind,
    PromiseRow,
    TeamNumbers,
    Win,
    WindowLines,
)
from bot.settings import Settings
from bot.vocabulary import OPEN_ESCALATION_STATUSES, Outcome, PromiseStatus
from storage.models import (
    Account,
    Agent,
    Assignment,
    Complaint,
    ComplianceRefusal,
    Contact,
    Escalation,
    Payment,
    Promise,
)
from storage.types import money_sum

ZERO = Decimal(0)
WINS = 3
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Scope:
    kind: PeriodKind
    period: kpi.Period
    now: datetime
    zone: ZoneInfo
    grace_days: int

    @property
    def until(self) -> datetime:
        """The end of what has happened: the period's end, or now while it is still running."""
        return min(self.period.end, self.now)


def build_report(
    session: Session,
    kind: PeriodKind,
    day: date,
    settings: Settings,
    now: datetime,
    skipped: SkippedRows | None = None,
    *,
    last_day: date | None = None,
    portfolio_figures: bool = True,
) -> PerformanceReport:
    """The numbers of the `kind` period holding `day`, as they stand at `now`: to the period's end
    when it is over, else so far (to `now`). `last_day` stretches a day report over the whole days
    from `day` to `last_day` (a daily digest covering Friday to Sunday).

    `skipped` collects the payments and promises that could not be counted: they are left out
    of the report, which is made of everyone else's.

    Without `portfolio_figures` the portfolio is not summed (aging, roll rates, CEI, cure and
    paid-off rates come out empty): the App Home's numbers of the day need only the activity, the
    money collected and the target, and are rebuilt after people's changes."""
    _plan_for_sums(session)
    zone = settings.zone
    period = kpi.period_for(kind, day, zone) if last_day is None else kpi.days_period(day, last_day, zone)
    scope = Scope(kind, period, now, zone, settings.promise_grace_days)
    skipped = skipped if skipped is not None else SkippedRows(f"report-{kind}")
    roster = {a.slack_user_id: a for a in session.scalars(select(Agent))}
    payments = _payments(session, scope, skipped)
    contacts = _contact_tallies(session, scope)
    promises = _promises(session, scope, skipped)
    worked = _worked(session, scope)
    try:
        portfolio = _positions(session, scope) if portfolio_figures else []
        team = _team(session, scope, settings, roster, payments, promises, portfolio, contacts)
    except Exception as error:
        # The database sums the portfolio, so one account's unusable balance or date spoils the
        # sums of its whole group: find the accounts at fault one by one, and sum the others again.
        faulty = _accounts_at_fault(session, scope, skipped)
        if not faulty or is_outage(error):
            raise
        portfolio = _positions(session, scope, leaving_out=faulty)
        team = _team(session, scope, settings, roster, payments, promises, portfolio, contacts)
    agents = _agents(session, scope, settings, roster, payments, contacts, promises, worked)
    team = replace(
        team,
        activity=_activity(scope, contacts, promises, worked),
        complaints=complaint_counts(
            session,
            start=scope.period.start,
            end=scope.until,
            last_day=(scope.until - timedelta(microseconds=1)).astimezone(zone).date(),
        ),
    )
    return PerformanceReport(
        kind=kind,
        label=_label(kind, scope.period, zone, scope.until),
        start=scope.period.start,
        end=scope.until,
        complete=scope.until == scope.period.end,
        zone=settings.timezone,
        team=team,
        agents=agents,
        wins=_wins(scope, roster, payments, promises) if kind == "day" else (),
        payments=tuple(row for row, _fact in payments),
        promises=tuple(record.row for record in promises if record.row is not None),
    )


def _plan_for_sums(session: Session) -> None:
    """On PostgreSQL, for this transaction only: no JIT, and room to sort the portfolio's groups in
    memory. EXPLAIN ANALYZE of the month's portfolio query on a million accounts: JIT compiling took
    about 11 s of its 16 to 17 s, and its sorts spilled to disk at the default 4 MB; without JIT and
    with 64 MB it took 9.3 s on the same loaded machine (README, "Performance")."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))


def _label(kind: PeriodKind, period: kpi.Period, zone: ZoneInfo, until: datetime) -> str:
    """What is counted, in words (the reader's: a channel's, or the person's who asked), the
    period, and while it runs, the moment it was cut at."""
    first, last = kpi.local_days(period, zone)[0], kpi.local_days(period, zone)[-1]
    reader = speaker()
    if kind == "day":
        named = _days_label(first, last)
    elif kind == "week":
        named = _("week of {day}").format(day=reader.dated(first, _("d MMMM y")))
    else:
        named = reader.dated(first, _("MMMM y"))
    if until >= period.end:
        return named
    cut = until.astimezone(zone)
    at = (
        reader.dated(cut, "HH:mm")
        if kind == "day" and cut.date() == last
        else reader.dated(cut, _("EEEE d MMMM HH:mm"))
    )
    return _("{period}, to {time} (so far)").format(period=named, time=at)


def _days_label(first: date, last: date) -> str:
    """A day, or a run of days with the month and year said once when they share them: "Monday 23
    November 2026"; "Friday 20 to Sunday 22 November 2026"."""
    reader = speaker()
    full = _("EEEE d MMMM y")
    if first == last:
        return reader.dated(first, full)
    if (first.year, first.month) == (last.year, last.month):
        start = reader.dated(first, _("EEEE d"))
    elif first.year == last.year:
        start = reader.dated(first, _("EEEE d MMMM"))
    else:
        start = reader.dated(first, full)
    return _("{start} to {end}").format(start=start, end=reader.dated(last, full))


# --- facts ---------------------------------------------------------------------------------------


def _payments(
    session: Session, scope: Scope, skipped: SkippedRows, agents: Sequence[str] | None = None
) -> list[tuple[PaymentRow, kpi.PaymentFact]]:
    """The period's payments; with `agents`, those credited to them among others (the caller picks)."""
    # Columns rather than Payment entities: a month can hold ~100,000 payments, and entities would
    # fill the session's identity map for nothing (a report changes no row).
    query = (
        select(
            Payment.account_pk, Payment.received_at, Payment.amount, Payment.currency, Payment.method,
            Payment.reference, Payment.recorded_by, Payment.source, Account.account_id, Account.assigned_to,
            Payment.id,
        )
        .join(Account, Account.id == Payment.account_pk)
        .where(Payment.received_at >= scope.period.start, Payment.received_at < scope.until)
        .order_by(Payment.received_at, Payment.id)  # ties broken the same way on every database
    )  # fmt: skip
    if agents is not None:
        query = query.where(Payment.recorded_by.in_(agents) | Account.assigned_to.in_(agents))

    def counted(paid: Row[*tuple[Any, ...]]) -> tuple[PaymentRow, kpi.PaymentFact]:
        # Unpacked at once: a month's 85,000 rows, and each attribute read of a Row costs a lookup.
        (
            account_pk, received_at, amount, currency, method, reference, recorded_by, source, account_id,
            assigned_to, _payment_id,
        ) = paid  # fmt: skip
        agent = recorded_by if source == "slack" else assigned_to
        row = PaymentRow(received_at, account_id, agent, amount, currency, method, reference)
        return row, kpi.PaymentFact(account_pk, agent, amount, currency, received_at)

    def ref(paid: Row[*tuple[Any, ...]]) -> RowRef:
        return RowRef(f"payment {paid.id} on account {paid.account_id}", paid.account_id)

    return list(skipped.each(session.execute(query), counted, ref))


def _contact_tallies(session: Session, scope: Scope) -> list[kpi.ContactTally]:
    """The period's attempts counted by the database, per agent, channel and outcome: a month's
    hundreds of thousands of attempts come back as a few thousand rows."""
    query = (
        select(Contact.agent, Contact.channel, Contact.outcome, func.count())
        .where(Contact.at >= scope.period.start, Contact.at < scope.until)
        .group_by(Contact.agent, Contact.channel, Contact.outcome)
    )
    return [
        kpi.ContactTally(agent, channel, outcome, n) for agent, channel, outcome, n in session.execute(query)
    ]


@dataclass(frozen=True, slots=True)
class PromiseRecord:
    account_id: str
    fact: kpi.PromiseFact
    resolved_at: datetime | None
    row: PromiseRow | None = None
    """How the report shows it, when it is one of the report's promises."""


def _promises(session: Session, scope: Scope, skipped: SkippedRows) -> list[PromiseRecord]:
    """Made in the period, due (with grace) in it, still open, or resolved in the last 90 days. A
    promise whose outcome cannot be worked out is left out (and told), not the whole report.

    A cancelled promise (replaced by a newer one, or folded into a plan) is in no report: it was
    never the customer's word that stood, and its date may be anything the parser once let in."""
    return list(_promise_records(session.execute(_promise_query(scope)), scope, skipped))


def _promise_query(scope: Scope) -> Select[*tuple[Any, ...]]:
    first_day = scope.period.start.astimezone(scope.zone).date()
    since = min(first_day, scope.now.astimezone(scope.zone).date()) - timedelta(days=92 + scope.grace_days)
    # Columns rather than Promise entities, as for payments.
    query = select(
        Promise.account_pk, Promise.made_by, Promise.amount, Promise.currency, Promise.made_at,
        Promise.due_date, Promise.paid_toward, Promise.status, Promise.resolved_at, Account.account_id,
        Promise.id,
    ).join(Account, Account.id == Promise.account_pk)  # fmt: skip
    query = query.where(
        Promise.status != PromiseStatus.CANCELLED,
        (Promise.due_date >= since) | (Promise.made_at >= scope.period.start),
    )
    return query.where(Promise.made_at < scope.until).order_by(Promise.made_at, Promise.id)


def _promise_records(rows: Iterable[Row[Any]], scope: Scope, skipped: SkippedRows) -> Iterator[PromiseRecord]:
    def counted(found: Row[*tuple[Any, ...]]) -> PromiseRecord:
        *values, resolved_at, account_id, _promise_id = found
        fact = kpi.PromiseFact(*values)
        # Worked out here, where one promise whose dates cannot be worked with is left out alone.
        row = _promise_row(account_id, fact, scope) if _in_report(fact, scope) else None
        return PromiseRecord(account_id, fact, resolved_at, row)

    def ref(found: Row[*tuple[Any, ...]]) -> RowRef:
        return RowRef(f"promise {found.id} on account {found.account_id}", found.account_id)

    return skipped.each(rows, counted, ref)


def _in_report(fact: kpi.PromiseFact, scope: Scope) -> bool:
    return scope.period.contains(fact.made_at) or kpi.day_in(
        scope.period, fact.deadline(scope.grace_days), scope.zone
    )


def _promise_row(account_id: str, fact: kpi.PromiseFact, scope: Scope) -> PromiseRow:
    return PromiseRow(
        account_id=account_id,
        agent_id=fact.agent,
        made_at=fact.made_at,
        due_date=fact.due_date,
        amount=fact.amount,
        currency=fact.currency,
        paid_toward=fact.paid_toward,
        outcome=kpi.promise_outcome(fact, scope.grace_days, scope.zone, scope.until),
    )


def _positions(session: Session, scope: Scope, leaving_out: Sequence[int] = ()) -> list[kpi.FlowGroup]:
    """The portfolio over the period as the portfolio-flow formulas take it: one group per set of
    accounts that stood alike (kpi.FlowGroup), so that a million accounts are summed by the
    database, not in Python. The sums are kpi.account_flow's, account by account."""
    groups = _flow_groups(session, scope, leaving_out)
    found = []
    for (
        currency,
        shape,
        owed_at_start,
        owed_at_end,
        owed_when_delinquent,
        owed_when_entered,
    ) in session.execute(groups):
        start, end, became, paid, in_feed_at_start, in_feed_at_end = _shape_of(int(shape))
        found.append(
            kpi.FlowGroup(
                currency=currency,
                start=start,
                end=end,
                became_delinquent=became,
                owed_at_start=owed_at_start,
                owed_at_end=owed_at_end,
                paid_at_end=paid,
                owed_when_delinquent=owed_when_delinquent,
                in_feed_at_start=in_feed_at_start,
                in_feed_at_end=in_feed_at_end,
                owed_when_entered=owed_when_entered,
            )
        )
    # In the order of the groups' keys, whatever order the database grouped them in.
    return sorted(found, key=_group_order)


# An account's buckets and flags as one small number, what the portfolio query groups by beside the
# currency: SQLite groups by sorting, and a million accounts sorted on two keys rather than seven
# (two of them bucket names) took the month's query 2.2 s of CPU instead of 2.8 to 3.0 s.
_BUCKET_CODE = {bucket: code for code, bucket in enumerate(AgingBucket)}
_START, _END = 256, 16
_BECAME, _PAID, _IN_FEED_AT_START, _IN_FEED_AT_END = 8, 4, 2, 1
if len(_BUCKET_CODE) > _START // _END:  # pragma: no cover - a bucket added beyond what the packing holds
    raise AssertionError("the aging buckets no longer fit the portfolio query's packed key")


def _shape_of(shape: int) -> tuple[AgingBucket, AgingBucket, bool, bool, bool, bool]:
    """The buckets and flags _flow_groups packed into `shape`."""
    buckets = list(AgingBucket)
    return (
        buckets[shape // _START],
        buckets[shape % _START // _END],
        bool(shape & _BECAME),
        bool(shape & _PAID),
        bool(shape & _IN_FEED_AT_START),
        bool(shape & _IN_FEED_AT_END),
    )


def _group_order(group: kpi.FlowGroup) -> tuple[str, str, str, bool, bool, bool, bool]:
    return (
        group.currency,
        group.start.value,
        group.end.value,
        group.became_delinquent,
        group.paid_at_end,
        group.in_feed_at_start,
        group.in_feed_at_end,
    )


def _state_days(scope: Scope) -> tuple[date, date]:
    """The days whose days past due bucket the opening and the close (kpi.state_day)."""
    close = kpi.closing_instant(scope.period, scope.now)
    return kpi.state_day(scope.period.start, scope.zone), kpi.state_day(close, scope.zone)


def _accounts_at_fault(session: Session, scope: Scope, skipped: SkippedRows) -> list[int]:
    """The accounts whose position the flow formulas cannot take (a balance that is no number, a
    due date out of reach), each skipped; read one by one, so only after the sums failed."""
    days = _state_days(scope)

    def check(row: Row[*tuple[Any, ...]]) -> None:
        pk, _account_id, currency, balance, due_date = row
        for day in days:
            position = kpi.AccountPosition(pk, currency, balance, (day - due_date).days)
            Amount(position.owed, currency)
            aging_bucket(position.days_past_due)

    def ref(row: Row[*tuple[Any, ...]]) -> RowRef:
        return RowRef(f"account {row[1]}", row[1])

    query = select(Account.id, Account.account_id, Account.currency, Account.balance, Account.due_date)
    return [row[0] for row in skipped.at_fault(session.execute(query), check, ref)]


def _flow_groups(session: Session, scope: Scope, leaving_out: Sequence[int] = ()) -> Select[Any]:
    """kpi.account_flow for every account, summed per group of accounts alike. Each balance is
    rebuilt as today's balance plus the payments received since the instant it is taken at: the
    opening, the close, the moment the account fell delinquent (the first instant of the day after
    its due date, for those whose first day past due is in the period) and the moment it entered
    the feed (for those that entered during the period)."""
    start = scope.period.start
    close = kpi.closing_instant(scope.period, scope.now)
    opening_day, closing_day = _state_days(scope)
    money, instant = Payment.amount.type, Payment.received_at.type
    zero = literal(ZERO, money)
    # Only accounts whose first day past due is in the period fell delinquent in it: one instant
    # for each of those days, so the database needs no time zone of its own.
    became_days = [opening_day + timedelta(days=n) for n in range((closing_day - opening_day).days)]
    # Most payments are on accounts due outside those days: one range test sends them past the
    # month's thirty-odd equality tests, which every payment since the opening went through.
    fell_at = case(
        (
            Account.due_date.between(became_days[0], became_days[-1]),
            case(
                *((Account.due_date == day, literal(kpi.became_delinquent_at(day, scope.zone), instant)) for day in became_days),
                else_=None,
            ),
        ),
        else_=None,
    ) if became_days else literal(None, instant)  # fmt: skip

    def paid_since(moment: Any) -> ColumnElement[Decimal]:
        return money_sum(case((Payment.received_at >= moment, Payment.amount), else_=zero))

    sums = (
        select(
            Payment.account_pk,
            paid_since(start).label("s"),
            paid_since(close).label("e"),
            paid_since(fell_at).label("d"),
            paid_since(Account.created_at).label("n"),
        )
        .join(Account, Account.id == Payment.account_pk)
        .where(Payment.received_at >= start)
        .group_by(Payment.account_pk)
        .subquery()
    )

    def owed(balance: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
        return case((balance > zero, balance), else_=zero)

    opening = Account.balance + func.coalesce(sums.c.s, zero)
    closing = Account.balance + func.coalesce(sums.c.e, zero)
    became = Account.due_date.between(opening_day, closing_day - timedelta(days=1))
    billed = (Account.created_at >= start) & (Account.created_at < close)

    def flag(condition: ColumnElement[bool], weight: int) -> ColumnElement[int]:
        return case((condition, weight), else_=0)

    end_bucket = case((closing <= zero, _BUCKET_CODE[AgingBucket.CURRENT]), else_=_bucket_on(closing_day))
    shape = (
        _bucket_on(opening_day) * _START
        + end_bucket * _END
        + flag(became, _BECAME)
        + flag(closing <= zero, _PAID)
        + flag(Account.created_at < start, _IN_FEED_AT_START)
        + flag(Account.created_at < close, _IN_FEED_AT_END)
    )
    each_account = select(
        Account.currency.label("currency"),
        shape.label("shape"),
        owed(opening).label("owed_at_start"),
        owed(closing).label("owed_at_end"),
        case((became, owed(Account.balance + func.coalesce(sums.c.d, zero))), else_=zero).label(
            "owed_when_delinquent"
        ),
        case((billed, owed(Account.balance + func.coalesce(sums.c.n, zero))), else_=zero).label(
            "owed_when_entered"
        ),
    ).outerjoin(sums, sums.c.account_pk == Account.id)
    if leaving_out:
        each_account = each_account.where(Account.id.not_in(leaving_out))
    accounts = each_account.subquery()
    # Grouped outside the subquery: PostgreSQL would not match the CASE expressions' parameters
    # in GROUP BY with those in the select list.
    c = accounts.c
    return select(
        c.currency,
        c.shape,
        money_sum(c.owed_at_start),
        money_sum(c.owed_at_end),
        money_sum(c.owed_when_delinquent),
        money_sum(c.owed_when_entered),
    ).group_by(c.currency, c.shape)


def _bucket_on(day: date) -> ColumnElement[int]:
    """Each account's aging bucket by its days past due on `day` (day - due date), as its
    _BUCKET_CODE."""
    past_due = [
        (Account.due_date <= day - timedelta(days=first_day), _BUCKET_CODE[bucket])
        for bucket, first_day in reversed(kpi.FIRST_DAY_PAST_DUE.items())
        if bucket != AgingBucket.CURRENT
    ]
    return case(*past_due, else_=_BUCKET_CODE[AgingBucket.CURRENT])


# --- the team ------------------------------------------------------------------------------------


def _team(
    session: Session,
    scope: Scope,
    settings: Settings,
    roster: dict[str, Agent],
    payments: list[tuple[PaymentRow, kpi.PaymentFact]],
    promises: list[PromiseRecord],
    portfolio: list[kpi.FlowGroup],
    contacts: list[kpi.ContactTally],
) -> TeamNumbers:
    facts = [record.fact for record in promises]
    today = scope.now.astimezone(scope.zone).date()
    rate_90 = kpi.kept_rate(
        facts, kpi.trailing_days(90, today, scope.zone), scope.grace_days, scope.zone, now=scope.now
    )
    targets = [_target(a, scope, settings) for a in roster.values() if is_front_line(a.role)]
    known = [t for t in targets if t is not None]
    figures = kpi.portfolio_figures(portfolio)
    return TeamNumbers(
        collected=kpi.collected([fact for _row, fact in payments], scope.period),
        target=sum(known, ZERO) if known else None,
        target_currency=settings.target_currency,
        projected=_projected(scope, facts, rate_90),
        kept_rate_90_days=rate_90,
        aging=figures.aging,
        aging_previous=figures.aging_previous,
        roll_rates=figures.roll_rates,
        cei=figures.cei,
        cei_all_receivables=figures.cei_all_receivables,
        cure_rate=figures.cure_rate,
        paid_off_rate=figures.paid_off_rate,
        **_escalation_counts(session, scope),
        disputes_opened=sum(t.attempts for t in contacts if t.outcome == Outcome.DISPUTE),
    )


def _projected(
    scope: Scope, facts: list[kpi.PromiseFact], rate_90: Decimal | None
) -> dict[str, Decimal] | None:
    """Only a period still running has a rest to project."""
    if scope.now >= scope.period.end:
        return {}
    rest = kpi.Period(max(scope.now, scope.period.start), scope.period.end)
    return kpi.projected_collections(facts, rest, rate_90, scope.zone)


class _EscalationCounts(TypedDict):
    escalations_opened: int
    escalations_decided: int
    escalations_waiting: int


def _escalation_counts(session: Session, scope: Scope) -> _EscalationCounts:
    start, until = scope.period.start, scope.until
    opened = select(func.count()).where(Escalation.requested_at >= start, Escalation.requested_at < until)
    decided = select(func.count()).where(Escalation.decided_at >= start, Escalation.decided_at < until)
    waiting = select(func.count()).where(Escalation.status.in_([str(s) for s in OPEN_ESCALATION_STATUSES]))
    return {
        "escalations_opened": int(session.scalar(opened.select_from(Escalation)) or 0),
        "escalations_decided": int(session.scalar(decided.select_from(Escalation)) or 0),
        "escalations_waiting": int(session.scalar(waiting.select_from(Escalation)) or 0),
    }


def _target(agent: Agent, scope: Scope, settings: Settings) -> Decimal | None:
    """A month's target is the monthly target; a day or week carries each of its working days'
    share of that day's own month (kpi.target_over_days)."""
    if agent.monthly_target is None:
        return None
    if scope.kind == "month":
        return agent.monthly_target
    calendar = settings.work_calendar
    days = kpi.local_days(scope.period, scope.zone)
    return kpi.target_over_days(agent.monthly_target, days, calendar.is_working_day)


# --- the agents ----------------------------------------------------------------------------------


def _agents(
    session: Session,
    scope: Scope,
    settings: Settings,
    roster: dict[str, Agent],
    payments: list[tuple[PaymentRow, kpi.PaymentFact]],
    contacts: list[kpi.ContactTally],
    promises: list[PromiseRecord],
    lines: WorklistLines,
) -> tuple[AgentNumbers, ...]:
    period = scope.period
    attempts = kpi.tallied_attempts_by_agent(contacts)
    rpcs = kpi.tallied_right_party_contacts_by_agent(contacts)
    rates = kpi.tallied_rpc_rate_by_agent(contacts)
    facts = [record.fact for record in promises]
    counts = kpi.promise_counts_by_agent(facts, period, scope.grace_days, scope.zone, now=scope.until)
    collected = kpi.collected_by_agent([fact for _r, fact in payments], period)
    worked, assigned = lines
    breaches = Counter(
        session.scalars(
            select(ComplianceRefusal.actor).where(
                ComplianceRefusal.at >= period.start, ComplianceRefusal.at < scope.until
            )
        )
    )
    raised = Counter(
        session.scalars(
            select(Escalation.requested_by).where(
                Escalation.requested_at >= period.start, Escalation.requested_at < scope.until
            )
        )
    )
    numbers = []
    for agent in sorted(roster.values(), key=lambda a: a.name):
        if not is_front_line(agent.role) and not attempts.get(agent.slack_user_id):
            continue
        agent_id = agent.slack_user_id
        promise = counts.get(agent_id, kpi.PromiseCounts(0, 0, 0))
        numbers.append(
            AgentNumbers(
                agent_id=agent_id,
                name=agent.name,
                attempts=attempts.get(agent_id, 0),
                right_party_contacts=rpcs.get(agent_id, 0),
                rpc_rate=rates.get(agent_id),
                promises_made=promise.made,
                promises_kept=promise.kept,
                promises_broken=promise.broken,
                kept_rate=promise.kept_rate,
                collected=collected.get(agent_id, {}),
                target=_target(agent, scope, settings),
                accounts_worked=worked.get(agent_id, 0),
                accounts_assigned=assigned.get(agent_id, 0),
                escalations_raised=raised.get(agent_id, 0),
                attempted_breaches=breaches.get(agent_id, 0),
            )
        )
    return tuple(numbers)


WorklistLines = tuple[dict[str, int], dict[str, int]]
"""Per agent: worklist lines worked, and lines assigned, summed over the period's days."""


def _activity(
    scope: Scope, contacts: list[kpi.ContactTally], promises: list[PromiseRecord], lines: WorklistLines
) -> ActivityNumbers:
    """The team's line: everyone's attempts, promises and worklist lines, not only the listed agents'."""
    period = scope.period
    counts = kpi.promise_counts(
        [record.fact for record in promises], period, scope.grace_days, scope.zone, now=scope.until
    )
    worked, assigned = lines
    return ActivityNumbers(
        attempts=kpi.tallied_attempts(contacts),
        attempts_by_channel=tuple(kpi.tallied_attempts_by_channel(contacts).items()),
        right_party_contacts=kpi.tallied_right_party_contacts(contacts),
        rpc_rate=kpi.tallied_rpc_rate(contacts),
        promises_made=counts.made,
        promises_kept=counts.kept,
        promises_broken=counts.broken,
        kept_rate=counts.kept_rate,
        lines_worked=sum(worked.values()),
        lines_assigned=sum(assigned.values()),
    )


def _worked(session: Session, scope: Scope) -> WorklistLines:
    """Worklist lines whose account had at least one attempt (by anyone) on the line's day, and all
    lines, per agent, summed over the period's days: an account on a list three days counts three times.

    Counted by the database: each line looks up its account's attempts within its own team-local
    day (and the period so far), one index probe, rather than every attempt of the period being
    read and placed in its day here. The days' bounds are a table of their own joined to the lines: as
    CASE expressions over the month's days, SQLite went through them for every line, 1.8 s of CPU
    of the month's 2.0 s on a million accounts; 0.7 s joined (README, "Performance")."""
    days = kpi.local_days(scope.period, scope.zone)
    instant = Contact.at.type
    # One SELECT a day put together (SQLite's VALUES cannot name its columns).
    bounds = union_all(
        *(
            select(
                literal(day, Assignment.work_date.type).label("day"),
                literal(max(kpi.local_midnight(day, scope.zone), scope.period.start), instant).label("start"),
                literal(
                    min(kpi.local_midnight(day + timedelta(days=1), scope.zone), scope.until), instant
                ).label("end"),
            )
            for day in days
        )
    ).subquery("days")
    attempted = (
        select(Contact.id)
        .where(
            Contact.account_pk == Assignment.account_pk,
            Contact.at >= bounds.c.start,
            Contact.at < bounds.c.end,
        )
        .exists()
    )
    query = (
        select(Assignment.agent, func.count(), func.sum(case((attempted, 1), else_=0)))
        .join(bounds, bounds.c.day == Assignment.work_date)
        .where(Assignment.work_date >= days[0], Assignment.work_date <= days[-1])
        .group_by(Assignment.agent)
    )
    worked: dict[str, int] = {}
    assigned: dict[str, int] = {}
    for agent, lines, attempted_lines in session.execute(query):
        assigned[agent] = int(lines)
        worked[agent] = int(attempted_lines or 0)
    return worked, assigned


# --- wins ----------------------------------------------------------------------------------------


def _wins(
    scope: Scope,
    roster: dict[str, Agent],
    payments: list[tuple[PaymentRow, kpi.PaymentFact]],
    promises: list[PromiseRecord],
) -> tuple[Win, ...]:
    """The day's largest payments (within each currency) and promises kept, by whom."""

    def name(agent_id: str | None) -> str:
        member = roster.get(agent_id or "")
        return member.name if member else "the payment feed"

    by_size = sorted(payments, key=lambda pair: (pair[0].currency, -pair[0].amount))
    largest = [
        Win(row.agent_id, name(row.agent_id), f"payment on {row.account_id}", row.amount, row.currency)
        for row, _fact in by_size[:WINS]
    ]
    kept = [
        Win(
            r.fact.agent,
            name(r.fact.agent),
            f"promise kept on {r.account_id}",
            r.fact.amount,
            r.fact.currency,
        )
        for r in promises
        if r.fact.status == "kept" and r.resolved_at and scope.period.contains(r.resolved_at)
    ][:WINS]
    return tuple(largest + kept)


# --- a few agents' lines, without the rest of the report -----------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Whole days from `first` to `last` (as build_report's `day`..`last_day`), for some agents only
    (None: every agent a report of those days would list)."""

    first: date
    last: date
    agents: frozenset[str] | None = None


def lines_over_days(
    session: Session, settings: Settings, now: datetime, windows: Sequence[Window]
) -> dict[Window, WindowLines]:
    """The agents' lines that build_report(session, "day", w.first, settings, now, last_day=w.last)
    would hold, for several windows at once and nothing else of the reports: one query per kind of
    fact (attempts, payments, promises, refused attempts, complaints) over the days of all the
    windows, bounded by time and limited to the agents asked for. The App Home's ramp-up reads the
    weeks still running at every refresh: a whole report of each read the whole team's week."""
    if not windows:
        return {}
    zone = settings.zone
    skipped = SkippedRows("report-lines")
    scopes = {
        w: Scope("day", kpi.days_period(w.first, w.last, zone), now, zone, settings.promise_grace_days)
        for w in windows
    }
    start = min(s.period.start for s in scopes.values())
    until = max(s.until for s in scopes.values())
    union = Scope("day", kpi.Period(start, max(until, start)), now, zone, settings.promise_grace_days)
    asked = (
        None
        if any(w.agents is None for w in windows)
        else sorted({a for w in windows for a in w.agents or ()})
    )
    # Only the agents asked for: the roster's 500 entities cost more than the running weeks' rows.
    members = select(Agent) if asked is None else select(Agent).where(Agent.slack_user_id.in_(asked))
    roster = {a.slack_user_id: a for a in session.scalars(members)}

    contacts = select(Contact.agent, Contact.channel, Contact.outcome, Contact.at).where(
        Contact.at >= start, Contact.at < until
    )
    refusals = select(ComplianceRefusal.actor, ComplianceRefusal.at).where(
        ComplianceRefusal.at >= start, ComplianceRefusal.at < until
    )
    complaints = select(Complaint.agent, Complaint.recorded_at).where(
        Complaint.recorded_at >= start, Complaint.recorded_at < until
    )
    if asked is not None:
        contacts = contacts.where(Contact.agent.in_(asked))
        refusals = refusals.where(ComplianceRefusal.actor.in_(asked))
        complaints = complaints.where(Complaint.agent.in_(asked))
    attempts = session.execute(contacts).all()
    refused = session.execute(refusals).all()
    opened = session.execute(complaints).all()
    payments = _payments(session, union, skipped, asked)
    promises = _promise_facts(session, union, asked)

    # Each window counts only its own agents' rows: eight new agents' running weeks read one
    # agent's rows each, not everyone's eight times.
    attempts_of = _by_agent(attempts, lambda row: row[0])
    payments_of = _by_agent(payments, lambda pair: pair[1].agent)
    promises_of = _by_agent(promises, lambda row: row.made_by)
    refused_of = _by_agent(refused, lambda row: row[0])
    opened_of = _by_agent(opened, lambda row: row[0] or "")

    found: dict[Window, WindowLines] = {}
    for window, scope in scopes.items():
        period, end = scope.period, scope.until

        def inside(at: datetime, period: kpi.Period = period, end: datetime = end) -> bool:
            return period.start <= at < end

        whom = window.agents
        tallied = Counter((a, ch, o) for a, ch, o, at in _of(attempts_of, whom) if inside(at))
        tallies = [kpi.ContactTally(a, ch, o, n) for (a, ch, o), n in tallied.items()]
        by_agent = kpi.tallied_attempts_by_agent(tallies)
        rates = kpi.tallied_rpc_rate_by_agent(tallies)
        facts = _window_promises(_of(promises_of, whom), scope, skipped)
        counts = kpi.promise_counts_by_agent(facts, period, scope.grace_days, zone, now=end)
        collected = kpi.collected_by_agent(
            [f for _r, f in _of(payments_of, whom) if inside(f.received_at)], period
        )
        breaches = Counter(actor for actor, at in _of(refused_of, whom) if inside(at))
        complained = Counter(agent or "" for agent, at in _of(opened_of, whom) if inside(at))
        lines = {}
        for agent in roster.values():
            agent_id = agent.slack_user_id
            if window.agents is not None and agent_id not in window.agents:
                continue
            if not is_front_line(agent.role) and not by_agent.get(agent_id):
                continue
            lines[agent_id] = LineFigures(
                agent_id=agent_id,
                attempts=by_agent.get(agent_id, 0),
                rpc_rate=rates.get(agent_id),
                kept_rate=counts.get(agent_id, kpi.PromiseCounts(0, 0, 0)).kept_rate,
                collected=collected.get(agent_id, {}),
                target=_target(agent, scope, settings),
                attempted_breaches=breaches.get(agent_id, 0),
                complaints=complained.get(agent_id, 0),
            )
        found[window] = WindowLines(period.start, end, end == period.end, lines)
    return found


def _by_agent(rows: Iterable[T], agent: Callable[[T], str | None]) -> dict[str | None, list[T]]:
    grouped: dict[str | None, list[T]] = {}
    for row in rows:
        grouped.setdefault(agent(row), []).append(row)
    return grouped


def _of(grouped: dict[str | None, list[T]], agents: frozenset[str] | None) -> list[T]:
    """The rows of the agents given (of everyone: None)."""
    if agents is None:
        return [row for rows in grouped.values() for row in rows]
    return [row for agent in sorted(agents) for row in grouped.get(agent, [])]


def _promise_facts(session: Session, scope: Scope, agents: Sequence[str] | None) -> list[Row[Any]]:
    """_promises' rows over `scope` (every window's rows among them), for the agents asked for."""
    query = _promise_query(scope)
    if agents is not None:
        query = query.where(Promise.made_by.in_(agents))
    return list(session.execute(query).all())


def _window_promises(rows: Sequence[Row[Any]], scope: Scope, skipped: SkippedRows) -> list[kpi.PromiseFact]:
    """The rows _promises(scope) would have read, made into facts as it makes them (a promise it
    would leave out is left out)."""
    first_day = scope.period.start.astimezone(scope.zone).date()
    since = min(first_day, scope.now.astimezone(scope.zone).date()) - timedelta(days=92 + scope.grace_days)
    mine = [
        row
        for row in rows
        if row.made_at < scope.until and (row.due_date >= since or row.made_at >= scope.period.start)
    ]
    return [record.fact for record in _promise_records(mine, scope, skipped)]
