"""The daily-assignments job: plan the day, then in one transaction claim the day, write every
worklist line and queue every direct message and the supervisors' summary."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.assignments.job.planning import (
    DayPlan,
    contact_zones_of,
    facts_of,
    named_accounts,
    plan_day,
    unreadable_accounts,
)
from bot.assignments.model import MORNING_RUN, AgentTally, SupervisorSummary, Worklist
from bot.assignments.records.worklists import worklist_for
from bot.assignments.rules.allocation import Placed, working_order
from bot.assignments.rules.scoring import AccountFacts, reasons
from bot.blocks.kit import Reply
from bot.blocks.worklist import supervisor_summary, worklist_page
from bot.clock import team_today
from bot.compliance.rules.regulation import OFF_PROFILE, callable_from, calling_code
from bot.job_faults import RowRef, SkippedRows, is_outage
from bot.job_runs import JobReport, already_ran, claim, describe
from bot.language.render import speaking
from bot.ledger.records.holds import release_expired_holds
from bot.outbox.records import enqueue
from bot.propensity.rules import explain
from bot.runtime import Runtime
from bot.strategy.records import challengers_drawn, draw, strategy_in_force
from bot.strategy.render import channels_words
from bot.strategy.rules import DayTreatments
from storage.models import Assignment

JOB = MORNING_RUN
# The champion/challenger draws: seeded by the system, so no one can tell an account's side ahead.
_DRAWS = random.SystemRandom()
T = TypeVar("T")


def run_daily_assignments(runtime: Runtime, at: datetime, by: str) -> JobReport:
    today = team_today(at, runtime.zone)
    period = today.isoformat()
    calendar = runtime.settings.work_calendar
    if not calendar.is_working_day(today):
        why = calendar.holiday_name(today) or today.strftime("%A")
        return JobReport(JOB, period, False, f"{period} is not a working day ({why}): no worklists")
    with runtime.db.reading() as session:
        done = already_ran(session, JOB, period)
        if done is not None:
            return JobReport(JOB, period, False, describe(done))
    with runtime.db.transaction() as session:
        release_expired_holds(session, today=today, now=at)
    with runtime.db.transaction() as session:
        # Accounts entering a segment that runs a test are drawn for a side before the day is
        # planned, so that today's list already treats them as drawn.
        draw(session, strategy_in_force(session, runtime.settings), today, now=at, actor=by, rng=_DRAWS)
    skipped = SkippedRows(JOB)
    plan = _plan(runtime, today, skipped)
    with runtime.db.reading() as session:
        lines = _lines_with_reasons(session, plan, runtime, skipped, at)
    try:
        with runtime.db.transaction() as session:
            allocation = plan.allocation
            without_senior = named_accounts(session, allocation.high_value_without_senior)
            left_off = named_accounts(session, allocation.high_value_left_off)
            claim(
                session,
                JOB,
                period,
                at,
                by,
                {
                    "agents": len(allocation.lists),
                    "lines": len(lines),
                    "skipped": len(skipped),
                    # Kept with the claim, as the summary counts them, for the supervisors' Home.
                    "left_off": dict(plan.left_off.most_common()),
                    "beyond_capacity": allocation.beyond_capacity,
                    "high_value_left_off": {"total": left_off.total, "first": list(left_off.first)},
                    "high_value_without_senior": {
                        "total": without_senior.total,
                        "first": list(without_senior.first),
                    },
                    "seniors_at_work": plan.seniors_at_work,
                },
            )
            session.add_all(lines)
            session.flush()
            _queue_messages(session, runtime, plan, at, skipped)
            skipped.record(session, runtime, at)
    except IntegrityError:
        return JobReport(JOB, period, False, f"{JOB} for {period} was run by another process")
    left_out = f", {len(skipped)} rows skipped" if skipped else ""
    return JobReport(
        JOB, period, True, f"{len(lines)} accounts on {len(plan.allocation.lists)} worklists{left_out}"
    )


def _plan(runtime: Runtime, today: date, skipped: SkippedRows) -> DayPlan:
    """The day's plan; when the portfolio's read fails as a whole (a value the driver cannot
    convert fails the stream, not one row's step), the unreadable accounts are found and the day
    is planned without them."""
    try:
        with runtime.db.reading() as session:
            return plan_day(session, today, runtime.settings, skipped)
    except Exception as error:
        if is_outage(error):
            raise
        with runtime.db.reading() as session:
            unreadable = unreadable_accounts(session, today, runtime.zone, skipped)
        if not unreadable:
            raise
    with runtime.db.reading() as session:
        return plan_day(session, today, runtime.settings, skipped, leaving_out=unreadable)


def _lines_with_reasons(
    session: Session, plan: DayPlan, runtime: Runtime, skipped: SkippedRows, at: datetime
) -> list[Assignment]:
    """Reasons and calling hours are worked out only for the accounts that made a list, not the
    whole portfolio. An account whose reasons cannot be worded is left off its list, and the list
    closes up."""
    placed = {
        candidate.pk: (agent, rank, candidate.score)
        for agent, found in plan.allocation.lists.items()
        for rank, candidate in enumerate(found, 1)
    }
    grace = runtime.settings.promise_grace_days
    # Each account's reasons are worded with its treatment's weights, as it was scored.
    strategy = strategy_in_force(session, runtime.settings)
    treatments = DayTreatments(strategy, plan.work_date, challengers_drawn(session, strategy))
    rules_on = runtime.settings.compliance_profile != OFF_PROFILE
    hours = contact_zones_of(session, sorted(placed)) if rules_on else {}
    # The answer depends only on the zone and the phone's calling code: a few dozen distinct ones.
    known: dict[tuple[str | None, str | None], datetime | None] = {}

    # Each line's reasons are kept as worded for its agent, in the agent's language.
    locales = {agent: runtime.locale_of(agent) for agent in plan.allocation.lists}

    learned = plan.learned

    def line(facts: AccountFacts) -> Assignment:
        agent, rank, score = placed[facts.pk]
        # An account opened since the day's scores were stored has none: the rule score words it.
        row = learned.rows.get(facts.pk) if learned is not None and facts.pk in learned.scores else None
        said = None
        if learned is not None and row is not None:
            # Worded as scored: the learned propensity, explained by its largest contributions.
            facts = facts._replace(risk_score=learned.scores[facts.pk])
            said = explain(learned.model, row)
        # Each account's reasons are worded with its treatment's weights, as it was scored.
        treatment = treatments.of_account(facts)
        with speaking(locales[agent]):
            why = reasons(facts, plan.work_date, treatment.weights, grace, propensity_words=said)
            if treatment.channels:
                why.append(channels_words(treatment.channels))
        return Assignment(
            work_date=plan.work_date,
            account_pk=facts.pk,
            agent=agent,
            rank=rank,
            score=score,
            reasons=why,
            callable_from=_callable_later(at, hours.get(facts.pk), known),
        )

    def ref(facts: AccountFacts) -> RowRef:
        return RowRef(f"account {facts.account_id}", facts.account_id)

    lines = list(skipped.each(facts_of(session, sorted(placed), runtime.zone), line, ref))
    _in_working_order(lines)
    return lines


def _callable_later(
    at: datetime,
    contact: tuple[str | None, str | None] | None,
    known: dict[tuple[str | None, str | None], datetime | None],
) -> datetime | None:
    """When the customer may first be called, if that is after the morning's planning: the rest
    may be called at once (or the rules are off: no hours to keep)."""
    if contact is None:
        return None
    zone, phone = contact
    key = (zone, calling_code(phone))
    if key not in known:
        start = callable_from(at, zone, phone)
        known[key] = start if start is not None and start > at else None
    return known[key]


def _in_working_order(lines: list[Assignment]) -> None:
    """Ranks 1, 2, 3 … on each list in its working order (rules.allocation.working_order): by
    priority, the customers who may be called now first; a line left out closes up."""
    by_agent: dict[str, list[Assignment]] = defaultdict(list)
    for found in lines:
        by_agent[found.agent].append(found)
    for agent_lines in by_agent.values():
        by_pk = {found.account_pk: found for found in agent_lines}
        order = working_order(
            Placed(found.account_pk, found.score, found.callable_from is not None) for found in agent_lines
        )
        for rank, placed in enumerate(order, 1):
            by_pk[placed.pk].rank = rank


def _in_the_channel(runtime: Runtime, render: Callable[[T], Reply], what: T) -> Reply:
    """A channel's message is in the team's language (COLLECT_LANGUAGE)."""
    with speaking(runtime.channel_locale):
        return render(what)


def _queue_messages(
    session: Session, runtime: Runtime, plan: DayPlan, at: datetime, skipped: SkippedRows
) -> None:
    day = plan.work_date
    worklists: list[Worklist] = []
    for agent in sorted(plan.allocation.lists):
        # A list that cannot be read or shown is one agent's problem, not the whole team's.
        with skipped.row(RowRef(f"the worklist of {agent}")):
            worklist = worklist_for(session, agent, day, runtime.zone)
            worklists.append(worklist)
            with speaking(runtime.locale_of(agent)):
                page = worklist_page(worklist)
            enqueue(
                session,
                key=f"worklist:{day.isoformat()}:{agent}",
                kind="worklist",
                channel=agent,
                reply=page,
                now=at,
            )
    channel = runtime.settings.supervisor_channel
    if channel:
        enqueue(
            session,
            key=f"worklist-summary:{day.isoformat()}",
            kind="worklist-summary",
            channel=channel,
            reply=_in_the_channel(runtime, supervisor_summary, summarise(session, plan, worklists, day)),
            now=at,
        )


def summarise(session: Session, plan: DayPlan, worklists: list[Worklist], day: date) -> SupervisorSummary:
    tallies = tuple(_tally(worklist) for worklist in worklists)
    away = tuple(plan.agents[agent].name if agent in plan.agents else agent for agent in plan.away)
    allocation = plan.allocation
    return SupervisorSummary(
        work_date=day,
        tallies=tallies,
        left_off=dict(plan.left_off.most_common()),
        beyond_capacity=allocation.beyond_capacity,
        agents_away=away,
        high_value_without_senior=named_accounts(session, allocation.high_value_without_senior),
        seniors_at_work=plan.seniors_at_work,
        high_value_left_off=named_accounts(session, allocation.high_value_left_off),
    )


def _tally(worklist: Worklist) -> AgentTally:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in worklist.lines:
        totals[line.currency] += line.balance
    return AgentTally(
        agent_id=worklist.agent_id,
        agent_name=worklist.agent_name,
        accounts=len(worklist.lines),
        balances=tuple(sorted(totals.items())),
    )
