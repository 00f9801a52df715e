"""Opening the database: its driver connections, their settings, and its schema version.

SQLite runs in WAL mode with synchronous=FULL (a command is on disk when it
returns), foreign keys on and a busy timeout; write transactions start with
BEGIN IMMEDIATE, so two writers queue instead of failing half-way. PostgreSQL
is reached through psycopg 3. Connections are the drivers' own, kept in a small
pool: a command never imports SQLAlchemy (see `dialect`).

The schema is versioned by Alembic; an older database is upgraded in place
when opened (only then are SQLAlchemy and Alembic imported), and anything that
is not a trinn database is refused untouched.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from pathlib import Path
from typing import Any

from trinn.engine.errors import StoreError, os_reason
from trinn.engine.store.dialect import Dialect, dialect_named
from trinn.engine.store.url import DatabaseUrl, resolve_url, shown_url

__all__ = ["HEAD", "Database", "open_database"]

# The newest schema revision; tests keep it equal to the migrations' head, so
# opening an up-to-date database never has to import Alembic.
HEAD = "0005"
_REVISION = re.compile(r"[0-9]{4}")  # trinn's revisions; another program's Alembic names differ
_MIGRATIONS = Path(__file__).parent / "migrations"
_BUSY_TIMEOUT_S = 30.0
POOL_SIZE = 15  # connections at most, as SQLAlchemy's pool had (5 kept and 10 more)
POOL_TIMEOUT_S = 30.0


class Database:
    """One database: its URL, dialect, and a pool of the driver's connections."""

    def __init__(self, url: DatabaseUrl, *, pool_size: int = POOL_SIZE, pool_timeout: float = POOL_TIMEOUT_S):
        self.url = url
        self.dialect: Dialect = dialect_named(url.backend)
        self.is_postgres = self.dialect.is_postgres
        self.errors: tuple[type[BaseException], ...]
        if self.is_postgres:
            import psycopg

            self.errors = (psycopg.Error,)
        else:
            import sqlite3

            self.errors = (sqlite3.Error,)
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._pool_size, self._timeout = pool_size, pool_timeout
        # an in-memory SQLite database lives in its one connection: every user shares it
        self._single: Any = None

    # connections ----------------------------------------------------------------------

    def connect(self) -> Any:
        """A new driver connection with trinn's settings (not from the pool)."""
        return _connect_postgres(self.url) if self.is_postgres else _connect_sqlite(self.url)

    def checkout(self) -> Any:
        """A connection for one transaction: an idle one, or a new one while fewer than the
        pool's size are out; waits up to the pool's timeout for one to come back."""
        if self.url.in_memory:
            with self._lock:
                if self._single is None:
                    self._single = self.connect()
                return self._single
        if not self._slots.acquire(timeout=self._timeout):
            raise StoreError(
                f"database {shown_url(self.url)}: all {self._pool_size} connections stayed busy"
                f" for {self._timeout:g} s"
            )
        try:
            while True:
                with self._lock:
                    connection = self._idle.pop() if self._idle else None
                if connection is None:
                    return self.connect()
                if not self.is_postgres or _alive(connection):
                    return connection
                _close_quietly(connection)  # the server dropped it meanwhile: another
        except BaseException:
            self._slots.release()
            raise

    def checkin(self, connection: Any, *, healthy: bool = True) -> None:
        """Hand a connection back: kept idle if it is healthy, else closed."""
        if connection is self._single:
            return
        try:
            if healthy and not _broken(connection):
                with self._lock:
                    self._idle.append(connection)
                return
            _close_quietly(connection)
        finally:
            self._slots.release()

    def dispose(self) -> None:
        """Close every idle connection (and an in-memory database's one)."""
        with self._lock:
            idle, self._idle = self._idle, []
            single, self._single = self._single, None
        for connection in (*idle, *([single] if single is not None else [])):
            _close_quietly(connection)

    def failed(self, exc: BaseException) -> StoreError:
        """A driver's error as one line naming the database."""
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return StoreError(f"database {shown_url(self.url)}: {reason}")

    # transactions on the driver ----------------------------------------------------------

    def begin(self, connection: Any, *, write: bool) -> bool:
        """Begin a transaction; False if the connection is in one already (an in-memory
        database's one connection, used by a read inside a command), which it then joins.
        A writer on SQLite takes the lock before it reads (BEGIN IMMEDIATE), so it never works
        from a stale snapshot; PostgreSQL's driver begins by itself at the first statement."""
        if self.is_postgres:
            return True
        if connection.in_transaction:
            return False
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        return True


def _alive(connection: Any) -> bool:
    """PostgreSQL: whether an idle connection still reaches its server (as a pool's ping)."""
    if connection.closed:
        return False
    try:
        connection.execute("SELECT 1")
        connection.rollback()
    except Exception:  # any failure of the ping means: use another connection
        return False
    return True


def _broken(connection: Any) -> bool:
    return bool(getattr(connection, "closed", False) or getattr(connection, "broken", False))


def _close_quietly(connection: Any) -> None:
    # closing a connection the server dropped: nothing is left to do
    with contextlib.suppress(Exception):
        connection.close()


def _connect_sqlite(url: DatabaseUrl) -> Any:
    import sqlite3

    path = ":memory:" if url.in_memory else str(url.database)
    # transactions are begun by `Database.begin`, not by the sqlite3 module's guesswork;
    # a connection is used by one thread at a time (the pool's), not always the same one
    connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        cursor = connection.cursor()
        # switching to WAL writes the file's header: never to another program's database,
        # which `_revision` then refuses untouched (the settings below are the connection's)
        if not url.in_memory and _trinns_or_empty(cursor):
            _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()
    except BaseException:
        connection.close()
        raise
    return connection


def _connect_postgres(url: DatabaseUrl) -> Any:
    import psycopg

    options: dict[str, Any] = dict(url.query)
    options.setdefault("connect_timeout", 10)
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        **options,
    )


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


# opening --------------------------------------------------------------------------------


def open_database(
    db: str | DatabaseUrl | None, *, pool_size: int = POOL_SIZE, pool_timeout: float = POOL_TIMEOUT_S
) -> Database:
    """A trinn database at the newest schema, created or upgraded as needed."""
    url = db if isinstance(db, DatabaseUrl) else resolve_url(db)
    if url.backend == "sqlite" and not url.in_memory:
        try:
            Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {url.database}: {os_reason(exc)}") from exc
    database = Database(url, pool_size=pool_size, pool_timeout=pool_timeout)
    try:
        _ensure_schema(database)
    except StoreError:
        database.dispose()
        raise
    except database.errors as exc:
        database.dispose()
        raise _unusable(url, exc) from exc
    return database


def _unusable(url: DatabaseUrl, exc: BaseException) -> StoreError:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    shown = shown_url(url)
    if url.backend == "sqlite":
        if "not a database" in reason or "malformed" in reason:
            return StoreError(f"{shown} is not a trinn database (not an SQLite file)")
        return StoreError(f"cannot open the database {shown}: {reason}")
    return StoreError(f"cannot reach the database {shown}: {reason}")


def _ensure_schema(database: Database) -> None:
    connection = database.checkout()
    healthy = False
    try:
        revision = _revision(database, connection)
        if database.is_postgres:
            connection.rollback()
        healthy = True
    finally:
        database.checkin(connection, healthy=healthy)
    if revision != HEAD:
        _upgrade(database)


def _table_names(database: Database, connection: Any) -> list[str]:
    if database.is_postgres:
        query = "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'"
    return sorted(str(row[0]) for row in connection.execute(query).fetchall())


def _revision(database: Database, connection: Any) -> str | None:
    """The schema revision, None for an empty database; refuses a foreign or newer one."""
    url = database.url
    names = _table_names(database, connection)
    if "alembic_version" not in names:
        if names:
            listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise StoreError(f"{shown_url(url)} is not a trinn database (it holds other tables: {listed})")
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    revision = row[0] if row is not None else None
    if revision is not None and not (isinstance(revision, str) and _REVISION.fullmatch(revision)):
        raise StoreError(
            f"{shown_url(url)} is not a trinn database (its schema '{revision}' is another program's)"
        )
    if revision is not None and revision > HEAD:
        raise StoreError(
            f"{shown_url(url)} has schema {revision}, newer than this trinn knows ({HEAD}); upgrade trinn"
        )
    return str(revision) if revision is not None else None


def _upgrade(database: Database) -> None:
    """Create or upgrade the schema to HEAD, one process at a time: the one place that
    needs SQLAlchemy and Alembic, on a connection of its own (or the in-memory one)."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError as AlembicError
    from sqlalchemy.pool import StaticPool

    own = None if database.url.in_memory else database.connect()
    driver = own if own is not None else database.checkout()
    try:
        if database.is_postgres:
            driver.execute("SELECT pg_advisory_xact_lock(7270127)")
        else:
            driver.execute("BEGIN IMMEDIATE")
        if _revision(database, driver) == HEAD:  # another process was first
            driver.commit()
            return
        name = "postgresql+psycopg" if database.is_postgres else "sqlite"
        engine = sa.create_engine(f"{name}://", creator=lambda: driver, poolclass=StaticPool)
        with engine.connect() as connection:
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except AlembicError as exc:  # a revision this trinn does not have
                raise StoreError(f"cannot upgrade {shown_url(database.url)}: {exc}") from exc
            connection.commit()
        if not database.is_postgres and driver.in_transaction:  # SQLAlchemy had nothing to commit
            driver.commit()
    except BaseException:
        if not getattr(driver, "closed", False):
            driver.rollback()
        raise
    finally:
        if own is not None:
            own.close()
        else:
            database.checkin(driver)
