"""Cases, tasks and history as plain JSON-able data: what `--json`, `export` and the UI show.

Times are ISO 8601 in UTC; text from the playbook is given in the requested
language. Human formatting (tables, local times) is the interface's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trinn.engine.case import Case, TaskRecord
from trinn.engine.due import is_overdue
from trinn.engine.status import TaskStatus, TimerStatus
from trinn.engine.text import localize

if TYPE_CHECKING:  # a listing (`iso`) must not load the compiler
    from trinn.engine.compiler import CompiledPlaybook
    from trinn.engine.spec import PlaybookSpec, TaskSpec
    from trinn.engine.store.rows import EventRow, OpenTask

__all__ = [
    "against_advice_view",
    "case_view",
    "event_view",
    "form_view",
    "forms_now",
    "iso",
    "local_fields",
    "task_view",
    "timing_view",
]


def iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _text(spec: PlaybookSpec, text: Any, language: str | None) -> str:
    return localize(text, language or spec.language, spec.language)


def task_view(
    spec: PlaybookSpec,
    task: TaskRecord | OpenTask,
    now: dt.datetime,
    language: str | None = None,
    tasks: Mapping[str, TaskSpec] | None = None,
) -> dict[str, Any]:
    """One task with its title; `task` is a case's record or an open task as listed.

    `tasks` is `spec.all_tasks()` when the caller lists many: built once, not once a row.
    """
    row = task
    task_spec = (spec.all_tasks() if tasks is None else tasks).get(row.task_id)
    due = row.due_at
    return {
        "task": row.task_id,
        "item": row.item,
        "title": _text(spec, task_spec.title, language) if task_spec else row.task_id,
        "role": row.role,
        "assignee": row.assignee,
        "status": row.status,
        "optional": bool(task_spec and task_spec.optional),
        "form": task_spec.form if task_spec else None,
        "due_at": iso(due),
        "overdue": row.status == TaskStatus.OPEN and is_overdue(due, now),
        "done_at": iso(row.done_at),
        "done_by": row.done_by,
        "note": row.note,
        # a for_each item's own record (its form's answers), and whether it is its person's own
        "answers": row.answers,
        "personal": bool(task_spec and task_spec.personal),
    }


def case_view(
    compiled: CompiledPlaybook,
    case: Case,
    now: dt.datetime,
    language: str | None = None,
    children: list[int] | None = None,
) -> dict[str, Any]:
    """A case as `trinn show` knows it: fields, the tasks of its state, its links."""
    spec = compiled.spec
    state = spec.states.get(case.state)
    all_tasks = spec.all_tasks()
    return {
        "id": case.id,
        "playbook": case.playbook_id,
        "playbook_version": case.playbook_version,
        "playbook_sha256": case.playbook_sha256,
        "title": _text(spec, spec.title, language),
        "subject": case.subject,
        "state": case.state,
        "state_title": _text(spec, state.title, language) if state else case.state,
        "closed": case.is_closed,
        "outcome": case.outcome,
        "fields": {
            name: case.fields[name] for name in [*spec.fields, *case.fields] if name in case.fields
        },  # in the playbook's order
        # date-times as people type them, on the wall clock of the playbook's zone
        "local_fields": local_fields(spec, case.fields),
        "tasks": [
            task_view(spec, t, now, language, all_tasks)
            for t in case.current_tasks()
            if t.status != TaskStatus.CANCELLED
        ],
        "timing": timing_view(spec, case, language),
        "parent": case.parent_id,
        "children": children or [],
        "opened_at": iso(case.opened_at),
        "opened_by": case.opened_by,
        "closed_at": iso(case.closed_at),
        "updated_at": iso(case.updated_at),
        "updated_by": case.updated_by,
        "row_version": case.row_version,
    }


def timing_view(spec: PlaybookSpec, case: Case, language: str | None = None) -> list[dict[str, Any]]:
    """What waits for a date: the state's reminders, escalations and timers relative to a
    date field (when, or that the field has no date yet), and the running case-wide deadlines."""
    from trinn.engine.case import CASE_WIDE
    from trinn.engine.entering import timed_items
    from trinn.engine.meetings import MEETING, meeting_owners
    from trinn.engine.timing import parse_when

    waiting = [t for t in case.timers if t.status == TimerStatus.WAITING]
    result: list[dict[str, Any]] = []
    state = spec.states.get(case.state)
    if state is not None and not case.is_closed:
        for kind, position, when in timed_items(state):
            field = parse_when(when).field
            if field is None:
                continue  # a duration from entering the state: its tasks' due dates say enough
            found = [t for t in waiting if (t.kind, t.position, t.entry) == (kind, position, case.entry)]
            result.append(
                {
                    "kind": kind,
                    "position": position,
                    "when": when,
                    "due_at": iso(found[0].due_at) if found else None,
                    "waiting_for": field if not found and case.fields.get(field) is None else None,
                }
            )
    for owner in meeting_owners(case, spec):
        # a state's meeting of this visit; a task's of its item (a cleared time: none out)
        rows = [
            t
            for t in waiting
            if owner.holds(t) and t.fired_at is None and (owner.entry is not None or t.entry == case.entry)
        ]
        shown: dict[str, Any] = {"kind": "meeting", "when": owner.meeting.time}
        if owner.kind != MEETING:
            shown["task"] = owner.key if owner.item is None else f"{owner.key} [{owner.item}]"
        result.append(
            {
                **shown,
                "due_at": iso(rows[0].due_at) if rows else None,
                "sequence": rows[0].fired_count if rows else None,
                "waiting_for": None if rows else owner.meeting.time,
            }
        )
    for deadline_id, deadline in spec.deadlines.items():
        rows = [t for t in waiting if t.kind in CASE_WIDE and t.state == deadline_id]
        if rows:
            late = [t.due_at for t in rows if t.kind == "deadline"]
            result.append(
                {
                    "kind": "deadline",
                    "deadline": deadline_id,
                    "title": _text(spec, deadline.title, language),
                    "when": deadline.within,
                    "due_at": iso(late[0]) if late else None,
                    "waiting_for": None,
                }
            )
    return result


def local_fields(spec: PlaybookSpec, fields: Mapping[str, Any]) -> dict[str, str]:
    """The case's values said otherwise than stored: date-times as `15.12.2026 18:30` in the
    playbook's zone, files as `avtale.pdf (120 KiB, pdf)`."""
    from trinn.engine.calendar import zone_of
    from trinn.engine.files import described
    from trinn.engine.moments import local_moment_text

    zone = zone_of(spec.language, spec.timezone)
    said = {
        name: local_moment_text(fields[name], zone, spec.language)
        for name, field in spec.fields.items()
        if field.type == "datetime" and isinstance(fields.get(name), str)
    }
    files = {n: described(fields[n]) for n, f in spec.fields.items() if f.type == "file" and fields.get(n)}
    return {**said, **files}


def event_view(row: EventRow) -> dict[str, Any]:
    """One entry of a case's history."""
    return {
        "version": row.case_version,
        "at": iso(row.at),
        "actor": row.actor,
        "kind": row.kind,
        "name": row.name,
        "state_before": row.state_before,
        "state_after": row.state_after,
        "changes": row.changes,
        "note": row.note,
        "details": row.details,
    }


def against_advice_view(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps of a case's history taken against the playbook's advice, with the reasons
    given (from `event_view`s), oldest first: what `trinn show` and the app keep in view."""
    return [
        {
            "version": event["version"],
            "at": event["at"],
            "actor": event["actor"],
            "trigger": moved["trigger"],
            "advice": list(moved["against_advice"]["advice"]),
            "reason": moved["against_advice"]["reason"],
        }
        for event in events
        for moved in (event["details"] or {}).get("transitions", [])
        if moved.get("against_advice")
    ]


def form_view(spec: PlaybookSpec, form: str, language: str | None = None) -> dict[str, Any]:
    """A form as a person filling it needs it: each field's label, type, whether it is
    required, and a choice's options with their labels (what `trinn form` takes)."""
    form_spec = spec.forms[form]
    fields: list[dict[str, Any]] = []
    for name in form_spec.fields:
        field = spec.fields[name]
        labels = field.option_labels or {}
        fields.append(
            {
                "field": name,
                "label": _text(spec, field.label, language),
                "type": field.type.value,
                "required": field.required,
                "options": None
                if field.options is None
                else [{"option": o, "label": _text(spec, labels.get(o, o), language)} for o in field.options],
                "help": _text(spec, field.help, language) if field.help is not None else None,
            }
        )
        if field.type == "file":  # the kinds it takes, given as FIELD=@PATH
            from trinn.engine.files import KINDS

            fields[-1]["accept"] = list(field.accept or KINDS)
    return {
        "form": form,
        "title": _text(spec, form_spec.title, language),
        "intro": _text(spec, form_spec.intro, language) if form_spec.intro is not None else None,
        "fields": fields,
    }


def forms_now(spec: PlaybookSpec, case: Case, language: str | None = None) -> list[dict[str, Any]]:
    """The forms that can be filled now: those of the open tasks of the case's state (each
    with the task it completes), then those no task fills (any time the case is open)."""
    if case.is_closed:
        return []
    found: dict[str, dict[str, Any]] = {}
    tasks = spec.all_tasks()
    for record in case.current_tasks():
        task = tasks.get(record.task_id)
        if record.status != TaskStatus.OPEN or task is None or task.form is None:
            continue
        if task.form in found:
            if record.item is not None:
                found[task.form]["items"].append(record.item)
            continue
        found[task.form] = {
            **form_view(spec, task.form, language),
            "task": record.task_id,
            # a form filled per item (a record each): the items still open, named with --item
            "items": [] if record.item is None or task.for_each is None else [record.item],
        }
    filled_by_tasks = {task.form for task in tasks.values()}
    for form in spec.forms:
        if form not in filled_by_tasks:
            found[form] = {**form_view(spec, form, language), "task": None, "items": []}
    return list(found.values())
