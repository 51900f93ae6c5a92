"""skipped_rows: rows a scheduled job could not handle and left out

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-06 09:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skipped_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("problem_key", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skipped_rows")),
        sa.UniqueConstraint("job", "row_key", "problem_key", name="uq_skipped_rows_job_row_problem"),
    )
    op.create_index("ix_skipped_rows_last_seen_at", "skipped_rows", ["last_seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_skipped_rows_last_seen_at", table_name="skipped_rows")
    op.drop_table("skipped_rows")
