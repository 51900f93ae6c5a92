"""A form's submission claimed in the transaction that records it: the same form arriving twice
records once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import ConflictError
from bot.language.model import N_, _
from storage.models import ReceivedRequest

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
