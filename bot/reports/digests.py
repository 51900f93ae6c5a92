"""The performance digests: daily at the end of the working day, weekly on the first working day
of the week (for the week before), monthly on the first working day of the month (for the month
before). Each goes to the supervisors' channel (and the management channel when set) with its
chart and spreadsheet uploaded into its thread, all queued in the outbox in the transaction that
claims the period."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.blocks.digest import digest_message
from bot.blocks.kit import Reply
from bot.calendar import WorkCalendar
from bot.clock import team_today
from bot.compliance.privacy import mask_account_id
from bot.job_faults import SkippedRows
from bot.job_runs import JobReport, already_ran, claim, describe
from bot.kpis.formulas import period_for, previous
from bot.outbox import Upload, enqueue
from bot.reports.chart import report_chart
from bot.reports.model import PerformanceReport, PeriodKind
from bot.reports.numbers import build_report
from bot.reports.spreadsheet import report_workbook
from bot.runtime import Runtime

JOB = "performance-digest"
KINDS: tuple[PeriodKind, ...] = ("day", "week", "month")


def job_name(kind: PeriodKind) -> str:
    return f"{JOB}-{kind}"


def reported_day(kind: PeriodKind, at: datetime, runtime: Runtime) -> date:
    """A day inside the period the digest reports: today for the daily one, a day of the week or
    month before for the others."""
    today = team_today(at, runtime.zone)
    if kind == "day":
        return today
    current = period_for(kind, today, runtime.zone)
    return previous(kind, current, runtime.zone).start.astimezone(runtime.zone).date()


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
    calendar = WorkCalendar.from_settings(settings)
    if kind == "day":
        return calendar.is_working_day(local.date()) and local.time() >= settings.daily_digest_time
    return first_working_day(kind, local.date(), calendar, runtime) and local.time() >= settings.digest_time


def run_digest(kind: PeriodKind, runtime: Runtime, at: datetime, by: str) -> JobReport:
    day = reported_day(kind, at, runtime)
    period = period_for(kind, day, runtime.zone).start.astimezone(runtime.zone).date().isoformat()
    name = job_name(kind)
    skipped = SkippedRows(name)
    with runtime.db.reading() as session:
        done = already_ran(session, name, period)
        if done is not None:
            return JobReport(name, period, False, describe(done))
        report = build_report(session, kind, day, runtime.settings, at, skipped)
    message, files = digest_message(report), report_files(report)
    try:
        with runtime.db.transaction() as session:
            claim(session, name, period, at, by, {"agents": len(report.agents), "skipped": len(skipped)})
            for channel in _channels(runtime):
                key = f"digest:{kind}:{period}:{channel}"
                wider = channel != runtime.settings.supervisor_channel
                shown = masked(report) if wider else report
                reply = digest_message(shown) if wider else message
                enqueue(session, key=key, kind="digest", channel=channel, reply=reply, now=at)
                _attach(session, key, channel, shown, report_files(shown) if wider else files, at)
            skipped.record(session, runtime, at)
    except IntegrityError:
        return JobReport(name, period, False, f"{name} for {period} was run by another process")
    return JobReport(
        name, period, True, f"{report.label}: digest queued for {len(_channels(runtime))} channel(s)"
    )


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
    first_day = report.start.astimezone(ZoneInfo(report.zone)).date().isoformat()
    stem = f"collections-{report.kind}-{first_day}"
    return [
        Upload(f"{stem}.png", f"Collected against target, and aging: {report.label}", report_chart(report)),
        Upload(f"{stem}.xlsx", f"The numbers: {report.label}", report_workbook(report)),
    ]
