"""The strategy as plain data: the file a team writes (treatments, and segments by rules on the
account's data, each with its treatment and perhaps a challenger), a segment decision, and the
results of a champion/challenger test.

The file's parts are pydantic models because a person edits it: every field is checked at start-up
and a wrong one is named with its file and line (bot.strategy.rules.parse_strategy)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.aging import AgingBucket
from bot.dunning.model import Stage
from bot.vocabulary import Channel, product_problem

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
DEFAULT_TREATMENT = "standard"
"""The treatment of the shipped strategy (and of an account no segment takes): the team's settings,
COLLECT_SCORE_WEIGHTS and COLLECT_DUNNING_FILE, as the bot behaved before strategies."""


class Arm(StrEnum):
    """Which side of a segment's test an account is on."""

    CHAMPION = "champion"
    CHALLENGER = "challenger"


class Decision(StrEnum):
    """A supervisor's decision on a challenger, kept in the database (strategy_decisions) and applied
    over the file when it is loaded: the file is the team's configuration, the decision is theirs."""

    PROMOTE = "promote"
    """The challenger becomes the segment's treatment for every account."""
    STOP = "stop"
    """The challenger ends; its accounts return to the champion."""


class Treatment(BaseModel):
    """What a segment's accounts get. Each part left out is the team's setting: `weights` only the
    parts it names (the rest are COLLECT_SCORE_WEIGHTS'), `dunning` a schedule file (relative to the
    strategy file) or inline stages (none: COLLECT_DUNNING_FILE's schedule)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weights: dict[str, float] = Field(default_factory=dict)
    dunning: str | tuple[Stage, ...] | None = None
    channels: tuple[Channel, ...] = ()
    """The channels to try first, in order, shown on the worklist line."""
    cadence_days: int = Field(default=0, ge=0, le=365)
    """At least this many days between attempts: an account contacted more recently is left off the
    morning's lists (0: no minimum)."""

    # The parts' names and ranges are the priority score's (ScoreWeights), checked by
    # bot.strategy.rules.parse_strategy: a model may not reach for the scoring rules.


def _product_code(text: str) -> str:
    problem = product_problem(text)
    if problem is not None:
        raise ValueError(f"{text!r} {problem}")
    return text


ProductCode = Annotated[str, AfterValidator(_product_code)]
"""A product as accounts carry it (bot.vocabulary.product_problem): a rule that names `Card`
would never match an account's `card`, so it is refused at start-up rather than matching nothing."""


class Rule(BaseModel):
    """Which accounts a segment takes; every condition given must hold (none given: every account).
    Balances are in the account's currency; `currency` narrows a balance range to one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    buckets: tuple[AgingBucket, ...] = ()
    balance_min: Decimal | None = Field(default=None, ge=0)
    balance_max: Decimal | None = Field(default=None, ge=0)
    """Inclusive at the bottom, exclusive at the top: 0 to 1000 and 1000 to 5000 share no account."""
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    score_min: int | None = Field(default=None, ge=0, le=100)
    score_max: int | None = Field(default=None, ge=0, le=100)
    """The account's risk score (the billing system's propensity, 0 to 100), both ends included; an
    account without one is in no score band."""
    languages: tuple[str, ...] = ()
    product: tuple[ProductCode, ...] = ()
    """The account's product is one of these; an account without a product is in no product's
    segment. One product may be written alone (`product: card`)."""

    @field_validator("product", mode="before")
    @classmethod
    def _products(cls, value: Any) -> Any:
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list | tuple) and not value:
            raise ValueError("name at least one product, or leave `product` out")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> Rule:
        if (
            self.balance_min is not None
            and self.balance_max is not None
            and self.balance_max <= self.balance_min
        ):
            raise ValueError("balance_max must be above balance_min")
        if self.score_min is not None and self.score_max is not None and self.score_max < self.score_min:
            raise ValueError("score_max must not be below score_min")
        return self

    @property
    def on_balance(self) -> bool:
        return self.balance_min is not None or self.balance_max is not None


class Challenger(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    treatment: str
    share: Decimal = Field(gt=0, lt=1)
    """The part of the segment's accounts given the challenger, e.g. 0.2."""


class Segment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    when: Rule = Rule()
    treatment: str
    challenger: Challenger | None = None


class Strategy(BaseModel):
    """Treatments by name and the segments, first match wins. An account no segment takes gets the
    team's settings (the `standard` treatment) and is in no test."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    treatments: dict[str, Treatment] = Field(default_factory=lambda: {DEFAULT_TREATMENT: Treatment()})
    segments: tuple[Segment, ...] = ()

    @field_validator("treatments")
    @classmethod
    def _named(cls, value: dict[str, Treatment]) -> dict[str, Treatment]:
        for name in value:
            if not re.match(NAME_PATTERN, name):
                raise ValueError(f"treatment name {name!r}: lower case letters, digits and -")
        return value

    @model_validator(mode="after")
    def _references(self) -> Strategy:
        # Each problem starts with the field's path, which parse_strategy turns into its line.
        names: set[str] = set()
        for index, segment in enumerate(self.segments):
            if segment.name in names:
                raise ValueError(
                    f"segments[{index}].name: two segments are named {segment.name!r}: each name once"
                )
            names.add(segment.name)
            wanted = [("treatment", segment.treatment)]
            if segment.challenger:
                wanted.append(("challenger", segment.challenger.treatment))
            for field, treatment in wanted:
                if treatment not in self.treatments and treatment != DEFAULT_TREATMENT:
                    known = ", ".join(sorted({DEFAULT_TREATMENT, *self.treatments}))
                    raise ValueError(
                        f"segments[{index}].{field}: treatment {treatment!r} is not defined under "
                        f"`treatments:`: use one of {known}"
                    )
            if segment.challenger and segment.challenger.treatment == segment.treatment:
                raise ValueError(f"segments[{index}].challenger: the challenger is the champion itself")
        return self


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    segment: str
    challenger: str
    decision: Decision


class EventKind(StrEnum):
    STARTED = "started"
    PROMOTED = "promoted"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SegmentEvent:
    """What changed in a segment's treatment on a day: its challenger's first draw, or a
    supervisor's decision on it. The monthly narrative says a segment's figures came after it, never
    that it caused them."""

    segment: str
    challenger: str
    kind: EventKind
    on: date
    share: Decimal | None = None
    """The challenger's share in the strategy file, when it still names that challenger."""


# --- results ---------------------------------------------------------------------------------------


class Verdict(StrEnum):
    TOO_FEW = "too-few"
    CHALLENGER_AHEAD = "challenger-ahead"
    CHALLENGER_AHEAD_SIGNIFICANT = "challenger-ahead-significant"
    CHAMPION_AHEAD = "champion-ahead"
    CHAMPION_AHEAD_SIGNIFICANT = "champion-ahead-significant"
    LEVEL = "level"


@dataclass(frozen=True, slots=True)
class Rate:
    """`hits` of `trials`, with its 95% Wilson interval (None when nothing was tried)."""

    hits: int
    trials: int
    low: float | None
    high: float | None

    @property
    def value(self) -> float | None:
        return self.hits / self.trials if self.trials else None


@dataclass(frozen=True, slots=True)
class Mean:
    """Collected per account in one currency: the mean over the arm's accounts of that currency,
    with its 95% interval by the normal approximation."""

    currency: str
    accounts: int
    total: Decimal
    mean: Decimal
    low: Decimal
    high: Decimal
    sd: float


@dataclass(frozen=True, slots=True)
class ArmResult:
    segment: str
    arm: Arm
    treatment: str
    accounts: int
    collected: tuple[Mean, ...]
    rpc: Rate
    kept: Rate
    cured: Rate


@dataclass(frozen=True, slots=True)
class SegmentResult:
    segment: str
    champion: ArmResult
    challenger: ArmResult | None
    verdicts: tuple[tuple[str, Verdict], ...] = ()
    """Per measure ("rpc", "kept", "cured", "collected USD"), the challenger against the champion."""
    active: bool = True
    """The test still runs (not promoted nor stopped, still in the file)."""


@dataclass(frozen=True, slots=True)
class Decided:
    """What a supervisor's promote or stop did: per segment, the champion and the challenger it was
    about."""

    decision: Decision
    segments: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class StrategyReport:
    """The tests' results over the team days first..last (a month, or the month so far)."""

    first: date
    last: date
    so_far: bool
    results: tuple[SegmentResult, ...]
