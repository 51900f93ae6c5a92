"""The accounts a supervisor must hear about, as plain rules over an account's facts:
high value (delinquent, or untouched for 2 working days), stalled (no attempt for N working days,
no conversation for M days, no payment for K days while assigned), a broken promise, and a
payment plan at risk (two broken instalments in a row)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bot.calendar import add_days
from bot.currency import format_money

# A snoozed alert stays quiet this long, whatever its account does meanwhile.
SNOOZE_DAYS = 3
# Working days without contact are counted over this many calendar days at most: every threshold is
# far below it, and a contact dated centuries back must not make the alerts run count centuries.
QUIET_DAYS_COUNTED = 366


class Condition(StrEnum):
    HIGH_VALUE = "high-value"
    HIGH_VALUE_UNTOUCHED = "high-value-untouched"
    STALLED = "stalled"
    BROKEN_PROMISE = "broken-promise"
    PLAN_AT_RISK = "plan-at-risk"


@dataclass(frozen=True, slots=True)
class Thresholds:
    high_value: Decimal
    stalled_attempt_working_days: int = 5
    stalled_conversation_days: int = 14
    stalled_payment_days: int = 30
    untouched_working_days: int = 2
    grace_days: int = 1


@dataclass(frozen=True, slots=True)
class BrokenPromise:
    amount: Decimal
    paid_toward: Decimal
    due_date: date
    instalment: int | None


@dataclass(frozen=True, slots=True)
class AlertFacts:
    account_pk: int
    account_id: str
    currency: str
    balance: Decimal
    due_date: date
    assigned_to: str | None
    last_contact_on: date | None
    last_conversation_on: date | None
    last_payment_on: date | None
    broken: tuple[BrokenPromise, ...] = ()
    """Open promises (or instalments) past their date plus grace with less paid than promised, by date."""
    instalments_broken_in_a_row: int = 0


@dataclass(frozen=True, slots=True)
class Raised:
    condition: Condition
    why: str
    weight: Decimal
    """For ordering many alerts: the balance at stake."""


def working_days_since(day: date | None, today: date, is_working_day: Callable[[date], bool]) -> int | None:
    """Working days after `day` up to and including today; None when it never happened."""
    if day is None:
        return None
    counted = min((today - day).days, QUIET_DAYS_COUNTED)
    return sum(1 for n in range(counted) if is_working_day(add_days(today, -n)))


def raised_conditions(
    facts: AlertFacts, today: date, limits: Thresholds, is_working_day: Callable[[date], bool]
) -> list[Raised]:
    found: list[Raised] = []
    money = format_money(facts.balance, facts.currency)
    dpd = (today - facts.due_date).days
    quiet = working_days_since(facts.last_contact_on, today, is_working_day)
    if facts.balance >= limits.high_value and dpd > 0:
        found.append(Raised(Condition.HIGH_VALUE, f"high value: {money}, {dpd} days past due", facts.balance))
        if quiet is None or quiet >= limits.untouched_working_days:
            words = (
                "never contacted" if quiet is None else _no_attempt_for(quiet, facts.last_contact_on, today)
            )
            found.append(
                Raised(Condition.HIGH_VALUE_UNTOUCHED, f"high value, {money}: {words}", facts.balance)
            )
    stalled = _stalled_because(facts, today, limits, quiet)
    if stalled:
        found.append(Raised(Condition.STALLED, f"stalled, {money}: " + "; ".join(stalled), facts.balance))
    if facts.broken:
        found.append(_broken(facts))
    if facts.instalments_broken_in_a_row >= 2:
        why = f"payment plan at risk: {facts.instalments_broken_in_a_row} instalments broken in a row"
        found.append(Raised(Condition.PLAN_AT_RISK, why, facts.balance))
    return found


def _no_attempt_for(quiet: int, last_contact_on: date | None, today: date) -> str:
    if last_contact_on is not None and (today - last_contact_on).days > QUIET_DAYS_COUNTED:
        return "no contact attempt for over a year"
    return f"no contact attempt for {quiet} working days"


def _stalled_because(facts: AlertFacts, today: date, limits: Thresholds, quiet: int | None) -> list[str]:
    if facts.assigned_to is None:
        return []  # an account nobody holds is not stalled by anyone: the worklists will pick it up
    reasons = []
    if quiet is not None and quiet >= limits.stalled_attempt_working_days:
        reasons.append(_no_attempt_for(quiet, facts.last_contact_on, today))
    talked = facts.last_conversation_on
    if talked is not None and (today - talked).days >= limits.stalled_conversation_days:
        reasons.append(f"no conversation for {(today - talked).days} days")
    paid = facts.last_payment_on
    if paid is not None and (today - paid).days >= limits.stalled_payment_days:
        reasons.append(f"no payment for {(today - paid).days} days")
    return reasons


def _broken(facts: AlertFacts) -> Raised:
    latest = facts.broken[-1]
    promised = format_money(latest.amount, facts.currency)
    paid = format_money(latest.paid_toward, facts.currency)
    what = f"instalment {latest.instalment}" if latest.instalment else "promise"
    why = f"broken {what}: {promised} due {latest.due_date.isoformat()}, {paid} paid"
    return Raised(Condition.BROKEN_PROMISE, why, latest.amount - latest.paid_toward)


def broken_in_a_row(instalments: list[tuple[date, bool]]) -> int:
    """How many of a plan's most recent past instalments, counted back from the latest, were broken."""
    count = 0
    for _due, broken in sorted(instalments, reverse=True):
        if not broken:
            break
        count += 1
    return count
