"""api requests: signed billing-API requests that changed something, each applied once

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 18:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_requests",
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("path", sa.String(length=64), nullable=False),
        sa.Column("key_label", sa.String(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("request_digest", name=op.f("pk_api_requests")),
    )
    op.create_index(op.f("ix_api_requests_received_at"), "api_requests", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_requests_received_at"), table_name="api_requests")
    op.drop_table("api_requests")
