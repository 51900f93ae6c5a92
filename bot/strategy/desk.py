"""What `/collect strategy promote|stop NAME` and `collect-bot report --strategy` do, each in one
transaction."""

from __future__ import annotations

from datetime import date

from bot.calendar import add_days, add_months
from bot.runtime import Runtime
from bot.strategy.model import Decided, Decision, StrategyReport
from bot.strategy.records import decide_by_name, results, strategy_in_force


def promote(runtime: Runtime, *, actor: str, name: str) -> Decided:
    """The challenger becomes the treatment of everyone in its segment (supervisors only; audited)."""
    return _decide(runtime, actor, name, Decision.PROMOTE)


def stop(runtime: Runtime, *, actor: str, name: str) -> Decided:
    """The challenger ends; its accounts return to the champion (supervisors only; audited)."""
    return _decide(runtime, actor, name, Decision.STOP)


def _decide(runtime: Runtime, actor: str, name: str, decision: Decision) -> Decided:
    with runtime.db.transaction() as session:
        picked = decide_by_name(session, runtime.settings, name, decision, actor=actor, now=runtime.now())
        return Decided(
            decision,
            tuple(
                (segment.name, segment.champion.name, segment.challenger.name)
                for segment in picked
                if segment.challenger is not None
            ),
        )


def month_report(runtime: Runtime, month: date | None = None) -> StrategyReport:
    """The tests' results for `month` (its first day), or for the team's month so far."""
    today = runtime.today()
    first = (month or today).replace(day=1)
    last = add_days(add_months(first, 1), -1)
    so_far = last >= today
    with runtime.db.reading() as session:
        plan = strategy_in_force(session, runtime.settings)
        found = results(session, plan, first, min(last, today), runtime.settings)
    return StrategyReport(first, min(last, today), so_far, tuple(found))
