"""The performance report as plain lines, for `collect-bot report` on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from bot.currency import format_money
from bot.reports.model import Money, PerformanceReport

_TENTH = Decimal("0.1")


def _money(amounts: Money) -> str:
    return (
        ", ".join(format_money(amount, currency) for currency, amount in sorted(amounts.items())) or "nothing"
    )


def _percent(ratio: Decimal | None) -> str:
    """Rounded here and only here (half up, to a tenth of a percent), as in the digest."""
    return "n/a" if ratio is None else f"{(ratio * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)}%"


def _projected(amounts: Money | None) -> str:
    if amounts is None:
        return "n/a"  # something is due but no kept rate to weigh it by
    return _money(amounts) if amounts else "nothing open"


def report_lines(report: PerformanceReport) -> Iterator[str]:
    team = report.team
    yield f"Performance: {report.label} ({report.zone})"
    # Nothing collected is 0 in the target currency, as in the digest and the spreadsheet.
    yield f"  collected: {_money(team.collected or {team.target_currency: Decimal(0)})}"
    if team.target is not None:
        yield f"  target: {format_money(team.target, team.target_currency)}"
    activity = team.activity
    worked = None if not activity.lines_assigned else Decimal(activity.lines_worked) / activity.lines_assigned
    yield (
        f"  attempts: {activity.attempts}, right-party contacts: {activity.right_party_contacts}"
        f" (RPC {_percent(activity.rpc_rate)})"
    )
    yield (
        f"  promises: {activity.promises_made} made, {activity.promises_kept} kept,"
        f" {activity.promises_broken} broken (kept rate {_percent(activity.kept_rate)})"
    )
    yield (
        f"  worklist lines worked: {activity.lines_worked} of {activity.lines_assigned} ({_percent(worked)}),"
        " summed over the working days"
    )
    yield f"  projected for the rest of the period: {_projected(team.projected)}"
    yield f"  promises kept (90 days): {_percent(team.kept_rate_90_days)}"
    for currency in sorted(team.cei):
        cei = team.cei[currency]
        cure = team.cure_rate.get(currency)
        yield f"  {currency}: CEI {'n/a' if cei is None else f'{cei:.1f}'} · cure rate {_percent(cure)}"
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
            f" worklist lines {agent.accounts_worked} worked of {agent.accounts_assigned}"
        )
