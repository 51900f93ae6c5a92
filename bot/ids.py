"""Every action, callback and block id the bot uses, in one place (kebab-case, grouped by purpose)."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    CONFIRM_OVERPAYMENT = "payment-confirm-overpayment"
    CANCEL_OVERPAYMENT = "payment-cancel-overpayment"
    # A worklist line's menu: its value says what to open, for which account (WorklistChoice).
    WORKLIST_LINE_MENU = "worklist-line-menu"
    WORKLIST_NEXT_PAGE = "worklist-next-page"
    # The buttons of an escalation's message; their value is the escalation id.
    ESCALATION_APPROVE = "escalation-approve"
    ESCALATION_REJECT = "escalation-reject"
    ESCALATION_ASK_INFO = "escalation-ask-info"
    # The button in the agent's DM with a supervisor's question; its value is the escalation id.
    ESCALATION_ANSWER = "escalation-answer"
    # An alert's buttons; the alert id is the button's value (the select's block id for Reassign).
    ALERT_TAKE_OVER = "alert-take-over"
    ALERT_REASSIGN = "alert-reassign"
    ALERT_SNOOZE = "alert-snooze"
    # `/collect alerts`'s next page; its value is the page number.
    ALERTS_PAGE = "alerts-page"
    # A complaint's buttons: Resolve (its value is the complaint number) opens the outcome form;
    # Hand to (a users select in the block `complaint-<number>`) names another handler.
    COMPLAINT_RESOLVE = "complaint-resolve"
    COMPLAINT_REASSIGN = "complaint-reassign"
    COMPLAINT_OUTCOME_INPUT = "complaint-outcome"
    # Inputs of the escalation forms.
    ESCALATION_KIND_SELECT = "escalation-kind"
    ESCALATION_INSTALMENTS_INPUT = "escalation-instalments"
    ESCALATION_UNTIL_PICKER = "escalation-until"
    ESCALATION_REASON_INPUT = "escalation-reason"
    ESCALATION_COMMENT_INPUT = "escalation-comment"
    ESCALATION_QUESTION_INPUT = "escalation-question"
    ESCALATION_ANSWER_INPUT = "escalation-answer-text"
    # Inputs inside the ledger modals; a modal's field errors are keyed by their block ids.
    ACCOUNT_PICKER = "ledger-account"
    CHANNEL_SELECT = "ledger-channel"
    OUTCOME_SELECT = "ledger-outcome"
    NOTES_INPUT = "ledger-notes"
    AMOUNT_INPUT = "ledger-amount"
    METHOD_SELECT = "ledger-method"
    REFERENCE_INPUT = "ledger-reference"
    DATE_PICKER = "ledger-date"
    # The account card's "Send a document" button; its value is the account (DocumentFor).
    SEND_DOCUMENT = "document-send"
    # Inputs of the form that picks a document's kind and channel.
    DOCUMENT_KIND_SELECT = "document-kind"
    DOCUMENT_CHANNEL_SELECT = "document-channel"


class CallbackId(StrEnum):
    LOG_MODAL = "ledger-log-modal"
    PAY_MODAL = "ledger-pay-modal"
    PROMISE_MODAL = "ledger-promise-modal"
    ESCALATE_MODAL = "escalation-request-modal"
    DECISION_MODAL = "escalation-decision-modal"
    QUESTION_MODAL = "escalation-question-modal"
    ANSWER_MODAL = "escalation-answer-modal"
    COMPLAINT_RESOLVE_MODAL = "complaint-resolve-modal"
    # Sending a customer document: pick its kind and channel, then the preview whose Send sends it.
    DOCUMENT_CHOICE_MODAL = "document-choice-modal"
    DOCUMENT_PREVIEW_MODAL = "document-preview-modal"
    # Shortcuts, as declared in manifest.yml: global ones open a form from anywhere in Slack,
    # message ones open it with the message's text (and the account it names, if the person may
    # work it).
    RECORD_PAYMENT_SHORTCUT = "shortcut-record-payment"
    LOG_CONTACT_SHORTCUT = "shortcut-log-contact"
    LOG_MESSAGE_SHORTCUT = "shortcut-log-message-as-contact"
    ESCALATE_MESSAGE_SHORTCUT = "shortcut-escalate-message"


class BlockId(StrEnum):
    ACCOUNT = "account"
    CHANNEL = "channel"
    OUTCOME = "outcome"
    NOTES = "notes"
    AMOUNT = "amount"
    METHOD = "method"
    REFERENCE = "reference"
    DATE = "date"
    KIND = "kind"
    INSTALMENTS = "instalments"
    UNTIL = "until"
    REASON = "reason"
    COMMENT = "comment"
    QUESTION = "question"
    ANSWER = "answer"
