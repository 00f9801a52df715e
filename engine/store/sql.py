"""Every statement the store sends, as plain SQL that SQLite and PostgreSQL both take.

Parameters are `:name`, named for the column they go into or are compared with
(the dialect converts times and JSON by that name; `now` is a time too).
`FOR UPDATE` is the one difference in text, added for PostgreSQL where a
command locks its case (SQLite's writer holds the whole file). The tables are
SQLAlchemy's in `tables.py`; a test checks every column named here against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from trinn.engine.case import KEPT_ON_LEAVING, MEETING_KINDS
from trinn.engine.status import DeliveryStatus, OutboxStatus, TaskStatus, TimerStatus
from trinn.engine.store.rows import (
    CaseLine,
    CaseSummary,
    DeliveryRow,
    EventRow,
    ListedCase,
    OutboxRow,
    TaskLine,
)

__all__ = [
    "CASE_CHANGES",
    "CASE_COLUMNS",
    "MAX_ROWS",
    "TASK_CHANGES",
    "TASK_COLUMNS",
    "TASK_RECORD",
    "TIMER_CHANGES",
    "TIMER_COLUMNS",
    "TIMER_RECORD",
    "insert_rows",
    "listed",
    "placeholders",
]

MAX_ROWS = 40  # rows per multi-row INSERT: 40 x 14 values stays under SQLite's old 999 limit

# the columns of each table a command writes, in the tables' order
CASE_COLUMNS = (
    "id",
    "playbook_id",
    "playbook_version",
    "playbook_sha256",
    "state",
    "entry",
    "subject",
    "fields",
    "parent_id",
    "opened_at",
    "opened_by",
    "closed_at",
    "outcome",
    "updated_at",
    "updated_by",
    "row_version",
)
TASK_COLUMNS = (
    "id",
    "case_id",
    "entry",
    "state",
    "task_id",
    "item",
    "role",
    "assignee",
    "status",
    "created_at",
    "due_at",
    "done_at",
    "done_by",
    "note",
    "answers",
)
TIMER_COLUMNS = (
    "id",
    "case_id",
    "entry",
    "state",
    "kind",
    "position",
    "due_at",
    "status",
    "fired_at",
    "fired_count",
)
# what a command may change in a stored case, task or timer (the rest is fixed when it is made)
CASE_CHANGES = (
    "state",
    "entry",
    "subject",
    "fields",
    "closed_at",
    "outcome",
    "updated_at",
    "updated_by",
    "row_version",
)
TASK_CHANGES = ("assignee", "status", "due_at", "done_at", "done_by", "note", "answers")
TIMER_CHANGES = ("due_at", "status", "fired_at", "fired_count")
# the columns of a loaded task or timer, in the order of TaskRecord's and TimerRecord's fields
TASK_RECORD = (
    "task_id",
    "entry",
    "state",
    "role",
    "created_at",
    "item",
    "assignee",
    "status",
    "due_at",
    "done_at",
    "done_by",
    "note",
    "answers",
    "id",
)
TIMER_RECORD = ("kind", "position", "entry", "state", "due_at", "status", "fired_at", "fired_count", "id")


def listed(names: Sequence[str], table: str | None = None) -> str:
    """A column list (`a, b` or `t.a, t.b`)."""
    return ", ".join(names if table is None else (f"{table}.{name}" for name in names))


def _assigned(names: Sequence[str]) -> str:
    return ", ".join(f"{name} = :{name}" for name in names)


def _inserted(table: str, names: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({listed(names)}) VALUES ({', '.join(':' + n for n in names)})"


def placeholders(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """`(:name_0, :name_1, ...)` for an IN list, and its parameters."""
    params = {f"{name}_{i}": value for i, value in enumerate(values)}
    return "(" + ", ".join(":" + key for key in params) + ")", params


def _words(values: Sequence[str]) -> str:
    """Fixed words of trinn's own (statuses, kinds) written into a statement."""
    return ", ".join(f"'{value}'" for value in values)


# playbook versions ------------------------------------------------------------------

PLAYBOOK_STORED = "SELECT sha256 FROM playbooks WHERE sha256 = :sha256"
# two first cases of a version may be opened at once: the second insert then does nothing
INSERT_PLAYBOOK = (
    _inserted("playbooks", ("sha256", "playbook_id", "version", "language", "yaml", "stored_at"))
    + " ON CONFLICT (sha256) DO NOTHING"
)
PLAYBOOK_TEXT = "SELECT yaml FROM playbooks WHERE sha256 = :sha256"

# uploaded files, one row per content (engine.store.files) --------------------------------

FILE_STORED = "SELECT sha256 FROM files WHERE sha256 = :sha256"
# two commands may send the same new file at once: the second insert then does nothing
INSERT_FILE = (
    _inserted("files", ("sha256", "size", "content_type", "content", "stored_at"))
    + " ON CONFLICT (sha256) DO NOTHING"
)
FILE_CONTENT = "SELECT content FROM files WHERE sha256 = :sha256"
FILE_COUNT = "SELECT count(*) FROM files"

# a command's case ---------------------------------------------------------------------

CASE = f"SELECT {listed(CASE_COLUMNS)} FROM cases WHERE id = :case_id"
CASE_PLAYBOOK = "SELECT playbook_id, playbook_version, playbook_sha256 FROM cases WHERE id = :case_id"
CASE_WRITER = "SELECT updated_by, updated_at FROM cases WHERE id = :case_id"
TASKS_OF = f"SELECT {listed(TASK_RECORD)} FROM tasks WHERE case_id = :case_id ORDER BY id"
WAITING_TIMERS_OF = (
    f"SELECT {listed(TIMER_RECORD)} FROM timers WHERE case_id = :case_id"
    f" AND status = '{TimerStatus.WAITING}' ORDER BY due_at, id"
)
INSERT_CASE = _inserted("cases", CASE_COLUMNS[1:]) + " RETURNING id"
# a case is only ever written at the row version the command read (`_read`)
UPDATE_CASE = f"UPDATE cases SET {_assigned(CASE_CHANGES)} WHERE id = :_id AND row_version = :_read"
# most commands leave the fields as they were: no need to encode and write them again
UPDATE_CASE_SAME_FIELDS = (
    f"UPDATE cases SET {_assigned([n for n in CASE_CHANGES if n != 'fields'])}"
    " WHERE id = :_id AND row_version = :_read"
)
# deadlines outlive the state; a meeting's row is settled by engine.meetings
CANCEL_TIMERS = (
    f"UPDATE timers SET status = '{TimerStatus.CANCELLED}' WHERE case_id = :case_id"
    f" AND status = '{TimerStatus.WAITING}' AND kind NOT IN ({_words(sorted(KEPT_ON_LEAVING))})"
)
UPDATE_TASK = f"UPDATE tasks SET {_assigned(TASK_CHANGES)} WHERE id = :_id"
UPDATE_TIMER = f"UPDATE timers SET {_assigned(TIMER_CHANGES)} WHERE id = :_id"
EVENT_COLUMNS = EventRow._fields
INSERT_EVENT = _inserted("events", EVENT_COLUMNS[1:])
INSERT_OUTBOX = _inserted("outbox", OutboxRow._fields[1:])
# a meeting's row keeps its start for showing, and is settled by the next command
DUE_TIMER_CASES = (
    f"SELECT case_id FROM timers WHERE status = '{TimerStatus.WAITING}' AND due_at <= :now"
    f" AND kind NOT IN ({_words(sorted(MEETING_KINDS))}) GROUP BY case_id ORDER BY min(due_at), case_id"
)


@cache
def insert_rows(table: str, count: int) -> str:
    """One INSERT of `count` tasks or timers (parameters `name_i`), RETURNING their ids."""
    names = (TASK_COLUMNS if table == "tasks" else TIMER_COLUMNS)[1:]
    rows = ", ".join("(" + ", ".join(f":{name}_{i}" for name in names) + ")" for i in range(count))
    return f"INSERT INTO {table} ({listed(names)}) VALUES {rows} RETURNING id"


# the outbox as a queue ----------------------------------------------------------------

_LAPSED = f"(status = '{OutboxStatus.SENDING}' AND claimed_until < :now)"
DUE_OUTBOX = (
    f"SELECT id FROM outbox WHERE kind = 'notify' AND ((status = '{OutboxStatus.PENDING}'"
    f" AND next_attempt_at <= :now) OR {_LAPSED}) ORDER BY id LIMIT :limit"
)
FRESH_OUTBOX = (
    f"SELECT id FROM outbox WHERE kind = 'notify' AND status = '{OutboxStatus.PENDING}'"
    " AND attempts = 0 ORDER BY id LIMIT :limit"
)
CLAIM_OUTBOX = (
    f"UPDATE outbox SET status = '{OutboxStatus.SENDING}', claimed_by = :claimed_by,"
    " claimed_until = :claimed_until, attempts = attempts + 1"
    f" WHERE id = :id AND kind = 'notify' AND ((status = '{OutboxStatus.PENDING}'"
    f" AND (attempts = 0 OR next_attempt_at <= :now)) OR {_LAPSED})"
)
OUTBOX_ROW = f"SELECT {listed(OutboxRow._fields)} FROM outbox WHERE id = :id"
_HELD = f"WHERE id = :id AND claimed_by = :claimed_by AND status = '{OutboxStatus.SENDING}'"
RENEW_OUTBOX = f"UPDATE outbox SET claimed_until = :claimed_until {_HELD}"
FINISH_OUTBOX = (
    "UPDATE outbox SET status = :status, next_attempt_at = :next_attempt_at, sent_at = :sent_at,"
    f" last_error = :last_error, claimed_by = NULL, claimed_until = NULL {_HELD}"
)
INSERT_DELIVERY = _inserted("deliveries", DeliveryRow._fields[1:])
DELIVERED_TO = (
    "SELECT channel, url, recipient FROM deliveries"
    f" WHERE outbox_id = :outbox_id AND status = '{DeliveryStatus.SENT}'"
)


def requeue_outbox(new_payload: bool) -> str:
    """Make a failed or waiting row due now with a fresh count of attempts; a skipped one
    too when it is given a new payload (addressed anew)."""
    statuses = [OutboxStatus.FAILED, OutboxStatus.PENDING, *([OutboxStatus.SKIPPED] if new_payload else [])]
    payload = ", payload = :payload, last_error = NULL" if new_payload else ""
    return (
        f"UPDATE outbox SET status = '{OutboxStatus.PENDING}', attempts = 0, next_attempt_at = :now"
        f"{payload} WHERE id = :id AND status IN ({_words(statuses)})"
    )


# listings -----------------------------------------------------------------------------

CASE_SUMMARIES = f"SELECT {listed(CaseSummary._fields)} FROM cases"
CASE_LINES = f"SELECT {listed(CaseLine._fields)} FROM cases"
LISTED_CASES = f"SELECT {listed(ListedCase._fields)} FROM cases"
_OPEN_TASKS_OF_OPEN_CASES = (
    f" WHERE tasks.status = '{TaskStatus.OPEN}' AND cases.closed_at IS NULL AND tasks.entry = cases.entry"
)
OPEN_TASKS = (
    f"SELECT {listed(TASK_COLUMNS, 'tasks')}, cases.playbook_id, cases.playbook_version,"
    " cases.playbook_sha256, cases.subject, cases.state AS case_state"
    " FROM tasks JOIN cases ON cases.id = tasks.case_id" + _OPEN_TASKS_OF_OPEN_CASES
)
# the same tasks with only what `trinn tasks` prints, and the language of each one's playbook
# version (deadlines are said on its country's clock): no playbook is loaded for a line
TASK_LINES = (
    f"SELECT {listed(TaskLine._fields[:-2], 'tasks')}, cases.subject, playbooks.language"
    " FROM tasks JOIN cases ON cases.id = tasks.case_id"
    " JOIN playbooks ON playbooks.sha256 = cases.playbook_sha256" + _OPEN_TASKS_OF_OPEN_CASES
)
OPEN_TASKS_ORDER = " ORDER BY tasks.due_at IS NULL, tasks.due_at, tasks.case_id, tasks.id"
OVERDUE = (
    f"EXISTS (SELECT 1 FROM tasks WHERE tasks.case_id = cases.id AND tasks.status = '{TaskStatus.OPEN}'"
    " AND tasks.due_at <= :due_at)"
)
EVENTS_OF = f"SELECT {listed(EVENT_COLUMNS)} FROM events WHERE case_id = :case_id ORDER BY case_version"
OUTBOX_ROWS = f"SELECT {listed(OutboxRow._fields)} FROM outbox"
DELIVERIES = f"SELECT {listed(DeliveryRow._fields)} FROM deliveries"
CHILD_IDS = "SELECT id FROM cases WHERE parent_id = :case_id ORDER BY id"
OPEN_TASK_TALLY = f"SELECT case_id, entry, role, due_at FROM tasks WHERE status = '{TaskStatus.OPEN}'"
PLAYBOOK_TEXTS = "SELECT sha256, yaml FROM playbooks WHERE sha256 IN "
LAST_EVENT = "SELECT max(seq) FROM events"
OUTBOX_MARK = "SELECT max(id), sum(attempts) FROM outbox"
LAST_DELIVERY = "SELECT max(id) FROM deliveries"
OUTBOX_COUNTS = "SELECT status, count(*) FROM outbox GROUP BY status"
