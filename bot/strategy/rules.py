"""The strategy's rules as plain functions: reading the file, which segment an account is in and
which treatment it gets (the morning run's hot path, memoised), drawing the challenger's share of a
segment's new accounts, and the statistics that compare the two treatments.

The statistics, 95% two-sided (z = 1.96):
- a rate (RPC, kept, cured): the Wilson score interval, which stays inside 0 to 1 and is honest for
  small counts and rates near 0 or 1, where the textbook p ± z·√(p(1-p)/n) is not;
- collected per account: the normal approximation, mean ± z·s/√n (s the sample standard deviation
  over the arm's accounts, zeros included), chosen over a bootstrap because it is exact to
  reproduce and cheap for a million accounts; with a few dozen accounts or more the mean is close
  to normal whatever the amounts' skew;
- the verdict: the difference between challenger and champion by a two-sample z test (pooled for
  rates, Welch's standard error for means), significant at |z| ≥ 1.96; fewer than
  MIN_ACCOUNTS accounts (or trials) on either side: too few to tell.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError

from bot.aging import AgingBucket, aging_bucket
from bot.assignments.rules.scoring import AccountFacts, ScoreWeights
from bot.dunning.model import DunningSchedule
from bot.dunning.rules import ScheduleError, field_path, line_of, read_schedule, yaml_mapping
from bot.strategy.model import (
    DEFAULT_TREATMENT,
    Arm,
    Decision,
    DecisionRecord,
    Mean,
    Rate,
    Rule,
    Strategy,
    Treatment,
    Verdict,
)

Z95 = 1.959963984540054
MIN_ACCOUNTS = 30
"""Below this many accounts (or trials, for a rate) on either side the verdict is "too few"."""


@dataclass(frozen=True, slots=True)
class ResolvedTreatment:
    """A treatment with the team's settings filled in: what the scorer and the dunning job use."""

    name: str
    weights: ScoreWeights
    dunning: DunningSchedule
    channels: tuple[str, ...] = ()
    cadence_days: int = 0


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    """One segment as the hot path uses it: its rule, and its treatments resolved."""

    name: str
    rule: Rule
    champion: ResolvedTreatment
    challenger: ResolvedTreatment | None = None
    share: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class StrategyPlan:
    """The strategy in force: the file with the supervisors' decisions applied and every treatment
    resolved. `fallback` is for accounts no segment takes."""

    segments: tuple[SegmentPlan, ...]
    fallback: ResolvedTreatment

    @property
    def trivial(self) -> bool:
        """Everyone gets one treatment and no test runs: the morning run need not ask per account."""
        return all(
            segment.challenger is None and segment.champion == self.fallback for segment in self.segments
        )

    def segment(self, name: str) -> SegmentPlan | None:
        return next((segment for segment in self.segments if segment.name == name), None)

    def schedules(self) -> tuple[DunningSchedule, ...]:
        found = [self.fallback.dunning]
        for segment in self.segments:
            for treatment in (segment.champion, segment.challenger):
                if treatment is not None and treatment.dunning not in found:
                    found.append(treatment.dunning)
        return tuple(found)


class StrategyError(ValueError):
    """A strategy file that cannot be used; the message names the file, the line and the field."""


SHIPPED_STRATEGY = Path(__file__).with_name("strategy.yml")
"""The strategy shipped in the package, used when COLLECT_STRATEGY_FILE is empty: one segment, "all",
treated as the team's settings say (today's behaviour)."""


def parse_strategy(text: str, source: str = "the strategy") -> Strategy:
    node, data = yaml_mapping(text, source, StrategyError, "`treatments:` and `segments:`")
    try:
        strategy = Strategy.model_validate(data)
        for name, treatment in strategy.treatments.items():
            try:
                ScoreWeights.model_validate(treatment.weights)
            except ValidationError as wrong:
                first = wrong.errors()[0]
                part = str(first["loc"][0]) if first["loc"] else ""
                path: tuple[str, ...] = ("treatments", name, "weights", *((part,) if part else ()))
                line = line_of(node, path)
                at = f", line {line}" if line else ""
                raise StrategyError(f"{source}{at}: {field_path(path)}: {first['msg']}") from None
        return strategy
    except ValidationError as error:
        first = error.errors()[0]
        location: tuple[int | str, ...] = tuple(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        pointed = re.match(r"^segments\[(\d+)\]\.(\w+): ", message)
        if not location and pointed:
            # A problem across fields (a treatment not defined): the segment's field it is about.
            location = ("segments", int(pointed[1]), pointed[2])
            message = message[pointed.end() :]
        field = field_path(location)
        line = line_of(node, location)
        where = f", line {line}" if line else ""
        raise StrategyError(f"{source}{where}: {field or 'segments'}: {message}") from None


def read_strategy(path: str) -> tuple[Strategy, Path]:
    """The strategy in the file at `path` (empty: the shipped one), and the folder its dunning
    files are named from."""
    file = Path(path) if path else SHIPPED_STRATEGY
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise StrategyError(f"{file}: cannot be read ({reason}): name a YAML strategy file") from None
    return parse_strategy(text, str(file)), file.parent


def resolve_treatments(
    strategy: Strategy, folder: Path, weights: ScoreWeights, schedule: DunningSchedule
) -> dict[str, ResolvedTreatment]:
    """Every treatment with the team's settings filled in (a dunning file read, relative to the
    strategy file's folder), the `standard` one among them. Done once, at start-up."""
    named = {DEFAULT_TREATMENT: Treatment(), **strategy.treatments}
    return {name: _resolved(name, given, folder, weights, schedule) for name, given in named.items()}


def plan_of(
    strategy: Strategy, treatments: dict[str, ResolvedTreatment], decisions: Sequence[DecisionRecord] = ()
) -> StrategyPlan:
    """The strategy in force: the supervisors' decisions applied over the file (a promoted challenger
    becomes its segment's treatment, a stopped one ends). A decision about a challenger the file no
    longer names changes nothing; the latest decision on a challenger counts."""
    latest = {(record.segment, record.challenger): record.decision for record in decisions}
    segments = []
    for segment in strategy.segments:
        champion, challenger = segment.treatment, segment.challenger
        if challenger is not None:
            decided = latest.get((segment.name, challenger.treatment))
            if decided == Decision.PROMOTE:
                champion, challenger = challenger.treatment, None
            elif decided == Decision.STOP:
                challenger = None
        segments.append(
            SegmentPlan(
                name=segment.name,
                rule=segment.when,
                champion=treatments[champion],
                challenger=treatments[challenger.treatment] if challenger else None,
                share=challenger.share if challenger else Decimal(0),
            )
        )
    return StrategyPlan(tuple(segments), treatments[DEFAULT_TREATMENT])


def _resolved(
    name: str, given: Treatment, folder: Path, weights: ScoreWeights, schedule: DunningSchedule
) -> ResolvedTreatment:
    if isinstance(given.dunning, str):
        file = Path(given.dunning)
        try:
            own = read_schedule(str(file if file.is_absolute() else folder / file))
        except ScheduleError as error:
            raise StrategyError(f"treatment {name!r}: {error}") from None
    elif given.dunning is not None:
        own = DunningSchedule(stages=given.dunning)
    else:
        own = schedule
    return ResolvedTreatment(
        name=name,
        weights=weights.model_copy(update=given.weights) if given.weights else weights,
        dunning=own,
        channels=tuple(str(channel) for channel in given.channels),
        cadence_days=given.cadence_days,
    )


def load_plan(
    path: str, weights: ScoreWeights, schedule: DunningSchedule, decisions: Sequence[DecisionRecord] = ()
) -> StrategyPlan:
    """The strategy file at `path` in force (tests and the command line)."""
    strategy, folder = read_strategy(path)
    return plan_of(strategy, resolve_treatments(strategy, folder, weights, schedule), decisions)


# --- which segment, which treatment: the hot path ---------------------------------------------------


def matches(
    segment: SegmentPlan,
    days_past_due: int,
    balance: Decimal,
    currency: str,
    risk_score: int | None,
    language: str | None,
    product: str | None,
) -> bool:
    """Whether the segment's rule takes this account (every condition given holds)."""
    rule = segment.rule
    bucket = aging_bucket(days_past_due)
    return _matches_in_bucket(rule, bucket, currency, risk_score, language, product) and _in_range(
        rule, balance
    )


def _matches_in_bucket(
    rule: Rule,
    bucket: AgingBucket,
    currency: str | None,
    risk_score: int | None,
    language: str | None,
    product: str | None,
) -> bool:
    if rule.buckets and bucket not in rule.buckets:
        return False
    if rule.product and product not in rule.product:
        return False
    if rule.languages and (language or "").lower() not in {lang.lower() for lang in rule.languages}:
        return False
    if rule.score_min is not None or rule.score_max is not None:
        if risk_score is None:
            return False
        if rule.score_min is not None and risk_score < rule.score_min:
            return False
        if rule.score_max is not None and risk_score > rule.score_max:
            return False
    return rule.currency is None or currency == rule.currency


def _in_range(rule: Rule, balance: Decimal) -> bool:
    if rule.balance_min is not None and balance < rule.balance_min:
        return False
    return rule.balance_max is None or balance < rule.balance_max


def segment_of(
    plan: StrategyPlan,
    days_past_due: int,
    balance: Decimal,
    currency: str,
    risk_score: int | None,
    language: str | None,
    product: str | None,
) -> SegmentPlan | None:
    """The first segment whose rule takes the account; None: no segment does."""
    for segment in plan.segments:
        if matches(segment, days_past_due, balance, currency, risk_score, language, product):
            return segment
    return None


def treatment_of(segment: SegmentPlan | None, arm: Arm | None, plan: StrategyPlan) -> ResolvedTreatment:
    """The account's treatment: its segment's champion, or the challenger when the account was drawn
    for it and the test still runs."""
    if segment is None:
        return plan.fallback
    if arm == Arm.CHALLENGER and segment.challenger is not None:
        return segment.challenger
    return segment.champion


_LOWEST, _HIGHEST = Decimal("-Infinity"), Decimal("Infinity")


class DayChooser:
    """segment_of() for every open account on one day, memoised: apart from the balance, a segment
    depends only on the account's bucket and on the currency, risk score, language and product
    where some rule reads them: a few dozen combinations, each worked out once, leaving the few
    segments whose balance range is still to check (as plain bounds). Gives exactly segment_of()'s
    answer. `by_product` tells a caller reading accounts in bulk whether to read the product."""

    def __init__(self, plan: StrategyPlan, today: date) -> None:
        self.plan = plan
        self.today = today
        rules = [segment.rule for segment in plan.segments]
        self.by_currency = any(rule.currency is not None for rule in rules)
        self.by_score = any(rule.score_min is not None or rule.score_max is not None for rule in rules)
        self.by_language = any(rule.languages for rule in rules)
        self.by_product = any(rule.product for rule in rules)
        self._buckets: dict[date, AgingBucket] = {}
        self._left: dict[_Key, tuple[_Ranged, ...]] = {}

    def segment(
        self,
        due_date: date,
        balance: Decimal,
        currency: str,
        risk_score: int | None,
        language: str | None,
        product: str | None,
    ) -> SegmentPlan | None:
        bucket = self._buckets.get(due_date)
        if bucket is None:
            bucket = self._buckets[due_date] = aging_bucket((self.today - due_date).days)
        key = (
            bucket,
            currency if self.by_currency else None,
            risk_score if self.by_score else None,
            language if self.by_language else None,
            product if self.by_product else None,
        )
        left = self._left.get(key)
        if left is None:
            left = self._left[key] = self._candidates(*key)
        for low, high, segment in left:
            if low <= balance < high:
                return segment
        return None

    def _candidates(
        self,
        bucket: AgingBucket,
        currency: str | None,
        risk_score: int | None,
        language: str | None,
        product: str | None,
    ) -> tuple[_Ranged, ...]:
        """The segments whose rules hold but for the balance, in order; the first one without a
        balance range ends the list (nothing after it can be reached)."""
        found: list[_Ranged] = []
        for segment in self.plan.segments:
            rule = segment.rule
            if _matches_in_bucket(rule, bucket, currency, risk_score, language, product):
                low = rule.balance_min if rule.balance_min is not None else _LOWEST
                high = rule.balance_max if rule.balance_max is not None else _HIGHEST
                found.append((low, high, segment))
                if not rule.on_balance:
                    break
        return tuple(found)


_Ranged = tuple[Decimal, Decimal, SegmentPlan]
_Key = tuple[AgingBucket, str | None, int | None, str | None, str | None]


CADENCE_RULE = "strategy-cadence"
"""The morning summary's reason for an account left off by its treatment's contact cadence."""


class DayTreatments:
    """Each account's treatment on one day: its segment (DayChooser), and the challenger's when the
    account was drawn for it (`drawn`: (account, segment) pairs) and the test still runs."""

    def __init__(self, plan: StrategyPlan, today: date, drawn: set[tuple[int, str]]) -> None:
        self.plan = plan
        self.chooser = DayChooser(plan, today)
        self.drawn = drawn

    def treatment(
        self,
        pk: int,
        due_date: date,
        balance: Decimal,
        currency: str,
        risk_score: int | None,
        language: str | None,
        product: str | None,
    ) -> ResolvedTreatment:
        segment = self.chooser.segment(due_date, balance, currency, risk_score, language, product)
        if segment is None:
            return self.plan.fallback
        if segment.challenger is not None and (pk, segment.name) in self.drawn:
            return segment.challenger
        return segment.champion

    def of_account(self, facts: AccountFacts) -> ResolvedTreatment:
        """treatment() of an account read whole (the worklist's reasons, `/collect mine`)."""
        return self.treatment(
            facts.pk, facts.due_date, facts.balance, facts.currency, facts.risk_score, facts.language,
            facts.product,
        )  # fmt: skip


def too_soon(treatment: ResolvedTreatment, last_contact_on: date | None, today: date) -> bool:
    """Whether the treatment's cadence (minimum days between attempts) keeps the account off today."""
    return bool(
        treatment.cadence_days
        and last_contact_on is not None
        and (today - last_contact_on).days < treatment.cadence_days
    )


def arms_for_new(
    new: Sequence[int], champions: int, challengers: int, share: Decimal, rng: random.Random
) -> set[int]:
    """Which of a segment's `new` accounts (not yet drawn) go to the challenger, at random, so that
    the segment's challenger accounts stay within one of `share` of all its drawn accounts, run
    after run: the number is fixed by the share, the accounts by `rng`. Each account is drawn once
    and keeps its side (the caller records it)."""
    total = champions + challengers + len(new)
    wanted = int((share * total).to_integral_value()) - challengers
    wanted = max(0, min(len(new), wanted))
    return set(rng.sample(list(new), wanted))


def decision_names(strategy_plan: StrategyPlan, name: str) -> list[SegmentPlan]:
    """The running tests a supervisor's NAME picks: the segment of that name, else every segment whose
    challenger is that treatment."""
    segment = strategy_plan.segment(name)
    if segment is not None:
        return [segment] if segment.challenger is not None else []
    return [s for s in strategy_plan.segments if s.challenger is not None and s.challenger.name == name]


# --- the statistics ---------------------------------------------------------------------------------


def wilson(hits: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of hits/trials; None when there were no trials."""
    if trials <= 0:
        return None
    p = hits / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    denominator = 1 + z2 / trials
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def rate(hits: int, trials: int) -> Rate:
    interval = wilson(hits, trials)
    return Rate(hits, trials, *(interval if interval else (None, None)))


def mean_interval(currency: str, amounts: Sequence[Decimal], minor: Decimal = Decimal("0.01")) -> Mean:
    """Collected per account in one currency over the arm's accounts of that currency (each its total
    collected in the period, zero included), with mean ± z·s/√n. The interval is shown rounded to the
    currency's minor unit; the mean is exact Decimal arithmetic, rounded once."""
    count = len(amounts)
    total = sum(amounts, Decimal(0))
    if count == 0:
        zero = Decimal(0)
        return Mean(currency, 0, zero, zero, zero, zero, 0.0)
    mean = total / count
    if count > 1:
        variance = sum(((amount - mean) ** 2 for amount in amounts), Decimal(0)) / (count - 1)
        sd = float(variance.sqrt())
    else:
        sd = 0.0
    half = Decimal(str(Z95 * sd / math.sqrt(count)))
    return Mean(
        currency,
        count,
        total,
        mean.quantize(minor),
        max(Decimal(0), mean - half).quantize(minor),
        (mean + half).quantize(minor),
        sd,
    )


def _verdict(z: float, ahead: bool) -> Verdict:
    if abs(z) < 1e-12:
        return Verdict.LEVEL
    significant = abs(z) >= Z95
    if ahead:
        return Verdict.CHALLENGER_AHEAD_SIGNIFICANT if significant else Verdict.CHALLENGER_AHEAD
    return Verdict.CHAMPION_AHEAD_SIGNIFICANT if significant else Verdict.CHAMPION_AHEAD


def rate_verdict(champion: Rate, challenger: Rate, minimum: int = MIN_ACCOUNTS) -> Verdict:
    """Challenger against champion on a rate: a two-proportion z test with the pooled proportion."""
    if champion.trials < minimum or challenger.trials < minimum:
        return Verdict.TOO_FEW
    pooled = (champion.hits + challenger.hits) / (champion.trials + challenger.trials)
    se = math.sqrt(pooled * (1 - pooled) * (1 / champion.trials + 1 / challenger.trials))
    difference = challenger.hits / challenger.trials - champion.hits / champion.trials
    if se == 0:
        return Verdict.LEVEL
    return _verdict(difference / se, difference > 0)


def mean_verdict(champion: Mean, challenger: Mean, minimum: int = MIN_ACCOUNTS) -> Verdict:
    """Challenger against champion on collected per account: Welch's z on the two means."""
    if champion.accounts < minimum or challenger.accounts < minimum:
        return Verdict.TOO_FEW
    exact_champion = champion.total / champion.accounts
    exact_challenger = challenger.total / challenger.accounts
    difference = float(exact_challenger - exact_champion)
    se = math.sqrt(champion.sd**2 / champion.accounts + challenger.sd**2 / challenger.accounts)
    if se == 0:
        return (
            Verdict.LEVEL
            if difference == 0
            else _verdict(math.copysign(math.inf, difference), difference > 0)
        )
    return _verdict(difference / se, difference > 0)
