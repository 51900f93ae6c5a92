"""Random sequences of requests, payments, holds, reassignments and decisions, on the plain rules:
whatever happens between a request and its decision, the balance is always the opening balance
less payments, write-offs and settlement forgiveness, never below zero but by a confirmed
overpayment, and no effect goes past the limit of whoever decided it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.escalations.rules import (
    AccountFacts,
    DecisionEffect,
    RequestTerms,
    check_request,
    decision_effect,
    needs_manager,
    plan_total,
)
from bot.ledger.rules.balance import is_overpayment, status_after_payment
from bot.vocabulary import CLOSED_STATUSES, AccountStatus, EscalationKind, Role

TODAY = date(2026, 12, 7)
AGENT, OTHER = "U0AGENT1", "U0AGENT2"
CENT = Decimal("0.01")
SUPERVISOR_LIMIT = Decimal("5000")


@dataclass
class Open:
    terms: RequestTerms
    then: AccountFacts
    recommended: bool = False


@dataclass
class Ledger:
    """One account as the bot keeps it, moved only through the rules under test."""

    opening: Decimal
    balance: Decimal
    status: str = AccountStatus.ACTIVE
    assigned_to: str | None = AGENT
    hold_reason: str | None = None
    payments: Decimal = Decimal(0)
    written_off: Decimal = Decimal(0)
    settlement_forgiven: Decimal = Decimal(0)
    overpaid_on_purpose: bool = False
    settlement: Decimal | None = None
    paid_since_settlement: Decimal = Decimal(0)
    escalation: Open | None = None
    applied: list[tuple[DecisionEffect, Decimal | None]] = field(default_factory=list)
    """Each applied effect with the decider's limit (None: a manager, who has none)."""

    def facts(self) -> AccountFacts:
        return AccountFacts(self.balance, self.status, self.assigned_to, self.hold_reason)

    def request(self, kind: EscalationKind, amount: Decimal | None, count: int | None) -> None:
        until = TODAY + timedelta(days=60) if kind == EscalationKind.HARDSHIP else None
        if self.escalation is not None or self.status in CLOSED_STATUSES:
            return
        try:
            check_request(kind, self.balance, amount, count=count, until=until, today=TODAY)
        except UserError:
            return
        terms = RequestTerms(kind, amount, count, until, AGENT, "USD")
        self.escalation = Open(terms, self.facts())

    def pay(self, amount: Decimal, confirmed: bool) -> None:
        if is_overpayment(self.balance, amount):
            if not confirmed:
                return  # refused: "confirm to leave a credit balance"
            self.overpaid_on_purpose = True
        self.balance -= amount
        self.payments += amount
        self.status = status_after_payment(self.status, self.balance, open_promise_left=False)
        if self.settlement is not None:
            # As bot.ledger.records.payments._settle_if_reached: reaching the agreed amount forgives the rest.
            self.paid_since_settlement += amount
            if self.paid_since_settlement >= self.settlement:
                forgiven = max(self.balance, Decimal(0))
                self.balance -= forgiven
                self.settlement_forgiven += forgiven
                self.status, self.settlement = AccountStatus.SETTLED, None
                self.applied.append(
                    (DecisionEffect(EscalationKind.SETTLEMENT, forgiven, forgiven=forgiven), None)
                )

    def hold(self, reason: str) -> None:
        if self.status not in CLOSED_STATUSES:
            self.status, self.hold_reason = AccountStatus.ON_HOLD, reason

    def reassign(self, to: str | None) -> None:
        self.assigned_to = to

    def decide(self, approve: bool, manager: bool) -> None:
        if self.escalation is None or (self.escalation.recommended and not manager):
            return
        open_, self.escalation = self.escalation, None
        if not approve:
            return
        effect = decision_effect(open_.terms, open_.then, self.facts(), today=TODAY)
        role, limit = (Role.MANAGER, None) if manager else (Role.SUPERVISOR, SUPERVISOR_LIMIT)
        if effect.returned:
            return
        if needs_manager(effect.forgiven, decider_role=role, approval_limit=limit or Decimal(0)):
            self.escalation = Open(open_.terms, open_.then, recommended=True)
            return
        self._apply(effect)
        self.applied.append((effect, limit))

    def _apply(self, effect: DecisionEffect) -> None:
        """As bot.escalations.records.effects.apply_effect does to the account row."""
        assert effect.balance == self.balance  # computed from the account as it is now
        match effect.kind:
            case EscalationKind.WRITE_OFF:
                self.balance -= effect.written_off
                self.written_off += effect.written_off
                if self.balance <= 0:
                    self.status = AccountStatus.WRITTEN_OFF
            case EscalationKind.SETTLEMENT:
                self.settlement, self.paid_since_settlement = effect.settlement, Decimal(0)
            case EscalationKind.PAYMENT_PLAN:
                assert plan_total(effect.schedule) <= self.balance
                self.status = AccountStatus.PLAN
            case _:
                self.status = AccountStatus.LEGAL if effect.hold == "legal" else AccountStatus.ON_HOLD
                self.hold_reason = effect.hold

    def check(self) -> None:
        assert self.balance == self.opening - self.payments - self.written_off - self.settlement_forgiven
        assert self.balance >= 0 or self.overpaid_on_purpose
        assert self.written_off >= 0 and self.settlement_forgiven >= 0
        for effect, limit in self.applied:
            assert effect.forgiven >= 0 and effect.written_off <= effect.balance
            if limit is not None:
                assert effect.forgiven <= limit


money = st.decimals(min_value=CENT, max_value=Decimal("20000"), places=2)
kinds = st.sampled_from(list(EscalationKind))
steps = st.one_of(
    st.tuples(
        st.just("request"), kinds, st.one_of(st.none(), money), st.one_of(st.none(), st.integers(1, 12))
    ),
    st.tuples(st.just("pay"), money, st.booleans()),
    st.tuples(st.just("hold"), st.sampled_from(["dispute", "bankruptcy"])),
    st.tuples(st.just("reassign"), st.sampled_from([AGENT, OTHER, None])),
    st.tuples(st.just("decide"), st.booleans(), st.booleans()),
)


@settings(max_examples=400, deadline=None)
@given(opening=money, sequence=st.lists(steps, max_size=14))
def test_the_ledger_holds_whatever_happens_between_request_and_decision(
    opening: Decimal, sequence: list[tuple[object, ...]]
) -> None:
    ledger = Ledger(opening=opening, balance=opening)
    for step in sequence:
        match step:
            case ("request", EscalationKind() as kind, amount, count):
                ledger.request(kind, amount, count)  # type: ignore[arg-type]
            case ("pay", Decimal() as amount, bool() as confirmed):
                ledger.pay(amount, confirmed)
            case ("hold", str() as reason):
                ledger.hold(reason)
            case ("reassign", to):
                ledger.reassign(to)  # type: ignore[arg-type]
            case ("decide", bool() as approve, bool() as manager):
                ledger.decide(approve, manager)
        ledger.check()


@settings(max_examples=200, deadline=None)
@given(asked=money, opening=money, paid=money)
def test_a_write_off_decided_after_any_payment_never_passes_the_balance_or_the_limit(
    asked: Decimal, opening: Decimal, paid: Decimal
) -> None:
    """The defect's shape, everywhere: ask, pay, decide."""
    ledger = Ledger(opening=opening, balance=opening)
    ledger.request(EscalationKind.WRITE_OFF, asked, None)
    ledger.pay(paid, confirmed=False)
    ledger.decide(approve=True, manager=False)
    ledger.decide(approve=True, manager=True)
    ledger.check()
    if ledger.written_off:
        assert ledger.written_off == min(asked, opening - ledger.payments)
