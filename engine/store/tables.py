"""The database tables, in SQLAlchemy Core: one definition for SQLite and PostgreSQL.

Times are `UtcDateTime`: stored as naive UTC (`DateTime` without a zone stores the same
way in both, and every database trinn has written holds them so), read back aware in UTC.
Field values and event details are JSON in their normal form (engine.values).
The migrations in `migrations/versions` create exactly these tables; a test
compares the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = [
    "UtcDateTime",
    "cases",
    "deliveries",
    "events",
    "files",
    "metadata",
    "outbox",
    "playbooks",
    "tasks",
    "timers",
]

Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only makes INTEGER PRIMARY KEY an alias of its rowid, not BIGINT
Key = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment: written as naive UTC (an aware time converted, a naive one taken as UTC),
    always read back aware in UTC, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime


metadata = MetaData()

playbooks = Table(
    "playbooks",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("playbook_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("language", String(8), nullable=False),
    Column("yaml", Text, nullable=False),
    Column("stored_at", UtcDateTime, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("playbook_id", String(100), nullable=False),
    Column("playbook_version", Integer, nullable=False),
    Column("playbook_sha256", String(64), ForeignKey("playbooks.sha256"), nullable=False),
    Column("state", String(64), nullable=False),
    Column("entry", Integer, nullable=False),  # row version at which `state` was entered
    Column("subject", Text),
    Column("fields", Json, nullable=False),
    Column("parent_id", Key, ForeignKey("cases.id")),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("closed_at", UtcDateTime),
    Column("outcome", String(16)),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("row_version", Integer, nullable=False),
)
Index("cases_open", cases.c.closed_at, cases.c.playbook_id, cases.c.state)
Index("cases_parent", cases.c.parent_id)

events = Table(
    "events",
    metadata,
    Column("seq", Key, primary_key=True, autoincrement=True),
    Column("case_id", Key, ForeignKey("cases.id"), nullable=False),
    Column("case_version", Integer, nullable=False),  # the row version this event made
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("name", String(64)),  # the trigger, task or form the command named
    Column("state_before", String(64)),
    Column("state_after", String(64), nullable=False),
    Column("changes", Json, nullable=False),  # {field: [old, new]}
    Column("note", Text),
    Column("details", Json, nullable=False),
    UniqueConstraint("case_id", "case_version", name="events_one_per_version"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("case_id", Key, ForeignKey("cases.id"), nullable=False),
    Column("entry", Integer, nullable=False),  # the case's state entry that created it
    Column("state", String(64), nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("item", Text),  # the list item of a for_each task
    Column("role", String(64), nullable=False),
    Column("assignee", String(64)),
    Column("status", String(16), nullable=False),  # open, done, cancelled
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime),
    Column("done_at", UtcDateTime),
    Column("done_by", String(64)),
    Column("note", Text),
    Column("answers", Json),  # the record of one item: its form's answers (engine.records)
)
Index("tasks_case", tasks.c.case_id, tasks.c.task_id)
Index("tasks_open", tasks.c.status, tasks.c.role, tasks.c.due_at)

timers = Table(
    "timers",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("case_id", Key, ForeignKey("cases.id"), nullable=False),
    Column("entry", Integer, nullable=False),
    Column("state", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # remind, escalate, timer
    Column("position", Integer, nullable=False),  # index in the state's list of that kind
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # waiting, fired, cancelled
    Column("fired_at", UtcDateTime),
    Column("fired_count", Integer, nullable=False),
)
Index("timers_due", timers.c.status, timers.c.due_at)
# a case's own waiting timers in order (loading a case), not every waiting timer
Index("timers_case", timers.c.case_id, timers.c.status, timers.c.due_at)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("case_id", Key, ForeignKey("cases.id"), nullable=False),
    Column("case_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(16), nullable=False),  # notify, action
    Column("payload", Json, nullable=False),
    Column("status", String(16), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    # a dispatcher claims a row (status 'sending') until `claimed_until`; a crashed one's lapses
    Column("claimed_by", String(64)),
    Column("claimed_until", UtcDateTime),
)
Index("outbox_pending", outbox.c.status, outbox.c.next_attempt_at)

# one row per service and attempt: the service, its URL with secrets masked, and what happened
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("outbox_id", Key, ForeignKey("outbox.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("service", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("recipient", Text, nullable=False),  # the tag or address it was sent for
    Column("status", String(16), nullable=False),  # sent, failed
    Column("error", Text),
    Column("channel", String(32)),  # the channel's key (notifiers.channels); empty before 0003
)
Index("deliveries_outbox", deliveries.c.outbox_id)

# uploaded files, content-addressed: one row per distinct content, whoever sent it how often
# (engine.files); a field keeps the sha256 with the name and type it was sent under
files = Table(
    "files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("stored_at", UtcDateTime, nullable=False),
)
