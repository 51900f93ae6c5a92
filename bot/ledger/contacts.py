"""Logging a contact attempt against an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import audit
from bot.ledger.accounts import find_account
from bot.vocabulary import Channel, Outcome
from storage.models import Contact


@dataclass(frozen=True, slots=True)
class ContactOutcome:
    account_id: str
    customer_name: str
    channel: Channel
    outcome: Outcome
    notes: str | None
    at: datetime


def log_contact(
    session: Session,
    account_id: str,
    channel: Channel,
    outcome: Outcome,
    notes: str | None,
    *,
    actor: str,
    now: datetime,
) -> ContactOutcome:
    account = find_account(session, account_id, for_update=True)
    contact = Contact(
        account_pk=account.id,
        at=now,
        channel=channel,
        outcome=outcome,
        agent=actor,
        notes=notes,
        source="slack",
        created_at=now,
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="contact.logged",
        entity="account",
        entity_key=account.account_id,
        after=audit.snapshot(
            {"contact_id": contact.id, "channel": channel, "outcome": outcome, "notes": notes}
        ),
    )
    return ContactOutcome(
        account_id=account.account_id,
        customer_name=account.customer_name,
        channel=channel,
        outcome=outcome,
        notes=notes,
        at=now,
    )
