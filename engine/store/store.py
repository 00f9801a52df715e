"""Reading and writing cases: every command is one transaction on one connection.

`Store.write()` opens a write transaction (BEGIN IMMEDIATE on SQLite, row
locks on PostgreSQL) and yields a `Transaction` with the few operations a
command needs; leaving the block commits, an exception rolls everything back.
A case row is only ever updated at the row version the command read: a stale
write is refused, never merged.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from itertools import starmap
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from trinn.engine.case import Case, TaskRecord, TimerRecord
from trinn.engine.errors import CaseNotFoundError, StaleCaseError, StoreError
from trinn.engine.status import DeliveryStatus, OutboxStatus, TaskStatus, TimerStatus
from trinn.engine.store.database import begin_write, shown_url
from trinn.engine.store.statements import (
    MAX_ROWS,
    TASK_CHANGES,
    TIMER_CHANGES,
    DriverStatement,
    Statements,
    statements_for,
)
from trinn.engine.store.tables import cases, deliveries, events, outbox, playbooks, tasks, timers

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["Store", "Transaction"]

_OUTBOX_STATUSES = tuple(s for s in OutboxStatus if s is not OutboxStatus.LOST)


def shown_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Store:
    """The database, for commands (`write`) and for reading (`read`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        # the same pool with the option set once (a per-connection option costs a copy each time)
        self._writer = engine.execution_options(trinn_write=True)
        # a command's statements run on the driver's cursor: its errors come unwrapped
        self._errors = (
            DBAPIError,
            engine.dialect.loaded_dbapi.Error,
            PoolTimeoutError,
        )  # the pool's: every connection busy too long
        # On SQLite one writing connection is kept between commands: a pool checkout and return
        # cost more than the BEGIN and COMMIT. Each command is still its own transaction. One
        # spare for the whole store, not one per thread: the terminal UI writes from a new
        # worker thread each time, and per-thread connections would drain the pool. PostgreSQL
        # checks out per command, so the pool's ping still finds a connection the server
        # dropped meanwhile (a round trip costs more than the pool anyway).
        self._holds = not self.is_postgres
        self._spare: Any = None
        self._lock = threading.Lock()

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        try:
            # a pooled driver connection, begun and ended on the driver: SQLAlchemy's
            # Connection and transaction objects cost more than the BEGIN and COMMIT
            # themselves; a statement run through SQLAlchemy makes one, which joins in
            pooled = self._checkout()
            tx = Transaction._pooled(self._writer, pooled, self.is_postgres, self._statements)
            kept = False
            try:
                begin_write(self.engine.dialect, pooled.driver_connection)
                yield tx
            except BaseException:
                tx._end(commit=False)
                raise
            else:
                tx._end(commit=True)
                # a connection SQLAlchemy's Connection took is handed back with it
                kept = tx._connection is None and self._keep(pooled)
            finally:
                if not kept:
                    tx._close()
        except self._errors as exc:
            raise self._failed(exc) from exc

    @cached_property
    def _statements(self) -> Statements:
        return statements_for(self.engine.dialect)

    def _checkout(self) -> Any:
        """The spare connection if no other command has it, else one from the pool."""
        with self._lock:
            pooled, self._spare = self._spare, None
        return pooled if pooled is not None else self._writer.raw_connection()

    def _keep(self, pooled: Any) -> bool:
        """Keep `pooled` as the spare for the next command (not after a failure, and only one)."""
        if not self._holds:
            return False
        with self._lock:
            if self._spare is not None:
                return False
            self._spare = pooled
            return True

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        try:
            with self.engine.connect() as connection, connection.begin():
                yield Transaction(connection, self.is_postgres)
        except self._errors as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> StoreError:
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        reason = str(orig).strip().splitlines()[0] if orig else str(exc)
        return StoreError(f"database {shown_url(self.engine.url)}: {reason}")

    def close(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.close()  # back to the pool, which `dispose` then closes
        self.engine.dispose()


class Transaction:
    """The operations of one command, on one open transaction."""

    def __init__(
        self, connection: Connection | None, is_postgres: bool, statements: Statements | None = None
    ) -> None:
        self._connection: Connection | None = connection
        if connection is not None:  # else `_pooled` set the engine and the pooled connection
            self._engine: Engine = connection.engine
            self._pool_connection: Any = None
        self.is_postgres = is_postgres
        self._statements = statements or statements_for(self._engine.dialect)
        self._cursor: Any = None
        self._fields_read: dict[int, dict[str, Any]] = {}  # each loaded case's fields as stored

    @classmethod
    def _pooled(
        cls, engine: Engine, pool_connection: Any, is_postgres: bool, statements: Statements
    ) -> Transaction:
        """A command's transaction on a pooled driver connection (see `Store.write`)."""
        tx = cls.__new__(cls)
        tx._engine, tx._pool_connection = engine, pool_connection
        cls.__init__(tx, None, is_postgres, statements)  # as every Transaction
        return tx

    @property
    def connection(self) -> Connection:
        """SQLAlchemy's connection of this transaction (made on first use by a command's)."""
        if self._connection is None:
            self._connection = Connection(self._engine, self._pool_connection)
        return self._connection

    def _end(self, commit: bool) -> None:
        connection = self._connection
        if connection is not None and connection.in_transaction():
            connection.commit() if commit else connection.rollback()
        else:
            driver = self._pool_connection.driver_connection
            driver.commit() if commit else driver.rollback()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()  # hands the pooled connection back too
        else:
            self._pool_connection.close()

    def execute(self, statement: Any, *args: Any) -> sa.CursorResult[*tuple[Any, ...]]:
        return self.connection.execute(statement, *args)

    # a command's statements, on the driver's cursor of the same transaction

    def _driver(self, sql: str, parameters: Any, many: bool = False) -> Any:
        """Run driver SQL; everything a command writes passes here (the benchmark records it)."""
        if self._cursor is None:
            pooled = self._pool_connection or self.connection.connection
            # sqlite3's or psycopg's connection; SQLAlchemy types it Optional (None once detached)
            driver: Any = pooled.driver_connection
            self._cursor = driver.cursor()
        if many:
            self._cursor.executemany(sql, parameters)
        else:
            self._cursor.execute(sql, parameters)
        return self._cursor

    def _rows(self, statement: DriverStatement, values: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        return statement.rows(self._driver(statement.sql, statement.parameters(values)).fetchall())

    def _run(self, statement: DriverStatement, values: Mapping[str, Any]) -> int:
        return int(self._driver(statement.sql, statement.parameters(values)).rowcount)

    def _run_many(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        if len(rows) == 1:
            self._run(statement, rows[0])
        else:
            self._driver(statement.sql, [statement.parameters(row) for row in rows], many=True)

    # playbook versions ------------------------------------------------------

    def store_playbook(
        self, sha256: str, playbook_id: str, version: int, language: str, text: str, now: dt.datetime
    ) -> None:
        """Keep a playbook version's text, once (the first case of it stores it).

        Two first cases may be opened at once: the second insert then does nothing.
        """
        if not self._rows(self._statements.playbook_stored, {"sha256": sha256}):
            statement: postgresql.Insert | sqlite.Insert
            if self.is_postgres:
                from sqlalchemy.dialects.postgresql import insert as postgres_insert

                statement = postgres_insert(playbooks)
            else:
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                statement = sqlite_insert(playbooks)
            self.execute(
                statement.values(
                    sha256=sha256,
                    playbook_id=playbook_id,
                    version=version,
                    language=language,
                    yaml=text,
                    stored_at=now,
                ).on_conflict_do_nothing(index_elements=["sha256"])
            )

    def playbook_text(self, sha256: str) -> str:
        text = self.execute(sa.select(playbooks.c.yaml).where(playbooks.c.sha256 == sha256)).scalar()
        if text is None:
            raise StoreError(f"the playbook version {sha256[:12]} is missing from the database")
        return str(text)

    # cases --------------------------------------------------------------------

    def load_case(self, case_id: int, *, lock: bool = False, with_timers: bool = False) -> Case:
        """A case with all its tasks (and its waiting timers if asked); `lock` holds its row."""
        key = {"case_id": case_id}
        sql = self._statements
        found = self._rows(sql.case_locked if lock else sql.case, key)
        if not found:
            raise CaseNotFoundError(case_id)
        case = _case_of(found[0])
        self._fields_read[case_id] = dict(case.fields)
        case.tasks = list(starmap(TaskRecord, self._rows(sql.tasks_of, key)))
        if with_timers:
            case.timers = list(starmap(TimerRecord, self._rows(sql.waiting_timers_of, key)))
        return case

    def case_playbook(self, case_id: int) -> tuple[str, int, str]:
        """The playbook id, version and hash a case runs on (without loading the case)."""
        row = self.execute(
            sa.select(cases.c.playbook_id, cases.c.playbook_version, cases.c.playbook_sha256).where(
                cases.c.id == case_id
            )
        ).first()
        if row is None:
            raise CaseNotFoundError(case_id)
        return row.playbook_id, row.playbook_version, row.playbook_sha256

    def insert_case(self, case: Case) -> int:
        values = _case_values(case)
        case.id = int(self._rows(self._statements.insert_case, values)[0][0])
        self._save_children(case)
        return case.id

    def update_case(self, case: Case, read_version: int) -> None:
        """Write the case at `read_version` + 1, or refuse if someone else wrote first."""
        values = _case_values(case)
        values["_id"], values["_read"] = case.id, read_version
        same = case.fields == self._fields_read.get(case.id)
        sql = self._statements
        if self._run(sql.update_case_same_fields if same else sql.update_case, values) != 1:
            self.raise_stale(case.id)
        self._save_children(case)

    def raise_stale(self, case_id: int) -> None:
        row = self.execute(
            sa.select(cases.c.updated_by, cases.c.updated_at).where(cases.c.id == case_id)
        ).first()
        if row is None:
            raise CaseNotFoundError(case_id)
        raise StaleCaseError(case_id, row.updated_by, shown_time(row.updated_at))

    def _save_children(self, case: Case) -> None:
        sql = self._statements
        if case.timers_cancelled:
            self._run(sql.cancel_timers, {"case_id": case.id})
            case.timers_cancelled = False
        self._save(tasks, sql.update_task, TASK_CHANGES, case, case.tasks, _task_values)
        self._save(timers, sql.update_timer, TIMER_CHANGES, case, case.timers, _timer_values)

    def _save(
        self,
        table: sa.Table,
        update: DriverStatement,
        changeable: Sequence[str],
        case: Case,
        records: Sequence[TaskRecord | TimerRecord],
        values: Any,
    ) -> None:
        """Insert the new records (learning their ids) and update the changed ones."""
        new = [r for r in records if r.id is None]
        dirty = [r for r in records if r.dirty and r.id is not None]
        if dirty:
            self._run_many(
                update, [{**{name: getattr(r, name) for name in changeable}, "_id": r.id} for r in dirty]
            )
        for start in range(0, len(new), MAX_ROWS):
            batch = new[start : start + MAX_ROWS]
            statement, parameters = self._statements.insert_rows(
                table, [{**values(r), "case_id": case.id} for r in batch]
            )
            # one statement hands out increasing ids in the order of its rows
            ids = sorted(int(row[0]) for row in self._driver(statement.sql, parameters).fetchall())
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
            self._statements.insert_event,
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
            self._statements.insert_outbox,
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

    # reading ----------------------------------------------------------------

    def case_rows(
        self,
        *,
        playbook: str | None = None,
        state: str | None = None,
        closed: bool | None = None,
        overdue_at: dt.datetime | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[RowMapping]:
        """Cases as a listing shows them (without their fields: decoding those is half the cost)."""
        listed = [c for c in cases.c if c.name != "fields"]
        query = sa.select(*listed).order_by(cases.c.id)
        if playbook is not None:
            query = query.where(cases.c.playbook_id == playbook)
        if state is not None:
            query = query.where(cases.c.state == state)
        if closed is not None:
            query = query.where(cases.c.closed_at.is_not(None) if closed else cases.c.closed_at.is_(None))
        if ids is not None:
            query = query.where(cases.c.id.in_(list(ids)))
        if overdue_at is not None:
            query = query.where(
                sa.exists().where(
                    tasks.c.case_id == cases.c.id,
                    tasks.c.status == TaskStatus.OPEN,
                    tasks.c.due_at <= overdue_at,
                )
            )
        return list(self.execute(query).mappings())

    def open_task_rows(
        self,
        *,
        roles: Sequence[str] | None = None,
        assignee: str | None = None,
        overdue_at: dt.datetime | None = None,
    ) -> list[RowMapping]:
        """Open tasks of open cases, joined with their case, soonest due first."""
        query = (
            sa.select(
                tasks,
                cases.c.playbook_id,
                cases.c.playbook_version,
                cases.c.playbook_sha256,
                cases.c.subject,
                cases.c.state.label("case_state"),
            )
            .join(cases, cases.c.id == tasks.c.case_id)
            .where(
                tasks.c.status == TaskStatus.OPEN, cases.c.closed_at.is_(None), tasks.c.entry == cases.c.entry
            )
            .order_by(tasks.c.due_at.is_(None), tasks.c.due_at, tasks.c.case_id, tasks.c.id)
        )
        if roles is not None and assignee is not None:
            query = query.where(sa.or_(tasks.c.role.in_(list(roles)), tasks.c.assignee == assignee))
        elif roles is not None:
            query = query.where(tasks.c.role.in_(list(roles)))
        if overdue_at is not None:
            query = query.where(tasks.c.due_at <= overdue_at)
        return list(self.execute(query).mappings())

    def event_rows(self, case_id: int) -> list[RowMapping]:
        return list(
            self.execute(
                sa.select(events).where(events.c.case_id == case_id).order_by(events.c.case_version)
            ).mappings()
        )

    def outbox_rows(self, case_id: int | None = None) -> list[RowMapping]:
        query = sa.select(outbox).order_by(outbox.c.id)
        if case_id is not None:
            query = query.where(outbox.c.case_id == case_id)
        return list(self.execute(query).mappings())

    def due_timer_cases(self, now: dt.datetime) -> list[int]:
        """Cases with a timer due at `now`, in the order their first timer fell due."""
        first_due = sa.func.min(timers.c.due_at)
        query = (
            sa.select(timers.c.case_id)
            # a meeting's row keeps its start for showing, and is settled by the next command
            .where(
                timers.c.status == TimerStatus.WAITING,
                timers.c.due_at <= now,
                timers.c.kind != "meeting",
            )
            .group_by(timers.c.case_id)
            .order_by(first_due, timers.c.case_id)
        )
        return [int(case_id) for case_id in self.execute(query).scalars()]

    def child_ids(self, case_id: int) -> list[int]:
        return [
            int(i)
            for i in self.execute(
                sa.select(cases.c.id).where(cases.c.parent_id == case_id).order_by(cases.c.id)
            ).scalars()
        ]

    # delivering the outbox (notifiers.dispatch) ------------------------------------------

    def due_outbox_ids(self, now: dt.datetime, *, fresh_only: bool = False, limit: int = 500) -> list[int]:
        """Notifications to send: due pending ones, and those whose dispatcher's claim lapsed.

        `fresh_only` picks the never-tried ones, whatever their time: what a command just wrote
        (or a command that crashed before it could send left behind).
        """
        moment = now
        lapsed = sa.and_(outbox.c.status == OutboxStatus.SENDING, outbox.c.claimed_until < moment)
        if fresh_only:
            due = sa.and_(outbox.c.status == OutboxStatus.PENDING, outbox.c.attempts == 0)
        else:
            due = sa.or_(
                sa.and_(outbox.c.status == OutboxStatus.PENDING, outbox.c.next_attempt_at <= moment), lapsed
            )
        query = (
            sa.select(outbox.c.id).where(outbox.c.kind == "notify", due).order_by(outbox.c.id).limit(limit)
        )
        return [int(i) for i in self.execute(query).scalars()]

    def claim_outbox(
        self, row_id: int, token: str, now: dt.datetime, until: dt.datetime
    ) -> RowMapping | None:
        """Take a row for sending (counting the attempt); None if another dispatcher has it."""
        moment = now
        claimed = self.execute(
            outbox.update()
            .where(
                outbox.c.id == row_id,
                outbox.c.kind == "notify",
                sa.or_(
                    sa.and_(
                        outbox.c.status == OutboxStatus.PENDING,
                        sa.or_(outbox.c.attempts == 0, outbox.c.next_attempt_at <= moment),
                    ),
                    sa.and_(outbox.c.status == OutboxStatus.SENDING, outbox.c.claimed_until < moment),
                ),
            )
            .values(
                status=OutboxStatus.SENDING,
                claimed_by=token,
                claimed_until=until,
                attempts=outbox.c.attempts + 1,
            )
        )
        if claimed.rowcount != 1:
            return None
        return self.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()

    def renew_outbox(self, row_id: int, token: str, until: dt.datetime) -> bool:
        """Extend this dispatcher's claim on a row; False if the claim lapsed and was lost."""
        renewed = self.execute(
            outbox.update()
            .where(
                outbox.c.id == row_id,
                outbox.c.claimed_by == token,
                outbox.c.status == OutboxStatus.SENDING,
            )
            .values(claimed_until=until)
        )
        return renewed.rowcount == 1

    def add_delivery(
        self,
        outbox_id: int,
        *,
        attempt: int,
        at: dt.datetime,
        service: str,
        channel: str,
        url: str,
        recipient: str,
        status: str,
        error: str | None,
    ) -> None:
        self.execute(
            deliveries.insert().values(
                outbox_id=outbox_id,
                attempt=attempt,
                at=at,
                service=service,
                channel=channel,
                url=url,
                recipient=recipient,
                status=status,
                error=error,
            )
        )

    def delivered_to(self, outbox_id: int) -> set[tuple[str, str]]:
        """(channel key, recipient) pairs this row was already sent to: never sent again.

        A delivery recorded before deliveries kept the key (schema 0002) gives its masked URL.
        """
        rows = self.execute(
            sa.select(deliveries.c.channel, deliveries.c.url, deliveries.c.recipient).where(
                deliveries.c.outbox_id == outbox_id, deliveries.c.status == DeliveryStatus.SENT
            )
        )
        return {(row.channel or row.url, row.recipient) for row in rows}

    def finish_outbox(
        self,
        row_id: int,
        token: str,
        *,
        status: str,
        next_attempt_at: dt.datetime | None,
        sent_at: dt.datetime | None,
        last_error: str | None,
    ) -> bool:
        """Record the outcome of a claimed row; False if the claim was lost meanwhile."""
        done = self.execute(
            outbox.update()
            .where(
                outbox.c.id == row_id,
                outbox.c.claimed_by == token,
                outbox.c.status == OutboxStatus.SENDING,
            )
            .values(
                status=status,
                next_attempt_at=next_attempt_at,
                sent_at=sent_at,
                last_error=last_error,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return done.rowcount == 1

    def requeue_outbox(
        self, row_id: int, now: dt.datetime, *, payload: Mapping[str, Any] | None = None
    ) -> RowMapping | None:
        """Make a failed (or waiting) row due now with a fresh count of attempts; a skipped
        one too, given its `payload` addressed anew (the field it was skipped for is set now)."""
        statuses = [OutboxStatus.FAILED, OutboxStatus.PENDING, *([OutboxStatus.SKIPPED] if payload else [])]
        values: dict[str, Any] = {
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
        }
        if payload is not None:
            values.update(payload=dict(payload), last_error=None)
        self.execute(
            outbox.update().where(outbox.c.id == row_id, outbox.c.status.in_(statuses)).values(**values)
        )
        return self.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()

    def outbox_listing(
        self, *, status: str | None = None, ids: Sequence[int] | None = None
    ) -> list[RowMapping]:
        query = sa.select(outbox).where(outbox.c.kind == "notify").order_by(outbox.c.id)
        if status is not None:
            query = query.where(outbox.c.status == status)
        if ids is not None:
            query = query.where(outbox.c.id.in_(list(ids)))
        return list(self.execute(query).mappings())

    def delivery_rows(self, outbox_ids: Sequence[int]) -> list[RowMapping]:
        if not outbox_ids:
            return []
        return list(
            self.execute(
                sa.select(deliveries)
                .where(deliveries.c.outbox_id.in_(list(outbox_ids)))
                .order_by(deliveries.c.id)
            ).mappings()
        )

    # what the terminal UI reads --------------------------------------------------

    def case_listing(self) -> tuple[list[RowMapping], dict[int, tuple[int, Any, set[str]]]]:
        """Every case as a listing shows it, and for each case with open tasks in its current
        state: how many, the first due date, their roles. Two plain scans joined in Python:
        a GROUP BY over the join costs twice as much on SQLite."""
        query = sa.select(
            cases.c.id,
            cases.c.playbook_id,
            cases.c.playbook_sha256,
            cases.c.state,
            cases.c.entry,
            cases.c.subject,
            cases.c.closed_at,
            cases.c.updated_at,
            cases.c.updated_by,
        ).order_by(cases.c.id)
        rows = list(self.execute(query).mappings())
        entries = {row["id"]: row["entry"] for row in rows if row["closed_at"] is None}
        open_tasks: dict[int, tuple[int, Any, set[str]]] = {}
        for case_id, entry, role, due in self.execute(
            sa.select(tasks.c.case_id, tasks.c.entry, tasks.c.role, tasks.c.due_at).where(
                tasks.c.status == TaskStatus.OPEN
            )
        ):
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
        query = sa.select(playbooks.c.sha256, playbooks.c.yaml).where(playbooks.c.sha256.in_(list(sha256s)))
        return {row.sha256: str(row.yaml) for row in self.execute(query)}

    def change_mark(self) -> tuple[int, ...]:
        """Changes whenever any case or outbox row changes: the last event, the last outbox
        row, the outbox's attempts so far, the last delivery result, and how many rows are in
        each status (deliveries write no event; a row can fail or be requeued without a new
        delivery or attempt)."""
        last_event = self.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0
        outbox_mark = self.execute(
            sa.select(sa.func.max(outbox.c.id), sa.func.sum(outbox.c.attempts))
        ).first()
        last_delivery = self.execute(sa.select(sa.func.max(deliveries.c.id))).scalar() or 0
        counts = dict(
            self.execute(sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)).all()
        )
        return (
            int(last_event),
            int(outbox_mark[0] or 0) if outbox_mark else 0,
            int(outbox_mark[1] or 0) if outbox_mark else 0,
            int(last_delivery),
            *(int(counts.get(status, 0)) for status in _OUTBOX_STATUSES),
        )


def _plain(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A dict as JSON encodes it (the commands' own dicts go as they are)."""
    return mapping if isinstance(mapping, dict) else dict(mapping)


def _case_of(row: Sequence[Any]) -> Case:
    """A case from its row (the columns in the table's order, times already aware)."""
    (
        case_id,
        playbook_id,
        playbook_version,
        playbook_sha256,
        state,
        entry,
        subject,
        fields,
        parent_id,
        opened_at,
        opened_by,
        closed_at,
        outcome,
        updated_at,
        updated_by,
        row_version,
    ) = row
    return Case(
        id=int(case_id),
        playbook_id=playbook_id,
        playbook_version=playbook_version,
        playbook_sha256=playbook_sha256,
        state=state,
        entry=entry,
        fields=fields,
        opened_at=opened_at,
        opened_by=opened_by,
        updated_at=updated_at,
        updated_by=updated_by,
        row_version=row_version,
        subject=subject,
        parent_id=parent_id,
        closed_at=closed_at,
        outcome=outcome,
    )


def _case_values(case: Case) -> dict[str, Any]:
    return {
        "playbook_id": case.playbook_id,
        "playbook_version": case.playbook_version,
        "playbook_sha256": case.playbook_sha256,
        "state": case.state,
        "entry": case.entry,
        "subject": case.subject,
        "fields": case.fields,
        "parent_id": case.parent_id,
        "opened_at": case.opened_at,
        "opened_by": case.opened_by,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "updated_at": case.updated_at,
        "updated_by": case.updated_by,
        "row_version": case.row_version,
    }


def _task_values(task: TaskRecord) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "entry": task.entry,
        "state": task.state,
        "role": task.role,
        "created_at": task.created_at,
        "item": task.item,
        "assignee": task.assignee,
        "status": task.status,
        "due_at": task.due_at,
        "done_at": task.done_at,
        "done_by": task.done_by,
        "note": task.note,
    }


def _timer_values(timer: TimerRecord) -> dict[str, Any]:
    return {
        "kind": timer.kind,
        "position": timer.position,
        "entry": timer.entry,
        "state": timer.state,
        "due_at": timer.due_at,
        "status": timer.status,
        "fired_at": timer.fired_at,
        "fired_count": timer.fired_count,
    }
