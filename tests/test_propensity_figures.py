"""The running figures of the learned propensity (bot.propensity.records.figures), night after night:
with payments, contacts and promises entering and leaving the 30- and 90-day windows, recorded on
their day, late (dated before the night before: an import of old history) or after the night's
midnight, and promises resolved between the nights, the figures brought forward equal a full
recount, and the rows made from them are the features summed from the events (learned_rows, itself
checked against features() in tests/test_propensity.py), on each database; the rows made all at
once (numpy) are summed_row()'s to the last bit, and their JSON text json.dumps'."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from bot.propensity.model import AccountHistory
from bot.propensity.records import features_json, figures_rows, learned_rows
from bot.propensity.records.figures import (
    FIGURE_NAMES,
    Figures,
    Night,
    bring_figures_to,
    counted_figures,
    midnight,
    money_floats,
)
from bot.propensity.rules import DAYS_CAP, summed_row, summed_rows
from bot.runtime import Runtime
from storage.database import Database
from storage.models import Account, Contact, Payment, Promise, RunningFigures, RunningFiguresNight
from tests.propensity_portfolio import load_histories

ZONE = ZoneInfo("America/New_York")  # the tests' team: the nights cross both DST changes
FIRST_NIGHT = date(2026, 2, 20)
ACCOUNTS = (1, 2, 3, 4)  # 3 keeps its money in euros; 4 is closed (figures kept, never scored)


@dataclass(frozen=True)
class Event:
    kind: str  # payment, contact, promise
    account: int
    offset: int  # days from the night before the step (negative: recorded late)
    clock: int  # 0: the team's midnight, 1: a second before it, 2: mid-morning
    detail: str  # the currency, the channel and outcome, the promise's status
    amount: int
    wait: int  # a promise's days from its making to its resolving


DETAILS = ("USD", "EUR", "call/right-party", "sms/no-answer", "email/refused", "letter/right-party",
           "sms/right-party", "kept", "broken", "open", "later")  # fmt: skip
events = st.builds(
    Event,
    kind=st.sampled_from(["payment", "contact", "promise"]),
    account=st.sampled_from(ACCOUNTS),
    offset=st.integers(-130, 3),
    clock=st.integers(0, 2),
    detail=st.sampled_from(DETAILS),
    amount=st.integers(1, 500),
    wait=st.integers(0, 40),
)
# (days to the next night, the events recorded before it): 0 days is the job run twice in a day;
# 31 to 95 days jump a whole window.
nights = st.lists(
    st.tuples(st.sampled_from([0, 1, 1, 1, 2, 3, 6, 13, 31, 95]), st.lists(events, max_size=10)),
    min_size=2,
    max_size=7,
)


def _moment(day: date, clock: int) -> datetime:
    at = midnight(day, 0, ZONE)
    return at if clock == 0 else at - timedelta(seconds=1) if clock == 1 else at + timedelta(hours=10)


def _record(db: Database, night: date, event: Event) -> None:
    at = _moment(night + timedelta(days=event.offset), event.clock)
    with db.transaction() as session:
        if event.kind == "payment":
            currency = event.detail if event.detail in ("USD", "EUR") else "USD"
            session.add(Payment(account_pk=event.account, amount=Decimal(event.amount) / 4, currency=currency,
                                received_at=at, recorded_by="test", created_at=at))  # fmt: skip
        elif event.kind == "contact":
            channel, outcome = event.detail.split("/") if "/" in event.detail else ("call", "no-answer")
            session.add(Contact(account_pk=event.account, at=at, channel=channel, outcome=outcome, source="test",
                                created_at=at))  # fmt: skip
        else:
            status = event.detail if event.detail in ("kept", "broken", "open") else "open"
            resolved = at + timedelta(days=event.wait) if status != "open" else None
            session.add(Promise(account_pk=event.account, amount=Decimal(50), currency="USD",
                                due_date=at.date() + timedelta(days=5), status=status, paid_toward=Decimal(0),
                                made_by="test", made_at=at, resolved_at=resolved))  # fmt: skip


def _resolve_open_promises(db: Database, night: date, event: Event) -> None:
    """A promise kept or broken between two nights is resolved at that moment (after the night
    before's run, maybe after the next night's midnight too)."""
    at = _moment(night + timedelta(days=max(event.offset, 0)), event.clock) + timedelta(minutes=5)
    status = "kept" if event.amount % 2 else "broken"
    with db.transaction() as session:
        session.execute(
            update(Promise)
            .where(Promise.account_pk == event.account, Promise.status == "open")
            .values(status=status, resolved_at=at)
        )


def _held(db: Database) -> dict[int, Figures]:
    """The figures held (a row whose events have all left the windows is every figure zero: the same
    as no row)."""
    with db.reading() as session:
        found = {
            row[0]: Figures(*row[1:])
            for row in session.execute(
                select(RunningFigures.account_pk, *(getattr(RunningFigures, n) for n in FIGURE_NAMES))
            )
        }
    return {pk: figures for pk, figures in found.items() if not figures.is_empty()}


def _recounted(db: Database, night: date) -> dict[int, Figures]:
    with db.reading() as session:
        last = session.scalars(
            select(RunningFiguresNight).order_by(RunningFiguresNight.id.desc()).limit(1)
        ).one()
        listed = session.execute(select(Account.id, Account.currency).order_by(Account.id)).all()
        counted = counted_figures(
            session, Night(night, last.payments_upto, last.contacts_upto, last.promises_upto), ZONE, listed
        )
    return {pk: figures for pk, figures in counted.items() if not figures.is_empty()}


def _fresh_portfolio(db: Database) -> None:
    with db.transaction() as session:
        for table in ("running_figures_nights", "running_figures", "propensity_scores", "payments", "contacts",
                      "promises", "accounts"):  # fmt: skip
            session.execute(text(f"DELETE FROM {table}"))
    load_histories(
        db,
        [
            AccountHistory(pk=pk, due_date=date(2025, 12, 1), balance=Decimal(900 + pk),
                           original_amount=Decimal(2000), language=("en", "pt-BR", "es", None)[pk - 1],
                           opened_on=date(2025, 1, 1))
            for pk in ACCOUNTS
        ],
    )  # fmt: skip
    with db.transaction() as session:
        session.execute(update(Account).where(Account.id == 3).values(currency="EUR"))
        session.execute(update(Account).where(Account.id == 4).values(status="paid"))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(nights)
def test_the_figures_brought_forward_night_after_night_equal_a_full_recount(
    runtime: Runtime, db: Database, plan: list[tuple[int, list[Event]]]
) -> None:
    _fresh_portfolio(db)
    night = FIRST_NIGHT
    for turn, (forward, recorded) in enumerate(plan):
        for event in recorded:
            if event.kind == "promise" and event.detail == "later":
                _resolve_open_promises(db, night, event)
            else:
                _record(db, night, event)
        night += timedelta(days=forward)
        with db.transaction() as session:
            full = bring_figures_to(session, night, ZONE, _moment(night, 2), recount_after=10_000)
        assert full == (turn == 0)  # summed in full the first night only: then brought forward
        assert _held(db) == _recounted(db, night)
        with db.reading() as session:
            made = {
                pk: row
                for pks, rows in figures_rows(session, night, ZONE)
                for pk, row in zip(pks, rows, strict=True)
            }
            summed = learned_rows(session, night, ZONE)
        assert made == summed and set(made) == {1, 2, 3}


def test_the_figures_are_summed_in_full_the_first_night_a_week_after_and_on_an_earlier_day(
    runtime: Runtime, db: Database
) -> None:
    _fresh_portfolio(db)
    days = [FIRST_NIGHT, FIRST_NIGHT + timedelta(days=1), FIRST_NIGHT + timedelta(days=6),
            FIRST_NIGHT + timedelta(days=7), FIRST_NIGHT + timedelta(days=8), FIRST_NIGHT + timedelta(days=2)]  # fmt: skip
    summed = []
    for day in days:
        _record(db, day, Event("contact", 1, -1, 2, "sms/right-party", 1, 0))
        with db.transaction() as session:
            summed.append(bring_figures_to(session, day, ZONE, _moment(day, 2)))
        assert _held(db) == _recounted(db, day)
    assert summed == [True, False, False, True, False, True]
    with db.reading() as session:
        nights_held = session.scalars(select(RunningFiguresNight.day).order_by(RunningFiguresNight.id)).all()
    assert nights_held == days


# --- the night's rows made all at once ---------------------------------------------------------------

counts = st.integers(0, 400)
money = st.integers(-(10**18) + 1, 10**18 - 1)  # ten-thousandths: every amount a money column holds


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            money,
            st.integers(0, 10**9),
            st.integers(-900, 900),
            st.tuples(*[counts] * 11),
            st.integers(0, DAYS_CAP),
            st.integers(0, DAYS_CAP),
            st.sampled_from([None, "", "en", "EN-us", "pt-BR", "Es", "fr", "english"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_the_rows_made_all_at_once_are_summed_row_to_the_last_bit(accounts: list[tuple[Any, ...]]) -> None:
    """summed_rows() on numpy columns, money read as ten-thousandths (money_floats), against
    summed_row() on the Decimals, row by row; and their JSON text against json.dumps."""
    import numpy as np

    today = date(2026, 11, 23)
    balance, paid, past_due, figures, since_paid, since_talk, language = (
        list(c) for c in zip(*accounts, strict=True)
    )
    numbers = np.array(figures, dtype=np.int64).T
    (payments_90, kept, broken, tried, answered, calls, calls_answered, texts, texts_answered, emails,
     emails_answered) = numbers  # fmt: skip
    made = summed_rows(
        np.array(past_due), money_floats(np.array(balance, dtype=np.int64)),
        money_floats(np.array(paid, dtype=np.int64)), payments_90, np.array(since_paid), kept, broken,
        ((calls_answered, calls), (texts_answered, texts), (emails_answered, emails)), tried - answered,
        np.array(since_talk), language,
    )  # fmt: skip
    one_by_one = [
        summed_row(
            today,
            today - timedelta(days=days),
            float(Decimal(units).scaleb(-4)),
            float(Decimal(paid_units).scaleb(-4)),
            f[0],
            paid_days,
            f[1],
            f[2],
            (f[6] / f[5] if f[5] else 0.0, f[8] / f[7] if f[7] else 0.0, f[10] / f[9] if f[9] else 0.0),
            f[3] - f[4],
            talk_days,
            lang,
        )
        for units, paid_units, days, f, paid_days, talk_days, lang in accounts
    ]
    assert [tuple(row) for row in made.tolist()] == one_by_one
    assert features_json(made) == [json.dumps(list(row)) for row in one_by_one]


def test_the_json_of_the_rows_is_json_dumps_of_each_row() -> None:
    """Each distinct value of a column written once: -0.0 is not 0.0, and every float keeps its
    shortest text."""
    import numpy as np

    rows = np.array(
        [[0.0, -0.0, 0.1 + 0.2, 1e16, 5e-324], [-0.0, 0.0, 0.3, 1e16, 2.5], [0.0, 0.0, 0.3, 1e-7, 2.5]]
    )
    assert features_json(rows) == [json.dumps(row) for row in rows.tolist()]
