"""The ledger's entry points for Slack: each runs one transaction against the runtime's database
and returns plain results, so handlers only parse, call and render."""

from __future__ import annotations

from bot.ledger.accounts import AccountSummary, search_accounts, summarise
from bot.ledger.contacts import ContactOutcome, log_contact
from bot.ledger.payments import PaymentDetails, PaymentOutcome, record_typed_payment
from bot.ledger.promises import PromiseOutcome, record_promise
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
) -> PaymentOutcome:
    now = runtime.now()
    details = PaymentDetails(
        method=method,
        reference=reference,
        payer=None,
        received_at=now,
        actor=actor,
        dedupe_key=f"confirm:{confirmed_nonce}" if confirmed_nonce else None,
        allow_overpayment=confirmed_nonce is not None,
    )
    with runtime.db.transaction() as session:
        return record_typed_payment(
            session,
            account_id,
            amount_text,
            details,
            now=now,
            zone=runtime.zone,
            grace_days=runtime.settings.promise_grace_days,
        )


def log(
    runtime: Runtime, *, actor: str, account_id: str, channel: Channel, outcome: Outcome, notes: str | None
) -> ContactOutcome:
    with runtime.db.transaction() as session:
        return log_contact(
            session,
            account_id,
            channel,
            outcome,
            notes,
            actor=actor,
            now=runtime.now(),
            today=runtime.today(),
        )


def promise(
    runtime: Runtime, *, actor: str, account_id: str, amount_text: str, date_text: str
) -> PromiseOutcome:
    with runtime.db.transaction() as session:
        return record_promise(
            session, account_id, amount_text, date_text, actor=actor, now=runtime.now(), today=runtime.today()
        )


def pick_accounts(runtime: Runtime, text: str, *, actor: str) -> list[tuple[str, str]]:
    with runtime.db.reading() as session:
        return [(a.account_id, a.customer_name) for a in search_accounts(session, text, actor)]
