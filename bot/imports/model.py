"""What an import is told and what it answers, as plain data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class ImportOptions:
    now: datetime
    zone: ZoneInfo
    grace_days: int
    skip_invalid: bool = False
    actor: str = "import"
    """Who the audit and the ledger name as having recorded what the import writes."""
    source: str = "import"
    """Where the rows came from, as the payments' `source` column says ("import", "api", "folder")."""


@dataclass(frozen=True, slots=True)
class ImportSummary:
    kind: ImportKind
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_duplicate: int = 0
    bad_rows: tuple[BadRow, ...] = ()
    outcomes: tuple[ItemOutcome, ...] = ()
    """Per data row, in line order (payments and accounts; empty for kinds that do not report rows
    one by one)."""
    arrived: tuple[ArrivedPayment, ...] = ()
    """The payments this import wrote, for what a live payment changes at once (the agent told)."""

    @property
    def invalid(self) -> int:
        return len(self.bad_rows)


class RowsRejectedError(Exception):
    """The file has bad rows and --skip-invalid was not given: the transaction is rolled back."""

    def __init__(self, bad_rows: Sequence[BadRow], good_rows: int) -> None:
        super().__init__(f"{len(bad_rows)} bad rows; nothing imported")
        self.bad_rows = tuple(sorted(bad_rows, key=lambda bad: bad.line))
        self.good_rows = good_rows


class Progress(Protocol):
    def phase(self, description: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class NoProgress:
    def phase(self, description: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


class ImportKind(StrEnum):
    AGENTS = "agents"
    ACCOUNTS = "accounts"
    PAYMENTS = "payments"
    CONTACTS = "contacts"


class ItemResult(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    # Accounts: an upsert either makes the account, changes it, finds it as it is, or is refused.
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    line: int
    result: ItemResult
    reason: str | None = None
    payment_id: int | None = None


@dataclass(frozen=True, slots=True)
class ArrivedPayment:
    """A payment an import wrote: enough to tell the agent working the account, with no query."""

    payment_id: int
    account_pk: int
    account_id: str
    amount: Decimal
    currency: str
    method: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str
    too_large: bool = False


class FolderOutcome(StrEnum):
    IMPORTED = "imported"
    REFUSED = "refused"
    ALREADY_IMPORTED = "already-imported"
    """The same file (name and content) was imported before: not imported again."""


class Refusal(StrEnum):
    """Why a dropped file imported nothing, as the supervisors' channel is told it."""

    NAME = "name"
    """No known prefix says what it holds."""
    UNREADABLE = "unreadable"
    """Not a CSV file of its kind (no header, missing columns, not UTF-8 text)."""
    ROWS = "rows"
    """Bad rows: all or nothing."""
    TOO_LARGE = "too-large"
    """A value the database cannot store."""


@dataclass(frozen=True, slots=True)
class FolderFile:
    """What became of one file of the watched folder."""

    name: str
    """As it was dropped (its name in done/ or failed/ may carry a number when that one was taken)."""
    kind: ImportKind | None
    sha256: str
    outcome: FolderOutcome
    moved_to: str = ""
    """Where it now lies, under the folder: done/NAME or failed/NAME."""
    summary: ImportSummary | None = None
    refusal: Refusal | None = None
    problem: str = ""
    """Why nothing was imported, for the report (the bad rows are listed too)."""
    bad_rows: tuple[BadRow, ...] = ()
    good_rows: int = 0
    unknown_columns: tuple[str, ...] = ()
    earlier: datetime | None = None
    """When the same file was imported before (ALREADY_IMPORTED)."""
