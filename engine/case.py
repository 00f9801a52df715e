"""A case at run time: its state, fields, tasks and timers, and which task a command means.

A `Case` is a plain record: the compiled playbook's machine moves its `state`,
and engine/entering.py keeps its tasks and timers in step. Nothing here touches
the database: the service loads a case, changes it through these functions,
and the store writes what changed (records marked `dirty`, or new without an
id) in one transaction.

A state's entry is numbered by the row version that entered it, so a case that
comes back to a state (a loop) gets its tasks afresh, and the old ones stay in
the history as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trinn.engine.due import is_overdue
from trinn.engine.errors import CommandError, choice_hint, did_you_mean
from trinn.engine.i18n import gettext as _
from trinn.engine.status import TaskStatus, TimerStatus

if TYPE_CHECKING:  # reading cases (listing them) needs no playbook models
    from trinn.engine.spec import PlaybookSpec, TaskSpec

__all__ = [
    "CASE_WIDE",
    "KEPT_ON_LEAVING",
    "MEETING_KINDS",
    "Case",
    "TaskRecord",
    "TaskTally",
    "TimerRecord",
    "subject_text",
    "tallies",
    "task_specs",
]

# timer kinds of case-wide deadlines (engine.deadlines): leaving a state leaves them be
CASE_WIDE = frozenset({"deadline", "dl_remind", "dl_escalate"})
# a meeting's row, a state's or a task's (engine.meetings): leaving a state leaves it for
# engine.meetings to settle, which decides whether to send a cancellation
MEETING_KINDS = frozenset({"meeting", "task_meeting"})
KEPT_ON_LEAVING = CASE_WIDE | MEETING_KINDS


@dataclass(frozen=True)
class TaskTally:
    """How many instances of a task exist in the case, and how many are done."""

    count: int = 0
    done_count: int = 0
    items: tuple[TaskRecord, ...] = ()  # its instances (one per item), for `tasks.<id>.records`

    @property
    def done(self) -> bool:
        return self.count > 0 and self.done_count >= self.count


@dataclass(eq=False)
class TaskRecord:
    """One task of a case: a TaskSpec made concrete (per list item for `for_each`)."""

    task_id: str
    entry: int
    state: str
    role: str
    created_at: dt.datetime
    item: str | None = None
    assignee: str | None = None
    status: str = TaskStatus.OPEN
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    done_by: str | None = None
    note: str | None = None
    answers: dict[str, Any] | None = None  # a for_each item's record: its form's answers
    id: int | None = None  # set by the store
    dirty: bool = False

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.status == TaskStatus.OPEN and is_overdue(self.due_at, now)

    def label(self) -> str:
        return f"{self.task_id} [{self.item}]" if self.item is not None else self.task_id


@dataclass(eq=False)
class TimerRecord:
    """A reminder, escalation or timed transition waiting for its moment."""

    kind: str  # remind, escalate, timer; deadline kinds (engine.deadlines); MEETING_KINDS
    position: int  # index in the state's list of that kind (a meeting's: engine.meetings)
    entry: int
    state: str
    due_at: dt.datetime
    status: str = TimerStatus.WAITING
    fired_at: dt.datetime | None = None
    fired_count: int = 0
    id: int | None = None
    dirty: bool = False


@dataclass(eq=False)
class Case:
    """A case as loaded for one command; `state` is what the compiled machine moves."""

    id: int
    playbook_id: str
    playbook_version: int
    playbook_sha256: str
    state: str
    entry: int
    fields: dict[str, Any]
    opened_at: dt.datetime
    opened_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int
    subject: str | None = None
    parent_id: int | None = None
    closed_at: dt.datetime | None = None
    outcome: str | None = None
    tasks: list[TaskRecord] = field(default_factory=list)
    # only the timers a command loaded (tick) or made; leaving a state cancels the
    # stored waiting ones too, through `timers_cancelled`
    timers: list[TimerRecord] = field(default_factory=list)
    timers_cancelled: bool = False

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def current_tasks(self) -> list[TaskRecord]:
        """The tasks of the state the case is in now (open, done or cancelled)."""
        return [t for t in self.tasks if t.entry == self.entry]

    # which task a command works on -------------------------------------------------

    def task_to_work(self, spec: PlaybookSpec, task: str, item: str | None, status: str) -> TaskRecord:
        """The task `task` (its `item`, for a for_each task) of the current state, in `status`:
        open to do it, done to reopen it; a refusal that says why there is none."""
        current = sorted({t.task_id for t in self.current_tasks() if t.status != TaskStatus.CANCELLED})
        listed = ", ".join(current) if current else _("none")
        if task not in task_specs(spec):
            close = did_you_mean(task, task_specs(spec))
            raise CommandError(
                _("unknown task '{task}'").format(task=task)
                + (f" ({close})" if close else " " + _("(the tasks now: {tasks})").format(tasks=listed))
            )
        here = [t for t in self.current_tasks() if t.task_id == task]
        if not [t for t in here if t.status != TaskStatus.CANCELLED]:
            raise CommandError(
                _("task '{task}' is not a task of state '{state}' (its tasks: {tasks})").format(
                    task=task, state=self.state, tasks=listed
                )
            )
        if item is not None:
            named = [t for t in here if t.item == item]
            if not named:
                known = [t.item for t in here if t.status != TaskStatus.CANCELLED]
                raise CommandError(
                    _("task '{task}' has no item '{item}'").format(task=task, item=item)
                    + choice_hint(item, known)
                )
            here = named
            if all(t.status == TaskStatus.CANCELLED for t in here):
                raise CommandError(
                    _("task '{task}' [{item}] was cancelled: '{item}' was taken off its list").format(
                        task=task, item=item
                    )
                )
        here = [t for t in here if t.status != TaskStatus.CANCELLED]
        matching = [t for t in here if t.status == status]
        if not matching:
            shown = f"'{task}'" + (f" [{item}]" if item is not None else "")
            raise CommandError(
                (
                    _("task {task} is already done")
                    if status == TaskStatus.OPEN
                    else _("task {task} is already open")
                ).format(task=shown)
            )
        if len(matching) > 1 and item is None:
            items = ", ".join(f"'{t.item}'" for t in matching)
            raise CommandError(
                (
                    _("task '{task}' has {count} open items; name one with --item ({items})")
                    if status == TaskStatus.OPEN
                    else _("task '{task}' has {count} done items; name one with --item ({items})")
                ).format(task=task, count=len(matching), items=items)
            )
        return matching[0]

    def form_task(
        self,
        spec: PlaybookSpec,
        form: str,
        may_do: Callable[[TaskRecord], bool],
        item: str | None = None,
    ) -> TaskRecord | None:
        """The open task of the current state that filling `form` does (one `may_do` allows,
        if any does); None for a form no task of the playbook fills (then any coordinator
        fills it, in any open state)."""
        specs = task_specs(spec)
        if not any(task.form == form for task in specs.values()):
            return None
        here = [
            t
            for t in self.current_tasks()
            if t.status != TaskStatus.CANCELLED and specs[t.task_id].form == form
        ]
        if not here:
            forms = sorted(
                {
                    name
                    for t in self.current_tasks()
                    if t.status == TaskStatus.OPEN and (name := specs[t.task_id].form) is not None
                }
            )
            raise CommandError(
                _("form '{form}' is not a form of state '{state}' (its open forms: {forms})").format(
                    form=form, state=self.state, forms=", ".join(forms) if forms else _("none")
                )
            )
        if item is not None or any(t.item is not None for t in here):
            return self._record_to_fill(form, here, may_do, item)
        waiting = [t for t in here if t.status == TaskStatus.OPEN]
        if not waiting:
            raise CommandError(
                _(
                    "form '{form}' is filled already: its task '{task}' is done (reopen it to fill it again)"
                ).format(form=form, task=here[0].task_id)
            )
        return next((t for t in waiting if may_do(t)), waiting[0])

    def _record_to_fill(
        self, form: str, here: list[TaskRecord], may_do: Callable[[TaskRecord], bool], item: str | None
    ) -> TaskRecord:
        """The item of a for_each task a record form is filled for: the one named, or the only
        open one the actor may fill as their own."""
        everyone = [t.item for t in here if t.item is not None]
        if item is not None:
            named = [t for t in here if t.item == item]
            if not named:
                raise CommandError(
                    _("form '{form}' has no item '{item}'").format(form=form, item=item)
                    + choice_hint(item, everyone)
                )
            if all(t.status != TaskStatus.OPEN for t in named):
                raise CommandError(
                    _(
                        "form '{form}' is filled already for '{item}': its task '{task}' [{item}] is done "
                        "(reopen it to fill it again)"
                    ).format(form=form, item=item, task=named[0].task_id)
                )
            return next(t for t in named if t.status == TaskStatus.OPEN)
        waiting = [t for t in here if t.status == TaskStatus.OPEN]
        mine = [t for t in waiting if may_do(t)] or waiting
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise CommandError(
                _("form '{form}' is filled already for every item (reopen one to fill it again)").format(
                    form=form
                )
            )
        items = ", ".join(f"'{t.item}'" for t in mine)
        raise CommandError(
            _("form '{form}' is filled for one item at a time; name one with --item ({items})").format(
                form=form, items=items
            )
        )


def tallies(case: Case, spec: PlaybookSpec, only: Collection[str] | None = None) -> dict[str, TaskTally]:
    """What guards see of each task: its latest entry's instances, and how many are done
    (of the tasks in `only`, if given).

    A task of an earlier state keeps the tally of the last time it was created,
    so a guard can still ask whether it was done then.
    """
    counted = [
        t for t in case.tasks if t.status != TaskStatus.CANCELLED and (only is None or t.task_id in only)
    ]
    latest: dict[str, int] = {}
    for task in counted:
        if task.entry > latest.get(task.task_id, -1):
            latest[task.task_id] = task.entry
    counts: dict[str, list[int]] = {}
    items: dict[str, list[TaskRecord]] = {}
    for task in counted:
        if task.entry == latest[task.task_id]:
            count = counts.setdefault(task.task_id, [0, 0])
            count[0] += 1
            count[1] += task.status == TaskStatus.DONE
            items.setdefault(task.task_id, []).append(task)
    return {
        task_id: TaskTally(counts[task_id][0], counts[task_id][1], tuple(items[task_id]))
        for task_id in task_specs(spec)
        if task_id in counts
    }


_TASK_SPECS: dict[int, tuple[PlaybookSpec, dict[str, TaskSpec]]] = {}


def task_specs(spec: PlaybookSpec) -> dict[str, TaskSpec]:
    """`spec.all_tasks()`, made once per playbook version (a command asks for it often);
    the dict is shared: read it, never change it."""
    found = _TASK_SPECS.get(id(spec))
    if found is None or found[0] is not spec:
        if len(_TASK_SPECS) >= 64:  # the entry keeps its spec alive, so its id stays its own
            _TASK_SPECS.clear()
        found = _TASK_SPECS[id(spec)] = (spec, spec.all_tasks())
    return found[1]


def subject_text(spec: PlaybookSpec, fields: Mapping[str, Any]) -> str | None:
    """What the case is about, from the playbook's subject field, as one line."""
    value = fields.get(spec.subject.field)
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
