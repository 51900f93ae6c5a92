"""Who may be contacted today. The worklists leave these accounts off; the compliance guardrails
(at the moment an agent logs a contact) use the same functions, so the rules live in one place.

Regulation F, 12 CFR 1006.14(b)(2): no 8th call within 7 consecutive days about one debt, and no
call within 7 days after a telephone conversation about it (the conversation day is day 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.calendar import add_days

CALLS_PER_WEEK_LIMIT = 7
CONVERSATION_QUIET_DAYS = 7


class HoldReason(StrEnum):
    DISPUTE = "dispute"
    CEASE_COMMUNICATION = "cease-communication"
    BANKRUPTCY = "bankruptcy"
    ATTORNEY = "attorney"
    HARDSHIP = "hardship"
    LEGAL = "legal"


@dataclass(frozen=True, slots=True)
class ContactHistory:
    """What the rules need to know about one debt's recent calls."""

    call_days_last_7: tuple[date, ...]
    last_conversation_call: date | None


@dataclass(frozen=True, slots=True)
class ContactBlock:
    """Why an account may not be contacted: `rule` groups the counts, `explanation` tells the agent."""

    rule: str
    explanation: str


def call_block(history: ContactHistory, today: date) -> ContactBlock | None:
    """Why a call today would break the call-frequency rules, or None when it may be made."""
    window_start = today - timedelta(days=CALLS_PER_WEEK_LIMIT - 1)
    calls_in_window = sum(1 for day in history.call_days_last_7 if window_start <= day <= today)
    if calls_in_window >= CALLS_PER_WEEK_LIMIT:
        return ContactBlock("7 calls in 7 days", f"{calls_in_window} calls in the last 7 days")
    conversation = history.last_conversation_call
    if conversation is not None and today < add_days(conversation, CONVERSATION_QUIET_DAYS):
        next_call = add_days(conversation, CONVERSATION_QUIET_DAYS)
        return ContactBlock(
            "phone conversation in the last 7 days",
            f"spoke to the customer by phone on {conversation.isoformat()}; next call {next_call.isoformat()}",
        )
    return None


def hold_block(status: str, hold_reason: str | None) -> ContactBlock | None:
    """An account on hold is not pursued: disputes, cease-communication, bankruptcy, attorney, hardship."""
    if status in ("on_hold", "legal"):
        reason = hold_reason or status
        return ContactBlock(f"on hold: {reason}", f"the account is on hold ({reason})")
    return None
