"""running_figures: each account's running figures for the learned propensity, kept up to date
nightly from the events entering and leaving their windows; running_figures_nights: the nights they
were brought to (issue 23: the midnight scores of a million accounts without summing a year of
events every night)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counts = [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in ("tried_90", "answered_90", "calls_90", "calls_answered_90", "texts_90",
                     "texts_answered_90", "emails_90", "emails_answered_90")
    ]  # fmt: skip
    op.create_table(
        "running_figures",
        sa.Column("account_pk", sa.Integer(), nullable=False),
        sa.Column("paid_30", storage.types.MoneyAmount(), nullable=False),
        sa.Column("payments_90", sa.Integer(), nullable=False),
        sa.Column("last_paid_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        *counts,
        sa.Column("last_talk_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("promises_kept", sa.Integer(), nullable=False),
        sa.Column("promises_broken", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.id"],
            name=op.f("fk_running_figures_account_pk_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_pk", name=op.f("pk_running_figures")),
    )
    op.create_table(
        "running_figures_nights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("payments_upto", sa.Integer(), nullable=False),
        sa.Column("contacts_upto", sa.Integer(), nullable=False),
        sa.Column("promises_upto", sa.Integer(), nullable=False),
        sa.Column("recounted", sa.Boolean(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_running_figures_nights")),
    )


def downgrade() -> None:
    op.drop_table("running_figures_nights")
    op.drop_table("running_figures")
