"""Who may do what: the people file's persons, the roles they act in, the checks of every write.

Every write passes one check. Who acts must hold a role of the playbook
(`acting_roles`, for every command a person gives); a trigger names the roles
that may fire it (`compiled.fire`, with its guard); work on a task (done,
reopen, form, assign) needs the task's role, or being its assignee
(`authorise`); people named in a person_list field must be people of the people
file who hold the role that field stands for (`check_people`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trinn.engine.case import task_specs
from trinn.engine.errors import CommandError, SettingError, choice_hint, did_you_mean
from trinn.engine.field_types import FieldType
from trinn.engine.i18n import gettext as _
from trinn.engine.i18n import language
from trinn.engine.text import localize

if TYPE_CHECKING:
    from trinn.engine.case import TaskRecord
    from trinn.engine.command import Command
    from trinn.engine.people import People, Person
    from trinn.engine.spec import PlaybookSpec

__all__ = [
    "acting_roles",
    "authorise",
    "check_people",
    "may_do",
    "needs_role",
    "on_behalf",
    "person_of",
    "roles_of",
]


def person_of(people: People, actor: str) -> Person:
    """The person `actor` names, or a refusal naming the closest id of the people file."""
    person = people.by_id.get(actor)
    if person is None:
        hint = did_you_mean(actor, people.by_id, list_if_few=8)
        raise SettingError(
            _("'{actor}' is not in the people file").format(actor=actor) + (f" ({hint})" if hint else "")
        )
    return person


def roles_of(person: Person, spec: PlaybookSpec) -> frozenset[str]:
    """The playbook roles `person` acts in; external roles never act."""
    return frozenset(
        role_id for role_id, role in spec.roles.items() if not role.external and person.holds(role_id)
    )


def acting_roles(people: People, actor: str, spec: PlaybookSpec) -> frozenset[str]:
    """The roles `actor` acts in, or a refusal if none: a command needs one."""
    roles = roles_of(person_of(people, actor), spec)
    if not roles:
        internal = [r for r, role in spec.roles.items() if not role.external]
        raise CommandError(
            _("{actor} holds none of the roles of '{playbook}' ({roles})").format(
                actor=actor, playbook=spec.id, roles=", ".join(internal)
            )
        )
    return roles


def may_do(cmd: Command, record: TaskRecord) -> bool:
    """May `cmd.actor` do `record` as their own work? A personal item only its person does."""
    if _personal(cmd, record):
        return record.item == cmd.actor
    role = cmd.spec.roles.get(record.role)
    return (role is not None and role.external) or record.role in cmd.roles or record.assignee == cmd.actor


def _personal(cmd: Command, record: TaskRecord) -> bool:
    task = task_specs(cmd.spec).get(record.task_id)
    return task is not None and task.personal and record.item is not None


def on_behalf(cmd: Command, record: TaskRecord) -> bool:
    """Does `cmd.actor` record a personal item for its person (a role of the task's `on_behalf`)?"""
    if not _personal(cmd, record) or record.item == cmd.actor:
        return False
    return bool(cmd.roles & set(task_specs(cmd.spec)[record.task_id].on_behalf))


def authorise(cmd: Command, record: TaskRecord, *, form: str | None = None, assigning: bool = False) -> None:
    """May `cmd.actor` work on the task `record` (do it, reopen it, fill its form, assign it)?

    A task of an external role is recorded by any coordinator on the outsider's behalf. A
    personal item is its person's own: only they do it, or a role of the task's
    `on_behalf` records it for them, with a note saying how (a signature on paper, ...).
    """
    if _personal(cmd, record):
        _authorise_personal(cmd, record, assigning=assigning)
        return
    if may_do(cmd, record):
        return
    why = needs_role(cmd.spec, cmd.actor, record.task_id, record.role, form=form, assigning=assigning)
    raise CommandError(why)


def needs_role(
    spec: PlaybookSpec, person: str, task: str, role: str, *, form: str | None = None, assigning: bool = False
) -> str:
    """Why `person` may not work on `task`, naming the task, the role and the form by their
    titles in the reader's language (the ids are what the command line typed; a person reads
    the titles)."""
    spec_of_task = task_specs(spec).get(task)
    values = {
        "person": person,
        "task": localize(spec_of_task.title, language(), spec.language) if spec_of_task else task,
        "role": localize(spec.roles[role].title, language(), spec.language) if role in spec.roles else role,
        "form": localize(spec.forms[form].title, language(), spec.language) if form in spec.forms else form,
    }
    if form is not None:
        message = _("{person} cannot fill the form «{form}»: its task «{task}» needs the role «{role}»")
    elif assigning:
        message = _("{person} cannot assign «{task}»: it needs the role «{role}»")
    else:
        message = _("{person} cannot do «{task}»: it needs the role «{role}»")
    return message.format(**values)


def check_people(cmd: Command, normalized: Mapping[str, Any]) -> None:
    """Refuse a person_list value naming anyone but people of the people file who hold the
    role the field stands for: the role of the for_each tasks made for each listed person,
    or, when no task is made per person, any role of the playbook.

    Without a people file (one user holding every role) there is no one to check against.
    Only ids new to the list are checked: a member who has since left a role stays listed.
    """
    people = cmd.people
    if any(person.every_role for person in people.by_id.values()):
        return
    spec = cmd.spec
    for name, value in normalized.items():
        if not isinstance(value, list) or spec.fields[name].type is not FieldType.person_list:
            continue
        before = cmd.case.fields.get(name) or []
        needed = sorted({t.role for t in task_specs(spec).values() if t.for_each == name})
        fit = [
            p.id
            for p in people.by_id.values()
            if (all(p.holds(r) for r in needed) if needed else any(p.holds(r) for r in spec.roles))
        ]
        for person_id in value:
            if person_id in before or person_id in fit:
                continue
            if person_id not in people.by_id:
                problem = _("'{person}' is not in the people file").format(person=person_id)
            elif needed:
                problem = _("'{person}' does not hold the role {roles}").format(
                    person=person_id, roles=", ".join(f"'{r}'" for r in needed)
                )
            else:
                problem = _("'{person}' holds none of the roles of '{playbook}'").format(
                    person=person_id, playbook=spec.id
                )
            raise CommandError(
                _("field '{name}': {problem}").format(name=name, problem=problem)
                + choice_hint(person_id, fit),
                fields={name: problem + choice_hint(person_id, fit)},
            )


def _authorise_personal(cmd: Command, record: TaskRecord, *, assigning: bool) -> None:
    task = task_specs(cmd.spec)[record.task_id]
    spec, reader = cmd.spec, language()
    values = {"person": cmd.actor, "task": localize(task.title, reader, spec.language), "item": record.item}
    if assigning:
        raise CommandError(_("«{task}» [{item}] is {item}'s own: it cannot be assigned").format(**values))
    if record.item == cmd.actor:
        return
    if not on_behalf(cmd, record):
        behalf = _(" or ").join(
            f"«{localize(spec.roles[role].title, reader, spec.language) if role in spec.roles else role}»"
            for role in task.on_behalf
        )
        raise CommandError(
            _("{person} cannot do «{task}» [{item}] for {item}: it is {item}'s own").format(**values)
            + (
                " "
                + _("(only {item}, or {roles} on their behalf with a note)").format(
                    item=record.item, roles=behalf
                )
                if behalf
                else " " + _("(only {item} may do it)").format(item=record.item)
            ),
            task=record.task_id,
        )
    if not (cmd.note or "").strip():
        raise CommandError(
            _("{person} records «{task}» [{item}] on {item}'s behalf: say how with a note (--note)").format(
                **values
            ),
            task=record.task_id,
        )
