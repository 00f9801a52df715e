"""Playbook text -> a checked PlaybookSpec, or every problem with its position."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from trinn.engine.checks import check_playbook
from trinn.engine.errors import PlaybookError, PlaybookIOError
from trinn.engine.expressions import CompiledExpression
from trinn.engine.source import SourceMap, parse_yaml, read_capped
from trinn.engine.spec import PlaybookSpec
from trinn.engine.validation import validate_model

__all__ = ["LoadedPlaybook", "load_playbook", "load_playbook_text"]


@dataclass(frozen=True)
class LoadedPlaybook:
    """A playbook that checked clean, with what it was made from."""

    spec: PlaybookSpec
    path: str
    text: str
    sha256: str
    source_map: SourceMap
    expressions: dict[str, CompiledExpression]

    @property
    def key(self) -> tuple[str, int]:
        return self.spec.id, self.spec.version


def load_playbook_text(
    text: str | bytes, path: str, known_playbooks: Iterable[str] | None = None
) -> LoadedPlaybook:
    """Parse, validate and check; raise PlaybookError holding every problem found."""
    raw = text.encode() if isinstance(text, str) else text
    data, source_map, problems = parse_yaml(text, path)
    if problems:
        raise PlaybookError(path, problems)
    if not isinstance(data, dict):
        raise PlaybookError(path, [source_map.problem((), "a playbook is a map of keys", "start with 'id:'")])
    spec, problems = validate_model(PlaybookSpec, data, source_map)
    if spec is None:
        raise PlaybookError(path, problems)
    assert isinstance(spec, PlaybookSpec)
    result = check_playbook(spec, source_map, known_playbooks)
    if result.problems:
        raise PlaybookError(path, result.problems)
    return LoadedPlaybook(
        spec, path, raw.decode("utf-8"), hashlib.sha256(raw).hexdigest(), source_map, result.expressions
    )


def load_playbook(
    path: Path | str, known_playbooks: Iterable[str] | None = None, display: str | None = None
) -> LoadedPlaybook:
    """Load a playbook file; `display` is the name problems are reported under."""
    path = Path(path)
    shown = display or str(path)
    try:
        raw = read_capped(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PlaybookIOError(shown, reason[:1].lower() + reason[1:]) from exc
    return load_playbook_text(raw, shown, known_playbooks)
