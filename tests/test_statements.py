"""The store's plain SQL on the driver: it stores exactly what SQLAlchemy stores, on both databases,
and reads back what SQLAlchemy stored; its columns and kinds are the tables' (`tables.py`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from trinn.engine.case import TaskRecord, TimerRecord
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database, resolve_url
from trinn.engine.store import sql as statements
from trinn.engine.store.dialect import JSON_COLUMNS, TIME_COLUMNS, dialect_named
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
from trinn.engine.store.sql import MAX_ROWS, TASK_RECORD, TIMER_RECORD
from trinn.engine.store.tables import (
    JSON,
    UtcDateTime,
    cases,
    deliveries,
    events,
    metadata,
    outbox,
    tasks,
    timers,
)

CASES = Path(__file__).parent / "data" / "cases"
NOW = dt.datetime(2026, 11, 24, 9, 30, 15, 120_000, tzinfo=dt.UTC)


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    engine = open_database(db_url)
    yield Service(Store(engine), PlaybookRegistry([CASES]), People.single_user("kari"), clock=lambda: NOW)
    engine.dispose()


def _walk(service: Service) -> int:
    case_id = service.open_case("test.onboarding", {"org": "Acme", "note": "n"}, actor="kari").id
    service.set_fields(case_id, {"members": "a, b, c"}, actor="kari")
    service.submit_form(case_id, "intake", {"contact": "x@acme.no"}, actor="kari")
    service.fire(case_id, "to_signing", actor="kari")
    service.complete_task(case_id, "sign", item="b", actor="kari", note="signed")
    return case_id


def test_commands_store_what_sqlalchemy_reads_back(service: Service, db_url: str) -> None:
    case_id = _walk(service)
    engine = sa.create_engine(db_url)  # read through SQLAlchemy's own layer
    with engine.connect() as connection:
        case = connection.execute(sa.select(cases).where(cases.c.id == case_id)).mappings().one()
        history = connection.execute(sa.select(events).order_by(events.c.seq)).mappings().all()
        rows = connection.execute(sa.select(tasks).order_by(tasks.c.id)).mappings().all()
    engine.dispose()
    assert (case["state"], case["row_version"], case["updated_at"]) == ("signing", 5, NOW)
    assert case["fields"] == {
        "org": "Acme",
        "note": "n",
        "size": 1,
        "start": "2026-11-24",
        "members": ["a", "b", "c"],
        "contact": "x@acme.no",
        "approved": False,
    }
    assert [(e["case_version"], e["kind"], e["at"]) for e in history] == [
        (1, "open", NOW),
        (2, "set", NOW),
        (3, "form", NOW),
        (4, "fire", NOW),
        (5, "done", NOW),
    ]
    assert history[1]["changes"] == {"members": [None, ["a", "b", "c"]]}
    assert history[3]["details"]["transitions"] == [
        {"trigger": "to_signing", "index": 0, "from": "new", "to": "signing"}
    ]
    # the three sign tasks were inserted by one statement: each kept the id of its own row
    signing = [
        (r["task_id"], r["item"], r["status"], r["done_at"], r["note"])
        for r in rows
        if r["state"] == "signing"
    ]
    assert signing == [
        ("sign", "a", "open", None, None),
        ("sign", "b", "done", NOW, "signed"),
        ("sign", "c", "open", None, None),
    ]


def test_sqlite_times_are_stored_in_sqlalchemys_format(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    service = Service(Store(engine), PlaybookRegistry([CASES]), People.single_user("kari"), clock=lambda: NOW)
    _walk(service)
    engine.dispose()
    connection = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    stored = {
        row[0]
        for row in connection.execute(
            "SELECT at FROM events UNION SELECT updated_at FROM cases UNION SELECT created_at FROM tasks"
        )
    }
    connection.close()
    assert stored == {"2026-11-24 09:30:15.120000"}


def test_a_case_loaded_reads_the_same_as_it_was_saved(service: Service) -> None:
    case_id = _walk(service)
    case, _compiled, _children = service.queries.load(case_id)
    assert case.updated_at == NOW and case.updated_at.tzinfo is dt.UTC
    sign = [t for t in case.tasks if t.task_id == "sign"]
    assert [(t.item, t.status, t.done_at, t.done_by) for t in sign] == [
        ("a", "open", None, None),
        ("b", "done", NOW, "kari"),
        ("c", "open", None, None),
    ]
    assert [t.id for t in case.tasks] == sorted(t.id for t in case.tasks if t.id is not None)


def test_postgresql_takes_named_parameters_in_its_own_style() -> None:
    pytest.importorskip("psycopg")
    text = dialect_named("postgresql").text(statements.CANCEL_TIMERS)
    # leaving a state cancels its waiting timers, not case-wide deadlines nor a meeting's row (a
    # state's or a task's)
    assert text == (
        "UPDATE timers SET status = 'cancelled' WHERE case_id = %(case_id)s AND status = 'waiting'"
        " AND kind NOT IN ('deadline', 'dl_escalate', 'dl_remind', 'meeting', 'task_meeting')"
    )
    assert dialect_named("sqlite").text(statements.CANCEL_TIMERS) == statements.CANCEL_TIMERS


def test_what_sqlalchemy_stored_reads_the_same_through_the_store(db_url: str) -> None:
    """A row written by SQLAlchemy (as trinn before this store, and Alembic's migrations) reads
    back through the store's own statements with the same values, times aware in UTC."""
    database = open_database(db_url)
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            metadata.tables["playbooks"]
            .insert()
            .values(sha256="abc", playbook_id="p", version=1, language="en", yaml="x", stored_at=NOW)
        )
        connection.execute(
            cases.insert().values(
                playbook_id="p",
                playbook_version=1,
                playbook_sha256="abc",
                state="open",
                entry=1,
                subject="Acme",
                fields={"org": "Acme", "n": [1, 2.5, None]},
                opened_at=NOW,
                opened_by="kari",
                updated_at=NOW,
                updated_by="kari",
                row_version=1,
            )
        )
        connection.execute(
            events.insert().values(
                case_id=1,
                case_version=1,
                at=NOW,
                actor="kari",
                kind="open",
                state_after="open",
                changes={"org": [None, "Acme"]},
                details={"æ": "ø"},
            )
        )
    engine.dispose()
    with Store(database).read() as tx:
        (summary,) = tx.case_rows()
        (event,) = tx.event_rows(1)
        case = tx.load_case(1)
    database.dispose()
    assert (summary.subject, summary.opened_at, summary.closed_at) == ("Acme", NOW, None)
    assert case.fields == {"org": "Acme", "n": [1, 2.5, None]}
    assert (event.at, event.changes, event.details) == (NOW, {"org": [None, "Acme"]}, {"æ": "ø"})
    assert event.at.tzinfo is dt.UTC


def test_column_kinds_are_the_tables_types() -> None:
    """Times and JSON are converted by the column's name: the names must say what the tables do."""
    columns = [column for table in metadata.tables.values() for column in table.c]
    assert {c.name for c in columns if isinstance(c.type, UtcDateTime)} == TIME_COLUMNS
    assert {c.name for c in columns if isinstance(c.type, JSON)} == JSON_COLUMNS
    assert not any(
        c.name in TIME_COLUMNS | JSON_COLUMNS for c in columns if not isinstance(c.type, UtcDateTime | JSON)
    )


def test_rows_have_the_tables_columns() -> None:
    without_fields = [c.name for c in cases.c if c.name != "fields"]
    assert list(CaseSummary._fields) == without_fields
    assert list(EventRow._fields) == [c.name for c in events.c]
    assert list(OutboxRow._fields) == [c.name for c in outbox.c]
    assert list(DeliveryRow._fields) == [c.name for c in deliveries.c]
    assert list(OpenTask._fields) == [
        *(c.name for c in tasks.c),
        "playbook_id",
        "playbook_version",
        "playbook_sha256",
        "subject",
        "case_state",
    ]
    assert set(CaseLine._fields) <= set(CaseSummary._fields)
    assert set(ListedCase._fields) <= set(CaseSummary._fields)
    assert set(TaskLine._fields[:-1]) <= set(OpenTask._fields)  # its columns, and `playbooks.language`
    assert list(statements.CASE_COLUMNS) == [c.name for c in cases.c]
    assert list(statements.TASK_COLUMNS) == [c.name for c in tasks.c]
    assert list(statements.TIMER_COLUMNS) == [c.name for c in timers.c]


@pytest.mark.parametrize(
    "text",
    [
        "sqlite:///relative.db",
        "sqlite:////abs/olute.db",
        "sqlite://",
        "postgresql+psycopg://kari:s%40cret@db.example.org:5433/trinn?sslmode=require",
        "postgresql+psycopg://kari@[::1]/trinn",
        "postgresql+psycopg:///trinn?host=/run/postgresql",
    ],
)
def test_urls_are_read_as_sqlalchemy_reads_them(text: str) -> None:
    ours, theirs = resolve_url(text), make_url(text)
    assert (ours.drivername, ours.username, ours.password, ours.host, ours.port, ours.database) == (
        theirs.drivername,
        theirs.username,
        theirs.password,
        theirs.host,
        theirs.port,
        theirs.database,
    )
    assert dict(ours.query) == dict(theirs.query)
    assert ours.render_as_string() == theirs.render_as_string()


def test_many_rows_go_in_several_inserts(service: Service) -> None:
    members = ", ".join(f"m{i}" for i in range(MAX_ROWS + 5))
    case_id = service.open_case(
        "test.onboarding", {"org": "Acme", "note": "n", "members": members}, actor="kari"
    ).id
    service.submit_form(case_id, "intake", {"contact": "x@acme.no"}, actor="kari")
    case = service.fire(case_id, "to_signing", actor="kari")
    signs = [t for t in case.tasks if t.task_id == "sign"]
    assert [t.item for t in signs] == [f"m{i}" for i in range(MAX_ROWS + 5)]
    loaded, _compiled, _children = service.queries.load(case_id)
    assert [(t.id, t.item) for t in loaded.tasks if t.task_id == "sign"] == [(t.id, t.item) for t in signs]


def test_loaded_columns_follow_the_records_fields() -> None:
    # rows become TaskRecord(*row) and TimerRecord(*row): the orders must agree
    assert [f.name for f in dataclasses.fields(TaskRecord)][: len(TASK_RECORD)] == list(TASK_RECORD)
    assert [f.name for f in dataclasses.fields(TimerRecord)][: len(TIMER_RECORD)] == list(TIMER_RECORD)
