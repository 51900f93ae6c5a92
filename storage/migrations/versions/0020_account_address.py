"""accounts: an optional postal address, for letters

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

COLUMNS = (
    ("address_line1", 200),
    ("address_line2", 200),
    ("city", 100),
    ("region", 100),
    ("postal_code", 20),
    ("country", 100),
)


# Plain ALTER TABLE, not Alembic's batch mode: on SQLite a batch recreates the table, and dropping
# accounts with foreign keys on deletes every contact, payment and promise by their ON DELETE
# CASCADE. SQLite adds and (since 3.35) drops a column in place.


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("accounts", sa.Column(name, sa.String(length=length), nullable=True))


def downgrade() -> None:
    for name, _length in reversed(COLUMNS):
        op.drop_column("accounts", name)
