"""strategy: champion/challenger draws per account and segment, and the supervisors' decisions

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strategy_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=40), nullable=False),
        sa.Column("arm", sa.String(length=16), nullable=False),
        sa.Column("treatment", sa.String(length=40), nullable=False),
        sa.Column("assigned_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.id"],
            name=op.f("fk_strategy_assignments_account_pk_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_assignments")),
        sa.UniqueConstraint("account_pk", "segment", name="uq_strategy_assignments_account_segment"),
    )
    with op.batch_alter_table("strategy_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_strategy_assignments_segment", ["segment", "arm"], unique=False)
    op.create_table(
        "strategy_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=40), nullable=False),
        sa.Column("challenger", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_decisions")),
    )


def downgrade() -> None:
    op.drop_table("strategy_decisions")
    with op.batch_alter_table("strategy_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_strategy_assignments_segment")
    op.drop_table("strategy_assignments")
