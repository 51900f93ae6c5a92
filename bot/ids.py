"""Every action, callback and block id the bot uses, in one place (kebab-case, grouped by purpose)."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    CONFIRM_OVERPAYMENT = "payment-confirm-overpayment"
    CANCEL_OVERPAYMENT = "payment-cancel-overpayment"
    # A worklist line's menu: its value says what to open, for which account (WorklistChoice).
    WORKLIST_LINE_MENU = "worklist-line-menu"
    WORKLIST_NEXT_PAGE = "worklist-next-page"
    # Inputs inside the ledger modals; a modal's field errors are keyed by their block ids.
    ACCOUNT_PICKER = "ledger-account"
    CHANNEL_SELECT = "ledger-channel"
    OUTCOME_SELECT = "ledger-outcome"
    NOTES_INPUT = "ledger-notes"
    AMOUNT_INPUT = "ledger-amount"
    METHOD_SELECT = "ledger-method"
    REFERENCE_INPUT = "ledger-reference"
    DATE_PICKER = "ledger-date"


class CallbackId(StrEnum):
    LOG_MODAL = "ledger-log-modal"
    PAY_MODAL = "ledger-pay-modal"
    PROMISE_MODAL = "ledger-promise-modal"


class BlockId(StrEnum):
    ACCOUNT = "account"
    CHANNEL = "channel"
    OUTCOME = "outcome"
    NOTES = "notes"
    AMOUNT = "amount"
    METHOD = "method"
    REFERENCE = "reference"
    DATE = "date"
