"""Logging a contact attempt against an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot import audit
from bot.compliance.records import guard_contact
from bot.ledger.records.accounts import find_account
from bot.ledger.rules.contacts import callback_date
from bot.vocabulary import RIGHT_PARTY_OUTCOMES, AccountStatus, Channel, Outcome
from storage.models import Account, Contact, table_of


@dataclass(frozen=True, slots=True)
class ContactOutcome:
    account_id: str
    customer_name: str
    channel: Channel
    outcome: Outcome
    notes: str | None
    at: datetime
    callback_on: date | None


def note_contact_on_account(account: Account, at: datetime, outcome: str, callback_on: date | None) -> None:
    """Keeps the account's last-contact facts current, which the morning run reads."""
    if account.last_contact_at is None or at >= account.last_contact_at:
        account.last_contact_at = at
        account.callback_on = callback_on
    if outcome in RIGHT_PARTY_OUTCOMES and (
        account.last_conversation_at is None or at >= account.last_conversation_at
    ):
        account.last_conversation_at = at


# Built once: logging contacts is most of a busy morning's traffic.
_INSERT_CONTACT = insert(table_of(Contact)).returning(table_of(Contact).c.id)


def log_contact(
    session: Session,
    account_id: str,
    channel: Channel,
    outcome: Outcome,
    notes: str | None,
    *,
    actor: str,
    now: datetime,
    today: date,
    zone: ZoneInfo,
    profile: str = "us",
    claim: str | None = None,
) -> ContactOutcome:
    """`claim`: the slash command's key, claimed with the account's lock (find_account)."""
    account = find_account(
        session, account_id, for_update=True, actor=actor, today=today, claim=claim, now=now
    )
    guard_contact(session, account, channel, outcome, notes, now=now, zone=zone, profile=profile)
    callback_on = callback_date(outcome, notes, today)
    contact_id = (
        session.connection()
        .execute(
            _INSERT_CONTACT,
            {
                "account_pk": account.id,
                "at": now,
                "channel": channel,
                "outcome": outcome,
                "agent": actor,
                "notes": notes,
                "callback_on": callback_on,
                "source": "slack",
                "created_at": now,
            },
        )
        .scalar_one()
    )
    note_contact_on_account(account, now, outcome, callback_on)
    if outcome == Outcome.DISPUTE and account.status != AccountStatus.ON_HOLD:
        # A dispute stops collection at once (1006.38) until a supervisor releases the hold.
        account.status, account.hold_reason = AccountStatus.ON_HOLD, "dispute"
    audit.record(
        session,
        at=now,
        actor=actor,
        action="contact.logged",
        entity="account",
        entity_key=account.account_id,
        after=audit.snapshot(
            {"contact_id": contact_id, "channel": channel, "outcome": outcome, "notes": notes}
        ),
    )
    return ContactOutcome(
        account_id=account.account_id,
        customer_name=account.customer_name,
        channel=channel,
        outcome=outcome,
        notes=notes,
        at=now,
        callback_on=callback_on,
    )
