"""The accounts a supervisor must hear about, as plain rules over an account's facts:
high value (delinquent, or untouched for 2 working days), stalled (no attempt for N working days,
no conversation for M days, no payment for K days while assigned), a broken promise, and a
payment plan at risk (two broken instalments in a row)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bot.calendar import add_days
from bot.currency import format_money
from bot.language.model import N_, PHRASES_APART, Phrase, counted, counting, keep, phrases_kept, reader_locale

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
    said: tuple[Phrase | str, ...] = ()
    """The condition in a few words, for the one line its account gets with its other conditions."""


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
    money = format_money(facts.balance, facts.currency, reader_locale())
    dpd = (today - facts.due_date).days
    quiet = working_days_since(facts.last_contact_on, today, is_working_day)
    if facts.balance >= limits.high_value and dpd > 0:
        why = f"high value: {money}, {dpd} days past due"
        found.append(Raised(Condition.HIGH_VALUE, why, facts.balance, (HIGH_VALUE,)))
        if quiet is None or quiet >= limits.untouched_working_days:
            words = (
                Phrase(N_("never contacted"))
                if quiet is None
                else _no_attempt_for(quiet, facts.last_contact_on, today)
            )
            why = f"high value, {money}: {words.said()}"
            found.append(Raised(Condition.HIGH_VALUE_UNTOUCHED, why, facts.balance, (HIGH_VALUE, words)))
    stalled = _stalled_because(facts, today, limits, quiet)
    if stalled:
        why = f"stalled, {money}: " + "; ".join(phrase.said() for phrase in stalled)
        found.append(Raised(Condition.STALLED, why, facts.balance, (Phrase(N_("stalled")), *stalled)))
    if facts.broken:
        found.append(_broken(facts))
    if facts.instalments_broken_in_a_row >= 2:
        why = f"payment plan at risk: {facts.instalments_broken_in_a_row} instalments broken in a row"
        at_risk = counting(
            N_("payment plan at risk: {count} instalments broken in a row"),
            count=facts.instalments_broken_in_a_row,
        )
        found.append(Raised(Condition.PLAN_AT_RISK, why, facts.balance, (at_risk,)))
    return found


def new_owner_window(condition: Condition, limits: Thresholds) -> int | None:
    """Working days someone handed a stalled account has before it is raised again as stalled:
    they are not judged on their predecessor's silence, nor left unwatched for good. None for
    the other conditions, which stay handled for as long as they last (a high-value account
    taken over is the supervisor's to watch; a broken promise breaks again as a new one)."""
    return limits.stalled_attempt_working_days if condition == Condition.STALLED else None


def window_ends(start: date, working_days: int, is_working_day: Callable[[date], bool]) -> date:
    """The first day on which `working_days` working days have passed since `start`, counted as
    `working_days_since` counts them: the day a condition watched from `start` may be raised again."""
    day = start
    for _day in range(QUIET_DAYS_COUNTED):
        day = add_days(day, 1)
        passed = working_days_since(start, day, is_working_day)
        if passed is not None and passed >= working_days:
            return day
    return day


HIGH_VALUE = Phrase(N_("high value"))


def _no_attempt_for(quiet: int, last_contact_on: date | None, today: date) -> Phrase:
    if last_contact_on is not None and (today - last_contact_on).days > QUIET_DAYS_COUNTED:
        return Phrase(N_("no contact attempt for over a year"))
    return counting(N_("no contact attempt for {count} working days"), count=quiet)


def _stalled_because(facts: AlertFacts, today: date, limits: Thresholds, quiet: int | None) -> list[Phrase]:
    if facts.assigned_to is None:
        return []  # an account nobody holds is not stalled by anyone: the worklists will pick it up
    reasons = []
    if quiet is not None and quiet >= limits.stalled_attempt_working_days:
        reasons.append(_no_attempt_for(quiet, facts.last_contact_on, today))
    talked = facts.last_conversation_on
    if talked is not None and (today - talked).days >= limits.stalled_conversation_days:
        reasons.append(counting(N_("no conversation for {count} days"), count=(today - talked).days))
    paid = facts.last_payment_on
    if paid is not None and (today - paid).days >= limits.stalled_payment_days:
        reasons.append(counting(N_("no payment for {count} days"), count=(today - paid).days))
    return reasons


def _broken(facts: AlertFacts) -> Raised:
    latest = facts.broken[-1]
    promised = format_money(latest.amount, facts.currency, reader_locale())
    paid = format_money(latest.paid_toward, facts.currency, reader_locale())
    what = f"instalment {latest.instalment}" if latest.instalment else "promise"
    why = f"broken {what}: {promised} due {latest.due_date.isoformat()}, {paid} paid"
    values = (
        ("promised", "money", f"{latest.amount} {facts.currency}"),
        ("due", "day", latest.due_date.isoformat()),
        ("paid", "money", f"{latest.paid_toward} {facts.currency}"),
    )
    words = (
        Phrase(N_("broken instalment {instalment}: {promised} due {due}, {paid} paid"),
               (("instalment", "n", str(latest.instalment)), *values))
        if latest.instalment
        else Phrase(N_("broken promise: {promised} due {due}, {paid} paid"), values)
    )  # fmt: skip
    return Raised(Condition.BROKEN_PROMISE, why, latest.amount - latest.paid_toward, (words,))


def broken_in_a_row(instalments: list[tuple[date, bool]]) -> int:
    """How many of a plan's most recent past instalments, counted back from the latest, were broken."""
    count = 0
    for _due, broken in sorted(instalments, reverse=True):
        if not broken:
            break
        count += 1
    return count


# --- many alerts at once: one line per account, the most pressing first ---------------------------

# The worse the condition, the higher: a plan or a promise already failing comes before a big
# balance nobody touched, and that before one merely past due or an agent's stalled account.
SEVERITY: dict[Condition, int] = {
    Condition.PLAN_AT_RISK: 5,
    Condition.BROKEN_PROMISE: 4,
    Condition.HIGH_VALUE_UNTOUCHED: 3,
    Condition.HIGH_VALUE: 2,
    Condition.STALLED: 1,
}
# How the accounts not listed are counted, each once, under its worst condition.
COUNTED_AS: dict[Condition, str] = {
    Condition.PLAN_AT_RISK: "payment plan at risk",
    Condition.BROKEN_PROMISE: "broken promise",
    Condition.HIGH_VALUE_UNTOUCHED: "high value untouched",
    Condition.HIGH_VALUE: "high value past due",
    Condition.STALLED: "stalled",
}


@dataclass(frozen=True, slots=True)
class AccountAlert:
    """One account's conditions, merged into the one line it gets in a message."""

    alert_id: int
    """The alert its buttons act on (acting on it acts on all the account's open alerts)."""
    account_pk: int
    account_id: str
    customer_name: str
    currency: str
    balance: Decimal
    assigned_to: str | None
    conditions: tuple[Condition, ...]
    said: str

    @property
    def worst(self) -> Condition:
        return max(self.conditions, key=SEVERITY.__getitem__)


def merged_words(raised: Sequence[Raised], money: str, days_past_due: int) -> str:
    """`$25,000.00 · high value · never contacted · 104 days past due`: each phrase once."""
    words = [money]
    for item in raised:
        for phrase in item.said:
            shown = phrase.said() if isinstance(phrase, Phrase) else phrase
            if shown not in words:
                words.append(shown)
    if days_past_due > 0:
        words.append(counted("{count} day past due", "{count} days past due", days_past_due))
    return PHRASES_APART.join(words)


# The phrases of one condition as an alert row keeps them (`why`): the account's line is built again
# from them, with its balance and days past due as they are when it is shown.


def kept_words(raised: Raised) -> str:
    """What an alert row keeps (`why`): its phrases (bot.language.model.keep)."""
    return keep(*raised.said) if raised.said else raised.why


def line_from_kept(kept: Sequence[tuple[Condition, str]], money: str, days_past_due: int) -> str:
    """An account's line from its open alerts' kept words, worded as the channel's message words
    it (merged_words), whenever it is read again (`/collect alerts`, the Home), in the reader's
    language."""
    raised = [Raised(condition, why, Decimal(0), phrases_kept(why)) for condition, why in kept]
    return merged_words(raised, money, days_past_due)


def merged_by_account(alerts: Sequence[AccountAlert]) -> list[AccountAlert]:
    """Never the same account twice: two entries for one account become one line (its first
    alert's buttons, every condition, every phrase)."""
    by_account: dict[int, AccountAlert] = {}
    for item in alerts:
        seen = by_account.get(item.account_pk)
        if seen is None:
            by_account[item.account_pk] = item
            continue
        conditions = (*seen.conditions, *(c for c in item.conditions if c not in seen.conditions))
        extra = [w for w in item.said.split(" · ") if w not in seen.said.split(" · ")]
        said = " · ".join([seen.said, *extra])
        by_account[item.account_pk] = AccountAlert(
            min(seen.alert_id, item.alert_id), seen.account_pk, seen.account_id, seen.customer_name,
            seen.currency, seen.balance, seen.assigned_to, conditions, said,
        )  # fmt: skip
    return list(by_account.values())


def ranked(alerts: Sequence[AccountAlert]) -> list[AccountAlert]:
    """The most pressing first: more conditions, then a worse one; then money at risk. Balances in
    different currencies are never compared: within a tier each currency is ranked by balance, and
    the currencies take turns (each one's biggest, then each one's second, …, currencies by code)."""
    tiers: dict[tuple[int, int], dict[str, list[AccountAlert]]] = defaultdict(lambda: defaultdict(list))
    for item in merged_by_account(alerts):
        tiers[(len(item.conditions), SEVERITY[item.worst])][item.currency].append(item)
    ordered: list[AccountAlert] = []
    for tier in sorted(tiers, reverse=True):
        turns: list[tuple[int, str, str, AccountAlert]] = []
        for currency, items in tiers[tier].items():
            by_balance = sorted(items, key=lambda a: (-a.balance, a.account_id))
            turns.extend((place, currency, a.account_id, a) for place, a in enumerate(by_balance))
        ordered.extend(a for *_, a in sorted(turns, key=lambda t: t[:3]))
    return ordered


@dataclass(frozen=True, slots=True)
class AlertsDigest:
    """What one message says: the first `cap` accounts listed, the rest counted."""

    listed: list[AccountAlert]
    rest: list[tuple[str, int]]
    """The accounts not listed, each counted once under its worst condition, the biggest count first."""
    total: int


def digest(alerts: Sequence[AccountAlert], cap: int) -> AlertsDigest:
    ordered = ranked(alerts)
    listed, others = ordered[:cap], ordered[cap:]
    counts = Counter(COUNTED_AS[a.worst] for a in others)
    rest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return AlertsDigest(listed, rest, len(ordered))
