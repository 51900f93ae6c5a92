"""The performance report as plain lines, for `collect-bot report` on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from bot.currency import format_money
from bot.reports.model import Money, PerformanceReport


def _money(amounts: Money) -> str:
    return (
        ", ".join(format_money(amount, currency) for currency, amount in sorted(amounts.items())) or "nothing"
    )


def _percent(ratio: Decimal | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.1f}%"


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
    yield f"  collected: {_money(team.collected)}"
    if team.target is not None:
        yield f"  target: {format_money(team.target, team.target_currency)}"
    yield f"  projected for the rest of the period: {_money(team.projected) if team.projected else 'n/a'}"
    yield f"  promises kept (90 days): {_percent(team.kept_rate_90_days)}"
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
            f" collected {_money(agent.collected)}"
        )
