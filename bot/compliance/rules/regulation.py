"""May the agent do this now? The US profile (FDCPA and Regulation F, 12 CFR 1006) as plain functions
over plain data: no SQL, no Slack. The guardrails ask before an agent logs a contact, asks for a
promise or escalates; every refusal carries a stable rule code (for counting refusals) and a sentence
for the agent saying why and what they may do instead.

The call-frequency rules (7-in-7 and the quiet week after a conversation) and the notion of "on hold"
live in `contact_limits`, shared with the worklists; this module only words and times them.

Time zones: `at` must be aware. Call-history days (`ContactHistory`) are counted in the zone `at`
carries, so pass `at` in the zone the history was built in (the team's zone, like the worklists);
the time-of-day window is always read in the customer's zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.compliance.rules.contact_limits import (
    CALLS_PER_WEEK_LIMIT,
    ContactHistory,
    HoldReason,
    call_block,
    hold_block,
)
from bot.language.model import N_, _, speaker
from bot.vocabulary import CHANNEL_ALIASES, Channel, EscalationKind

US_PROFILE = "us"
OFF_PROFILE = "off"

WINDOW_START = time(8, 0)
WINDOW_END = time(21, 0)  # exclusive: 21:00 itself is already too late (1006.6(b)(1)(i))

RULE_SEVEN_IN_SEVEN = "7-in-7"
RULE_AFTER_CONVERSATION = "after-conversation"
RULE_TIME_OF_DAY = "time-of-day"
RULE_TIME_ZONE_UNKNOWN = "time-zone-unknown"
HOLD_RULE_PREFIX = "hold:"
OTHER_HOLD = "other"
"""The hold code for an account on hold without a reason we know (a data problem, treated as a hold)."""

# Channels sent at a moment the consumer notices. Email and letters wait in an inbox, so the brief
# keeps them out of the time-of-day rule.
TIMED_CHANNELS = frozenset({Channel.CALL, Channel.SMS, Channel.VISIT})

InconvenientTimes = tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class DebtFacts:
    """What the rules need to know about one debt and its customer.

    `inconvenient`: local (start, end) ranges the consumer said are inconvenient, end exclusive; a
    range whose end is before its start runs past midnight (20:00-09:00); start == end is empty.
    """

    status: str
    hold_reason: str | None
    customer_timezone: str | None
    phone: str | None
    calls: ContactHistory
    inconvenient: InconvenientTimes = ()


@dataclass(frozen=True)
class Verdict:
    """The answer: `rule` is a stable code for counting refusals (None when allowed); `next_allowed`
    the first instant the same action becomes allowed, when one can be computed; `overridable` says a
    supervisor's judgement may lift the refusal (holds are lifted only by releasing them)."""

    allowed: bool
    rule: str | None
    explanation: str
    next_allowed: datetime | None = None
    overridable: bool = False


def check_contact(
    channel: str,
    outcome: str,
    at: datetime,
    facts: DebtFacts,
    *,
    inbound: bool = False,
    profile: str = US_PROFILE,
) -> Verdict:
    """May the agent contact the customer through `channel` at `at`?

    `outcome` does not change the answer: a right-party call becomes a conversation for the next
    checks once the caller records it in `facts.calls`.
    """
    kind = _channel(channel)
    _require_aware(at)
    if _profile_is_off(profile):
        return Verdict(True, None, _("The contact rules are switched off for this team."))
    if inbound:
        # Answering the customer is never a breach: holds, call counts and hours are about us
        # reaching out (Regulation F counts calls placed, not calls received).
        return Verdict(True, None, _("The customer contacted you: you may answer them."))
    held = _hold_contact_verdict(kind, facts)
    if held is not None:
        return held
    if kind is Channel.CALL:
        too_many = _call_frequency_verdict(at, facts)
        if too_many is not None:
            return too_many
    if kind in TIMED_CHANNELS:
        return _time_of_day_verdict(at, facts)
    return Verdict(True, None, _(_ALLOWED_NOW[kind]))


# The documents each hold still lets the bot send (by kind, bot.correspondence's names). A dispute
# stops collection until the verification goes out (1006.38(d)(2)); after a cease-communication
# request only a letter ending collection or naming a specific remedy is allowed (FDCPA 805(c)),
# which none of the bot's documents is, so a person writes it; bankruptcy (the automatic stay), an
# attorney (1006.6(b)(2)) and legal leave writing to the customer to people; a hardship pause
# still lets the customer have their statement and the confirmation of what they agreed, by post.
_DOCUMENTS_DURING_HOLD: dict[str, frozenset[str]] = {
    HoldReason.DISPUTE: frozenset({"verification"}),
    HoldReason.HARDSHIP: frozenset({"statement", "promise-confirmation", "plan-confirmation"}),
}
_HOLD_DOCUMENT_REFUSALS: dict[str, str] = {
    HoldReason.DISPUTE: N_("The debt is disputed: only the verification may be sent until it has gone out."),
    HoldReason.CEASE_COMMUNICATION: N_(
        "The customer asked in writing that we stop contacting them: the bot sends them nothing; a "
        "supervisor writes the one letter the law allows (collection is ending, or a specific remedy)."
    ),
    HoldReason.HARDSHIP: N_(
        "The account is paused for hardship: only a statement or the confirmation of a promise or "
        "plan, by letter, while the pause lasts."
    ),
}


def check_document(
    kind: str, channel: str, at: datetime, facts: DebtFacts, *, profile: str = US_PROFILE
) -> Verdict:
    """May the bot send this kind of document (`statement`, `verification`, …) through `channel`
    (`email` or `letter`) at `at`? Holds allow only the documents they allow; an email reaches the
    customer when it arrives, so it keeps to their hours like a call (1006.6(b)(1)(i))."""
    kind_of_channel = _channel(channel)
    _require_aware(at)
    if _profile_is_off(profile):
        return Verdict(True, None, _("The contact rules are switched off for this team."))
    reason = hold_code(facts.status, facts.hold_reason)
    if reason is not None:
        allowed = _DOCUMENTS_DURING_HOLD.get(reason, frozenset())
        by_letter_only = reason == HoldReason.HARDSHIP
        if kind not in allowed or (by_letter_only and kind_of_channel is not Channel.LETTER):
            refusal = _HOLD_DOCUMENT_REFUSALS.get(
                reason,
                N_("The account is on hold ({hold}): the bot sends it no documents while the hold lasts."),
            )
            return Verdict(
                False,
                HOLD_RULE_PREFIX + reason,
                _(refusal).format(hold=_(_HOLD_NAMES.get(reason, N_("other")))),
            )
    if kind_of_channel is Channel.EMAIL:
        return _time_of_day_verdict(at, facts)
    return Verdict(True, None, _("You may send it."))


def counts_calls(channel: str) -> bool:
    """Whether check_contact looks at `facts.calls` for this channel: only calls are counted."""
    return _channel(channel) is Channel.CALL


def check_promise_request(facts: DebtFacts, *, profile: str = US_PROFILE) -> Verdict:
    """May the agent ask for a promise to pay? Not while the account is on hold (a dispute stops
    promise requests until the verification is sent, 1006.38)."""
    if _profile_is_off(profile):
        return Verdict(True, None, _("The contact rules are switched off for this team."))
    reason = hold_code(facts.status, facts.hold_reason)
    if reason is None:
        return Verdict(True, None, _("You may ask for a promise to pay."))
    if reason == HoldReason.DISPUTE:
        why = _(
            "The debt is disputed: no promise requests until the verification is sent;"
            " you may escalate for a dispute review."
        )
    elif reason in _HOLD_NAMES:
        why = _(
            "The account is on hold ({hold}): do not ask for a promise to pay while the hold lasts;"
            " a supervisor can release it."
        ).format(hold=_(_HOLD_NAMES[reason]))
    else:
        why = _(
            "The account is on hold: do not ask for a promise to pay while the hold lasts;"
            " a supervisor can release it."
        )
    return Verdict(False, HOLD_RULE_PREFIX + reason, why)


def check_escalation(kind: str, facts: DebtFacts, *, profile: str = US_PROFILE) -> Verdict:
    """May the agent escalate? A dispute allows only a dispute review (1006.38); other holds allow
    escalations, since a supervisor may decide hardship, legal or write-off on a held account."""
    if _profile_is_off(profile):
        return Verdict(True, None, _("The contact rules are switched off for this team."))
    reason = hold_code(facts.status, facts.hold_reason)
    if reason == HoldReason.DISPUTE and _normalise(kind) != EscalationKind.DISPUTE_REVIEW:
        return Verdict(
            False,
            HOLD_RULE_PREFIX + reason,
            _(
                "The debt is disputed: until the verification is sent, only a dispute-review escalation is allowed."
            ),
        )
    return Verdict(True, None, _("You may escalate this account."))


def hold_code(status: str, hold_reason: str | None) -> str | None:
    """The hold's reason as a rule suffix ("dispute", "legal", ...), or None when not on hold."""
    if hold_block(status, hold_reason) is None:
        return None
    reason = _normalise(hold_reason or status)
    return reason if reason in _HOLD_NAMES else OTHER_HOLD


# --- phone numbers and zones ------------------------------------------------------------------

_NANP_ZONES = (
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/St_Johns",
)
_ZONES_BY_CALLING_CODE: dict[str, tuple[str, ...]] = {
    "1": _NANP_ZONES,
    "55": ("America/Rio_Branco", "America/Manaus", "America/Sao_Paulo", "America/Noronha"),
    "351": ("Atlantic/Azores", "Europe/Lisbon"),
    "44": ("Europe/London",),
    "33": ("Europe/Paris",),
    "49": ("Europe/Berlin",),
    "34": ("Atlantic/Canary", "Europe/Madrid"),
    "48": ("Europe/Warsaw",),
    "84": ("Asia/Ho_Chi_Minh",),
    "52": (
        "America/Tijuana",
        "America/Hermosillo",
        "America/Mazatlan",
        "America/Mexico_City",
        "America/Cancun",
    ),
}


def plausible_zones(phone: str | None) -> list[ZoneInfo]:
    """The zones a customer with this phone number could be in, west to east.

    Read from the calling code ("+44 ...", "0044 ...", or 10 bare digits for a North American
    number). With no phone or a calling code we do not know, the answer is the US/Canada set from
    Honolulu to St John's: the US profile's customers are mostly there, and the widest set is the
    one that keeps an agent from waking someone in Hawaii. The agent's explanation names the zones,
    and setting the customer's zone removes the guess.
    """
    code = calling_code(phone)
    return [ZoneInfo(name) for name in _ZONES_BY_CALLING_CODE.get(code or "1", _NANP_ZONES)]


def calling_code(phone: str | None) -> str | None:
    """The calling code of `phone` when it is one we place in zones ("1", "44", "351"), else None."""
    if phone is None:
        return None
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    elif not text.startswith("+"):
        return "1" if len(digits) == 10 else None
    # Calling codes are prefix-free, so the longest known one that matches is the one.
    return next((digits[:n] for n in (3, 2, 1) if digits[:n] in _ZONES_BY_CALLING_CODE), None)


# --- holds ------------------------------------------------------------------------------------

_HOLD_NAMES: dict[str, str] = {
    HoldReason.DISPUTE: N_("dispute"),
    HoldReason.CEASE_COMMUNICATION: N_("cease communication"),
    HoldReason.BANKRUPTCY: N_("bankruptcy"),
    HoldReason.ATTORNEY: N_("attorney"),
    HoldReason.HARDSHIP: N_("hardship"),
    HoldReason.LEGAL: N_("legal"),
}
_HOLD_CONTACT_REFUSALS: dict[str, str] = {
    HoldReason.DISPUTE: N_(
        "The debt is disputed: no calls, texts, visits or emails until the verification "
        "is sent. A letter (such as the verification) is fine."
    ),
    HoldReason.CEASE_COMMUNICATION: N_(
        "The customer asked in writing that we stop contacting them: only a "
        "letter saying collection is ending, or that a specific remedy may or will be used, is allowed."
    ),
    HoldReason.BANKRUPTCY: N_(
        "The account is on hold for bankruptcy: no calls, texts, visits or emails. "
        "A letter is fine; ask a supervisor before anything else."
    ),
    HoldReason.ATTORNEY: N_(
        "The customer has an attorney: do not contact the customer directly. "
        "Write to the attorney instead (a letter is fine)."
    ),
    HoldReason.HARDSHIP: N_(
        "The account is paused for hardship: no calls, texts, visits or emails while "
        "the pause lasts. A letter is fine."
    ),
    HoldReason.LEGAL: N_(
        "The account is with legal: no calls, texts, visits or emails from collections. "
        "A letter is fine; ask a supervisor about anything else."
    ),
}
_HOLD_LETTER_NOTES: dict[str, str] = {
    HoldReason.CEASE_COMMUNICATION: N_(
        "A letter is allowed, but only to say collection is ending or that a specific remedy may or will be used."
    ),
    HoldReason.ATTORNEY: N_("A letter is allowed: address it to the customer's attorney."),
}


def _hold_contact_verdict(kind: Channel, facts: DebtFacts) -> Verdict | None:
    """Holds refuse every outbound channel but letters: the notices the law still permits (and a
    letter to the consumer's attorney) go by post."""
    reason = hold_code(facts.status, facts.hold_reason)
    if reason is None:
        return None
    if kind is Channel.LETTER:
        note = _HOLD_LETTER_NOTES.get(reason, N_("A letter is allowed while the account is on hold."))
        return Verdict(True, None, _(note))
    refusal = _HOLD_CONTACT_REFUSALS.get(
        reason, N_("The account is on hold: no calls, texts, visits or emails. A letter is fine.")
    )
    answer = _("You may answer the customer if they contact you.")
    return Verdict(False, HOLD_RULE_PREFIX + reason, f"{_(refusal)} {answer}")


# --- call frequency ---------------------------------------------------------------------------


def _call_frequency_verdict(at: datetime, facts: DebtFacts) -> Verdict | None:
    today = at.date()  # the zone `at` carries is the zone the history's days were counted in
    if call_block(facts.calls, today) is None:
        return None
    rule, why = _call_limit_reason(facts.calls, today)
    clear_day = _first_day_without_call_block(facts.calls, today)
    if clear_day is None:
        return Verdict(
            False,
            rule,
            " ".join((why, _("Calls are not allowed for now; an email or a letter is fine today."))),
        )
    start = datetime.combine(clear_day, time(0), tzinfo=at.tzinfo)
    next_allowed = _in_customer_zone(_next_convenient(start, _zones(facts), facts.inconvenient), at, facts)
    again = _("Calls are allowed again from {day}; an email or a letter is fine today.").format(
        day=_day(clear_day)
    )
    return Verdict(False, rule, f"{why} {again}", next_allowed)


def _call_limit_reason(history: ContactHistory, today: date) -> tuple[str, str]:
    # Without the conversation the history may still break 7-in-7: then that is the rule to report.
    if call_block(ContactHistory(history.call_days_last_7, None), today) is not None:
        return (
            RULE_SEVEN_IN_SEVEN,
            _("This debt already had {count} calls in the last 7 days, the most allowed.").format(
                count=speaker().number(CALLS_PER_WEEK_LIMIT)
            ),
        )
    spoke = _day(history.last_conversation_call)
    return (
        RULE_AFTER_CONVERSATION,
        _(
            "Someone spoke with the customer by phone on {day}, so calls about this debt pause for a week."
        ).format(day=spoke),
    )


def _first_day_without_call_block(history: ContactHistory, today: date) -> date | None:
    # Both rules clear within 7 days of the last call; the margin covers odd (future-dated) history.
    for offset in range(1, 3 * CALLS_PER_WEEK_LIMIT):
        day = today + timedelta(days=offset)
        if call_block(history, day) is None:
            return day
    return None


# --- time of day ------------------------------------------------------------------------------


def _time_of_day_verdict(at: datetime, facts: DebtFacts) -> Verdict:
    zone = _known_zone(facts.customer_timezone)
    if zone is None:
        return _unknown_zone_verdict(at, facts)
    local = at.astimezone(zone)
    if _convenient(local.time(), facts.inconvenient):
        return Verdict(
            True,
            None,
            _("It is {time} for the customer ({zone}): you may contact them.").format(
                time=f"{local:%H:%M}", zone=zone.key
            ),
        )
    next_allowed = _next_convenient(at, [zone], facts.inconvenient)
    blocked_by = _inconvenient_range(local.time(), facts.inconvenient)
    if blocked_by is None:
        why = _("It is {time} for the customer ({zone}), outside {window} their time.").format(
            time=f"{local:%H:%M}", zone=zone.key, window=_WINDOW
        )
    else:
        why = _("It is {time} for the customer ({zone}), and they said {hours} is inconvenient.").format(
            time=f"{local:%H:%M}", zone=zone.key, hours=_range(blocked_by)
        )
    shown = None if next_allowed is None else next_allowed.astimezone(zone)
    return Verdict(False, RULE_TIME_OF_DAY, f"{why} {_try_again(shown)}", shown)


def callable_from(at: datetime, customer_timezone: str | None, phone: str | None) -> datetime | None:
    """The first instant at or after `at` when a call is within the customer's hours: in their
    zone, or in every zone their phone number could be in while it is unknown (the same window
    check_contact applies). None when there is none in the coming days; under the `off` profile
    the caller does not ask."""
    _require_aware(at)
    zone = _known_zone(customer_timezone)
    zones = [zone] if zone is not None else plausible_zones(phone)
    return _next_convenient(at, zones, ())


def _unknown_zone_verdict(at: datetime, facts: DebtFacts) -> Verdict:
    zones = plausible_zones(facts.phone)
    if _all_convenient(at, zones, facts.inconvenient):
        return Verdict(
            True,
            None,
            _("The customer's zone is unknown, but it is within hours in every zone they could be in."),
        )
    # Offsets, not wall-clock times, order the zones: Honolulu 20:00 is earlier than St John's 02:30.
    by_offset = sorted(zones, key=lambda zone: at.astimezone(zone).utcoffset() or timedelta())
    earliest, latest = by_offset[0], by_offset[-1]
    span = _local_clock(at, earliest)
    if latest.key != earliest.key:
        span = _("between {earliest} and {latest}").format(earliest=span, latest=_local_clock(at, latest))
    found = calling_code(facts.phone)
    source = (
        _("for a +{code} number").format(code=found) if found else _("assuming anywhere in the US or Canada")
    )
    next_allowed = _next_convenient(at, zones, facts.inconvenient)
    shown = None if next_allowed is None else next_allowed.astimezone(at.tzinfo)
    unknown = _(
        "The customer's time zone is unknown: {source} it is {span} now, and contact is allowed only "
        "{window} local time."
    ).format(source=source, span=span, window=_WINDOW)
    explanation = " ".join(
        (
            unknown,
            _try_again(shown),
            _("Set their time zone, or ask a supervisor to override if you know where they are."),
        )
    )
    return Verdict(False, RULE_TIME_ZONE_UNKNOWN, explanation, shown, overridable=True)


def _convenient(local: time, inconvenient: InconvenientTimes) -> bool:
    return WINDOW_START <= local < WINDOW_END and _inconvenient_range(local, inconvenient) is None


def _inconvenient_range(local: time, inconvenient: InconvenientTimes) -> tuple[time, time] | None:
    return next(((start, end) for start, end in inconvenient if _within(local, start, end)), None)


def _within(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the range runs past midnight


def _all_convenient(instant: datetime, zones: Sequence[ZoneInfo], inconvenient: InconvenientTimes) -> bool:
    return all(_convenient(instant.astimezone(zone).time(), inconvenient) for zone in zones)


def _next_convenient(
    start: datetime, zones: Sequence[ZoneInfo], inconvenient: InconvenientTimes
) -> datetime | None:
    """The first instant at or after `start` that is convenient in every zone, or None when there
    is none in the next days (the consumer's inconvenient times cover the whole window)."""
    if _all_convenient(start, zones, inconvenient):
        return start
    horizon = start + timedelta(days=_SEARCH_DAYS)
    candidates = sorted(
        instant
        for zone in zones
        for instant in _turning_points(zone, start, horizon, inconvenient)
        if start < instant <= horizon
    )
    return next((c for c in candidates if _all_convenient(c, zones, inconvenient)), None)


_SEARCH_DAYS = 3


def _turning_points(
    zone: ZoneInfo, start: datetime, horizon: datetime, inconvenient: InconvenientTimes
) -> Iterator[datetime]:
    """Every instant at which contact can become convenient in `zone`: the local clock reaching
    08:00 or the end of an inconvenient range, or jumping at a DST change. Convenience is constant
    between these, so the earliest convenient instant is `start` or one of them."""
    openings = (WINDOW_START, *(end for _, end in inconvenient))
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS + 2):
        day = first_day + timedelta(days=offset)
        for opening in openings:
            # Both folds: in the repeated hour of a fall-back change a wall time happens twice.
            for fold in (0, 1):
                yield datetime.combine(day, opening, tzinfo=zone).replace(fold=fold).astimezone(UTC)
    yield from _offset_changes(zone, start, horizon)


def _offset_changes(zone: ZoneInfo, start: datetime, horizon: datetime) -> Iterator[datetime]:
    # Zones change offset at most once in any hour, so hourly samples find every change; whole
    # seconds then pin it down exactly.
    low = int(start.timestamp())
    while low < horizon.timestamp():
        high = low + 3600
        if _offset(zone, low) != _offset(zone, high):
            yield _first_second_with_new_offset(zone, low, high)
        low = high


def _first_second_with_new_offset(zone: ZoneInfo, low: int, high: int) -> datetime:
    old = _offset(zone, low)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, middle) == old:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _offset(zone: ZoneInfo, timestamp: int) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, zone).utcoffset()


# --- small helpers ----------------------------------------------------------------------------

_WINDOW = f"{WINDOW_START:%H:%M}-{WINDOW_END:%H:%M}"
_ALLOWED_NOW = {
    Channel.CALL: N_("A call is allowed now."),
    Channel.EMAIL: N_("An email is allowed now."),
    Channel.SMS: N_("A text is allowed now."),
    Channel.LETTER: N_("A letter is allowed now."),
    Channel.VISIT: N_("A visit is allowed now."),
}


def _channel(channel: str) -> Channel:
    word = _normalise(channel)
    try:
        return CHANNEL_ALIASES.get(word) or Channel(word)
    except ValueError:
        raise ValueError(f"unknown contact channel {channel!r}") from None


def _profile_is_off(profile: str) -> bool:
    if profile not in (US_PROFILE, OFF_PROFILE):
        # A misspelt setting must not quietly switch the rules off.
        raise ValueError(f"unknown compliance profile {profile!r}")
    return profile == OFF_PROFILE


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        # A naive instant would silently be read in the server's zone.
        raise ValueError("`at` must be timezone-aware")


def _normalise(word: str) -> str:
    return word.strip().lower().replace("_", "-")


def _known_zone(name: str | None) -> ZoneInfo | None:
    """The customer's zone, or None when unset or not a zone we know (treated as unknown, so the
    plausible zones still protect the customer)."""
    if not name:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zones(facts: DebtFacts) -> list[ZoneInfo]:
    zone = _known_zone(facts.customer_timezone)
    return [zone] if zone is not None else plausible_zones(facts.phone)


def _in_customer_zone(instant: datetime | None, at: datetime, facts: DebtFacts) -> datetime | None:
    if instant is None:
        return None
    return instant.astimezone(_known_zone(facts.customer_timezone) or at.tzinfo)


def _day(day: date | None) -> str:
    # The pattern is itself translated: `segunda-feira, 30 de novembro`, `lunes 30 de noviembre`.
    return _("an unknown day") if day is None else speaker().dated(day, _("EEEE d MMMM"))


def _local_clock(at: datetime, zone: ZoneInfo) -> str:
    return f"{at.astimezone(zone):%H:%M} ({zone.key})"


def _range(times: tuple[time, time]) -> str:
    return f"{times[0]:%H:%M}-{times[1]:%H:%M}"


def _try_again(when: datetime | None) -> str:
    if when is None:
        return _("No time is convenient for them in the coming days; an email or a letter is fine.")
    return _("Try again from {time} on {day}; an email or a letter is fine now.").format(
        time=f"{when:%H:%M %Z}", day=_day(when.date())
    )
