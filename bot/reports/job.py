"""The performance digests, each about closed periods, so that every payment is in exactly one
daily, one weekly and one monthly digest.

- Daily, at COLLECT_DAILY_DIGEST_TIME on working days: the days since the last day a daily digest
  reported, complete to their midnight (Tuesday's covers Monday; Monday's covers Friday to Sunday;
  the day after a holiday covers it too). Such a run of days is cut where a week or a month starts,
  one digest each, so the daily digests of a week or a month add up to its weekly or monthly one.
  Then, for the supervisors only and without attachments, today so far, labelled with the minute
  it was cut: what happens after it is in tomorrow's digest.
- Weekly and monthly, at COLLECT_DIGEST_TIME on the first working day of the week or month: the
  whole week or month before, to its last midnight.

Each goes to the supervisors' channel (and the closed ones to the management channel when set) with
its chart and spreadsheet uploaded into its thread, all queued in the outbox in the transaction that
claims the period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.blocks.digest import digest_message
from bot.blocks.kit import Reply
from bot.blocks.narrative import narrative
from bot.blocks.strategy import strategy_results
from bot.calendar import WorkCalendar, add_days, add_months
from bot.clock import team_today
from bot.compliance.rules.privacy import mask_account_id
from bot.job_faults import SkippedRows
from bot.job_runs import JobReport, already_ran, claim, describe, run_key
from bot.kpis.rules import period_for, previous
from bot.language.model import _
from bot.outbox.records import Upload, enqueue
from bot.reports.model import PerformanceReport, PeriodKind
from bot.reports.records.numbers import build_report
from bot.runtime import Runtime
from bot.strategy.model import StrategyReport
from bot.strategy.records import results, segment_events, strategy_in_force
from bot.strategy.render import segment_sentences
from storage.models import JobRun

JOB = "performance-digest"
KINDS: tuple[PeriodKind, ...] = ("day", "week", "month")
SPAN = ".."
"""Between the first and last day in the claim of a daily digest's run of days: 2026-11-20..2026-11-22."""
FIRST_LOOK_BACK = 31
"""With no daily digest on record, the first one reaches back to the working day before, this far at most."""


def job_name(kind: PeriodKind) -> str:
    return f"{JOB}-{kind}"


def reported_day(kind: PeriodKind, at: datetime, runtime: Runtime) -> date:
    """A day inside the period the digest reports: today for the daily one (today so far, beside
    the closed days), a day of the week or month before for the others."""
    today = team_today(at, runtime.zone)
    if kind == "day":
        return today
    current = period_for(kind, today, runtime.zone)
    return previous(kind, current, runtime.zone).start.astimezone(runtime.zone).date()


def closed_runs(first: date, last: date) -> list[tuple[date, date]]:
    """The days `first`..`last` as runs of days, cut where a week (Monday) or a month starts: each
    run lies in one week and one month."""
    runs: list[tuple[date, date]] = []
    start = day = first
    while day <= last:
        following = add_days(day, 1)
        if day == last or following.weekday() == 0 or following.day == 1:
            runs.append((start, day))
            start = following
        day = following
    return runs


def _span_key(first: date, last: date) -> str:
    return f"{first.isoformat()}{SPAN}{last.isoformat()}"


def last_day_reported(session: Session) -> date | None:
    """The last day a daily digest reported complete, from the claims of the runs of days; job
    claims are kept 90 days (housekeeping)."""
    keys = session.scalars(
        select(JobRun.period).where(JobRun.job == job_name("day"), JobRun.period.contains(SPAN))
    )
    days = [date.fromisoformat(key.split(SPAN)[1]) for key in keys]
    return max(days, default=None)


def days_to_report(session: Session, today: date, calendar: WorkCalendar) -> tuple[date, date] | None:
    """The closed days today's daily digest reports: from the day after the last one reported to
    yesterday, so a day with no digest (a weekend, a holiday, a day the bot was down) is in the
    next one. With nothing reported yet, from the working day before today."""
    yesterday = add_days(today, -1)
    reported = last_day_reported(session)
    if reported is not None:
        first = add_days(reported, 1)
    else:
        first = yesterday
        for back in range(1, FIRST_LOOK_BACK + 1):
            if calendar.is_working_day(add_days(today, -back)):
                first = add_days(today, -back)
                break
    return (first, yesterday) if first <= yesterday else None


def first_working_day(kind: PeriodKind, day: date, calendar: WorkCalendar, runtime: Runtime) -> bool:
    """Is `day` the first working day of its week (or month)?"""
    period = period_for(kind, day, runtime.zone)
    cursor = period.start.astimezone(runtime.zone).date()
    while cursor < day:
        if calendar.is_working_day(cursor):
            return False
        cursor += timedelta(days=1)
    return calendar.is_working_day(day)


def digest_due(kind: PeriodKind, runtime: Runtime, at: datetime) -> bool:
    settings = runtime.settings
    local = at.astimezone(runtime.zone)
    calendar = settings.work_calendar
    if kind == "day":
        return calendar.is_working_day(local.date()) and local.time() >= settings.daily_digest_time
    return first_working_day(kind, local.date(), calendar, runtime) and local.time() >= settings.digest_time


def run_digest(kind: PeriodKind, runtime: Runtime, at: datetime, by: str) -> JobReport:
    if kind == "day":
        return _run_daily(runtime, at, by)
    day = reported_day(kind, at, runtime)
    period = period_for(kind, day, runtime.zone).start.astimezone(runtime.zone).date().isoformat()
    name = job_name(kind)
    skipped = SkippedRows(name)
    with runtime.db.reading() as session:
        done = already_ran(session, name, period)
        if done is not None:
            return JobReport(name, period, False, describe(done))
        report = build_report(session, kind, day, runtime.settings, at, skipped)
        tests = _strategy_results(session, runtime, day) if kind == "month" else None
        opening: list[str] = []
        if kind == "month":
            # The month before, to the end, for the narrative that opens the monthly digest.
            before = report.start.astimezone(runtime.zone).date() - timedelta(days=1)
            previous = build_report(session, kind, before, runtime.settings, at, skipped)
            first = report.start.astimezone(runtime.zone).date()
            events = segment_events(session, runtime.settings, first, add_days(add_months(first, 1), -1))
            tested = segment_sentences(tests.results if tests is not None else (), events)
            opening = narrative(report, previous, segments=tested)
    try:
        with runtime.db.transaction() as session:
            claim(session, name, period, at, by, {"agents": len(report.agents), "skipped": len(skipped)})
            key = run_key(f"digest:{kind}:{period}")
            _queue(session, runtime, report, key, _channels(runtime), at, narrative_text=opening)
            if tests is not None:
                for channel in _channels(runtime):
                    # In the digest's thread, after its files; segments and treatments only, so the
                    # management channel gets it as it is.
                    enqueue(session, key=f"{key}:{channel}:strategy", kind="digest-strategy", channel=channel,
                            reply=strategy_results(tests), now=at, thread_key=f"{key}:{channel}")  # fmt: skip
            skipped.record(session, runtime, at)
    except IntegrityError:
        return JobReport(name, period, False, f"{name} for {period} was run by another process")
    return JobReport(
        name, period, True, f"{report.label}: digest queued for {len(_channels(runtime))} channel(s)"
    )


def _strategy_results(session: Session, runtime: Runtime, day: date) -> StrategyReport | None:
    """The month's champion/challenger results for the monthly digest; None when no test has drawn
    any account (a team without tests gets no section)."""
    first = day.replace(day=1)
    last = add_days(add_months(first, 1), -1)
    found = results(session, strategy_in_force(session, runtime.settings), first, last, runtime.settings)
    return StrategyReport(first, last, False, tuple(found)) if found else None


def _run_daily(runtime: Runtime, at: datetime, by: str) -> JobReport:
    """The closed days since the last daily digest, one digest per run of days in one week and
    month, then today so far for the supervisors. The run is claimed for today, and each run of
    days for itself: no day is reported twice, whoever runs the job when."""
    name = job_name("day")
    today = team_today(at, runtime.zone)
    period = today.isoformat()
    skipped = SkippedRows(name)
    with runtime.db.reading() as session:
        done = already_ran(session, name, period)
        if done is not None:
            return JobReport(name, period, False, describe(done))
        days = days_to_report(session, today, runtime.settings.work_calendar)
        runs = closed_runs(*days) if days else []
        closed = [
            build_report(session, "day", first, runtime.settings, at, skipped, last_day=last)
            for first, last in runs
        ]
        so_far = build_report(session, "day", today, runtime.settings, at, skipped)
    supervisors = [runtime.settings.supervisor_channel] if runtime.settings.supervisor_channel else []
    try:
        with runtime.db.transaction() as session:
            keys = [_span_key(first, last) for first, last in runs]
            claim(session, name, period, at, by, {"closed": keys, "skipped": len(skipped)})
            for key, report in zip(keys, closed, strict=True):
                claim(session, name, key, at, by, {"agents": len(report.agents)})
                _queue(session, runtime, report, run_key(f"digest:day:{key}"), _channels(runtime), at)
            _queue(session, runtime, so_far, run_key(f"digest:today:{period}"), supervisors, at, files=False)
            skipped.record(session, runtime, at)
    except IntegrityError:
        return JobReport(name, period, False, f"{name} for {period} was run by another process")
    said = "; ".join([*(r.label for r in closed), f"{so_far.label} for the supervisors"])
    return JobReport(name, period, True, f"{said}: digests queued")


def _queue(
    session: Session,
    runtime: Runtime,
    report: PerformanceReport,
    key: str,
    channels: list[str],
    at: datetime,
    *,
    files: bool = True,
    narrative_text: Sequence[str] = (),
) -> None:
    # Each channel's message and files are made for that channel alone (the management channel's
    # from the masked report): made before knowing who gets them, a team with no channel set or
    # with the management channel only had a chart and a spreadsheet drawn for nobody, which loaded
    # matplotlib, numpy and XlsxWriter into the bot for good.
    for channel in channels:
        channel_key = f"{key}:{channel}"
        wider = channel != runtime.settings.supervisor_channel
        shown = masked(report) if wider else report
        reply = digest_message(shown, narrative_text)
        enqueue(session, key=channel_key, kind="digest", channel=channel, reply=reply, now=at)
        if files:
            _attach(session, channel_key, channel, shown, report_files(shown), at)


def _channels(runtime: Runtime) -> list[str]:
    settings = runtime.settings
    return [c for c in (settings.supervisor_channel, settings.management_channel) if c]


def _attach(
    session: Session, key: str, channel: str, report: PerformanceReport, files: list[Upload], at: datetime
) -> None:
    """The chart and the spreadsheet go into the digest's thread, each an upload of its own."""
    for number, upload in enumerate(files):
        enqueue(
            session,
            key=f"{key}:file:{number}",
            kind="digest-file",
            channel=channel,
            reply=Reply(text=upload.title),
            now=at,
            thread_key=key,
            upload=upload,
        )


def masked(report: PerformanceReport) -> PerformanceReport:
    """The management channel may be wider than the supervisors': account ids are masked there
    (ACC-…1042), so no debtor and debt are shown together."""
    ids = {row.account_id for row in report.payments} | {row.account_id for row in report.promises}

    def hide(text: str) -> str:
        for account_id in ids:
            text = text.replace(account_id, mask_account_id(account_id))
        return text

    return replace(
        report,
        wins=tuple(replace(win, what=hide(win.what)) for win in report.wins),
        payments=tuple(
            replace(row, account_id=mask_account_id(row.account_id), reference=None)
            for row in report.payments
        ),
        promises=tuple(replace(row, account_id=mask_account_id(row.account_id)) for row in report.promises),
    )


def report_files(report: PerformanceReport) -> list[Upload]:
    # matplotlib and the spreadsheet writer are imported when a digest is drawn, not when the
    # scheduler starts: a serving bot that has not sent one yet does without their 40 MB.
    from bot.reports.render.chart import report_chart
    from bot.reports.render.spreadsheet import report_workbook

    first_day = report.start.astimezone(ZoneInfo(report.zone)).date().isoformat()
    stem = f"collections-{report.kind}-{first_day}"
    return [
        Upload(
            f"{stem}.png",
            _("Collected against target, and aging: {label}").format(label=report.label),
            report_chart(report),
        ),
        Upload(
            f"{stem}.xlsx",
            _("Spreadsheet: the numbers, {label}").format(label=report.label),
            report_workbook(report),
        ),
    ]
