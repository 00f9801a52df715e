"""Reading and writing cases: every command is one transaction on one connection.

`Store.write()` opens a write transaction (BEGIN IMMEDIATE on SQLite, row
locks on PostgreSQL) and yields a `Transaction` with the few operations a
command needs; leaving the block commits, an exception rolls everything back.
A case row is only ever updated at the row version the command read: a stale
write is refused, never merged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import DBAPIError

from engine.case import Case, TaskRecord, TimerRecord
from engine.errors import CaseNotFoundError, StaleCaseError, StoreError
from engine.store.database import shown_url
from engine.store.tables import cases, deliveries, events, outbox, playbooks, tasks, timers

__all__ = ["Store", "Transaction", "from_db", "to_db"]

# Statements built once: SQLAlchemy then only binds values and reuses its compiled SQL,
# which is most of what a command costs in Python.
_CASE = sa.select(cases).where(cases.c.id == sa.bindparam("case_id"))
_CASE_LOCKED = _CASE.with_for_update()
_TASKS_OF = sa.select(tasks).where(tasks.c.case_id == sa.bindparam("case_id")).order_by(tasks.c.id)
_WAITING_TIMERS_OF = (sa.select(timers)
                      .where(timers.c.case_id == sa.bindparam("case_id"), timers.c.status == "waiting")
                      .order_by(timers.c.due_at, timers.c.id))
_UPDATE_CASE = cases.update().where(cases.c.id == sa.bindparam("_id"),
                                    cases.c.row_version == sa.bindparam("_read"))
_CANCEL_TIMERS = (timers.update().where(timers.c.case_id == sa.bindparam("_case"),
                                        timers.c.status == "waiting").values(status="cancelled"))
_UPDATE_BY_ID = {table.name: table.update().where(table.c.id == sa.bindparam("_id"))
                 for table in (tasks, timers)}
_INSERT_RETURNING_ID = {table.name: table.insert().returning(table.c.id, sort_by_parameter_order=True)
                        for table in (tasks, timers)}
_INSERT_EVENT = events.insert()
_INSERT_OUTBOX = outbox.insert()


def to_db(moment: dt.datetime | None) -> dt.datetime | None:
    """Aware -> naive UTC, the form both databases store."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def from_db(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(tzinfo=dt.UTC)


def shown_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Store:
    """The database, for commands (`write`) and for reading (`read`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        try:
            with self.engine.connect().execution_options(trinn_write=True) as connection, \
                    connection.begin():
                yield Transaction(connection, self.is_postgres)
        except DBAPIError as exc:
            raise self._failed(exc) from exc

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        try:
            with self.engine.connect() as connection, connection.begin():
                yield Transaction(connection, self.is_postgres)
        except DBAPIError as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: DBAPIError) -> StoreError:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return StoreError(f"database {shown_url(self.engine.url)}: {reason}")

    def close(self) -> None:
        self.engine.dispose()


class Transaction:
    """The operations of one command, on one open transaction."""

    def __init__(self, connection: Connection, is_postgres: bool) -> None:
        self.connection = connection
        self.is_postgres = is_postgres

    def execute(self, statement: Any, *args: Any) -> sa.CursorResult[Any]:
        return self.connection.execute(statement, *args)

    # playbook versions ------------------------------------------------------

    def store_playbook(self, sha256: str, playbook_id: str, version: int, language: str,
                       text: str, now: dt.datetime) -> None:
        """Keep a playbook version's text, once (the first case of it stores it).

        Two first cases may be opened at once: the second insert then does nothing.
        """
        found = self.execute(sa.select(playbooks.c.sha256).where(playbooks.c.sha256 == sha256))
        if found.first() is None:
            if self.is_postgres:
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            self.execute(insert(playbooks).values(
                sha256=sha256, playbook_id=playbook_id, version=version, language=language,
                yaml=text, stored_at=to_db(now)).on_conflict_do_nothing(index_elements=["sha256"]))

    def playbook_text(self, sha256: str) -> str:
        text = self.execute(sa.select(playbooks.c.yaml).where(playbooks.c.sha256 == sha256)).scalar()
        if text is None:
            raise StoreError(f"the playbook version {sha256[:12]} is missing from the database")
        return str(text)

    # cases --------------------------------------------------------------------

    def load_case(self, case_id: int, *, lock: bool = False, with_timers: bool = False) -> Case:
        """A case with all its tasks (and its waiting timers if asked); `lock` holds its row."""
        key = {"case_id": case_id}
        row = self.execute(_CASE_LOCKED if lock and self.is_postgres else _CASE, key).mappings().first()
        if row is None:
            raise CaseNotFoundError(case_id)
        case = _case(row)
        case.tasks = [_task(r) for r in self.execute(_TASKS_OF, key).mappings()]
        if with_timers:
            case.timers = [_timer(r) for r in self.execute(_WAITING_TIMERS_OF, key).mappings()]
        return case

    def case_playbook(self, case_id: int) -> tuple[str, int, str]:
        """The playbook id, version and hash a case runs on (without loading the case)."""
        row = self.execute(sa.select(cases.c.playbook_id, cases.c.playbook_version,
                                     cases.c.playbook_sha256).where(cases.c.id == case_id)).first()
        if row is None:
            raise CaseNotFoundError(case_id)
        return row.playbook_id, row.playbook_version, row.playbook_sha256

    def insert_case(self, case: Case) -> int:
        values = _case_values(case)
        values.pop("id")
        case.id = int(self.execute(cases.insert().values(**values)).inserted_primary_key[0])
        self._save_children(case)
        return case.id

    def update_case(self, case: Case, read_version: int) -> None:
        """Write the case at `read_version` + 1, or refuse if someone else wrote first."""
        values = _case_values(case)
        values.pop("id")
        updated = self.execute(_UPDATE_CASE, {**values, "_id": case.id, "_read": read_version})
        if updated.rowcount != 1:
            self.raise_stale(case.id)
        self._save_children(case)

    def raise_stale(self, case_id: int) -> None:
        row = self.execute(sa.select(cases.c.updated_by, cases.c.updated_at)
                           .where(cases.c.id == case_id)).first()
        if row is None:
            raise CaseNotFoundError(case_id)
        raise StaleCaseError(case_id, row.updated_by, shown_time(from_db(row.updated_at)))

    def _save_children(self, case: Case) -> None:
        if case.timers_cancelled:
            self.execute(_CANCEL_TIMERS, {"_case": case.id})
            case.timers_cancelled = False
        self._save(tasks, case, case.tasks, _task_values)
        self._save(timers, case, case.timers, _timer_values)

    def _save(self, table: sa.Table, case: Case, records: Sequence[TaskRecord | TimerRecord],
              values: Any) -> None:
        """Insert the new records (learning their ids) and update the changed ones."""
        changed = [{**values(r), "_id": r.id} for r in records if r.dirty and r.id is not None]
        if changed:
            self.execute(_UPDATE_BY_ID[table.name], changed)
        new = [r for r in records if r.id is None]
        if new:
            inserted = self.execute(_INSERT_RETURNING_ID[table.name],
                                    [{**values(r), "case_id": case.id} for r in new])
            for record, row_id in zip(new, inserted.scalars(), strict=True):
                record.id = int(row_id)
        for record in records:
            record.dirty = False

    def add_event(self, case: Case, *, at: dt.datetime, actor: str, kind: str, name: str | None,
                  state_before: str | None, changes: Mapping[str, Any], note: str | None,
                  details: Mapping[str, Any]) -> None:
        self.execute(_INSERT_EVENT, {
            "case_id": case.id, "case_version": case.row_version, "at": to_db(at), "actor": actor,
            "kind": kind, "name": name, "state_before": state_before, "state_after": case.state,
            "changes": dict(changes), "note": note, "details": dict(details)})

    def add_outbox(self, case: Case, kind: str, payload: Mapping[str, Any],
                   now: dt.datetime) -> None:
        self.execute(_INSERT_OUTBOX, {
            "case_id": case.id, "case_version": case.row_version, "created_at": to_db(now),
            "kind": kind, "payload": dict(payload), "status": "pending", "attempts": 0,
            "next_attempt_at": to_db(now), "sent_at": None, "last_error": None})

    # reading ----------------------------------------------------------------

    def case_rows(self, *, playbook: str | None = None, state: str | None = None,
                  closed: bool | None = None, overdue_at: dt.datetime | None = None,
                  ids: Sequence[int] | None = None) -> list[RowMapping]:
        """Cases as a listing shows them (without their fields: decoding those is half the cost)."""
        listed = [c for c in cases.c if c.name != "fields"]
        query = sa.select(*listed).order_by(cases.c.id)
        if playbook is not None:
            query = query.where(cases.c.playbook_id == playbook)
        if state is not None:
            query = query.where(cases.c.state == state)
        if closed is not None:
            query = query.where(cases.c.closed_at.is_not(None) if closed
                                else cases.c.closed_at.is_(None))
        if ids is not None:
            query = query.where(cases.c.id.in_(list(ids)))
        if overdue_at is not None:
            query = query.where(sa.exists().where(
                tasks.c.case_id == cases.c.id, tasks.c.status == "open",
                tasks.c.due_at <= to_db(overdue_at)))
        return list(self.execute(query).mappings())

    def open_task_rows(self, *, roles: Sequence[str] | None = None, assignee: str | None = None,
                       overdue_at: dt.datetime | None = None) -> list[RowMapping]:
        """Open tasks of open cases, joined with their case, soonest due first."""
        query = (sa.select(tasks, cases.c.playbook_id, cases.c.playbook_version, cases.c.playbook_sha256,
                           cases.c.subject,
                           cases.c.state.label("case_state"))
                 .join(cases, cases.c.id == tasks.c.case_id)
                 .where(tasks.c.status == "open", cases.c.closed_at.is_(None),
                        tasks.c.entry == cases.c.entry)
                 .order_by(tasks.c.due_at.is_(None), tasks.c.due_at, tasks.c.case_id, tasks.c.id))
        if roles is not None and assignee is not None:
            query = query.where(sa.or_(tasks.c.role.in_(list(roles)), tasks.c.assignee == assignee))
        elif roles is not None:
            query = query.where(tasks.c.role.in_(list(roles)))
        if overdue_at is not None:
            query = query.where(tasks.c.due_at <= to_db(overdue_at))
        return list(self.execute(query).mappings())

    def event_rows(self, case_id: int) -> list[RowMapping]:
        return list(self.execute(sa.select(events).where(events.c.case_id == case_id)
                                 .order_by(events.c.case_version)).mappings())

    def outbox_rows(self, case_id: int | None = None) -> list[RowMapping]:
        query = sa.select(outbox).order_by(outbox.c.id)
        if case_id is not None:
            query = query.where(outbox.c.case_id == case_id)
        return list(self.execute(query).mappings())

    def due_timer_cases(self, now: dt.datetime) -> list[int]:
        """Cases with a timer due at `now`, in the order their first timer fell due."""
        first_due = sa.func.min(timers.c.due_at)
        query = (sa.select(timers.c.case_id).where(timers.c.status == "waiting",
                                                   timers.c.due_at <= to_db(now))
                 .group_by(timers.c.case_id).order_by(first_due, timers.c.case_id))
        return [int(case_id) for case_id in self.execute(query).scalars()]

    def child_ids(self, case_id: int) -> list[int]:
        return [int(i) for i in self.execute(sa.select(cases.c.id).where(
            cases.c.parent_id == case_id).order_by(cases.c.id)).scalars()]

    # delivering the outbox (notifiers.dispatch) ------------------------------------------

    def due_outbox_ids(self, now: dt.datetime, *, fresh_only: bool = False,
                       limit: int = 500) -> list[int]:
        """Notifications to send: due pending ones, and those whose dispatcher's claim lapsed.

        `fresh_only` picks the never-tried ones, whatever their time: what a command just wrote
        (or a command that crashed before it could send left behind).
        """
        moment = to_db(now)
        lapsed = sa.and_(outbox.c.status == "sending", outbox.c.claimed_until < moment)
        if fresh_only:
            due = sa.and_(outbox.c.status == "pending", outbox.c.attempts == 0)
        else:
            due = sa.or_(sa.and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= moment),
                         lapsed)
        query = (sa.select(outbox.c.id).where(outbox.c.kind == "notify", due)
                 .order_by(outbox.c.id).limit(limit))
        return [int(i) for i in self.execute(query).scalars()]

    def claim_outbox(self, row_id: int, token: str, now: dt.datetime,
                     until: dt.datetime) -> RowMapping | None:
        """Take a row for sending (counting the attempt); None if another dispatcher has it."""
        moment = to_db(now)
        claimed = self.execute(outbox.update().where(
            outbox.c.id == row_id, outbox.c.kind == "notify",
            sa.or_(sa.and_(outbox.c.status == "pending",
                           sa.or_(outbox.c.attempts == 0, outbox.c.next_attempt_at <= moment)),
                   sa.and_(outbox.c.status == "sending", outbox.c.claimed_until < moment)),
        ).values(status="sending", claimed_by=token, claimed_until=to_db(until),
                 attempts=outbox.c.attempts + 1))
        if claimed.rowcount != 1:
            return None
        return self.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()

    def add_delivery(self, outbox_id: int, *, attempt: int, at: dt.datetime, service: str,
                     url: str, recipient: str, status: str, error: str | None) -> None:
        self.execute(deliveries.insert().values(
            outbox_id=outbox_id, attempt=attempt, at=to_db(at), service=service, url=url,
            recipient=recipient, status=status, error=error))

    def delivered_to(self, outbox_id: int) -> set[tuple[str, str]]:
        """(masked URL, recipient) pairs this row was already sent to: never sent again."""
        rows = self.execute(sa.select(deliveries.c.url, deliveries.c.recipient).where(
            deliveries.c.outbox_id == outbox_id, deliveries.c.status == "sent"))
        return {(row.url, row.recipient) for row in rows}

    def finish_outbox(self, row_id: int, token: str, *, status: str,
                      next_attempt_at: dt.datetime | None, sent_at: dt.datetime | None,
                      last_error: str | None) -> bool:
        """Record the outcome of a claimed row; False if the claim was lost meanwhile."""
        done = self.execute(outbox.update().where(
            outbox.c.id == row_id, outbox.c.claimed_by == token, outbox.c.status == "sending",
        ).values(status=status, next_attempt_at=to_db(next_attempt_at), sent_at=to_db(sent_at),
                 last_error=last_error, claimed_by=None, claimed_until=None))
        return done.rowcount == 1

    def requeue_outbox(self, row_id: int, now: dt.datetime) -> RowMapping | None:
        """Make a failed (or waiting) row due now with a fresh count of attempts."""
        self.execute(outbox.update().where(
            outbox.c.id == row_id, outbox.c.status.in_(["failed", "pending"]),
        ).values(status="pending", attempts=0, next_attempt_at=to_db(now)))
        return self.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()

    def outbox_listing(self, *, status: str | None = None,
                       ids: Sequence[int] | None = None) -> list[RowMapping]:
        query = sa.select(outbox).where(outbox.c.kind == "notify").order_by(outbox.c.id)
        if status is not None:
            query = query.where(outbox.c.status == status)
        if ids is not None:
            query = query.where(outbox.c.id.in_(list(ids)))
        return list(self.execute(query).mappings())

    def delivery_rows(self, outbox_ids: Sequence[int]) -> list[RowMapping]:
        if not outbox_ids:
            return []
        return list(self.execute(sa.select(deliveries).where(
            deliveries.c.outbox_id.in_(list(outbox_ids))).order_by(deliveries.c.id)).mappings())

    # what the terminal UI reads --------------------------------------------------

    def case_listing(self) -> tuple[list[RowMapping], dict[int, tuple[int, Any, set[str]]]]:
        """Every case as a listing shows it, and for each case with open tasks in its current
        state: how many, the first due date, their roles. Two plain scans joined in Python:
        a GROUP BY over the join costs twice as much on SQLite."""
        query = sa.select(cases.c.id, cases.c.playbook_id, cases.c.playbook_sha256, cases.c.state,
                          cases.c.entry, cases.c.subject, cases.c.closed_at, cases.c.updated_at,
                          cases.c.updated_by).order_by(cases.c.id)
        rows = list(self.execute(query).mappings())
        entries = {row["id"]: row["entry"] for row in rows if row["closed_at"] is None}
        open_tasks: dict[int, tuple[int, Any, set[str]]] = {}
        for case_id, entry, role, due in self.execute(
                sa.select(tasks.c.case_id, tasks.c.entry, tasks.c.role, tasks.c.due_at)
                .where(tasks.c.status == "open")):
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
        query = sa.select(playbooks.c.sha256, playbooks.c.yaml).where(
            playbooks.c.sha256.in_(list(sha256s)))
        return {row.sha256: str(row.yaml) for row in self.execute(query)}

    def change_mark(self) -> tuple[int, int, int]:
        """Changes whenever any case or outbox row changes: the last event, the last outbox
        row, and the outbox's attempts so far (deliveries write no event)."""
        last_event = self.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0
        outbox_mark = self.execute(sa.select(sa.func.max(outbox.c.id),
                                             sa.func.sum(outbox.c.attempts))).first()
        return (int(last_event), int(outbox_mark[0] or 0) if outbox_mark else 0,
                int(outbox_mark[1] or 0) if outbox_mark else 0)


def _case(row: RowMapping) -> Case:
    return Case(
        id=int(row["id"]), playbook_id=row["playbook_id"],
        playbook_version=row["playbook_version"], playbook_sha256=row["playbook_sha256"],
        state=row["state"], entry=row["entry"], fields=dict(row["fields"]),
        opened_at=from_db(row["opened_at"]), opened_by=row["opened_by"],
        updated_at=from_db(row["updated_at"]), updated_by=row["updated_by"],
        row_version=row["row_version"], subject=row["subject"], parent_id=row["parent_id"],
        closed_at=from_db(row["closed_at"]), outcome=row["outcome"])


def _case_values(case: Case) -> dict[str, Any]:
    return {
        "id": case.id, "playbook_id": case.playbook_id,
        "playbook_version": case.playbook_version, "playbook_sha256": case.playbook_sha256,
        "state": case.state, "entry": case.entry, "subject": case.subject,
        "fields": case.fields, "parent_id": case.parent_id, "opened_at": to_db(case.opened_at),
        "opened_by": case.opened_by, "closed_at": to_db(case.closed_at), "outcome": case.outcome,
        "updated_at": to_db(case.updated_at), "updated_by": case.updated_by,
        "row_version": case.row_version,
    }


def _task(row: RowMapping) -> TaskRecord:
    return TaskRecord(
        task_id=row["task_id"], entry=row["entry"], state=row["state"], role=row["role"],
        created_at=from_db(row["created_at"]), item=row["item"], assignee=row["assignee"],
        status=row["status"], due_at=from_db(row["due_at"]), done_at=from_db(row["done_at"]),
        done_by=row["done_by"], note=row["note"], id=row["id"])


def _task_values(task: TaskRecord) -> dict[str, Any]:
    return {
        "task_id": task.task_id, "entry": task.entry, "state": task.state, "role": task.role,
        "created_at": to_db(task.created_at), "item": task.item, "assignee": task.assignee,
        "status": task.status, "due_at": to_db(task.due_at), "done_at": to_db(task.done_at),
        "done_by": task.done_by, "note": task.note,
    }


def _timer(row: RowMapping) -> TimerRecord:
    return TimerRecord(
        kind=row["kind"], position=row["position"], entry=row["entry"], state=row["state"],
        due_at=from_db(row["due_at"]), status=row["status"], fired_at=from_db(row["fired_at"]),
        fired_count=row["fired_count"], id=row["id"])


def _timer_values(timer: TimerRecord) -> dict[str, Any]:
    return {
        "kind": timer.kind, "position": timer.position, "entry": timer.entry,
        "state": timer.state, "due_at": to_db(timer.due_at), "status": timer.status,
        "fired_at": to_db(timer.fired_at), "fired_count": timer.fired_count,
    }
