"""Reading and writing the strategy's state: the supervisors' decisions (applied over the file), the
champion/challenger draw of the accounts entering a segment that runs a test, and the numbers each
treatment's accounts made in a period."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, null, select
from sqlalchemy.orm import Session

from bot.audit import record as audit
from bot.calendar import add_days, local_day
from bot.currency import quantum
from bot.errors import UserError
from bot.language.model import N_, _
from bot.parsing.echo import quoted
from bot.roster.records import require_supervisor
from bot.settings import Settings
from bot.strategy.model import (
    Arm,
    ArmResult,
    Decision,
    DecisionRecord,
    EventKind,
    Mean,
    SegmentEvent,
    SegmentResult,
    Verdict,
)
from bot.strategy.rules import (
    DayChooser,
    DayTreatments,
    SegmentPlan,
    StrategyPlan,
    arms_for_new,
    decision_names,
    mean_interval,
    mean_verdict,
    plan_of,
    rate,
    rate_verdict,
)
from bot.vocabulary import CLOSED_STATUSES, RIGHT_PARTY_OUTCOMES, PromiseStatus
from storage.models import (
    Account,
    Assignment,
    Contact,
    Payment,
    Promise,
    StrategyAssignment,
    StrategyDecision,
    table_of,
)

_INSERT_ASSIGNMENT = insert(table_of(StrategyAssignment))


def decisions(session: Session) -> list[DecisionRecord]:
    """Every supervisor's decision, oldest first (the latest on a challenger counts)."""
    rows = session.execute(
        select(StrategyDecision.segment, StrategyDecision.challenger, StrategyDecision.decision).order_by(
            StrategyDecision.id
        )
    )
    return [DecisionRecord(segment, challenger, Decision(decision)) for segment, challenger, decision in rows]


def strategy_in_force(session: Session, settings: Settings) -> StrategyPlan:
    """The team's strategy file with the supervisors' decisions applied."""
    return plan_of(settings.strategy, settings.treatments, decisions(session))


def decide(session: Session, segment: SegmentPlan, decision: Decision, *, actor: str, now: datetime) -> None:
    """Record a supervisor's decision on a running test, audited (`strategy.promoted`,
    `strategy.stopped`). The accounts keep their draw: the results of the test stay readable."""
    assert segment.challenger is not None
    session.add(
        StrategyDecision(
            segment=segment.name,
            challenger=segment.challenger.name,
            decision=decision.value,
            decided_by=actor,
            decided_at=now,
        )
    )
    action = "strategy.promoted" if decision == Decision.PROMOTE else "strategy.stopped"
    audit(
        session,
        at=now,
        actor=actor,
        action=action,
        entity="segment",
        entity_key=segment.name,
        before={"champion": segment.champion.name, "challenger": segment.challenger.name,
                "share": str(segment.share)},
        after={"champion": segment.challenger.name if decision == Decision.PROMOTE else segment.champion.name,
               "challenger": None},
    )  # fmt: skip


def challengers_drawn(session: Session, plan: StrategyPlan) -> set[tuple[int, str]]:
    """(account, segment) of every account drawn for the challenger of a segment whose test still
    runs: the morning run and dunning give these the challenger's treatment, everyone else the
    champion's. Only the challenger's share is read, not every draw."""
    running = [segment.name for segment in plan.segments if segment.challenger is not None]
    if not running:
        return set()
    rows = session.execute(
        select(StrategyAssignment.account_pk, StrategyAssignment.segment).where(
            StrategyAssignment.segment.in_(running), StrategyAssignment.arm == Arm.CHALLENGER
        )
    )
    return {(pk, segment) for pk, segment in rows}


def treatments_of_list(session: Session, settings: Settings, day: date, agent: str) -> DayTreatments | None:
    """The treatments of the accounts on an agent's list of `day`, for wording its reasons again
    (`/collect mine`, the Home): only those accounts' draws are read. None: everyone has the one
    treatment (the shipped strategy), nothing to ask per account."""
    plan = strategy_in_force(session, settings)
    if plan.trivial:
        return None
    running = [segment.name for segment in plan.segments if segment.challenger is not None]
    drawn: set[tuple[int, str]] = set()
    if running:
        listed = select(Assignment.account_pk).where(Assignment.work_date == day, Assignment.agent == agent)
        rows = session.execute(
            select(StrategyAssignment.account_pk, StrategyAssignment.segment).where(
                StrategyAssignment.segment.in_(running),
                StrategyAssignment.arm == Arm.CHALLENGER,
                StrategyAssignment.account_pk.in_(listed),
            )
        )
        drawn = {(pk, segment) for pk, segment in rows}
    return DayTreatments(plan, day, drawn)


def draw(
    session: Session, plan: StrategyPlan, today: date, *, now: datetime, actor: str, rng: random.Random
) -> dict[str, dict[str, int]]:
    """Draw champion or challenger for every open account now in a segment that runs a test and not
    drawn there yet, keeping the segment's challenger share (bot.strategy.rules.arms_for_new). One
    audit row for the run (`strategy.assigned`, counts per segment and side), not one per account:
    the first run over a large portfolio draws every account of the segment at once, and the
    assignments table already records each account's side and when it was drawn. Returns the counts."""
    running = [segment for segment in plan.segments if segment.challenger is not None]
    if not running:
        return {}
    chooser = DayChooser(plan, today)
    entering: dict[str, list[int]] = defaultdict(list)
    # The product is read only when a rule reads it: a NULL in its place costs the database nothing.
    product = Account.product if chooser.by_product else null().label("product")
    # Streamed through the connection, as the morning run reads the portfolio (no ORM copy per row).
    rows = session.connection().execute(
        select(Account.id, Account.due_date, Account.balance, Account.currency, Account.risk_score,
               Account.language, product)
        .where(Account.status.not_in([str(s) for s in CLOSED_STATUSES]), Account.balance > Decimal(0))
        .order_by(Account.id)
        .execution_options(yield_per=20_000)
    )  # fmt: skip
    for pk, due_date, balance, currency, risk_score, language, sold in rows:
        segment = chooser.segment(due_date, balance, currency, risk_score, language, sold)
        if segment is not None and segment.challenger is not None:
            entering[segment.name].append(pk)
    counts: dict[str, dict[str, int]] = {}
    for segment in running:
        assert segment.challenger is not None
        drawn = Counter(
            dict(
                session.execute(
                    select(StrategyAssignment.arm, func.count())
                    .where(StrategyAssignment.segment == segment.name)
                    .group_by(StrategyAssignment.arm)
                ).all()
            )
        )
        known = set(
            session.scalars(
                select(StrategyAssignment.account_pk).where(StrategyAssignment.segment == segment.name)
            )
        )
        new = [pk for pk in entering.get(segment.name, []) if pk not in known]
        if not new:
            continue
        challengers = arms_for_new(new, drawn[Arm.CHAMPION], drawn[Arm.CHALLENGER], segment.share, rng)
        session.execute(
            _INSERT_ASSIGNMENT,
            [
                {
                    "account_pk": pk,
                    "segment": segment.name,
                    "arm": Arm.CHALLENGER if pk in challengers else Arm.CHAMPION,
                    "treatment": segment.challenger.name if pk in challengers else segment.champion.name,
                    "assigned_at": now,
                }
                for pk in new
            ],
        )
        counts[segment.name] = {Arm.CHAMPION: len(new) - len(challengers), Arm.CHALLENGER: len(challengers)}
    if counts:
        audit(session, at=now, actor=actor, action="strategy.assigned", entity="strategy",
              entity_key=today.isoformat(), after={"segments": counts})  # fmt: skip
    return counts


# --- results ----------------------------------------------------------------------------------------


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


def results(
    session: Session, plan: StrategyPlan, first: date, last: date, settings: Settings
) -> list[SegmentResult]:
    """Each test's two sides over the team days first..last: the accounts drawn before the period's
    end, what they paid in it per account (per currency), their right-party contacts of all
    attempts, their promises kept of those due (date + grace in the period) that were kept or
    broken, and the share cured at the close (owing nothing, or no longer past due: the bot keeps no
    history of due dates, so the close is the account as it is now; the same measure on both sides).
    Segments whose test was stopped or promoted still show, while their draws are kept."""
    zone = settings.zone
    start, end = _instant(first, zone), _instant(add_days(last, 1), zone)
    grace = settings.promise_grace_days
    members: dict[tuple[str, str], list[tuple[int, str, bool]]] = defaultdict(list)
    treatments: dict[tuple[str, str], str] = {}
    rows = session.execute(
        select(StrategyAssignment.segment, StrategyAssignment.arm, StrategyAssignment.treatment,
               Account.id, Account.currency, Account.balance, Account.due_date, Account.status)
        .join(Account, Account.id == StrategyAssignment.account_pk)
        .where(StrategyAssignment.assigned_at < end)
        .order_by(StrategyAssignment.id)
    )  # fmt: skip
    for segment, arm, treatment, pk, currency, balance, due_date, status in rows:
        cured = balance <= 0 or status in CLOSED_STATUSES or due_date >= last
        members[(segment, arm)].append((pk, currency, cured))
        treatments[(segment, arm)] = treatment
    if not members:
        return []
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for pk, amount in session.execute(
        select(Payment.account_pk, Payment.amount).where(
            Payment.received_at >= start,
            Payment.received_at < end,
            Payment.account_pk.in_(select(StrategyAssignment.account_pk)),
        )
    ):
        paid[pk] += amount
    contacts: dict[tuple[str, str], tuple[int, int]] = {}
    for segment, arm, outcome, count in session.execute(
        select(StrategyAssignment.segment, StrategyAssignment.arm, Contact.outcome, func.count())
        .join(Contact, Contact.account_pk == StrategyAssignment.account_pk)
        .where(Contact.at >= start, Contact.at < end)
        .group_by(StrategyAssignment.segment, StrategyAssignment.arm, Contact.outcome)
    ):
        hits, trials = contacts.get((segment, arm), (0, 0))
        contacts[(segment, arm)] = (hits + (count if outcome in RIGHT_PARTY_OUTCOMES else 0), trials + count)
    promises: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for segment, arm, status, count in session.execute(
        select(StrategyAssignment.segment, StrategyAssignment.arm, Promise.status, func.count())
        .join(Promise, Promise.account_pk == StrategyAssignment.account_pk)
        .where(
            Promise.status.in_([PromiseStatus.KEPT, PromiseStatus.BROKEN]),
            Promise.due_date >= add_days(first, -grace),
            Promise.due_date <= add_days(last, -grace),
        )
        .group_by(StrategyAssignment.segment, StrategyAssignment.arm, Promise.status)
    ):
        promises[(segment, arm)][status] += count

    def side(segment: str, arm: Arm) -> ArmResult | None:
        found = members.get((segment, arm))
        if found is None:
            return None
        by_currency: dict[str, list[Decimal]] = defaultdict(list)
        for pk, currency, _cured in found:
            by_currency[currency].append(paid.get(pk, Decimal(0)))
        means = tuple(
            mean_interval(currency, amounts, quantum(currency))
            for currency, amounts in sorted(by_currency.items())
        )
        hits, trials = contacts.get((segment, arm), (0, 0))
        kept = promises[(segment, arm)]
        return ArmResult(
            segment=segment,
            arm=arm,
            treatment=treatments[(segment, arm)],
            accounts=len(found),
            collected=means,
            rpc=rate(hits, trials),
            kept=rate(kept[PromiseStatus.KEPT], kept[PromiseStatus.KEPT] + kept[PromiseStatus.BROKEN]),
            cured=rate(sum(1 for *_rest, cured in found if cured), len(found)),
        )

    running = {segment.name for segment in plan.segments if segment.challenger is not None}
    found_results = []
    for segment in sorted({segment for segment, _arm in members}):
        champion = side(segment, Arm.CHAMPION)
        challenger = side(segment, Arm.CHALLENGER)
        if champion is None:
            continue
        found_results.append(
            SegmentResult(segment, champion, challenger, _verdicts(champion, challenger), segment in running)
        )
    return found_results


def _verdicts(champion: ArmResult, challenger: ArmResult | None) -> tuple[tuple[str, Verdict], ...]:
    if challenger is None:
        return ()
    verdicts: list[tuple[str, Verdict]] = [
        ("rpc", rate_verdict(champion.rpc, challenger.rpc)),
        ("kept", rate_verdict(champion.kept, challenger.kept)),
        ("cured", rate_verdict(champion.cured, challenger.cured)),
    ]
    theirs: dict[str, Mean] = {mean.currency: mean for mean in challenger.collected}
    for mean in champion.collected:
        if mean.currency in theirs:
            verdicts.append((f"collected {mean.currency}", mean_verdict(mean, theirs[mean.currency])))
    return tuple(verdicts)


def decide_by_name(
    session: Session, settings: Settings, name: str, decision: Decision, *, actor: str, now: datetime
) -> list[SegmentPlan]:
    """A supervisor's promote or stop on the running tests NAME picks (a segment, else every segment
    whose challenger is that treatment), each recorded and audited; the tests decided."""
    require_supervisor(session, actor, N_("promote or stop a challenger"))
    picked = decision_names(strategy_in_force(session, settings), name)
    if not picked:
        raise UserError(
            _("No champion/challenger test runs under {name}.").format(name=quoted(name)),
            _(
                "Name a segment with a challenger, or the challenger's treatment: `collect-bot report --strategy` lists them."
            ),
        )
    for segment in picked:
        decide(session, segment, decision, actor=actor, now=now)
    return picked


def segment_events(session: Session, settings: Settings, first: date, last: date) -> list[SegmentEvent]:
    """What changed in the segments' treatments in the team days first..last, by day: a challenger's
    first account drawn (the test started), and the supervisors' decisions (promoted, stopped)."""
    zone = settings.zone
    start, end = _instant(first, zone), _instant(add_days(last, 1), zone)
    # The file's shares, before any decision: what the challenger was started with.
    planned = plan_of(settings.strategy, settings.treatments)
    found: list[SegmentEvent] = []
    started = (
        select(
            StrategyAssignment.segment, StrategyAssignment.treatment, func.min(StrategyAssignment.assigned_at)
        )
        .where(StrategyAssignment.arm == Arm.CHALLENGER)
        .group_by(StrategyAssignment.segment, StrategyAssignment.treatment)
    )
    for segment, treatment, at in session.execute(started):
        if start <= at < end:
            plan = planned.segment(segment)
            share = (
                plan.share
                if plan is not None and plan.challenger is not None and plan.challenger.name == treatment
                else None
            )
            found.append(SegmentEvent(segment, treatment, EventKind.STARTED, local_day(at, zone), share))
    decided = select(
        StrategyDecision.segment,
        StrategyDecision.challenger,
        StrategyDecision.decision,
        StrategyDecision.decided_at,
    ).where(StrategyDecision.decided_at >= start, StrategyDecision.decided_at < end)
    for segment, challenger, decision, at in session.execute(decided):
        kind = EventKind.PROMOTED if decision == Decision.PROMOTE else EventKind.STOPPED
        found.append(SegmentEvent(segment, challenger, kind, local_day(at, zone)))
    return sorted(found, key=lambda event: (event.on, event.segment, event.kind != EventKind.STARTED))
