"""One firing of a trigger on a case: what its guards see, and what it did.

The compiled machine (engine.compiler) records on a `Firing` the transition it took and
the effects its actions made; actions do not act, they append Effects for the command
to commit in one transaction. `Reads` is what some expressions read of a case, so a
context holding only that is made, and only when a guard or an action first reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trinn.engine.advice import CompiledAdvice
from trinn.engine.cel_runtime import cel
from trinn.engine.expressions import CompiledExpression

if TYPE_CHECKING:
    from trinn.engine.spec import NotifySpec, TransitionSpec

__all__ = [
    "EVERYTHING",
    "CompiledTransition",
    "ContextSource",
    "CustomEffect",
    "Effect",
    "Firing",
    "NotifyEffect",
    "Reads",
    "SetEffect",
    "StartCaseEffect",
    "reads_of",
]


@dataclass(frozen=True)
class SetEffect:
    values: dict[str, Any]


@dataclass(frozen=True)
class NotifyEffect:
    notify: NotifySpec


@dataclass(frozen=True)
class StartCaseEffect:
    playbook: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class CustomEffect:
    kind: str
    params: dict[str, Any]


Effect = SetEffect | NotifyEffect | StartCaseEffect | CustomEffect


@dataclass(frozen=True)
class CompiledTransition:
    index: int
    spec: TransitionSpec
    guard: CompiledExpression | None
    roles: frozenset[str]
    advice: tuple[CompiledAdvice, ...] = ()  # its soft rules (engine.advice)

    @property
    def trigger(self) -> str:
        return self.spec.trigger


@dataclass(frozen=True)
class Reads:
    """What some expressions read of a case: its top-level names and which tasks (None: all).

    A context with only these holds the same values for them, and costs a fraction: most
    of a full context's cost is handing every task's tally over to CEL.
    """

    names: frozenset[str] | None
    tasks: frozenset[str] | None


def reads_of(expressions: Iterable[CompiledExpression]) -> Reads:
    names: set[str] = set()
    task_ids: set[str] | None = set()
    for expression in expressions:
        names.update(name for name in expression.names if "." not in name)
        if expression.reading.tasks is None:
            task_ids = None  # `tasks` read some other way (whole, indexed): all of them
        elif task_ids is not None:
            task_ids.update(expression.reading.tasks)
    return Reads(frozenset(names), None if task_ids is None else frozenset(task_ids))


# a context, or what makes it (of what it must hold) when a guard or an action first reads
# it; most fires read little of the case, and some nothing
ContextSource = cel.Context | Callable[[Reads], cel.Context]


class Firing:
    """One firing: what the guards see, and what it did (the transition taken, its effects)."""

    __slots__ = ("_context", "_make", "effects", "reads", "roles", "source", "transition", "unmet")

    def __init__(
        self, source: str, context: ContextSource, roles: frozenset[str], reads: Reads | None = None
    ) -> None:
        self.source = source
        self._context: cel.Context | None
        self._make: Callable[[Reads], cel.Context] | None
        if isinstance(context, cel.Context):
            self._context, self._make = context, None
        else:
            self._context, self._make = None, context
        self.roles = roles
        self.reads = reads
        self.transition: CompiledTransition | None = None
        self.effects: list[Effect] = []
        self.unmet: list[CompiledAdvice] = []  # the taken transition's advice not met, if any

    @property
    def context(self) -> cel.Context:
        if self._context is None:
            assert self._make is not None  # set whenever no context was given
            self._context = self._make(self.reads or EVERYTHING)
        return self._context

    def __repr__(self) -> str:
        taken = self.transition.trigger if self.transition else None
        return f"Firing(source={self.source!r}, taken={taken!r}, effects={self.effects!r})"


EVERYTHING = Reads(None, None)
