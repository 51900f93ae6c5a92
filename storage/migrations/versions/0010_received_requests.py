"""requests received: slash commands by signature and forms by view and account, each applied once

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "received_requests",
        sa.Column("request_key", sa.String(length=80), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_key", name=op.f("pk_received_requests")),
    )
    op.create_index(
        op.f("ix_received_requests_received_at"), "received_requests", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_received_requests_received_at"), table_name="received_requests")
    op.drop_table("received_requests")
