"""Filling a benchmark's SQLite file in bulk: thousands of cases in a second, not one command each.

The rows go in through SQLAlchemy over trinn's own schema (`open_database` makes it), with
the playbook version stored as its first case would store it; the cases are as a command
would leave them a few steps in (entry 3, row version 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from trinn.engine.compiler import CompiledPlaybook
from trinn.engine.store import Store, open_database

__all__ = ["bulk_database", "case_row"]


@contextmanager
def bulk_database(path: Path, compiled: CompiledPlaybook, now: dt.datetime) -> Iterator[sa.Connection]:
    """A connection to a new database at `path` holding `compiled`'s text, in one transaction."""
    store = Store(open_database(str(path)))  # the schema, and the playbook stored as trinn stores it
    spec, loaded = compiled.spec, compiled.loaded
    with store.write() as tx:
        tx.store_playbook(loaded.sha256, spec.id, spec.version, spec.language, loaded.text, now)
    store.close()
    engine = sa.create_engine(f"sqlite:///{path}")  # the rows go in through SQLAlchemy, in bulk
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def case_row(
    compiled: CompiledPlaybook,
    state: str,
    fields: Mapping[str, Any],
    actor: str,
    now: dt.datetime,
    **columns: Any,
) -> dict[str, Any]:
    """A case row of `compiled` in `state`, opened and last written by `actor` at `now`
    (`columns` replace any of its columns: an id, a later opening, a close)."""
    return {
        "playbook_id": compiled.spec.id,
        "playbook_version": compiled.spec.version,
        "playbook_sha256": compiled.loaded.sha256,
        "state": state,
        "entry": 3,
        "subject": None,
        "parent_id": None,
        "opened_at": now,
        "opened_by": actor,
        "fields": dict(fields),
        "closed_at": None,
        "outcome": None,
        "updated_at": now,
        "updated_by": actor,
        "row_version": 3,
        **columns,
    }
