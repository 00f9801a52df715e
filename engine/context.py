"""What guards and value expressions see: a case's data as CEL values.

Built once per command from the case (fields, task tallies, state, time, who
acts) and shared by every guard and action that command evaluates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import cel

from engine.case import TaskTally
from engine.spec import LIST_TYPES, FieldSpec, FieldType, PlaybookSpec

__all__ = ["TaskTally", "evaluation_context", "field_value"]


def field_value(spec: FieldSpec, value: Any) -> Any:
    """A stored value as CEL sees it: unset lists are [], unset bools false, dates timestamps."""
    if value is None:
        value = spec.default
    if value is None:
        if spec.type in LIST_TYPES:
            return []
        return False if spec.type is FieldType.bool else None
    if spec.type is FieldType.date:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return value


def evaluation_context(spec: PlaybookSpec, *, state: str, fields: Mapping[str, Any],
                       tasks: Mapping[str, TaskTally], now: dt.datetime,
                       actor: str = "", roles: Iterable[str] = ()) -> cel.Context:
    """The CEL context for one command on one case."""
    variables: dict[str, Any] = {
        field_id: field_value(field_spec, fields.get(field_id))
        for field_id, field_spec in spec.fields.items()
    }
    tallies = {task_id: tasks.get(task_id, TaskTally()) for task_id in spec.all_tasks()}
    current = spec.states[state].tasks if state in spec.states else []
    variables.update(
        state=state,
        now=now if now.tzinfo else now.replace(tzinfo=dt.UTC),
        tasks={task_id: {"done": t.done, "count": t.count, "done_count": t.done_count}
               for task_id, t in tallies.items()},
        # a for_each task over an empty list has nothing left to do
        tasks_done=all(tallies[t.id].done or (t.for_each is not None and tallies[t.id].count == 0)
                       for t in current if not t.optional),
        actor={"id": actor, "roles": sorted(roles)},
    )
    return cel.Context(variables=variables)
