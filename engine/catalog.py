"""Where playbooks are found: the bundled ones, and the organisation's own folders.

Scenario files (`*.test.yaml`) live beside playbooks and are not playbooks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from trinn.engine.errors import PlaybookIOError, PlaybookNotFoundError
from trinn.engine.source import read_capped, strip_bom

__all__ = ["PlaybookFile", "bundled_files", "find_playbook", "known_ids", "playbook_files", "yaml_files"]

_ID_LINE = re.compile(r"^id:\s*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)


@dataclass(frozen=True)
class PlaybookFile:
    path: Path
    bundled: bool

    @property
    def declared_id(self) -> str | None:
        """The `id:` the file declares, read without loading it (None if unreadable)."""
        try:  # bounded, and never a device or a FIFO; a byte-order mark is no part of the text
            text = strip_bom(read_capped(self.path)).decode("utf-8", errors="replace")
        except OSError:
            return None
        found = _ID_LINE.search(text)
        return found.group(1) if found else None


def _is_playbook(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and not path.name.endswith((".test.yaml", ".test.yml"))


def bundled_files() -> list[PlaybookFile]:
    folder = files("trinn.playbooks")
    with as_file(folder) as real:  # the package is installed as plain files (setuptools)
        return [PlaybookFile(p, True) for p in sorted(Path(real).iterdir()) if _is_playbook(p)]


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Each file as given, and the playbooks inside each folder; missing paths stay in."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if _is_playbook(p)))
        else:
            found.append(path)
    return found


def playbook_files(folders: Sequence[Path] = ()) -> list[PlaybookFile]:
    """The bundled playbooks, then those in `folders` (TRINN_PLAYBOOKS / --playbooks)."""
    extra = [PlaybookFile(p, False) for p in yaml_files(folders) if p.is_file()]
    return bundled_files() + extra


def known_ids(folders: Sequence[Path] = (), given: Iterable[Path] = ()) -> set[str]:
    """The playbook ids a `start_case` may name: those the playbooks (bundled, in `folders`)
    declare, and those of the files `given` (unreadable ones left out)."""
    files = [*playbook_files(folders), *(PlaybookFile(path, False) for path in given)]
    return {pid for f in files if (pid := f.declared_id)}


def find_playbook(name: str, folders: Sequence[Path] = ()) -> Path:
    """A playbook by file path or by id; the organisation's own win over bundled ones."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if path.is_dir():
            raise PlaybookIOError(name, "it is a folder (give a playbook file or id)")
        if not path.exists():
            raise PlaybookIOError(name, "no such file")
        if not path.is_file():  # a device or a FIFO: refused before anything is read
            raise PlaybookIOError(name, "not a regular file (give a playbook file or id)")
        return path
    candidates = playbook_files(folders)
    for candidate in reversed(candidates):
        if candidate.declared_id == name:
            return candidate.path
    raise PlaybookNotFoundError(name, [c.declared_id for c in candidates if c.declared_id])
