"""Checked playbooks kept as pickles, so that a command on a known version never parses YAML.

Parsing a playbook (ruamel's pure-Python composer) and checking its message
templates cost most of a short command's time, and give the same answer for the
same bytes every time. So once a text has checked clean, its validated spec and
the CEL expressions the checker found are written to one small file, named by the
text's sha256 and by the start_case targets it was checked against. Reading it
back is an unpickling of the spec (well under a millisecond) and a compile of each
expression (cheap, and still priced as the checker prices them).

Why a pickle and not JSON: reading JSON back through pydantic builds the validators
of every spec model first, about a tenth of a second per command. A pickle restores
the models' fields as they were validated, in the plain form of engine.plain_spec,
so that reading an entry imports no pydantic at all. The unpickler makes only plain
parts and the format's value classes (`SpecUnpickler`), so an entry cannot name
anything else to call, and the format line is compared before a byte of the pickle
is read.

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
import io
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from trinn.engine.expressions import CompiledExpression, compile_expression
from trinn.engine.plain_spec import SpecUnpickler
from trinn.engine.playbook_scope import playbook_scope
from trinn.engine.spec_base import PlaybookBase

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["CachedPlaybook", "PlaybookCache", "checked_against"]

# an entry of a bundled playbook is about 30 KB; anything far larger is not ours
MAX_ENTRY_BYTES = 4 * 1024 * 1024
_SUFFIX = ".pickle"
_HEADER = b"trinn playbook cache "  # then the format, a newline, and the pickle
_MEANING = (
    "spec.py",
    "spec_base.py",
    "plain_spec.py",
    "field_types.py",
    "calendar.py",
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
        import secrets

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
        return self.folder / f"{sha256}-{against}{_SUFFIX}"

    def get(self, sha256: str, against: str) -> CachedPlaybook | None:
        try:
            with self._path(sha256, against).open("rb") as file:
                raw = file.read(MAX_ENTRY_BYTES + 1)
            header, _, body = raw.partition(b"\n")
            if len(raw) > MAX_ENTRY_BYTES or header != _HEADER + self.format.encode():
                return None
            entry = SpecUnpickler(io.BytesIO(body)).load()
            texts = entry["expressions"]
            if not isinstance(entry["spec"], PlaybookBase) or not all(isinstance(t, str) for t in texts):
                return None
            spec = cast("PlaybookSpec", entry["spec"])  # its plain form (engine.plain_spec)
            scope = playbook_scope(spec)
            expressions = {text: compile_expression(text, scope) for text in texts}
        except Exception:
            # missing, foreign, truncated, or an expression the checker would now refuse: every
            # way an entry can be wrong is a miss (the text is parsed), never a failed command
            return None
        return CachedPlaybook(spec, expressions)

    def put(
        self, sha256: str, against: str, spec: PlaybookSpec, expressions: dict[str, CompiledExpression]
    ) -> None:
        entry = {"spec": spec, "expressions": list(expressions)}
        body = _HEADER + self.format.encode() + b"\n" + pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # written whole, then renamed: a reader sees the old entry, the new one, or none
            import tempfile  # only a text checked anew is written

            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written is no cache: the command works all the same
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(body)
            os.replace(temporary, self._path(sha256, against))
        except OSError:
            Path(temporary).unlink(missing_ok=True)
