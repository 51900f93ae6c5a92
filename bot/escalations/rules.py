"""Escalations as plain rules: what may be asked, who may decide, what a plan looks like, when to remind.

No database and no Slack here: the service reads the facts, calls these, and writes what they say.
Money is Decimal in the account's currency; dates are team-local; instants are aware.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from bot.access import held_to_approval_limit, may_decide_above_limit, may_decide_escalation
from bot.calendar import add_days
from bot.calendar import add_months as add_months  # instalment dates; effects.py reads it here
from bot.currency import format_money
from bot.errors import UserError
from bot.escalations.model import Instalment
from bot.language.model import N_, Phrase, _, keep, reader_locale, speaker
from bot.parsing.dates import DEFAULT_PROMISE_HORIZON_DAYS, promise_horizon
from bot.vocabulary import (
    CLOSED_STATUSES,
    AccountStatus,
    EscalationKind,
    EscalationStatus,
)

MAX_INSTALMENTS = 120
"""Ten years of monthly instalments: longer is not a plan anyone will keep."""
MAX_HARDSHIP_DAYS = 366
"""A hardship pause is reviewed at least once a year."""

Reminder = Literal["thread", "channel"]

_NEEDS_AMOUNT = frozenset({EscalationKind.PAYMENT_PLAN, EscalationKind.SETTLEMENT})
# Hardship is a pause, not a payment arrangement: an amount there would be silently ignored.
_TAKES_NO_AMOUNT = frozenset({EscalationKind.LEGAL, EscalationKind.DISPUTE_REVIEW, EscalationKind.HARDSHIP})
_HOLDS: dict[EscalationKind, str] = {
    EscalationKind.LEGAL: "legal",
    EscalationKind.HARDSHIP: "hardship",
    EscalationKind.DISPUTE_REVIEW: "dispute",
}
_KIND_NAMES: dict[EscalationKind, str] = {
    EscalationKind.PAYMENT_PLAN: N_("A payment plan"),
    EscalationKind.SETTLEMENT: N_("A settlement"),
    EscalationKind.WRITE_OFF: N_("A write-off"),
    EscalationKind.LEGAL: N_("A legal referral"),
    EscalationKind.HARDSHIP: N_("A hardship pause"),
    EscalationKind.DISPUTE_REVIEW: N_("A dispute review"),
}


# --- payment plans ---------------------------------------------------------------------------


def instalment_schedule(
    amount: Decimal, balance: Decimal, *, count: int | None, until: date | None, first_due: date
) -> list[Instalment]:
    """Monthly instalments of `amount` from `first_due`, never asking for more than `balance`.

    The number of instalments is `count`, or every monthly date up to `until`. Once the balance is
    covered the plan stops and its last instalment is only the remainder. A plan covering less than
    the balance is allowed: what is left stays owed.
    """
    if amount <= 0:
        raise UserError(
            _("The instalment amount must be above zero."), _("Type an amount like `100`."), field="amount"
        )
    if balance <= 0:
        raise _nothing_owed()
    months = _instalment_count(count, until, first_due)
    schedule: list[Instalment] = []
    left = balance
    for index in range(months):
        if left <= 0:
            break
        part = min(amount, left)
        schedule.append(Instalment(index + 1, add_months(first_due, index), part))
        left -= part
    return schedule


def first_instalment_due(today: date) -> date:
    """A month after approval, on the same day of the month (or the month's last day)."""
    return add_months(today, 1)


def plan_total(schedule: Sequence[Instalment]) -> Decimal:
    return sum((instalment.amount for instalment in schedule), Decimal(0))


def _instalment_count(count: int | None, until: date | None, first_due: date) -> int:
    if count is not None and until is not None:
        raise _both_plan_lengths()
    if until is not None:
        return _count_until(until, first_due)
    if count is None:
        raise _plan_length_missing()
    _check_count(count)
    return count


def _count_until(until: date, first_due: date) -> int:
    """How many monthly dates from first_due fall on or before until."""
    if until < first_due:
        raise UserError(
            _("The plan ends on {until}, before its first instalment on {first_due}.").format(
                until=until.isoformat(), first_due=first_due.isoformat()
            ),
            _("Type an end date on or after {first_due}.").format(first_due=first_due.isoformat()),
            field="until",
        )
    count = _monthly_dates_until(first_due, until)
    if count > MAX_INSTALMENTS:
        raise UserError(
            _("A plan until {until} would have {count} instalments; the limit is {limit}.").format(
                until=until.isoformat(),
                count=speaker().number(count),
                limit=speaker().number(MAX_INSTALMENTS),
            ),
            _("Pick an earlier end date, or a larger instalment."),
            field="until",
        )
    return count


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_INSTALMENTS:
        raise UserError(
            _("A plan has from 1 to {limit} instalments, not {count}.").format(
                limit=speaker().number(MAX_INSTALMENTS), count=speaker().number(count)
            ),
            _("Type the number of monthly instalments, like `x6`."),
            field="instalments",
        )


def _both_plan_lengths() -> UserError:
    return UserError(
        _("The plan has both a number of instalments and an end date."),
        _("Give one of them: like `x6`, or `until 2027-06-30`."),
        field="instalments",
    )


def _plan_length_missing() -> UserError:
    return UserError(
        _("A payment plan needs its number of instalments or its end date."),
        _("Add it after the amount, like `x6` or `until 2027-06-30`."),
        field="instalments",
    )


# --- what may be asked -----------------------------------------------------------------------


# --- what a decision does, now -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What a decision reads of the account: at the request, and at the decision (under its lock)."""

    balance: Decimal
    status: str
    assigned_to: str | None
    hold_reason: str | None = None


@dataclass(frozen=True, slots=True)
class RequestTerms:
    """What the agent asked for, as recorded on the escalation."""

    kind: EscalationKind
    amount: Decimal | None
    instalments: int | None
    until: date | None
    requested_by: str
    currency: str


@dataclass(frozen=True, slots=True)
class DecisionEffect:
    """What approving would do to the account now. The approval limit is checked against its
    `forgiven`, and exactly this is applied: nothing is computed a second time."""

    kind: EscalationKind
    balance: Decimal
    """The balance it is computed from."""
    written_off: Decimal = Decimal(0)
    """Taken off the balance now (a write-off), never more than the balance."""
    settlement: Decimal | None = None
    """The agreed amount (a settlement)."""
    forgiven: Decimal = Decimal(0)
    """What the decision gives up, the figure approval limits apply to."""
    schedule: tuple[Instalment, ...] = ()
    """A plan's instalments, never asking for more than the balance."""
    hold: str | None = None
    notice: str | None = None
    """How the account changed since the request and what that does to the decision, kept as
    phrases (bot.language.model.keep: said in each reader's language by said_kept) for the form
    and the card; None when nothing that matters changed."""
    returned_because: str | None = None
    """Why approving cannot apply it, when it cannot: the request goes back to the agent (kept as
    phrases, as the escalation row stores it)."""

    @property
    def returned(self) -> bool:
        return self.returned_because is not None


_HELD = frozenset({AccountStatus.ON_HOLD, AccountStatus.LEGAL})


def decision_effect(
    terms: RequestTerms, then: AccountFacts | None, now: AccountFacts, *, today: date
) -> DecisionEffect:
    """What approving the request does to the account as it is `now`.

    `then` is the account when the request was made (None for requests recorded before it was
    kept). A lower balance caps a write-off and shortens a plan; what capping cannot fix sends the
    request back to the agent: an account closed, put on hold or given to someone else since the
    request, a settlement no longer below the balance, nothing left to pay, a plan or a pause whose
    dates have passed. Never refused for a change that happened before the request.
    """
    why_back = _why_back(terms, then, now, today)
    if why_back is not None:
        notice = keep(*why_back, SENT_BACK)
        return DecisionEffect(terms.kind, now.balance, notice=notice, returned_because=keep(*why_back))
    was = _balance_was(terms, then, now)
    match terms.kind:
        case EscalationKind.WRITE_OFF:
            return _write_off_effect(terms, now.balance, was)
        case EscalationKind.SETTLEMENT:
            return _settlement_effect(terms, now.balance, was)
        case EscalationKind.PAYMENT_PLAN:
            return _plan_effect(terms, now.balance, then.balance if then else None, was, today)
        case _:
            return DecisionEffect(terms.kind, now.balance, hold=hold_for(terms.kind))


SENT_BACK = Phrase(N_(": approving sends the request back to the agent."))


def _money_value(name: str, amount: Decimal, currency: str | None) -> tuple[str, str, str]:
    return (name, "money", f"{amount} {currency}") if currency else (name, "said", f"{amount:,}")


def _why_back(
    terms: RequestTerms, then: AccountFacts | None, now: AccountFacts, today: date
) -> tuple[Phrase, ...] | None:
    """What changed since the request that approving cannot apply to, as a clause; None when it can."""
    if now.status in CLOSED_STATUSES and (then is None or then.status not in CLOSED_STATUSES):
        status = ("status", "said", now.status.replace("_", " "))
        return (Phrase(N_("The account is now {status}"), (status,)),)
    if (
        then is not None
        and now.status in _HELD
        and (then.status, then.hold_reason) != (now.status, now.hold_reason)
    ):
        if now.hold_reason:
            held = ("reason", "text", now.hold_reason)
            return (Phrase(N_("The account was put on hold ({reason}) since the request"), (held,)),)
        return (Phrase(N_("The account was put on hold since the request")),)
    if then is not None and now.assigned_to not in (then.assigned_to, terms.requested_by):
        if now.assigned_to:
            return (Phrase(N_("The account was reassigned to another agent since the request")),)
        return (Phrase(N_("The account was reassigned to the shared queue since the request")),)
    if terms.kind == EscalationKind.DISPUTE_REVIEW:
        return None
    if terms.amount is None and terms.kind in _NEEDS_AMOUNT:
        kind = ("kind", "said", _KIND_NAMES[terms.kind])
        return (Phrase(N_("{kind} needs an amount and this request has none"), (kind,)),)
    if now.balance <= 0:
        return (*_balance_now(terms, then, now), Phrase(N_(", so there is nothing left to pay")))
    if terms.kind == EscalationKind.SETTLEMENT and terms.amount is not None and terms.amount >= now.balance:
        amount = _money_value("amount", terms.amount, terms.currency)
        below = Phrase(N_(", so a settlement of {amount} is no longer below it"), (amount,))
        return (*_balance_now(terms, then, now), below)
    if terms.kind == EscalationKind.PAYMENT_PLAN and terms.until is not None:
        first = first_instalment_due(today)
        if terms.until < first:
            days = (("until", "iso", terms.until.isoformat()), ("first", "iso", first.isoformat()))
            return (Phrase(N_("The plan was to end on {until}, before a first instalment on {first}"), days),)
    if terms.kind == EscalationKind.HARDSHIP and terms.until is not None and terms.until < today:
        until = ("until", "iso", terms.until.isoformat())
        return (Phrase(N_("The pause was to end on {until}, which has passed"), (until,)),)
    return None


def _balance_now(terms: RequestTerms, then: AccountFacts | None, now: AccountFacts) -> tuple[Phrase, ...]:
    moved = _balance_moved(terms, then, now)
    if moved is not None:
        return (moved,)
    return (Phrase(N_("The balance is now {now}"), (_money_value("now", now.balance, terms.currency),)),)


def _balance_moved(terms: RequestTerms, then: AccountFacts | None, now: AccountFacts) -> Phrase | None:
    """`Balance is now $100.21, was $9,800.00 when requested` when it moved, else None."""
    if then is None or then.balance == now.balance:
        return None
    values = (
        _money_value("now", now.balance, terms.currency),
        _money_value("then", then.balance, terms.currency),
    )
    return Phrase(N_("Balance is now {now}, was {then} when requested"), values)


def _balance_was(terms: RequestTerms, then: AccountFacts | None, now: AccountFacts) -> tuple[Phrase, ...]:
    """The moved balance as the start of a notice (`Balance is now …, was … when requested: `)."""
    moved = _balance_moved(terms, then, now)
    return () if moved is None else (moved, Phrase(": "))


def _write_off_effect(terms: RequestTerms, balance: Decimal, was: tuple[Phrase, ...]) -> DecisionEffect:
    amount = balance if terms.amount is None else min(terms.amount, balance)
    value = (_money_value("amount", amount, terms.currency),)
    notice = None
    if terms.amount is not None and terms.amount > balance:
        lower = was or (Phrase(N_("The balance is below the amount asked: ")),)
        notice = keep(*lower, Phrase(N_("the write-off will be capped at {amount}."), value))
    elif was and terms.amount is None:  # the whole balance: what it is now
        notice = keep(*was, Phrase(N_("the write-off will be {amount}."), value))
    return DecisionEffect(terms.kind, balance, written_off=amount, forgiven=amount, notice=notice)


def _settlement_effect(terms: RequestTerms, balance: Decimal, was: tuple[Phrase, ...]) -> DecisionEffect:
    assert terms.amount is not None  # a settlement without an amount is sent back above
    forgiven = balance - terms.amount
    value = (_money_value("amount", forgiven, terms.currency),)
    notice = keep(*was, Phrase(N_("the settlement would forgive {amount}."), value)) if was else None
    return DecisionEffect(terms.kind, balance, settlement=terms.amount, forgiven=forgiven, notice=notice)


def _plan_effect(
    terms: RequestTerms, balance: Decimal, balance_then: Decimal | None, was: tuple[Phrase, ...], today: date
) -> DecisionEffect:
    assert terms.amount is not None  # a plan is always asked with its instalment (check_request)

    def schedule_on(owed: Decimal) -> tuple[Instalment, ...]:
        return tuple(
            instalment_schedule(
                terms.amount or Decimal(0),
                owed,
                count=terms.instalments,
                until=terms.until,
                first_due=first_instalment_due(today),
            )
        )

    try:
        schedule = schedule_on(balance)
    except UserError as error:
        # Terms stored before today's limits (or planted) that no schedule can meet: the card
        # and the reminders must still render, and approving cannot apply them.
        # The problem is already in the words of whoever is reading now: kept as it is.
        why = Phrase(error.problem.rstrip("."))
        return DecisionEffect(terms.kind, balance, notice=keep(why, SENT_BACK), returned_because=keep(why))
    notice = None
    # Said only when the balance changes the plan: fewer or smaller instalments, or more owed.
    if (
        was
        and balance_then is not None
        and balance_then > 0
        and plan_total(schedule) != _plan_total_or_none(schedule_on, balance_then)
    ):
        count = (("count", "n", str(len(schedule))),)
        words = (
            Phrase(N_("the plan would have {count} instalment."), count)
            if len(schedule) == 1
            else Phrase(N_("the plan would have {count} instalments."), count)
        )
        notice = keep(*was, words)
    return DecisionEffect(terms.kind, balance, schedule=schedule, notice=notice)


def _plan_total_or_none(
    schedule_on: Callable[[Decimal], tuple[Instalment, ...]], owed: Decimal
) -> Decimal | None:
    try:
        return plan_total(schedule_on(owed))
    except UserError:
        return None


def check_request(
    kind: EscalationKind,
    balance: Decimal,
    amount: Decimal | None,
    *,
    count: int | None,
    until: date | None,
    today: date,
    currency: str | None = None,
    horizon_days: int = DEFAULT_PROMISE_HORIZON_DAYS,
) -> None:
    """Refuse, with a UserError, a request a supervisor could not sensibly approve.

    `currency` only makes the messages show amounts as money (`$1,250.00`). A plan's instalments
    are promises, so the last one falls within the promise horizon (`horizon_days` from today).
    """
    if balance <= 0 and kind != EscalationKind.DISPUTE_REVIEW:
        raise _nothing_owed()
    _check_amount_given(kind, amount)
    if kind == EscalationKind.PAYMENT_PLAN:
        _check_plan_length(count, until, today)
        _check_plan_horizon(count, until, today, horizon_days)
    elif kind == EscalationKind.SETTLEMENT and amount is not None and amount >= balance:
        raise UserError(
            _(
                "A settlement accepts less than the balance of {balance}; "
                "to collect it all, record a promise or a plan."
            ).format(balance=_money(balance, currency)),
            _("Type the reduced amount the customer will pay, below {balance}.").format(
                balance=_money(balance, currency)
            ),
            field="amount",
        )
    elif kind == EscalationKind.WRITE_OFF and amount is not None and amount > balance:
        raise UserError(
            _("The write-off of {amount} is more than the balance of {balance}.").format(
                amount=_money(amount, currency), balance=_money(balance, currency)
            ),
            _("Type an amount up to the balance, or leave it out to write off the whole balance."),
            field="amount",
        )
    elif kind == EscalationKind.HARDSHIP:
        _check_hardship_end(until, today)


def _check_amount_given(kind: EscalationKind, amount: Decimal | None) -> None:
    if amount is not None and kind in _TAKES_NO_AMOUNT:
        raise UserError(
            _("{kind} takes no amount.").format(kind=_(_KIND_NAMES[kind])),
            _("Leave the amount out and say why in the reason."),
            field="amount",
        )
    if amount is None and kind in _NEEDS_AMOUNT:
        needs = (
            _("{kind} needs the amount of each instalment.")
            if kind == EscalationKind.PAYMENT_PLAN
            else _("{kind} needs the amount to accept.")
        )
        raise UserError(
            needs.format(kind=_(_KIND_NAMES[kind])), _("Type it after the kind, like `250`."), field="amount"
        )
    if amount is not None and amount <= 0:
        raise UserError(_("The amount must be above zero."), _("Type an amount like `250`."), field="amount")


def _check_plan_length(count: int | None, until: date | None, today: date) -> None:
    if count is not None and until is not None:
        raise _both_plan_lengths()
    if count is None and until is None:
        raise _plan_length_missing()
    if count is not None:
        _check_count(count)
    if until is not None and until < today:
        raise _in_the_past(until, today, _("A payment plan"))


def _check_plan_horizon(count: int | None, until: date | None, today: date, horizon_days: int) -> None:
    """The plan's last instalment is no further ahead than a promise may be."""
    latest = promise_horizon(today, horizon_days)
    first_due = add_months(today, 1)  # as the approval schedules it (effects.first_instalment_due)
    fits = _monthly_dates_until(first_due, latest)
    if fits >= 1:
        hint = _("Type at most `x{count}`, or `until {latest}` or earlier.").format(
            count=min(fits, MAX_INSTALMENTS), latest=latest.isoformat()
        )
    else:
        hint = _(
            "Record a promise up to {latest} instead; a plan's first instalment is a month away."
        ).format(latest=latest.isoformat())
    if until is not None and until > latest:
        raise UserError(
            _("The plan's end date {until} is more than {days} days ahead; the latest is {latest}.").format(
                until=until.isoformat(), days=speaker().number(horizon_days), latest=latest.isoformat()
            ),
            hint,
            field="until",
        )
    if count is not None and count > fits:
        last = add_months(first_due, count - 1)
        raise UserError(
            _(
                "A plan of {count} monthly instalments would end on {last}, more than {days} days ahead;"
                " the latest is {latest}."
            ).format(
                count=speaker().number(count),
                last=last.isoformat(),
                days=speaker().number(horizon_days),
                latest=latest.isoformat(),
            ),
            hint,
            field="instalments",
        )


def _monthly_dates_until(first_due: date, until: date) -> int:
    """How many monthly dates from first_due fall on or before until (0 when first_due is later)."""
    if until < first_due:
        return 0
    months = (until.year - first_due.year) * 12 + until.month - first_due.month
    if add_months(first_due, months) > until:
        months -= 1
    return months + 1


def _check_hardship_end(until: date | None, today: date) -> None:
    if until is None:
        raise UserError(
            _("A hardship pause needs the day it ends."),
            _("Add `until <date>` or a number of days, like `30d`."),
            field="until",
        )
    if until < today:
        raise _in_the_past(until, today, _("A hardship pause"))
    latest = add_days(today, MAX_HARDSHIP_DAYS)
    if until > latest:
        raise UserError(
            _("A hardship pause lasts at most {days} days; {until} is further ahead.").format(
                days=speaker().number(MAX_HARDSHIP_DAYS), until=until.isoformat()
            ),
            _("Pick an end date up to {latest}; the pause can be asked for again then.").format(
                latest=latest.isoformat()
            ),
            field="until",
        )


def _nothing_owed() -> UserError:
    return UserError(
        _("The account owes nothing, so there is nothing to escalate."),
        _("Only a `dispute-review` can be asked for on an account with no balance."),
        field="kind",
    )


def _in_the_past(until: date, today: date, what: str) -> UserError:
    return UserError(
        _("{what} can't end on {until}: that is in the past.").format(what=what, until=until.isoformat()),
        _("Type a date from today ({today}) on.").format(today=today.isoformat()),
        field="until",
    )


def _money(amount: Decimal, currency: str | None) -> str:
    return format_money(amount, currency, reader_locale()) if currency else f"{amount:,}"


# --- who decides -----------------------------------------------------------------------------


def approval_refusal(
    *, decider_role: str, decider_id: str, requested_by: str, status: EscalationStatus
) -> str | None:
    """Why this person may not approve or reject now, in a sentence; None when they may."""
    if not may_decide_escalation(decider_role):
        return _("Only supervisors and managers can decide escalations.")
    if status in (EscalationStatus.APPROVED, EscalationStatus.REJECTED, EscalationStatus.RETURNED):
        return _(_ALREADY_DECIDED[status])
    if decider_id == requested_by:
        return _("You raised this escalation: another supervisor must decide it (four eyes).")
    if status == EscalationStatus.RECOMMENDED and not may_decide_above_limit(decider_role):
        return _("A manager makes the final decision on this one.")
    return None


_ALREADY_DECIDED = {
    EscalationStatus.APPROVED: N_("This escalation is already approved."),
    EscalationStatus.REJECTED: N_("This escalation is already rejected."),
    EscalationStatus.RETURNED: N_("This escalation is already returned."),
}

_NO_LONGER_WAITING = {
    EscalationStatus.OPEN: N_(
        "Thanks, but this escalation is no longer waiting for your answer: it is back with the supervisors."
    ),
    EscalationStatus.APPROVED: N_(
        "Thanks, but this escalation is no longer waiting for your answer: it is approved."
    ),
    EscalationStatus.REJECTED: N_(
        "Thanks, but this escalation is no longer waiting for your answer: it is rejected."
    ),
    EscalationStatus.RETURNED: N_(
        "Thanks, but this escalation is no longer waiting for your answer: it is returned."
    ),
}

# Marked only: translated where it is shown (the constant is read at import, before any reader).
REJECTION_NEEDS_A_REASON = N_("Say why you reject it: the agent will read it")


def comment_refusal(*, approve: bool, comment: str | None) -> str | None:
    """A rejection says why (the agent reads it and nothing else tells them); an approval's
    comment is optional: the conditions it comes with, if any."""
    if not approve and not (comment or "").strip():
        return _(REJECTION_NEEDS_A_REASON)
    return None


def answer_refusal(*, answerer_id: str, requested_by: str, status: EscalationStatus) -> str | None:
    """Why this person may not answer the escalation's question now, in a sentence; None when they may.
    The question is the requesting agent's to answer, and only while it waits for the answer."""
    if answerer_id != requested_by:
        return _("Only the agent who raised this escalation answers its questions.")
    if status != EscalationStatus.WAITING_INFO:
        return _(_NO_LONGER_WAITING.get(status, _NO_LONGER_WAITING[EscalationStatus.OPEN]))
    return None


def needs_manager(forgiven: Decimal, *, decider_role: str, approval_limit: Decimal) -> bool:
    """A supervisor's approval above their limit is only a recommendation; at the limit it stands."""
    return held_to_approval_limit(decider_role) and forgiven > approval_limit


def hold_for(kind: EscalationKind) -> str | None:
    """The hold an approved escalation of this kind puts the account on, if any."""
    return _HOLDS.get(kind)


# --- reminders -------------------------------------------------------------------------------


def working_hours_between(
    start: datetime,
    end: datetime,
    *,
    zone: ZoneInfo,
    is_working_day: Callable[[date], bool],
    day_start: time,
    day_end: time,
) -> float:
    """Elapsed hours between two aware instants that fall in working hours of working days in `zone`.

    Real elapsed time, not wall-clock time: a window spanning a DST change counts the hour gained
    or lost.
    """
    if day_end <= day_start:
        raise ValueError("the working day must end after it starts")
    if start.tzinfo is None or end.tzinfo is None:
        # A naive instant would silently be read in the server's zone.
        raise ValueError("start and end must be aware datetimes")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    seconds = 0.0
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if is_working_day(day):
            seconds += _overlap_seconds(
                start, end, _window(day, day_start, zone), _window(day, day_end, zone)
            )
        day += timedelta(days=1)
    return seconds / 3600


def working_day_hours(day_start: time, day_end: time) -> float:
    """The length of a working day by the clock, the wait after which an escalation is raised again."""
    anchor = date(2000, 1, 3)  # any date: naive times of one day carry no DST
    return (datetime.combine(anchor, day_end) - datetime.combine(anchor, day_start)).total_seconds() / 3600


def reminders_due(
    waited_hours: float, *, reminder_after_hours: float, working_day_hours: float
) -> set[Reminder]:
    """Which nudges a wait of `waited_hours` working hours calls for: the thread, then the channel."""
    due: set[Reminder] = set()
    if waited_hours >= reminder_after_hours:
        due.add("thread")
    if waited_hours >= working_day_hours:
        due.add("channel")
    return due


def _window(day: date, at: time, zone: ZoneInfo) -> datetime:
    # Compared and subtracted in UTC: Python ignores DST when both sides share one tzinfo.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _overlap_seconds(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> float:
    low, high = max(start, window_start), min(end, window_end)
    return max((high - low).total_seconds(), 0.0)
