"""The learned propensity's rules: features from an account's history as it stood on a snapshot
date (only what happened before that day), the label (paid something in the 14 days from it), the
training, the out-of-time backtest against the rule score, and the words that explain a score.

Every feature reads only events dated before the snapshot, so a model trained on past snapshots
never sees its own future (tests/test_propensity.py checks it with generated histories).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.assignments.rules.scoring import AccountFacts, ScoreWeights, score
from bot.calendar import add_months
from bot.language.model import _, counted, number
from bot.propensity.model import (
    FEATURES,
    HORIZON_DAYS,
    AccountHistory,
    Backtest,
    Decile,
    Examples,
    PaymentEvent,
    PromiseEvent,
    ThinHistory,
    Thinness,
    TrainedModel,
)
from bot.vocabulary import RIGHT_PARTY_OUTCOMES, Channel, PromiseStatus

if TYPE_CHECKING:
    # numpy loads with the first use (training, the day's scores), not with every process.
    import numpy as np

RECENT_DAYS = 90
PAID_DOWN_DAYS = 30
DAYS_CAP = 365
PAST_DUE_CAP = 720
SNAPSHOT_STEP_DAYS = 7
"""Training snapshots a week apart: each account is an example once a week of its history."""
MIN_EXAMPLES = 200
"""Fewer training examples than this (or fewer than MIN_PAYERS of either class) is a thin history."""
MIN_PAYERS = 20
MIN_TEST_EXAMPLES = 50
MARGIN = 0.01
"""The learned score replaces the rule score only when its backtest AUC is at least this much
higher: a tie, or a win by noise, leaves the rule a supervisor knows."""
REGULARISATION = 1.0
"""scikit-learn's C (inverse L2 strength) on standardised features."""
MAX_EXAMPLES = 100_000
"""More snapshots than this are sampled evenly (by account and day, the same every run): the fit's
time and memory stay bounded on a large portfolio, and its coefficients barely move."""
MAX_TRAINING_ACCOUNTS = 20_000
"""A larger portfolio trains on every n-th account (by record id, the same every week): reading a
year of events of a million accounts would take the job tens of minutes and gigabytes, and the
examples are sampled down to MAX_EXAMPLES anyway (20,000 accounts give about a million weekly
snapshots a year, ten for every example kept)."""
_RIGHT_PARTY = frozenset(str(outcome) for outcome in RIGHT_PARTY_OUTCOMES)


def sampling_step(accounts: int) -> int:
    """Train on the accounts whose record id is a multiple of this."""
    return max(1, math.ceil(accounts / MAX_TRAINING_ACCOUNTS))


def in_its_money(history: AccountHistory, payment: PaymentEvent) -> bool:
    """Whether the payment's amount may be added to the account's: amounts of different currencies
    are never added together."""
    return payment.currency is None or history.currency is None or payment.currency == history.currency


def balance_on(history: AccountHistory, day: date) -> Decimal:
    """The balance at the start of `day`: today's, with what was paid since added back."""
    paid_since = sum(
        (p.amount for p in history.payments if p.on >= day and in_its_money(history, p)), Decimal(0)
    )
    return history.balance + paid_since


def features(history: AccountHistory, snapshot: date) -> tuple[float, ...]:
    """The account as it stood at the start of `snapshot`, in FEATURES' order; nothing dated on or
    after the snapshot is read (the balance then is today's with later payments added back)."""
    recent = snapshot - timedelta(days=RECENT_DAYS)
    paid_down_from = snapshot - timedelta(days=PAID_DOWN_DAYS)
    payments = [p for p in history.payments if p.on < snapshot]
    balance = float(balance_on(history, snapshot))
    paid_30 = float(
        sum((p.amount for p in payments if p.on >= paid_down_from and in_its_money(history, p)), Decimal(0))
    )
    last_paid = payments[-1].on if payments else None
    kept = broken = 0
    for promise in history.promises:
        if promise.made_on < snapshot and promise.resolved_on is not None and promise.resolved_on < snapshot:
            kept += promise.status == PromiseStatus.KEPT
            broken += promise.status == PromiseStatus.BROKEN
    tried: dict[str, int] = {}
    answered: dict[str, int] = {}
    unanswered = 0
    last_talk: date | None = None
    for contact in history.contacts:
        if contact.on >= snapshot:
            continue
        talked = contact.outcome in _RIGHT_PARTY
        if talked:
            last_talk = contact.on
        if contact.on >= recent:
            tried[contact.channel] = tried.get(contact.channel, 0) + 1
            answered[contact.channel] = answered.get(contact.channel, 0) + talked
            unanswered += not talked
    language = (history.language or "").lower()
    return (
        float(min(max((snapshot - history.due_date).days, 0), PAST_DUE_CAP)),
        math.log10(1 + max(balance, 0.0)),
        paid_30 / (balance + paid_30) if balance + paid_30 > 0 else 0.0,
        float(sum(1 for p in payments if p.on >= recent)),
        float(_days_since(last_paid, snapshot)),
        float(kept),
        float(broken),
        _share(answered, tried, Channel.CALL),
        _share(answered, tried, Channel.SMS),
        _share(answered, tried, Channel.EMAIL),
        float(unanswered),
        float(_days_since(last_talk, snapshot)),
        float(language.startswith("en")),
        float(language.startswith("pt")),
        float(language.startswith("es")),
    )


def summed_row(
    today: date,
    due_date: date,
    balance: float,
    paid_down: float,
    payments_90: int,
    since_paid: int,
    kept: int,
    broken: int,
    shares: tuple[float, float, float],
    unanswered: int,
    since_talk: int,
    language: str | None,
) -> tuple[float, ...]:
    """features() from figures summed by the database (the balance with today's payments added
    back, what was paid down in 30 days, the counts, the days since, the answered shares of calls,
    texts and emails): the same arithmetic, so the same floats."""
    lang = (language or "").lower()
    return (
        float(min(max((today - due_date).days, 0), PAST_DUE_CAP)),
        math.log10(1 + max(balance, 0.0)),
        paid_down / (balance + paid_down) if balance + paid_down > 0 else 0.0,
        float(payments_90),
        float(since_paid),
        float(kept),
        float(broken),
        *shares,
        float(unanswered),
        float(since_talk),
        float(lang.startswith("en")),
        float(lang.startswith("pt")),
        float(lang.startswith("es")),
    )


def summed_rows(
    past_due: np.ndarray,
    balances: np.ndarray,
    paid_down: np.ndarray,
    payments_90: np.ndarray,
    since_paid: np.ndarray,
    kept: np.ndarray,
    broken: np.ndarray,
    answered: tuple[tuple[np.ndarray, np.ndarray], ...],
    unanswered: np.ndarray,
    since_talk: np.ndarray,
    languages: Sequence[str | None],
) -> np.ndarray:
    """summed_row() of many accounts at once, a row each (numpy columns in, a matrix out): the days
    past due, the balances as floats, the amounts paid down, the counts, the days since, the
    (answered, tried) counts of calls, texts and emails, the languages. The same arithmetic on the
    same floats, so the same rows to the last bit (tests/test_propensity_figures.py); the logarithm
    is math.log10's, which numpy's need not equal."""
    import numpy as np

    count = len(balances)
    rows = np.empty((count, len(FEATURES)), dtype=np.float64)
    rows[:, 0] = np.minimum(np.maximum(past_due, 0), PAST_DUE_CAP)
    grown = (1 + np.maximum(balances, 0.0)).tolist()
    rows[:, 1] = np.fromiter(map(math.log10, grown), dtype=np.float64, count=count)
    whole = balances + paid_down
    rows[:, 2] = np.divide(paid_down, whole, out=np.zeros(count), where=whole > 0)
    rows[:, 3] = payments_90
    rows[:, 4] = since_paid
    rows[:, 5] = kept
    rows[:, 6] = broken
    for column, (yes, tried) in enumerate(answered, start=7):
        rows[:, column] = np.divide(yes, tried, out=np.zeros(count), where=tried != 0)
    rows[:, 10] = unanswered
    rows[:, 11] = since_talk
    # Each language's flags worked out once: a portfolio speaks a handful.
    known = {language: n for n, language in enumerate(dict.fromkeys(languages))}
    flags = np.array([_language_flags(language) for language in known], dtype=np.float64).reshape(-1, 3)
    rows[:, 12:15] = flags[np.fromiter(map(known.__getitem__, languages), dtype=np.intp, count=count)]
    return rows


def _language_flags(language: str | None) -> tuple[float, float, float]:
    lang = (language or "").lower()
    return float(lang.startswith("en")), float(lang.startswith("pt")), float(lang.startswith("es"))


def share(answered: int, tried: int) -> float:
    return answered / tried if tried else 0.0


def _days_since(day: date | None, snapshot: date) -> int:
    return DAYS_CAP if day is None else min((snapshot - day).days, DAYS_CAP)


def _share(answered: dict[str, int], tried: dict[str, int], channel: str) -> float:
    count = tried.get(channel, 0)
    return answered.get(channel, 0) / count if count else 0.0


def paid_within(history: AccountHistory, snapshot: date, horizon: int = HORIZON_DAYS) -> bool:
    """The label: something paid from the snapshot's day to the horizon's (exclusive)."""
    end = snapshot + timedelta(days=horizon)
    days = [p.on for p in history.payments]
    at = bisect_left(days, snapshot)
    return at < len(days) and days[at] < end


def owed_on(history: AccountHistory, snapshot: date) -> bool:
    """Whether the account is an example at this snapshot: already on the books, still owing."""
    opened = history.opened_on or history.due_date
    return opened < snapshot and balance_on(history, snapshot) > 0


def rule_facts(history: AccountHistory, snapshot: date) -> AccountFacts:
    """The rule score's facts as the morning of the snapshot read them (for the backtest's
    comparison): the contacts before that day, the callback the last of them asked for, and the
    promise then open, as the morning run's read takes them from the account (planning.facts_query)."""
    last_contact = last_talk = callback = None
    for contact in history.contacts:
        if contact.on < snapshot:
            last_contact, callback = contact.on, contact.callback_on
            if contact.outcome in _RIGHT_PARTY:
                last_talk = contact.on
    promise = open_promise_on(history.promises, snapshot)
    return AccountFacts(
        pk=history.pk,
        account_id=str(history.pk),
        currency="USD",
        balance=balance_on(history, snapshot),
        original_amount=history.original_amount,
        due_date=history.due_date,
        assigned_to=None,
        language=history.language,
        risk_score=history.risk_score,
        last_contact_on=last_contact,
        last_conversation_on=last_talk,
        callback_on=callback,
        promise_amount=promise.amount if promise is not None else None,
        promise_due=promise.due_on if promise is not None else None,
    )


def open_promise_on(promises: Iterable[PromiseEvent], snapshot: date) -> PromiseEvent | None:
    """The promise the morning of `snapshot` held open: made before that day and not closed
    before it (kept, broken or cancelled that day or later, or open still); of several (a plan's
    instalments), the earliest due, the first made on a tie, as the morning's read takes it. A
    closed promise whose closing day is not known (an import's without one) is never taken for
    open: it would read as broken on every later snapshot."""
    found: PromiseEvent | None = None
    earliest = date.max
    for promise in promises:
        if promise.due_on is None or promise.made_on >= snapshot:
            continue
        if promise.status != PromiseStatus.OPEN and (
            promise.resolved_on is None or promise.resolved_on < snapshot
        ):
            continue
        if promise.due_on < earliest:
            found, earliest = promise, promise.due_on
    return found


class HistoryIndex:
    """One account's history indexed by day (sorted day numbers and running totals), so that the
    features at many snapshots cost a few binary searches each instead of a pass over every event:
    what makes a year of weekly snapshots of a large portfolio affordable. It gives exactly what
    features(), balance_on(), paid_within() and rule_facts() give (tests/test_propensity.py)."""

    __slots__ = (
        "_answered",
        "_broken",
        "_callbacks",
        "_calls",
        "_contacts",
        "_emails",
        "_history",
        "_kept",
        "_language",
        "_paid_days",
        "_paid_sums",
        "_promises",
        "_talks",
        "_texts",
        "_total",
        "_tried",
    )  # fmt: skip

    def __init__(self, history: AccountHistory) -> None:
        self._history = history
        self._paid_days = [p.on.toordinal() for p in history.payments]
        # Decimal running totals: the same sums, to the cent, as features() adds up.
        sums = [Decimal(0)]
        for payment in history.payments:
            sums.append(sums[-1] + (payment.amount if in_its_money(history, payment) else Decimal(0)))
        self._paid_sums = sums
        self._total = history.balance + sums[-1]
        self._contacts = [c.on.toordinal() for c in history.contacts]
        answered = [0]
        for contact in history.contacts:
            answered.append(answered[-1] + (contact.outcome in _RIGHT_PARTY))
        self._answered = answered
        self._talks = [c.on.toordinal() for c in history.contacts if c.outcome in _RIGHT_PARTY]
        self._callbacks = [c.callback_on for c in history.contacts]
        # Only the promises some morning could have held open (open_promise_on's).
        self._promises = [
            p
            for p in history.promises
            if p.due_on is not None and (p.status == PromiseStatus.OPEN or p.resolved_on is not None)
        ]
        self._calls = _ChannelIndex(history, Channel.CALL)
        self._texts = _ChannelIndex(history, Channel.SMS)
        self._emails = _ChannelIndex(history, Channel.EMAIL)
        # A promise counts once both its making and its resolving are before the snapshot.
        self._kept = sorted(
            _known_from(p) for p in history.promises if p.status == PromiseStatus.KEPT and p.resolved_on
        )
        self._broken = sorted(
            _known_from(p) for p in history.promises if p.status == PromiseStatus.BROKEN and p.resolved_on
        )
        language = (history.language or "").lower()
        self._language = (
            float(language.startswith("en")),
            float(language.startswith("pt")),
            float(language.startswith("es")),
        )

    @property
    def history(self) -> AccountHistory:
        return self._history

    def balance_on(self, day: int) -> Decimal:
        """balance_on(), by day number: what was paid before `day` taken off the balance at first."""
        return self._total - self._paid_sums[bisect_left(self._paid_days, day)]

    def owed_on(self, snapshot: date) -> bool:
        opened = self._history.opened_on or self._history.due_date
        return opened < snapshot and self.balance_on(snapshot.toordinal()) > 0

    def paid_within(self, snapshot: date, horizon: int = HORIZON_DAYS) -> bool:
        day = snapshot.toordinal()
        at = bisect_left(self._paid_days, day)
        return at < len(self._paid_days) and self._paid_days[at] < day + horizon

    def features(self, snapshot: date) -> tuple[float, ...]:
        day = snapshot.toordinal()
        paid_days, sums = self._paid_days, self._paid_sums
        paid = bisect_left(paid_days, day)
        balance = float(self.balance_on(day))
        paid_30 = float(sums[paid] - sums[bisect_left(paid_days, day - PAID_DOWN_DAYS)])
        contacts = self._contacts
        tried = bisect_left(contacts, day)
        recent = bisect_left(contacts, day - RECENT_DAYS)
        talked = bisect_left(self._talks, day)
        return (
            float(min(max(day - self._history.due_date.toordinal(), 0), PAST_DUE_CAP)),
            math.log10(1 + max(balance, 0.0)),
            paid_30 / (balance + paid_30) if balance + paid_30 > 0 else 0.0,
            float(paid - bisect_left(paid_days, day - RECENT_DAYS)),
            float(min(day - paid_days[paid - 1], DAYS_CAP) if paid else DAYS_CAP),
            float(bisect_left(self._kept, day)),
            float(bisect_left(self._broken, day)),
            self._calls.share(day),
            self._texts.share(day),
            self._emails.share(day),
            float((tried - recent) - (self._answered[tried] - self._answered[recent])),
            float(min(day - self._talks[talked - 1], DAYS_CAP) if talked else DAYS_CAP),
            *self._language,
        )

    def rule_facts(self, snapshot: date) -> AccountFacts:
        day = snapshot.toordinal()
        promise = open_promise_on(self._promises, snapshot) if self._promises else None
        tried = bisect_left(self._contacts, day)
        talked = bisect_left(self._talks, day)
        history = self._history
        return AccountFacts(
            pk=history.pk,
            account_id=str(history.pk),
            currency="USD",
            balance=self.balance_on(day),
            original_amount=history.original_amount,
            due_date=history.due_date,
            assigned_to=None,
            language=history.language,
            risk_score=history.risk_score,
            last_contact_on=date.fromordinal(self._contacts[tried - 1]) if tried else None,
            last_conversation_on=date.fromordinal(self._talks[talked - 1]) if talked else None,
            callback_on=self._callbacks[tried - 1] if tried else None,
            promise_amount=promise.amount if promise is not None else None,
            promise_due=promise.due_on if promise is not None else None,
        )


def _known_from(promise: PromiseEvent) -> int:
    assert promise.resolved_on is not None
    return max(promise.made_on, promise.resolved_on).toordinal()


class _ChannelIndex:
    """A channel's attempts by day number, with a running count of those answered."""

    __slots__ = ("_answered", "_days")

    def __init__(self, history: AccountHistory, channel: str) -> None:
        self._days = [c.on.toordinal() for c in history.contacts if c.channel == channel]
        answered = [0]
        for contact in history.contacts:
            if contact.channel == channel:
                answered.append(answered[-1] + (contact.outcome in _RIGHT_PARTY))
        self._answered = answered

    def share(self, day: int) -> float:
        last = bisect_left(self._days, day)
        first = bisect_left(self._days, day - RECENT_DAYS)
        count = last - first
        return (self._answered[last] - self._answered[first]) / count if count else 0.0


def snapshot_days(first: date, last: date, step: int = SNAPSHOT_STEP_DAYS) -> list[date]:
    days = []
    day = first
    while day <= last:
        days.append(day)
        day += timedelta(days=step)
    return days


Indexes = dict[int, HistoryIndex]
"""Each history's index by the history's identity: built once for the backtest's training and test
snapshots and the final fit's, not once for each (a large portfolio's sample builds 20,000)."""


def examples(
    histories: Sequence[AccountHistory],
    snapshots: Sequence[date],
    weights: ScoreWeights,
    grace_days: int,
    most: int = MAX_EXAMPLES,
    *,
    indexes: Indexes | None = None,
    rule_scores: bool = True,
) -> Examples:
    """Every (account, snapshot) where the account owed something, sampled evenly down to `most`;
    without the rule score's at each, with `rule_scores` False (the final fit has no use for it)."""
    stride = max(1, math.ceil(len(histories) * len(snapshots) / most))
    found = Examples()
    held: Indexes = {} if indexes is None else indexes
    for index, history in enumerate(histories):
        indexed: HistoryIndex | None = None  # built only for an account some snapshot samples
        for turn, snapshot in enumerate(snapshots):
            if (index + turn) % stride:
                continue
            if indexed is None:
                indexed = held.get(id(history))
                if indexed is None or indexed.history is not history:
                    indexed = held[id(history)] = HistoryIndex(history)
            if not indexed.owed_on(snapshot):
                continue
            found.features.append(indexed.features(snapshot))
            found.labels.append(int(indexed.paid_within(snapshot)))
            if rule_scores:
                found.rule_scores.append(score(indexed.rule_facts(snapshot), snapshot, weights, grace_days))
            found.snapshots.append(snapshot)
    return found


def fit(rows: Sequence[tuple[float, ...]], labels: Sequence[int]) -> TrainedModel:
    """A regularised (L2) logistic regression on standardised features, as plain numbers."""
    import numpy as np

    # scikit-learn loads here, not with the module: two seconds every command-line process and test
    # process would pay, and only training needs it.
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.asarray(rows, dtype=np.float64)
    scaler = StandardScaler().fit(x)
    # A feature constant in the training data has scale 0: scikit-learn leaves it at 1, so it
    # standardises to 0 and contributes nothing.
    regression = LogisticRegression(C=REGULARISATION, max_iter=1000).fit(scaler.transform(x), labels)
    return TrainedModel(
        features=FEATURES,
        coefficients=tuple(float(w) for w in regression.coef_[0]),
        intercept=float(regression.intercept_[0]),
        means=tuple(float(m) for m in scaler.mean_),
        scales=tuple(float(s) for s in scaler.scale_),
    )


def probabilities(model: TrainedModel, rows: Sequence[tuple[float, ...]] | np.ndarray) -> np.ndarray:
    """Each row's probability of paying within the horizon, all at once (numpy, no Python loop)."""
    import numpy as np

    if len(rows) == 0:
        return np.zeros(0)
    z = (np.asarray(rows, dtype=np.float64) - np.asarray(model.means)) / np.asarray(model.scales)
    found: np.ndarray = 1.0 / (1.0 + np.exp(-(z @ np.asarray(model.coefficients) + model.intercept)))
    return found


def probability(model: TrainedModel, row: tuple[float, ...]) -> float:
    return float(probabilities(model, [row])[0])


def contributions(model: TrainedModel, row: tuple[float, ...]) -> list[tuple[str, float]]:
    """Each feature's share of the score (coefficient times standardised value), largest first."""
    parts = [
        (name, weight * (value - mean) / scale)
        for name, weight, value, mean, scale in zip(
            model.features, model.coefficients, row, model.means, model.scales, strict=True
        )
    ]
    return sorted(parts, key=lambda part: -abs(part[1]))


def auc(labels: Sequence[int], scores: Sequence[float] | np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def calibration(labels: Sequence[int], predicted: np.ndarray, bins: int = 10) -> tuple[Decile, ...]:
    """Predicted against observed by decile of the prediction (lowest first)."""
    import numpy as np

    order = np.argsort(predicted, kind="stable")
    observed = np.asarray(labels, dtype=np.float64)[order]
    ranked = predicted[order]
    return tuple(
        Decile(predicted=float(ranked[part].mean()), observed=float(observed[part].mean()), count=len(part))
        for part in np.array_split(np.arange(len(order)), bins)
        if len(part)
    )


def learned_wins(backtest: Backtest) -> bool:
    return backtest.auc >= backtest.rule_auc + MARGIN


def history_window(histories: Iterable[AccountHistory], today: date) -> tuple[date, date]:
    """From the earliest event held to the last snapshot whose label is complete today."""
    first = today
    for history in histories:
        for when in (history.opened_on, *(p.on for p in history.payments[:1]),
                     *(c.on for c in history.contacts[:1]), *(p.made_on for p in history.promises[:1])):  # fmt: skip
            if when is not None and when < first:
                first = when
    return first, today - timedelta(days=HORIZON_DAYS)


def backtest(
    histories: Sequence[AccountHistory],
    today: date,
    months: int,
    weights: ScoreWeights,
    grace_days: int,
    indexes: Indexes | None = None,
) -> Backtest | ThinHistory:
    """Trained on the snapshots whose 14 days ended before the last `months` months, tested on the
    snapshots of those months (out of time); the rule score is measured on the same test rows."""
    start, end = history_window(histories, today)
    test_start = add_months(end, -months)
    train_days = snapshot_days(
        start + timedelta(days=SNAPSHOT_STEP_DAYS), test_start - timedelta(days=HORIZON_DAYS)
    )
    test_days = snapshot_days(test_start, end)
    held: Indexes = {} if indexes is None else indexes
    train = examples(histories, train_days, weights, grace_days, indexes=held)
    test = examples(histories, test_days, weights, grace_days, indexes=held)
    thin = thin_history(train.labels, test.labels)
    if thin is not None:
        return thin
    model = fit(train.features, train.labels)
    predicted = probabilities(model, test.features)
    return Backtest(
        window_start=start,
        test_start=test_start,
        window_end=end,
        train_examples=len(train.labels),
        test_examples=len(test.labels),
        auc=auc(test.labels, predicted),
        rule_auc=auc(test.labels, test.rule_scores),
        calibration=calibration(test.labels, predicted),
        model=model,
    )


def thin_history(train: Sequence[int], test: Sequence[int]) -> ThinHistory | None:
    payers, test_payers = sum(train), sum(test)

    def thin(thinness: Thinness, needed: int) -> ThinHistory:
        return ThinHistory(thinness, len(train), payers, len(test), test_payers, needed)

    if len(train) < MIN_EXAMPLES:
        return thin(Thinness.FEW_EXAMPLES, MIN_EXAMPLES)
    if payers < MIN_PAYERS or len(train) - payers < MIN_PAYERS:
        return thin(Thinness.ONE_CLASS, MIN_PAYERS)
    if len(test) < MIN_TEST_EXAMPLES or test_payers == 0 or test_payers == len(test):
        return thin(Thinness.FEW_TO_TEST, MIN_TEST_EXAMPLES)
    return None


def final_examples(
    histories: Sequence[AccountHistory],
    today: date,
    weights: ScoreWeights,
    grace_days: int,
    indexes: Indexes | None = None,
) -> Examples:
    """All the snapshots with a complete label: the adopted model learns from the latest months too."""
    start, end = history_window(histories, today)
    return examples(
        histories,
        snapshot_days(start + timedelta(days=SNAPSHOT_STEP_DAYS), end),
        weights,
        grace_days,
        indexes=indexes,
        rule_scores=False,
    )


def percent(probability_value: float) -> int:
    """The learned probability as the priority score's 0-100 `propensity` input (an int, so the
    morning run's memo keeps one entry per value)."""
    return min(100, max(0, round(probability_value * 100)))


def percents(probabilities_found: np.ndarray) -> np.ndarray:
    """percent() of each probability, all at once: the same rounding (half to even, of the same
    product) and bounds."""
    import numpy as np

    found: np.ndarray = np.clip(np.rint(probabilities_found * 100), 0, 100).astype(np.int64)
    return found


# Words for a feature's contribution: (when it raises the score, when it lowers it); None: no words.
_Words = Callable[[tuple[float, ...]], str | None]


def _value(row: tuple[float, ...], name: str) -> float:
    return row[FEATURES.index(name)]


def _promises_kept(row: tuple[float, ...]) -> str | None:
    kept, broken = int(_value(row, "promises_kept")), int(_value(row, "promises_broken"))
    made = kept + broken
    if made == 0:
        return None
    if made == 1 and kept == 1:
        return _("kept their only promise")
    return _("kept {kept} of {made} promises").format(kept=number(kept), made=number(made))


def _promises_broken(row: tuple[float, ...]) -> str | None:
    broken = int(_value(row, "promises_broken"))
    return counted("broke {count} promise", "broke {count} promises", broken) if broken else None


def _payments(row: tuple[float, ...]) -> str | None:
    count = int(_value(row, "payments_90"))
    if not count:
        return _("no payment in 90 days")
    return counted("paid {count} time in 90 days", "paid {count} times in 90 days", count)


def _since_payment(row: tuple[float, ...]) -> str | None:
    days = int(_value(row, "days_since_payment"))
    if days >= DAYS_CAP:
        return _("no payment in a year")
    return counted("last paid {count} day ago", "last paid {count} days ago", days)


def _answers(channel_yes: str, channel_no: str, name: str) -> _Words:
    def words(row: tuple[float, ...]) -> str | None:
        return channel_yes if _value(row, name) >= 0.5 else channel_no

    return words


def _days_past_due(row: tuple[float, ...]) -> str | None:
    return counted("{count} day past due", "{count} days past due", int(_value(row, "days_past_due")))


def _paid_down(row: tuple[float, ...]) -> str | None:
    return _("paying the balance down") if _value(row, "paid_down_30") > 0 else None


def _unanswered(row: tuple[float, ...]) -> str | None:
    count = int(_value(row, "unanswered_90"))
    return counted("{count} unanswered attempt in 90 days", "{count} unanswered attempts in 90 days", count)


def _since_conversation(row: tuple[float, ...]) -> str | None:
    days = int(_value(row, "days_since_conversation"))
    if days >= DAYS_CAP:
        return _("not reached in a year")
    return counted("reached {count} day ago", "reached {count} days ago", days)


def _words_of(name: str) -> _Words | None:
    # Looked up when worded, so that _() translates for the reader of the moment.
    table: dict[str, _Words] = {
        "promises_kept": _promises_kept,
        "promises_broken": _promises_broken,
        "payments_90": _payments,
        "days_since_payment": _since_payment,
        "calls_answered": _answers(_("answers calls"), _("does not answer calls"), "calls_answered"),
        "texts_answered": _answers(_("answers texts"), _("does not answer texts"), "texts_answered"),
        "emails_answered": _answers(_("answers emails"), _("does not answer emails"), "emails_answered"),
        "days_past_due": _days_past_due,
        "paid_down_30": _paid_down,
        "unanswered_90": _unanswered,
        "days_since_conversation": _since_conversation,
    }
    return table.get(name)


def explain(model: TrainedModel, row: tuple[float, ...], most: int = 2) -> str:
    """The score in words from its largest contributions on its side: "likely to pay: kept 4 of 5
    promises; answers texts", or "unlikely to pay: broke 3 promises; does not answer calls"."""
    likely = probability(model, row) >= 0.5
    said: list[str] = []
    for name, part in contributions(model, row):
        if len(said) >= most:
            break
        if (part > 0) != likely or part == 0:
            continue
        words = _words_of(name)
        text = words(row) if words is not None else None
        if text and text not in said:
            said.append(text)
    share = percent(probability(model, row))
    head = _("likely to pay ({share}%)") if likely else _("unlikely to pay ({share}%)")
    return head.format(share=share) + (": " + "; ".join(said) if said else "")
