"""Deliveries name their channel by a key, not by its masked URL (two channels may share one).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # empty on the rows written before: those are matched by their masked URL, as they were
    op.add_column("deliveries", sa.Column("channel", sa.String(32)))
