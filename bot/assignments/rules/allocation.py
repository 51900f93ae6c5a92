"""Handing the day's accounts to agents: by capacity, keeping each account with the agent who
already has it, routing high balances to agents allowed to take them and customers to agents who
speak their language, and spreading the rest so that each agent's total score is balanced.

A high-value account goes to an agent allowed to take it (a senior agent, or a supervisor with a
capacity) while one of them has room. When none of them does (the roster has no senior agent at
work today, or they are all full) the rule falls back to continuity: the account stays with the
agent it is assigned to, and an account nobody holds is spread like any other. Either way it is
named in `high_value_without_senior`, so the supervisors hear of it: the most valuable accounts
are never left off every list while anyone has room, nor moved to a junior agent silently."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class AgentSlot:
    slack_user_id: str
    capacity: int
    languages: frozenset[str]
    takes_high_value: bool


class Candidate(NamedTuple):
    """An account that may be worked today, with its score."""

    pk: int
    score: float
    assigned_to: str | None
    language: str | None
    high_value: bool


CandidateFields = tuple[int, float, str | None, str | None, bool]
"""A Candidate's fields in a plain tuple: the form the morning run hands over, a million at a time.
The cycle collector stops tracking a plain tuple of plain values once it has seen it, but walks
every NamedTuple again at each full collection, which costs over a second on a million."""


@dataclass
class Allocation:
    lists: dict[str, list[Candidate]] = field(default_factory=dict)
    """Each agent's accounts for today, highest score first."""
    high_value_without_senior: list[int] = field(default_factory=list)
    """High-value accounts (pks, in rank order) placed with an agent not allowed high value,
    because no agent allowed to take them was at work with room when their turn came."""
    high_value_left_off: list[int] = field(default_factory=list)
    """High-value accounts (pks, in rank order) that did not fit in anyone's capacity today."""
    beyond_capacity: int = 0
    """Accounts that did not fit in anyone's capacity today, the high-value ones included."""


def _rank(candidate: Candidate) -> tuple[float, int]:
    return (-candidate.score, candidate.pk)


class Placed(NamedTuple):
    """An account on an agent's list, as the day's working order sees it."""

    pk: int
    score: float
    callable_later: bool
    """The customer may not be called yet at the morning's planning time (their hours)."""


def priority(score: float) -> float:
    """An account's priority: its score's whole points. Scores are a ranking built from weighted
    floats, so two accounts a fraction of a point apart are as urgent as each other."""
    return float(math.floor(score)) if math.isfinite(score) else score


def working_order(lines: Iterable[Placed]) -> list[Placed]:
    """An agent's list in the order to work it: highest priority first; within one priority the
    customers who may be called now before those who may not yet (a Los Angeles customer of a
    New York team at 08:00), then by score, then the lower pk, so the order never varies."""
    return sorted(lines, key=lambda line: (-priority(line.score), line.callable_later, -line.score, line.pk))


def _ranked(candidates: Iterable[CandidateFields]) -> list[CandidateFields]:
    """All candidates in _rank order, highest score first, then lowest pk. With a million of them,
    two stable sorts on C key functions (pk, then score descending) cost far less than one on the
    Python _rank, which would build a tuple per candidate; the order is the same."""
    ranked = sorted(candidates, key=_PK)
    ranked.sort(key=_SCORE, reverse=True)  # reverse=True keeps equal scores in pk order
    return ranked


_PK = itemgetter(0)
_SCORE = itemgetter(1)


def allocate(candidates: Iterable[CandidateFields], agents: Sequence[AgentSlot]) -> Allocation:
    """Candidates may come as Candidates or as plain tuples of their fields; the lists hold Candidates.

    The same allocation as taking every candidate in rank order (each to its owner while they have
    room, the rest spread), without ranking a million of them: each owner keeps the best of their
    own, and the agents' room left takes only the best of the pool (tests/allocation_reference.py
    is that plain way, and the tests hold the two to the same plans)."""
    working = {agent.slack_user_id: agent for agent in agents if agent.capacity > 0}
    allocation = Allocation(lists={agent_id: [] for agent_id in working})
    # With nobody at work allowed high value, keeping high-value accounts with their owners comes
    # first, exactly like any other account: the fallback is continuity, not what is left over.
    seniors = any(agent.takes_high_value for agent in working.values())
    pool = _keep_with_owners(candidates, working, allocation, seniors=seniors)
    _spread(pool, working, allocation)
    for ranked in allocation.lists.values():
        ranked.sort(key=_rank)
    if allocation.high_value_without_senior:
        # Found in two passes (kept, then shared out): told to the supervisors in rank order.
        placed = {c.pk: _rank(c) for ranked in allocation.lists.values() for c in ranked}
        allocation.high_value_without_senior.sort(key=placed.__getitem__)
    return allocation


def _keep_with_owners(
    candidates: Iterable[CandidateFields],
    working: dict[str, AgentSlot],
    allocation: Allocation,
    *,
    seniors: bool,
) -> list[CandidateFields]:
    """Continuity: an account stays with its agent while they are here and have room, the best
    first, so each agent keeps their best accounts; the rest is the pool, in no order. While
    someone allowed high value is at work, a high-value account of an agent who is not goes to the
    pool, to reach them."""
    pool: list[CandidateFields] = []
    theirs: dict[str, list[CandidateFields]] = {agent_id: [] for agent_id in working}
    for candidate in candidates:
        owner = working.get(candidate[2] or "")
        if owner is not None and (owner.takes_high_value or not candidate[4] or not seniors):
            theirs[owner.slack_user_id].append(candidate)
        else:
            pool.append(candidate)
    for agent_id, mine in theirs.items():
        owner = working[agent_id]
        ranked = _ranked(mine)
        pool += ranked[owner.capacity :]
        allocation.lists[agent_id] = [Candidate._make(candidate) for candidate in ranked[: owner.capacity]]
        if not owner.takes_high_value:
            allocation.high_value_without_senior += [
                pk for pk, _s, _a, _l, hv in ranked[: owner.capacity] if hv
            ]
    return pool


class _Loads:
    """Agents with room, cheapest (lowest total score) first, looked up per kind of account."""

    def __init__(self, working: dict[str, AgentSlot], allocation: Allocation) -> None:
        self.working = working
        self.allocation = allocation
        self.totals = {agent_id: sum(c.score for c in allocation.lists[agent_id]) for agent_id in working}
        self.heaps: dict[tuple[bool, str], list[tuple[float, str]]] = defaultdict(list)
        for agent_id in working:
            self._push(agent_id)

    def room(self, agent_id: str) -> bool:
        return len(self.allocation.lists[agent_id]) < self.working[agent_id].capacity

    def anyone_has_room(self) -> bool:
        return bool(self._peek((False, "")))

    def _keys(self, agent: AgentSlot) -> list[tuple[bool, str]]:
        flags = [False, True] if agent.takes_high_value else [False]
        return [(hv, language) for hv in flags for language in ("", *agent.languages)]

    def _push(self, agent_id: str) -> None:
        if not self.room(agent_id):
            return
        for key in self._keys(self.working[agent_id]):
            heapq.heappush(self.heaps[key], (self.totals[agent_id], agent_id))

    def _peek(self, key: tuple[bool, str]) -> str | None:
        heap = self.heaps.get(key)
        while heap:
            total, agent_id = heap[0]
            if total == self.totals[agent_id] and self.room(agent_id):
                return agent_id
            heapq.heappop(heap)  # stale: the agent took an account since, or is full
        return None

    def take(self, candidate: Candidate) -> bool:
        agent_id = self._cheapest(candidate, candidate.high_value)
        if not agent_id and candidate.high_value:
            # Nobody allowed high value has room: its own agent keeps it, else anyone with room.
            owner = candidate.assigned_to or ""
            agent_id = (
                owner if owner in self.working and self.room(owner) else self._cheapest(candidate, False)
            )
            if agent_id:
                self.allocation.high_value_without_senior.append(candidate.pk)
        if not agent_id:
            return False
        self.allocation.lists[agent_id].append(candidate)
        self.totals[agent_id] += candidate.score
        self._push(agent_id)
        return True

    def _cheapest(self, candidate: Candidate, high_value: bool) -> str | None:
        """The agent with room and the lowest total for this kind of account, a speaker of the
        customer's language first."""
        language = (candidate.language or "").lower()
        return (language and self._peek((high_value, language))) or self._peek((high_value, ""))


def _spread(pool: list[CandidateFields], working: dict[str, AgentSlot], allocation: Allocation) -> None:
    """The pool to the agents with room, best first, until nobody has room: only the best `room`
    of the pool can be taken (every take succeeds while anyone has room), so only those are ranked."""
    loads = _Loads(working, allocation)
    room = sum(agent.capacity - len(allocation.lists[agent_id]) for agent_id, agent in working.items())
    best = _ranked(_best(pool, room))[:room] if room > 0 else []
    taken: set[int] = set()
    for fields in best:
        if not loads.anyone_has_room():
            break
        candidate = Candidate._make(fields)
        if loads.take(candidate):
            taken.add(candidate.pk)
            continue
        # Unreachable while anyone has room (high value falls back to anyone), kept as a count.
    allocation.beyond_capacity += len(pool) - len(taken)
    left = _ranked([fields for fields in pool if fields[4] and fields[0] not in taken])
    allocation.high_value_left_off += [pk for pk, _s, _a, _l, _hv in left]


def _best(pool: list[CandidateFields], room: int) -> list[CandidateFields]:
    """The pool's accounts that may be among its `room` best: those scoring at least the
    `room`-th highest score (all of them when they are fewer), ties included."""
    if len(pool) <= room:
        return pool
    cut = heapq.nlargest(room, map(_SCORE, pool))[-1]
    return [fields for fields in pool if fields[1] >= cut]
