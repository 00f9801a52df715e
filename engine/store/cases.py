"""A command's reads and writes of cases: the case row, its tasks, timers, history and outbox rows.

A case row is only ever updated at the row version the command read: a stale
write is refused, never merged. Everything a command writes passes the
driver's cursor (`TransactionBase._driver`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import starmap
from typing import Any

from trinn.engine.case import Case, TaskRecord, TimerRecord
from trinn.engine.errors import CaseNotFoundError, StaleCaseError, StoreError
from trinn.engine.status import OutboxStatus
from trinn.engine.store import sql
from trinn.engine.store.driver import TransactionBase

__all__ = ["CaseWrites"]


class CaseWrites(TransactionBase):
    """Playbook versions, cases with their tasks and timers, events and outbox rows."""

    # playbook versions ------------------------------------------------------

    def store_playbook(
        self, sha256: str, playbook_id: str, version: int, language: str, text: str, now: dt.datetime
    ) -> None:
        """Keep a playbook version's text, once (the first case of it stores it)."""
        if not self._rows(sql.PLAYBOOK_STORED, {"sha256": sha256}):
            self._run(
                sql.INSERT_PLAYBOOK,
                {
                    "sha256": sha256,
                    "playbook_id": playbook_id,
                    "version": version,
                    "language": language,
                    "yaml": text,
                    "stored_at": now,
                },
            )

    def playbook_text(self, sha256: str) -> str:
        text = self._scalar(sql.PLAYBOOK_TEXT, {"sha256": sha256})
        if text is None:
            raise StoreError(f"the playbook version {sha256[:12]} is missing from the database")
        return str(text)

    # cases --------------------------------------------------------------------

    def load_case(self, case_id: int, *, lock: bool = False, with_timers: bool = False) -> Case:
        """A case with all its tasks (and its waiting timers if asked); `lock` holds its row."""
        key = {"case_id": case_id}
        # SQLite: the writer holds the whole file; PostgreSQL locks the case's row
        found = self._rows(sql.CASE + (" FOR UPDATE" if lock and self.is_postgres else ""), key)
        if not found:
            raise CaseNotFoundError(case_id)
        case = _case_of(found[0])
        self._fields_read[case_id] = dict(case.fields)
        case.tasks = list(starmap(TaskRecord, self._rows(sql.TASKS_OF, key)))
        if with_timers:
            case.timers = list(starmap(TimerRecord, self._rows(sql.WAITING_TIMERS_OF, key)))
        return case

    def case_playbook(self, case_id: int) -> tuple[str, int, str]:
        """The playbook id, version and hash a case runs on (without loading the case)."""
        rows = self._rows(sql.CASE_PLAYBOOK, {"case_id": case_id})
        if not rows:
            raise CaseNotFoundError(case_id)
        playbook_id, version, sha256 = rows[0]
        return str(playbook_id), int(version), str(sha256)

    def insert_case(self, case: Case) -> int:
        case.id = int(self._rows(sql.INSERT_CASE, _values(case, sql.CASE_COLUMNS[1:]))[0][0])
        self._save_children(case)
        return case.id

    def update_case(self, case: Case, read_version: int) -> None:
        """Write the case at `read_version` + 1, or refuse if someone else wrote first."""
        values = _values(case, sql.CASE_COLUMNS[1:])
        values["_id"], values["_read"] = case.id, read_version
        same = case.fields == self._fields_read.get(case.id)
        if self._run(sql.UPDATE_CASE_SAME_FIELDS if same else sql.UPDATE_CASE, values) != 1:
            self.raise_stale(case.id)
        self._save_children(case)

    def raise_stale(self, case_id: int) -> None:
        rows = self._rows(sql.CASE_WRITER, {"case_id": case_id})
        if not rows:
            raise CaseNotFoundError(case_id)
        updated_by, updated_at = rows[0]
        raise StaleCaseError(case_id, updated_by, updated_at)

    def _save_children(self, case: Case) -> None:
        if case.timers_cancelled:
            self._run(sql.CANCEL_TIMERS, {"case_id": case.id})
            case.timers_cancelled = False
        # a task or timer writes every column of its row but its id and its case's (ids come back)
        self._save("tasks", sql.UPDATE_TASK, sql.TASK_CHANGES, case, case.tasks, sql.TASK_COLUMNS[2:])
        self._save("timers", sql.UPDATE_TIMER, sql.TIMER_CHANGES, case, case.timers, sql.TIMER_COLUMNS[2:])

    def _save(
        self,
        table: str,
        update: str,
        changeable: Sequence[str],
        case: Case,
        records: Sequence[TaskRecord | TimerRecord],
        columns: Sequence[str],
    ) -> None:
        """Insert the new records (learning their ids) and update the changed ones."""
        new = [r for r in records if r.id is None]
        dirty = [r for r in records if r.dirty and r.id is not None]
        if dirty:
            self._run_many(update, [{**_values(r, changeable), "_id": r.id} for r in dirty])
        for start in range(0, len(new), sql.MAX_ROWS):
            batch = new[start : start + sql.MAX_ROWS]
            parameters = {}
            for i, record in enumerate(batch):
                row = self._dialect.values({**_values(record, columns), "case_id": case.id})
                parameters.update({f"{name}_{i}": value for name, value in row.items()})
            statement = self._dialect.text(sql.insert_rows(table, len(batch)))
            # one statement hands out increasing ids in the order of its rows
            ids = sorted(int(row[0]) for row in self._execute(statement, parameters).fetchall())
            for record, row_id in zip(batch, ids, strict=True):
                record.id = row_id
        for record in (*dirty, *new):
            record.dirty = False

    def add_event(
        self,
        case: Case,
        *,
        at: dt.datetime,
        actor: str,
        kind: str,
        name: str | None,
        state_before: str | None,
        changes: Mapping[str, Any],
        note: str | None,
        details: Mapping[str, Any],
    ) -> None:
        self._run(
            sql.INSERT_EVENT,
            {
                "case_id": case.id,
                "case_version": case.row_version,
                "at": at,
                "actor": actor,
                "kind": kind,
                "name": name,
                "state_before": state_before,
                "state_after": case.state,
                "changes": _plain(changes),
                "note": note,
                "details": _plain(details),
            },
        )

    def add_outbox(self, case: Case, kind: str, payload: Mapping[str, Any], now: dt.datetime) -> None:
        self._run(
            sql.INSERT_OUTBOX,
            {
                "case_id": case.id,
                "case_version": case.row_version,
                "created_at": now,
                "kind": kind,
                "payload": _plain(payload),
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "sent_at": None,
                "last_error": None,
                "claimed_by": None,
                "claimed_until": None,
            },
        )

    def due_timer_cases(self, now: dt.datetime) -> list[int]:
        """Cases with a timer due at `now`, in the order their first timer fell due."""
        return [int(row[0]) for row in self._rows(sql.DUE_TIMER_CASES, {"now": now})]


def _plain(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A dict as JSON encodes it (the commands' own dicts go as they are)."""
    return mapping if isinstance(mapping, dict) else dict(mapping)


def _case_of(row: Sequence[Any]) -> Case:
    """A case from its row (the columns in the table's order, times already aware)."""
    values = dict(zip(sql.CASE_COLUMNS, row, strict=True))
    values["id"] = int(values["id"])
    return Case(**values)


def _values(record: Case | TaskRecord | TimerRecord, columns: Sequence[str]) -> dict[str, Any]:
    """What a case, task or timer writes into `columns` of its row: its attributes of their names."""
    return {name: getattr(record, name) for name in columns}
