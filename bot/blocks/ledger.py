"""What the ledger commands answer with: help, the account card and confirmations (answers that
are about no account, like errors, are in bot.blocks.answers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.aging import AgingBucket
from bot.blocks.answers import error_reply
from bot.blocks.kit import Block, Reply, actions, button, context, divider, section
from bot.blocks.mrkdwn import channel_icon, code, escape, local_time, mention, sentence
from bot.errors import UserError
from bot.ids import ActionId
from bot.interactions import CarriedKey, DocumentFor, OverpaymentToConfirm
from bot.language.model import N_, _, counted, speaker
from bot.ledger.model import AccountSummary, ContactLine, PaymentLine, PromiseStanding
from bot.ledger.records.contacts import ContactOutcome
from bot.ledger.records.holds import HoldOutcome
from bot.ledger.records.payments import PaymentOutcome
from bot.ledger.records.promises import PromiseOutcome
from bot.parsing.aliases import CHANNEL_ALIASES, LANGUAGES, OUTCOME_ALIASES, SUBCOMMAND_ALIASES, help_aliases
from bot.parsing.command import HELP_LINES, UnknownSubcommandError
from bot.vocabulary import CLOSED_STATUSES, channel_name, method_name, status_name

if TYPE_CHECKING:
    from bot.ledger.desk import PaymentToConfirm


def help_reply(intro: str | None = None, languages: Sequence[str] = tuple(LANGUAGES)) -> Reply:
    """The command list, and the words of `languages` the bot also takes for each subcommand."""
    lines = [f"`{usage}`  {_(description)}" for usage, description in HELP_LINES]
    blocks = [section(escape(intro))] if intro else []
    blocks += [
        section(_("*collect-bot commands*") + "\n" + "\n".join(lines)),
        context(
            _("Type `log`, `pay` or `promise` with nothing after it to fill in a form instead."),
            _(
                "Name a person with an @-mention: type `@` and pick them from the list"
                " (`/collect assign ACC-1042 @ana`)."
            ),
        ),
        *(_also_understood(language) for language in languages if language in LANGUAGES),
    ]
    return Reply(text=_("collect-bot commands"), blocks=blocks)


def _also_understood(language: str) -> Block:
    """`Also in Portuguese: `conta` (account), `pagar`, `pagamento` (pay), …`: the team's own words
    the bot takes for the English ones, whoever types them."""

    def listed(table: dict[str, dict[str, Any]]) -> str:
        return ", ".join(
            f"{', '.join(code(word) for word in words)} ({english})"
            for english, words in help_aliases(table, language)
        )

    return context(
        _("Also in {language}: {words}.").format(
            language=_(LANGUAGES[language]), words=listed(SUBCOMMAND_ALIASES)
        ),
        _("Channels and outcomes: {channels}; {outcomes}.").format(
            channels=listed(CHANNEL_ALIASES), outcomes=listed(OUTCOME_ALIASES)
        ),
    )


def parse_error_reply(error: UserError) -> Reply:
    """A command that could not be read: what was wrong; for a subcommand the bot does not know,
    the one meant when one is close, else the command list."""
    if isinstance(error, UnknownSubcommandError) and error.suggestion is None:
        return help_reply(intro=f":warning: {error.problem}")
    return error_reply(error)


_STANDING = {
    PromiseStanding.PENDING: N_("pending"),
    PromiseStanding.DUE_TODAY: N_("due today"),
    PromiseStanding.IN_GRACE: N_("in grace"),
    PromiseStanding.BROKEN: N_("broken"),
}


def _bucket(bucket: AgingBucket) -> str:
    if bucket == AgingBucket.CURRENT:
        return _("current")
    return _("{bucket} days").format(bucket=bucket)


def account_card(summary: AccountSummary) -> Reply:
    reader = speaker()
    balance = reader.money(summary.balance, summary.currency)
    bucket = _bucket(summary.aging_bucket)
    status = status_name(summary.status) + (
        f" ({escape(summary.hold_reason)})" if summary.hold_reason else ""
    )
    owner = mention(summary.assigned_to) if summary.assigned_to else _("unassigned")
    # A closed account owes nothing past due, however old its due date: its status says it all.
    closed = summary.status in CLOSED_STATUSES
    overdue = (
        [] if closed else [_("*Days past due*") + f"\n{reader.number(summary.days_past_due)} · {bucket}"]
    )
    blocks = [
        section(
            f"*{escape(summary.customer_name)}* · {code(summary.account_id)}",
            fields=[
                _("*Balance*") + f"\n{balance} ({summary.currency})",
                *overdue,
                _("*Status*") + f"\n{status}",
                _("*Assigned to*") + f"\n{owner}",
                # Checked when imported, escaped all the same: whatever is stored is shown inert.
                *([_("*Product*") + f"\n{escape(summary.product)}"] if summary.product else []),
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
                _("*Open promise:* {amount} by {date} ({standing}; paid so far {paid})").format(
                    amount=reader.money(promise.amount, summary.currency),
                    date=reader.day(promise.due_date),
                    standing=_(_STANDING.get(promise.standing, promise.standing)),
                    paid=reader.money(promise.paid_toward, summary.currency),
                )
            )
        )
    blocks += [
        divider(),
        section(_contacts_text(summary.contacts, summary.zone)),
        section(_payments_text(summary)),
    ]
    if not closed:
        # Unsigned: who may send the account a document is decided on the server, at each step.
        blocks.append(
            actions(
                button(
                    _("Send a document"),
                    ActionId.SEND_DOCUMENT,
                    DocumentFor(account_id=summary.account_id).encode(),
                )
            )
        )
    standing = (
        status_name(summary.status)
        if closed
        else counted("{count} day past due", "{count} days past due", summary.days_past_due)
    )
    return Reply(text=f"{summary.account_id}: {balance}, {standing}", blocks=blocks)


def _contacts_text(contacts: list[ContactLine], zone: ZoneInfo) -> str:
    if not contacts:
        return _("*Last contacts*") + "\n" + _("None logged yet.")
    lines = [_contact_line(c, zone) for c in contacts]
    return _("*Last contacts*") + "\n" + "\n".join(lines)


def _contact_line(contact: ContactLine, zone: ZoneInfo) -> str:
    who = _(" by {agent}").format(agent=mention(contact.agent)) if contact.agent else ""
    notes = f" — {escape(contact.notes[:200])}" if contact.notes else ""
    when = local_time(contact.at, zone)
    channel = escape(channel_name(contact.channel))
    return f"• {channel_icon(contact.channel)} {when} · {channel} · {contact.outcome}{who}{notes}"


def _payments_text(summary: AccountSummary) -> str:
    if not summary.payments:
        return _("*Last payments*") + "\n" + _("None recorded yet.")
    return _("*Last payments*") + "\n" + "\n".join(_payment_line(p, summary) for p in summary.payments)


def _payment_line(payment: PaymentLine, summary: AccountSummary) -> str:
    currency = summary.currency
    method = f" · {escape(method_name(payment.method))}" if payment.method else ""
    reference = _(" · ref {reference}").format(reference=code(payment.reference)) if payment.reference else ""
    amount = speaker().money(payment.amount, currency)
    return f"• {local_time(payment.received_at, summary.zone, '{date_num}')} · {amount}{method}{reference}"


def payment_recorded(outcome: PaymentOutcome) -> Reply:
    reader = speaker()
    amount = reader.money(outcome.amount, outcome.currency)
    balance = reader.money(outcome.balance_after, outcome.currency)
    account = f"{code(outcome.account_id)} ({escape(outcome.customer_name)})"
    recorded = (
        _(":white_check_mark: Recorded {amount} on {account}, ref {reference}.").format(
            amount=amount, account=account, reference=code(outcome.reference)
        )
        if outcome.reference
        else _(":white_check_mark: Recorded {amount} on {account}.").format(amount=amount, account=account)
    )
    lines = [
        recorded,
        _("Balance {before} → *{after}*.").format(
            before=reader.money(outcome.balance_before, outcome.currency), after=balance
        ),
    ]
    if outcome.promise_kept is not None:
        lines.append(
            _(":handshake: Promise of {amount} kept.").format(
                amount=reader.money(outcome.promise_kept, outcome.currency)
            )
        )
    if outcome.balance_after < 0:
        lines.append(
            _("The account now has a credit of {amount}.").format(
                amount=reader.money(-outcome.balance_after, outcome.currency)
            )
        )
    if outcome.status_after == "paid":
        lines.append(_(":tada: The account is paid in full."))
    text = _("Recorded {amount} on {account_id}").format(amount=amount, account_id=outcome.account_id)
    return Reply(text=text, blocks=[section("\n".join(lines))])


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
                button(_("Record it anyway"), ActionId.CONFIRM_OVERPAYMENT, request.encode(), style="danger"),
                button(_("Cancel"), ActionId.CANCEL_OVERPAYMENT, request.account_id),
            ),
        ],
    )


def cancelled_reply(text: str) -> Reply:
    return Reply(text=text, blocks=[context(escape(text))])


def contact_logged(outcome: ContactOutcome) -> Reply:
    notes = f"\n> {escape(outcome.notes[:500])}" if outcome.notes else ""
    if outcome.callback_on:
        notes += "\n" + _("Callback on {day}.").format(day=speaker().weekday(outcome.callback_on))
    channel = channel_name(outcome.channel)
    logged = _("Logged {channel} · {outcome} on {account}.").format(
        channel=channel,
        outcome=outcome.outcome,
        account=f"{code(outcome.account_id)} ({escape(outcome.customer_name)})",
    )
    text = f"{channel_icon(outcome.channel)} {logged}{notes}"
    summary = _("Logged {channel} on {account_id}").format(channel=channel, account_id=outcome.account_id)
    return Reply(text=summary, blocks=[section(text)])


def promise_recorded(outcome: PromiseOutcome) -> Reply:
    reader = speaker()
    amount = reader.money(outcome.amount, outcome.currency)
    text = _(":spiral_calendar_pad: Promise of {amount} by *{day}* on {account}.").format(
        amount=amount,
        day=reader.weekday(outcome.due_date),
        account=f"{code(outcome.account_id)} ({escape(outcome.customer_name)})",
    )
    if outcome.replaced is not None:
        text += "\n" + _("It replaces the open promise of {amount}.").format(
            amount=reader.money(outcome.replaced, outcome.currency)
        )
    summary = _("Promise of {amount} on {account_id}").format(amount=amount, account_id=outcome.account_id)
    return Reply(text=summary, blocks=[section(text)])


def hold_changed(outcome: HoldOutcome) -> Reply:
    who = f"{code(outcome.account_id)} ({escape(outcome.customer_name)})"
    if outcome.placed:
        text = _(
            ":octagonal_sign: {account} is on hold: {reason}. It leaves the worklists; only permitted"
            " notices (letters) and the customer's own contacts can be logged until a supervisor releases it."
        ).format(account=who, reason=escape(outcome.reason or ""))
        summary = _("{account_id}: hold placed")
    else:
        text = _(":arrow_forward: {account} is released from its hold and back to active.").format(
            account=who
        )
        summary = _("{account_id}: hold released")
    return Reply(text=summary.format(account_id=outcome.account_id), blocks=[section(text)])


def override_granted(account_id: str, rule: str) -> Reply:
    text = _(
        ":ballot_box_with_check: One exception to `{rule}` is allowed on {account}: the next action that"
        " rule would refuse goes through, once. It is in the audit log."
    ).format(rule=escape(rule), account=code(account_id))
    return Reply(
        text=_("Exception allowed on {account_id}").format(account_id=account_id), blocks=[section(text)]
    )
