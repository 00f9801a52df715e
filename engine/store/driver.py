"""One open transaction on a driver connection: the plain SQL of `sql`, run through the dialect.

`TransactionBase` is what each concern of the store builds on (`cases`,
`queue`, `reads`); `store.Transaction` joins them on one transaction. Times go
in and come out aware in UTC, JSON goes in and comes out as Python values
(`dialect`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from trinn.engine.store.database import Database

__all__ = ["TransactionBase"]

Row = TypeVar("Row")


class TransactionBase:
    """An open transaction: `_rows` and `_run` send a statement of `sql` on its cursor."""

    def __init__(self, database: Database, connection: Any) -> None:
        self.database = database
        self.is_postgres = database.is_postgres
        self._dialect = database.dialect
        self._cursor = connection.cursor()
        self._fields_read: dict[int, dict[str, Any]] = {}  # each loaded case's fields as stored

    def _execute(self, text: str, parameters: Any, many: bool = False) -> Any:
        """Every statement sent passes here, in the driver's text and values (the store
        benchmark records them, to replay on a bare sqlite3 connection)."""
        cursor = self._cursor
        if many:
            cursor.executemany(text, parameters)
        else:
            cursor.execute(text, parameters)
        return cursor

    def _send(self, sql: str, values: Mapping[str, Any] | None) -> Any:
        return self._execute(self._dialect.text(sql), self._dialect.values(values) if values else {})

    def _rows(self, sql: str, values: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a SELECT (or RETURNING), times and JSON converted by column name."""
        cursor = self._send(sql, values)
        names = [column[0] for column in cursor.description]
        return self._dialect.rows(names, cursor.fetchall())

    def _typed(
        self, row_type: Callable[..., Row], sql: str, values: Mapping[str, Any] | None = None
    ) -> list[Row]:
        make: Any = getattr(row_type, "_make", row_type)  # a named tuple from the row as it is
        return list(map(make, self._rows(sql, values)))

    def _scalar(self, sql: str, values: Mapping[str, Any] | None = None) -> Any:
        rows = self._rows(sql, values)
        return rows[0][0] if rows else None

    def _run(self, sql: str, values: Mapping[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE; how many rows it touched."""
        return int(self._send(sql, values).rowcount)

    def _run_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if len(rows) == 1:
            self._run(sql, rows[0])
        else:
            self._execute(self._dialect.text(sql), [self._dialect.values(row) for row in rows], many=True)
