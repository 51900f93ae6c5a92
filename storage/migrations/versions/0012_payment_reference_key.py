"""payments: references compared by a normalised key, one per account

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06 09:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The one definition of the key, not a copy: the keys written here must be those the bot looks up.
# A change to reference_key needs a migration that recomputes them.
from bot.ledger.rules.references import reference_key

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_payments = sa.table(
    "payments",
    sa.column("id", sa.Integer),
    sa.column("account_pk", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("reference_key", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference_key", sa.String(length=400), nullable=True))
    _backfill()
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payments_account_reference", type_="unique")
        batch_op.create_unique_constraint(
            "uq_payments_account_reference_key", ["account_pk", "reference_key"]
        )


def _backfill() -> None:
    """Each payment's key, oldest first. Two payments already recorded under one reference written
    two ways were both applied to the balance and stay; only the first keeps the key, so the
    unique constraint holds and a third is refused as a duplicate of the first."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_payments.c.id, _payments.c.account_pk, _payments.c.reference)
        .where(_payments.c.reference.is_not(None))
        .order_by(_payments.c.id)
    )
    seen: set[tuple[int, str]] = set()
    keys: list[dict[str, object]] = []
    for payment_id, account_pk, reference in rows:
        key = reference_key(reference) or None
        if key is not None and (account_pk, key) in seen:
            continue
        if key is not None:
            seen.add((account_pk, key))
        keys.append({"pk": payment_id, "key": key})
    if keys:
        statement = (
            sa.update(_payments)
            .where(_payments.c.id == sa.bindparam("pk"))
            .values(reference_key=sa.bindparam("key"))
        )
        connection.execute(statement, keys)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payments_account_reference_key", type_="unique")
        batch_op.create_unique_constraint("uq_payments_account_reference", ["account_pk", "reference"])
        batch_op.drop_column("reference_key")
