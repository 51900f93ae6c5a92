"""accounts: a refusal or a dispute is a conversation too, for last_conversation_at

A right-party contact is any conversation with the debtor (outcomes right-party, refused, dispute),
as the RPC rate counts it; accounts.last_conversation_at (read by the alerts and the worklist score)
followed right-party alone. Accounts with a later refusal or dispute are brought up to date.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Spelled out, not imported: a migration keeps meaning what it meant when it was written.
_CONVERSATIONS = ("right-party", "refused", "dispute")
_BEFORE = ("right-party",)
_ADDED = ("refused", "dispute")

_accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("last_conversation_at", sa.DateTime))
_contacts = sa.table(
    "contacts",
    sa.column("account_pk", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("outcome", sa.String),
)


def _recompute(outcomes: tuple[str, ...]) -> None:
    """last_conversation_at = the latest contact with one of `outcomes`, for the accounts that have
    a refusal or a dispute (the only ones the two definitions disagree on); set-based, one UPDATE."""
    mine = _contacts.c.account_pk == _accounts.c.id
    latest = sa.select(sa.func.max(_contacts.c.at)).where(mine, _contacts.c.outcome.in_(outcomes))
    affected = sa.exists().where(mine, _contacts.c.outcome.in_(_ADDED))
    op.execute(_accounts.update().where(affected).values(last_conversation_at=latest.scalar_subquery()))


def upgrade() -> None:
    _recompute(_CONVERSATIONS)


def downgrade() -> None:
    _recompute(_BEFORE)
