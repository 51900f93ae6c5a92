"""compliance refusals and overrides

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 17:40:36.075518
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=False),
        sa.Column("granted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.id"],
            name=op.f("fk_compliance_overrides_account_pk_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_overrides")),
    )
    op.create_table(
        "compliance_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.id"],
            name=op.f("fk_compliance_refusals_account_pk_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_refusals")),
    )
    with op.batch_alter_table("compliance_refusals", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_refusals_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("compliance_refusals", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_refusals_at")

    op.drop_table("compliance_refusals")
    op.drop_table("compliance_overrides")
