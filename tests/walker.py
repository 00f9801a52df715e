"""A minimal in-memory case for driving a compiled playbook in tests.

It keeps the few things a guard reads (fields, task tallies, state) and applies
`set` effects, so a test can walk a playbook from its initial state to each of
its final states through the compiled machine, before cases are stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from trinn.engine.compiler import CompiledPlaybook, Firing, SetEffect
from trinn.engine.context import TaskTally, evaluation_context
from trinn.engine.values import normalize_value

NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)


class Walker:
    """One case, walked by hand: `set`, `done`, `fire`."""

    def __init__(self, compiled: CompiledPlaybook, **fields: Any) -> None:
        self.compiled = compiled
        self.state = compiled.spec.initial
        self.fields: dict[str, Any] = {}
        self.done_tasks: dict[str, int] = {}
        self.firings: list[Firing] = []
        self.set(**fields)

    @property
    def spec(self):
        return self.compiled.spec

    def set(self, **values: Any) -> Walker:
        for name, value in values.items():
            self.fields[name] = normalize_value(self.spec.fields[name], value)
        return self

    def _tally(self, task_id: str) -> TaskTally:
        task = self.spec.all_tasks()[task_id]
        in_state = any(t.id == task_id for t in self.spec.states[self.state].tasks)
        if task.for_each:
            count = len(self.fields.get(task.for_each) or [])
        else:
            count = 1 if in_state or task_id in self.done_tasks else 0
        return TaskTally(count, min(self.done_tasks.get(task_id, 0), count))

    def done(self, *task_ids: str) -> Walker:
        """Complete tasks of the current state (every instance of a for_each task)."""
        current = {t.id for t in self.spec.states[self.state].tasks}
        for task_id in task_ids:
            assert task_id in current, f"task '{task_id}' is not in state '{self.state}'"
            self.done_tasks[task_id] = 10**6
        return self

    def done_all(self) -> Walker:
        return self.done(*(t.id for t in self.spec.states[self.state].tasks))

    def context(self, roles: set[str] | None = None):
        tallies = {task_id: self._tally(task_id) for task_id in self.spec.all_tasks()}
        return evaluation_context(
            self.spec,
            state=self.state,
            fields=self.fields,
            tasks=tallies,
            now=NOW,
            actor="test",
            roles=roles or set(),
        )

    def fire(self, trigger: str, *, roles: set[str] | None = None) -> Walker:
        """Fire as someone holding `roles` (default: every role of the playbook)."""
        roles = set(self.spec.roles) if roles is None else roles
        firing = self.compiled.fire(self, trigger, self.context(roles), roles)
        self.firings.append(firing)
        for effect in firing.effects:
            if isinstance(effect, SetEffect):
                for name, value in effect.values.items():
                    self.fields[name] = value
        if firing.transition:
            # entering a state (again, or by a loop) creates its tasks afresh
            for task in self.spec.states[self.state].tasks:
                self.done_tasks.pop(task.id, None)
        return self

    def messages(self) -> list[str]:
        """Ids of every message queued so far, in order."""
        return [e.notify.message for f in self.firings for e in f.effects if hasattr(e, "notify")]
