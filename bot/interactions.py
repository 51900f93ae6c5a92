"""Context that must survive a click or a modal: small models carried in a button's value or a
modal's private_metadata, validated when they come back.

Slack signs the request, not what the bot put in it: a value that comes back may have been made
up by whoever sent the request. So each kind says how it is trusted:

- signed (the default): `encode(key)` appends an HMAC-SHA256 of the kind's name and its JSON, with
  a key derived from the signing secret; `decode(text, key)` refuses anything whose MAC does not
  match (compared in constant time), so a value is only ever one the bot wrote, for this kind.
- checked on the server (`SIGNED = False`): every field is re-checked against the database and
  the clicker when it comes back (a worklist line's account, a worklist page's agent), so a made-up
  value can ask for nothing the clicker may not have anyway.

Neither kind carries a place to answer (a response_url or a channel): answers go to the person who
clicked, through the request's own response_url or their DM.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError

from bot.errors import UserError
from bot.language.model import N_, _

_KEY_PURPOSE = b"collect-bot/carried-context/v1"


def is_record_id(text: str) -> bool:
    """A database id as the bot puts it in a button (an alert's, an escalation's): ASCII digits,
    short. Not `²`, nor five thousand nines; who may act on the record is decided on the server."""
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


def record_id(text: str, *, button: str = N_("button"), hint: str = "") -> int:
    """The id a button carries; a refusal (nothing done) when it is not one (see is_record_id).
    `button` is marked with N_ by the caller and translated here; `hint` comes translated."""
    if not is_record_id(text):
        raise UserError(_("That {button} is not one of mine.").format(button=_(button)), hint)
    return int(text)


def clicked_record_id(action: dict[str, Any], block_prefix: str, *, button: str, hint: str = "") -> int:
    """The id a clicked element names: its value, or for an element without one (a select) the
    number in its block's id when the bot named that block `<block_prefix>-<number>`. Slack names
    every other block itself, at random, and a random name can be all digits."""
    block = str(action.get("block_id", ""))
    prefix = f"{block_prefix}-"
    from_block = block.removeprefix(prefix) if block.startswith(prefix) else ""
    return record_id(str(action.get("value") or from_block), button=button, hint=hint)


@functools.lru_cache(maxsize=4)
def _derived_key(secret: str) -> bytes:
    """Derived once per secret: a pay's answer makes a CarriedKey for the question it may ask."""
    return hmac.new(secret.encode(), _KEY_PURPOSE, hashlib.sha256).digest()


class CarriedKey:
    """The key that signs carried context: derived from the signing secret, so it needs no setting
    of its own, and used for nothing else (a MAC of ours is never a valid Slack signature)."""

    def __init__(self, signing_secret: SecretStr | str) -> None:
        secret = (
            signing_secret.get_secret_value() if isinstance(signing_secret, SecretStr) else signing_secret
        )
        self._key = _derived_key(secret)

    def mac(self, kind: str, body: str) -> str:
        digest = hmac.new(self._key, kind.encode() + b"\n" + body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def matches(self, kind: str, body: str, mac: str) -> bool:
        try:
            expected = self.mac(kind, body)
        except UnicodeEncodeError:  # a lone surrogate: no text the bot wrote
            return False
        return hmac.compare_digest(expected.encode(), mac.encode("utf-8", "surrogatepass"))


class CarriedRefusedError(ValueError):
    """A carried value that is not one the bot wrote (unsigned, tampered, another kind's) or not valid."""


class Carried(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    SIGNED: ClassVar[bool] = True
    # The key given by signed_with(): the blocks that put a value in a button or a view call
    # encode() without knowing any key.
    _key: CarriedKey | None = PrivateAttr(default=None)

    def signed_with(self, key: CarriedKey) -> Self:
        """This value, to be signed with `key` when it is encoded."""
        copy = self.model_copy()
        copy._key = key
        return copy

    def encode(self, key: CarriedKey | None = None) -> str:
        body = self.model_dump_json(exclude_none=True)
        if not self.SIGNED:
            return body
        key = key or self._key
        if key is None:
            raise ValueError(f"{type(self).__name__} is signed: encode it with the CarriedKey")
        return f"{body}.{key.mac(type(self).__name__, body)}"

    @classmethod
    def decode(cls, text: str, key: CarriedKey | None = None) -> Self:
        """The value as the bot wrote it; CarriedRefusedError for anything else."""
        body = text
        if cls.SIGNED:
            if key is None:
                raise ValueError(f"{cls.__name__} is signed: decode it with the CarriedKey")
            body, _dot, mac = text.rpartition(".")
            if not body or not key.matches(cls.__name__, body, mac):
                raise CarriedRefusedError(f"{cls.__name__}: not signed by this bot")
        try:
            return cls.model_validate_json(body)
        except ValidationError as error:
            raise CarriedRefusedError(f"{cls.__name__}: {error.error_count()} invalid field(s)") from None
        except UnicodeError:
            raise CarriedRefusedError(f"{cls.__name__}: not text") from None


class OverpaymentToConfirm(Carried):
    """A payment larger than the balance, waiting for the agent's confirmation click.

    `nonce` makes a double click record one payment, not two."""

    account_id: str = Field(max_length=64)
    amount: str = Field(max_length=32)
    method: str | None = Field(default=None, max_length=16)
    reference: str | None = Field(default=None, max_length=100)
    nonce: str = Field(max_length=40)


class ModalOrigin(Carried):
    """A ledger or escalate form's context: the account it was opened for, if any. Where to answer
    is not carried: a form's outcome goes to the person's DM."""

    account_id: str | None = Field(default=None, max_length=64)


class WorklistChoice(Carried):
    """An entry of a worklist line's menu: which form to open, prefilled with which account. The
    account is checked against the clicker's access when the form opens and again on submission."""

    SIGNED: ClassVar[bool] = False

    form: Literal["log", "pay", "promise", "escalate", "send"]
    account_id: str = Field(max_length=64)


class DocumentFor(Carried):
    """The account card's "Send a document" button: for which account. Whether the clicker may send
    it one is checked when the form opens, and again at each step after."""

    SIGNED: ClassVar[bool] = False

    account_id: str = Field(max_length=64)


class DocumentChoice(Carried):
    """The form that picks a document's kind and channel: the account it was opened for, and by
    whom (a form is one person's; the account is checked again on submission)."""

    account_id: str = Field(max_length=64)
    opened_by: str = Field(max_length=32)


class DocumentToSend(Carried):
    """The preview form: which document, by which channel, to which account, shown to whom. Signed,
    and still each field is checked again on Send (the kind and channel are parsed as words the bot
    knows, the account against the sender's access): a preview opened by one person is sent by no
    other."""

    account_id: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    opened_by: str = Field(max_length=32)


class WorklistPage(Carried):
    """The "show more" button of a long worklist: whose list, which day, from which line on. Only
    that agent or a supervisor may page it, and the page goes to the clicker."""

    SIGNED: ClassVar[bool] = False

    agent_id: str = Field(max_length=32)
    work_date: str = Field(max_length=10)
    start: int = Field(ge=0, le=100_000)


class DecisionContext(Carried):
    """Carried by the comment and question forms: which escalation, which decision, and the message
    clicked (checked against the escalation's own message on submission)."""

    escalation_id: int
    decision: Literal["approve", "reject", "ask"]
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)


class QuestionToAnswer(Carried):
    """Carried by the agent's answer form: which escalation's question it answers. Who may answer,
    and whether it still waits for an answer, is checked again on submission."""

    escalation_id: int


class ComplaintToResolve(Carried):
    """Carried by a complaint's outcome form: which complaint. Who may resolve it, and whether it is
    still open, is checked again on submission."""

    complaint_id: int = Field(ge=1)
