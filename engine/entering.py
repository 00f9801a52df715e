"""What entering or leaving a state, or changing a list field, does to a case's tasks and timers.

Entering a state makes its tasks (one per item of a `for_each` list), reminders,
escalations and timers, due from the moment it was entered; leaving it cancels
what is still open or waiting (case-wide deadlines and meetings stay). An entry is
numbered by the row version that made it, so a case that comes back to a state
gets its tasks afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from trinn.engine.calendar import due_at
from trinn.engine.case import KEPT_ON_LEAVING, Case, TaskRecord, TimerRecord
from trinn.engine.status import TaskStatus, TimerStatus
from trinn.engine.timing import moment_of

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec, ReminderSpec, StateSpec, TaskSpec

__all__ = ["enter_state", "leave_state", "next_repeat", "sync_for_each", "timed_items"]


def leave_state(case: Case, now: dt.datetime, *, timed: bool = True) -> None:
    """Cancel what the state left behind: its open tasks and waiting timers.

    A state that declares no reminders, escalations or timers (`timed` false) made no
    timers, so the stored ones need no cancelling.
    """
    for task in case.current_tasks():
        if task.status == TaskStatus.OPEN:
            task.status, task.done_at, task.dirty = TaskStatus.CANCELLED, now, True
    for timer in case.timers:
        if timer.status == TimerStatus.WAITING and timer.kind not in KEPT_ON_LEAVING:
            timer.status, timer.dirty = TimerStatus.CANCELLED, True
    if timed:
        case.timers_cancelled = True


def enter_state(case: Case, spec: PlaybookSpec, state_id: str, entry: int, now: dt.datetime) -> None:
    """Create the tasks, reminders, escalations and timers of `state_id`, due from `now`."""
    state = spec.states[state_id]
    case.state, case.entry = state_id, entry
    for task in state.tasks:
        for item in _items(task, case.fields):
            case.tasks.append(_new_task(task, item, state_id, entry, spec, case.fields, now))
    for kind, position, when in timed_items(state):
        moment = moment_of(when, now, spec, case.fields)
        if moment is not None:  # relative to a field with no value yet: made when it gets one
            case.timers.append(TimerRecord(kind, position, entry, state_id, moment))
    if state.final:
        case.closed_at, case.outcome = now, state.outcome
    else:
        case.closed_at, case.outcome = None, None


def timed_items(state: StateSpec) -> list[tuple[str, int, str]]:
    """A state's reminders, escalations and timers as (kind, position, when)."""
    return [
        *(("remind", i, r.when) for i, r in enumerate(state.remind)),
        *(("escalate", i, r.when) for i, r in enumerate(state.escalate)),
        *(("timer", i, t.when) for i, t in enumerate(state.timers)),
    ]


def _items(task: TaskSpec, fields: Mapping[str, Any]) -> list[str | None]:
    if task.for_each is None:
        return [None]
    return [str(item) for item in fields.get(task.for_each) or []]


def _new_task(
    task: TaskSpec,
    item: str | None,
    state_id: str,
    entry: int,
    spec: PlaybookSpec,
    fields: Mapping[str, Any],
    now: dt.datetime,
) -> TaskRecord:
    return TaskRecord(
        task.id,
        entry,
        state_id,
        task.role,
        now,
        item=item,
        due_at=moment_of(task.due, now, spec, fields, end_of_day=True) if task.due else None,
    )


def sync_for_each(case: Case, spec: PlaybookSpec, changed: Iterable[str], now: dt.datetime) -> None:
    """Keep `for_each` tasks of the current state in step with their list fields.

    A new item gets its task; an item taken off the list has its open task
    cancelled (a done one stays done: it happened).
    """
    changed = set(changed)
    for task in spec.states[case.state].tasks:
        if task.for_each not in changed:
            continue
        wanted = _items(task, case.fields)
        present = [
            t for t in case.current_tasks() if t.task_id == task.id and t.status != TaskStatus.CANCELLED
        ]
        for record in present:
            if record.item not in wanted and record.status == TaskStatus.OPEN:
                record.status, record.done_at, record.dirty = TaskStatus.CANCELLED, now, True
        have = {t.item for t in present}
        for item in wanted:
            if item not in have:
                case.tasks.append(_new_task(task, item, case.state, case.entry, spec, case.fields, now))


def next_repeat(
    reminder: ReminderSpec, due: dt.datetime, now: dt.datetime, language: str
) -> dt.datetime | None:
    """When a repeating reminder is next due after `now`; None if it does not repeat."""
    if reminder.every is None:
        return None
    following = due_at(due, reminder.every, language)
    while following <= now:  # a tick that comes late sends one reminder, not a backlog
        following = due_at(following, reminder.every, language)
    return following
