"""`purge --before DATE`: delete closed accounts whose records are past the retention period.

Regulation F keeps contact logs, notices and approvals at least three years after the last
collection activity (12 CFR 1006.100, DOMAIN.md rule 8). So an account goes only when:
- it is closed (paid, settled, written off): an open debt is still being collected, however
  quiet it has been, and deleting it would lose a receivable; and
- nothing about it happened on or after the cutoff, the earlier of `--before` and today minus the
  retention period. `--before` can only purge less than the law allows, never more.

"Anything about it" is every time we record: the account's own changes, contacts, payments,
promises, escalations, notes, worklist lines, alerts and the audit rows about it. Counting more
kinds of activity than the rule strictly names only ever keeps an account longer.

This module takes no settings: the command line passes the team's today and zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    String,
    and_,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from bot import audit
from bot.clock import SystemClock
from bot.retention.model import RETENTION_YEARS
from bot.vocabulary import CLOSED_STATUSES
from storage.models import (
    Account,
    AccountNote,
    Alert,
    Assignment,
    AuditEntry,
    Base,
    Complaint,
    Contact,
    Document,
    Escalation,
    OutboxMessage,
    Payment,
    Promise,
)

ACTOR = "collect-bot purge"
ACTION = "records.purged"
# Accounts deleted per round trip: keeps every IN (...) list far below SQLite's bound-parameter limit.
BATCH = 500

# The tables a purge touches, in the order the rows are deleted (children before what they point at).
TABLES = (
    "outbox", "audit_log", "account_notes", "promises", "documents", "contacts", "payments", "assignments",
    "alerts", "complaints", "escalations", "accounts",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PurgePlan:
    """What a purge deletes (or deleted): account ids, rows per table (keys: TABLES), and how many
    closed accounts with nothing since `before` are kept because they are inside the retention
    period. The dates say where the line was drawn."""

    accounts: list[str]
    rows: dict[str, int]
    kept_for_retention: int
    _: KW_ONLY
    before: date
    retention_cutoff: date
    zone: tzinfo = UTC

    @property
    def cutoff(self) -> date:
        """Accounts with any activity on or after this day (in the team's zone) are kept."""
        return min(self.before, self.retention_cutoff)


def retention_cutoff(today: date, years: int = RETENTION_YEARS) -> date:
    """`years` before today. From 29 February the year lands on the 28th: earlier, so keeping more."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def plan_purge(
    session: Session, *, before: date, today: date, retention_years: int = RETENTION_YEARS, zone: tzinfo = UTC
) -> PurgePlan:
    """What `purge` would delete now; reads only. `today` and `zone` are the team's."""
    if retention_years < RETENTION_YEARS:
        raise ValueError(f"records are kept at least {RETENTION_YEARS} years (12 CFR 1006.100)")
    # The dates alone first: they decide which accounts are old enough.
    window = PurgePlan(
        [], {}, 0, before=before, retention_cutoff=retention_cutoff(today, retention_years), zone=zone
    )
    targets = session.execute(_purgeable(window).order_by(Account.account_id)).all()
    pks = [pk for pk, _ in targets]
    return PurgePlan(
        [account_id for _, account_id in targets],
        _count_rows(session, pks),
        _kept_for_retention(session, window),
        before=before,
        retention_cutoff=window.retention_cutoff,
        zone=zone,
    )


def purge(session: Session, plan: PurgePlan, *, now: datetime | None = None) -> PurgePlan:
    """Deletes the planned accounts that are still past the cutoff, with everything of theirs, in
    the caller's transaction, and audits it in one row. Returns what was deleted."""
    targets = _still_purgeable(session, plan)
    pks = [pk for pk, _ in targets]
    rows = dict.fromkeys(TABLES, 0)
    # Found while the escalations and alerts that name them still exist.
    rows["outbox"] = _delete_outbox(session, _outbox_ids(session, pks))
    for batch in _batches(pks):
        for table, model, where in _selections(batch):
            rows[table] += _delete(session, model, where)
    done = PurgePlan(
        [account_id for _, account_id in targets],
        rows,
        plan.kept_for_retention,
        before=plan.before,
        retention_cutoff=plan.retention_cutoff,
        zone=plan.zone,
    )
    if done.accounts:
        _audit(session, done, now or SystemClock().now())
    return done


def _still_purgeable(session: Session, plan: PurgePlan) -> list[tuple[int, str]]:
    """The planned accounts, locked, then checked again: on PostgreSQL someone may have logged a
    contact or a payment between the plan and the lock, and a re-read after the lock sees it.
    Accounts that became purgeable since the plan are left for the next run: only what was shown
    is deleted."""
    planned = set(plan.accounts)
    locked = session.execute(_purgeable(plan).with_for_update(of=Account)).all()
    mine = {pk for pk, account_id in locked if account_id in planned}
    again = session.execute(_purgeable(plan).order_by(Account.account_id)).all()
    return [(pk, account_id) for pk, account_id in again if pk in mine]


def _purgeable(plan: PurgePlan) -> Select[int, str]:
    old = not_(_active_since(plan.cutoff, plan.zone))
    return select(Account.id, Account.account_id).where(_closed(), old)


def _kept_for_retention(session: Session, plan: PurgePlan) -> int:
    """Closed accounts quiet since `before` but not since the retention cutoff: `--before` alone
    would have deleted them. Zero when `before` is the earlier of the two."""
    if plan.before <= plan.retention_cutoff:
        return 0
    quiet_since_before = not_(_active_since(plan.before, plan.zone))
    young = _active_since(plan.retention_cutoff, plan.zone)
    query = select(func.count()).select_from(Account).where(_closed(), quiet_since_before, young)
    return int(session.scalar(query) or 0)


def _closed() -> ColumnElement[bool]:
    return Account.status.in_([str(status) for status in CLOSED_STATUSES])


class _Activity(NamedTuple):
    """A table of things that happen to an account and the columns that say when."""

    account_pk: SQLCoreOperations[int]
    instants: tuple[SQLCoreOperations[datetime | None], ...]
    days: tuple[SQLCoreOperations[date | None], ...] = ()


# Each is looked up per closed account through an index that starts with account_pk.
_ACTIVITY = (
    # Created as well as happened: an imported old contact or payment was still recorded then.
    _Activity(Contact.account_pk, (Contact.at, Contact.created_at)),
    _Activity(Payment.account_pk, (Payment.received_at, Payment.created_at)),
    _Activity(Promise.account_pk, (Promise.made_at, Promise.resolved_at), (Promise.due_date,)),
    _Activity(
        Escalation.account_pk, (Escalation.requested_at, Escalation.recommended_at, Escalation.decided_at)
    ),
    _Activity(AccountNote.account_pk, (AccountNote.at,)),
    _Activity(Alert.account_pk, (Alert.raised_at, Alert.cleared_at)),
    _Activity(Document.account_pk, (Document.created_at, Document.sent_at)),
    _Activity(Complaint.account_pk, (Complaint.recorded_at, Complaint.resolved_at)),
)

_ACCOUNT_INSTANTS = (
    Account.updated_at, Account.last_contact_at, Account.last_conversation_at, Account.settlement_approved_at,
)  # fmt: skip


def _active_since(day: date, zone: tzinfo) -> ColumnElement[bool]:
    """True for an account with anything recorded on or after `day` in the team's zone."""
    since = start_of(day, zone)
    own = [_on_or_after(column, since) for column in _ACCOUNT_INSTANTS]
    own.append(_on_or_after(Account.last_payment_date, day))
    related = [_related_since(activity, since, day) for activity in _ACTIVITY]
    # Worklist lines are indexed by day, not by account: one look at the recent days serves all.
    worklists = Account.id.in_(select(Assignment.account_pk).where(Assignment.work_date >= day))
    return or_(*own, *related, worklists, *_audited_since(since))


def _on_or_after(column: SQLCoreOperations[Any], bound: datetime | date) -> ColumnElement[bool]:
    # An unset column must read as false, not NULL: NOT (NULL OR false) is NULL, and the account
    # would silently never be purged.
    return and_(column.is_not(None), column >= bound)


def _related_since(activity: _Activity, since: datetime, day: date) -> ColumnElement[bool]:
    when = [_on_or_after(c, since) for c in activity.instants] + [_on_or_after(c, day) for c in activity.days]
    return exists().where(activity.account_pk == Account.id, or_(*when))


def _audited_since(since: datetime) -> list[ColumnElement[bool]]:
    """Audit rows about the account, each found through the (entity, entity_key) index: its own
    are keyed by its account_id (every writer uses it, and it never changes once created), its
    escalations' and alerts' by their row ids. Those go through the account's escalations and alerts in nested
    EXISTS, an order no planner can turn around (joined, SQLite scanned every escalation for each
    audit row)."""
    account = exists().where(
        AuditEntry.entity == "account", AuditEntry.entity_key == Account.account_id, AuditEntry.at >= since
    )
    return [
        account,
        _child_audited_since(Escalation, "escalation", since),
        _child_audited_since(Alert, "alert", since),
    ]


def _child_audited_since(
    model: type[Escalation | Alert], entity: str, since: datetime
) -> ColumnElement[bool]:
    # The cast goes on the integer side: PostgreSQL may cast before filtering on entity, and
    # "ACC-1042" is not an integer.
    audited = exists().where(
        AuditEntry.entity == entity,
        AuditEntry.entity_key == sql_cast(model.id, String),
        AuditEntry.at >= since,
    )
    return exists().where(model.account_pk == Account.id, audited)


def _selections(pks: Sequence[int]) -> list[tuple[str, type[Base], ColumnElement[bool]]]:
    """The rows of these accounts, per table, in deletion order. Counting and deleting use the
    same selections, so a dry run shows exactly what a purge deletes."""
    account_ids = select(Account.account_id).where(Account.id.in_(pks))
    escalation_keys = select(sql_cast(Escalation.id, String)).where(Escalation.account_pk.in_(pks))
    alert_keys = select(sql_cast(Alert.id, String)).where(Alert.account_pk.in_(pks))
    about = or_(
        and_(AuditEntry.entity == "account", AuditEntry.entity_key.in_(account_ids)),
        and_(AuditEntry.entity == "escalation", AuditEntry.entity_key.in_(escalation_keys)),
        and_(AuditEntry.entity == "alert", AuditEntry.entity_key.in_(alert_keys)),
    )
    return [
        ("audit_log", AuditEntry, about),
        # Notes and plan instalments point at escalations: they go first.
        ("account_notes", AccountNote, AccountNote.account_pk.in_(pks)),
        ("promises", Promise, Promise.account_pk.in_(pks)),
        # Documents point at their contacts: they go first.
        ("documents", Document, Document.account_pk.in_(pks)),
        ("contacts", Contact, Contact.account_pk.in_(pks)),
        ("payments", Payment, Payment.account_pk.in_(pks)),
        ("assignments", Assignment, Assignment.account_pk.in_(pks)),
        ("alerts", Alert, Alert.account_pk.in_(pks)),
        ("complaints", Complaint, Complaint.account_pk.in_(pks)),
        ("escalations", Escalation, Escalation.account_pk.in_(pks)),
        ("accounts", Account, Account.id.in_(pks)),
    ]


def _count_rows(session: Session, pks: Sequence[int]) -> dict[str, int]:
    rows = dict.fromkeys(TABLES, 0)
    for batch in _batches(pks):
        for table, model, where in _selections(batch):
            rows[table] += int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)
    rows["outbox"] = len(_outbox_ids(session, pks))
    return rows


def _delete(session: Session, model: type[Base], where: ColumnElement[bool]) -> int:
    statement = delete(model).where(where).execution_options(synchronize_session=False)
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount)


def _outbox_ids(session: Session, pks: Sequence[int]) -> list[int]:
    """Messages about one of these accounts' escalations, alerts or documents, found by their keys:
    `escalation:{id}` and `escalation:{id}:…` (its thread, edits, reminders), `alert:{id}:agent`,
    `document:{id}` (the email to the customer).
    They carry the customer's name and the debt. Messages about many accounts at once (worklists,
    alert round-ups, digests) stay: they are the team's, and were delivered long ago.

    Deleting them also matters on SQLite, which may give a deleted row's id to the next
    escalation: a leftover `escalation:7` key would silently swallow the new #7's message."""
    escalations = _ids(session, Escalation.id, Escalation.account_pk, pks)
    alerts = _ids(session, Alert.id, Alert.account_pk, pks)
    documents = _ids(session, Document.id, Document.account_pk, pks)
    if not escalations and not alerts and not documents:
        return []
    query = select(OutboxMessage.id, OutboxMessage.dedupe_key).where(
        or_(
            OutboxMessage.dedupe_key.startswith("escalation:"),
            OutboxMessage.dedupe_key.startswith("alert:"),
            OutboxMessage.dedupe_key.startswith("document:"),
        )
    )
    owners = {"escalation": escalations, "alert": alerts, "document": documents}
    found = []
    for message_id, key in session.execute(query):
        kind, _, rest = key.partition(":")
        number = rest.partition(":")[0]
        owned = owners.get(kind, set())
        if number.isdigit() and int(number) in owned:
            found.append(message_id)
    return found


def _ids(
    session: Session, row_id: SQLCoreOperations[int], account_pk: SQLCoreOperations[int], pks: Sequence[int]
) -> set[int]:
    found: set[int] = set()
    for batch in _batches(pks):
        found.update(session.scalars(select(row_id).where(account_pk.in_(batch))))
    return found


def _delete_outbox(session: Session, message_ids: Sequence[int]) -> int:
    return sum(
        _delete(session, OutboxMessage, OutboxMessage.id.in_(batch)) for batch in _batches(message_ids)
    )


def _batches(items: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _audit(session: Session, done: PurgePlan, now: datetime) -> None:
    """Counts and dates only: the audit log must not keep the personal data the purge removed."""
    audit.record(
        session,
        at=now,
        actor=ACTOR,
        action=ACTION,
        entity="records",
        entity_key=done.cutoff.isoformat(),
        after={
            "cutoff": done.cutoff.isoformat(),
            "before": done.before.isoformat(),
            "retention_cutoff": done.retention_cutoff.isoformat(),
            "accounts": len(done.accounts),
            "rows": done.rows,
            "kept_for_retention": done.kept_for_retention,
        },
    )
