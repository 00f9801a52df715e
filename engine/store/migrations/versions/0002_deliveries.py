"""Delivering the outbox: rows are claimed before they are sent, and every service's result kept.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_by", sa.String(64)))
    op.add_column("outbox", sa.Column("claimed_until", sa.DateTime))
    op.create_table(
        "deliveries",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("outbox_id", Key, sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("deliveries_outbox", "deliveries", ["outbox_id"])
