"""The ledger's entry points for Slack: each runs one transaction against the runtime's database
and returns plain results, so handlers only parse, call and render."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from bot.assignments.records.arrivals import payment_recorded
from bot.compliance.desk import record_refusal
from bot.compliance.records import ComplianceRefusedError
from bot.imports.model import ArrivedPayment
from bot.interactions import OverpaymentToConfirm
from bot.ledger.model import AccountSummary
from bot.ledger.records.accounts import search_accounts, summarise, workable_account
from bot.ledger.records.contacts import ContactOutcome, log_contact
from bot.ledger.records.holds import HoldOutcome, place_hold, release_hold
from bot.ledger.records.payments import (
    OverpaymentError,
    PaymentDetails,
    PaymentOutcome,
    RepeatedPaymentError,
    record_typed_payment,
)
from bot.ledger.records.promises import PromiseOutcome, record_promise
from bot.ledger.records.submissions import claim_form
from bot.parsing.message_text import account_ids_in
from bot.runtime import Runtime
from bot.vocabulary import Channel, Outcome


def show_account(runtime: Runtime, account_id: str, *, actor: str) -> AccountSummary:
    with runtime.db.reading() as session:
        return summarise(
            session,
            account_id,
            today=runtime.today(),
            grace_days=runtime.settings.promise_grace_days,
            actor=actor,
            zone=runtime.zone,
        )


def pay(
    runtime: Runtime,
    *,
    actor: str,
    account_id: str,
    amount_text: str,
    method: str | None,
    reference: str | None,
    confirmed_nonce: str | None = None,
    submission: str | None = None,
    claim: str | None = None,
) -> PaymentOutcome:
    """`confirmed_nonce`: the click that confirmed a question; `submission`: the form submitted.
    Either one records a payment once, however often it arrives. `claim`: the slash command's key
    (handlers.gate.command_claim), claimed in this transaction."""
    now = runtime.now()
    once = f"confirm:{confirmed_nonce}" if confirmed_nonce else (f"form:{submission}" if submission else None)
    details = PaymentDetails(
        method=method,
        reference=reference,
        payer=None,
        received_at=now,
        actor=actor,
        dedupe_key=once,
        allow_overpayment=confirmed_nonce is not None,
        confirmed=confirmed_nonce is not None,
    )
    with runtime.db.transaction() as session:
        outcome = record_typed_payment(
            session,
            account_id,
            amount_text,
            details,
            now=now,
            zone=runtime.zone,
            grace_days=runtime.settings.promise_grace_days,
            claim=claim,
        )
        # As a payment from the feed: the list's agent told (unless they typed it), alerts cleared.
        arrived = ArrivedPayment(
            payment_id=outcome.payment_id, account_pk=outcome.account_pk, account_id=outcome.account_id,
            amount=outcome.amount, currency=outcome.currency, method=method, received_at=now,
        )  # fmt: skip
        told = payment_recorded(
            session, runtime, arrived, now, recorded_by=actor, listed_for=outcome.listed_for,
            open_alert=outcome.open_alert, letter_waiting=outcome.letter_waiting,
        )  # fmt: skip
        return replace(outcome, told=frozenset(told))


@dataclass(frozen=True)
class PaymentToConfirm:
    """A payment held back for the agent's one click: more than the balance, or the same amount
    typed again moments ago. `confirmation` is what the click carries back (signed on its way out)."""

    question: OverpaymentError | RepeatedPaymentError
    confirmation: OverpaymentToConfirm


def pay_or_ask(
    runtime: Runtime,
    *,
    actor: str,
    account_id: str,
    amount_text: str,
    method: str | None,
    reference: str | None,
    submission: str | None = None,
    claim: str | None = None,
) -> PaymentOutcome | PaymentToConfirm:
    """A typed or submitted payment: recorded, or held for a confirmation when it is more than the
    balance or looks typed twice. The confirmation's nonce makes a double click record it once."""
    try:
        return pay(
            runtime, actor=actor, account_id=account_id, amount_text=amount_text, method=method,
            reference=reference, submission=submission, claim=claim,
        )  # fmt: skip
    except (OverpaymentError, RepeatedPaymentError) as question:
        confirmation = OverpaymentToConfirm(
            account_id=question.account_id,
            amount=str(question.amount),
            method=method,
            reference=reference,
            nonce=uuid.uuid4().hex,
        )
        return PaymentToConfirm(question, confirmation)


def log(
    runtime: Runtime,
    *,
    actor: str,
    account_id: str,
    channel: Channel,
    outcome: Outcome,
    notes: str | None,
    submission: str | None = None,
    claim: str | None = None,
) -> ContactOutcome:
    """`submission`: the form this comes from, recorded once however often it arrives; `claim`:
    the slash command's key (handlers.gate.command_claim), claimed in this transaction."""
    settings = runtime.settings
    with refusals_recorded(runtime, actor, claim), runtime.db.transaction() as session:
        if submission:
            claim_form(session, submission, what="contact", now=runtime.now())
        return log_contact(
            session, account_id, channel, outcome, notes, actor=actor, now=runtime.now(), today=runtime.today(),
            zone=settings.zone, profile=settings.compliance_profile, claim=claim,
        )  # fmt: skip


@contextmanager
def refusals_recorded(runtime: Runtime, actor: str, claim: str | None = None) -> Iterator[None]:
    """A refused action writes nothing but the refusal, in its own transaction (with the slash
    command's claim, when it made one: see record_refusal)."""
    try:
        yield
    except ComplianceRefusedError as refused:
        record_refusal(runtime, refused, actor=actor, claim=claim)
        raise


def promise(
    runtime: Runtime,
    *,
    actor: str,
    account_id: str,
    amount_text: str,
    date_text: str,
    submission: str | None = None,
) -> PromiseOutcome:
    """`submission`: the form this comes from, recorded once however often it arrives."""
    settings = runtime.settings
    with refusals_recorded(runtime, actor), runtime.db.transaction() as session:
        if submission:
            claim_form(session, submission, what="promise", now=runtime.now())
        return record_promise(
            session, account_id, amount_text, date_text, actor=actor, now=runtime.now(), today=runtime.today(),
            zone=settings.zone, profile=settings.compliance_profile, horizon_days=settings.promise_horizon_days,
        )  # fmt: skip


def pick_accounts(runtime: Runtime, text: str, *, actor: str) -> list[tuple[str, str]]:
    with runtime.db.reading() as session:
        return [
            (a.account_id, a.customer_name) for a in search_accounts(session, text, actor, runtime.today())
        ]


def account_named_in(runtime: Runtime, text: str, *, actor: str) -> tuple[str, str] | None:
    """The first account a message names that the person may work, as (id, customer name) for a
    form's account picker; None when it names none of theirs (what else it names is not said)."""
    candidates = account_ids_in(text)
    if not candidates:
        return None
    with runtime.db.reading() as session:
        for candidate in candidates:
            account = workable_account(session, candidate, actor=actor, today=runtime.today())
            if account is not None:
                return account.account_id, account.customer_name
    return None


def hold(runtime: Runtime, *, actor: str, account_id: str, reason: str, notes: str) -> HoldOutcome:
    with runtime.db.transaction() as session:
        return place_hold(
            session, account_id, reason, notes, actor=actor, now=runtime.now(), today=runtime.today()
        )


def release(runtime: Runtime, *, actor: str, account_id: str, reason: str) -> HoldOutcome:
    with runtime.db.transaction() as session:
        return release_hold(
            session, account_id, reason, actor=actor, now=runtime.now(), today=runtime.today()
        )
