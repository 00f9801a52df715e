"""What a notification puts in the outbox: its message rendered, and whom it is for.

The message is rendered inside the command, in the playbook's language, so the
text says what the case was when the command ran, and delivery later needs
neither the playbook nor the case. Recipients are written as the playbook
names them (roles, a person, a field's address) together with what the people
file knows of them, so the dispatcher can reach a role's members one by one
when no channel serves the role as a whole.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from trinn.engine.calendar import local_time
from trinn.engine.errors import CommandError
from trinn.engine.field_types import FieldType
from trinn.engine.outbox_message import OutboxMessage, Reason
from trinn.engine.status import TaskStatus
from trinn.engine.text import localize, yes_no

if TYPE_CHECKING:
    from collections.abc import Callable

    from trinn.engine.case import Case
    from trinn.engine.links import FormLinks
    from trinn.engine.people import People
    from trinn.engine.spec import PlaybookSpec

__all__ = ["rendered", "template_variables"]


def template_variables(
    spec: PlaybookSpec,
    case: Case,
    *,
    actor: str,
    now: dt.datetime,
    count: int | None = None,
    links: FormLinks | None = None,
    names: Collection[str] | None = None,
) -> dict[str, Any]:
    """The names a message template sees (engine.template.TEMPLATE_NAMES), then the fields.

    Fields are as people read them (labels, local numbers and dates); `case.raw` holds
    the stored values for templates that compare them. With `names` (what the template
    reads, engine.template.variables_read), only those are made: formatting every field
    and date for a message that reads three of them is most of a command's time.
    """
    from trinn.engine.template import local_date, local_moment, shown_value

    def wanted(name: str) -> bool:
        return names is None or name in names

    language, zone = spec.language, spec.timezone  # times read on the playbook's wall clock
    state = spec.states.get(case.state)
    state_title = localize(state.title, language) if state is not None else case.state
    summary = wanted("summary")
    tasks = (
        [
            {
                "id": t.task_id,
                "title": localize(spec.all_tasks()[t.task_id].title, language),
                "role": t.role,
                "item": t.item,
                "assignee": t.assignee,
                "due": local_date(local_time(t.due_at, language, zone).date(), language) if t.due_at else "",
            }
            for t in case.current_tasks()
            if t.status == TaskStatus.OPEN and t.task_id in spec.all_tasks()
        ]
        if summary or wanted("tasks")
        else []
    )
    raw = {field_id: case.fields.get(field_id) for field_id in spec.fields}
    shown = {
        field_id: shown_value(field, raw[field_id], language, zone)
        for field_id, field in spec.fields.items()
        if summary or wanted(field_id)
    }
    variables: dict[str, Any] = {
        "state": case.state,
        "state_title": state_title,
        "tasks": tasks,
        "actor": actor,
        "count": count or 1,
        "form_link": _form_link(spec, case, now, links),
    }
    if wanted("case"):
        variables["case"] = {
            "id": case.id,
            "subject": case.subject or "",
            "state": case.state,
            "state_title": state_title,
            "playbook": localize(spec.title, language),
            "opened_at": local_date(local_time(case.opened_at, language, zone).date(), language),
            "opened_by": case.opened_by,
            "raw": raw,
        }
    if summary:
        variables["summary"] = _summary(spec, case, state_title, tasks, shown)
    if wanted("now"):
        variables["now"] = local_moment(now, language, zone)
    variables.update(shown)
    return variables


def _form_link(
    spec: PlaybookSpec, case: Case, now: dt.datetime, links: FormLinks | None
) -> Callable[..., str]:
    """`form_link('id')` of a message: the signed address of the case's public form `id`, for
    this visit to the state the message is sent in, working for the form's `expires`.

    `form_link('id', item)` links to one item's record of a form a `for_each` task fills: the
    item must be one whose task waits for the form now (a link that would die on arrival
    refuses the message, and with it the command)."""

    def form_link(form_id: str, item: Any = None) -> str:
        from trinn.engine.calendar import due_at
        from trinn.engine.links import MAKE_KEY, LinkClaim, LinkError, linked_task
        from trinn.engine.records import record_task

        form = spec.forms.get(form_id) if isinstance(form_id, str) else None
        if form is None or not form.public:
            raise ValueError(f"form_link('{form_id}'): no public form '{form_id}'")
        if links is None:
            raise ValueError(f"form_link('{form_id}') needs a signing key and an address ({MAKE_KEY})")
        expires_at = due_at(now, form.link_expiry, spec.language)
        if item is not None or record_task(spec, form_id) is not None:
            item = None if item is None else str(item)
            try:
                linked_task(spec, case, LinkClaim(case.id, form_id, case.entry, expires_at, item))
            except LinkError:
                said = f"form_link('{form_id}', '{item}'): no item '{item}' waits for it"
                if item is None:
                    said = f"form_link('{form_id}') needs the item whose record it fills"
                raise ValueError(said) from None
        return links.url(case.id, form_id, case.entry, expires_at, item)

    return form_link


def _summary(
    spec: PlaybookSpec, case: Case, state_title: str, tasks: list[dict[str, Any]], shown: Mapping[str, Any]
) -> str:
    """The case in plain lines, without links: safe to send anywhere."""
    language = spec.language
    lines = [
        f"{localize(spec.subject.title, language)}: {case.subject or ''} (#{case.id})",
        f"{localize(spec.title, language)}: {state_title}",
    ]
    for field_id, field in spec.fields.items():
        value = shown[field_id]
        if value is None:
            continue
        if field.type is FieldType.long_text:
            continue  # long texts would drown the summary
        if isinstance(value, bool):
            text = yes_no(value, language)
        else:
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"{localize(field.label, language)}: {text}")
    for task in tasks:
        due = f" ({task['due']})" if task["due"] else ""
        item = f" [{task['item']}]" if task["item"] is not None else ""
        lines.append(f"- {task['title']}{item}{due}")
    return "\n".join(lines)


def rendered(
    spec: PlaybookSpec,
    case: Case,
    queued: OutboxMessage,
    *,
    people: People | None,
    actor: str,
    now: dt.datetime,
    links: FormLinks | None = None,
) -> OutboxMessage:
    """`queued` (a notify or reminder) with its message rendered and its recipients known.

    Fills in `title`, `body`, `language`, `message_id` (stable: receivers drop a repeat by
    it), `persons` (person ids it is for) and `people` (person id -> e-mail, members of
    roles included).
    """
    from trinn.engine.template import render, variables_read

    language = spec.language
    message_id = queued.message

    def variables_of(names: Collection[str] | None) -> dict[str, Any]:
        count = queued.count
        return template_variables(spec, case, actor=actor, now=now, count=count, links=links, names=names)

    if message_id is not None and message_id in spec.messages:
        message = spec.messages[message_id]
        title_text, body_text = localize(message.title, language), localize(message.body, language)
        read_title, read_body = variables_read(title_text), variables_read(body_text)
        names = None if read_title is None or read_body is None else read_title | read_body
        variables = variables_of(names)
        try:
            caps = spec.limits.caps
            title = render(title_text, variables, language, caps)
            body = render(body_text, variables, language, caps)
        except ValueError as exc:
            raise CommandError(f"message '{message_id}' cannot be written: {exc}") from None
    elif queued.reason == Reason.MEETING:
        from trinn.engine.invitations import invitation_text

        title, body = invitation_text(spec, case, queued)
    else:  # a reminder without a message of its own
        variables = variables_of(("state_title", "summary"))
        title, body = _default_reminder(spec, case, variables, queued)
    persons = _persons(spec, case, queued)
    known: dict[str, str | None] = {}
    members: dict[str, tuple[str, ...]] = {}
    if people is not None:
        for role in queued.to:
            holders = [p for p in people.members(role) if not p.every_role]
            members[role] = tuple(p.id for p in holders)
            known.update({p.id: p.email for p in holders})
        for person_id in persons:
            person = people.by_id.get(person_id)
            known[person_id] = person.email if person is not None else None
    ics = None
    if queued.reason == Reason.MEETING:
        from trinn.engine.invitations import calendar_text

        attendees = [e for e in known.values() if e] + list(queued.addresses)
        attendees += _also_invited(queued, people)
        sender = people.by_id.get(actor) if people is not None else None
        organizer = sender.email if sender is not None else None
        ics = calendar_text(spec, case, queued, list(dict.fromkeys(attendees)), organizer, now)
    return replace(
        queued,
        ics=ics,
        title=title.strip(),
        body=body.strip() + "\n",
        language=language,
        message_id=f"{secrets.token_hex(16)}@trinn",  # random, as a uuid4 (uuid imports `platform`)
        persons=persons,
        members=members,
        people=known,
        subject=case.subject,
    )


def _also_invited(queued: OutboxMessage, people: People | None) -> list[str]:
    """The addresses of those invited before a late invitation: attendees of its `.ics` too."""
    found = [item for item in queued.meeting.get("also", []) if "@" in item]
    if people is not None:
        for role in queued.meeting.get("also_roles", []):
            found += [p.email for p in people.members(role) if p.email and not p.every_role]
        for item in queued.meeting.get("also", []):
            person = people.by_id.get(item)
            if person is not None and person.email:
                found.append(person.email)
    return found


def _persons(spec: PlaybookSpec, case: Case, queued: OutboxMessage) -> tuple[str, ...]:
    persons = [queued.to_person] if queued.to_person else list(queued.to_persons)
    field_id = queued.to_field
    if (
        field_id
        and field_id in spec.fields
        and spec.fields[field_id].type in (FieldType.person, FieldType.person_list)
    ):
        value = case.fields.get(field_id)
        persons.extend(value if isinstance(value, list) else [value] if value else [])
    return tuple(dict.fromkeys(persons))


_REMINDER = {
    "nb": ("Påminnelse: {subject} venter i «{state}»", "Saken venter på dere:\n\n{summary}"),
    "da": ("Påmindelse: {subject} venter i »{state}«", "Sagen venter på jer:\n\n{summary}"),
    "en": ("Reminder: {subject} is waiting in '{state}'", "The case is waiting for you:\n\n{summary}"),
}


def _default_reminder(
    spec: PlaybookSpec, case: Case, variables: Mapping[str, Any], queued: OutboxMessage
) -> tuple[str, str]:
    title, body = _REMINDER.get(spec.language, _REMINDER["en"])
    values = {
        "subject": case.subject or f"#{case.id}",
        "state": variables["state_title"],
        "summary": variables["summary"],
    }
    if queued.reason == Reason.ESCALATE:
        title = "!! " + title
    return title.format(**values), body.format(**values)
