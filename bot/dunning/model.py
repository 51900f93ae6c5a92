"""Dunning as plain data: the schedule a team writes (stages by days past due, each a document kind
sent one way), what the rules need to know about one account, and what they decide for it.

The schedule is a pydantic model because it is read from a file a person edits: every field is
checked at start-up and a wrong one is named with its line (bot.dunning.rules.parse_schedule)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.correspondence.model import DocumentKind, SendChannel

SOURCE = "dunning"
"""The documents' and contacts' source when the dunning job sent them."""

# What a dunning stage may send: the documents that need nothing but the account's balance. The
# others say something particular (a promise, a plan, a settlement, the validation period) and are
# sent by a person when that thing happens.
DUNNING_KINDS = (DocumentKind.STATEMENT, DocumentKind.REMINDER, DocumentKind.FINAL_NOTICE)
STAGE_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
MAX_DAYS = 3650


class Stage(BaseModel):
    """One step of the schedule: at `days` past due, send `kind` by `channel`, unless the account
    was contacted by that channel (by anyone, any outcome) within `quiet_days`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=STAGE_NAME_PATTERN)
    days: int = Field(ge=1, le=MAX_DAYS)
    kind: DocumentKind
    channel: SendChannel
    quiet_days: int = Field(default=0, ge=0, le=365)
    """0: sent whatever the last contact by that channel."""

    @field_validator("kind")
    @classmethod
    def _dunning_kind(cls, value: DocumentKind) -> DocumentKind:
        if value not in DUNNING_KINDS:
            raise ValueError(
                f"{value.value} is sent by a person, not by dunning: "
                f"use one of {', '.join(kind.value for kind in DUNNING_KINDS)}"
            )
        return value


class DunningSchedule(BaseModel):
    """The stages, in the order they are reached: days strictly increasing, names unique. An empty
    list switches dunning off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: tuple[Stage, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> DunningSchedule:
        names: set[str] = set()
        for before, stage in zip((None, *self.stages), self.stages, strict=False):
            if stage.name in names:
                raise ValueError(f"two stages are named {stage.name!r}: each name once")
            names.add(stage.name)
            if before is not None and stage.days <= before.days:
                raise ValueError(
                    f"stage {stage.name!r} ({stage.days} days) must come after {before.name!r} "
                    f"({before.days} days): list the stages by days past due, each later than the one before"
                )
        return self

    def stage(self, name: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.name == name), None)


class HeldBack(StrEnum):
    """Why a stage that was due did not go out today (the summary counts them by this code)."""

    ON_HOLD = "on-hold"
    PROMISE = "promise"
    """An open promise (or instalment) not yet broken: the customer is keeping their word."""
    RECENT_CONTACT = "recent-contact"
    """Contacted by the stage's channel within its quiet days."""
    NO_EMAIL = "no-email"
    NO_ADDRESS = "no-address"
    EMAIL_OFF = "email-off"
    """An email stage while the team has no mail server set (COLLECT_SMTP_URL)."""
    VALIDATION_PERIOD = "validation-period"
    """A reminder or final notice while the account's validation period runs (US profile): it
    would overshadow the customer's right to dispute (§1006.38(b))."""
    DAILY_LIMIT = "daily-limit"
    """Beyond COLLECT_DUNNING_PER_DAY: it goes on a later day, the most past due first."""
    REFUSED = "refused"
    """The compliance guard refused it at the moment of sending (an email outside the customer's
    hours, a hold the ledger's status does not show yet)."""


@dataclass(frozen=True, slots=True)
class DunningFacts:
    """What the rules need to know about one account, as of the team's today."""

    account_pk: int
    account_id: str
    status: str
    hold_reason: str | None
    balance: Decimal
    days_past_due: int
    stages_sent: frozenset[str] = frozenset()
    """The stages this delinquency has had already (sent, queued or cancelled: each is used once)."""
    promise_kept_until: date | None = None
    """The last day (due date + grace) of the latest open promise or instalment; None: none open."""
    last_contact: Mapping[str, date] = field(default_factory=dict)
    """The latest contact day (team's zone) per channel."""
    has_email: bool = True
    has_address: bool = True
    email_on: bool = True
    """The team has a mail server set: email stages can go."""
    validation_ends: date | None = None
    """The last day of the account's validation period, when a validation notice went out."""
    profile: str = "us"
    """The contact rules in force (COLLECT_COMPLIANCE_PROFILE)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A stage due for an account: sent when `held` is None, else held back for that reason."""

    account_pk: int
    account_id: str
    stage: Stage
    held: HeldBack | None = None
    detail: str = ""
    days_past_due: int = 0
    """More about `held` (the hold's reason, the compliance rule), for the dry run's lines."""

    @property
    def sends(self) -> bool:
        return self.held is None


@dataclass(frozen=True, slots=True)
class StageCount:
    """What one stage sent on one day: `count` documents by `channel` (letters queued for the
    print room until their batch is written)."""

    stage: str
    channel: str
    count: int


@dataclass(frozen=True, slots=True)
class DunningSummary:
    """The supervisors' daily summary: counts only, no customer named."""

    day: date
    sent: tuple[StageCount, ...]
    held: tuple[tuple[HeldBack, int], ...]
    """Per reason, in HeldBack's order; reasons with none left out."""
    skipped: int = 0
    """Accounts the job could not handle (each told once on its own, bot.job_faults)."""

    @property
    def total_sent(self) -> int:
        return sum(count.count for count in self.sent)

    @property
    def total_held(self) -> int:
        return sum(count for _reason, count in self.held)


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter as the print room needs it."""

    document_id: int
    account_id: str
    customer_name: str
    address: tuple[str, ...]
    kind: str
    pdf: bytes
    sha256: str
    filename: str
    """Unique per document and the same on every run: a file written again is the same file."""

    @property
    def pages(self) -> int:
        return max(1, len(_PAGE.findall(self.pdf)))


@dataclass(frozen=True, slots=True)
class HeldLetter:
    document_id: int
    account_id: str
    reason: str
