"""What the ledger commands answer with: help, the account card and confirmations (answers that
are about no account, like errors, are in bot.blocks.answers)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.aging import AgingBucket
from bot.blocks.answers import error_reply
from bot.blocks.kit import Reply, actions, button, context, divider, section
from bot.blocks.mrkdwn import channel_icon, code, escape, local_time, mention, sentence
from bot.currency import format_money
from bot.errors import UserError
from bot.ids import ActionId
from bot.interactions import CarriedKey, OverpaymentToConfirm
from bot.language.model import reader_locale
from bot.ledger.model import AccountSummary, ContactLine, PaymentLine
from bot.ledger.records.contacts import ContactOutcome
from bot.ledger.records.holds import HoldOutcome
from bot.ledger.records.payments import PaymentOutcome
from bot.ledger.records.promises import PromiseOutcome
from bot.parsing.command import HELP_LINES, UnknownSubcommandError
from bot.vocabulary import CLOSED_STATUSES, channel_name, method_name, status_name

if TYPE_CHECKING:
    from bot.ledger.desk import PaymentToConfirm


def help_reply(intro: str | None = None) -> Reply:
    lines = [f"`{usage}`  {description}" for usage, description in HELP_LINES]
    blocks = [section(escape(intro))] if intro else []
    blocks += [
        section("*collect-bot commands*\n" + "\n".join(lines)),
        context(
            "Type `log`, `pay` or `promise` with nothing after it to fill in a form instead.",
            "Name a person with an @-mention: type `@` and pick them from the list"
            " (`/collect assign ACC-1042 @ana`).",
        ),
    ]
    return Reply(text="collect-bot commands", blocks=blocks)


def parse_error_reply(error: UserError) -> Reply:
    """A command that could not be read: what was wrong; for a subcommand the bot does not know,
    the one meant when one is close, else the command list."""
    if isinstance(error, UnknownSubcommandError) and error.suggestion is None:
        return help_reply(intro=f":warning: {error.problem}")
    return error_reply(error)


_BUCKET_LABEL = {AgingBucket.CURRENT: "current"}


def account_card(summary: AccountSummary) -> Reply:
    balance = format_money(summary.balance, summary.currency, reader_locale())
    bucket = _BUCKET_LABEL.get(summary.aging_bucket, f"{summary.aging_bucket} days")
    status = status_name(summary.status) + (
        f" ({escape(summary.hold_reason)})" if summary.hold_reason else ""
    )
    owner = mention(summary.assigned_to) if summary.assigned_to else "unassigned"
    # A closed account owes nothing past due, however old its due date: its status says it all.
    closed = summary.status in CLOSED_STATUSES
    overdue = [] if closed else [f"*Days past due*\n{summary.days_past_due} · {bucket}"]
    blocks = [
        section(
            f"*{escape(summary.customer_name)}* · {code(summary.account_id)}",
            fields=[
                f"*Balance*\n{balance} ({summary.currency})",
                *overdue,
                f"*Status*\n{status}",
                f"*Assigned to*\n{owner}",
            ],
        ),
    ]
    reach = [escape(value) for value in (summary.phone, summary.email) if value]
    if reach:
        blocks.append(context(" · ".join(reach)))
    if summary.open_promise:
        promise = summary.open_promise
        blocks.append(
            section(
                f"*Open promise:* {format_money(promise.amount, summary.currency, reader_locale())} by {promise.due_date.isoformat()}"
                f" ({promise.standing}; paid so far {format_money(promise.paid_toward, summary.currency, reader_locale())})"
            )
        )
    blocks += [
        divider(),
        section(_contacts_text(summary.contacts, summary.zone)),
        section(_payments_text(summary)),
    ]
    standing = status_name(summary.status) if closed else f"{summary.days_past_due} days past due"
    return Reply(text=f"{summary.account_id}: {balance}, {standing}", blocks=blocks)


def _contacts_text(contacts: list[ContactLine], zone: ZoneInfo) -> str:
    if not contacts:
        return "*Last contacts*\nNone logged yet."
    lines = [_contact_line(c, zone) for c in contacts]
    return "*Last contacts*\n" + "\n".join(lines)


def _contact_line(contact: ContactLine, zone: ZoneInfo) -> str:
    who = f" by {mention(contact.agent)}" if contact.agent else ""
    notes = f" — {escape(contact.notes[:200])}" if contact.notes else ""
    when = local_time(contact.at, zone)
    channel = escape(channel_name(contact.channel))
    return f"• {channel_icon(contact.channel)} {when} · {channel} · {contact.outcome}{who}{notes}"


def _payments_text(summary: AccountSummary) -> str:
    if not summary.payments:
        return "*Last payments*\nNone recorded yet."
    return "*Last payments*\n" + "\n".join(_payment_line(p, summary) for p in summary.payments)


def _payment_line(payment: PaymentLine, summary: AccountSummary) -> str:
    currency = summary.currency
    method = f" · {escape(method_name(payment.method))}" if payment.method else ""
    reference = f" · ref {code(payment.reference)}" if payment.reference else ""
    return f"• {local_time(payment.received_at, summary.zone, '{date_num}')} · {format_money(payment.amount, currency, reader_locale())}{method}{reference}"


def payment_recorded(outcome: PaymentOutcome) -> Reply:
    amount = format_money(outcome.amount, outcome.currency, reader_locale())
    balance = format_money(outcome.balance_after, outcome.currency, reader_locale())
    lines = [
        f":white_check_mark: Recorded {amount} on {code(outcome.account_id)} ({escape(outcome.customer_name)})"
        + (f", ref {code(outcome.reference)}" if outcome.reference else "")
        + ".",
        f"Balance {format_money(outcome.balance_before, outcome.currency, reader_locale())} → *{balance}*.",
    ]
    if outcome.promise_kept is not None:
        lines.append(
            f":handshake: Promise of {format_money(outcome.promise_kept, outcome.currency, reader_locale())} kept."
        )
    if outcome.balance_after < 0:
        lines.append(
            f"The account now has a credit of {format_money(-outcome.balance_after, outcome.currency, reader_locale())}."
        )
    if outcome.status_after == "paid":
        lines.append(":tada: The account is paid in full.")
    return Reply(text=f"Recorded {amount} on {outcome.account_id}", blocks=[section("\n".join(lines))])


def payment_answer(result: PaymentOutcome | PaymentToConfirm, key: CarriedKey) -> Reply:
    """A payment recorded, or the question holding it back: its confirmation is signed with `key`,
    so a click can confirm only what the bot asked."""
    if isinstance(result, PaymentOutcome):
        return payment_recorded(result)
    return overpayment_question(result.question, result.confirmation.signed_with(key))


def overpayment_question(error: UserError, request: OverpaymentToConfirm) -> Reply:
    """A payment that needs the agent's confirmation: more than the balance, or typed twice."""
    text = f":raised_hand: {sentence(error.problem)}\n{sentence(error.hint)}"
    return Reply(
        text=error.problem,
        blocks=[
            section(text),
            actions(
                button("Record it anyway", ActionId.CONFIRM_OVERPAYMENT, request.encode(), style="danger"),
                button("Cancel", ActionId.CANCEL_OVERPAYMENT, request.account_id),
            ),
        ],
    )


def cancelled_reply(text: str) -> Reply:
    return Reply(text=text, blocks=[context(escape(text))])


def contact_logged(outcome: ContactOutcome) -> Reply:
    notes = f"\n> {escape(outcome.notes[:500])}" if outcome.notes else ""
    if outcome.callback_on:
        notes += f"\nCallback on {outcome.callback_on.strftime('%A %Y-%m-%d')}."
    channel = channel_name(outcome.channel)
    text = (
        f"{channel_icon(outcome.channel)} Logged {channel} · {outcome.outcome} on {code(outcome.account_id)}"
        f" ({escape(outcome.customer_name)}).{notes}"
    )
    return Reply(text=f"Logged {channel} on {outcome.account_id}", blocks=[section(text)])


def promise_recorded(outcome: PromiseOutcome) -> Reply:
    amount = format_money(outcome.amount, outcome.currency, reader_locale())
    text = (
        f":spiral_calendar_pad: Promise of {amount} by *{outcome.due_date.isoformat()}*"
        f" ({outcome.due_date.strftime('%A')}) on {code(outcome.account_id)} ({escape(outcome.customer_name)})."
    )
    if outcome.replaced is not None:
        text += f"\nIt replaces the open promise of {format_money(outcome.replaced, outcome.currency, reader_locale())}."
    return Reply(text=f"Promise of {amount} on {outcome.account_id}", blocks=[section(text)])


def hold_changed(outcome: HoldOutcome) -> Reply:
    who = f"{code(outcome.account_id)} ({escape(outcome.customer_name)})"
    if outcome.placed:
        text = (
            f":octagonal_sign: {who} is on hold: {escape(outcome.reason or '')}. It leaves the worklists; only"
            " permitted notices (letters) and the customer's own contacts can be logged until a supervisor"
            " releases it."
        )
    else:
        text = f":arrow_forward: {who} is released from its hold and back to active."
    return Reply(
        text=f"{outcome.account_id}: hold {'placed' if outcome.placed else 'released'}",
        blocks=[section(text)],
    )


def override_granted(account_id: str, rule: str) -> Reply:
    text = (
        f":ballot_box_with_check: One exception to `{escape(rule)}` is allowed on {code(account_id)}:"
        " the next action that rule would refuse goes through, once. It is in the audit log."
    )
    return Reply(text=f"Exception allowed on {account_id}", blocks=[section(text)])
