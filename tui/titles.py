"""What the cases list shows of a playbook version, kept by its sha256 in the user's cache folder.

The list needs five things of each version its cases run on: its id, title and language,
its states' titles, its own clock. They come from the stored YAML, and parsing it (importing
ruamel and running its pure-Python composer) costs about a fifth of a second, the most of
the first screen's own work. The same bytes always give the same five things, so once
parsed they are written as a small JSON file named by the text's sha256
(`$XDG_CACHE_HOME/trinn/titles`, beside the playbook cache) and read back by the next
start. Anything wrong with a file (missing, unreadable, not ours, another format) means no
file: the text is parsed as if it were new. Text is kept as written (a title in several
languages stays a mapping): the UI's language is chosen when it is shown.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["PlaybookHead", "cache_folder", "playbook_head"]

PlaybookHead = dict[str, Any]  # id, title, language, states (id -> title), timezone
_FORMAT = 1  # raised whenever what a head holds, or how it is read from the YAML, changes
_KEYS = frozenset({"id", "title", "language", "states", "timezone"})
_MAX_BYTES = 1024 * 1024  # a head is the titles of one playbook: anything far larger is not ours
_SHA256 = re.compile(r"[0-9a-f]{64}")  # the file's name: never a path the database could choose


def cache_folder() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("trinn", appauthor=False) / "titles"


def playbook_head(sha256: str, text: str, folder: Path | None) -> PlaybookHead:
    """The head of the playbook version `text` (whose hash is `sha256`): from `folder` when
    a start before parsed it, else parsed now and written there for the next start."""
    if not _SHA256.fullmatch(sha256):
        folder = None
    if folder is not None and (kept := _read(folder / f"{sha256}.json")) is not None:
        return kept
    head = _parsed(sha256, text)
    if folder is not None:
        _write(folder, sha256, head)
    return head


def _parsed(sha256: str, text: str) -> PlaybookHead:
    from trinn.engine.source import parse_yaml

    data, _map, _problems = parse_yaml(text, sha256)
    data = data if isinstance(data, dict) else {}
    states = found if isinstance(found := data.get("states"), dict) else {}
    zone = data.get("timezone")
    return {
        "id": data.get("id", sha256[:12]),
        "title": data.get("title"),
        "language": str(data.get("language") or "nb"),
        # a state written as a mapping has its title (or none); any other is shown by its id
        "states": {sid: s.get("title") if isinstance(s, dict) else sid for sid, s in states.items()},
        "timezone": zone if isinstance(zone, str) else None,
    }


def _read(path: Path) -> PlaybookHead | None:
    try:
        with path.open("rb") as file:
            raw = file.read(_MAX_BYTES + 1)
        if len(raw) > _MAX_BYTES:
            return None
        kept = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("format") != _FORMAT:
        return None
    head = kept.get("head")
    return head if _plain(head) else None


def _plain(head: Any) -> bool:
    """A head of plain text only: what the list can show without a surprise (a file changed by
    hand, or a playbook with a number for a title, is parsed instead)."""

    def text(value: Any) -> bool:
        return (
            value is None
            or isinstance(value, str)
            or (isinstance(value, dict) and all(isinstance(v, str) for v in value.values()))
        )

    return (
        isinstance(head, dict)
        and set(head) == _KEYS
        and isinstance(head["id"], str)
        and isinstance(head["language"], str)
        and (head["timezone"] is None or isinstance(head["timezone"], str))
        and text(head["title"])
        and isinstance(head["states"], dict)
        and all(text(title) for title in head["states"].values())
    )


def _write(folder: Path, sha256: str, head: PlaybookHead) -> None:
    """Written only when plain and JSON gives back exactly what was parsed (a YAML date, or a
    number as a key, would come back changed: such a head is parsed on every start instead)."""
    try:
        text = json.dumps({"format": _FORMAT, "head": head}, ensure_ascii=False)
        if not _plain(head) or json.loads(text)["head"] != head:
            return
        folder.mkdir(parents=True, exist_ok=True)
        # written whole under another name, then renamed: a reader never sees half a file
        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, folder / f"{sha256}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, TypeError, ValueError):
        return  # a cache that cannot be written costs the next start a parse, nothing more
