"""The first schema: playbook versions, cases, their history, tasks, timers and outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "playbooks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("playbook_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("yaml", sa.Text, nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("playbook_id", sa.String(100), nullable=False),
        sa.Column("playbook_version", sa.Integer, nullable=False),
        sa.Column("playbook_sha256", sa.String(64), sa.ForeignKey("playbooks.sha256"), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("entry", sa.Integer, nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("fields", Json, nullable=False),
        sa.Column("parent_id", Key, sa.ForeignKey("cases.id")),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("outcome", sa.String(16)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
    )
    op.create_index("cases_open", "cases", ["closed_at", "playbook_id", "state"])
    op.create_index("cases_parent", "cases", ["parent_id"])
    op.create_table(
        "events",
        sa.Column("seq", Key, primary_key=True, autoincrement=True),
        sa.Column("case_id", Key, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64)),
        sa.Column("state_before", sa.String(64)),
        sa.Column("state_after", sa.String(64), nullable=False),
        sa.Column("changes", Json, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("details", Json, nullable=False),
        sa.UniqueConstraint("case_id", "case_version", name="events_one_per_version"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("case_id", Key, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("entry", sa.Integer, nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("item", sa.Text),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime),
        sa.Column("done_at", sa.DateTime),
        sa.Column("done_by", sa.String(64)),
        sa.Column("note", sa.Text),
    )
    op.create_index("tasks_case", "tasks", ["case_id", "task_id"])
    op.create_index("tasks_open", "tasks", ["status", "role", "due_at"])
    op.create_table(
        "timers",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("case_id", Key, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("entry", sa.Integer, nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fired_at", sa.DateTime),
        sa.Column("fired_count", sa.Integer, nullable=False),
    )
    op.create_index("timers_due", "timers", ["status", "due_at"])
    op.create_table(
        "outbox",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("case_id", Key, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("outbox_pending", "outbox", ["status", "next_attempt_at"])
