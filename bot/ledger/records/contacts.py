"""Logging a contact attempt against an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot import audit
from bot.compliance.records import guard_contact
from bot.ledger.records.accounts import lock_for_change, write_back
from bot.ledger.rules.contacts import callback_date
from bot.vocabulary import RIGHT_PARTY_OUTCOMES, AccountStatus, Channel, Outcome
from storage.models import Account, Contact, table_of
from storage.prepared import PreparedStatement, connection_of


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
_INSERT_CONTACT = PreparedStatement(
    insert(table_of(Contact)).returning(table_of(Contact).c.id),
    column_keys=(
        "account_pk",
        "at",
        "channel",
        "outcome",
        "agent",
        "notes",
        "callback_on",
        "source",
        "created_at",
    ),
)
# What a contact changes on its account (note_contact_on_account, and a dispute's hold).
_CONTACTED_FIELDS = ("last_contact_at", "callback_on", "last_conversation_at", "status", "hold_reason")


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
    """`claim`: the slash command's key, claimed with the account's lock (lock_for_change). The
    account is read as plain columns, outside the session, and its change written back with the
    audit row (write_back): the ORM's loading and its flush cost more than the contact's own SQL."""
    account = lock_for_change(
        session, account_id, actor=actor, today=today, claim=claim, now=now, neighbours=False
    ).account
    guard_contact(session, account, channel, outcome, notes, now=now, zone=zone, profile=profile)
    callback_on = callback_date(outcome, notes, today)
    inserted = _INSERT_CONTACT.first(
        connection_of(session),
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
    assert inserted is not None, "an INSERT ... RETURNING returns its row"
    contact_id = inserted[0]
    note_contact_on_account(account, now, outcome, callback_on)
    if outcome == Outcome.DISPUTE and account.status != AccountStatus.ON_HOLD:
        # A dispute stops collection at once (1006.38) until a supervisor releases the hold.
        account.status, account.hold_reason = AccountStatus.ON_HOLD, "dispute"
    write_back(
        session, account, _CONTACTED_FIELDS, at=now, actor=actor, action="contact.logged", before=None,
        after=audit.snapshot({"contact_id": contact_id, "channel": channel, "outcome": outcome, "notes": notes}),
    )  # fmt: skip
    return ContactOutcome(
        account_id=account.account_id,
        customer_name=account.customer_name,
        channel=channel,
        outcome=outcome,
        notes=notes,
        at=now,
        callback_on=callback_on,
    )
