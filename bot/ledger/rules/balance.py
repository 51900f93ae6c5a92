"""How a payment moves an account's balance and status."""

from __future__ import annotations

from decimal import Decimal

from bot.vocabulary import CLOSED_STATUSES, AccountStatus


def is_overpayment(balance: Decimal, amount: Decimal) -> bool:
    return amount > balance


def status_after_payment(status: str, new_balance: Decimal, open_promise_left: bool) -> str:
    """A balance at or below zero closes any account as paid; a kept promise (or a plan's last
    instalment) returns it to active."""
    if new_balance <= 0:
        return AccountStatus.PAID
    if status in (AccountStatus.PROMISED, AccountStatus.PLAN) and not open_promise_left:
        return AccountStatus.ACTIVE
    return status


def status_after_promise(status: str) -> str:
    return AccountStatus.PROMISED if status == AccountStatus.ACTIVE else status


def is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES
