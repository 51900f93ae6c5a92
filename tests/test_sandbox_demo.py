"""The sandbox's demo team and portfolio: what it holds, that its history agrees with itself and with
the rules, that the same seed gives the same rows, and that the morning run finds work for everyone."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from bot.aging import AgingBucket, aging_bucket, days_past_due
from bot.assignments.job.planning import plan_day
from bot.compliance.rules.contact_limits import ContactHistory, call_block
from bot.escalations.rules import add_months
from bot.ledger.rules.accounts import account_key
from bot.ledger.rules.promises import counts_toward
from bot.settings import load_settings
from storage.database import Database
from storage.models import Account, Agent, AuditEntry, Base, Contact, Escalation, Payment, Promise
from storage.schema import upgrade
from tests.conftest import MONDAY_9AM
from wiring.sandbox.demo import DemoDatabaseNotEmptyError, DemoTeam, seed_demo

ZONE = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 23)  # MONDAY_9AM in New York
SEED = 7
GRACE = timedelta(days=1)
AGENT_IDS = tuple(f"U0AGENT{n:02d}" for n in range(1, 9))


@dataclass
class Demo:
    team: DemoTeam
    members: list[Agent]
    accounts: list[Account]
    contacts: dict[int, list[Contact]]
    payments: dict[int, list[Payment]]
    promises: dict[int, list[Promise]]
    escalations: list[Escalation]
    audit: list[AuditEntry]

    @property
    def all_contacts(self) -> list[Contact]:
        return [c for found in self.contacts.values() for c in found]

    @property
    def all_payments(self) -> list[Payment]:
        return [p for found in self.payments.values() for p in found]

    @property
    def all_promises(self) -> list[Promise]:
        return [p for found in self.promises.values() for p in found]

    def open_accounts(self) -> list[Account]:
        return [a for a in self.accounts if a.status != "paid"]


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.account_pk].append(row)
    return grouped


def seeded(db: Database, *, seed: int = SEED, now: datetime = MONDAY_9AM, zone: ZoneInfo = ZONE) -> Demo:
    team = seed_demo(db, seed=seed, now=now, zone=zone)
    with db.reading() as session:
        return Demo(
            team=team,
            members=list(session.scalars(select(Agent).order_by(Agent.id))),
            accounts=list(session.scalars(select(Account).order_by(Account.id))),
            contacts=_grouped(session.scalars(select(Contact).order_by(Contact.at, Contact.id))),
            payments=_grouped(session.scalars(select(Payment).order_by(Payment.received_at, Payment.id))),
            promises=_grouped(session.scalars(select(Promise).order_by(Promise.id))),
            escalations=list(session.scalars(select(Escalation))),
            audit=list(session.scalars(select(AuditEntry))),
        )


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path, _postgres_ready: str | None
) -> Demo:
    """Seeded once, into a database prepared as conftest's `database_url` prepares one, for the tests
    that only read: the rows are read into memory, so later tests emptying the database lose nothing."""
    if _postgres_ready:
        url = _postgres_ready
        empty = Database(url)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with empty.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        empty.dispose()
    else:
        path = tmp_path_factory.mktemp("demo") / "collect.db"
        shutil.copyfile(_sqlite_template, path)
        url = f"sqlite:///{path}"
    db = Database(url)
    try:
        return seeded(db)
    finally:
        db.dispose()


def share(part: int, whole: int) -> float:
    return part / whole


# --- the team --------------------------------------------------------------------------------------


def test_the_team_by_role_language_tier_and_limit(demo: Demo) -> None:
    assert demo.team == DemoTeam(
        agents=AGENT_IDS,
        supervisors=("U0SUPER01", "U0SUPER02"),
        managers=("U0MANAGER1",),
        supervisor_channel="C0SUPERVISORS",
    )
    by_role = Counter(m.role for m in demo.members)
    assert by_role == {"agent": 8, "supervisor": 2, "manager": 1}
    agents = [m for m in demo.members if m.role == "agent"]
    assert {a.slack_user_id for a in agents} == set(AGENT_IDS)
    assert all(a.daily_capacity == 25 and a.active for a in agents)
    assert sorted(a.slack_user_id for a in agents if a.languages == "pt;en") == ["U0AGENT02", "U0AGENT05"]
    # The Portuguese speakers read the bot in Portuguese, Lucía in Spanish; the rest as Slack says.
    assert {a.slack_user_id: a.locale for a in agents if a.locale} == {
        "U0AGENT02": "pt-BR", "U0AGENT05": "pt-BR", "U0AGENT03": "es",
    }  # fmt: skip
    assert sum(1 for a in agents if "pt" in a.languages.split(";")) == 2
    assert 1 <= sum(1 for a in agents if a.tier == "senior") <= 2
    limits = {m.slack_user_id: m.approval_limit for m in demo.members if m.role == "supervisor"}
    assert limits == {"U0SUPER01": Decimal(1000), "U0SUPER02": Decimal(2500)}
    assert all(m.daily_capacity is None for m in demo.members if m.role != "agent")
    names = [m.name for m in demo.members]
    assert len(set(names)) == len(names)
    assert sum(1 for name in names if not name.isascii()) >= 3  # João, Lucía, Nguyễn…


# --- the accounts ------------------------------------------------------------------------------------


def test_accounts_currencies_customers_and_assignment(demo: Demo) -> None:
    accounts = demo.accounts
    assert [a.account_id for a in accounts] == [f"ACC-{100001 + n}" for n in range(2000)]
    assert all(a.account_key == account_key(a.account_id) for a in accounts)
    currencies = Counter(a.currency for a in accounts)
    assert 0.55 <= share(currencies["USD"], 2000) <= 0.65
    assert 0.15 <= share(currencies["EUR"], 2000) <= 0.25
    assert 0.15 <= share(currencies["BRL"], 2000) <= 0.25
    assert set(currencies) == {"USD", "EUR", "BRL"}
    languages = Counter(a.language for a in accounts)
    assert {"en", "pt", "es", "fr", "de", "pl", "vi"} <= set(languages)
    assert sum(1 for a in accounts if not a.customer_name.isascii()) > 400
    assert share(sum(1 for a in accounts if a.phone), 2000) > 0.8
    assert share(sum(1 for a in accounts if a.email), 2000) > 0.65
    assert share(sum(1 for a in accounts if a.customer_timezone), 2000) > 0.75
    zones = {a.customer_timezone for a in accounts}
    assert {"America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/Lisbon",
            "Europe/Paris", "America/Sao_Paulo"} <= zones  # fmt: skip
    assert all(ZoneInfo(zone) for zone in zones if zone)
    assigned = [a for a in accounts if a.assigned_to]
    assert 0.65 <= share(len(assigned), 2000) <= 0.75
    assert {a.assigned_to for a in assigned} == set(AGENT_IDS)
    scored = [a.risk_score for a in accounts if a.risk_score is not None]
    assert 0.4 <= share(len(scored), 2000) <= 0.6
    assert all(0 <= score <= 100 for score in scored)
    assert all(a.created_at <= MONDAY_9AM and a.updated_at == MONDAY_9AM for a in accounts)


def test_accounts_carry_the_kind_of_credit_they_are(demo: Demo) -> None:
    products = Counter(a.product for a in demo.accounts)
    assert set(products) == {"card", "personal-loan", "auto", "telecom", None}
    assert 0.35 <= share(products["card"], 2000) <= 0.45
    assert 0.02 <= share(products[None], 2000) <= 0.08  # a few the billing system sent without one


def test_balances_span_the_portfolio_and_high_values_are_rare(demo: Demo) -> None:
    open_accounts = demo.open_accounts()
    balances = [a.balance for a in open_accounts]
    assert min(balances) >= Decimal(50) and max(balances) <= Decimal(60_000)
    assert all(b == b.quantize(Decimal("0.01")) for b in balances)
    high = sum(1 for b in balances if b >= Decimal(10_000))
    assert 0.004 <= share(high, len(balances)) <= 0.02
    median = sorted(balances)[len(balances) // 2]
    assert Decimal(300) < median < Decimal(1200)
    # High balances go to agents allowed to take them.
    seniors = {m.slack_user_id for m in demo.members if m.tier == "senior"}
    assert all(
        a.assigned_to in seniors for a in open_accounts if a.balance >= Decimal(10_000) and a.assigned_to
    )


def test_due_dates_fall_in_every_aging_bucket(demo: Demo) -> None:
    buckets = Counter(aging_bucket(days_past_due(a.due_date, TODAY)) for a in demo.accounts)
    assert set(buckets) == set(AgingBucket)
    assert all(count >= 100 for count in buckets.values()), buckets


def test_portuguese_customers_go_to_the_portuguese_speakers(demo: Demo) -> None:
    speakers = {"U0AGENT02", "U0AGENT05"}
    brl = [a for a in demo.accounts if a.currency == "BRL"]
    assert share(sum(1 for a in brl if a.language == "pt"), len(brl)) > 0.8
    assert share(sum(1 for a in brl if a.customer_timezone in (None, "America/Sao_Paulo")), len(brl)) > 0.7
    portuguese = [a for a in demo.accounts if a.language == "pt" and a.assigned_to]
    assert len(portuguese) > 150
    assert share(sum(1 for a in portuguese if a.assigned_to in speakers), len(portuguese)) > 0.75
    brazilian_phones = [a.phone for a in brl if a.phone]
    assert all(phone.startswith("+55 ") for phone in brazilian_phones)


def test_holds_and_paid_accounts(demo: Demo) -> None:
    held = Counter(a.hold_reason for a in demo.accounts if a.status == "on_hold")
    assert 10 <= held["dispute"] <= 30
    assert 3 <= held["cease-communication"] <= 15
    assert held["bankruptcy"] == 1
    assert all(a.hold_reason is None for a in demo.accounts if a.status != "on_hold")
    for account in (a for a in demo.accounts if a.hold_reason == "dispute"):
        assert demo.contacts[account.id][-1].outcome == "dispute"
    paid = [a for a in demo.accounts if a.status == "paid"]
    assert 40 <= len(paid) <= 120
    assert all(a.balance == 0 for a in paid)
    assert all(a.balance > 0 for a in demo.accounts if a.status != "paid")
    for account in paid:  # nothing was attempted after the account was paid off
        last_payment = demo.payments[account.id][-1].received_at
        assert all(c.at < last_payment for c in demo.contacts[account.id])
    held_or_closed = {a.id for a in demo.accounts if a.status in ("on_hold", "paid")}
    assert not [p for p in demo.all_promises if p.status == "open" and p.account_pk in held_or_closed]


# --- the history ---------------------------------------------------------------------------------------


def test_balances_are_the_original_amount_less_the_payments(demo: Demo) -> None:
    for account in demo.accounts:
        payments = demo.payments.get(account.id, [])
        assert account.original_amount is not None
        paid = sum((p.amount for p in payments), Decimal(0))
        assert account.balance == account.original_amount - paid, account.account_id
        assert account.original_amount >= account.balance
        assert all(p.currency == account.currency and p.amount > 0 for p in payments)
    payers = [pk for pk, found in demo.payments.items() if found]
    assert 0.2 <= share(len(payers), 2000) <= 0.3
    assert Counter(len(demo.payments[pk]) for pk in payers).keys() == {1, 2, 3}


def test_payments_fit_their_currency_and_are_referenced(demo: Demo) -> None:
    fits = {"USD": {"card", "ach", "check"}, "EUR": {"card", "wire"}, "BRL": {"pix", "boleto", "card"}}
    methods: dict[str, set[str]] = defaultdict(set)
    for payment in demo.all_payments:
        assert payment.method is not None
        methods[payment.currency].add(payment.method)
        assert payment.reference is not None and payment.reference.startswith("TX-")
        assert payment.received_at < MONDAY_9AM
        assert payment.received_at >= MONDAY_9AM - timedelta(days=92)
        assert payment.recorded_by == "import" or payment.recorded_by in AGENT_IDS
    assert methods == fits
    references = [p.reference for p in demo.all_payments]
    assert len(set(references)) == len(references)


def test_denormalised_facts_agree_with_contacts_and_payments(demo: Demo) -> None:
    for account in demo.accounts:
        contacts = demo.contacts.get(account.id, [])
        conversations = [c.at for c in contacts if c.outcome in ("right-party", "refused", "dispute")]
        assert account.last_contact_at == (max(c.at for c in contacts) if contacts else None)
        assert account.last_conversation_at == (max(conversations) if conversations else None)
        latest = max(contacts, key=lambda c: c.at) if contacts else None
        assert account.callback_on == (latest.callback_on if latest else None), account.account_id
        payments = demo.payments.get(account.id, [])
        last = max(payments, key=lambda p: p.received_at) if payments else None
        assert account.last_payment_date == (last.received_at.astimezone(ZONE).date() if last else None)
        assert account.last_payment_amount == (last.amount if last else None)
    callbacks = [a.callback_on for a in demo.accounts if a.callback_on is not None]
    assert 20 <= len(callbacks) <= 60
    assert all(TODAY <= day <= TODAY + timedelta(days=7) for day in callbacks)
    assert TODAY in callbacks  # callbacks asked for today
    for account in (a for a in demo.accounts if a.callback_on is not None):
        assert demo.contacts[account.id][-1].outcome == "callback"


def test_contacts_are_realistic_and_at_working_hours(demo: Demo) -> None:
    contacts = demo.all_contacts
    per_open_account = len(contacts) / len(demo.open_accounts())
    assert 6 <= per_open_account <= 10
    assert {c.channel for c in contacts} == {"call", "email", "sms", "letter"}
    outcomes = Counter(c.outcome for c in contacts)
    assert 0.15 <= share(outcomes["right-party"], len(contacts)) <= 0.25
    assert share(outcomes["no-answer"] + outcomes["left-message"], len(contacts)) > 0.55
    for rare in ("callback", "wrong-number", "refused", "third-party"):
        assert 0 < share(outcomes[rare], len(contacts)) < 0.05, rare
    start = datetime.combine(TODAY - timedelta(days=92), datetime.min.time(), ZONE)
    midnight = datetime.combine(TODAY, datetime.min.time(), ZONE)
    for contact in contacts:
        local = contact.at.astimezone(ZONE)
        assert start <= contact.at < midnight  # three months, all before today
        assert local.weekday() < 5 and 9 <= local.hour < 17
        assert contact.agent in AGENT_IDS
    by_owner = 0
    owned = 0
    for account in demo.accounts:
        if account.assigned_to:
            found = demo.contacts.get(account.id, [])
            owned += len(found)
            by_owner += sum(1 for c in found if c.agent == account.assigned_to)
    assert share(by_owner, owned) > 0.85


def test_contacts_keep_regulation_f_and_the_customers_hours(demo: Demo) -> None:
    for account in demo.accounts:
        calls: list[date] = []
        conversation: date | None = None
        for contact in demo.contacts.get(account.id, []):
            if account.customer_timezone:
                assert 8 <= contact.at.astimezone(ZoneInfo(account.customer_timezone)).hour < 21
            if contact.channel != "call":
                continue
            day = contact.at.astimezone(ZONE).date()
            history = ContactHistory(tuple(d for d in calls if d > day - timedelta(days=7)), conversation)
            assert call_block(history, day) is None, (account.account_id, contact.at)
            calls.append(day)
            if contact.outcome == "right-party":
                conversation = day


def test_open_promises_due_today_coming_and_broken(demo: Demo) -> None:
    accounts = {a.id: a for a in demo.accounts}
    single = [p for p in demo.all_promises if p.status == "open" and p.plan_escalation_id is None]
    due_today = [p for p in single if p.due_date == TODAY]
    coming = [p for p in single if p.due_date > TODAY]
    broken = [p for p in single if p.due_date + GRACE < TODAY]
    assert 10 <= len(due_today) <= 20
    assert 30 <= len(coming) <= 50
    assert 3 <= len(broken) <= 15
    assert all(p.due_date <= TODAY + timedelta(days=14) for p in coming)
    for promise in single:
        account = accounts[promise.account_pk]
        assert account.status == "promised"
        assert Decimal(0) < promise.amount <= account.balance
        assert promise.paid_toward == 0 and promise.resolved_at is None
        # Made on a conversation with the customer, by the agent who logged it.
        assert any(
            c.at == promise.made_at and c.outcome == "right-party" and c.agent == promise.made_by
            for c in demo.contacts[promise.account_pk]
        )
    promised = [a for a in demo.accounts if a.status == "promised"]
    assert sorted(a.id for a in promised) == sorted(p.account_pk for p in single)


def test_resolved_promises_agree_with_the_payments(demo: Demo) -> None:
    kept = [p for p in demo.all_promises if p.status == "kept"]
    broken = [p for p in demo.all_promises if p.status == "broken"]
    assert len(kept) >= 100 and len(broken) >= 50
    for promise in kept:
        assert promise.paid_toward == promise.amount and promise.resolved_at is not None
        counting = [p for p in demo.payments[promise.account_pk] if counts(p, promise)]
        assert sum((p.amount for p in counting), Decimal(0)) >= promise.amount
    for promise in broken:
        assert promise.resolved_at is not None and promise.paid_toward == 0
        assert promise.due_date + GRACE < promise.resolved_at.astimezone(ZONE).date() <= TODAY
        assert not [p for p in demo.payments.get(promise.account_pk, []) if counts(p, promise)]


def counts(payment: Payment, promise: Promise) -> bool:
    return counts_toward(
        made_at=promise.made_at,
        due_date=promise.due_date,
        received_at=payment.received_at,
        grace_days=GRACE.days,
        zone=ZONE,
    )


def test_one_approved_payment_plan_with_its_instalments(demo: Demo) -> None:
    [plan] = demo.escalations
    assert (plan.kind, plan.status, plan.channel) == ("payment-plan", "approved", "C0SUPERVISORS")
    assert plan.decided_by in demo.team.supervisors
    assert plan.decided_at is not None and plan.amount is not None
    assert plan.requested_at < plan.decided_at < MONDAY_9AM
    account = next(a for a in demo.accounts if a.id == plan.account_pk)
    assert account.status == "plan" and plan.currency == account.currency
    assert plan.requested_by == account.assigned_to
    instalments = sorted(
        (p for p in demo.promises[account.id] if p.plan_escalation_id == plan.id), key=lambda p: p.id
    )
    assert plan.instalments == 6 and [p.instalment for p in instalments] == [1, 2, 3, 4, 5, 6]
    decided_day = plan.decided_at.astimezone(ZONE).date()
    first = add_months(decided_day, 1)
    assert [p.due_date for p in instalments] == [add_months(first, n) for n in range(6)]
    assert instalments[0].due_date < TODAY < instalments[1].due_date
    assert all(p.amount == plan.amount for p in instalments[:-1])
    assert instalments[-1].amount <= plan.amount
    assert all(p.made_at == plan.decided_at and p.made_by == plan.requested_by for p in instalments)
    first_paid, *rest = instalments
    assert first_paid.status == "kept" and first_paid.paid_toward == first_paid.amount
    [payment] = demo.payments[account.id]
    assert payment.amount == first_paid.amount and plan.decided_at < payment.received_at
    assert payment.received_at.astimezone(ZONE).date() <= first_paid.due_date
    assert all(p.status == "open" and p.paid_toward == 0 for p in rest)
    assert sum((p.amount for p in rest), Decimal(0)) == account.balance


def test_the_seeding_is_audited(demo: Demo) -> None:
    [entry] = demo.audit
    assert (entry.action, entry.actor, entry.at) == ("demo.seeded", "sandbox", MONDAY_9AM)
    assert entry.after is not None and entry.after["seed"] == SEED and entry.after["accounts"] == 2000


# --- determinism, the morning run, speed ------------------------------------------------------------------


def digest(db: Database) -> str:
    """Every row of every table, in id order, as text."""
    hashed = hashlib.sha256()
    with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table).order_by(*table.primary_key.columns)):
                values = [json.dumps(v, sort_keys=True) if isinstance(v, dict) else repr(v) for v in row]
                hashed.update(f"{table.name}|{'|'.join(values)}\n".encode())
    return hashed.hexdigest()


def fresh_sqlite(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    return db


def test_the_same_seed_gives_the_same_rows(db: Database, tmp_path: Path) -> None:
    seed_demo(db, seed=SEED, now=MONDAY_9AM, zone=ZONE)
    again, other = fresh_sqlite(tmp_path / "again.db"), fresh_sqlite(tmp_path / "other.db")
    try:
        seed_demo(again, seed=SEED, now=MONDAY_9AM, zone=ZONE)
        seed_demo(other, seed=SEED + 1, now=MONDAY_9AM, zone=ZONE)
        assert digest(db) == digest(again)
        assert digest(other) != digest(db)
    finally:
        again.dispose()
        other.dispose()


def test_every_agent_gets_a_worklist_from_the_morning_run(db: Database) -> None:
    demo = seeded(db)
    settings = load_settings(COLLECT_TIMEZONE="America/New_York")
    with db.reading() as session:
        plan = plan_day(session, TODAY, settings)
    assert set(plan.allocation.lists) == set(AGENT_IDS)
    assert all(plan.allocation.lists[agent] for agent in AGENT_IDS)
    placed = [c.pk for found in plan.allocation.lists.values() for c in found]
    assert len(placed) == len(set(placed))
    held = {a.id for a in demo.accounts if a.status == "on_hold"}
    assert not held & set(placed)
    assert plan.left_off["on hold: dispute"] >= 10


def test_another_zone_and_a_sunday(db: Database) -> None:
    lisbon = ZoneInfo("Europe/Lisbon")
    sunday_night = datetime(2026, 6, 7, 22, 30, tzinfo=UTC)  # Sunday 23:30 in Lisbon
    today = sunday_night.astimezone(lisbon).date()
    demo = seeded(db, seed=3, now=sunday_night, zone=lisbon)
    assert any(p.due_date == today and p.status == "open" for p in demo.all_promises)
    for contact in demo.all_contacts:
        local = contact.at.astimezone(lisbon)
        assert local.date() < today and local.weekday() < 5 and 9 <= local.hour < 17
    assert all(m.timezone == "Europe/Lisbon" for m in demo.members)


def test_only_an_empty_database_is_seeded(db: Database) -> None:
    seed_demo(db, seed=SEED, now=MONDAY_9AM, zone=ZONE)
    with pytest.raises(DemoDatabaseNotEmptyError):
        seed_demo(db, seed=SEED, now=MONDAY_9AM, zone=ZONE)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 2000
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_now_must_be_aware(db: Database) -> None:
    with pytest.raises(ValueError, match="aware"):
        seed_demo(db, seed=SEED, now=MONDAY_9AM.replace(tzinfo=None), zone=ZONE)


def test_the_weekly_digest_of_the_demo_has_worklist_lines_worked_for_every_agent(db: Database) -> None:
    """The demo's three months of history come with the worklists they were worked from: the weekly
    digest on Monday shows each agent's lines worked of assigned, not 0/0 (the demo once wrote
    contacts but no worklist, so every agent showed 0/0)."""
    from bot.reports.records.numbers import build_report
    from storage.models import Assignment

    seeded(db)
    settings = load_settings(COLLECT_TIMEZONE="America/New_York")
    last_week = TODAY - timedelta(days=7)
    with db.reading() as session:
        report = build_report(session, "week", last_week, settings, MONDAY_9AM)
        lines = list(session.scalars(select(Assignment)))
        contacts = list(session.scalars(select(Contact)))
    # Independently: a line is worked when its account had an attempt, by anyone, on the line's day.
    attempted = {(c.account_pk, c.at.astimezone(ZONE).date()) for c in contacts}
    days = {TODAY - timedelta(days=n) for n in range(1, 8)}
    for agent in report.agents:
        mine = [line for line in lines if line.agent == agent.agent_id and line.work_date in days]
        worked = sum((line.account_pk, line.work_date) in attempted for line in mine)
        assert (agent.accounts_worked, agent.accounts_assigned) == (worked, len(mine)), agent.name
        assert 0 < agent.accounts_worked < agent.accounts_assigned, agent.name
    per_day = Counter((line.work_date, line.agent) for line in lines)
    assert max(per_day.values()) <= 25  # no list longer than an agent's daily capacity
    assert all(day < TODAY and day.weekday() < 5 for day, _agent in per_day)  # today's is the morning run's
    assert {day for day, _agent in per_day} >= {TODAY - timedelta(days=n) for n in (3, 4, 5, 6, 7)}
    owners = {a.id: a.assigned_to for a in db_accounts(db)}
    assert all(owners[line.account_pk] == line.agent for line in lines)


def db_accounts(db: Database) -> list[Account]:
    with db.reading() as session:
        return list(session.scalars(select(Account)))
