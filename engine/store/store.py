"""Reading and writing cases: every command is one transaction on one connection.

`Store.write()` opens a write transaction (BEGIN IMMEDIATE on SQLite, row
locks on PostgreSQL) and yields a `Transaction` with the operations of each
concern: a command's case writes (`cases`), the dispatcher's outbox queue
(`queue`), and the listings the interfaces read (`reads`, through
engine.queries); leaving the block commits, an exception rolls everything back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from trinn.engine.errors import StoreError
from trinn.engine.store.cases import CaseWrites
from trinn.engine.store.database import begin_write, shown_url
from trinn.engine.store.queue import OutboxQueue
from trinn.engine.store.reads import Reads
from trinn.engine.store.statements import Statements, statements_for

__all__ = ["Store", "Transaction"]


class Transaction(CaseWrites, OutboxQueue, Reads):
    """One open transaction, with the operations of each concern of the store."""


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
