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


def report_lines(report: PerformanceReport) -> Iterator[str]:
    team = report.team
    yield f"Performance: {report.label} ({report.zone})"
    yield f"  collected: {_money(team.collected)}"
    if team.target is not None:
        yield f"  target: {format_money(team.target, team.target_currency)}"
    yield f"  projected for the rest of the period: {_money(team.projected) if team.projected else 'n/a'}"
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
            f" collected {_money(agent.collected)}"
        )
