"""escalations, account notes, plan instalments, settlement and write-off

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 16:53:03.475953
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", storage.types.MoneyAmount(precision=18, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("instalments", sa.Integer(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recommended_by", sa.String(length=32), nullable=True),
        sa.Column("recommended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.id"],
            name=op.f("fk_escalations_account_pk_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_account", ["account_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalations_message_ts"), ["message_ts"], unique=False)
        batch_op.create_index("ix_escalations_status", ["status"], unique=False)

    op.create_table(
        "account_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.id"],
            name=op.f("fk_account_notes_account_pk_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_account_notes_escalation_id_escalations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_notes")),
        sa.UniqueConstraint("slack_ts", name=op.f("uq_account_notes_slack_ts")),
    )
    with op.batch_alter_table("account_notes", schema=None) as batch_op:
        batch_op.create_index("ix_account_notes_account", ["account_pk"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("settlement_amount", storage.types.MoneyAmount(precision=18, scale=4), nullable=True)
        )
        batch_op.add_column(
            sa.Column("settlement_approved_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("written_off_amount", storage.types.MoneyAmount(precision=18, scale=4), nullable=True)
        )

    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_escalation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("instalment", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_promises_plan_escalation_id_escalations"),
            "escalations",
            ["plan_escalation_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_promises_plan_escalation_id_escalations"), type_="foreignkey")
        batch_op.drop_column("instalment")
        batch_op.drop_column("plan_escalation_id")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("written_off_amount")
        batch_op.drop_column("settlement_approved_at")
        batch_op.drop_column("settlement_amount")
        batch_op.drop_column("hold_until")

    with op.batch_alter_table("account_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_account_notes_account")

    op.drop_table("account_notes")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_status")
        batch_op.drop_index(batch_op.f("ix_escalations_message_ts"))
        batch_op.drop_index("ix_escalations_account")

    op.drop_table("escalations")
