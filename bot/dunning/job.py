"""The daily dunning job: each account its due stage, once, and the supervisors one summary.

Once per team day, across processes. Each account is sent in its own transaction (a bad account,
or a refusal, stops nobody else's), and that transaction first locks the account and asks the
rules again with what is in the database then: a stage another process (or an earlier, crashed
run) already used is not due any more, so nothing goes twice even when two runs overlap. The day
is claimed at the end, with the summary queued in the same transaction: a run that died half way
is finished by the next tick, and the summary goes out once, counting from the documents what
dunning sent that day, whichever run sent it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.blocks.dunning import dunning_summary
from bot.clock import team_today
from bot.compliance.records import ComplianceRefusedError, note_refusal
from bot.correspondence.records import send_document
from bot.correspondence.render import Templates, load_templates
from bot.dunning.model import SOURCE, Decision, DunningSchedule, DunningSummary, HeldBack
from bot.dunning.records import candidates, dunning_facts, sent_on
from bot.dunning.rules import decide, within_daily_limit
from bot.errors import UserError
from bot.job_faults import RowRef, SkippedRows
from bot.job_runs import JobReport, already_ran, claim, describe, run_key
from bot.outbox.records import enqueue
from bot.runtime import Runtime
from bot.settings import Settings
from bot.strategy.records import challengers_drawn, strategy_in_force
from bot.strategy.rules import DayTreatments
from storage.models import Account

log = logging.getLogger(__name__)

JOB = "dunning"
ACTOR = "collect-bot"
SUMMARY_KIND = "dunning-summary"


def dunning_due(runtime: Runtime, at: datetime) -> bool:
    """From the start of the working day on working days: emails go out in office hours, and a run
    missed while the bot was down happens when it comes back the same day."""
    settings = runtime.settings
    if not documents_set_up(settings):
        return False
    local = at.astimezone(runtime.zone)
    return settings.work_calendar.is_working_day(local.date()) and local.time() >= settings.workday_start


def documents_set_up(settings: Settings) -> bool:
    """Dunning needs a schedule with stages and a creditor to name: without them (a team that does
    not write to customers) the job is never due, rather than refusing every account each day."""
    # Any treatment's schedule with stages (bot/strategy): a segment may have dunning the rest has not.
    stages = any(treatment.dunning.stages for treatment in settings.treatments.values())
    return bool(stages and settings.creditor_name and settings.creditor_address_lines)


def email_on(settings: Settings) -> bool:
    return bool(settings.smtp_url.get_secret_value() and settings.mail_from)


@dataclass(frozen=True, slots=True)
class DunningPlan:
    day: date
    decisions: list[Decision]
    schedules: dict[int, DunningSchedule] = field(default_factory=dict)
    """Each account's schedule, its treatment's (bot/strategy), where it is not the team's."""


def plan_dunning(runtime: Runtime, at: datetime, skipped: SkippedRows | None = None) -> DunningPlan:
    """What today's run would send and hold back, read in one transaction; nothing is written.
    (A refusal by the compliance guard shows only when sending: it depends on the moment.)"""
    today = team_today(at, runtime.zone)
    schedule = runtime.settings.dunning_schedule
    skipped = skipped if skipped is not None else SkippedRows(JOB)
    with runtime.db.reading() as session:
        strategy = strategy_in_force(session, runtime.settings)
        own: dict[int, DunningSchedule] = {}
        if strategy.trivial:
            schedule = strategy.fallback.dunning
            accounts = candidates(session, schedule, today)
        else:
            # Read from the earliest first stage of any treatment; each account then gets its own.
            earliest = min(
                (found for found in strategy.schedules() if found.stages),
                key=lambda found: found.stages[0].days,
                default=None,
            )
            # No treatment has stages (dunning off everywhere): nobody is a candidate.
            accounts = candidates(session, earliest, today) if earliest is not None else []
            treatments = DayTreatments(strategy, today, challengers_drawn(session, strategy))
            for account in accounts:
                treatment = treatments.treatment(account.id, account.due_date, account.balance, account.currency,
                                                 account.risk_score, account.language, account.product)  # fmt: skip
                if treatment.dunning != schedule:
                    own[account.id] = treatment.dunning
        facts = dunning_facts(
            session,
            accounts,
            today,
            runtime.zone,
            runtime.settings.promise_grace_days,
            email_on=email_on(runtime.settings),
            profile=runtime.settings.compliance_profile,
        )
        decisions = list(
            skipped.each(
                facts,
                lambda one: decide(own.get(one.account_pk, schedule), one, today),
                lambda one: RowRef(f"account {one.account_id}", one.account_id),
            )
        )
        limit = runtime.settings.dunning_per_day
        # What went out earlier today (a run resumed after a crash) counts against the limit.
        room = (
            limit - sum(count.count for count in sent_on(session, schedule, today, runtime.zone))
            if limit
            else None
        )
    return DunningPlan(today, within_daily_limit(decisions, room), own)


def run_dunning(runtime: Runtime, at: datetime, by: str) -> JobReport:
    today = team_today(at, runtime.zone)
    period = today.isoformat()
    if not documents_set_up(runtime.settings):
        # Run by hand on a team that writes no documents: nothing to do, nothing claimed.
        return JobReport(JOB, period, False, "dunning is off: it needs COLLECT_CREDITOR_NAME, "
                         "COLLECT_CREDITOR_ADDRESS and a schedule with stages")  # fmt: skip
    with runtime.db.reading() as session:
        done = already_ran(session, JOB, period)
        if done is not None:
            return JobReport(JOB, period, False, describe(done))
    schedule = runtime.settings.dunning_schedule
    skipped = SkippedRows(JOB)
    planned = plan_dunning(runtime, at, skipped)
    templates = load_templates(runtime.settings.templates_dir or None) if planned.decisions else None
    held: Counter[HeldBack] = Counter()
    sent = 0
    for decision in planned.decisions:
        if decision.held is not None:
            held[decision.held] += 1
            continue
        with skipped.row(RowRef(f"account {decision.account_id}", decision.account_id)):
            assert templates is not None
            outcome = _send(runtime, planned.schedules.get(decision.account_pk, schedule), templates, decision, at,
                            today)  # fmt: skip
            if outcome is None:
                sent += 1
            elif isinstance(outcome, HeldBack):
                held[outcome] += 1
    try:
        with runtime.db.transaction() as session:
            summary = DunningSummary(
                day=today,
                sent=sent_on(session, schedule, today, runtime.zone),
                held=tuple((reason, held[reason]) for reason in HeldBack if held[reason]),
                skipped=len(skipped),
            )
            claim(session, JOB, period, at, by, {"sent": summary.total_sent, "held": summary.total_held,
                                                 "skipped": len(skipped)})  # fmt: skip
            channel = runtime.settings.supervisor_channel
            if channel and (summary.total_sent or summary.total_held):
                enqueue(session, key=run_key(f"{SUMMARY_KIND}:{period}"), kind=SUMMARY_KIND, channel=channel,
                        reply=dunning_summary(summary), now=at)  # fmt: skip
            skipped.record(session, runtime, at)
    except IntegrityError:
        return JobReport(JOB, period, False, f"{JOB} for {period} was run by another process")
    counted = ", ".join(f"{reason.value} {count}" for reason, count in summary.held) or "none"
    return JobReport(JOB, period, bool(sent or held or skipped),
                     f"{sent} documents sent or queued; held back: {counted}")  # fmt: skip


class _Gone:
    """The stage is no longer due when the account's own transaction looks again (another run sent
    it, a payment closed the account, a hold came): not counted."""


_GONE = _Gone()


def _send(
    runtime: Runtime,
    schedule: DunningSchedule,
    templates: Templates,
    decision: Decision,
    at: datetime,
    today: date,
) -> HeldBack | _Gone | None:
    """One account's stage, in its own transaction; None when sent (or queued), else why not."""
    settings = runtime.settings
    try:
        with runtime.db.transaction() as session:
            account = session.scalars(
                select(Account).where(Account.id == decision.account_pk).with_for_update()
            ).one_or_none()
            if account is None:
                return _GONE
            (facts,) = dunning_facts(
                session,
                [account],
                today,
                runtime.zone,
                settings.promise_grace_days,
                email_on=email_on(settings),
                profile=settings.compliance_profile,
            )
            again = decide(schedule, facts, today)
            if again is None or again.stage != decision.stage:
                return _GONE
            if again.held is not None:
                return again.held
            send_document(
                session,
                account_id=account.account_id,
                kind=decision.stage.kind,
                channel=decision.stage.channel,
                actor=ACTOR,
                now=at,
                today=today,
                settings=settings,
                templates=templates,
                source=SOURCE,
                stage=decision.stage.name,
                check_access=False,
            )
    except ComplianceRefusedError as refused:
        with runtime.db.transaction() as session:
            note_refusal(session, refused, actor=ACTOR, now=at)
        return HeldBack.REFUSED
    except UserError as refused:
        # A document the ledger cannot make (no creditor set, no address after all): held back
        # and logged; the dry run shows the account.
        log.info("dunning held back %s: %s", decision.account_id, refused)
        return HeldBack.REFUSED
    return None
