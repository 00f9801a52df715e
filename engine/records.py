"""Records per item: a `for_each` task's form keeps each item's own answers.

    - id: vurder_partner
      for_each: kandidater          # one task per candidate
      form: vurdering               # each candidate's answers are its own record

A form that a `for_each` task fills writes no field of the case: each item's
answers are kept on that item's task (its record), so an assessment per candidate
is never overwritten by the next one. The form's fields still give the answers
their types, labels and rules (who writes them, where). A command names the item
(`trinn form --item`, `trinn done --item`); the history keeps the answers with the
item they belong to; guards read every record as `tasks.<id>.records`, a list of
`{item, done, by, answers}`:

    when: tasks.vurder_partner.records.exists(r, r.answers.egnet == "ja")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from trinn.engine.case import task_specs
from trinn.engine.context import field_value
from trinn.engine.errors import CommandError
from trinn.engine.i18n import gettext as _
from trinn.engine.permissions import check_writes
from trinn.engine.playbook_scope import record_forms
from trinn.engine.readable import unreadable
from trinn.engine.status import TaskStatus

if TYPE_CHECKING:
    from trinn.engine.case import TaskRecord
    from trinn.engine.command import Command
    from trinn.engine.spec import PlaybookSpec, TaskSpec

__all__ = [
    "cel_records",
    "fill_record",
    "record_fields",
    "record_form",
    "record_task",
    "unanswered",
]


def record_task(spec: PlaybookSpec, form: str) -> TaskSpec | None:
    """The `for_each` task whose items `form` keeps records of; None for a form of the case."""
    return next((t for t in task_specs(spec).values() if t.form == form and t.for_each is not None), None)


def record_fields(spec: PlaybookSpec) -> frozenset[str]:
    """The fields only forms filled per item name: the answers of records, never the case's."""
    per_item = record_forms(spec)
    named = {n for form_id, form in spec.forms.items() if form_id not in per_item for n in form.fields}
    return frozenset(n for form_id in per_item for n in spec.forms[form_id].fields) - named


def record_form(spec: PlaybookSpec, task_id: str) -> str | None:
    """The form a `for_each` task keeps its records with, if any."""
    task = task_specs(spec).get(task_id)
    return task.form if task is not None and task.for_each is not None else None


def fill_record(cmd: Command, record: TaskRecord, form: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check `values` as answers of `form` for the item `record`, and keep them on it.

    The answers pass the same checks as a field written through a form (its type, who
    writes it and where, what guards may read), against the item's own earlier answers;
    a required field must be answered. Returns the answers as kept.
    """
    from trinn.engine.command import missing_fields, normalized
    from trinn.engine.files import refuse_copied

    spec = cmd.spec
    answers = normalized(spec, values, cmd.files)
    before = dict(record.answers or {})
    refuse_copied(spec, answers, before, cmd.files)
    check_writes(spec, answers, before, actor=cmd.actor, roles=cmd.roles, state=cmd.case.state, how=cmd.kind)
    for name, value in answers.items():
        problem = unreadable(name, value)  # guards read every record (`tasks.<id>.records`)
        if problem is not None:
            raise CommandError(problem, fields={name: problem})
    merged = {k: v for k, v in {**before, **answers}.items() if v is not None}
    missing = missing_fields(spec, merged, spec.forms[form].fields)
    if missing:
        raise CommandError(
            _("form '{form}' needs {fields} for '{item}'").format(
                form=form, fields=", ".join(f"'{m}'" for m in missing), item=record.item
            ),
            fields=dict.fromkeys(missing, ""),
        )
    record.answers, record.dirty = merged, True
    return merged


def unanswered(spec: PlaybookSpec, record: TaskRecord, form: str) -> CommandError | None:
    """Why `done` cannot finish an item whose form has not been filled, or None."""
    from trinn.engine.command import missing_fields

    names = spec.forms[form].fields
    answers = record.answers or {}
    missing = missing_fields(spec, answers, names)
    if not missing and any(answers.get(n) not in (None, [], "") for n in names):
        return None
    listed = ", ".join(f"'{m}'" for m in missing)
    shown = _(" (missing: {fields})").format(fields=listed) if missing else ""
    return CommandError(
        _("task '{task}' [{item}] is done by filling the form '{form}'").format(
            task=record.task_id, item=record.item, form=form
        )
        + shown,
        fields=dict.fromkeys(missing, ""),
        task=record.task_id,
    )


def cel_records(spec: PlaybookSpec, tasks: Iterable[TaskRecord], task: TaskSpec) -> list[dict[str, Any]]:
    """The records of `task`'s items as guards read them: every field of its form is present
    (unanswered ones as a field's empty value), so `r.answers.x` never fails."""
    names = spec.forms[task.form].fields if task.form is not None else []
    return [
        {
            "item": record.item,
            "done": record.status == TaskStatus.DONE,
            "by": record.done_by,
            "answers": {n: field_value(spec.fields[n], (record.answers or {}).get(n)) for n in names},
        }
        for record in tasks
    ]
