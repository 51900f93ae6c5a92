"""escalations: the account as it was at the request, and what the decision applied

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requested_balance", storage.types.MoneyAmount(precision=18, scale=4), nullable=True)
        )
        batch_op.add_column(sa.Column("requested_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("requested_assignee", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("requested_hold_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("applied_amount", storage.types.MoneyAmount(precision=18, scale=4), nullable=True)
        )
        batch_op.add_column(sa.Column("returned_because", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("returned_because")
        batch_op.drop_column("applied_amount")
        batch_op.drop_column("requested_hold_reason")
        batch_op.drop_column("requested_assignee")
        batch_op.drop_column("requested_status")
        batch_op.drop_column("requested_balance")
