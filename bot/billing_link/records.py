"""The billing API's reads and its memory of the signed requests it applied."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.aging import days_past_due
from bot.billing_link.model import AccountState, Answer, OpenPromise
from bot.billing_link.render import items_body
from bot.imports.model import ArrivedPayment, ImportSummary
from bot.imports.records import AfterImport
from bot.imports.rules import Record
from bot.ledger.records.accounts import open_promise
from bot.ledger.rules.accounts import account_key
from bot.runtime import Runtime
from bot.vocabulary import CLOSED_STATUSES
from storage.models import Account, ApiRequest, table_of

AfterPayments = Callable[[Session, Runtime, Sequence[ArrivedPayment], datetime], set[str]]
"""What a live payment changes at once, inside the transaction that records it (the agent's line
and DM queued, alerts cleared); the Slack ids whose Home is refreshed once it commits."""


def remembered_answer(session: Session, digest: str) -> Answer | None:
    """The answer a signed request got the first time it was applied, if it was."""
    found = session.execute(
        select(ApiRequest.status, ApiRequest.response).where(ApiRequest.request_digest == digest)
    ).one_or_none()
    if found is None:
        return None
    return Answer(found.status, json.loads(found.response), replayed=True)


@dataclass(frozen=True, slots=True)
class Remembered:
    """How a signed request is remembered: what identifies it, where it went, who signed it, when."""

    digest: str
    path: str
    key_label: str
    at: datetime


def remember(session: Session, request: Remembered, answer: Answer) -> None:
    """In the transaction that applies the request: the same request again finds it (and, racing this
    one, fails on the key and is answered from here once this one commits)."""
    session.execute(
        insert(table_of(ApiRequest)),
        {
            "request_digest": request.digest,
            "received_at": request.at,
            "path": request.path[:64],
            "key_label": request.key_label,
            "status": answer.status,
            "response": json.dumps(answer.body, separators=(",", ":")),
        },
    )


def answered_and_remembered(
    runtime: Runtime,
    records: Sequence[Record],
    request: Remembered,
    after_payments: AfterPayments | None,
    *,
    answered: list[Answer],
    homes: set[str],
) -> AfterImport:
    """The step the import runs inside its transaction: what the payments change at once (the Homes
    to refresh after commit go to `homes`), the answer (to `answered`), and the request remembered
    with it, so that all of it commits together or not at all."""

    def after(session: Session, summary: ImportSummary) -> None:
        if after_payments is not None and summary.arrived:
            homes.update(after_payments(session, runtime, summary.arrived, request.at))
        answer = Answer(200, items_body(summary, records))
        remember(session, request, answer)
        answered.append(answer)

    return after


def account_state(session: Session, account_id: str, today: date) -> AccountState | None:
    """None when there is no such account (no suggestions of close ids: the billing system has them)."""
    account = session.scalars(select(Account).where(Account.account_key == account_key(account_id))).first()
    if account is None:
        return None
    promise = open_promise(session, account)
    return AccountState(
        account_id=account.account_id,
        status=account.status,
        balance=account.balance,
        currency=account.currency,
        # Nothing is past due on a closed account, whatever its due date was.
        days_past_due=0 if account.status in CLOSED_STATUSES else days_past_due(account.due_date, today),
        open_promise=OpenPromise(promise.amount, promise.due_date) if promise is not None else None,
        hold_reason=account.hold_reason,
        hold_until=account.hold_until,
    )
