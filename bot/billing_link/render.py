"""The billing API's JSON bodies: money as exact strings with their currency, dates as ISO."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bot.billing_link.model import AccountState
from bot.currency import quantum
from bot.imports.model import ImportKind, ImportSummary, ItemOutcome, ItemResult
from bot.imports.rules import Record, shown_reason
from bot.vocabulary import AccountStatus

RESULTS: dict[ImportKind, tuple[ItemResult, ...]] = {
    ImportKind.PAYMENTS: (ItemResult.APPLIED, ItemResult.DUPLICATE, ItemResult.REFUSED),
    ImportKind.ACCOUNTS: (
        ItemResult.CREATED,
        ItemResult.UPDATED,
        ItemResult.UNCHANGED,
        ItemResult.REFUSED,
    ),
}


def error_body(error: str, detail: object = None) -> dict[str, Any]:
    return {"error": error, "detail": detail}


def items_body(summary: ImportSummary, records: Sequence[Record]) -> dict[str, Any]:
    """A result per item, in the order sent, and how many of each. A refusal's reason names the
    field and what is wrong, without the item's personal values (bot.imports.rules.PERSONAL_COLUMNS)."""
    by_line = {record.line: record for record in records}
    results = [_item(outcome, by_line.get(outcome.line)) for outcome in summary.outcomes]
    counted = Counter(outcome.result for outcome in summary.outcomes)
    return {
        "results": results,
        "counts": {str(result): counted.get(result, 0) for result in RESULTS[summary.kind]},
    }


def _item(outcome: ItemOutcome, record: Record | None) -> dict[str, Any]:
    item: dict[str, Any] = {"index": outcome.line, "result": str(outcome.result)}
    if outcome.payment_id is not None:
        item["payment_id"] = outcome.payment_id
    if outcome.reason is not None:
        item["reason"] = shown_reason(outcome.reason, record) if record is not None else outcome.reason
    return item


def account_body(state: AccountState) -> dict[str, Any]:
    promise = state.open_promise
    hold = None
    if state.status == AccountStatus.ON_HOLD or state.hold_reason is not None:
        until = state.hold_until.isoformat() if state.hold_until else None
        hold = {"reason": state.hold_reason, "until": until}
    return {
        "account_id": state.account_id,
        "status": state.status,
        "balance": money(state.balance, state.currency),
        "days_past_due": state.days_past_due,
        "open_promise": None
        if promise is None
        else {"amount": money(promise.amount, state.currency), "due_date": promise.due_date.isoformat()},
        "hold": hold,
    }


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """An amount as an exact string to the currency's decimals, with its currency."""
    return {"amount": str(amount.quantize(quantum(currency))), "currency": currency}
