"""escalations: the question a supervisor asked the agent, who asked it and when

The agent gets the question in a direct message and sees it in `/collect escalations` while the
escalation waits for their answer; the thread alone was a place they could not see.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 13:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("asked_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("asked_at")
        batch_op.drop_column("asked_by")
        batch_op.drop_column("question")
