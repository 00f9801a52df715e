"""The compiled playbook of every version a command needs, each compiled once per process.

New cases run on the playbook file as it is now (bundled, or from the
organisation's folders). A running case runs on the text stored with it when it
was opened, found by the text's hash, so editing a file never changes the rules
of a case already under way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from trinn.engine.compiler import CompiledPlaybook, compile_playbook
from trinn.engine.errors import PlaybookIOError, TrinnError, os_reason
from trinn.engine.loader import load_playbook_text
from trinn.engine.playbook_cache import PlaybookCache
from trinn.engine.source import read_capped, strip_bom

__all__ = ["PlaybookRegistry"]


class PlaybookRegistry:
    """Compiled playbooks by file (for new cases) and by stored hash (for running ones)."""

    def __init__(self, folders: Sequence[Path] = (), cache: PlaybookCache | None = None) -> None:
        self.folders = list(folders)
        self.cache = cache
        self._by_sha: dict[str, CompiledPlaybook] = {}
        self._known: set[str] | None = None

    def known_ids(self) -> set[str]:
        from trinn.engine.catalog import known_ids  # the folders are read for new cases only

        if self._known is None:
            self._known = known_ids(self.folders)
        return self._known

    def current(self, name: str) -> CompiledPlaybook:
        """The playbook a new case of `name` (an id or a file) runs on: the file as it is now.

        The file is read each time (it may have been edited), but parsed and compiled
        only when its bytes are new to this process.
        """
        from trinn.engine.catalog import find_playbook  # a running case needs no folder

        path = find_playbook(name, self.folders)
        try:
            raw = strip_bom(read_capped(path))  # hashed as the loader hashes it
        except OSError as exc:
            raise PlaybookIOError(str(path), os_reason(exc)) from exc
        sha256 = hashlib.sha256(raw).hexdigest()
        compiled = self._by_sha.get(sha256)
        if compiled is None:
            compiled = compile_playbook(load_playbook_text(raw, str(path), self.known_ids(), self.cache))
            self._by_sha[sha256] = compiled
        return compiled

    def folder_of(self, compiled: CompiledPlaybook) -> Path | None:
        """The folder a playbook's shipped files lie in (its `attach:`): the file it was read
        from, or, for a version read from the database, the file its id is found in now."""
        from trinn.engine.catalog import find_playbook

        path = Path(compiled.loaded.path)
        if path.is_file():
            return path.parent
        try:
            return find_playbook(compiled.spec.id, self.folders).parent
        except TrinnError:
            return None

    def cached(self, sha256: str) -> CompiledPlaybook | None:
        return self._by_sha.get(sha256)

    def stored(
        self, sha256: str, playbook_id: str, version: int, text: Callable[[str], str]
    ) -> CompiledPlaybook:
        """The version a running case was opened on; `text(sha256)` fetches it (from the store)
        when not yet compiled."""
        compiled = self._by_sha.get(sha256)
        if compiled is None:
            # checked when first stored; start_case targets are checked when the case starts one
            label = f"{playbook_id} version {version} (stored)"
            compiled = compile_playbook(load_playbook_text(text(sha256), label, None, self.cache))
            self._by_sha[sha256] = compiled
        return compiled
