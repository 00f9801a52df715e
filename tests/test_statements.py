"""A command's statements on the driver: they store exactly what SQLAlchemy stores, on both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from trinn.engine.case import TaskRecord, TimerRecord
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.engine.store.statements import MAX_ROWS, TASK_RECORD, TIMER_RECORD, Statements
from trinn.engine.store.tables import cases, events, tasks

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


def test_commands_store_what_sqlalchemy_reads_back(service: Service) -> None:
    case_id = _walk(service)
    with service.store.engine.connect() as connection:  # read through SQLAlchemy's own layer
        case = connection.execute(sa.select(cases).where(cases.c.id == case_id)).mappings().one()
        history = connection.execute(sa.select(events).order_by(events.c.seq)).mappings().all()
        rows = connection.execute(sa.select(tasks).order_by(tasks.c.id)).mappings().all()
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


@pytest.mark.parametrize(
    "dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"]
)
def test_parameters_come_in_the_drivers_paramstyle_with_fixed_values(dialect) -> None:
    statement = Statements(dialect).cancel_timers
    parameters = statement.parameters({"case_id": 7})
    # leaving a state cancels its waiting timers, not case-wide deadlines nor a meeting's row
    kept = ("deadline", "dl_escalate", "dl_remind", "meeting")
    if dialect.positional:
        assert statement.sql == (
            "UPDATE timers SET status=? WHERE timers.case_id = ? AND timers.status = ?"
            + " AND timers.kind != ?" * len(kept)
        )
        assert parameters == ("cancelled", 7, "waiting", *kept)
    else:
        assert "%(case_id)s" in statement.sql
        assert parameters == {
            "status": "cancelled",
            "case_id": 7,
            "status_1": "waiting",
            **{f"kind_{i}": kind for i, kind in enumerate(kept, 1)},
        }


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
