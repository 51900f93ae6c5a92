"""Reading what the dunning rules need, a few batched queries for the whole portfolio: the open
accounts far enough past due for the first stage, the stages each delinquency has used, the latest
open promise, the latest contact by email and by letter; and the documents dunning sent on a day,
for the supervisors' summary."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.aging import days_past_due
from bot.calendar import add_days
from bot.correspondence.model import DocumentKind, DocumentStatus, SendChannel
from bot.correspondence.records import cancel_document, pdf_filename, postal_address
from bot.correspondence.rules import has_postal_address
from bot.dunning.model import SOURCE, DunningFacts, DunningSchedule, Letter, StageCount
from bot.vocabulary import CLOSED_STATUSES, PromiseStatus
from storage.database import in_batches
from storage.models import Account, Contact, Document, Promise

BATCH = 500


def candidates(
    session: Session, schedule: DunningSchedule, today: date, leaving_out: Sequence[int] = ()
) -> list[Account]:
    """The open accounts owing something and past due at least the first stage's days, by id."""
    if not schedule.stages:
        return []
    first = schedule.stages[0].days
    query = (
        select(Account)
        .where(
            Account.status.not_in([str(s) for s in CLOSED_STATUSES]),
            Account.balance > Decimal(0),
            Account.due_date <= today - timedelta(days=first),
        )
        .order_by(Account.id)
    )
    if leaving_out:
        query = query.where(Account.id.not_in(leaving_out))
    return list(session.scalars(query))


def dunning_facts(
    session: Session,
    accounts: Sequence[Account],
    today: date,
    zone: ZoneInfo,
    grace_days: int,
    *,
    email_on: bool = True,
    profile: str = "us",
) -> list[DunningFacts]:
    """The rules' facts of each account, in the accounts' order."""
    pks = [account.id for account in accounts]
    used = stages_used(session, accounts, zone)
    promised = _promises_until(session, pks, grace_days)
    contacts = _last_contacts(session, pks, zone)
    return [
        DunningFacts(
            account_pk=account.id,
            account_id=account.account_id,
            status=account.status,
            hold_reason=account.hold_reason,
            balance=account.balance,
            days_past_due=days_past_due(account.due_date, today),
            stages_sent=frozenset(used.get(account.id, ())),
            promise_kept_until=promised.get(account.id),
            last_contact=contacts.get(account.id, {}),
            has_email=bool(account.email and account.email.strip()),
            email_on=email_on,
            validation_ends=account.validation_ends,
            profile=profile,
            has_address=has_postal_address(postal_address(account)),
        )
        for account in accounts
    ]


def delinquency_start(account: Account, zone: ZoneInfo) -> datetime:
    """The first instant of the account's current delinquency: its due date's midnight, team time. A
    dunning document from before it belongs to an earlier delinquency, cured since."""
    return datetime.combine(account.due_date, time.min, zone)


def stages_used(session: Session, accounts: Sequence[Account], zone: ZoneInfo) -> dict[int, set[str]]:
    """The dunning stages each account's current delinquency has used, whatever became of the
    document (sent, queued, cancelled): a stage is used once."""
    starts = {account.id: delinquency_start(account, zone) for account in accounts}
    used: dict[int, set[str]] = defaultdict(set)
    for batch in in_batches(list(starts), BATCH):
        rows = session.execute(
            select(Document.account_pk, Document.stage, Document.created_at).where(
                Document.account_pk.in_(batch), Document.source == SOURCE, Document.stage.is_not(None)
            )
        )
        for account_pk, stage, created_at in rows:
            if stage and created_at >= starts[account_pk]:
                used[account_pk].add(stage)
    return used


def _promises_until(session: Session, pks: Sequence[int], grace_days: int) -> dict[int, date]:
    """Each account's latest open promise or instalment's last day (its date + the grace days)."""
    found: dict[int, date] = {}
    for batch in in_batches(list(pks), BATCH):
        rows = session.execute(
            select(Promise.account_pk, func.max(Promise.due_date))
            .where(Promise.account_pk.in_(batch), Promise.status == PromiseStatus.OPEN)
            .group_by(Promise.account_pk)
        )
        for account_pk, due in rows:
            found[account_pk] = add_days(due, grace_days)
    return found


def _last_contacts(session: Session, pks: Sequence[int], zone: ZoneInfo) -> dict[int, dict[str, date]]:
    """Each account's latest contact by email and by letter, as a day in the team's zone."""
    found: dict[int, dict[str, date]] = defaultdict(dict)
    channels = [channel.value for channel in SendChannel]
    for batch in in_batches(list(pks), BATCH):
        rows = session.execute(
            select(Contact.account_pk, Contact.channel, func.max(Contact.at))
            .where(Contact.account_pk.in_(batch), Contact.channel.in_(channels))
            .group_by(Contact.account_pk, Contact.channel)
        )
        for account_pk, channel, at in rows:
            found[account_pk][channel] = at.astimezone(zone).date()
    return found


def sent_on(session: Session, schedule: DunningSchedule, day: date, zone: ZoneInfo) -> tuple[StageCount, ...]:
    """What dunning sent (or queued, for letters) on the team's day, per stage and channel, in the
    schedule's order: counted from the documents, so a run resumed after a crash counts it all."""
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(add_days(day, 1), time.min, zone)
    rows = session.execute(
        select(Document.stage, Document.channel, func.count())
        .where(
            Document.source == SOURCE,
            Document.status != DocumentStatus.CANCELLED,
            Document.created_at >= start,
            Document.created_at < end,
        )
        .group_by(Document.stage, Document.channel)
    )
    counts = {(stage or "", channel): int(count) for stage, channel, count in rows}
    order = {stage.name: index for index, stage in enumerate(schedule.stages)}
    return tuple(
        StageCount(stage, channel, count)
        for (stage, channel), count in sorted(
            counts.items(), key=lambda item: (order.get(item[0][0], 99), item[0])
        )
    )


PAYMENT_CANCELS = "payment"
"""The reason a dunning letter is cancelled when a payment arrives before its print batch."""


def cancel_for_payments(session: Session, account_pks: set[int], *, actor: str, now: datetime) -> int:
    """A payment recorded on an account cancels its dunning letters still waiting for the print room
    that were written before it: each states a balance that is no longer true. (An email went at
    once.) The stage stays used: the account gets the next stage when it is due, not this one
    again. Runs in the transaction that records the payment; returns how many were cancelled."""
    cancelled = 0
    for batch in in_batches(sorted(account_pks), BATCH):
        waiting = session.scalars(
            select(Document)
            .where(
                Document.account_pk.in_(batch),
                Document.source == SOURCE,
                Document.status == DocumentStatus.QUEUED,
                Document.created_at <= now,
            )
            .order_by(Document.id)
            .with_for_update()
        )
        for document in waiting:
            cancel_document(session, document, reason=PAYMENT_CANCELS, actor=actor, now=now)
            cancelled += 1
    return cancelled


# --- the print room's letters ------------------------------------------------------------------


def queued_letters(session: Session, day: date, zone: ZoneInfo) -> list[tuple[Document, Account, Letter]]:
    """The letters still queued that were written on `day` (team's zone) or before, by id, locked."""
    end = datetime.combine(add_days(day, 1), time.min, zone)
    rows = session.execute(
        select(Document, Account)
        .join(Account, Account.id == Document.account_pk)
        .where(
            Document.channel == SendChannel.LETTER,
            Document.status == DocumentStatus.QUEUED,
            Document.created_at < end,
        )
        .order_by(Document.id)
        .with_for_update()
    ).all()
    return [(document, account, _letter(document, account)) for document, account in rows]


def still_queued(session: Session, document_ids: Sequence[int]) -> list[int]:
    """Of these letters, those still queued (not counted by another run, not cancelled meanwhile)."""
    found: list[int] = []
    for batch in in_batches(list(document_ids), BATCH):
        found += session.scalars(
            select(Document.id)
            .where(Document.id.in_(batch), Document.status == DocumentStatus.QUEUED)
            .with_for_update()
        )
    return sorted(found)


def batch_letters(session: Session, day: date) -> list[Letter]:
    """The letters the print batch of `day` counted as sent, by id."""
    rows = session.execute(
        select(Document, Account)
        .join(Account, Account.id == Document.account_pk)
        .where(
            Document.channel == SendChannel.LETTER,
            Document.status == DocumentStatus.SENT,
            Document.batch == day,
        )
        .order_by(Document.id)
    ).all()
    return [_letter(document, account) for document, account in rows]


def _letter(document: Document, account: Account) -> Letter:
    return Letter(
        document_id=document.id,
        account_id=account.account_id,
        customer_name=account.customer_name,
        address=tuple(line for line in document.recipient.split("\n") if line),
        kind=document.kind,
        pdf=document.pdf,
        sha256=document.sha256,
        filename=f"{document.id:06d}-{pdf_filename(DocumentKind(document.kind), account.account_id)}",
    )
