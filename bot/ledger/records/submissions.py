"""A form's submission claimed in the transaction that records it: the same form arriving twice
records once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import ConflictError, UserError
from bot.language.model import N_, _
from storage.models import ReceivedRequest, table_of
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
    One that was refused wrote nothing, its claim included, and is refused the same way again."""
    try:
        # The session's connection: a plain insert needs none of the ORM's execute steps.
        _CLAIM_REQUEST.run(connection_of(session), {"request_key": key, "received_at": now})
    except IntegrityError:
        raise replayed() from None


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
