"""The ledger's services against a real database: a collections day in small steps."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.errors import NotFoundError, UserError
from bot.ledger.records.accounts import summarise
from bot.ledger.records.payments import (
    DuplicatePaymentError,
    OverpaymentError,
    PaymentDetails,
    record_typed_payment,
)
from bot.ledger.records.promises import record_promise
from storage.database import Database
from storage.models import Account, AuditEntry, Payment, Promise
from tests.portfolio import standard_team

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)


@pytest.fixture
def ledger(db: Database) -> Database:
    standard_team(db)
    return db


def pay(db: Database, account_id: str, amount: str, *, reference: str | None = None, at: datetime = NOW,
        confirm: str | None = None, actor: str = "U0AGENT1") -> object:  # fmt: skip
    details = PaymentDetails(
        method="card",
        reference=reference,
        payer=None,
        received_at=at,
        actor=actor,
        dedupe_key=f"confirm:{confirm}" if confirm else None,
        allow_overpayment=confirm is not None,
        confirmed=confirm is not None,
    )
    with db.transaction() as session:
        return record_typed_payment(session, account_id, amount, details, now=at, zone=NY, grace_days=1)


def balance(db: Database, account_id: str) -> tuple[Decimal, str]:
    with db.reading() as session:
        account = session.scalars(select(Account).where(Account.account_id == account_id)).one()
        return account.balance, account.status


def count(db: Database, model: type[object]) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_payment_lowers_the_balance_and_is_audited(ledger: Database) -> None:
    pay(ledger, "acc-1042", "$250.00", reference="CHK-77")
    assert balance(ledger, "ACC-1042") == (Decimal("1000.00"), "active")
    with ledger.reading() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.recorded")).one()
    assert entry.before is not None and entry.before["balance"] == "1250.0000"
    assert entry.after is not None and entry.after["balance"] == "1000.0000"
    assert entry.after["payment"]["reference"] == "CHK-77"


def test_a_payment_reaching_zero_marks_the_account_paid(ledger: Database) -> None:
    pay(ledger, "ACC-1043", "80")
    assert balance(ledger, "ACC-1043") == (Decimal("0"), "paid")


def test_brl_amount_with_comma_decimals(ledger: Database) -> None:
    pay(ledger, "ACC-2001", "R$ 1.250,50", actor="U0AGENT2")
    assert balance(ledger, "ACC-2001")[0] == Decimal("3059.50")


def test_overpayment_needs_confirmation_and_writes_nothing(ledger: Database) -> None:
    with pytest.raises(OverpaymentError):
        pay(ledger, "ACC-1043", "100")
    assert balance(ledger, "ACC-1043") == (Decimal("80.00"), "active")
    assert count(ledger, Payment) == 0
    pay(ledger, "ACC-1043", "100", confirm="n1")
    assert balance(ledger, "ACC-1043") == (Decimal("-20.00"), "paid")


def test_a_confirmation_clicked_twice_records_one_payment(ledger: Database) -> None:
    pay(ledger, "ACC-1043", "100", confirm="n1")
    with pytest.raises(DuplicatePaymentError):
        pay(ledger, "ACC-1043", "100", confirm="n1")
    assert count(ledger, Payment) == 1


def test_a_duplicate_reference_is_refused_naming_the_first(ledger: Database) -> None:
    pay(ledger, "ACC-1042", "100", reference="CHK-77")
    with pytest.raises(DuplicatePaymentError) as refused:
        pay(ledger, "ACC-1042", "50", reference="CHK-77")
    assert "$100.00" in refused.value.problem and "Ana Agent" in refused.value.problem
    assert balance(ledger, "ACC-1042")[0] == Decimal("1150.00")


def test_wrong_currency_and_too_precise_amounts_write_nothing(ledger: Database) -> None:
    with pytest.raises(UserError):
        pay(ledger, "EU-77", "$5")
    with pytest.raises(UserError):
        pay(ledger, "ACC-1042", "12.345")
    assert count(ledger, Payment) == 0 and count(ledger, AuditEntry) == 0


def test_unknown_account_suggests_the_closest_ids(ledger: Database) -> None:
    with pytest.raises(NotFoundError) as missing:
        pay(ledger, "ACC-1024", "10")
    assert "ACC-1042" in missing.value.hint


def promise(db: Database, account_id: str, amount: str, when: str, *, now: datetime = NOW) -> object:
    with db.transaction() as session:
        return record_promise(
            session, account_id, amount, when, actor="U0AGENT1", now=now, today=now.astimezone(NY).date()
        )


def test_a_promise_is_kept_by_payments_reaching_it_before_its_date(ledger: Database) -> None:
    promise(ledger, "ACC-1042", "300", "friday")
    assert balance(ledger, "ACC-1042")[1] == "promised"
    pay(ledger, "ACC-1042", "100", at=NOW + timedelta(days=1))
    pay(ledger, "ACC-1042", "200", at=NOW + timedelta(days=2))
    with ledger.reading() as session:
        kept = session.scalars(select(Promise)).one()
    assert kept.status == "kept" and kept.paid_toward == Decimal("300")
    assert balance(ledger, "ACC-1042") == (Decimal("950.00"), "active")


def test_a_payment_after_the_grace_day_does_not_keep_the_promise(ledger: Database) -> None:
    promise(ledger, "ACC-1042", "300", "2026-11-25")
    pay(ledger, "ACC-1042", "300", at=datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    with ledger.reading() as session:
        summary = summarise(session, "ACC-1042", today=date(2026, 11, 27), grace_days=1)
    assert summary.open_promise is not None and summary.open_promise.standing == "broken"


def test_a_new_promise_replaces_the_open_one(ledger: Database) -> None:
    promise(ledger, "ACC-1042", "300", "friday")
    promise(ledger, "ACC-1042", "200", "+14d")
    with ledger.reading() as session:
        statuses = sorted(p.status for p in session.scalars(select(Promise)))
    assert statuses == ["cancelled", "open"]


@pytest.mark.parametrize(
    ("amount", "when"),
    [("300", "2026-11-20"), ("5000", "friday"), ("0", "friday"), ("abc", "friday"), ("300", "someday")],
)
def test_bad_promises_write_nothing(ledger: Database, amount: str, when: str) -> None:
    with pytest.raises(UserError):
        promise(ledger, "ACC-1042", amount, when)
    assert count(ledger, Promise) == 0 and count(ledger, AuditEntry) == 0


def test_twenty_simultaneous_payments_lose_no_update(ledger: Database) -> None:
    barrier = threading.Barrier(20)
    failures: list[BaseException] = []

    def one(n: int) -> None:
        barrier.wait()
        try:
            pay(ledger, "ACC-1042", "1.00", reference=f"R{n}")
        except BaseException as error:  # collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert balance(ledger, "ACC-1042")[0] == Decimal("1230.00")
    assert count(ledger, Payment) == 20


def test_an_agent_works_only_their_own_accounts_and_the_shared_queue(ledger: Database) -> None:
    with pytest.raises(UserError) as refused:
        pay(ledger, "ACC-2001", "10")  # João's account
    assert "not an account you can work" in refused.value.problem
    pay(ledger, "ACC-2001", "10", actor="U0SUPER1")  # a supervisor works any account
    assert balance(ledger, "ACC-2001")[0] == Decimal("4300.00")


def test_a_reference_that_grows_past_its_key_column_is_refused_not_failed(ledger: Database) -> None:
    # NFKC writes U+FDFA out as eighteen letters: thirty of them fit a reference, not its key.
    with pytest.raises(UserError) as refused:
        pay(ledger, "ACC-1042", "10", reference="\ufdfa" * 30)
    assert refused.value.field == "reference" and "too long" in refused.value.problem
    assert count(ledger, Payment) == 0
    pay(ledger, "ACC-1042", "10", reference="\ufdfa" * 22)
    assert count(ledger, Payment) == 1
