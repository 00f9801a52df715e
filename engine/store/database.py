"""Opening the database: which one, its connection settings, and its schema version.

`--db` / `TRINN_DB` takes a file path or a URL; with neither, trinn keeps an
SQLite file in the user's data directory, made on first use. SQLite runs in
WAL mode with synchronous=FULL (a command is on disk when it returns), foreign
keys on and a busy timeout; write transactions start with BEGIN IMMEDIATE, so
two writers queue instead of failing half-way. PostgreSQL is reached through
psycopg 3 (`postgresql://...` is read as `postgresql+psycopg://...`).

The schema is versioned by Alembic; an older database is upgraded in place
when opened, and anything that is not a trinn database is refused untouched.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from trinn.engine.errors import StoreError, os_reason

__all__ = ["HEAD", "default_url", "open_database", "resolve_url", "shown_url"]

# The newest schema revision; tests keep it equal to the migrations' head, so
# opening an up-to-date database never has to import Alembic.
HEAD = "0004"
_REVISION = re.compile(r"[0-9]{4}")  # trinn's revisions; another program's Alembic names differ
_PASSWORD = re.compile(r"(://[^/:@]*:)[^@/]*@")
_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
_MIGRATIONS = Path(__file__).parent / "migrations"
_BUSY_TIMEOUT_S = 30.0


def default_url() -> str:
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path('trinn', appauthor=False) / 'trinn.db'}"


def resolve_url(db: str | None) -> URL:
    """A URL from `--db`: a URL, a file path (SQLite), or None for the default file."""
    text = db or default_url()
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().absolute()}"
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is no number
        raise _unreadable(text) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database '{url.get_backend_name()}' (trinn runs on SQLite or PostgreSQL)"
        )
    if url.drivername not in _DRIVERS:
        raise StoreError(
            f"unsupported database driver '{url.drivername}' (write sqlite:///FILE or postgresql://...)"
        )
    if url.get_backend_name() == "sqlite" and (url.host or url.port or url.username or url.query):
        # sqlite://x:1 names no file; options in the query are trinn's to set, not the URL's
        raise _unreadable(text)
    return url


def _unreadable(text: str) -> StoreError:
    text = _PASSWORD.sub(r"\1***@", text)  # a URL that cannot be parsed may still hold one
    return StoreError(
        f"cannot read the database URL '{text}' (write e.g. "
        "'postgresql://user@host/trinn', 'sqlite:////path/to/trinn.db' or a file path)"
    )


def shown_url(url: URL) -> str:
    """The URL as messages show it: never with its password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def open_database(db: str | URL | None) -> Engine:
    """An engine on a trinn database at the newest schema, created or upgraded as needed."""
    url = db if isinstance(db, URL) else resolve_url(db)
    engine = _create_engine(url)
    try:
        _ensure_schema(engine)
    except StoreError:
        engine.dispose()
        raise
    except DBAPIError as exc:
        engine.dispose()
        raise _unusable(url, exc) from exc
    return engine


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            path = Path(url.database)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {path}: {os_reason(exc)}") from exc
        try:
            engine = sa.create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_S})
        except (ArgumentError, ValueError, TypeError) as exc:
            raise _unreadable(url.render_as_string(hide_password=True)) from exc
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return sa.create_engine(url, connect_args={"connect_timeout": 10}, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no driver for {shown_url(url)}: {_first_line(exc)}") from exc
    except (ArgumentError, ValueError, TypeError) as exc:  # a query argument of the wrong kind
        raise _unreadable(shown_url(url)) from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # transactions are begun by `_sqlite_begin`, not by the sqlite3 module's guesswork
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # switching to WAL writes the file's header: never to another program's database,
        # which `_revision` then refuses untouched (the settings below are the connection's)
        if _trinns_or_empty(cursor):
            _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
    finally:
        cursor.close()


def _trinns_or_empty(cursor: Any) -> bool:
    """Whether the SQLite file is empty (new) or trinn's: read only, it changes nothing."""
    names = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not names:
        return True
    if "alembic_version" not in names:
        return False
    revisions = [row[0] for row in cursor.execute("SELECT version_num FROM alembic_version")]
    return all(isinstance(r, str) and _REVISION.fullmatch(r) for r in revisions)


def _switch_to_wal(cursor: Any) -> None:
    """Turn on WAL; switching a new file's mode ignores the busy timeout, so wait here."""
    import sqlite3

    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(connection: Connection) -> None:
    # a writer takes the lock before it reads, so it never works from a stale snapshot
    import sqlite3

    # SQLAlchemy types the driver connection Optional (None once detached); a begun connection has one
    driver = cast("sqlite3.Connection", connection.connection.driver_connection)
    if driver.in_transaction:  # begun on the driver already (`begin_write`): SQLAlchemy joins it
        return
    statement = "BEGIN IMMEDIATE" if connection.get_execution_options().get("trinn_write") else "BEGIN"
    try:  # on the driver: SQLAlchemy's execution layer would cost more than the BEGIN itself
        driver.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc


def begin_write(dialect: Dialect, driver_connection: Any) -> None:
    """Begin a command's transaction on the driver, without SQLAlchemy's transaction object
    (it costs more than the BEGIN): BEGIN IMMEDIATE on SQLite, where a writer takes the lock
    before it reads; PostgreSQL's driver begins by itself at the first statement."""
    if dialect.name == "sqlite":
        driver_connection.execute("BEGIN IMMEDIATE")


def _unusable(url: URL, exc: DBAPIError) -> StoreError:
    reason = _first_line(exc.orig if exc.orig else exc)
    shown = shown_url(url)
    if url.get_backend_name() == "sqlite":
        if "not a database" in reason or "malformed" in reason:
            return StoreError(f"{shown} is not a trinn database (not an SQLite file)")
        return StoreError(f"cannot open the database {shown}: {reason}")
    return StoreError(f"cannot reach the database {shown}: {reason}")


def _ensure_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        revision = _revision(connection, engine.url)
    if revision == HEAD:
        return
    _upgrade(engine)


def _revision(connection: Connection, url: URL) -> str | None:
    """The schema revision, None for an empty database; refuses a foreign or newer one."""
    names = set(sa.inspect(connection).get_table_names())
    if "alembic_version" not in names:
        if names:
            listed = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
            raise StoreError(f"{shown_url(url)} is not a trinn database (it holds other tables: {listed})")
        return None
    revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if revision is not None and not (isinstance(revision, str) and _REVISION.fullmatch(revision)):
        raise StoreError(
            f"{shown_url(url)} is not a trinn database (its schema '{revision}' is another program's)"
        )
    if revision is not None and revision > HEAD:
        raise StoreError(
            f"{shown_url(url)} has schema {revision}, newer than this trinn knows ({HEAD}); upgrade trinn"
        )
    return revision


def _upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to HEAD, one process at a time."""
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError as AlembicError

    with engine.connect().execution_options(trinn_write=True) as connection, connection.begin():
        if engine.url.get_backend_name() == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7270127)")
        if _revision(connection, engine.url) == HEAD:  # another process was first
            return
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        except AlembicError as exc:  # a revision this trinn does not have
            raise StoreError(f"cannot upgrade {shown_url(engine.url)}: {exc}") from exc
