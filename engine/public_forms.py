"""What `trinn check` refuses about public forms and the links to them.

A public form is filled by an outside party through a signed link (`form_link`
in a message, `trinn link`), so:

- its task belongs to an external role (a coordinator has the terminal; an
  outsider has only the link), and some task fills it;
- a message links only to a public form (a link to any other form would open a
  page no one may see);
- a message with a link is sent only in a state where the form's task is open
  (from a transition into it, its on_enter, its reminders, a task's on_complete
  there, or a form's on_submit filled there): sent elsewhere, the link would die
  on arrival, since a link works for the visit to the state it was made in;
- what the form `fires` has a transition out of the form's state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from trinn.engine.errors import Problem, did_you_mean
from trinn.engine.source import Loc, SourceMap
from trinn.engine.spec_base import NotifyActionBase

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec, TaskSpec

__all__ = ["public_form_problems"]


def public_form_problems(spec: PlaybookSpec, source_map: SourceMap) -> list[Problem]:
    problems = [source_map.problem(loc, message, hint) for loc, message, hint in _form_findings(spec)]
    if spec.messages:
        problems.extend(_link_problems(spec, source_map))
    return problems


def _form_states(spec: PlaybookSpec, form_id: str) -> list[str]:
    """The states with a task that fills `form_id`."""
    return [s for s, state in spec.states.items() if any(task.form == form_id for task in state.tasks)]


def _form_findings(spec: PlaybookSpec) -> Iterator[tuple[Loc, str, str]]:
    leaving: dict[str, set[str]] = {}
    for transition in spec.transitions:
        for source in spec.source_states(transition):
            leaving.setdefault(source, set()).add(transition.trigger)
    for form_id, form in spec.forms.items():
        if not form.public:
            continue
        states = _form_states(spec, form_id)
        if not states:
            yield (
                ("forms", form_id, "public"),
                f"public form '{form_id}' is filled by no task",
                "give a task of an external role 'form: " + form_id + "'",
            )
        for state_id in states:
            for i, task in enumerate(spec.states[state_id].tasks):
                role = spec.roles.get(task.role)
                if task.form == form_id and role is not None and not role.external:
                    yield (
                        ("states", state_id, "tasks", i, "role"),
                        f"public form '{form_id}' is filled by task '{task.id}' of role '{task.role}', "
                        "which is not external",
                        "an outside party fills a public form: give the task an external role, "
                        "or drop 'public: true'",
                    )
        for j, trigger in enumerate(form.triggers):
            loc: Loc = (
                ("forms", form_id, "fires") if isinstance(form.fires, str) else ("forms", form_id, "fires", j)
            )
            out = set().union(*(leaving.get(s, set()) for s in states)) if states else set()
            if trigger not in out:
                yield (
                    loc,
                    f"form '{form_id}' fires '{trigger}', which has no transition from "
                    + ", ".join(f"'{s}'" for s in states or ["(no state)"]),
                    did_you_mean(trigger, out, list_if_few=8),
                )


def _senders(spec: PlaybookSpec) -> dict[str, list[tuple[Loc, str]]]:
    """Each message's notify actions and reminders: where they are written, and the state the
    case is in when the message is made (a transition's messages are made in its target)."""
    found: dict[str, list[tuple[Loc, str]]] = {}
    for i, transition in enumerate(spec.transitions):
        for j, action in enumerate(transition.do):
            if isinstance(action, NotifyActionBase):
                loc: Loc = ("transitions", i, "do", j, "notify", "message")
                found.setdefault(action.notify.message, []).append((loc, transition.to))
    for state_id, state in spec.states.items():
        for j, action in enumerate(state.on_enter):
            if isinstance(action, NotifyActionBase):
                loc = ("states", state_id, "on_enter", j, "notify", "message")
                found.setdefault(action.notify.message, []).append((loc, state_id))
        for which in ("remind", "escalate"):
            for j, reminder in enumerate(getattr(state, which)):
                if reminder.message is not None:
                    loc = ("states", state_id, which, j, "message")
                    found.setdefault(reminder.message, []).append((loc, state_id))
        for i, task in enumerate(state.tasks):  # a task is done in its own state
            for j, action in enumerate(task.on_complete):
                if isinstance(action, NotifyActionBase):
                    loc = ("states", state_id, "tasks", i, "on_complete", j, "notify", "message")
                    found.setdefault(action.notify.message, []).append((loc, state_id))
    for form_id, form in spec.forms.items():
        # a form a task fills is filled in that task's states; any other, in any open state
        states = _form_states(spec, form_id) or [s for s, state in spec.states.items() if not state.final]
        for j, action in enumerate(form.on_submit):
            if isinstance(action, NotifyActionBase):
                loc = ("forms", form_id, "on_submit", j, "notify", "message")
                found.setdefault(action.notify.message, []).extend((loc, s) for s in states)
    return found


def _record_task(spec: PlaybookSpec, form_id: str) -> TaskSpec | None:
    """The `for_each` task that fills `form_id` once per item (engine.records), if any."""
    return next((t for t in spec.all_tasks().values() if t.form == form_id and t.for_each is not None), None)


def _link_problems(spec: PlaybookSpec, source_map: SourceMap) -> Iterator[Problem]:
    from trinn.engine.template import form_link_calls

    senders = _senders(spec)
    public = [f for f, form in spec.forms.items() if form.public]
    for message_id, message in spec.messages.items():
        linked: dict[str, None] = {}
        for part in ("title", "body"):
            text = getattr(message, part)
            variants = {(): text} if isinstance(text, str) else {(lang,): v for lang, v in text.items()}
            for suffix, value in variants.items():
                loc: Loc = ("messages", message_id, part, *suffix)
                for offset, form_id, item in form_link_calls(value):
                    line, column = source_map.position_in(loc, value, offset)
                    if form_id is None:
                        yield Problem(
                            source_map.path,
                            line,
                            column,
                            "form_link needs a form id in quotes",
                            "write e.g. form_link('" + (public[0] if public else "form") + "')",
                        )
                    elif form_id not in spec.forms:
                        yield Problem(
                            source_map.path,
                            line,
                            column,
                            f"form_link('{form_id}'): unknown form '{form_id}'",
                            did_you_mean(form_id, spec.forms, list_if_few=8),
                        )
                    elif not spec.forms[form_id].public:
                        yield Problem(
                            source_map.path,
                            line,
                            column,
                            f"form_link('{form_id}'): form '{form_id}' is not public",
                            "mark it 'public: true', with its task in an external role",
                        )
                    elif (per_item := _record_task(spec, form_id)) is not None and not item:
                        yield Problem(
                            source_map.path,
                            line,
                            column,
                            f"form_link('{form_id}') needs the item: task '{per_item.id}' fills the form "
                            f"once per item of '{per_item.for_each}'",
                            f"write form_link('{form_id}', FIELD), FIELD holding the item the message is for",
                        )
                    elif per_item is None and item:
                        yield Problem(
                            source_map.path,
                            line,
                            column,
                            f"form_link('{form_id}', ...): form '{form_id}' is not filled per item",
                            f"write form_link('{form_id}')",
                        )
                    else:
                        linked[form_id] = None
        for form_id in linked:
            states = _form_states(spec, form_id)
            reported: set[Loc] = set()  # a form's on_submit is one place, sent from many states
            for loc, state_id in senders.get(message_id, []):
                if state_id not in states and loc not in reported:
                    reported.add(loc)
                    where = ", ".join(f"'{s}'" for s in states)
                    yield source_map.problem(
                        loc,
                        f"message '{message_id}' links to the form '{form_id}' but is sent in "
                        f"state '{state_id}', where the form is not open (it is in {where})",
                        "send it on entering that state, or from a reminder there",
                    )
