"""Checked playbooks kept as JSON, so that a command on a known version never parses YAML.

Parsing a playbook (ruamel's pure-Python composer) and checking its message
templates cost most of a short command's time, and give the same answer for the
same bytes every time. So once a text has checked clean, its validated spec and
the CEL expressions the checker found are written to one small JSON file, named
by the text's sha256 and by the start_case targets it was checked against.
Reading it back is pydantic's `model_validate_json` and a compile of each
expression (cheap, and still priced as the checker prices them).

An entry is used only by the trinn that wrote it: its `format` is a digest of the
modules that decide what a text means (the schema, the parser, the checker), so
a new trinn, or an edited checkout, reads past old entries and writes new ones.
Anything wrong with an entry (missing, unreadable, foreign, not valid) means no
entry: the text is parsed as if it were new. Source positions are not kept; a
loaded playbook parses its text again on the rare occasions something asks for
them (lint, scenario coverage).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from trinn.engine.errors import TrinnError
from trinn.engine.expressions import CompiledExpression, compile_expression
from trinn.engine.playbook_scope import playbook_scope
from trinn.engine.spec import PlaybookSpec

__all__ = ["CachedPlaybook", "PlaybookCache", "checked_against"]

# an entry of a bundled playbook is about 30 KB; anything far larger is not ours
MAX_ENTRY_BYTES = 4 * 1024 * 1024
_MEANING = (
    "spec.py",
    "scalar_spec.py",
    "field_spec.py",
    "action_spec.py",
    "timing_spec.py",
    "limits_spec.py",
    "limits.py",
    "source.py",
    "validation.py",
    "loader.py",
    "checks.py",
    "checker.py",
    "action_checks.py",
    "timing_checks.py",
    "advice_checks.py",
    "graph_checks.py",
    "playbook_cache.py",
)


@dataclass(frozen=True)
class CachedPlaybook:
    spec: PlaybookSpec
    expressions: dict[str, CompiledExpression]


def checked_against(known_playbooks: Iterable[str] | None) -> str:
    """What a check's verdict depended on besides the text: the playbook ids start_case may name."""
    if known_playbooks is None:
        return "any"
    return hashlib.sha256("\n".join(sorted(known_playbooks)).encode()).hexdigest()[:16]


def _format() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    try:
        for name in _MEANING:
            digest.update((here / name).read_bytes())
    except OSError:
        # an install without its sources cannot say what wrote an entry: this process's own
        # token, so entries are never shared across processes (no cache, never a wrong one)
        return "unsourced-" + secrets.token_hex(8)
    return digest.hexdigest()[:16]


class PlaybookCache:
    """A folder of checked playbooks; every failure to read or write is a miss, never an error."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._format: str | None = None

    @property
    def format(self) -> str:
        if self._format is None:
            self._format = _format()
        return self._format

    def _path(self, sha256: str, against: str) -> Path:
        return self.folder / f"{sha256}-{against}.json"

    def get(self, sha256: str, against: str) -> CachedPlaybook | None:
        try:
            with self._path(sha256, against).open("rb") as file:
                raw = file.read(MAX_ENTRY_BYTES + 1)
            if len(raw) > MAX_ENTRY_BYTES:
                return None
            entry = json.loads(raw)
            if not isinstance(entry, dict) or entry.get("format") != self.format:
                return None
            spec = PlaybookSpec.model_validate_json(entry["spec"])
            scope = playbook_scope(spec)
            expressions = {text: compile_expression(text, scope) for text in entry["expressions"]}
        except (OSError, ValueError, KeyError, TypeError, ValidationError, TrinnError):
            # missing, foreign, or an expression the checker would now refuse: parse the text
            return None
        return CachedPlaybook(spec, expressions)

    def put(
        self, sha256: str, against: str, spec: PlaybookSpec, expressions: dict[str, CompiledExpression]
    ) -> None:
        entry = {
            "format": self.format,
            # what a text would say: defaults left out (some, like an empty `fires`, are not inputs)
            "spec": spec.model_dump_json(exclude_defaults=True),
            "expressions": list(expressions),
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # written whole, then renamed: a reader sees the old entry, the new one, or none
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written is no cache: the command works all the same
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(entry, file)
            os.replace(temporary, self._path(sha256, against))
        except OSError:
            Path(temporary).unlink(missing_ok=True)
