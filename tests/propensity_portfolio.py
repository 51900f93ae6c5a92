"""A generated portfolio whose payers follow a known pattern, for the learned propensity's tests
and its benchmark: customers who answer texts and those who keep their promises pay far more often;
balance and aging (what the rule score weighs) have nothing to do with it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert

from bot.ledger.rules.accounts import account_key
from bot.propensity.model import AccountHistory, ContactEvent, PaymentEvent, PromiseEvent
from storage.database import Database
from storage.models import Account, Contact, Payment, Promise, table_of

PAYMENT = Decimal("50.00")


def generated_histories(
    accounts: int, today: date, days: int = 365, seed: int = 22, every: int = 1
) -> Iterator[AccountHistory]:
    """`accounts` histories over the `days` before `today`. Hidden traits decide who pays: a texter
    (answers texts) and a keeper (keeps promises) each add to the chance of a payment on any day.
    Each account draws from its own seed, so `every` (only the accounts whose number is a multiple
    of it: the training's sample of a large portfolio) gives those accounts exactly as in full."""
    start = today - timedelta(days=days)
    for pk in range(every, accounts + 1, every):
        rng = random.Random(seed * 10_000_019 + pk)
        texter, keeper = rng.random() < 0.4, rng.random() < 0.4
        daily = (0.004 + 0.03 * texter + 0.02 * keeper) * (0.5 + rng.random())
        original = Decimal(rng.randrange(2_000, 9_000))
        # Each kind of event comes after random gaps (a Poisson process a day at a time): a
        # handful of draws per event rather than several per day, so a million accounts are quick.
        payments = [PaymentEvent(day, PAYMENT) for day in _days(rng, start, today, daily)]
        texts = [
            ContactEvent(
                day, "sms", "right-party" if rng.random() < (0.8 if texter else 0.1) else "no-answer"
            )
            for day in _days(rng, start, today, 0.1)
        ]
        calls = [
            ContactEvent(day, "call", "right-party" if rng.random() < 0.3 else "no-answer")
            for day in _days(rng, start, today, 0.07)
        ]
        contacts = sorted(texts + calls, key=lambda contact: contact.on)
        promises = [
            PromiseEvent(
                day,
                "kept" if rng.random() < (0.85 if keeper else 0.2) else "broken",
                day + timedelta(days=7),
                day + timedelta(days=5),
                PAYMENT,
            )
            for day in _days(rng, start, today - timedelta(days=7), 0.02)
        ]
        yield AccountHistory(
            pk=pk,
            due_date=start - timedelta(days=rng.randrange(0, 200)),
            balance=original - PAYMENT * len(payments),
            original_amount=original,
            language=rng.choice(("en", "pt-BR", "es")),
            risk_score=None,
            opened_on=start,
            payments=tuple(payments),
            contacts=tuple(contacts),
            promises=tuple(promises),
        )


def _days(rng: random.Random, start: date, end: date, rate: float) -> Iterator[date]:
    """Days from `start` to before `end` on which an event with this daily chance happens (each
    day one shared object: a million accounts' events take no memory of their own for it)."""
    last = (end - start).days
    offset = int(rng.expovariate(rate))
    while offset < last:
        yield _day(start, offset)
        offset += 1 + int(rng.expovariate(rate))


_DAYS: dict[tuple[date, int], date] = {}


def _day(start: date, offset: int) -> date:
    found = _DAYS.get((start, offset))
    if found is None:
        found = _DAYS[(start, offset)] = start + timedelta(days=offset)
    return found


def _at(day: date) -> datetime:
    return datetime.combine(day, time(15, 0), UTC)  # mid-morning in New York: the same team day


def load_histories(db: Database, histories: list[AccountHistory]) -> None:
    """Written as a CSV import would leave them (source "import"): imported history counts."""
    with db.transaction() as session:
        for history in histories:
            opened = _at(history.opened_on or history.due_date)
            session.execute(
                insert(table_of(Account)),
                [{"id": history.pk, "account_id": f"ACC-{history.pk}", "account_key": account_key(f"ACC-{history.pk}"),
                  "customer_name": f"Customer {history.pk}", "currency": "USD", "balance": history.balance,
                  "original_amount": history.original_amount, "due_date": history.due_date,
                  "language": history.language, "status": "active", "assigned_to": None,
                  "customer_timezone": "America/New_York", "created_at": opened, "updated_at": opened}],
            )  # fmt: skip
        payments = [
            {"account_pk": h.pk, "amount": p.amount, "currency": "USD", "received_at": _at(p.on),
             "recorded_by": "import", "source": "import", "created_at": _at(p.on)}
            for h in histories for p in h.payments
        ]  # fmt: skip
        contacts = [
            {"account_pk": h.pk, "at": _at(c.on) + timedelta(minutes=turn % 600), "channel": c.channel,
             "outcome": c.outcome, "callback_on": c.callback_on, "source": "import", "created_at": _at(c.on)}
            for h in histories for turn, c in enumerate(h.contacts)
        ]  # fmt: skip
        promises = [
            {"account_pk": h.pk, "amount": p.amount or PAYMENT, "currency": "USD",
             "due_date": p.due_on or p.made_on + timedelta(days=5),
             "status": p.status, "paid_toward": Decimal(0), "made_by": "import", "made_at": _at(p.made_on),
             "resolved_at": _at(p.resolved_on) if p.resolved_on else None}
            for h in histories for p in h.promises
        ]  # fmt: skip
        for table, rows in ((Payment, payments), (Contact, contacts), (Promise, promises)):
            if rows:
                session.execute(insert(table_of(table)), rows)
