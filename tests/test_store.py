"""Opening the database: where it lives, its settings, its schema, and what it refuses untouched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from trinn.engine.errors import StoreError
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.engine.store.database import HEAD, resolve_url
from trinn.engine.store.tables import cases, metadata

MIGRATIONS = Path(__file__).resolve().parent.parent / "engine" / "store" / "migrations"
CASES = Path(__file__).parent / "data" / "cases"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)


def _alembic(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_head_constant_is_the_migrations_head() -> None:
    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == HEAD


def _sqlalchemy(db_url: str) -> sa.Engine:
    """SQLAlchemy's own engine on the same database, to look at it from outside the store."""
    return sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))


def test_migrations_make_exactly_the_tables(db_url: str) -> None:
    open_database(db_url).dispose()
    engine = _sqlalchemy(db_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def test_default_database_is_made_in_the_data_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    engine = open_database(None)
    engine.dispose()
    assert (tmp_path / "data" / "trinn" / "trinn.db").is_file()


def test_a_file_path_means_sqlite(tmp_path: Path) -> None:
    assert resolve_url(str(tmp_path / "x.db")).render_as_string() == f"sqlite:///{tmp_path}/x.db"
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


def test_sqlite_is_durable_and_checks_foreign_keys(sqlite_url: str) -> None:
    database = open_database(sqlite_url)
    connection = database.checkout()  # a connection as every command gets one
    settings = [
        connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    ]
    database.checkin(connection)
    database.dispose()
    assert settings == ["wal", 2, 1, 30000]  # synchronous 2 is FULL


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database\n" * 100)
    before = notes.read_bytes()
    with pytest.raises(StoreError, match=r"notes.txt is not a trinn database \(not an SQLite file\)$"):
        open_database(str(notes))
    assert notes.read_bytes() == before


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sa.create_engine(f"sqlite:///{path}")
    with other.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    other.dispose()
    with pytest.raises(
        StoreError,
        match=r"other.db is not a trinn database "
        r"\(it holds other tables: invoices\)$",
    ):
        open_database(str(path))
    check = sa.create_engine(f"sqlite:///{path}")
    assert sa.inspect(check).get_table_names() == ["invoices"]
    check.dispose()


def test_a_newer_schema_is_refused(sqlite_url: str) -> None:
    open_database(sqlite_url).dispose()
    engine = _sqlalchemy(sqlite_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(StoreError, match=r"has schema 9999, newer than this trinn knows"):
        open_database(sqlite_url)


def test_unreachable_postgresql_is_one_clear_error() -> None:
    with pytest.raises(
        StoreError,
        match=r"^cannot reach the database "
        r"postgresql\+psycopg://nobody:\*\*\*@127.0.0.1:9/trinn: ",
    ):
        open_database("postgresql://nobody:secret@127.0.0.1:9/trinn")


def test_an_unsupported_database_is_refused() -> None:
    with pytest.raises(StoreError, match=r"unsupported database 'mysql'"):
        open_database("mysql://u@h/db")


def test_a_database_of_the_first_schema_is_upgraded_in_place(db_url: str) -> None:
    """A database left at the first schema, with a running case, upgrades and keeps working;
    so does a delivery recorded under the second."""
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0001")
        connection.execute(
            sa.text(
                "INSERT INTO playbooks (sha256, playbook_id, version, language, yaml, stored_at) "
                "VALUES ('abc', 'test.followup', 1, 'en', :yaml, :now)"
            ),
            {"yaml": (CASES / "followup.yaml").read_text(), "now": NOW.replace(tzinfo=None)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO cases (playbook_id, playbook_version, playbook_sha256, state, entry, subject,"
                " fields, opened_at, opened_by, updated_at, updated_by, row_version) VALUES "
                "('test.followup', 1, 'abc', 'open', 1, 'Acme', '{\"org\": \"Acme\"}', :now, 'kari',"
                " :now, 'kari', 1)"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO events (case_id, case_version, at, actor, kind, state_after, changes, details)"
                " VALUES (1, 1, :now, 'kari', 'open', 'open', '{}', '{}')"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO outbox (case_id, case_version, created_at, kind, payload, status, attempts,"
                " next_attempt_at) VALUES (1, 1, :now, 'notify', '{\"to\": [\"lead\"]}', 'pending', 0,"
                " :now)"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
        # a delivery recorded under the second schema, before deliveries kept a channel key
        command.upgrade(_alembic(connection), "0002")
        connection.execute(
            sa.text(
                "INSERT INTO deliveries (outbox_id, attempt, at, service, url, recipient, status) "
                "VALUES (1, 1, :now, 'Form', 'form://y', 'lead', 'sent')"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
    engine.dispose()

    upgraded = open_database(db_url)
    service = Service(
        Store(upgraded), PlaybookRegistry([CASES]), People.single_user("kari"), clock=lambda: NOW
    )
    case = service.fire(1, "close", actor="kari")
    assert (case.state, case.row_version, case.is_closed) == ("closed", 2, True)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
    engine.dispose()
    # the first schema's outbox row can be claimed and its deliveries recorded (0002)
    with Store(upgraded).write() as tx:
        claimed = tx.claim_outbox(1, "me", NOW, NOW + dt.timedelta(minutes=5))
        assert claimed is not None and claimed.attempts == 1
        tx.add_delivery(
            1,
            attempt=1,
            at=NOW,
            service="JSON",
            channel="c0ffee",
            url="json://x",
            recipient="lead",
            status="sent",
            error=None,
        )
        # a delivery keeps its channel's key (0003); one recorded before gives its masked URL
        assert tx.delivered_to(1) == {("c0ffee", "lead"), ("form://y", "lead")}
    upgraded.dispose()


def test_writes_from_many_short_lived_threads_do_not_drain_the_pool(db_url: str) -> None:
    """The terminal UI writes from a new worker thread each time: 60 commands, each on its own
    thread, one after another, must all go through (the pool holds 15 connections at most)."""
    import threading

    store = Store(open_database(db_url))
    service = Service(store, PlaybookRegistry([CASES]), People.single_user("lea"))
    case = service.open_case("test.onboarding", {"org": "Acme", "note": "hi"}, actor="lea")
    outcomes: list[object] = []

    def comment(n: int) -> None:
        try:
            outcomes.append(service.comment(case.id, f"note {n}", actor="lea").row_version)
        except Exception as exc:  # kept, to be shown by the assertion below
            outcomes.append(exc)

    for n in range(60):
        thread = threading.Thread(target=comment, args=(n,))
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), f"command {n} hangs: the pool is drained"
    store.close()
    assert outcomes == list(range(2, 62))


def test_a_pool_timeout_is_a_store_error(sqlite_url: str) -> None:
    """Every connection busy for longer than the pool waits: one clear error, not a traceback."""
    store = Store(open_database(sqlite_url, pool_size=1, pool_timeout=0.01))
    with (
        store.read(),
        pytest.raises(StoreError, match=r"^database .*trinn.db: all 1 connections stayed busy for 0.01 s$"),
        store.read(),
    ):
        pass
    store.close()


def test_times_read_back_aware_in_utc_whoever_wrote_them(db_url: str) -> None:
    """One column type for every time: an aware time is stored as its UTC instant, a naive one
    (as older trinn and hand-written rows hold) is taken as UTC; both read back aware in UTC,
    through SQLAlchemy's own layer and through the store's statements alike."""
    oslo = dt.timezone(dt.timedelta(hours=1))
    database = open_database(db_url)
    service = Service(
        Store(database),
        PlaybookRegistry([CASES]),
        People.single_user("kari"),
        clock=lambda: dt.datetime(2026, 11, 24, 10, tzinfo=oslo),
    )
    case = service.open_case("test.followup", {"org": "Acme"}, actor="kari")
    assert case.opened_at == NOW
    engine = _sqlalchemy(db_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE cases SET updated_at = :naive"), {"naive": dt.datetime(2026, 11, 25, 8, 30)}
        )
        row = connection.execute(sa.select(cases.c.opened_at, cases.c.updated_at)).one()
    assert tuple(row) == (NOW, dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC))
    assert all(moment.tzinfo is dt.UTC for moment in row)
    engine.dispose()
    with Store(database).read() as tx:
        loaded = tx.load_case(case.id)
    assert (loaded.opened_at, loaded.updated_at) == tuple(row)
    assert loaded.updated_at.tzinfo is dt.UTC
    database.dispose()
