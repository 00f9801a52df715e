"""What the store's reads hand out: typed, frozen rows, one type per listing.

Named tuples rather than dataclasses: a listing of 10,000 cases makes 10,000
rows, and a named tuple is made from the driver's tuple five times faster than
a frozen dataclass. Each type's fields are its columns, in the order the
statements in `sql` select them (a test keeps them equal to the tables').
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

__all__ = [
    "CaseLine",
    "CaseSummary",
    "DeliveryRow",
    "EventRow",
    "ListedCase",
    "OpenTask",
    "OutboxRow",
    "TaskLine",
]


class CaseSummary(NamedTuple):
    """A case as a listing shows it: every column but its fields (decoding those is half the cost)."""

    id: int
    playbook_id: str
    playbook_version: int
    playbook_sha256: str
    state: str
    entry: int
    subject: str | None
    parent_id: int | None
    opened_at: dt.datetime
    opened_by: str
    closed_at: dt.datetime | None
    outcome: str | None
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class CaseLine(NamedTuple):
    """A case as `trinn cases` prints it: six of `CaseSummary`'s columns (a third the fetching,
    and one time to convert, not three)."""

    id: int
    playbook_id: str
    state: str
    subject: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class ListedCase(NamedTuple):
    """A case as the terminal UI's list shows it: what its table and filters read of
    `CaseSummary` (with `entry`, to tell its open tasks from those of states it has left)."""

    id: int
    playbook_id: str
    playbook_sha256: str
    state: str
    entry: int
    subject: str | None
    closed_at: dt.datetime | None
    updated_at: dt.datetime


class OpenTask(NamedTuple):
    """An open task of an open case, with what its listing shows of the case."""

    id: int
    case_id: int
    entry: int
    state: str
    task_id: str
    item: str | None
    role: str
    assignee: str | None
    status: str
    created_at: dt.datetime
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    done_by: str | None
    note: str | None
    answers: dict[str, Any] | None  # a for_each item's record: its form's answers
    playbook_id: str
    playbook_version: int
    playbook_sha256: str
    subject: str | None
    case_state: str


class TaskLine(NamedTuple):
    """An open task of an open case as `trinn tasks` prints it: a third of `OpenTask`'s
    columns, one time among them, and its playbook version's language instead of the playbook."""

    case_id: int
    task_id: str
    item: str | None
    role: str
    assignee: str | None
    due_at: dt.datetime | None
    subject: str | None
    language: str


class EventRow(NamedTuple):
    """One entry of a case's history: what a command did, and what it changed."""

    seq: int
    case_id: int
    case_version: int
    at: dt.datetime
    actor: str
    kind: str
    name: str | None
    state_before: str | None
    state_after: str
    changes: dict[str, Any]
    note: str | None
    details: dict[str, Any]


class OutboxRow(NamedTuple):
    """A message or action a command queued, and how its delivery goes."""

    id: int
    case_id: int
    case_version: int
    created_at: dt.datetime
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str | None
    claimed_by: str | None
    claimed_until: dt.datetime | None


class DeliveryRow(NamedTuple):
    """One try to deliver an outbox row to one recipient through one channel."""

    id: int
    outbox_id: int
    attempt: int
    at: dt.datetime
    service: str
    url: str
    recipient: str
    status: str
    error: str | None
    channel: str | None
