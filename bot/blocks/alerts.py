"""Alerts in the supervisors' channel: many at once come as one message, one line per account (all
its conditions merged), the most pressing listed with their buttons and the rest counted. Acting on
a line edits the message in place: the line says who did what, when, and loses its buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.alerts.rules import SNOOZE_DAYS
from bot.blocks.kit import Block, Reply, actions, button, context, header, section
from bot.blocks.mrkdwn import code, escape, local_time, mention
from bot.ids import ActionId
from bot.language.model import _, counted, number

LISTED = 10
ALERTS_COMMAND = "/collect alerts"


@dataclass(frozen=True, slots=True)
class AlertLine:
    alert_id: int
    account_id: str
    customer_name: str
    why: str
    assigned_to: str | None
    weight: Decimal


def alerts_message(
    lines: list[AlertLine],
    *,
    rest: list[tuple[str, int]] | None = None,
    total: int | None = None,
    backlog: bool = False,
) -> Reply:
    """`lines` in order, at most LISTED of them when `rest` is not given; `rest` counts the accounts
    not listed by condition. A backlog (the portfolio's first run) is said to be one."""
    if rest is None:
        shown = lines[:LISTED]
        rest = [("more", len(lines) - LISTED)] if len(lines) > LISTED else []
        total = len(lines)
    else:
        shown = lines
    total = len(shown) + sum(n for _, n in rest) if total is None else total
    need = _need(total)
    title = _("Backlog on first load: {accounts}").format(accounts=need) if backlog else need
    blocks: list[Block] = [header(title)]
    if backlog:
        blocks.append(
            context(
                _(
                    "These were already due when the portfolio was loaded: announced once, here, not as "
                    "an alert each. From now on only new conditions are raised."
                )
            )
        )
    for line in shown:
        blocks.extend(alert_line(line))
    more = sum(n for _, n in rest)
    if more > 0:
        by_condition = ", ".join(f"{number(n)} {what}" for what, n in rest if what != "more")
        said = _("…and {count} more").format(count=number(more)) + (
            f": {by_condition}." if by_condition else "."
        )
        full = _("The full list, with the same buttons: `{command}`.").format(command=ALERTS_COMMAND)
        blocks.append(context(f"{said} {full}"))
    return Reply(text=title, blocks=blocks)


def _need(total: int) -> str:
    return counted("{count} account needs a supervisor", "{count} accounts need a supervisor", total)


def alert_line(line: AlertLine) -> list[Block]:
    owner = mention(line.assigned_to) if line.assigned_to else _("unassigned")
    text = f"{code(line.account_id)} {escape(line.customer_name[:60])}\n{escape(line.why)}"
    return [
        section(
            text, fields=[_("Owner: {owner}").format(owner=owner)], block_id=f"alert-line-{line.alert_id}"
        ),
        _buttons(line.alert_id),
    ]


def alerts_page(lines: list[AlertLine], *, page: int, pages: int, total: int) -> Reply:
    """`/collect alerts`: every account with an open alert, a page at a time, the same buttons."""
    if not lines:
        return Reply(text=_("No account needs a supervisor right now."))
    title = _need(total)
    blocks: list[Block] = [header(title)]
    for line in lines:
        blocks.extend(alert_line(line))
    where = {"page": number(page), "pages": number(pages)}
    blocks.append(context(_("Page {page} of {pages}, the most pressing first.").format(**where)))
    if page < pages:
        label = _("Page {page}").format(page=number(page + 1))
        blocks.append(actions(button(label, ActionId.ALERTS_PAGE, str(page + 1))))
    return Reply(text=_("{title} (page {page} of {pages})").format(title=title, **where), blocks=blocks)


@dataclass(frozen=True, slots=True)
class Handled:
    """What was done with an alert's line, for the message everyone sees."""

    alert_id: int
    did: str
    """`Taken over`, `Reassigned`, `Snoozed` (marked for the catalogs, translated here)."""
    actor: str
    """Who did it; empty when nobody did (an alert a payment cleared)."""
    at: datetime
    owner: str | None
    zone: ZoneInfo
    """The team's: the fallback of the time each reader sees in their own zone."""


def with_line_handled(blocks: list[Block], handled: Handled) -> Reply | None:
    """The message with that line saying who did what, when (each reader's own zone), and
    its new owner, its buttons gone; None when the message has no such line (or it is handled)."""
    line_id, buttons_id = f"alert-line-{handled.alert_id}", f"alert-{handled.alert_id}"
    if not any(block.get("block_id") == buttons_id for block in blocks):
        return None
    owner = mention(handled.owner) if handled.owner else _("unassigned")
    when = local_time(handled.at, handled.zone)
    did = _(handled.did)
    if handled.did == "Snoozed":
        did = counted("Snoozed {count} day", "Snoozed {count} days", SNOOZE_DAYS)
    if handled.actor:
        note = _("{did} by {actor} {when} · Owner: {owner}").format(
            did=did, actor=mention(handled.actor), when=when, owner=owner
        )
    else:  # nobody did it: the condition went away (a payment arrived)
        note = _("{did} {when} · Owner: {owner}").format(did=did, when=when, owner=owner)
    changed: list[Block] = []
    for block in blocks:
        if block.get("block_id") == buttons_id:
            continue
        if block.get("block_id") == line_id:
            block = {**block, "fields": [{"type": "mrkdwn", "text": f":white_check_mark: {note}"}]}
        changed.append(block)
    title = next((b["text"]["text"] for b in changed if b.get("type") == "header"), _("Alerts"))
    return Reply(text=str(title), blocks=changed)


def _buttons(alert_id: int) -> dict[str, Any]:
    value = str(alert_id)
    return actions(
        button(_("Take over"), ActionId.ALERT_TAKE_OVER, value, style="primary"),
        {
            "type": "users_select",
            "action_id": ActionId.ALERT_REASSIGN,
            "placeholder": {"type": "plain_text", "text": _("Reassign to…")},
        },
        button(
            counted("Snooze {count} day", "Snooze {count} days", SNOOZE_DAYS), ActionId.ALERT_SNOOZE, value
        ),
        block_id=f"alert-{alert_id}",
    )


@dataclass(frozen=True, slots=True)
class ToChase:
    """One of an agent's accounts whose promise broke, as their direct message lists it."""

    account_id: str
    customer_name: str
    said: str


def broken_promises_dm(lines: Sequence[ToChase], total: int) -> Reply:
    """An agent's direct message for one alert run: their accounts with a broken promise, the most
    money at risk first, at most LISTED of them and the rest counted (a portfolio's first load
    may break dozens at once: one message, not one each)."""
    shown = lines[:LISTED]
    rows = [
        f"• {code(line.account_id)} {escape(line.customer_name[:60])}: {escape(line.said)}" for line in shown
    ]
    head = (
        _(":bell: A promise broke. Worth a call today:")
        if total == 1
        else _(":bell: {count} broken promises to chase, the most at risk first:").format(count=number(total))
    )
    blocks: list[Block] = [section(head + "\n" + "\n".join(rows))]
    if total > len(shown):
        more = number(total - len(shown))
        blocks.append(
            context(_("…and {count} more: they are on your list (`/collect mine`).").format(count=more))
        )
    text = counted("{count} broken promise to chase", "{count} broken promises to chase", total)
    return Reply(text=text, blocks=blocks)


def alert_handled(text: str) -> Reply:
    return Reply(text=text, blocks=[context(escape(text))])
