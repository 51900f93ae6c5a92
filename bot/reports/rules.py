"""What the monthly narrative says, decided from two months' reports: plain data in, plain data out.

Every figure is taken from a report as it is (the same numbers the digest's tables show); a change is
worked out from the two reports and nothing else. Money is compared within one currency only, never
added across currencies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.reports.model import AgentNumbers, LineFigures, PerformanceReport

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
    opened: Decimal = _ZERO
    """The delinquent balance at the month's opening (the aging table's previous figures, summed
    without `current`): what the cure rate is a share of."""
    opened_before: Decimal = _ZERO
    """The same at the opening of the month before."""

    @property
    def points(self) -> Decimal:
        """The change in percentage points (a ratio of 0.41 against 0.35 is +6 points)."""
        return (self.now - self.before) * 100

    @property
    def mostly(self) -> Cause | None:
        """Whether the change in the balance cured (the rate times the opening balance) came more from the rate
        or from the volume: the rate's part at this month's volume against the volume's part at last
        month's rate (the two add up to the change). None when nothing changed or a part is against
        the change: then neither explains it."""
        change = self.now * self.opened - self.before * self.opened_before
        by_rate = (self.now - self.before) * self.opened
        by_volume = (self.opened - self.opened_before) * self.before
        if change == 0 or self.opened_before == 0:
            return None
        larger, part = (Cause.RATE, by_rate) if abs(by_rate) >= abs(by_volume) else (Cause.VOLUME, by_volume)
        return larger if (part > 0) == (change > 0) and part != 0 else None


class Cause(StrEnum):
    RATE = "rate"
    VOLUME = "volume"


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
class Driver:
    """An agent whose collections moved the team's the same way, and by how much."""

    name: str
    now: Decimal
    before: Decimal

    @property
    def change(self) -> Decimal:
        return self.now - self.before


@dataclass(frozen=True, slots=True)
class Drivers:
    """The agents who made most of the team's change in the target currency."""

    currency: str
    change: Decimal
    agents: tuple[Driver, ...]


@dataclass(frozen=True, slots=True)
class NarrativeFacts:
    collected: tuple[CollectedChange, ...]
    cure: tuple[CureChange, ...]
    buckets: tuple[BucketMove, ...]
    low_agents: tuple[LowAgent, ...]
    agents_with_target: int
    best_rise: AgentRise | None
    drivers: Drivers | None = None


def _currencies(current: PerformanceReport, previous: PerformanceReport) -> list[str]:
    """The target currency first, then by what came in this month, most first."""
    target = current.team.target_currency
    seen = set(current.team.collected) | set(previous.team.collected)
    return sorted(seen, key=lambda c: (c != target, -current.team.collected.get(c, _ZERO), c))


def share_of_target(agent: AgentNumbers | LineFigures, currency: str) -> Decimal | None:
    """What the agent collected in the target currency ÷ their target; None without a target.
    A report's agent line, or one read on its own (the Home's running weeks)."""
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
        CureChange(c, now, was, _delinquent(team.aging_previous, c), _delinquent(before.aging_previous, c))
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
        drivers=_drivers(current, previous),
    )


def _delinquent(aging: dict[str, dict[str, Decimal]], currency: str) -> Decimal:
    return sum((amount for bucket, amount in aging.get(currency, {}).items() if bucket != "current"), _ZERO)


DRIVERS_TOLD = 2


def _drivers(current: PerformanceReport, previous: PerformanceReport) -> Drivers | None:
    """The agents whose collections in the target currency moved most the way the team's did (at
    most DRIVERS_TOLD); None when the team's held or no agent's moved its way. An agent only in one
    of the two months counts from or to nothing."""
    currency = current.team.target_currency
    change = current.team.collected.get(currency, _ZERO) - previous.team.collected.get(currency, _ZERO)
    if change == 0:
        return None
    now = {agent.agent_id: agent for agent in current.agents}
    was = {agent.agent_id: agent for agent in previous.agents}
    moved = [
        Driver(
            (now.get(agent_id) or was[agent_id]).name,
            now[agent_id].collected.get(currency, _ZERO) if agent_id in now else _ZERO,
            was[agent_id].collected.get(currency, _ZERO) if agent_id in was else _ZERO,
        )
        for agent_id in dict.fromkeys([*now, *was])
    ]
    same_way = sorted(
        (d for d in moved if d.change != 0 and (d.change > 0) == (change > 0)),
        key=lambda d: (-abs(d.change), d.name),
    )
    if not same_way:
        return None
    return Drivers(currency, change, tuple(same_way[:DRIVERS_TOLD]))


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
