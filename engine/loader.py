"""Playbook text -> a checked PlaybookSpec, or every problem with its position.

Before the schema sees the data, the parts that multiply are counted against their
caps (states, transitions, transition sources once '*' is spelled out, tasks, fields),
so checking and compiling stay small whatever the file holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trinn.engine.errors import PlaybookError, PlaybookIOError, Problem, os_reason
from trinn.engine.expressions import CompiledExpression
from trinn.engine.plain_spec import plain_form
from trinn.engine.playbook_cache import PlaybookCache, checked_against
from trinn.engine.source import SourceMap, decode_text, parse_yaml, read_capped, strip_bom

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = [
    "MAX_FIELDS",
    "MAX_MOVES",
    "MAX_STATES",
    "MAX_TASKS",
    "MAX_TRANSITIONS",
    "LoadedPlaybook",
    "load_playbook",
    "load_playbook_text",
    "size_problems",
]

# the bundled playbooks have at most 14 states, 25 transitions, 15 tasks and 30 fields
MAX_STATES = 500
MAX_TRANSITIONS = 1_000
# a transition from '*' leaves every non-final state: the machine holds one move per source
MAX_MOVES = 10_000
MAX_TASKS = 1_000
MAX_FIELDS = 500


@dataclass(frozen=True)
class LoadedPlaybook:
    """A playbook that checked clean, with what it was made from.

    One read from the playbook cache has no source positions until something asks
    for them (lint, scenario coverage): then its text is parsed once.
    """

    spec: PlaybookSpec
    path: str
    text: str
    sha256: str
    positions: SourceMap | None
    expressions: dict[str, CompiledExpression]

    @property
    def key(self) -> tuple[str, int]:
        return self.spec.id, self.spec.version

    @property
    def source_map(self) -> SourceMap:
        if self.positions is None:
            _, source_map, _ = parse_yaml(self.text.encode("utf-8", "surrogatepass"), self.path)
            object.__setattr__(self, "positions", source_map)  # parsed once, on first use
            return source_map
        return self.positions


def load_playbook_text(
    text: str | bytes,
    path: str,
    known_playbooks: Iterable[str] | None = None,
    cache: PlaybookCache | None = None,
) -> LoadedPlaybook:
    """Parse, validate and check; raise PlaybookError holding every problem found.

    With a cache, a text that checked clean before (against the same start_case
    targets) is taken from it, and a text that checks clean now is put in it.
    """
    # a byte-order mark is no part of the playbook: the same text has the same hash with or without
    raw = strip_bom(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    sha256 = hashlib.sha256(raw).hexdigest()
    against = checked_against(known_playbooks)
    if cache is not None and (hit := cache.get(sha256, against)) is not None:
        decoded, _ = decode_text(raw, path)  # it decoded clean when it was put there
        return LoadedPlaybook(hit.spec, path, decoded or "", sha256, None, hit.expressions)
    # only a text new to this trinn is checked: the models and the checker are imported here
    from trinn.engine.checks import check_playbook
    from trinn.engine.spec import PlaybookSpec
    from trinn.engine.validation import validate_model

    data, source_map, problems = parse_yaml(raw, path)
    if problems:
        raise PlaybookError(path, problems)
    if not isinstance(data, dict):
        raise PlaybookError(path, [source_map.problem((), "a playbook is a map of keys", "start with 'id:'")])
    problems = size_problems(data, source_map)
    if problems:
        raise PlaybookError(path, problems)
    spec, problems = validate_model(PlaybookSpec, data, source_map)
    if spec is None:
        raise PlaybookError(path, problems)
    result = check_playbook(spec, source_map, known_playbooks)
    if result.problems:
        raise PlaybookError(path, result.problems)
    if cache is not None:
        cache.put(sha256, against, spec, result.expressions)
    # the engine runs on one form, whether the text was checked now or read from the cache
    return LoadedPlaybook(plain_form(spec), path, source_map.text, sha256, source_map, result.expressions)


def load_playbook(
    path: Path | str,
    known_playbooks: Iterable[str] | None = None,
    display: str | None = None,
    cache: PlaybookCache | None = None,
) -> LoadedPlaybook:
    """Load a playbook file; `display` is the name problems are reported under."""
    path = Path(path)
    shown = display or str(path)
    try:
        raw = read_capped(path)
    except OSError as exc:
        raise PlaybookIOError(shown, os_reason(exc)) from exc
    return load_playbook_text(raw, shown, known_playbooks, cache)


def size_problems(data: dict[str, Any], source_map: SourceMap) -> list[Problem]:
    """The parts of a playbook's data past their caps, counted before anything else reads them."""
    states = data.get("states")
    states = states if isinstance(states, dict) else {}
    transitions = data.get("transitions")
    transitions = transitions if isinstance(transitions, list) else []
    fields = data.get("fields")
    tasks = sum(
        len(s["tasks"]) for s in states.values() if isinstance(s, dict) and isinstance(s.get("tasks"), list)
    )
    moves = 0
    for transition in transitions:
        source = transition.get("from") if isinstance(transition, dict) else None
        moves += len(states) if source == "*" else len(source) if isinstance(source, list) else 1
    counts = [
        ("states", "states", len(states), MAX_STATES),
        ("transitions", "transitions", len(transitions), MAX_TRANSITIONS),
        ("transitions", "moves (transitions times the states they leave)", moves, MAX_MOVES),
        ("states", "tasks", tasks, MAX_TASKS),
        ("fields", "fields", len(fields) if isinstance(fields, dict) else 0, MAX_FIELDS),
    ]
    return [
        source_map.problem((key,), f"too many {what}: {count}", f"the limit is {limit}", at_key=True)
        for key, what, count, limit in counts
        if count > limit
    ]
