"""Writing a checked import file's rows to the database, inside the one transaction bot.imports.desk
opens for the whole file, audited.

Agents, accounts and contacts go in with bulk Core statements (executemany), after one query that
loads what already exists, so a portfolio of 100,000 accounts takes seconds rather than minutes.
Payments go one by one through `apply_payment`, exactly as `/collect pay` records them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from operator import itemgetter
from typing import Any, TypeVar, get_args, get_type_hints

from sqlalchemy import Dialect, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot import audit
from bot.access import may_be_given_accounts
from bot.errors import UserError
from bot.imports.model import (
    ArrivedPayment,
    BadRow,
    FolderFile,
    FolderOutcome,
    ImportKind,
    ImportOptions,
    ImportSummary,
    ItemOutcome,
    ItemResult,
    Progress,
    RowsRejectedError,
)
from bot.imports.rules import (
    ACCOUNT_ROW_FIELDS,
    COLUMNS,
    AccountRow,
    Checked,
    CsvFile,
    PaymentRow,
    Record,
    Sighting,
    check_agents,
    check_contacts,
    check_payments,
    checked_accounts,
    status_after,
)
from bot.ledger.records.payments import DuplicatePaymentError, PaymentDetails, PaymentOutcome, apply_payment
from bot.ledger.rules.accounts import account_key
from bot.parsing.amounts import AmountTooLargeError
from bot.vocabulary import RIGHT_PARTY_OUTCOMES, AccountStatus
from storage.database import in_batches
from storage.models import (
    Account,
    Agent,
    AuditEntry,
    Contact,
    FolderImport,
    FolderSighting,
    Payment,
    table_of,
)

AfterImport = Callable[[Session, ImportSummary], None]
"""Run inside the import's transaction once its rows are written: what the import causes (messages
to queue, alerts to clear) commits with it or not at all."""

# Rows per statement batch: the progress bar moves per batch, and IN lists stay under SQLite's limit.
BATCH = 2000
LOOKUP_BATCH = 900

RowT = TypeVar("RowT")
T = TypeVar("T")

# What an agents file may set: its columns but the key, from the one list of them (bot.imports.rules).
_AGENT_FIELDS = tuple(name for name in COLUMNS[ImportKind.AGENTS].all if name != "slack_user_id")
# What an accounts file may set, from the one list of its columns (bot.imports.rules): the required
# ones always, an optional one when the file (or the API item) has it. The key is the row's identity
# and `status` is resolved against the bot's own (see resolved_status), so neither is copied as is.
_ACCOUNT_REQUIRED_FIELDS = tuple(
    name for name in COLUMNS[ImportKind.ACCOUNTS].required if name != "account_id"
)
_ACCOUNT_OPTIONAL_FIELDS = tuple(name for name in COLUMNS[ImportKind.ACCOUNTS].optional if name != "status")
_ACCOUNT_FIELDS = _ACCOUNT_REQUIRED_FIELDS + _ACCOUNT_OPTIONAL_FIELDS
# Read back for every recorded account, in this order: the columns an import compares.
_ACCOUNT_COMPARED = ("id", "account_id", *_ACCOUNT_FIELDS, "status", "hold_reason")
_AT = {name: position for position, name in enumerate(_ACCOUNT_COMPARED)}


Importer = Callable[[Session, CsvFile, ImportOptions, Progress], ImportSummary]


def import_agents(
    session: Session, csv_file: CsvFile, options: ImportOptions, progress: Progress
) -> ImportSummary:
    """Upsert by Slack user id. Columns the file leaves out are left alone on existing agents, so a
    name-only roster does not demote a supervisor; `active` is the bot's business, never the file's."""
    table = table_of(Agent)
    existing = {row.slack_user_id: row._mapping for row in session.execute(select(table))}
    checked = check_agents(_counted(csv_file.records, progress, "checking agents"))
    _refuse_bad_rows(checked, options)
    fields = tuple(name for name in _AGENT_FIELDS if name == "name" or name in csv_file.columns)
    writer = _Writer(session, table, ImportKind.AGENTS, options.now, options.actor)
    for _line, row in _counted(checked.rows, progress, "writing agents"):
        values = _db_values(row.values())
        old = existing.get(row.slack_user_id)
        if old is None:
            new = {**values, "active": True, "created_at": options.now, "updated_at": options.now}
            writer.create(new, writer.audit_row("agent", "import.created", row.slack_user_id, None, values))
        else:
            target = {name: values[name] for name in fields}
            writer.change(old, target, "agent", row.slack_user_id, pk=old["id"])
    return writer.finish(checked.bad)


# --- Accounts --------------------------------------------------------------------------------------


def import_accounts(
    session: Session, csv_file: CsvFile, options: ImportOptions, progress: Progress
) -> ImportSummary:
    """Create new accounts and update changed ones by account key. Payments, contacts and promises are
    never touched; optional columns the file leaves out keep their recorded values."""
    table = table_of(Account)
    # One query for the whole portfolio, only the columns an import compares, kept as plain tuples:
    # a re-imported portfolio is mostly rows compared and found unchanged.
    query = select(table.c.account_key, *(table.c[name] for name in _ACCOUNT_COMPARED))
    existing: dict[str, tuple[Any, ...]] = {key: tuple(rest) for key, *rest in session.execute(query)}
    # Removed members keep their roster row for the history, but are given no account.
    roster = {
        member.slack_user_id
        for member in session.execute(select(Agent.slack_user_id, Agent.role, Agent.active))
        if may_be_given_accounts(member.role, member.active)
    }
    at_currency = _AT["currency"]
    currencies = {key: str(old[at_currency]) for key, old in existing.items()}
    records = _counted(csv_file.records, progress, "checking accounts")
    today = options.now.astimezone(options.zone).date()
    checked = checked_accounts(records, roster=roster, currencies=currencies, today=today)
    if checked.bad and not options.skip_invalid:
        raise RowsRejectedError(checked.bad, len(checked.rows))
    own_columns = {record.line: record.columns for record in csv_file.records if record.columns is not None}
    writer = _Writer(session, table, ImportKind.ACCOUNTS, options.now, options.actor, _NEW_ACCOUNT_COLUMNS)
    outcomes = [ItemOutcome(bad.line, ItemResult.REFUSED, bad.reason) for bad in checked.bad]
    fields_for = _FieldsFor()
    at_status, at_hold_reason = _AT["status"], _AT["hold_reason"]
    # What every new account and its audit row share, made once.
    created_tail = (None, options.now, options.now)
    created_audit = (options.now, options.actor, "import.created", "account")
    no_snapshot = audit.snapshot_json(None)
    for line, key, values in _counted(checked.rows, progress, "writing accounts"):
        old = existing.get(key)
        if old is None:
            new = (
                *_NEW_ACCOUNT.values(values),
                _db_value(status_after(None, values[_ROW_STATUS], values[_ROW_BALANCE])),
                values[_ROW_ACCOUNT_ID],
                key,
                *created_tail,
            )
            after = _CREATED_AFTER(_AUDITED_OF_NEW(new))
            writer.create_row(new, (*created_audit, values[_ROW_ACCOUNT_ID], no_snapshot, after))
            outcomes.append(ItemOutcome(line, ItemResult.CREATED))
            continue
        fields = fields_for(own_columns.get(line, csv_file.columns))
        target_values = fields.values(values)
        current = old[at_status]
        status = _db_value(status_after(str(current), values[_ROW_STATUS], values[_ROW_BALANCE]))
        # A hold's reason belongs to the hold: it goes when the file moves the account off hold.
        hold_reason = old[at_hold_reason] if status == AccountStatus.ON_HOLD else None
        if (
            target_values == fields.of_recorded(old)
            and status == current
            and hold_reason == old[at_hold_reason]
        ):
            writer.unchanged += 1
            outcomes.append(ItemOutcome(line, ItemResult.UNCHANGED))
            continue
        target = dict(zip(fields.names, target_values, strict=True))
        target |= {"status": status, "hold_reason": hold_reason}
        before = {name: old[_AT[name]] for name in target}
        writer.change(before, target, "account", str(old[_AT["account_id"]]), pk=old[_AT["id"]])
        outcomes.append(ItemOutcome(line, ItemResult.UPDATED))
    summary = writer.finish(checked.bad)
    if checked.bad:  # good and bad rows each come in line order: only both together need sorting
        outcomes.sort(key=lambda outcome: outcome.line)
    return replace(summary, outcomes=tuple(outcomes))


def _enum_fields(row_type: type) -> frozenset[str]:
    """The fields of a row type that may hold an Enum member, which drivers may store by its name."""
    return frozenset(
        name
        for name, hint in get_type_hints(row_type).items()
        if any(isinstance(arg, type) and issubclass(arg, Enum) for arg in (hint, *get_args(hint)))
    )


# `status` is resolved apart, so today no copied field holds an Enum; one added to the columns might.
_ACCOUNT_ENUM_FIELDS = tuple(sorted(_enum_fields(AccountRow) & set(_ACCOUNT_FIELDS)))
# Where checked_accounts puts each field of a row in its values.
_ROW_AT = {name: position for position, name in enumerate(ACCOUNT_ROW_FIELDS)}
_ROW_ACCOUNT_ID, _ROW_BALANCE, _ROW_STATUS = _ROW_AT["account_id"], _ROW_AT["balance"], _ROW_AT["status"]


@dataclass(frozen=True, slots=True)
class _Fields:
    """The fields a row sets, read off the row's values and off a recorded account's tuple in one C
    call each."""

    names: tuple[str, ...]
    of_row: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    of_recorded: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    enums: tuple[int, ...]

    @classmethod
    def of(cls, names: tuple[str, ...]) -> _Fields:
        enums = tuple(position for position, name in enumerate(names) if name in _ACCOUNT_ENUM_FIELDS)
        return cls(
            names,
            _tuple_getter(_ROW_AT[name] for name in names),
            _tuple_getter(_AT[name] for name in names),
            enums,
        )

    def values(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = self.of_row(row)
        if self.enums:
            values = tuple(_db_value(value) for value in values)
        return values


def _tuple_getter(positions: Iterable[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """itemgetter that gives a tuple whatever the number of positions (itemgetter(i) gives the item)."""
    at = tuple(positions)
    if len(at) == 1:
        (only,) = at
        return lambda values: (values[only],)
    return itemgetter(*at)


_NEW_ACCOUNT = _Fields.of(_ACCOUNT_FIELDS)
# A new account's columns, in the order import_accounts writes them.
_NEW_ACCOUNT_COLUMNS = (
    *_ACCOUNT_FIELDS, "status", "account_id", "account_key", "hold_reason", "created_at", "updated_at",
)  # fmt: skip
# A new account's audit row holds its audited fields as they were when it was built from the new
# account's values by name: those an import never sets (a hold's end, a settlement…) are None.
_CREATED_AFTER = audit.SnapshotText(
    audit.AUDITED_ACCOUNT_FIELDS,
    fixed={name: None for name in audit.AUDITED_ACCOUNT_FIELDS if name not in _NEW_ACCOUNT_COLUMNS},
)
_AUDITED_OF_NEW = _tuple_getter(_NEW_ACCOUNT_COLUMNS.index(name) for name in _CREATED_AFTER.names)


class _FieldsFor:
    """The fields a row sets: the required ones and the optional columns its file or item has;
    worked out once per set of columns, not per row."""

    def __init__(self) -> None:
        self._known: dict[frozenset[str], _Fields] = {}

    def __call__(self, columns: frozenset[str]) -> _Fields:
        known = self._known.get(columns)
        if known is None:
            names = _ACCOUNT_REQUIRED_FIELDS + tuple(
                name for name in _ACCOUNT_OPTIONAL_FIELDS if name in columns
            )
            known = self._known[columns] = _Fields.of(names)
        return known


# --- Payments --------------------------------------------------------------------------------------


def import_payments(
    session: Session, csv_file: CsvFile, options: ImportOptions, progress: Progress
) -> ImportSummary:
    """Each payment through apply_payment: balance, promises kept, `paid`, and its own audit row."""
    accounts = _locked_accounts(session, _account_keys(csv_file.records))
    currencies = {key: account.currency for key, account in accounts.items()}
    records = _counted(csv_file.records, progress, "checking payments")
    checked = check_payments(records, currencies=currencies, zone=options.zone, now=options.now)
    _refuse_bad_rows(checked, options)
    recorded = _RecordedPayments.load(session, [row for _line, row in checked.rows])
    outcomes = [ItemOutcome(bad.line, ItemResult.REFUSED, bad.reason) for bad in checked.bad]
    arrived: list[ArrivedPayment] = []
    late_bad: list[BadRow] = []
    for line, row in _counted(checked.rows, progress, "applying payments"):
        account = accounts[row.key]
        if recorded.has(account.id, row):
            outcomes.append(ItemOutcome(line, ItemResult.DUPLICATE))
            continue
        try:
            outcome = _apply(session, account, row, options)
        except DuplicatePaymentError:
            outcomes.append(ItemOutcome(line, ItemResult.DUPLICATE))
            continue
        except AmountTooLargeError as error:  # the credit it would leave: nothing written for the row
            late_bad.append(BadRow(line, f"amount: {error}", too_large=True))
            outcomes.append(ItemOutcome(line, ItemResult.REFUSED, late_bad[-1].reason))
            continue
        except UserError as error:  # raised before anything is written for the row
            late_bad.append(BadRow(line, str(error)))
            outcomes.append(ItemOutcome(line, ItemResult.REFUSED, late_bad[-1].reason))
            continue
        outcomes.append(ItemOutcome(line, ItemResult.APPLIED, payment_id=outcome.payment_id))
        arrived.append(
            ArrivedPayment(
                payment_id=outcome.payment_id,
                account_pk=account.id,
                account_id=account.account_id,
                amount=row.amount,
                currency=account.currency,
                method=str(row.method) if row.method else None,
                received_at=row.received_at,
            )
        )
    bad_rows = sorted([*checked.bad, *late_bad], key=lambda bad: bad.line)
    created = len(arrived)
    duplicates = sum(1 for outcome in outcomes if outcome.result == ItemResult.DUPLICATE)
    if late_bad and not options.skip_invalid:
        raise RowsRejectedError(bad_rows, created + duplicates)
    return ImportSummary(
        ImportKind.PAYMENTS,
        created=created,
        skipped_duplicate=duplicates,
        bad_rows=tuple(bad_rows),
        outcomes=tuple(sorted(outcomes, key=lambda outcome: outcome.line)),
        arrived=tuple(arrived),
    )


@dataclass(frozen=True, slots=True)
class _RecordedPayments:
    """The file's payments already in the ledger, found with a few queries instead of one per row.

    A re-imported feed is mostly rows seen before; skipping those here spares apply_payment's queries.
    The test is equality of the keys find_duplicate also matches, so it never skips a row that
    apply_payment would record; duplicates within the file are still caught by apply_payment.
    """

    reference_keys: frozenset[tuple[int, str]]
    dedupe_keys: frozenset[str]

    @classmethod
    def load(cls, session: Session, rows: Sequence[PaymentRow]) -> _RecordedPayments:
        references = sorted({key for row in rows if (key := row.reference_key)})
        keys = sorted({row.dedupe_key for row in rows if row.dedupe_key})
        found_references: set[tuple[int, str]] = set()
        for chunk in in_batches(references, LOOKUP_BATCH):
            query = select(Payment.account_pk, Payment.reference_key).where(Payment.reference_key.in_(chunk))
            found_references.update((pk, key) for pk, key in session.execute(query) if key)
        found_keys: set[str] = set()
        for chunk in in_batches(keys, LOOKUP_BATCH):
            keyed = select(Payment.dedupe_key).where(Payment.dedupe_key.in_(chunk))
            found_keys.update(key for key in session.scalars(keyed) if key)
        return cls(frozenset(found_references), frozenset(found_keys))

    def has(self, account_pk: int, row: PaymentRow) -> bool:
        if row.reference_key:
            return (account_pk, row.reference_key) in self.reference_keys
        return row.dedupe_key in self.dedupe_keys


def _apply(session: Session, account: Account, row: PaymentRow, options: ImportOptions) -> PaymentOutcome:
    details = PaymentDetails(
        method=str(row.method) if row.method else None,
        reference=row.reference,
        payer=row.payer,
        received_at=row.received_at,
        actor=options.actor,
        source=options.source,
        dedupe_key=row.dedupe_key,
        # The money has arrived: a feed records it even when it exceeds the balance.
        allow_overpayment=True,
    )
    # apply_payment flushes the payment itself (find_duplicate must see it) and a kept promise;
    # the autoflush before each of its queries would only add two flushes per row (~20% of the time).
    with session.no_autoflush:
        return apply_payment(
            session,
            account,
            row.amount,
            details,
            now=options.now,
            zone=options.zone,
            grace_days=options.grace_days,
        )


def _locked_accounts(session: Session, keys: Sequence[str]) -> dict[str, Account]:
    """The file's accounts, locked for the transaction (PostgreSQL; SQLite's writer holds the file)."""
    accounts: dict[str, Account] = {}
    for chunk in in_batches(keys, LOOKUP_BATCH):
        query = select(Account).where(Account.account_key.in_(chunk)).with_for_update()
        accounts.update((account.account_key, account) for account in session.scalars(query))
    return accounts


# --- Contacts --------------------------------------------------------------------------------------


def import_contacts(
    session: Session, csv_file: CsvFile, options: ImportOptions, progress: Progress
) -> ImportSummary:
    """Contact history in bulk; a row whose fingerprint is already recorded is skipped and counted."""
    account_pks = _account_pks(session, _account_keys(csv_file.records))
    records = _counted(csv_file.records, progress, "checking contacts")
    checked = check_contacts(records, accounts=account_pks.keys(), zone=options.zone, now=options.now)
    _refuse_bad_rows(checked, options)
    recorded = _recorded_contact_keys(
        session, [row.dedupe_key for _line, row in checked.rows if row.dedupe_key]
    )
    writer = _Writer(session, table_of(Contact), ImportKind.CONTACTS, options.now, options.actor)
    for _line, row in _counted(checked.rows, progress, "writing contacts"):
        if row.dedupe_key in recorded:
            writer.skipped_duplicate += 1
            continue
        writer.create(
            {
                "account_pk": account_pks[row.key],
                "at": row.at,
                "channel": str(row.channel),
                "outcome": str(row.outcome),
                "agent": row.agent,
                "notes": row.notes,
                "callback_on": row.callback_on,
                "source": options.source,
                "dedupe_key": row.dedupe_key,
                "created_at": options.now,
            },
            audit_row=None,
        )
    if writer.created:
        # One line for the whole history: each contact is itself the record of what happened.
        count = {"count": writer.created}
        writer.audit(writer.audit_row("import", "import.contacts", "contacts", None, count))
    summary = writer.finish(checked.bad)
    refresh_last_contacts(session, sorted({account_pks[row.key] for _line, row in checked.rows}))
    return summary


def refresh_last_contacts(session: Session, account_pks: Sequence[int]) -> None:
    """Imported history may be older or newer than what the accounts know: recompute their
    last-contact facts from the contacts themselves."""
    contacts = table_of(Contact)
    accounts = table_of(Account)
    mine = contacts.c.account_pk == accounts.c.id
    newest_first = (contacts.c.at.desc(), contacts.c.id.desc())
    for chunk in in_batches(account_pks, LOOKUP_BATCH):
        session.execute(
            update(accounts)
            .where(accounts.c.id.in_(chunk))
            .values(
                last_contact_at=select(func.max(contacts.c.at)).where(mine).scalar_subquery(),
                last_conversation_at=select(func.max(contacts.c.at))
                .where(mine, contacts.c.outcome.in_(sorted(RIGHT_PARTY_OUTCOMES)))
                .scalar_subquery(),
                callback_on=select(contacts.c.callback_on)
                .where(mine)
                .order_by(*newest_first)
                .limit(1)
                .scalar_subquery(),
            )
        )


def _account_pks(session: Session, keys: Sequence[str]) -> dict[str, int]:
    pks: dict[str, int] = {}
    for chunk in in_batches(keys, LOOKUP_BATCH):
        query = select(Account.account_key, Account.id).where(Account.account_key.in_(chunk))
        pks.update((key, pk) for key, pk in session.execute(query))
    return pks


def _recorded_contact_keys(session: Session, keys: Sequence[str]) -> set[str]:
    recorded: set[str] = set()
    for chunk in in_batches(keys, LOOKUP_BATCH):
        query = select(Contact.dedupe_key).where(Contact.dedupe_key.in_(chunk))
        recorded.update(key for key in session.scalars(query) if key is not None)
    return recorded


IMPORTERS: dict[ImportKind, Importer] = {
    ImportKind.AGENTS: import_agents,
    ImportKind.ACCOUNTS: import_accounts,
    ImportKind.PAYMENTS: import_payments,
    ImportKind.CONTACTS: import_contacts,
}


# --- Shared ----------------------------------------------------------------------------------------


class _Writer:
    """Collects an import's inserts, updates and audit rows and sends them as bulk statements of
    BATCH rows as they fill up, so memory stays flat however long the file; the transaction makes
    the whole file one change all the same."""

    def __init__(
        self,
        session: Session,
        table: Table,
        kind: ImportKind,
        now: datetime,
        actor: str,
        row_columns: tuple[str, ...] = (),
    ) -> None:
        self._session = session
        self._table = table
        self._kind = kind
        self._now = now
        self._actor = actor
        self._row_columns = row_columns
        self._inserts: list[dict[str, Any]] = []
        self._rows: list[tuple[Any, ...]] = []
        self._updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._audits: list[tuple[Any, ...]] = []
        self.created = self.updated = self.unchanged = self.skipped_duplicate = 0

    def create(self, values: dict[str, Any], audit_row: tuple[Any, ...] | None) -> None:
        self.created += 1
        self._inserts.append(values)
        if audit_row is not None:
            self.audit(audit_row)
        self._flush_full()

    def create_row(self, values: tuple[Any, ...], audit_row: tuple[Any, ...]) -> None:
        """create() for a row given as its values in the writer's `row_columns` order: no dict per row."""
        self.created += 1
        self._rows.append(values)
        self._audits.append(audit_row)
        if len(self._rows) >= BATCH or len(self._audits) >= BATCH:
            self._flush()

    def change(
        self, old: Mapping[Any, Any], target: dict[str, Any], entity: str, key: str, *, pk: int
    ) -> bool:
        """Update row `pk` from `old` to `target` when any value differs; the audit row holds only
        what changed. Whether anything did."""
        changed = [name for name, value in target.items() if old[name] != value]
        if not changed:
            self.unchanged += 1
            return False
        self.updated += 1
        # The updates that set the same columns (every row of a file) share one executemany statement.
        self._updates.setdefault(tuple(target), []).append({**target, "updated_at": self._now, "pk": pk})
        before = {name: old[name] for name in changed}
        after = {name: target[name] for name in changed}
        self.audit(self.audit_row(entity, "import.updated", key, before, after))
        self._flush_full()
        return True

    def audit(self, audit_row: tuple[Any, ...]) -> None:
        self._audits.append(audit_row)

    def audit_row(
        self,
        entity: str,
        action: str,
        key: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[Any, ...]:
        """An audit row naming who the import records as its actor (an API key's label, or "import"),
        in AUDIT_COLUMNS order, its snapshots as the JSON text stored."""
        return (
            self._now,
            self._actor,
            action,
            entity,
            key,
            audit.snapshot_json(before),
            audit.snapshot_json(after),
        )

    def finish(self, bad_rows: Sequence[BadRow]) -> ImportSummary:
        self._flush()
        return ImportSummary(
            self._kind,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped_duplicate=self.skipped_duplicate,
            bad_rows=tuple(bad_rows),
        )

    def _flush_full(self) -> None:
        if len(self._inserts) >= BATCH or len(self._audits) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._inserts:
            insert_rows(self._session, self._table, self._inserts)
        if self._rows:
            insert_values(self._session, self._table, self._row_columns, self._rows)
        for updates in self._updates.values():
            statement = update(self._table).where(self._table.c.id == bindparam("pk"))
            self._session.execute(statement, updates)
        if self._audits:
            audit_table = table_of(AuditEntry)
            insert_values(self._session, audit_table, AUDIT_COLUMNS, self._audits, stored=_AUDIT_SNAPSHOTS)
        self._inserts, self._rows, self._updates, self._audits = [], [], {}, []


AUDIT_COLUMNS = ("at", "actor", "action", "entity", "entity_key", "before", "after")
# The audit rows' snapshots go in as the JSON text their column's type would make of them.
_AUDIT_SNAPSHOTS = frozenset({"before", "after"})


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` into `table` in the session's transaction, handed to the driver as they are
    (see insert_values); rows that name other columns go in a statement of their own."""
    by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(row), []).append(row)
    for names, same in by_columns.items():
        insert_values(session, table, names, [tuple(row[name] for name in names) for row in same])


def insert_values(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    stored: AbstractSet[str] = frozenset(),
) -> None:
    """Insert `rows`, each its values for the columns `names` in that order, into `table` in the
    session's transaction, handed to the driver as they are: each value converted by its column's
    own type (the bind processors SQLAlchemy runs), except in the columns named in `stored`, whose
    values are in the driver's form already; then one executemany on SQLite and one COPY on
    PostgreSQL. SQLAlchemy's executemany spent longer building each row's parameters than the
    database took to store it (a third of a portfolio import)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names, columns = _set_columns(table, names, _driver_columns(table, names, rows, dialect, stored))
    if dialect.name == "postgresql":
        quote = dialect.identifier_preparer.quote
        target = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(map(quote, names))})"
        # The driver connection of this session's transaction: the COPY commits or rolls back with it.
        statement = f"COPY {target} FROM STDIN"
        driver = connection.connection.driver_connection
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
        except dialect.loaded_dbapi.Error as error:
            # As SQLAlchemy would raise it (a DataError for a value the column cannot hold), so
            # the import's refusal of an unstorable value is the same either way.
            raise DBAPIError.instance(
                statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
    else:
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        order = [columns[names.index(name)] for name in compiled.positiontup or ()]
        connection.exec_driver_sql(str(compiled), list(zip(*order, strict=True)))


def _driver_columns(
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    dialect: Dialect,
    stored: AbstractSet[str],
) -> list[Sequence[Any]]:
    """The rows' values column by column, each converted by its column's bind processor."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for position, name in enumerate(names):
        if name in stored:
            continue
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            columns[position] = _processed(processor, columns[position])
    return columns


def _set_columns(
    table: Table, names: Sequence[str], columns: list[Sequence[Any]]
) -> tuple[list[str], list[Sequence[Any]]]:
    """The columns but those NULL on every row that have no default of their own: the database
    stores NULL there all the same when they are left out of the statement, and a file sets about
    half of an account's columns, so binding only those is a good part of SQLite's work saved."""
    kept = [
        (name, values)
        for name, values in zip(names, columns, strict=True)
        if values.count(None) != len(values)
        or table.c[name].default is not None
        or table.c[name].server_default is not None
    ]
    return [name for name, _values in kept], [values for _name, values in kept]


def _processed(processor: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """processor(value) for each value, worked out once per distinct value of the kinds a file
    repeats (the import's instant on every row, a few hundred due dates, None): values of those
    kinds that are equal are the same value to store. Any other (money, a JSON column's dict) is
    converted on its own, so that its type is checked each time."""
    known: dict[Any, Any] = {}
    return [
        processor(value)
        if type(value) not in _REPEATED_KINDS
        else known[value]
        if value in known
        else known.setdefault(value, processor(value))
        for value in values
    ]


_REPEATED_KINDS = frozenset({type(None), str, date, datetime})


def _refuse_bad_rows(checked: Checked[RowT], options: ImportOptions) -> None:
    if checked.bad and not options.skip_invalid:
        raise RowsRejectedError(checked.bad, len(checked.rows))


def _db_values(values: Mapping[str, object]) -> dict[str, Any]:
    return {name: _db_value(value) for name, value in values.items()}


def _db_value(value: object) -> Any:
    # Enum members go in as their plain text: drivers may adapt an Enum by its name, not its value.
    return value.value if isinstance(value, Enum) else value


def _account_keys(records: Iterable[Record]) -> list[str]:
    keys = {account_key(record.cells["account_id"]) for record in records if record.cells.get("account_id")}
    return sorted(keys)


def _counted(items: Sequence[T], progress: Progress, label: str) -> Iterator[T]:
    """The items, moving the progress bar every BATCH of them (moving it per item costs time)."""
    progress.phase(label, len(items))
    for done, item in enumerate(items, start=1):
        yield item
        if done % BATCH == 0:
            progress.advance(BATCH)
    progress.advance(len(items) % BATCH)


# --- The watched folder ----------------------------------------------------------------------------


def looked_at(session: Session, seen: Sequence[Sighting], at: datetime) -> dict[str, datetime]:
    """Records what one look at the watched folder found, and returns since when each file has been
    as it is now (the same size and modification time). Files no longer there are forgotten."""
    columns = (
        FolderSighting.path,
        FolderSighting.size,
        FolderSighting.mtime_ns,
        FolderSighting.first_seen_at,
    )
    known = {row.path: row for row in session.execute(select(*columns))}
    since: dict[str, datetime] = {}
    for sighting in seen:
        row = known.get(sighting.path)
        if row is None:
            session.execute(
                insert(FolderSighting).values(
                    path=sighting.path,
                    size=sighting.size,
                    mtime_ns=sighting.mtime_ns,
                    first_seen_at=at,
                    seen_at=at,
                )
            )
            since[sighting.path] = at
        elif (row.size, row.mtime_ns) == (sighting.size, sighting.mtime_ns):
            session.execute(update(FolderSighting).where(FolderSighting.path == row.path).values(seen_at=at))
            since[sighting.path] = row.first_seen_at
        else:
            session.execute(
                update(FolderSighting)
                .where(FolderSighting.path == row.path)
                .values(size=sighting.size, mtime_ns=sighting.mtime_ns, first_seen_at=at, seen_at=at)
            )
            since[sighting.path] = at
    gone = sorted(set(known) - since.keys())
    if gone:
        session.execute(
            delete(FolderSighting)
            .where(FolderSighting.path.in_(gone))
            .execution_options(synchronize_session=False)
        )
    return since


def renew_sighting(session: Session, path: str, since: datetime, at: datetime) -> bool:
    """Starts the file's time unchanged again at `at`, if it still started at `since`: True for the
    one run that did it (two runs at once both read `since`; only one update matches)."""
    renewed = session.execute(
        update(FolderSighting)
        .where(FolderSighting.path == path, FolderSighting.first_seen_at == since)
        .values(first_seen_at=at, seen_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(renewed, "rowcount", 0) == 1)


class AlreadyImportedError(Exception):
    """The same file (name and content) was imported by another run meanwhile: this import is undone."""


def earlier_decision(session: Session, name: str, sha256: str) -> FolderImport | None:
    return session.scalars(
        select(FolderImport).where(FolderImport.name == name, FolderImport.sha256 == sha256)
    ).first()


def record_decision(session: Session, decided: FolderFile, at: datetime, by: str) -> int:
    """The file's row, written with its import (or its refusal): inserted, or a refusal of the same
    file before made good. The unique (name, sha256) makes a second import of it fail
    (IntegrityError, or AlreadyImportedError when the row is already there), undoing it whole."""
    summary = _decision_summary(decided)
    earlier = earlier_decision(session, decided.name, decided.sha256)
    if earlier is None:
        row = FolderImport(
            name=decided.name,
            sha256=decided.sha256,
            kind=str(decided.kind or ""),
            outcome=decided.outcome.value,
            decided_at=at,
            decided_by=by[:64],
            summary=summary,
        )
        session.add(row)
        session.flush()
        return row.id
    if earlier.outcome == FolderOutcome.IMPORTED:
        raise AlreadyImportedError(decided.name)
    changed = session.execute(
        update(FolderImport)
        .where(FolderImport.id == earlier.id, FolderImport.outcome == earlier.outcome)
        .values(outcome=decided.outcome.value, decided_at=at, decided_by=by[:64], summary=summary)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 1) != 1:
        raise AlreadyImportedError(decided.name)
    return earlier.id


def _decision_summary(decided: FolderFile) -> dict[str, Any]:
    summary: dict[str, Any] = {"refusal": decided.refusal.value if decided.refusal else None}
    if decided.summary is not None:
        summary.update(
            created=decided.summary.created,
            updated=decided.summary.updated,
            unchanged=decided.summary.unchanged,
            skipped_duplicate=decided.summary.skipped_duplicate,
        )
    if decided.bad_rows:
        summary["bad_lines"] = [bad.line for bad in decided.bad_rows[:100]]
    return summary
