"""Logging a contact attempt against an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.compliance.records import guard_contact
from bot.ledger.records.accounts import lock_for_change, write_back
from bot.ledger.records.submissions import replayed, row_claim
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
        "dedupe_key",
        "created_at",
    ),
)
# What a contact changes on its account (note_contact_on_account, and a dispute's hold).
_CONTACTED_FIELDS = ("last_contact_at", "callback_on", "last_conversation_at", "status", "hold_reason")
_CONTACTED_FIELDS_BUT_STATUS = tuple(
    field for field in _CONTACTED_FIELDS if field not in ("status", "hold_reason")
)


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
    """`claim`: the slash command's key, looked for with the account's lock (lock_for_change) and
    claimed on the contact (row_claim). The account is read as plain columns, outside the session,
    and its change written back with the audit row (write_back): the ORM's loading and its flush
    cost more than the contact's own SQL."""
    account = lock_for_change(
        session, account_id, actor=actor, today=today, claim=claim, claimed_on=Contact, neighbours=False
    ).account
    status_before = account.status
    guard_contact(session, account, channel, outcome, notes, now=now, zone=zone, profile=profile)
    callback_on = callback_date(outcome, notes, today)
    values = {
        "account_pk": account.id,
        "at": now,
        "channel": channel,
        "outcome": outcome,
        "agent": actor,
        "notes": notes,
        "callback_on": callback_on,
        "source": "slack",
        "dedupe_key": row_claim(claim) if claim else None,
        "created_at": now,
    }
    try:
        inserted = _INSERT_CONTACT.first(connection_of(session), values)
    except IntegrityError:
        if claim is None:
            raise
        raise replayed() from None  # a copy of the command sent at the same moment claimed it first
    assert inserted is not None, "an INSERT ... RETURNING returns its row"
    contact_id = inserted[0]
    note_contact_on_account(account, now, outcome, callback_on)
    if outcome == Outcome.DISPUTE and account.status != AccountStatus.ON_HOLD:
        # A dispute stops collection at once (1006.38) until a supervisor releases the hold.
        account.status, account.hold_reason = AccountStatus.ON_HOLD, "dispute"
    # The status (and its hold) only when they changed: SQLite rewrites the status index's entry
    # for a status set to what it was, a page of every log's commit (issue 23).
    fields = _CONTACTED_FIELDS if account.status != status_before else _CONTACTED_FIELDS_BUT_STATUS
    write_back(
        session, account, fields, at=now, actor=actor, action="contact.logged", before=None,
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
