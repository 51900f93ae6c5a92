"""A form's submission claimed in the transaction that records it: the same form arriving twice
records once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import ConflictError, UserError
from bot.language.model import N_, _
from storage.models import Contact, Payment, ReceivedRequest, table_of
from storage.prepared import PreparedStatement, connection_of

# Whole sentences, not a word put into one: a contact and a promise take different articles elsewhere.
_RECORDED = {
    "contact": N_("This form was already submitted: the contact is recorded."),
    "promise": N_("This form was already submitted: the promise is recorded."),
    "document": N_("This form was already submitted: the document is sent."),
}


class AlreadySubmittedError(ConflictError):
    """The same form, for the same account, arrived again: what it records is recorded already."""

    def __init__(self, what: str) -> None:
        problem = _(_RECORDED[what]) if what in _RECORDED else _("This form was already submitted.")
        super().__init__(problem, _("Nothing new was saved."))


def replayed() -> UserError:
    """Built when refused, in the reader's language."""
    return UserError(
        _("This exact command was already received, so it was not done again."),
        _("Type the command again if you meant to do it twice."),
    )


# Built once, a plain insert: every slash command makes this claim.
_CLAIM_REQUEST = PreparedStatement(
    insert(table_of(ReceivedRequest)), column_keys=("request_key", "received_at")
)


def claim_command(session: Session, key: str, *, now: datetime) -> None:
    """A slash command's claim (its signature's digest, or its Socket Mode envelope) written first in
    the transaction that applies it, instead of in one of its own: the same command arriving again
    waits on the key until this one is over, then is refused (UserError) if this one committed.
    One that was refused wrote nothing, its claim included, and is refused the same way again.
    A pay and a log keep theirs on the payment or the contact they write instead (row_claim)."""
    try:
        # The session's connection: a plain insert needs none of the ORM's execute steps.
        _CLAIM_REQUEST.run(connection_of(session), {"request_key": key, "received_at": now})
    except IntegrityError:
        raise replayed() from None


def _dedupe_key_length(row: type[Payment] | type[Contact]) -> int:
    kind = table_of(row).c.dedupe_key.type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length


# What a payment's and a contact's dedupe_key hold (64 characters).
_ROW_KEY_LENGTH = min(_dedupe_key_length(Payment), _dedupe_key_length(Contact))


def row_claim(key: str) -> str:
    """A pay's or a log's claim as kept on the payment or the contact it writes, in that row's
    unique dedupe_key: a row of received_requests of its own wrote four of a pay's fifteen pages on
    SQLite (its table and two indexes; issue 23). The key's first 64 characters: `slash:` and 58 of
    the digest's 64 hex digits (232 bits), as unlikely to meet another command's as all of them."""
    assert key.startswith(("slash:", "envelope:")), "a slash command's claim"
    return key[:_ROW_KEY_LENGTH]


def claim_form(session: Session, submission: str, *, what: str, now: datetime) -> None:
    """Claims a form's submission in the transaction that records it, so a second arrival of the
    same form records nothing (payments keep their own key on the payment)."""
    key = f"form:{submission}"
    if session.get(ReceivedRequest, key) is not None:
        raise AlreadySubmittedError(what)
    session.add(ReceivedRequest(request_key=key, received_at=now))
    try:
        session.flush()
    except IntegrityError:  # the same form at the same moment, claimed by the other request
        raise AlreadySubmittedError(what) from None
