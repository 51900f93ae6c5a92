"""The sandbox writes to customers end to end: its demo creditor signs the documents, its demo
customers have addresses, and the emails go through the outbox to the sandbox's own SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select

from bot.correspondence import desk
from bot.correspondence.model import DocumentKind, DocumentStatus, SendChannel
from bot.correspondence.records import document_facts
from bot.correspondence.rules import missing_for_kind
from bot.outbox.job import deliver_due
from storage.database import Database
from storage.models import Account
from tests.conftest import MONDAY_9AM
from tests.portfolio import add_account, add_agent
from wiring.sandbox.launch import RunningSandbox, running_sandbox

SUPERVISOR = "U0SUPER1"


def small_team(db: Database) -> None:
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    add_account(
        db, "ACC-1042", "1250.00", customer_name="Maria Silva", email="maria@customer.example",
        address_line1="12 Elm St", city="Boston", region="MA", postal_code="02101",
    )  # fmt: skip


@pytest.fixture
def sandbox(database_url: str) -> Iterator[RunningSandbox]:
    with running_sandbox(port=0, database_url=database_url, start=MONDAY_9AM, prepare=small_team) as running:
        yield running


def test_an_email_sent_in_the_sandbox_arrives_in_its_mailbox_once(sandbox: RunningSandbox) -> None:
    runtime = sandbox.world.runtime
    assert sandbox.mailbox is not None and sandbox.mailbox.received() == []
    sent = desk.send(
        runtime,
        account_id="ACC-1042",
        kind=DocumentKind.STATEMENT,
        channel=SendChannel.EMAIL,
        actor=SUPERVISOR,
    )
    assert sent.status == DocumentStatus.SENT
    deliver_due(runtime)  # or the sandbox's scheduler does, on its own thread
    [arrived] = sandbox.mailbox.wait_for(1)
    deliver_due(runtime)
    assert len(sandbox.mailbox.received()) == 1
    assert arrived.to == ("maria@customer.example",)
    message = message_from_bytes(arrived.content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert "Sandbox Credit Co." in str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    [pdf] = list(message.iter_attachments())
    assert pdf.get_filename() == "statement-ACC-1042.pdf"


def test_most_demo_customers_have_a_postal_address(database_url: str) -> None:
    with (
        running_sandbox(port=0, database_url=database_url, seed=7, start=MONDAY_9AM) as running,
        running.world.runtime.db.reading() as session,
    ):
        total = session.scalar(select(func.count()).select_from(Account)) or 0
        addressed = session.scalar(select(func.count()).where(Account.address_line1.is_not(None))) or 0
    assert total > 0 and 0.6 < addressed / total < 0.95


def test_demo_us_accounts_can_be_sent_a_validation_notice(database_url: str) -> None:
    with running_sandbox(port=0, database_url=database_url, seed=7, start=MONDAY_9AM) as running:
        runtime = running.world.runtime
        with runtime.db.reading() as session:
            usd = session.scalars(
                select(Account.account_id)
                .where(Account.currency == "USD", Account.balance > Decimal(0))
                .limit(20)
            ).all()
            others = session.scalar(
                select(func.count()).where(Account.currency != "USD", Account.itemization_date.is_not(None))
            )
            facts = [
                document_facts(
                    session, account_id, DocumentKind.VALIDATION_NOTICE, runtime.settings, runtime.today()
                )
                for account_id in usd
            ]
    assert usd and others == 0
    for fact in facts:
        assert fact.itemization is not None and missing_for_kind(fact) is None
        assert fact.itemization.credits == 0 and fact.itemization.on <= runtime.today()
