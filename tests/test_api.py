"""The billing API over real HTTP, on SQLite and PostgreSQL: signed requests only, each applied once,
payments through the same pipeline as the CSV feed with a result per item, accounts upserted, an
account read back; HTTP mode and Socket Mode serve it alike."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from bot.clock import ManualClock
from bot.imports.desk import import_file
from bot.imports.model import ArrivedPayment, ImportKind, ImportOptions
from bot.imports.rules import read_csv
from bot.runtime import Runtime
from handlers.api import BillingApi
from storage.database import Database
from storage.models import Account, ApiRequest, AuditEntry, Payment
from tests.billing_api import NEW_SECRET, OLD_SECRET, BillingSystem, label_of
from tests.conftest import RunningBot, make_runtime, serving
from tests.portfolio import standard_team
from wiring.app import create_wsgi_app
from wiring.serving import BackgroundServer
from wiring.standin.web_api import SlackStandIn

pytestmark = pytest.mark.settings(COLLECT_API_SECRET=OLD_SECRET)

PAYMENTS = "/api/v1/payments"
ACCOUNTS = "/api/v1/accounts"


def payment(
    account_id: str = "ACC-1042", amount: Any = "250.00", reference: str = "BANK-991", **more: Any
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "amount": amount,
        "currency": more.pop("currency", "USD"),
        "received_at": more.pop("received_at", "2026-11-23T08:30:00-05:00"),
        "reference": reference,
        **more,
    }


@pytest.fixture
def billing(team: RunningBot) -> BillingSystem:
    return BillingSystem(team.url, team.clock)


def balance(db: Database, account_id: str) -> Decimal:
    with db.reading() as session:
        return session.scalars(select(Account.balance).where(Account.account_id == account_id)).one()


def payments_of(db: Database, account_id: str) -> list[Payment]:
    with db.reading() as session:
        query = (
            select(Payment)
            .join(Account, Account.id == Payment.account_pk)
            .where(Account.account_id == account_id)
        )
        return list(session.scalars(query.order_by(Payment.id)))


def audit_actors(db: Database, action: str) -> list[str]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(AuditEntry.actor).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def count(db: Database, model: type[Any]) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- Signing ------------------------------------------------------------------------------------------


def test_a_signed_payment_is_applied_answered_and_audited_with_its_key(
    team: RunningBot, billing: BillingSystem
) -> None:
    answer = billing.post(PAYMENTS, {"payments": [payment(method="ach", payer="Maria")]})
    assert answer.status == 200, answer.raw
    body = answer.json()
    [paid] = payments_of(team.runtime.db, "ACC-1042")
    assert body == {
        "results": [{"index": 0, "result": "applied", "payment_id": paid.id}],
        "counts": {"applied": 1, "duplicate": 0, "refused": 0},
    }
    assert answer.headers["content-type"] == "application/json"
    assert balance(team.runtime.db, "ACC-1042") == Decimal("1000.00")
    assert (paid.source, paid.recorded_by, paid.method, paid.reference) == (
        "api",
        f"api:{label_of(OLD_SECRET)}",
        "ach",
        "BANK-991",
    )
    assert audit_actors(team.runtime.db, "payment.recorded") == [f"api:{label_of(OLD_SECRET)}"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Collect-Timestamp": "", "X-Collect-Signature": ""},
        {"X-Collect-Signature": ""},
        {"X-Collect-Signature": "v1=" + "0" * 64},
        {"X-Collect-Signature": "v0=abc"},
        {"X-Collect-Timestamp": "soon"},
        {"X-Collect-Timestamp": "1" * 40},
    ],
    ids=[
        "unsigned",
        "no-signature",
        "wrong-signature",
        "other-scheme",
        "timestamp-not-a-number",
        "timestamp-huge",
    ],
)
def test_a_request_not_signed_right_gets_401_and_changes_nothing(
    team: RunningBot, billing: BillingSystem, headers: dict[str, str]
) -> None:
    answer = billing.post(PAYMENTS, {"payments": [payment()]}, headers=headers)
    assert answer.status == 401, answer.raw
    assert answer.json()["error"] == "unauthorized" and answer.json()["detail"]
    assert payments_of(team.runtime.db, "ACC-1042") == []
    assert count(team.runtime.db, ApiRequest) == 0


def test_a_request_signed_with_a_key_not_configured_gets_401(team: RunningBot) -> None:
    stranger = BillingSystem(team.url, team.clock, secrets=(NEW_SECRET,))
    assert stranger.post(PAYMENTS, {"payments": [payment()]}).status == 401
    assert stranger.account("ACC-1042").status == 401
    assert payments_of(team.runtime.db, "ACC-1042") == []


def test_a_body_changed_after_signing_gets_401(team: RunningBot, billing: BillingSystem) -> None:
    signed = b'{"payments": [{"account_id": "ACC-1042", "amount": "2.50"}]}'
    headers = billing.signed_headers(signed)
    answer = billing.send("POST", PAYMENTS, signed.replace(b"2.50", b"250"), headers=headers, signed=False)
    assert answer.status == 401


@pytest.mark.parametrize(("offset", "status"), [(-301, 401), (-300, 200), (300, 200), (301, 401)])
def test_a_timestamp_more_than_five_minutes_away_either_way_gets_401(
    team: RunningBot, billing: BillingSystem, offset: int, status: int
) -> None:
    now = int(team.clock.now().timestamp())
    answer = billing.post(PAYMENTS, {"payments": [payment()]}, timestamp=now + offset)
    assert answer.status == status, answer.raw
    assert len(payments_of(team.runtime.db, "ACC-1042")) == (1 if status == 200 else 0)


@pytest.mark.settings(COLLECT_API_SECRET=f"{OLD_SECRET}, {NEW_SECRET}")
def test_while_a_key_is_rotated_both_work_and_the_audit_names_which(team: RunningBot) -> None:
    old = BillingSystem(team.url, team.clock, secrets=(OLD_SECRET,))
    new = BillingSystem(team.url, team.clock, secrets=(NEW_SECRET,))
    both = BillingSystem(team.url, team.clock, secrets=(NEW_SECRET, OLD_SECRET))
    assert old.post(PAYMENTS, {"payments": [payment(amount="1", reference="R-OLD")]}).status == 200
    assert new.post(PAYMENTS, {"payments": [payment(amount="2", reference="R-NEW")]}).status == 200
    # A sender signing with both at once, as Stripe does while it rolls a secret: one v1= each.
    assert both.post(PAYMENTS, {"payments": [payment(amount="3", reference="R-BOTH")]}).status == 200
    # Signed with both, the request is named after the first configured key that verifies it.
    assert audit_actors(team.runtime.db, "payment.recorded") == [
        f"api:{label_of(OLD_SECRET)}",
        f"api:{label_of(NEW_SECRET)}",
        f"api:{label_of(OLD_SECRET)}",
    ]
    assert label_of(OLD_SECRET) != label_of(NEW_SECRET)
    assert OLD_SECRET[:8] not in label_of(OLD_SECRET)


def test_the_same_signed_request_again_is_answered_the_same_and_applied_once(
    team: RunningBot, billing: BillingSystem
) -> None:
    body = b'{"payments": [{"account_id": "ACC-1042", "amount": "250.00", "currency": "USD", "received_at": "2026-11-23", "reference": "R-1"}]}'
    headers = billing.signed_headers(body)
    first = billing.send("POST", PAYMENTS, body, headers=headers, signed=False)
    team.clock.advance(timedelta(minutes=2))
    again = billing.send("POST", PAYMENTS, body, headers=headers, signed=False)
    assert first.status == again.status == 200
    assert again.json() == first.json() and first.json()["counts"]["applied"] == 1
    assert again.headers.get("x-collect-replayed") == "true" and "x-collect-replayed" not in first.headers
    assert len(payments_of(team.runtime.db, "ACC-1042")) == 1
    assert audit_actors(team.runtime.db, "payment.recorded") == [f"api:{label_of(OLD_SECRET)}"]
    # Once its timestamp is stale a replay is refused by the clock, whether or not it is still remembered.
    team.clock.advance(timedelta(minutes=4))
    assert billing.send("POST", PAYMENTS, body, headers=headers, signed=False).status == 401


def test_the_same_request_sent_twice_at_once_is_applied_once(
    team: RunningBot, billing: BillingSystem
) -> None:
    body = b'{"payments": [{"account_id": "ACC-1042", "amount": "10", "currency": "USD", "received_at": "2026-11-23", "reference": "RACE-1"}]}'
    headers = billing.signed_headers(body)
    answers: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda: answers.append(billing.send("POST", PAYMENTS, body, headers=headers, signed=False))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status for answer in answers] == [200] * 4
    assert len({answer.raw for answer in answers}) == 1
    assert len(payments_of(team.runtime.db, "ACC-1042")) == 1


# --- Limits -------------------------------------------------------------------------------------------


@pytest.mark.settings(
    COLLECT_API_SECRET=OLD_SECRET, COLLECT_API_MAX_BODY_BYTES="2048", COLLECT_API_MAX_ITEMS="3"
)
def test_a_body_over_the_limit_gets_413_before_it_is_read(team: RunningBot, billing: BillingSystem) -> None:
    # Refused on its announced length: not read, not parsed, the signature not even checked.
    announced = billing.send("POST", PAYMENTS, b"x" * 100_000, signed=False)
    assert announced.status == 413 and announced.json()["detail"] == {"max_body_bytes": 2048}
    # Beyond a mebibyte the server (waitress) refuses it before the API sees it, without waiting for it.
    assert billing.send("POST", PAYMENTS, b"", announce=10_000_000).status == 413
    big = {"payments": [payment(payer="x" * 3000)]}
    assert billing.post(PAYMENTS, big).status == 413
    many = billing.post(PAYMENTS, {"payments": [payment(reference=f"R-{n}") for n in range(4)]})
    assert many.status == 413 and many.json() == {
        "error": "too many items",
        "detail": {"items": 4, "max_items": 3},
    }
    assert payments_of(team.runtime.db, "ACC-1042") == []
    assert (
        billing.post(
            PAYMENTS, {"payments": [payment(reference=f"R-{n}", amount="1") for n in range(3)]}
        ).status
        == 200
    )


@pytest.mark.settings(COLLECT_API_SECRET="")
def test_with_no_secret_the_api_is_not_there(team: RunningBot, billing: BillingSystem) -> None:
    for method, path in [
        ("POST", PAYMENTS),
        ("POST", ACCOUNTS),
        ("GET", "/api/v1/accounts/ACC-1042"),
        ("GET", "/api/openapi.json"),
    ]:
        answer = billing.send(method, path, b'{"payments": []}')
        assert answer.status == 404, (method, path)
    assert payments_of(team.runtime.db, "ACC-1042") == []
    assert billing.send("GET", "/healthz", b"").status == 200


def test_unknown_paths_and_methods_are_answered_in_json(billing: BillingSystem) -> None:
    assert billing.get("/api/v2/payments").status == 404
    wrong = billing.get(PAYMENTS)
    assert (
        wrong.status == 405
        and wrong.headers["allow"] == "POST"
        and wrong.json()["error"] == "method not allowed"
    )
    assert billing.post("/api/v1/accounts/ACC-1042", {}).status == 405


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"not json", 400, "the body is not JSON"),
        (b"\xff\xfe", 400, "the body is not UTF-8 text"),
        (b'{"payments": [NaN]}', 400, "the body is not JSON"),
        (b"[" * 100_000, 400, "the body is not JSON"),
        (b"[]", 422, None),
        (b'{"payments": {}}', 422, None),
        (b'{"payments": [], "extra": 1}', 422, None),
        (b'{"payments": []}', 422, None),
        (b'{"accounts": [{}]}', 422, None),
    ],
)
def test_a_body_that_is_not_a_list_of_payments_is_refused_whole_with_a_clear_message(
    team: RunningBot, billing: BillingSystem, body: bytes, status: int, error: str | None
) -> None:
    answer = billing.post(PAYMENTS, body)
    assert answer.status == status, answer.raw
    assert set(answer.json()) == {"error", "detail"}
    if error:
        assert answer.json()["error"] == error
    assert count(team.runtime.db, ApiRequest) == 0


# --- Per item -----------------------------------------------------------------------------------------


def test_a_mixed_batch_gets_a_result_per_item_and_applies_what_is_right(
    team: RunningBot, billing: BillingSystem
) -> None:
    db = team.runtime.db
    assert billing.post(PAYMENTS, {"payments": [payment(reference="EARLIER-1", amount="5")]}).status == 200
    team.clock.advance(timedelta(seconds=1))
    answer = billing.post(
        PAYMENTS,
        {
            "payments": [
                payment(amount=Decimal("100.10")),  # a JSON number, read as the exact decimal
                payment(reference="earlier\u20111", amount="5"),  # the earlier one, however the dash is typed
                payment(account_id="NOPE-1"),
                payment(account_id="EU-77", currency="USD"),
                payment(amount="12.345"),
                "ACC-1042 250",
                {"account_id": "ACC-1042", "amount": "1"},
                payment(ammount="1"),
                payment(amount=True),
                payment(reference="BANK-991"),  # repeats the first item of this batch
                payment(account_id="ACC-2001", amount=250, currency="BRL", reference="PIX-1", method="pix"),
            ]
        },
    )
    assert answer.status == 200, answer.raw
    results = answer.json()["results"]
    assert [(item["index"], item["result"]) for item in results] == [
        (0, "applied"), (1, "duplicate"), (2, "refused"), (3, "refused"), (4, "refused"), (5, "refused"),
        (6, "refused"), (7, "refused"), (8, "refused"), (9, "duplicate"), (10, "applied"),
    ]  # fmt: skip
    reasons = {item["index"]: item.get("reason", "") for item in results}
    assert "account_id" in reasons[2] and "NOPE-1" in reasons[2]
    assert "currency" in reasons[3] and "EUR" in reasons[3]
    assert reasons[4].startswith("amount")
    assert "not a JSON object" in reasons[5]
    assert "currency: is missing" in reasons[6] and "reference: is missing" in reasons[6]
    assert '"ammount": not a field' in reasons[7]
    assert "amount: must be text or a number" in reasons[8]
    assert answer.json()["counts"] == {"applied": 2, "duplicate": 2, "refused": 7}
    assert balance(db, "ACC-1042") == Decimal("1250.00") - Decimal("5") - Decimal("100.10")
    assert balance(db, "ACC-2001") == Decimal("4060.00")
    assert [p.amount for p in payments_of(db, "ACC-1042")] == [Decimal("5.00"), Decimal("100.10")]


def test_a_refusal_does_not_repeat_the_customers_personal_values(
    team: RunningBot, billing: BillingSystem
) -> None:
    answer = billing.post(PAYMENTS, {"payments": [payment(payer="Maria Silva " * 30)]})
    [item] = answer.json()["results"]
    assert item["result"] == "refused" and "Maria" not in item["reason"] and "payer" in item["reason"]


def test_the_same_payment_by_api_then_in_the_csv_feed_is_one_payment(
    team: RunningBot, billing: BillingSystem
) -> None:
    db = team.runtime.db
    assert (
        billing.post(PAYMENTS, {"payments": [payment(reference="bank-991")]}).json()["counts"]["applied"] == 1
    )
    feed = "account_id,amount,received_at,currency,reference\nACC-1042,250.00,2026-11-23,USD,BANK\u2011991\nACC-1043,10.00,2026-11-23,USD,B-2\n"
    options = ImportOptions(team.clock.now(), team.runtime.zone, 1)
    summary = import_file(db, read_csv(io.StringIO(feed, newline=""), ImportKind.PAYMENTS), options)
    assert (summary.created, summary.skipped_duplicate) == (1, 1)
    assert len(payments_of(db, "ACC-1042")) == 1
    # And the other way round: what the feed brought, the API then finds a duplicate.
    again = billing.post(
        PAYMENTS, {"payments": [payment(account_id="ACC-1043", amount="10.00", reference="b-2")]}
    )
    assert again.json()["results"] == [{"index": 0, "result": "duplicate"}]


# --- Accounts -----------------------------------------------------------------------------------------


def account_item(account_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "customer_name": fields.pop("customer_name", "Maria Silva"),
        "balance": fields.pop("balance", "1250.00"),
        "currency": fields.pop("currency", "USD"),
        "due_date": fields.pop("due_date", "2026-10-01"),
        **fields,
    }


def test_accounts_are_upserted_with_a_result_per_item(team: RunningBot, billing: BillingSystem) -> None:
    db = team.runtime.db
    with db.transaction() as session:
        session.execute(
            update(Account).where(Account.account_id == "ACC-1042").values(email="maria@example.com")
        )
    answer = billing.post(
        ACCOUNTS,
        {
            "accounts": [
                account_item("NEW-1", balance=Decimal("99.90"), phone="+1 555 0100"),
                account_item("ACC-1042", balance="1100.00"),  # no email: the recorded one stays
                account_item("ACC-1043", customer_name="<!channel> & Sons", balance="80.00"),
                account_item("EU-77", currency="USD", customer_name="Jean Dupont", balance="40.00"),
                account_item("BAD-1", balance="-5"),
                account_item("NEW-1", balance="1"),
            ]
        },
    )
    assert answer.status == 200, answer.raw
    results = [(item["index"], item["result"]) for item in answer.json()["results"]]
    assert results == [
        (0, "created"),
        (1, "updated"),
        (2, "unchanged"),
        (3, "refused"),
        (4, "refused"),
        (5, "refused"),
    ]
    assert answer.json()["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "refused": 3}
    assert balance(db, "NEW-1") == Decimal("99.90") and balance(db, "ACC-1042") == Decimal("1100.00")
    with db.reading() as session:
        kept = session.scalars(select(Account).where(Account.account_id == "ACC-1042")).one()
        assert kept.email == "maria@example.com"
    label = f"api:{label_of(OLD_SECRET)}"
    assert audit_actors(db, "import.created") == [label] and audit_actors(db, "import.updated") == [label]


def test_the_us_validation_notices_itemization_comes_through_the_api(
    team: RunningBot, billing: BillingSystem
) -> None:
    item = account_item(
        "ITEM-1", balance="1150.00", itemization_date="2026-09-30", itemization_amount=1200,
        interest_since="25.00", fees_since=0,
    )  # fmt: skip
    answer = billing.post(ACCOUNTS, {"accounts": [item, account_item("ITEM-2", interest_since="-1")]})
    assert answer.status == 200, answer.raw
    assert [result["result"] for result in answer.json()["results"]] == ["created", "refused"]
    assert "interest_since" in str(answer.json()["results"][1])
    with team.runtime.db.reading() as session:
        kept = session.scalars(select(Account).where(Account.account_id == "ITEM-1")).one()
    assert (kept.itemization_date, kept.itemization_amount, kept.interest_since, kept.fees_since) == (
        date(2026, 9, 30), Decimal("1200.00"), Decimal("25.00"), Decimal("0.00"),
    )  # fmt: skip


def test_an_accounts_product_comes_through_the_api_optional_and_checked(
    team: RunningBot, billing: BillingSystem
) -> None:
    answer = billing.post(
        ACCOUNTS,
        {"accounts": [account_item("PROD-1", product="card"), account_item("PROD-2", product="Credit Card"),
                      account_item("PROD-3", product=None)]},
    )  # fmt: skip
    assert answer.status == 200, answer.raw
    results = answer.json()["results"]
    assert [result["result"] for result in results] == ["created", "refused", "created"]
    assert "product: `Credit Card` is not a product code" in str(results[1]) and "credit-card" in str(
        results[1]
    )
    # Sent again without the field: the recorded product stays (the field is optional, as in the file).
    again = billing.post(ACCOUNTS, {"accounts": [account_item("PROD-1", balance="1000.00")]})
    assert [result["result"] for result in again.json()["results"]] == ["updated"]
    with team.runtime.db.reading() as session:
        products = dict(session.execute(select(Account.account_id, Account.product)).all())
    assert products["PROD-1"] == "card" and products["PROD-3"] is None and "PROD-2" not in products
    item = billing.get("/api/openapi.json").json()["components"]["schemas"]["Account"]
    assert "product" in item["properties"] and "product" not in item.get("required", [])


# --- Reading an account -------------------------------------------------------------------------------


def test_an_account_reads_back_with_balance_days_past_due_promise_and_hold(
    team: RunningBot, billing: BillingSystem
) -> None:
    team.collect("U0AGENT1", "promise ACC-1042 250 friday")
    team.collect("U0AGENT1", "hold EU-77 dispute says it was paid")
    answer = billing.account("acc-1042")
    assert answer.status == 200, answer.raw
    assert answer.json() == {
        "account_id": "ACC-1042",
        "status": "promised",
        "balance": {"amount": "1250.00", "currency": "USD"},
        "days_past_due": 53,  # from 1 October to Monday 23 November, the team's today
        "open_promise": {"amount": {"amount": "250.00", "currency": "USD"}, "due_date": "2026-11-27"},
        "hold": None,
    }
    held = billing.account("EU-77").json()
    assert (
        held["status"] == "on_hold"
        and held["hold"]["reason"] == "dispute"
        and held["balance"]["currency"] == "EUR"
    )
    billing.post(
        PAYMENTS, {"payments": [payment(account_id="ACC-1043", amount="80.00", reference="PAID-OFF")]}
    )
    paid = billing.account("ACC-1043").json()
    assert (paid["status"], paid["balance"]["amount"], paid["days_past_due"]) == ("paid", "0.00", 0)
    missing = billing.account("NOPE-1")
    assert missing.status == 404 and missing.json() == {
        "error": "no such account",
        "detail": {"account_id": "NOPE-1"},
    }
    assert billing.get("/api/v1/accounts/ACC-1042", signed=False).status == 401


# --- What a payment causes, and both modes -------------------------------------------------------------


def test_a_payment_runs_the_after_step_inside_and_refreshes_homes_after_commit(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> None:
    seen: list[tuple[str, ...]] = []
    refreshed: list[str] = []

    def arrived(
        session: Session, runtime: Runtime, payments: Sequence[ArrivedPayment], now: datetime
    ) -> set[str]:
        # Inside the transaction: the payment is there to read before anything commits.
        assert session.get(Payment, payments[0].payment_id) is not None
        seen.append(tuple(p.account_id for p in payments))
        return {"U0AGENT1"}

    runtime = make_runtime(db, database_url, standin, clock, COLLECT_API_SECRET=OLD_SECRET)
    standard_team(db)
    wsgi = create_wsgi_app(runtime)
    # As the coordinator wires the live effects of a payment (bot/assignments/records/arrivals.py).
    wsgi.api = BillingApi(runtime, after_payments=arrived, refresh_home=refreshed.append)
    with BackgroundServer(wsgi) as server:
        billing = BillingSystem(server.url, clock)
        assert billing.post(PAYMENTS, {"payments": [payment(), payment(account_id="NOPE")]}).status == 200
        # Nothing arrived: nothing to tell, no Home to refresh.
        assert billing.post(PAYMENTS, {"payments": [payment()]}).json()["counts"]["duplicate"] == 1
    wsgi.answerer.shutdown()
    assert seen == [("ACC-1042",)] and refreshed == ["U0AGENT1"]


def test_socket_mode_serves_the_api_beside_healthz(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> None:
    with serving(db, database_url, standin, clock, mode="socket", COLLECT_API_SECRET=OLD_SECRET) as running:
        standard_team(db)
        billing = BillingSystem(running.url, clock)
        assert billing.post(PAYMENTS, {"payments": [payment()]}).json()["counts"]["applied"] == 1
        assert billing.account("ACC-1042").json()["balance"] == {"amount": "1000.00", "currency": "USD"}
        assert billing.post(PAYMENTS, {"payments": [payment()]}, signed=False).status == 401
        assert billing.get("/api/openapi.json").status == 200
        assert billing.get("/healthz").status == 200
    assert date(2026, 11, 23) == clock.now().date()


def test_a_fault_of_the_bots_own_is_a_500_with_an_error_id_and_writes_nothing(
    team: RunningBot, billing: BillingSystem, caplog: pytest.LogCaptureFixture
) -> None:
    db = team.runtime.db
    # The table a payment's request is remembered in, gone: the import has written the payment when it fails.
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE api_requests RENAME TO api_requests_away"))
    try:
        answer = billing.post(PAYMENTS, {"payments": [payment()]})
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE api_requests_away RENAME TO api_requests"))
    assert answer.status == 500
    body = answer.json()
    assert body["error"] == "internal error" and len(body["detail"]["error_id"]) == 8
    assert "Traceback" not in answer.raw.decode() and "api_requests" not in answer.raw.decode()
    assert body["detail"]["error_id"] in caplog.text
    assert payments_of(db, "ACC-1042") == [] and balance(db, "ACC-1042") == Decimal("1250.00")
    assert billing.post(PAYMENTS, {"payments": [payment()]}).json()["counts"]["applied"] == 1
