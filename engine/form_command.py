"""Filling a form, and doing a task that has one: the steps of `Service.submit_form` and
`Service.complete_task` on a command (engine.command.Command) inside its transaction.

A form's answers are validated together and set as the case's fields, or, for a form a
`for_each` task fills, kept as that item's own record (engine.records). Filling a form is
doing its task. A task with a form is done by filling it; `done` on it is refused unless
the form's fields already hold what it asks for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from trinn.engine.authority import authorise, may_do
from trinn.engine.case import TaskRecord, task_specs
from trinn.engine.command import Command, missing_fields, normalized
from trinn.engine.errors import CommandError, choice_hint
from trinn.engine.i18n import gettext as _
from trinn.engine.links import LinkClaim, LinkError, linked_task
from trinn.engine.records import fill_record, record_form, unanswered
from trinn.engine.status import TaskStatus

__all__ = ["do_task", "fill_form"]

_ANSWER_READ = re.compile(r"\banswers\s*\.\s*([a-z][a-z0-9_]*)")


def fill_form(
    cmd: Command, form: str, values: Mapping[str, Any], *, link: LinkClaim | None, item: str | None
) -> None:
    """Fill `form` with `values` as `cmd`'s actor, or, with `link`, as the outside party whose
    public form it is (then the form's `fires` are tried). A link fills the record of the
    item it was signed for, and no other: an `item` that is not the link's is refused."""
    spec = cmd.spec
    if form not in spec.forms:
        raise CommandError(_("unknown form '{form}'").format(form=form) + choice_hint(form, spec.forms))
    if link is not None:
        if link.form != form:
            raise LinkError("for another form")
        if item is not None and item != link.item:
            raise LinkError("for another item")
        record: TaskRecord | None = linked_task(spec, cmd.case, link)
        assert record is not None
        cmd.actor, cmd.roles = record.role, frozenset({record.role})
        cmd.details["via"] = "web"
    else:
        record = cmd.case.form_task(spec, form, lambda task: may_do(cmd, task), item=item)
        if record is not None:
            authorise(cmd, record, form=form)
    allowed = spec.forms[form].fields
    if not values:
        raise CommandError(
            _("form '{form}' has no answers (its fields: {fields})").format(
                form=form, fields=", ".join(allowed)
            )
        )
    for name in values:
        if name not in allowed:
            message = _("form '{form}' has no field '{name}'").format(form=form, name=name)
            raise CommandError(message + choice_hint(name, allowed), fields={name: message})
    if record is not None and record_form(spec, record.task_id) is not None:
        answers = fill_record(cmd, record, form, values)  # the item's own record
        cmd.hook("form", form)
        cmd.complete(record, answers)
        if link is not None:
            _fire_first(cmd, form, answers)
        return
    merged = {**cmd.case.fields, **normalized(spec, values)}
    missing = missing_fields(spec, merged, allowed)
    if missing:
        raise CommandError(
            _("form '{form}' needs {fields}").format(form=form, fields=", ".join(f"'{m}'" for m in missing)),
            fields=dict.fromkeys(missing, ""),
        )
    cmd.set_values(values)
    cmd.hook("form", form)
    if record is not None:
        cmd.complete(record)
    if link is not None:
        _fire_first(cmd, form, cmd.case.fields)


def do_task(cmd: Command, task: str, item: str | None) -> None:
    """Mark `task` (its `item`) done; one with a form only if the form's answers are there."""
    record = cmd.case.task_to_work(cmd.spec, task, item, TaskStatus.OPEN)
    authorise(cmd, record)
    form = task_specs(cmd.spec)[record.task_id].form
    if form is not None and record_form(cmd.spec, record.task_id) is not None:
        refused = unanswered(cmd.spec, record, form)
        if refused is not None:
            raise refused
        cmd.complete(record, record.answers)
        return
    if form is not None:
        names = cmd.spec.forms[form].fields
        missing = missing_fields(cmd.spec, cmd.case.fields, names)
        if missing or not any(cmd.case.fields.get(n) not in (None, [], "") for n in names):
            listed = ", ".join(f"'{m}'" for m in missing)
            shown = _(" (missing: {fields})").format(fields=listed) if missing else ""
            raise CommandError(
                _("task '{task}' is done by filling the form '{form}'").format(task=task, form=form) + shown,
                fields=dict.fromkeys(missing, ""),
                task=task,
            )
    cmd.complete(record)


def _fire_first(cmd: Command, form: str, answers: Mapping[str, Any]) -> None:
    """Fire the first of the public form `form`'s `fires` whose guard holds now; `answers`
    are what the form holds now (the case's fields, or the item's record).

    The playbook's `fires` is what authorises the outsider here, so the transition's own
    roles are not asked for; its guard is. When none holds, the submission is refused with
    the reasons: recorded, it would spend the link and leave the case waiting for an answer
    that did not move it (fem trin's invitation sent back with no choice made).
    """
    triggers = cmd.spec.forms[form].triggers
    roles = frozenset(cmd.spec.roles)
    why: list[str] = []
    for trigger in triggers:
        allowed, reasons = cmd.compiled.may(cmd.case.state, trigger, cmd.context(), roles)
        if allowed:
            cmd.roles = roles
            cmd.fire(trigger)
            return
        why.extend(r for r in reasons if r not in why)
    if triggers:
        # the form's own fields the guards read and the answers left empty: said at each field
        guards = [
            transition.guard
            for trigger in triggers
            for transition in cmd.compiled.by_trigger.get(trigger, [])
            if transition.guard is not None
        ]
        read = {name for guard in guards for name in guard.names}
        if answers is not cmd.case.fields:  # a record's answers are read as `r.answers.<name>`
            read = {m for guard in guards for m in _ANSWER_READ.findall(guard.source)}
        empty = [n for n in cmd.spec.forms[form].fields if n in read and answers.get(n) in (None, [], "")]
        raise CommandError(
            _("the answers do not move the case on yet: {reasons}").format(reasons="; ".join(why)),
            fields=dict.fromkeys(empty, ""),
        )
