"""`trinn check` for the graph of states: unreachable states, dead ends, and states from
which a case can never end (each problem lists the states it is about)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from trinn.engine.errors import Problem
from trinn.engine.source import SourceMap

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["graph_problems"]


def _successors(spec: PlaybookSpec) -> dict[str, set[str]]:
    following: dict[str, set[str]] = {state_id: set() for state_id in spec.states}
    for transition in spec.transitions:
        if transition.to not in spec.states:
            continue
        for source in spec.source_states(transition):
            if source in following:
                following[source].add(transition.to)
    return following


def _closure(start: Iterable[str], step: Callable[[str], Iterable[str]]) -> set[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def graph_problems(spec: PlaybookSpec, source_map: SourceMap) -> list[Problem]:
    """Unreachable states, dead ends, and states from which the case can never end."""
    if spec.initial not in spec.states or spec.states[spec.initial].final:
        return []  # reported as such; every state would echo it
    following = _successors(spec)
    preceding: dict[str, set[str]] = {s: set() for s in spec.states}
    for source, targets in following.items():
        for target in targets:
            preceding[target].add(source)
    problems = []
    reachable = _closure([spec.initial], lambda s: following[s])
    finals = [s for s, st in spec.states.items() if st.final]
    if not finals:
        problems.append(
            source_map.problem(
                ("states",),
                "no state is final",
                "mark the states that end a case with 'final: true'",
                at_key=True,
            )
        )
    can_end = _closure(finals, lambda s: preceding[s])
    trapped: dict[str, list[str]] | None = None
    for state_id, state in spec.states.items():
        loc = ("states", state_id)
        if state_id not in reachable:
            problems.append(
                source_map.problem(
                    loc,
                    f"state '{state_id}' cannot be reached from '{spec.initial}'",
                    "add a transition to it or remove it",
                    at_key=True,
                )
            )
        if not state.final and not following[state_id]:
            problems.append(
                source_map.problem(
                    loc,
                    f"state '{state_id}' is not final and has no way out",
                    "add a transition from it or mark it 'final: true'",
                    at_key=True,
                )
            )
        elif finals and state_id not in can_end:
            if trapped is None:
                trapped = _trapped(spec.states, following, can_end)
            names = ", ".join(f"'{s}'" for s in trapped[state_id][:_TRAPPED_SHOWN])
            more = " and more" if len(trapped[state_id]) > _TRAPPED_SHOWN else ""
            problems.append(
                source_map.problem(
                    loc,
                    f"no final state can be reached from '{state_id}'",
                    f"the case would be stuck among {names}{more}",
                    at_key=True,
                )
            )
    return problems


_TRAPPED_SHOWN = 8


def _trapped(
    states: Iterable[str], following: dict[str, set[str]], can_end: set[str]
) -> dict[str, list[str]]:
    """For each state that cannot end, the first names (sorted) of the states it can reach.

    At most one more than shown is kept: the smallest names of a union are among the smallest
    of its parts, so each group of states that reach each other is worked out once from the
    groups it leads to, linear in the moves, where a walk from every state would be quadratic.
    """
    stuck = [s for s in states if s not in can_end]
    trapped: dict[str, list[str]] = {}
    for group in _groups(stuck, following):  # each group after every group it leads to
        names = set(group)
        for state_id in group:
            for target in following[state_id]:
                if target not in names:
                    names.update(trapped[target])
        first = sorted(names)[: _TRAPPED_SHOWN + 1]
        for state_id in group:
            trapped[state_id] = first
    return trapped


def _groups(nodes: list[str], following: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups (Tarjan's, without recursion), each after those it leads to."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(following[root])))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(following[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups
