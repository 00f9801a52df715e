"""The statements every command sends, compiled once per dialect and run on the driver's cursor.

A command sends half a dozen statements. Through SQLAlchemy's execution layer
each costs some 25 us of Python before the driver sees it: more than SQLite
takes to run it. So these few are still written once in SQLAlchemy Core (one
definition for SQLite and PostgreSQL), but compiled once per dialect to the
driver's own SQL and run on the DBAPI connection of the command's transaction,
with SQLAlchemy's own type processors on the values going in and coming out:
what is stored is exactly what SQLAlchemy would store, and an existing
database reads the same.

Times go through their column type (`UtcDateTime`) like every other value: in
aware or naive-UTC, out aware (UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from trinn.engine.case import KEPT_ON_LEAVING
from trinn.engine.status import TimerStatus
from trinn.engine.store.tables import UtcDateTime, cases, events, outbox, playbooks, tasks, timers

__all__ = ["MAX_ROWS", "DriverStatement", "Statements", "statements_for"]

MAX_ROWS = 40  # rows per multi-row INSERT: 40 x 14 values stays under SQLite's old 999 limit


def _bind_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    process: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    if isinstance(type_, UtcDateTime) and process is not None:
        return _remembered(process)
    return process


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    process: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(dialect, None)
    if isinstance(type_, UtcDateTime) and process is not None:
        return _remembered(process)
    return process


def _remembered(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A time's processor (the column type's own), remembered: a command writes its one `now`
    into several columns and rows, and a case's tasks share a few moments."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        done = seen.get(value)
        if done is None:
            if len(seen) >= 4096:
                seen.clear()
            done = seen[value] = process(value)
        return done

    return convert


class DriverStatement:
    """One statement as the driver takes it: its SQL, and how values go in and rows come out."""

    __slots__ = ("_fixed", "_get", "_names", "_processors", "_results", "sql")

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        rendered = {name: bind for bind, name in compiled.bind_names.items()}
        positional = list(compiled.positiontup or ()) if dialect.positional else None
        names = list(rendered) if positional is None else positional
        self._names = None if positional is not None else names  # None: the driver takes a tuple
        keys: list[str] = []
        self._fixed: dict[str, Any] = {}  # binds made with a value (`status == "waiting"`)
        self._processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(names):
            bind = rendered[name]
            process = _bind_processor(bind.type, dialect)
            if bind.required:
                keys.append(bind.key)
                if process is not None:
                    self._processors.append((index, process))
            else:
                keys.append("\0" + name)  # no value of a command is named so
                value = bind.effective_value
                self._fixed[keys[-1]] = value if process is None else process(value)
        get = itemgetter(*keys) if keys else lambda _values: ()
        self._get = get if len(keys) != 1 else lambda values: (get(values),)
        # only SELECTs need their values converted (RETURNING gives back integer ids)
        columns = statement.selected_columns if isinstance(statement, sa.Select) else ()
        self._results = [
            (i, p)
            for i, column in enumerate(columns)
            if (p := _result_processor(column.type, dialect)) is not None
        ]

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """`values` by bind name, in the driver's paramstyle, through the types' processors."""
        if self._fixed:
            values = {**values, **self._fixed}
        got = self._get(values)
        if self._processors:
            got = list(got)
            for index, process in self._processors:
                got[index] = process(got[index])
        return tuple(got) if self._names is None else dict(zip(self._names, got, strict=True))

    def rows(self, fetched: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """Fetched rows with their values as SQLAlchemy would return them (times aware)."""
        if not self._results or not fetched:
            return fetched
        columns: list[Any] = list(zip(*fetched, strict=True))
        for index, process in self._results:
            # a column has few distinct values (a case's tasks share a few moments):
            # each converted once, then looked up
            converted = {value: None if value is None else process(value) for value in set(columns[index])}
            columns[index] = map(converted.__getitem__, columns[index])
        return list(zip(*columns, strict=True))


def _by_case() -> Any:
    return sa.bindparam("case_id", type_=cases.c.id.type)


def _case_by_id() -> Any:
    return sa.select(*cases.c).where(cases.c.id == _by_case())


def _case_at_version() -> Any:
    return cases.update().where(
        cases.c.id == sa.bindparam("_id", type_=cases.c.id.type),
        cases.c.row_version == sa.bindparam("_read", type_=sa.Integer()),
    )


def _binds(table: sa.Table, names: Sequence[str], suffix: str = "") -> dict[str, Any]:
    return {name: sa.bindparam(name + suffix, type_=table.c[name].type) for name in names}


class Statements:
    """A command's statements for one dialect (multi-row inserts made on first use per size)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._inserts: dict[tuple[str, int], DriverStatement] = {}

    # each compiled on first use: a one-shot command line process needs only its own few

    @cached_property
    def playbook_stored(self) -> DriverStatement:
        return self._compile(
            sa.select(playbooks.c.sha256).where(
                playbooks.c.sha256 == sa.bindparam("sha256", type_=playbooks.c.sha256.type)
            )
        )

    @cached_property
    def case(self) -> DriverStatement:
        return self._compile(_case_by_id())

    @cached_property
    def case_locked(self) -> DriverStatement:
        locked = self.dialect.name == "postgresql"  # SQLite: the writer holds the whole file
        return self._compile(_case_by_id().with_for_update() if locked else _case_by_id())

    @cached_property
    def tasks_of(self) -> DriverStatement:
        """A case's tasks, each row in the order of TaskRecord's fields."""
        return self._compile(
            sa.select(*[tasks.c[name] for name in TASK_RECORD])
            .where(tasks.c.case_id == _by_case())
            .order_by(tasks.c.id)
        )

    @cached_property
    def waiting_timers_of(self) -> DriverStatement:
        """A case's waiting timers, each row in the order of TimerRecord's fields."""
        return self._compile(
            sa.select(*[timers.c[name] for name in TIMER_RECORD])
            .where(timers.c.case_id == _by_case(), timers.c.status == TimerStatus.WAITING)
            .order_by(timers.c.due_at, timers.c.id)
        )

    @cached_property
    def insert_case(self) -> DriverStatement:
        return self._compile(
            cases.insert()
            .values(_binds(cases, [c.name for c in cases.c if c.name != "id"]))
            .returning(cases.c.id)
        )

    @cached_property
    def update_case(self) -> DriverStatement:
        return self._compile(_case_at_version().values(_binds(cases, CASE_CHANGES)))

    @cached_property
    def update_case_same_fields(self) -> DriverStatement:
        """Most commands leave the fields as they were: no need to encode and write them again."""
        return self._compile(
            _case_at_version().values(_binds(cases, [name for name in CASE_CHANGES if name != "fields"]))
        )

    @cached_property
    def cancel_timers(self) -> DriverStatement:
        return self._compile(
            timers.update()
            .where(
                timers.c.case_id == _by_case(),
                timers.c.status == TimerStatus.WAITING,
                # deadlines outlive the state; a meeting's row is settled by engine.meetings
                *(timers.c.kind != kind for kind in sorted(KEPT_ON_LEAVING)),
            )
            .values(status=TimerStatus.CANCELLED)
        )

    @cached_property
    def update_task(self) -> DriverStatement:
        return self._compile(
            tasks.update()
            .where(tasks.c.id == sa.bindparam("_id", type_=tasks.c.id.type))
            .values(_binds(tasks, TASK_CHANGES))
        )

    @cached_property
    def update_timer(self) -> DriverStatement:
        return self._compile(
            timers.update()
            .where(timers.c.id == sa.bindparam("_id", type_=timers.c.id.type))
            .values(_binds(timers, TIMER_CHANGES))
        )

    @cached_property
    def insert_event(self) -> DriverStatement:
        return self._compile(
            events.insert().inline().values(_binds(events, [c.name for c in events.c if c.name != "seq"]))
        )

    @cached_property
    def insert_outbox(self) -> DriverStatement:
        return self._compile(
            outbox.insert().inline().values(_binds(outbox, [c.name for c in outbox.c if c.name != "id"]))
        )

    def _compile(self, statement: Any) -> DriverStatement:
        return DriverStatement(statement, self.dialect)

    def insert_rows(
        self, table: sa.Table, rows: Sequence[Mapping[str, Any]]
    ) -> tuple[DriverStatement, tuple[Any, ...] | dict[str, Any]]:
        """One INSERT of up to MAX_ROWS tasks or timers, RETURNING their ids in row order
        (ids are handed out in the order of the VALUES rows), and its parameters."""
        count = len(rows)
        assert 0 < count <= MAX_ROWS
        key = (table.name, count)
        statement = self._inserts.get(key)
        if statement is None:
            names = [c.name for c in table.c if c.name != "id"]
            binds = [_binds(table, names, f"_{i}") for i in range(count)]
            statement = self._compile(
                table.insert().values(binds if count > 1 else binds[0]).returning(table.c.id)
            )
            self._inserts[key] = statement
        flat = {f"{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()}
        return statement, statement.parameters(flat)


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
TIMER_CHANGES = ("due_at", "status", "fired_at", "fired_count")

_BY_DIALECT: dict[tuple[type, Any], Statements] = {}


def statements_for(dialect: Dialect) -> Statements:
    """The statements for `dialect`, compiled on first use in this process."""
    key = (type(dialect), dialect.server_version_info)
    found = _BY_DIALECT.get(key)
    if found is None:
        found = _BY_DIALECT[key] = Statements(dialect)
    return found
