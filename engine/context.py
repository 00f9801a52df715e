"""What guards and value expressions see: a case's data as CEL values.

Built once per command from the case (fields, task tallies, state, time, who
acts) and shared by every guard and action that command evaluates; only when
one of them reads it, and only with the names the playbook's expressions read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from trinn.engine.case import TaskTally, task_specs
from trinn.engine.cel_runtime import cel
from trinn.engine.expressions import OVERSIZED
from trinn.engine.field_types import LIST_TYPES, FieldType
from trinn.engine.limits import DEFAULT_LIMITS, Limits
from trinn.engine.moments import moment_of

if TYPE_CHECKING:
    from trinn.engine.spec import FieldSpec, PlaybookSpec

__all__ = ["TaskTally", "evaluation_context", "field_value", "too_large"]


def too_large(field_id: str, value: Any, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why `value` is too large for an expression to read, or None.

    The cost of every expression is priced at load for values up to the playbook's caps
    (`limits`), so a larger one must never reach CEL: an expression reading it fails with
    this reason and the command is refused.
    """
    if isinstance(value, str) and len(value) > limits.cel_text_chars:
        return (
            f"field '{field_id}' has {len(value):,} characters, more than an expression may read "
            f"(the limit is {limits.cel_text_chars:,})"
        )
    if isinstance(value, list | tuple):
        if len(value) > limits.cel_list_items:
            return (
                f"field '{field_id}' has {len(value):,} items, more than an expression may read "
                f"(the limit is {limits.cel_list_items:,})"
            )
        longest = max((len(item) for item in value if isinstance(item, str)), default=0)
        if longest > limits.cel_item_chars:
            return (
                f"an item of field '{field_id}' has {longest:,} characters, more than an expression "
                f"may read (the limit is {limits.cel_item_chars:,})"
            )
    return None


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
    if spec.type is FieldType.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment_of(str(value))
    return value


def evaluation_context(
    spec: PlaybookSpec,
    *,
    state: str,
    fields: Mapping[str, Any],
    tasks: Mapping[str, TaskTally],
    now: dt.datetime,
    actor: str = "",
    roles: Iterable[str] = (),
    names: Collection[str] | None = None,
    task_ids: Collection[str] | None = None,
) -> cel.Context:
    """The CEL context for one command on one case.

    With `names` it holds only those variables, and with `task_ids` only those tasks'
    tallies: what the expressions to be run read, which see the same values either way.
    """
    wanted: Collection[str] = spec.fields.keys() | BUILTINS if names is None else names
    variables: dict[str, Any] = {}
    oversized: dict[str, str] = {}
    caps = spec.limits.caps
    for field_id, field_spec in spec.fields.items():
        if field_id in wanted:
            value = field_value(field_spec, fields.get(field_id))
            reason = too_large(field_id, value, caps)
            if reason is None:
                variables[field_id] = value
            else:  # left out: an expression reading it fails with the reason, no other does
                oversized[field_id] = reason
    if oversized:
        variables[OVERSIZED] = oversized
    if "state" in wanted:
        variables["state"] = state
    if "now" in wanted:
        variables["now"] = now
    if "tasks" in wanted or "tasks_done" in wanted:
        all_tasks = task_specs(spec)
        none = TaskTally()
        if "tasks" in wanted:
            from trinn.engine.records import cel_records  # it reads values as this module does

            variables["tasks"] = {
                task_id: {
                    "done": t.done,
                    "count": t.count,
                    "done_count": t.done_count,
                    "records": cel_records(spec, t.items, all_tasks[task_id]),
                }
                for task_id in all_tasks
                if task_ids is None or task_id in task_ids
                for t in (tasks.get(task_id, none),)
            }
        if "tasks_done" in wanted:
            current = spec.states[state].tasks if state in spec.states else []
            # a for_each task over an empty list has nothing left to do
            variables["tasks_done"] = all(
                (t := tasks.get(task.id, none)).done or (task.for_each is not None and t.count == 0)
                for task in current
                if not task.optional
            )
    if "actor" in wanted:
        variables["actor"] = {"id": actor, "roles": sorted(roles)}
    return cel.Context(variables=variables)


BUILTINS = frozenset({"state", "now", "tasks", "tasks_done", "actor"})
