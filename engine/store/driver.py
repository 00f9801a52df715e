"""One open transaction's connection: SQLAlchemy's for composed statements, the driver's for a command's.

`TransactionBase` is what each concern of the store builds on (`cases`,
`queue`, `reads`); `store.Transaction` joins them on one transaction. Times go
in and come out aware in UTC (the column type in `tables`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from trinn.engine.store.statements import DriverStatement, Statements, statements_for

__all__ = ["TransactionBase"]


class TransactionBase:
    """An open transaction: `execute` for SQLAlchemy statements, `_run`/`_rows` for driver SQL."""

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
    def _pooled(cls, engine: Engine, pool_connection: Any, is_postgres: bool, statements: Statements) -> Self:
        """A command's transaction on a pooled driver connection (see `Store.write`)."""
        tx = cls.__new__(cls)
        tx._engine, tx._pool_connection = engine, pool_connection
        cls.__init__(tx, None, is_postgres, statements)  # as every transaction
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
