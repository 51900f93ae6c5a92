"""accounts: the product (the kind of credit), for strategy segments by product

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 00:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not Alembic's batch mode (see 0020): on SQLite a batch recreates accounts, and
# dropping it deletes every contact, payment and promise by their ON DELETE CASCADE.


def upgrade() -> None:
    # Nullable and without a default: existing accounts have no product until the billing system
    # sends one, and adding the column rewrites no row.
    op.add_column("accounts", sa.Column("product", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "product")
