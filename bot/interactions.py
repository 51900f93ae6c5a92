"""Context that must survive a click or a modal: small models carried in a button's value or a
modal's private_metadata, validated when they come back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Carried(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)


class OverpaymentToConfirm(Carried):
    """A payment larger than the balance, waiting for the agent's confirmation click.

    `nonce` makes a double click record one payment, not two."""

    account_id: str = Field(max_length=64)
    amount: str = Field(max_length=32)
    method: str | None = Field(default=None, max_length=16)
    reference: str | None = Field(default=None, max_length=100)
    nonce: str = Field(max_length=40)


class ModalOrigin(Carried):
    """Where to answer once a modal is submitted: the slash command's response_url, or a channel."""

    response_url: str | None = Field(default=None, max_length=500)
    channel_id: str | None = Field(default=None, max_length=32)
    account_id: str | None = Field(default=None, max_length=64)


class WorklistChoice(Carried):
    """An entry of a worklist line's menu: which form to open, prefilled with which account."""

    form: Literal["log", "pay", "promise", "escalate"]
    account_id: str = Field(max_length=64)


class WorklistPage(Carried):
    """The "show more" button of a long worklist: whose list, which day, from which line on."""

    agent_id: str = Field(max_length=32)
    work_date: str = Field(max_length=10)
    start: int = Field(ge=0)


class DecisionContext(Carried):
    """Carried by the comment and question forms: which escalation, which decision, and where the
    click came from (so the original message can be checked and updated)."""

    escalation_id: int
    decision: Literal["approve", "reject", "ask"]
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
