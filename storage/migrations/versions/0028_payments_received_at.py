"""payments: an index on received_at, for the reports' reads of a period's payments

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


# The digests read a period's payments, and the portfolio sums those received since its opening:
# without this index both scanned all of them (a million in the benchmark's ledger) to keep a
# month's 85,000 to 150,000. Building it reads the table once; no row is rewritten.


def upgrade() -> None:
    op.create_index("ix_payments_received_at", "payments", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_payments_received_at", table_name="payments")
