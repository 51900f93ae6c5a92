"""The sandbox writes to customers end to end: its demo creditor signs the documents, its demo
customers have addresses, and the emails go through the outbox to the sandbox's own SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select

from bot.correspondence import desk
from bot.correspondence.model import DocumentKind, DocumentStatus, SendChannel
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
    deliver_due(runtime)
    deliver_due(runtime)
    [arrived] = sandbox.mailbox.received()
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
