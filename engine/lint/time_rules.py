"""Lint rules about time: a case-wide deadline that can never be met."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from trinn.engine.lint.rules import Hit, _rule
from trinn.engine.loader import LoadedPlaybook

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["reachable_from"]


def reachable_from(spec: PlaybookSpec, start: str) -> set[str]:
    """The states a case in `start` can reach, `start` included."""
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for transition in spec.transitions:
            if here in spec.source_states(transition) and transition.to not in seen:
                seen.add(transition.to)
                todo.append(transition.to)
    return seen


@_rule("deadline-never-met", "warning", "a deadline's states to meet it cannot be reached after it starts")
def _deadline_never_met(loaded: LoadedPlaybook) -> Iterator[Hit]:
    spec = loaded.spec
    for deadline_id, deadline in spec.deadlines.items():
        met = deadline.met
        if met.when is not None or not met.states:
            continue  # a condition may come true in any state
        start = deadline.start.enter or spec.initial
        if start not in spec.states or any(s not in spec.states for s in met.states):
            continue  # `trinn check` reports the unknown state
        if not reachable_from(spec, start) & set(met.states):
            states = ", ".join(f"'{s}'" for s in met.states)
            yield Hit(
                ("deadlines", deadline_id, "met", "state"),
                f"deadline '{deadline_id}' can never be met: {states} cannot be reached from '{start}'",
                "meet it in a state reachable after its start, or by a condition ('when')",
                subject=deadline_id,
            )
