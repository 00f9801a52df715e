"""A case's waiting timers are found by its id: an index on timers (case_id, status, due_at).

Without it, loading one case read every waiting timer of every case (the index on
status and due_at was the only one), so a tick over many open cases slowed with
their number.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("timers_case", "timers", ["case_id", "status", "due_at"])
