"""`export account ID`: everything recorded about one account, as one JSON document.

The document answers a records request or an examiner (Regulation F keeps these records three
years, 12 CFR 1006.100), so it holds every column and every row, not a summary. Money is an
exact string next to its currency, instants are ISO 8601 with their UTC offset, and each list is
in the order things happened.
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import String, and_, cast, inspect, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from bot.audit import json_value
from bot.clock import SystemClock
from bot.currency import has_valid_precision, quantum
from bot.ledger.records.accounts import find_account
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
    Payment,
    Promise,
)
from storage.types import MoneyAmount

# Bumped whenever a consumer of the document would have to change how it reads it.
SCHEMA = "collect-bot.account-export/1"


class _Section(NamedTuple):
    name: str
    model: type[Base]
    account_pk: SQLCoreOperations[int]
    # What puts the section in time order; the row id breaks ties so that two rows at the same
    # instant always come out in the order they were written.
    when: SQLCoreOperations[Any]
    row_id: SQLCoreOperations[int]


_SECTIONS = (
    _Section("contacts", Contact, Contact.account_pk, Contact.at, Contact.id),
    _Section("payments", Payment, Payment.account_pk, Payment.received_at, Payment.id),
    _Section("promises", Promise, Promise.account_pk, Promise.made_at, Promise.id),
    _Section("notes", AccountNote, AccountNote.account_pk, AccountNote.at, AccountNote.id),
    _Section("assignments", Assignment, Assignment.account_pk, Assignment.work_date, Assignment.id),
    _Section("alerts", Alert, Alert.account_pk, Alert.raised_at, Alert.id),
    # Every document as it went out: its parts are exactly the bytes its audited hash was taken of.
    _Section("documents", Document, Document.account_pk, Document.created_at, Document.id),
    _Section("complaints", Complaint, Complaint.account_pk, Complaint.recorded_at, Complaint.id),
)


def export_account(session: Session, account_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The account with this id and all of its history; NotFoundError (with the closest ids as its
    hint) when there is no such account."""
    account = find_account(session, account_id)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "exported_at": json_value(now or SystemClock().now()),
        "account": row_document(account, account.currency),
    }
    for section in _SECTIONS:
        query = select(section.model).where(section.account_pk == account.id)
        rows = session.scalars(query.order_by(section.when, section.row_id))
        document[section.name] = [row_document(row, account.currency) for row in rows]
    audit = audit_rows(session, account)
    document["escalations"] = _escalations(session, account, audit)
    document["audit"] = [row_document(entry, account.currency) for entry in audit]
    return document


def _escalations(session: Session, account: Account, audit: list[AuditEntry]) -> list[dict[str, Any]]:
    """Each escalation with its decision trail: who recommended, approved, rejected or asked, when."""
    query = select(Escalation).where(Escalation.account_pk == account.id)
    escalations = session.scalars(query.order_by(Escalation.requested_at, Escalation.id))
    trail: dict[str, list[dict[str, Any]]] = {}
    for entry in audit:
        if entry.entity == "escalation":
            trail.setdefault(entry.entity_key, []).append(
                {"at": json_value(entry.at), "actor": entry.actor, "action": entry.action}
            )
    return [
        {**row_document(escalation, account.currency), "decisions": trail.get(str(escalation.id), [])}
        for escalation in escalations
    ]


def audit_rows(session: Session, account: Account) -> list[AuditEntry]:
    """The audit rows about the account: its own (keyed by its account id, as every writer keys
    them), its escalations' and its alerts' (keyed by their row ids), oldest first."""
    escalation_keys = select(cast(Escalation.id, String)).where(Escalation.account_pk == account.id)
    alert_keys = select(cast(Alert.id, String)).where(Alert.account_pk == account.id)
    about = or_(
        and_(AuditEntry.entity == "account", AuditEntry.entity_key == account.account_id),
        and_(AuditEntry.entity == "escalation", AuditEntry.entity_key.in_(escalation_keys)),
        and_(AuditEntry.entity == "alert", AuditEntry.entity_key.in_(alert_keys)),
    )
    query = select(AuditEntry).where(about).order_by(AuditEntry.at, AuditEntry.id)
    return list(session.scalars(query))


def row_document(row: Base, account_currency: str) -> dict[str, Any]:
    """Every column of the row; the account link is left out because the whole document is about
    that one account. Money takes the row's own currency, or the account's when it has none."""
    currency = getattr(row, "currency", None) or account_currency
    document: dict[str, Any] = {}
    for attribute in inspect(row).mapper.column_attrs:
        if attribute.key == "account_pk":
            continue
        value = getattr(row, attribute.key)
        is_money = isinstance(attribute.columns[0].type, MoneyAmount) and value is not None
        if isinstance(value, bytes):
            # A kept PDF: base64 in JSON, decoded it gives back the very bytes that were sent.
            document[attribute.key] = {"base64": base64.b64encode(value).decode("ascii")}
        else:
            document[attribute.key] = money(value, currency) if is_money else json_value(value)
    return document


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """Storage keeps four decimals; shown with the currency's own ones unless that would round."""
    shown = amount.quantize(quantum(currency)) if has_valid_precision(amount, currency) else amount
    return {"amount": str(shown), "currency": currency}
