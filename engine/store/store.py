"""Reading and writing cases: every command is one transaction on one connection.

`Store.write()` opens a write transaction (BEGIN IMMEDIATE on SQLite, row
locks on PostgreSQL) and yields a `Transaction` with the operations of each
concern: a command's case writes (`cases`), the dispatcher's outbox queue
(`queue`), the listings the interfaces read (`reads`, through engine.queries)
and the uploaded files (`files`); leaving the block commits, an exception
rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from trinn.engine.store.cases import CaseWrites
from trinn.engine.store.database import Database
from trinn.engine.store.files import FileRows
from trinn.engine.store.queue import OutboxQueue
from trinn.engine.store.reads import Reads

__all__ = ["Store", "Transaction"]


class Transaction(CaseWrites, OutboxQueue, Reads, FileRows):
    """One open transaction, with the operations of each concern of the store."""


class Store:
    """The database, for commands (`write`) and for reading (`read`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.is_postgres = database.is_postgres

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        with self._transaction(write=True) as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        with self._transaction(write=False) as tx:
            yield tx

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Transaction]:
        database = self.database
        try:
            connection = database.checkout()
            healthy = False
            try:
                owned = database.begin(connection, write=write)
                tx = Transaction(database, connection)
                try:
                    yield tx
                except BaseException:
                    if owned:
                        connection.rollback()
                    healthy = True  # rolled back: fit for the next transaction
                    raise
                if owned:
                    connection.commit()
                healthy = True
            finally:
                database.checkin(connection, healthy=healthy)
        except database.errors as exc:
            raise database.failed(exc) from exc

    def close(self) -> None:
        self.database.dispose()
