"""The performance report as plain lines, for `collect-bot report` on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from bot.currency import format_money
from bot.language.model import reader_locale
from bot.reports.model import Money, PerformanceReport

_TENTH = Decimal("0.1")


def _money(amounts: Money) -> str:
    return (
        ", ".join(
            format_money(amount, currency, reader_locale()) for currency, amount in sorted(amounts.items())
        )
        or "nothing"
    )


def _percent(ratio: Decimal | None) -> str:
    """Rounded here and only here (half up, to a tenth of a percent), as in the digest."""
    return "n/a" if ratio is None else f"{(ratio * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)}%"


def _projected(amounts: Money | None) -> str:
    if amounts is None:
        return "n/a"  # something is due but no kept rate to weigh it by
    return _money(amounts) if amounts else "nothing open"


def _index(value: Decimal | None) -> str:
    """The CEI is already a percentage (0..100)."""
    return "n/a" if value is None else f"{value:.1f}%"


def _portfolio_line(report: PerformanceReport, currency: str) -> str:
    """The CEI (over all receivables too, for a month), then the accounts delinquent at the
    opening that are cured (current again, still owing) and those paid off, apart."""
    team = report.team
    parts = [f"CEI {_index(team.cei.get(currency))}"]
    if report.kind == "month":
        parts.append(f"CEI over all receivables {_index(team.cei_all_receivables.get(currency))}")
    parts.append(f"cured {_percent(team.cure_rate.get(currency))}")
    parts.append(f"paid off {_percent(team.paid_off_rate.get(currency))}")
    return " · ".join(parts)


def report_lines(report: PerformanceReport) -> Iterator[str]:
    team = report.team
    yield f"Performance: {report.label} ({report.zone})"
    # Nothing collected is 0 in the target currency, as in the digest and the spreadsheet.
    yield f"  collected: {_money(team.collected or {team.target_currency: Decimal(0)})}"
    if team.target is not None:
        yield f"  target: {format_money(team.target, team.target_currency, reader_locale())}"
    activity = team.activity
    worked = None if not activity.lines_assigned else Decimal(activity.lines_worked) / activity.lines_assigned
    yield (
        f"  attempts: {activity.attempts}, right-party contacts: {activity.right_party_contacts}"
        f" (RPC {_percent(activity.rpc_rate)})"
    )
    if activity.attempts_by_channel:
        yield "  attempts by channel: " + ", ".join(
            f"{channel} {n}" for channel, n in activity.attempts_by_channel
        )
    yield (
        f"  promises: {activity.promises_made} made, {activity.promises_kept} kept,"
        f" {activity.promises_broken} broken (kept rate {_percent(activity.kept_rate)})"
    )
    if activity.lines_assigned:
        yield (
            f"  worklist lines worked: {activity.lines_worked} of {activity.lines_assigned} ({_percent(worked)}),"
            " summed over the working days"
        )
    else:  # not 0 of 0: no list was handed out in the period
        yield "  worklist lines: nothing yet"
    if not report.complete:  # a closed period has no rest to project
        yield f"  projected for the rest of the period: {_projected(team.projected)}"
    yield f"  promises kept (90 days): {_percent(team.kept_rate_90_days)}"
    complaints = team.complaints
    if complaints.any:
        yield (
            f"  complaints: {complaints.opened} opened, {complaints.resolved} resolved,"
            f" {complaints.overdue} overdue"
        )
    textbook = team.cei_all_receivables.keys() if report.kind == "month" else set()
    for currency in sorted(team.cei.keys() | textbook):
        yield f"  {currency}: {_portfolio_line(report, currency)}"
    yield (
        f"  escalations: {team.escalations_opened} opened, {team.escalations_decided} decided,"
        f" {team.escalations_waiting} waiting; disputes opened: {team.disputes_opened}"
    )
    yield "  agents:"
    for agent in report.agents:
        yield (
            f"    {agent.name}: {agent.attempts} attempts, RPC {_percent(agent.rpc_rate)},"
            f" promises {agent.promises_made} made / {agent.promises_kept} kept ({_percent(agent.kept_rate)}),"
            f" collected {_money(agent.collected)},"
            + (
                f" worklist lines {agent.accounts_worked} worked of {agent.accounts_assigned}"
                if agent.accounts_assigned
                else " no worklist"
            )
        )
