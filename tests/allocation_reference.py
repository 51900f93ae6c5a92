"""The allocation as it was before issue 23 (one sort of every candidate, then owners and the
pool in rank order), kept as the reference the new allocation must agree with, plan for plan."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from operator import itemgetter

from bot.assignments.rules.allocation import AgentSlot, Allocation, Candidate, CandidateFields


def _rank(candidate: Candidate) -> tuple[float, int]:
    return (-candidate.score, candidate.pk)


def _ranked(candidates: Iterable[CandidateFields]) -> list[CandidateFields]:
    """All candidates in _rank order, highest score first, then lowest pk. With a million of them,
    two stable sorts on C key functions (pk, then score descending) cost far less than one on the
    Python _rank, which would build a tuple per candidate; the order is the same."""
    ranked = sorted(candidates, key=_PK)
    ranked.sort(key=_SCORE, reverse=True)  # reverse=True keeps equal scores in pk order
    return ranked


_PK = itemgetter(0)
_SCORE = itemgetter(1)


def reference_allocate(candidates: Iterable[CandidateFields], agents: Sequence[AgentSlot]) -> Allocation:
    """Candidates may come as Candidates or as plain tuples of their fields; the lists hold Candidates."""
    working = {agent.slack_user_id: agent for agent in agents if agent.capacity > 0}
    allocation = Allocation(lists={agent_id: [] for agent_id in working})
    # With nobody at work allowed high value, keeping high-value accounts with their owners comes
    # first, exactly like any other account: the fallback is continuity, not what is left over.
    seniors = any(agent.takes_high_value for agent in working.values())
    pool = _keep_with_owners(_ranked(candidates), working, allocation, seniors=seniors)
    _spread(pool, working, allocation)
    for ranked in allocation.lists.values():
        ranked.sort(key=_rank)
    if allocation.high_value_without_senior:
        # Found in two passes (kept, then shared out): told to the supervisors in rank order.
        placed = {c.pk: _rank(c) for ranked in allocation.lists.values() for c in ranked}
        allocation.high_value_without_senior.sort(key=placed.__getitem__)
    return allocation


def _keep_with_owners(
    ranked: list[CandidateFields], working: dict[str, AgentSlot], allocation: Allocation, *, seniors: bool
) -> list[CandidateFields]:
    """Continuity: an account stays with its agent while they are here and have room. Taken in
    rank order, so each agent keeps their best accounts, and the rest, the pool, stays ranked.
    While someone allowed high value is at work, a high-value account of an agent who is not
    goes to the pool, to reach them."""
    pool: list[CandidateFields] = []
    lists = allocation.lists
    for candidate in ranked:
        pk, _score, assigned_to, _language, high_value = candidate
        owner = working.get(assigned_to or "")
        if (
            owner is not None
            and (owner.takes_high_value or not high_value or not seniors)
            and len(mine := lists[owner.slack_user_id]) < owner.capacity
        ):
            mine.append(Candidate._make(candidate))
            if high_value and not owner.takes_high_value:
                allocation.high_value_without_senior.append(pk)
        else:
            pool.append(candidate)
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
    loads = _Loads(working, allocation)
    for position, fields in enumerate(pool):
        if not loads.anyone_has_room():
            rest = pool[position:]
            allocation.beyond_capacity += len(rest)
            allocation.high_value_left_off += [pk for pk, _s, _a, _l, high_value in rest if high_value]
            return
        candidate = Candidate._make(fields)
        if loads.take(candidate):
            continue
        # Unreachable while anyone has room (high value falls back to anyone), kept as a count.
        allocation.beyond_capacity += 1
        if candidate.high_value:
            allocation.high_value_left_off.append(candidate.pk)
