"""How values and statements go to each database's driver, and how rows come back.

Every statement a command or a listing sends is plain SQL (`engine.store.sql`),
written once with `:name` parameters and run on the DB-API driver itself
(sqlite3, psycopg): importing SQLAlchemy and going through its execution layer
costs a command line process more than all its statements together.
SQLAlchemy's tables (`tables.py`) stay the schema's one owner, used to create
and migrate it; what is stored here reads the same through SQLAlchemy, and
what SQLAlchemy stored reads the same here (tests compare both ways).

A column's kind is known by its name: times (stored as naive UTC, read back
aware in UTC, `UtcDateTime`) and JSON (text on SQLite, jsonb on PostgreSQL).
A test keeps these lists equal to the tables' column types.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["JSON_COLUMNS", "TIME_COLUMNS", "Dialect", "dialect_named"]

TIME_COLUMNS = frozenset(
    {
        "at",
        "claimed_until",
        "closed_at",
        "created_at",
        "done_at",
        "due_at",
        "fired_at",
        "next_attempt_at",
        "opened_at",
        "sent_at",
        "stored_at",
        "updated_at",
    }
)
JSON_COLUMNS = frozenset({"answers", "changes", "details", "fields", "payload"})
TIME_PARAMETERS = TIME_COLUMNS | {"now"}  # a parameter compared with several time columns
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_MEMO = 4096  # distinct times remembered per conversion (a command's `now`, a case's moments)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """An aware time as its UTC instant; a naive one is taken as UTC already."""
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert` of a time, remembered: a command writes its one `now` into several columns
    and rows, and a listing's rows share few moments."""
    seen: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        if value is None:
            return None
        done = seen.get(value)
        if done is None:
            if len(seen) >= _MEMO:
                seen.clear()
            done = seen[value] = convert(value)
        return done

    return cached


class Dialect(ABC):
    """SQLite's or PostgreSQL's way with parameters, times and JSON."""

    name: str
    # a statement's own text: `:name` parameters, rewritten once for the driver
    _texts: dict[str, str]

    def __init__(self) -> None:
        self._texts = {}
        self.time_in = _remembered(self._time_in)
        self.time_out = _remembered(self._time_out)

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    def text(self, sql: str) -> str:
        found = self._texts.get(sql)
        if found is None:
            found = self._texts[sql] = self._rewrite(sql)
        return found

    def _rewrite(self, sql: str) -> str:
        return sql

    @abstractmethod
    def _time_in(self, value: dt.datetime) -> Any:
        """An aware time as this driver takes it."""

    @abstractmethod
    def _time_out(self, value: Any) -> dt.datetime:
        """A time this driver returned, made aware in UTC."""

    @abstractmethod
    def json_in(self, value: Any) -> Any:
        """A value for a JSON column, as this driver takes it."""

    @abstractmethod
    def json_out(self, value: Any) -> Any:
        """A JSON column's value as this driver returned it, made Python."""

    def values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` as the driver takes them: times and JSON converted by the column's name."""
        out = dict(values)
        for name, value in out.items():
            if value is None:
                continue
            if name in TIME_PARAMETERS:
                out[name] = self.time_in(value)
            elif name in JSON_COLUMNS:
                out[name] = self.json_in(value)
        return out

    def rows(self, names: Sequence[str], fetched: list[Any]) -> list[tuple[Any, ...]]:
        """Fetched rows with times aware in UTC and JSON decoded (columns named as stored)."""
        converters = [
            (i, self.time_out if name in TIME_COLUMNS else self.json_out)
            for i, name in enumerate(names)
            if name in TIME_COLUMNS or name in JSON_COLUMNS
        ]
        if not converters or not fetched:
            return fetched
        columns: list[Any] = list(zip(*fetched, strict=True))
        for index, convert in converters:
            columns[index] = [None if value is None else convert(value) for value in columns[index]]
        return list(zip(*columns, strict=True))


class SQLite(Dialect):
    """sqlite3: `:name` as written; times as SQLAlchemy's DateTime text, JSON as text."""

    name = "sqlite"

    def _time_in(self, value: dt.datetime) -> str:
        # SQLAlchemy's SQLite DateTime format, which every trinn database holds
        return _naive_utc(value).isoformat(sep=" ", timespec="microseconds")

    def _time_out(self, value: Any) -> dt.datetime:
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)

    def json_in(self, value: Any) -> str:
        return json.dumps(value)

    def json_out(self, value: Any) -> Any:
        return json.loads(value)


class PostgreSQL(Dialect):
    """psycopg: `%(name)s` parameters; times as naive UTC timestamps, JSON as jsonb."""

    name = "postgresql"

    def __init__(self) -> None:
        super().__init__()
        from psycopg.types.json import Jsonb

        self._jsonb = Jsonb

    def _rewrite(self, sql: str) -> str:
        return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))

    def _time_in(self, value: dt.datetime) -> dt.datetime:
        return _naive_utc(value)

    def _time_out(self, value: Any) -> dt.datetime:
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)

    def json_in(self, value: Any) -> Any:
        return self._jsonb(value)

    def json_out(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str | bytes) else value


_DIALECTS: dict[str, Dialect] = {}


def dialect_named(name: str) -> Dialect:
    """The dialect of backend `name` ('sqlite' or 'postgresql'), one per process."""
    found = _DIALECTS.get(name)
    if found is None:
        found = _DIALECTS[name] = PostgreSQL() if name == "postgresql" else SQLite()
    return found
