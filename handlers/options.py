"""The account picker in the ledger modals searches as the agent types."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks.modals import account_option
from bot.ids import ActionId
from bot.ledger import desk
from bot.parsing.typed_text import storable
from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.options(ActionId.ACCOUNT_PICKER)
    def account_options(ack: Ack, payload: dict[str, Any]) -> None:
        user = (payload.get("user") or {}).get("id", "")
        found = desk.pick_accounts(runtime, storable(str(payload.get("value", "")))[:64], actor=user)
        ack(options=[account_option(account_id, name) for account_id, name in found])
