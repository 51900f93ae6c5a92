"""The print room's batch of letters (`collect-bot letters`): every letter still queued on a team day
or before, dunning's and those sent by hand, in three steps around the files the command line
writes, each its own transaction:

1. `letters_to_print`: the contact rules are asked again for each queued letter, now. A letter
   whose account was put on hold since it was queued is cancelled with the hold as its reason
   (audited), not kept for later: it states the balance of the day it was written, and printed
   weeks later it would say something untrue. A supervisor sends it again once the hold is lifted.
2. (the command line writes each PDF under a temporary name and renames it when whole)
3. `letters_printed`: the batch's letters become sent, each a contact by letter with its audit
   row, in one transaction. Until then nothing counts; a crash before it leaves them queued, and
   the next run writes the same files again.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.compliance.records import ComplianceRefusedError, note_refusal
from bot.correspondence.model import DocumentKind, SendChannel
from bot.correspondence.records import cancel_document, guard_document, letter_printed
from bot.dunning.model import HeldLetter, Letter
from bot.dunning.records import batch_letters, queued_letters, still_queued
from bot.settings import Settings
from storage.database import Database

ACTOR = "collect-bot"


def letters_to_print(
    db: Database, settings: Settings, day: date, now: datetime
) -> tuple[list[Letter], list[HeldLetter]]:
    """The letters queued on `day` (team's zone) or before that may still go out, by id; those the
    contact rules refuse now are cancelled, in this one transaction, and returned apart."""
    printable: list[Letter] = []
    held: list[HeldLetter] = []
    with db.transaction() as session:
        for document, account, letter in queued_letters(session, day, settings.zone):
            try:
                guard_document(
                    session,
                    account,
                    DocumentKind(document.kind),
                    SendChannel.LETTER,
                    now=now,
                    settings=settings,
                )
            except ComplianceRefusedError as refused:
                note_refusal(session, refused, actor=ACTOR, now=now)
                cancel_document(session, document, reason=refused.rule, actor=ACTOR, now=now)
                held.append(HeldLetter(letter.document_id, letter.account_id, refused.rule))
                continue
            printable.append(letter)
    return printable, held


def letters_printed(db: Database, letters: list[Letter], day: date, now: datetime) -> int:
    """The batch's files are written: its letters count as sent, in one transaction. A letter
    another run already counted (or cancelled meanwhile) is left as it is; returns how many."""
    counted = 0
    with db.transaction() as session:
        for document_id in still_queued(session, [letter.document_id for letter in letters]):
            letter_printed(session, document_id, batch=day, now=now)
            counted += 1
    return counted


def batch_of(db: Database, day: date) -> list[Letter]:
    """Every letter the batch of `day` counted as sent, by id: what its folder and manifest hold."""
    with db.reading() as session:
        return batch_letters(session, day)
