"""The billing API's entry points: each request that changes something is one import, in one
transaction, with the record of the request that makes a replay apply nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.billing_link.model import Answer, ApiKey
from bot.billing_link.records import (
    AfterPayments,
    Remembered,
    account_state,
    answered_and_remembered,
    remembered_answer,
)
from bot.billing_link.render import account_body, error_body
from bot.billing_link.rules import fields_sent, item_records, read_json
from bot.imports.desk import import_file
from bot.imports.model import ImportKind, ImportOptions
from bot.imports.rules import CsvFile
from bot.runtime import Runtime

SOURCE = "api"


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A request whose signature verified: the key that signed it and what identifies it."""

    key: ApiKey
    digest: str
    path: str
    body: bytes

    @property
    def actor(self) -> str:
        """Who the audit and the ledger name: the key's label, never the key."""
        return f"api:{self.key.label}"


def receive(
    runtime: Runtime,
    request: SignedRequest,
    kind: ImportKind,
    *,
    after_payments: AfterPayments | None = None,
    refresh_home: Callable[[str], object] | None = None,
) -> Answer:
    """Apply the payments or accounts of one signed request (RequestShapeError, TooManyItemsError when
    the body is not a list of them): a result per item, or the first answer again for a replay."""
    records = item_records(read_json(request.body), kind, runtime.settings.api_max_items)
    with runtime.db.reading() as session:
        earlier = remembered_answer(session, request.digest)
    if earlier is not None:
        return earlier
    now = runtime.now()
    options = ImportOptions(
        now=now,
        zone=runtime.zone,
        grace_days=runtime.settings.promise_grace_days,
        skip_invalid=True,
        actor=request.actor,
        source=SOURCE,
    )
    answered: list[Answer] = []
    homes: set[str] = set()
    after = answered_and_remembered(
        runtime,
        records,
        Remembered(request.digest, request.path, request.key.label, now),
        after_payments,
        answered=answered,
        homes=homes,
    )
    csv_file = CsvFile(kind, fields_sent(records), (), records)
    try:
        import_file(runtime.db, csv_file, options, after=after)
    except IntegrityError:
        # The same request, sent twice at once: the other one applied it and holds its answer.
        with runtime.db.reading() as session:
            earlier = remembered_answer(session, request.digest)
        if earlier is None:
            raise
        return earlier
    if refresh_home is not None:
        for user in sorted(homes):
            refresh_home(user)
    return answered[0]


def read_account(runtime: Runtime, account_id: str) -> Answer:
    with runtime.db.reading() as session:
        state = account_state(session, account_id, runtime.today())
    if state is None:
        return Answer(404, error_body("no such account", {"account_id": account_id}))
    return Answer(200, account_body(state))
