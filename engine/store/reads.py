"""What the interfaces read: listings of cases, tasks, history and the outbox.

Reads never write, and never decode what a listing does not show (a case's
fields are half the cost of a listing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypedDict, Unpack

from trinn.engine.status import OutboxStatus
from trinn.engine.store import sql
from trinn.engine.store.driver import Row, TransactionBase
from trinn.engine.store.rows import (
    CaseLine,
    CaseSummary,
    DeliveryRow,
    EventRow,
    ListedCase,
    OpenTask,
    OutboxRow,
    TaskLine,
)

__all__ = ["CaseFilter", "Reads", "TaskFilter"]


class CaseFilter(TypedDict, total=False):
    """Which cases a listing shows (engine.queries passes it on unchanged)."""

    playbook: str | None
    state: str | None
    closed: bool | None
    overdue_at: dt.datetime | None


class TaskFilter(TypedDict, total=False):
    """Which open tasks a listing shows: of these roles (or this assignee's), due by then."""

    roles: Sequence[str] | None
    assignee: str | None
    overdue_at: dt.datetime | None


_OUTBOX_STATUSES = tuple(s for s in OutboxStatus if s is not OutboxStatus.LOST)


class Reads(TransactionBase):
    """Listings, for the queries (engine.queries) and the scenario runner."""

    def case_rows(self, **filters: Unpack[CaseFilter]) -> list[CaseSummary]:
        """Cases as a listing shows them (without their fields: decoding those is half the cost)."""
        return self._cases(CaseSummary, sql.CASE_SUMMARIES, filters)

    def case_lines(self, **filters: Unpack[CaseFilter]) -> list[CaseLine]:
        """The same cases in the same order, with only what `trinn cases` prints (`CaseLine`)."""
        return self._cases(CaseLine, sql.CASE_LINES, filters)

    def _cases(self, row_type: Callable[..., Row], query: str, filters: CaseFilter) -> list[Row]:
        playbook, state = filters.get("playbook"), filters.get("state")
        closed, overdue_at = filters.get("closed"), filters.get("overdue_at")
        where: list[str] = []
        if playbook is not None:
            where.append("playbook_id = :playbook_id")
        if state is not None:
            where.append("state = :state")
        if closed is not None:
            where.append("closed_at IS NOT NULL" if closed else "closed_at IS NULL")
        if overdue_at is not None:
            where.append(sql.OVERDUE)
        query += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return self._typed(row_type, query, {"playbook_id": playbook, "state": state, "due_at": overdue_at})

    def open_task_rows(self, **filters: Unpack[TaskFilter]) -> list[OpenTask]:
        """Open tasks of open cases, joined with their case, soonest due first."""
        return self._open_tasks(OpenTask, sql.OPEN_TASKS, filters)

    def task_lines(self, **filters: Unpack[TaskFilter]) -> list[TaskLine]:
        """The same tasks in the same order, with only what a listing prints (`TaskLine`)."""
        return self._open_tasks(TaskLine, sql.TASK_LINES, filters)

    def _open_tasks(self, row_type: Callable[..., Row], query: str, filters: TaskFilter) -> list[Row]:
        roles, assignee, overdue_at = filters.get("roles"), filters.get("assignee"), filters.get("overdue_at")
        values: dict[str, Any] = {"assignee": assignee, "due_at": overdue_at}
        if roles is not None:
            listed, named = sql.placeholders("role", list(roles) or [""])  # no role: matches none
            values.update(named)
            mine = " OR tasks.assignee = :assignee" if assignee is not None else ""
            query += f" AND (tasks.role IN {listed}{mine})"
        if overdue_at is not None:
            query += " AND tasks.due_at <= :due_at"
        return self._typed(row_type, query + sql.OPEN_TASKS_ORDER, values)

    def event_rows(self, case_id: int) -> list[EventRow]:
        return self._typed(EventRow, sql.EVENTS_OF, {"case_id": case_id})

    def outbox_rows(self, case_id: int | None = None) -> list[OutboxRow]:
        where = " WHERE case_id = :case_id" if case_id is not None else ""
        return self._typed(OutboxRow, sql.OUTBOX_ROWS + where + " ORDER BY id", {"case_id": case_id})

    def child_ids(self, case_id: int) -> list[int]:
        return [int(row[0]) for row in self._rows(sql.CHILD_IDS, {"case_id": case_id})]

    def outbox_listing(
        self, *, status: str | None = None, ids: Sequence[int] | None = None
    ) -> list[OutboxRow]:
        """The notifications in the outbox (not the actions), of one status or the ids asked for."""
        query = sql.OUTBOX_ROWS + " WHERE kind = 'notify'"
        values: dict[str, Any] = {"status": status}
        if status is not None:
            query += " AND status = :status"
        if ids is not None:
            listed, named = sql.placeholders("id", list(ids) or [None])
            query += f" AND id IN {listed}"
            values.update(named)
        return self._typed(OutboxRow, query + " ORDER BY id", values)

    def delivery_rows(self, outbox_ids: Sequence[int]) -> list[DeliveryRow]:
        if not outbox_ids:
            return []
        listed, named = sql.placeholders("outbox_id", list(outbox_ids))
        return self._typed(DeliveryRow, f"{sql.DELIVERIES} WHERE outbox_id IN {listed} ORDER BY id", named)

    def case_listing(self) -> tuple[list[ListedCase], dict[int, tuple[int, Any, set[str]]]]:
        """Every case as the terminal UI lists it, and for each case with open tasks in its
        current state: how many, the first due date, their roles. Two plain scans joined in
        Python: a GROUP BY over the join costs twice as much on SQLite."""
        rows: list[ListedCase] = self._cases(ListedCase, sql.LISTED_CASES, {})
        entries = {row.id: row.entry for row in rows if row.closed_at is None}
        open_tasks: dict[int, tuple[int, Any, set[str]]] = {}
        for case_id, entry, role, due in self._rows(sql.OPEN_TASK_TALLY):
            if entries.get(case_id) != entry:
                continue  # a task of a state the case has left, or of a closed case
            count, first_due, roles = open_tasks.get(case_id, (0, None, set()))
            roles.add(role)
            if due is not None and (first_due is None or due < first_due):
                first_due = due
            open_tasks[case_id] = (count + 1, first_due, roles)
        return rows, open_tasks

    def playbook_texts(self, sha256s: Sequence[str]) -> dict[str, str]:
        """The stored text of each playbook version asked for, by hash."""
        if not sha256s:
            return {}
        listed, named = sql.placeholders("sha256", list(sha256s))
        return {str(sha): str(text) for sha, text in self._rows(sql.PLAYBOOK_TEXTS + listed, named)}

    def change_mark(self) -> tuple[int, ...]:
        """Changes whenever any case or outbox row changes: the last event, the last outbox
        row, the outbox's attempts so far, the last delivery result, and how many rows are in
        each status (deliveries write no event; a row can fail or be requeued without a new
        delivery or attempt)."""
        last_event = self._scalar(sql.LAST_EVENT) or 0
        last_outbox, attempts = self._rows(sql.OUTBOX_MARK)[0]
        last_delivery = self._scalar(sql.LAST_DELIVERY) or 0
        counts = dict(self._rows(sql.OUTBOX_COUNTS))
        return (
            int(last_event),
            int(last_outbox or 0),
            int(attempts or 0),
            int(last_delivery),
            *(int(counts.get(status, 0)) for status in _OUTBOX_STATUSES),
        )
