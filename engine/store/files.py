"""Uploaded files in the database: each content once, by its sha256 (engine.files).

A file field keeps only `{sha256, name, size, type}`; the bytes live here, in one row per
distinct content, so the same file sent twice (by two cases, or twice to one) is stored once.
The row is written in the command's transaction, so a refused command leaves none behind.
"""

from __future__ import annotations

import datetime as dt

from trinn.engine.store import sql
from trinn.engine.store.driver import TransactionBase

__all__ = ["FileRows"]


class FileRows(TransactionBase):
    """The `files` table: store a content once, read it back by its sha256."""

    def store_file(self, sha256: str, size: int, content_type: str, content: bytes, now: dt.datetime) -> bool:
        """Keep `content` under `sha256` unless it is kept already; True if this stored it."""
        if self._rows(sql.FILE_STORED, {"sha256": sha256}):
            return False
        row = {"sha256": sha256, "size": size, "content_type": content_type, "content": content}
        return self._run(sql.INSERT_FILE, {**row, "stored_at": now}) > 0

    def file_content(self, sha256: str) -> bytes | None:
        """The bytes kept under `sha256`, or None if there are none."""
        found = self._scalar(sql.FILE_CONTENT, {"sha256": sha256})
        return None if found is None else bytes(found)

    def files_stored(self) -> int:
        """How many distinct contents are kept (each file once)."""
        return int(self._scalar(sql.FILE_COUNT) or 0)
