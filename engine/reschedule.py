"""When a date in a field changes, what is timed from it moves with it.

The open tasks of the case's current state whose `due` is relative to the field
get the new due date; its reminders, escalations and timers relative to the
field are made again at the new moment (a waiting one is cancelled first).

A moved reminder whose new moment has already passed is not made: it was either
sent for the old date already, or the move made it too late to be worth sending.
A reminder that was sent for the old date is made again when the new moment lies
ahead (the meeting was moved: people are reminded of the new time). A field that
is cleared leaves nothing waiting ("no reminder yet", until it has a value again).

Each move is written to the command's history event as `moved`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from trinn.engine.case import Case, TimerRecord, task_specs
from trinn.engine.entering import timed_items
from trinn.engine.status import TaskStatus, TimerStatus
from trinn.engine.timing import moment_of, parse_when

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["anchored_fields", "reschedule"]


def anchored_fields(spec: PlaybookSpec, state_id: str) -> frozenset[str]:
    """The fields whose dates time something of `state_id` (its tasks, reminders, timers)."""
    state = spec.states.get(state_id)
    if state is None:
        return frozenset()
    whens = [t.due for t in state.tasks if t.due] + [when for _, _, when in timed_items(state)]
    return frozenset(f for f in (parse_when(w).field for w in whens) if f is not None)


def reschedule(
    case: Case, spec: PlaybookSpec, changed: Collection[str], now: dt.datetime
) -> list[dict[str, Any]]:
    """Move what the current state times from the `changed` fields; what moved, for the history.

    The state's timers must be loaded (`case.timers` holds its waiting ones).
    """
    wanted = anchored_fields(spec, case.state) & set(changed)
    if not wanted or case.is_closed:
        return []
    moved: list[dict[str, Any]] = []
    state = spec.states[case.state]
    for task in case.current_tasks():
        due = task_specs(spec)[task.task_id].due
        if task.status != TaskStatus.OPEN or due is None or parse_when(due).field not in wanted:
            continue
        new = moment_of(due, task.created_at, spec, case.fields, end_of_day=True)
        if new != task.due_at:
            moved.append({"task": task.label(), "from": _iso(task.due_at), "to": _iso(new)})
            task.due_at, task.dirty = new, True
    for kind, position, when in timed_items(state):
        if parse_when(when).field not in wanted:
            continue
        waiting = [
            t
            for t in case.timers
            if (t.kind, t.position, t.entry, t.status) == (kind, position, case.entry, TimerStatus.WAITING)
        ]
        new = moment_of(when, now, spec, case.fields)
        old = waiting[0].due_at if waiting else None
        if new == old:
            continue
        for timer in waiting:
            if timer.id is None:  # made by this very command: never stored, so just dropped
                case.timers.remove(timer)
            else:
                timer.status, timer.dirty = TimerStatus.CANCELLED, True
        if new is not None and new > now:
            case.timers.append(TimerRecord(kind, position, case.entry, case.state, new))
        elif new is not None:
            new = None  # already past: nothing waits for it
        if old is not None or new is not None:
            moved.append({kind: position, "state": case.state, "from": _iso(old), "to": _iso(new)})
    return moved


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
