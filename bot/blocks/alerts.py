"""Alerts in the supervisors' channel: many at once come as one message, the top ones listed with
their buttons and the rest counted."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.alerts.rules import SNOOZE_DAYS
from bot.blocks.kit import Reply, actions, button, context, header, section
from bot.blocks.mrkdwn import code, escape, mention
from bot.ids import ActionId

LISTED = 10


@dataclass(frozen=True, slots=True)
class AlertLine:
    alert_id: int
    account_id: str
    customer_name: str
    why: str
    assigned_to: str | None
    weight: Decimal


def alerts_message(lines: list[AlertLine]) -> Reply:
    shown, rest = lines[:LISTED], len(lines) - LISTED
    blocks = [header(f"{len(lines)} account{'s need' if len(lines) != 1 else ' needs'} a supervisor")]
    for line in shown:
        owner = mention(line.assigned_to) if line.assigned_to else "unassigned"
        blocks.append(
            section(
                f"{code(line.account_id)} {escape(line.customer_name[:60])} · {owner}\n{escape(line.why)}"
            )
        )
        blocks.append(_buttons(line.alert_id))
    if rest > 0:
        blocks.append(context(f"…and {rest} more: each is raised once until it clears or is snoozed."))
    return Reply(text=f"{len(lines)} accounts need a supervisor", blocks=blocks)


def _buttons(alert_id: int) -> dict[str, object]:
    value = str(alert_id)
    return actions(
        button("Take over", ActionId.ALERT_TAKE_OVER, value, style="primary"),
        {
            "type": "users_select",
            "action_id": ActionId.ALERT_REASSIGN,
            "placeholder": {"type": "plain_text", "text": "Reassign to…"},
        },
        button(f"Snooze {SNOOZE_DAYS} days", ActionId.ALERT_SNOOZE, value),
        block_id=f"alert-{alert_id}",
    )


def agent_alert(account_id: str, customer_name: str, why: str) -> Reply:
    text = f":bell: {code(account_id)} {escape(customer_name[:60])}: {escape(why)}. Worth a call today."
    return Reply(text=f"Alert on {account_id}", blocks=[section(text)])


def alert_handled(text: str) -> Reply:
    return Reply(text=text, blocks=[context(escape(text))])
