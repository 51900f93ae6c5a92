"""What the monthly narrative says, decided from two months' reports: plain data in, plain data out.

Every figure is taken from a report as it is (the same numbers the digest's tables show); a change is
worked out from the two reports and nothing else. Money is compared within one currency only, never
added across currencies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.reports.model import AgentNumbers, PerformanceReport

LOW_SHARE_OF_TARGET = Decimal("0.6")
"""An agent under 60% of their target is named in the narrative."""
CURRENCIES_TOLD = 3
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class CollectedChange:
    currency: str
    now: Decimal
    before: Decimal

    @property
    def change(self) -> Decimal | None:
        """now ÷ before, less 1; None when nothing came in the month before."""
        return None if self.before == 0 else self.now / self.before - 1


@dataclass(frozen=True, slots=True)
class CureChange:
    currency: str
    now: Decimal
    before: Decimal

    @property
    def points(self) -> Decimal:
        """The change in percentage points (a ratio of 0.41 against 0.35 is +6 points)."""
        return (self.now - self.before) * 100


@dataclass(frozen=True, slots=True)
class BucketMove:
    """The aging bucket whose balance moved most in the month, within one currency."""

    currency: str
    bucket: str
    now: Decimal
    before: Decimal


@dataclass(frozen=True, slots=True)
class LowAgent:
    name: str
    share: Decimal


@dataclass(frozen=True, slots=True)
class AgentRise:
    name: str
    currency: str
    now: Decimal
    before: Decimal


@dataclass(frozen=True, slots=True)
class NarrativeFacts:
    collected: tuple[CollectedChange, ...]
    cure: tuple[CureChange, ...]
    buckets: tuple[BucketMove, ...]
    low_agents: tuple[LowAgent, ...]
    agents_with_target: int
    best_rise: AgentRise | None


def _currencies(current: PerformanceReport, previous: PerformanceReport) -> list[str]:
    """The target currency first, then by what came in this month, most first."""
    target = current.team.target_currency
    seen = set(current.team.collected) | set(previous.team.collected)
    return sorted(seen, key=lambda c: (c != target, -current.team.collected.get(c, _ZERO), c))


def share_of_target(agent: AgentNumbers, currency: str) -> Decimal | None:
    """What the agent collected in the target currency ÷ their target; None without a target."""
    if agent.target is None or agent.target == 0:
        return None
    return agent.collected.get(currency, _ZERO) / agent.target


def narrative_facts(current: PerformanceReport, previous: PerformanceReport) -> NarrativeFacts:
    team, before = current.team, previous.team
    currencies = _currencies(current, previous)[:CURRENCIES_TOLD]
    collected = tuple(
        CollectedChange(c, team.collected.get(c, _ZERO), before.collected.get(c, _ZERO)) for c in currencies
    )
    cure = tuple(
        CureChange(c, now, was)
        for c in currencies
        if (now := team.cure_rate.get(c)) is not None and (was := before.cure_rate.get(c)) is not None
    )
    return NarrativeFacts(
        collected=collected,
        cure=cure,
        buckets=tuple(move for c in currencies if (move := _bucket_move(current, c)) is not None),
        low_agents=_low_agents(current.agents, team.target_currency),
        agents_with_target=sum(
            1 for a in current.agents if share_of_target(a, team.target_currency) is not None
        ),
        best_rise=_best_rise(current.agents, previous.agents, team.target_currency),
    )


def _bucket_move(report: PerformanceReport, currency: str) -> BucketMove | None:
    """The delinquent bucket (not `current`) whose balance changed most between the month's opening
    and its close; ties go to the older bucket, the one that matters more."""
    now = report.team.aging.get(currency, {})
    was = report.team.aging_previous.get(currency, {})
    moves = [
        BucketMove(currency, bucket, now.get(bucket, _ZERO), was.get(bucket, _ZERO))
        for bucket in dict.fromkeys([*was, *now])
        if bucket != "current" and now.get(bucket, _ZERO) != was.get(bucket, _ZERO)
    ]
    if not moves:
        return None
    return max(moves, key=lambda m: (abs(m.now - m.before), m.bucket))


def _low_agents(agents: Sequence[AgentNumbers], currency: str) -> tuple[LowAgent, ...]:
    low = [
        LowAgent(agent.name, share)
        for agent in agents
        if (share := share_of_target(agent, currency)) is not None and share < LOW_SHARE_OF_TARGET
    ]
    return tuple(sorted(low, key=lambda a: (a.share, a.name)))


def _best_rise(
    agents: Sequence[AgentNumbers], before: Sequence[AgentNumbers], currency: str
) -> AgentRise | None:
    """The agent whose collections in the target currency rose most against the month before."""
    was = {agent.agent_id: agent.collected.get(currency, _ZERO) for agent in before}
    rises = [
        AgentRise(agent.name, currency, agent.collected.get(currency, _ZERO), was.get(agent.agent_id, _ZERO))
        for agent in agents
    ]
    rises = [rise for rise in rises if rise.now > rise.before]
    if not rises:
        return None
    return max(rises, key=lambda r: (r.now - r.before, r.name))
