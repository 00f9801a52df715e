"""What every check of a playbook shares: where it reports, how it names what is unknown.

A `Checker` holds one validated PlaybookSpec and its source map; the checks of its parts
(engine.checks, engine.action_checks, engine.timing_checks, engine.advice_checks) report
through it, each problem at its position, and the expressions it compiles are kept for the
compiler, so it never compiles them again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from trinn.engine.errors import MAX_PROBLEMS, ExpressionError, Problem, did_you_mean
from trinn.engine.expressions import CompiledExpression, compile_expression
from trinn.engine.field_types import FieldType
from trinn.engine.playbook_scope import playbook_scope
from trinn.engine.source import Loc, SourceMap

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["CheckResult", "Checker"]


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    expressions: dict[str, CompiledExpression] = field(default_factory=dict)


class Checker:
    def __init__(
        self, spec: PlaybookSpec, source_map: SourceMap, known_playbooks: Iterable[str] | None
    ) -> None:
        self.spec = spec
        self.map = source_map
        self.known_playbooks = None if known_playbooks is None else set(known_playbooks)
        self.result = CheckResult()
        self.hints: dict[int, Callable[[], str]] = {}
        self.tasks = spec.all_tasks()
        # the triggers leaving each state, with '*' spelled out once
        self.leaving: dict[str, set[str]] = {state_id: set() for state_id in spec.states}
        for transition in spec.transitions:
            for source in spec.source_states(transition):
                self.leaving.setdefault(source, set()).add(transition.trigger)
        self.scope = playbook_scope(spec)

    def add(self, loc: Loc, message: str, hint: str = "", *, at_key: bool = False) -> None:
        self.result.problems.append(self.map.problem(loc, message, hint, at_key=at_key))

    def ref(self, loc: Loc, kind: str, name: str, known: Collection[str], *, at_key: bool = False) -> bool:
        """Report `name` if it is not among `known` (a dict or set: looked up, not searched)."""
        if name in known:
            return True
        # the hint compares `name` with every known one: worked out only if the report shows it
        self.hints[len(self.result.problems)] = lambda: did_you_mean(name, known, list_if_few=8)
        self.add(loc, f"unknown {kind} '{name}'", at_key=at_key)
        return False

    def field_type(self, loc: Loc, field_id: str) -> FieldType | None:
        """The type of field `field_id`, or None (reported) when there is no such field."""
        if not self.ref(loc, "field", field_id, self.spec.fields):
            return None
        return self.spec.fields[field_id].type

    def hint_shown(self) -> None:
        """Fill in the did-you-mean hints of the problems a report shows (the first by position)."""
        problems = self.result.problems
        for i in sorted(range(len(problems)), key=problems.__getitem__)[:MAX_PROBLEMS]:
            if i in self.hints:
                problems[i] = replace(problems[i], hint=self.hints[i]())

    def expression(self, loc: Loc, text: str, what: str = "expression") -> None:
        if text in self.result.expressions:
            return
        try:
            self.result.expressions[text] = compile_expression(text, self.scope, what)
        except ExpressionError as exc:
            line, column = self.map.position_in(loc, text, max(exc.column - 1, 0))
            self.result.problems.append(Problem(self.map.path, line, column, exc.message, exc.hint))

    def roles(self, loc: Loc, roles: str | list[str]) -> None:
        if isinstance(roles, str):
            self.ref(loc, "role", roles, self.spec.roles)
        else:
            for i, role in enumerate(roles):
                self.ref((*loc, i), "role", role, self.spec.roles)
