"""accounts: Regulation F's itemization and the tracked validation period

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 21:40:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _columns() -> tuple[sa.Column[Any], ...]:
    return (
        sa.Column("itemization_date", sa.Date(), nullable=True),
        sa.Column("itemization_amount", storage.types.MoneyAmount(precision=18, scale=4), nullable=True),
        sa.Column("interest_since", storage.types.MoneyAmount(precision=18, scale=4), nullable=True),
        sa.Column("fees_since", storage.types.MoneyAmount(precision=18, scale=4), nullable=True),
        sa.Column("validation_ends", sa.Date(), nullable=True),
    )


# Plain ALTER TABLE, not batch mode, as in 0020: a batch on SQLite recreates accounts and its
# foreign keys' ON DELETE CASCADE would empty contacts, payments and promises.


def upgrade() -> None:
    for column in _columns():
        op.add_column("accounts", column)


def downgrade() -> None:
    for column in reversed(_columns()):
        op.drop_column("accounts", column.name)
