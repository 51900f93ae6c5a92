"""Builders for a small, realistic team and portfolio, written straight into the test database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.ledger.rules.accounts import account_key
from storage.database import Database
from storage.models import Account, Agent

SET_UP_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def add_agent(db: Database, slack_user_id: str, name: str, role: str = "agent", **fields: object) -> None:
    with db.transaction() as session:
        session.add(
            Agent(
                slack_user_id=slack_user_id,
                name=name,
                role=role,
                languages=str(fields.pop("languages", "en")),
                created_at=SET_UP_AT,
                updated_at=SET_UP_AT,
                **fields,
            )
        )


def add_account(
    db: Database,
    account_id: str,
    balance: str,
    *,
    currency: str = "USD",
    customer_name: str = "Maria Silva",
    due_date: date = date(2026, 10, 1),
    assigned_to: str | None = "U0AGENT1",
    status: str = "active",
    customer_timezone: str | None = "America/New_York",
    **fields: object,
) -> None:
    with db.transaction() as session:
        session.add(
            Account(
                account_id=account_id,
                account_key=account_key(account_id),
                customer_name=customer_name,
                currency=currency,
                balance=Decimal(balance),
                due_date=due_date,
                assigned_to=assigned_to,
                status=status,
                customer_timezone=customer_timezone,
                created_at=SET_UP_AT,
                updated_at=SET_UP_AT,
                **fields,
            )
        )


def standard_team(db: Database) -> None:
    """Two agents (one speaks Portuguese), a supervisor, and a handful of accounts in three currencies."""
    add_agent(db, "U0AGENT1", "Ana Agent")
    add_agent(db, "U0AGENT2", "João Agente", languages="pt;en")
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1042", "1250.00", customer_name="Maria Silva")
    add_account(db, "ACC-1043", "80.00", customer_name="<!channel> & Sons")
    add_account(
        db, "ACC-2001", "4310.00", currency="BRL", customer_name="Pedro Álvares", assigned_to="U0AGENT2"
    )
    add_account(db, "EU-77", "40.00", currency="EUR", customer_name="Jean Dupont")


def morning_team(db: Database) -> None:
    """Three agents with room for three accounts each (one speaks Portuguese, one is senior), a
    supervisor, and accounts for the morning run to hand out, keep with their agent or leave alone."""
    add_agent(db, "U0AGENT1", "Ana Agent", daily_capacity=3)
    add_agent(db, "U0AGENT2", "João Agente", languages="pt;en", daily_capacity=3)
    add_agent(db, "U0SENIOR", "Sara Senior", tier="senior", daily_capacity=3)
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    add_account(db, "ACC-1", "250.00", assigned_to="U0AGENT1", customer_name="<!channel> & Sons")
    add_account(db, "ACC-2", "900.00", assigned_to=None)
    # 100 days past due on the morning of Monday 23 November 2026.
    add_account(db, "ACC-3", "40.00", assigned_to=None, due_date=date(2026, 8, 15))
    add_account(db, "BR-1", "1200.00", currency="BRL", language="pt", assigned_to=None)
    add_account(db, "BIG-1", "25000.00", assigned_to="U0AGENT1")  # high value: a senior agent's
    add_account(db, "HOLD-1", "500.00", status="on_hold", hold_reason="dispute")
    add_account(db, "CEASE-1", "500.00", status="on_hold", hold_reason="cease-communication")
    add_account(db, "PAID-1", "0.00", status="paid")
