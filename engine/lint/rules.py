"""The lint rules: what `trinn check` accepts but a human process should not do.

Each rule is a function from a checked playbook to findings, registered with
an id and a severity. The terms the rules use are defined here, in the data:

- a *waiting state* is a non-final state whose way out waits on someone else:
  it has a non-optional task of an external role (an answer from outside), or
  no non-optional task at all (a decision or an answer recorded by a trigger).
  It needs a task `due`, a `remind`, an `escalate` or a `timers` entry;
- a *negative end* is a final state with `outcome: negative`. Every transition
  into it must tell someone (a `notify` in its `do` or in the state's
  `on_enter`), and when the playbook has external roles, one of those messages
  must reach outside (`to` an external role, `to_field` or `to_person`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trinn.engine.field_types import CHOICE_TYPES
from trinn.engine.i18n import LANGUAGES
from trinn.engine.lint.guards import atoms, contradiction
from trinn.engine.loader import LoadedPlaybook
from trinn.engine.source import Loc, parse_yaml
from trinn.engine.spec_base import NotifyActionBase, SetActionBase
from trinn.engine.timing import time_fields_read

if TYPE_CHECKING:
    from trinn.engine.spec import ActionSpec

__all__ = ["RULES", "Hit", "Rule"]


@dataclass(frozen=True)
class Hit:
    """A rule's finding before it is placed: where in the data, and about which id."""

    loc: Loc
    message: str
    hint: str = ""
    subject: str | None = None
    at_key: bool = False


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # error, warning
    summary: str
    run: Callable[[LoadedPlaybook], Iterator[Hit]]


RULES: dict[str, Rule] = {}
_Run = Callable[[LoadedPlaybook], Iterator[Hit]]


def _rule(rule_id: str, severity: str, summary: str) -> Callable[[_Run], _Run]:
    def register(run: _Run) -> _Run:
        RULES[rule_id] = Rule(rule_id, severity, summary, run)
        return run

    return register


def _actions(loaded: LoadedPlaybook) -> Iterator[tuple[Loc, ActionSpec]]:
    spec = loaded.spec
    for state_id, state in spec.states.items():
        for i, action in enumerate(state.on_enter):
            yield ("states", state_id, "on_enter", i), action
        for t, task in enumerate(state.tasks):  # hooks on completion act as a transition's do
            for i, action in enumerate(task.on_complete):
                yield ("states", state_id, "tasks", t, "on_complete", i), action
    for form_id, form in spec.forms.items():
        for i, action in enumerate(form.on_submit):
            yield ("forms", form_id, "on_submit", i), action
    for i, transition in enumerate(spec.transitions):
        for j, action in enumerate(transition.do):
            yield ("transitions", i, "do", j), action


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _template_names(text: Any) -> set[str]:
    from trinn.engine.template import names_read  # Jinja2, only when a playbook has messages

    texts = [text] if isinstance(text, str) else list((text or {}).values())
    return {name for one in texts for name in names_read(one)}


def fields_read(loaded: LoadedPlaybook) -> set[str]:
    """Fields something reads: guards and expressions, messages, for_each, to_field, the subject."""
    spec = loaded.spec
    read = {spec.subject.field}
    for compiled in loaded.expressions.values():
        read.update(compiled.names)
    for message in spec.messages.values():
        read |= _template_names(message.title) | _template_names(message.body)
    for task in spec.all_tasks().values():
        if task.for_each:
            read.add(task.for_each)
    for _loc, action in _actions(loaded):
        if isinstance(action, NotifyActionBase) and action.notify.to_field:
            read.add(action.notify.to_field)
    read |= time_fields_read(spec)
    return read & set(spec.fields)


def fields_set(loaded: LoadedPlaybook) -> set[str]:
    """Fields something fills: forms, `set` actions, a value required at opening, a default."""
    spec = loaded.spec
    filled = {name for form in spec.forms.values() for name in form.fields}
    filled |= {name for name, field in spec.fields.items() if field.required or field.default is not None}
    for _loc, action in _actions(loaded):
        if isinstance(action, SetActionBase):
            filled.update(action.set)
    return filled


def _unused(
    section: str, declared: Iterable[str], used: Collection[str | None], said: str, hint: str
) -> Iterator[Hit]:
    """A finding at each id of `section` (roles, fields, forms, messages) nothing uses."""
    for declared_id in declared:
        if declared_id not in used:
            yield Hit((section, declared_id), said.format(declared_id), hint, declared_id, at_key=True)


@_rule("transition-without-role", "warning", "a transition anyone may fire (no 'by')")
def _transition_without_role(loaded: LoadedPlaybook) -> Iterator[Hit]:
    # every task has a role (the schema requires it); a transition is the other place work is owned
    for i, transition in enumerate(loaded.spec.transitions):
        if not transition.roles:
            yield Hit(
                ("transitions", i, "trigger"),
                f"nobody owns '{transition.trigger}': any role may fire it",
                "name the role that decides this step with 'by'",
                transition.trigger,
            )


@_rule("unused-role", "warning", "a role no task, transition, notification or reminder uses")
def _unused_role(loaded: LoadedPlaybook) -> Iterator[Hit]:
    spec = loaded.spec
    used = {task.role for task in spec.all_tasks().values()}
    for transition in spec.transitions:
        used.update(transition.roles)
    for state in spec.states.values():
        for reminder in [*state.remind, *state.escalate]:
            used.update(_as_list(reminder.to))
    for _loc, action in _actions(loaded):
        if isinstance(action, NotifyActionBase):
            used.update(_as_list(action.notify.to))
    hint = "give it a task, a transition or a message, or remove it"
    yield from _unused("roles", spec.roles, used, "role '{}' is not used", hint)


@_rule("unused-field", "warning", "a field nothing sets or reads")
def _unused_field(loaded: LoadedPlaybook) -> Iterator[Hit]:
    used = fields_read(loaded) | fields_set(loaded)
    hint = "put it in a form, set it in an action, or use it in a guard or message"
    yield from _unused("fields", loaded.spec.fields, used, "field '{}' is neither set nor read", hint)


@_rule("unused-form", "warning", "a form no task fills")
def _unused_form(loaded: LoadedPlaybook) -> Iterator[Hit]:
    used = {task.form for task in loaded.spec.all_tasks().values()}
    hint = "name it in a task's 'form', or remove it"
    yield from _unused("forms", loaded.spec.forms, used, "form '{}' is not filled by any task", hint)


@_rule("unused-message", "warning", "a message nothing sends")
def _unused_message(loaded: LoadedPlaybook) -> Iterator[Hit]:
    spec = loaded.spec
    sent: set[str | None] = {
        action.notify.message for _loc, action in _actions(loaded) if isinstance(action, NotifyActionBase)
    }
    sent |= {r.message for s in spec.states.values() for r in [*s.remind, *s.escalate]}
    sent |= {r.message for d in spec.deadlines.values() for r in [*d.remind, *d.escalate]}
    hint = "send it with a notify action or a reminder, or remove it"
    yield from _unused("messages", spec.messages, sent, "message '{}' is never sent", hint)


@_rule(
    "waiting-without-deadline",
    "warning",
    "a state waiting on someone else with no due date, reminder, escalation or timer",
)
def _waiting_without_deadline(loaded: LoadedPlaybook) -> Iterator[Hit]:
    spec = loaded.spec
    for state_id, state in spec.states.items():
        if state.final:
            continue
        required = [t for t in state.tasks if not t.optional]
        outside = [t for t in required if spec.roles[t.role].external]
        if required and not outside:
            continue
        if state.remind or state.escalate or state.timers or any(t.due for t in state.tasks):
            continue
        why = (
            f"on '{outside[0].role}' ('{outside[0].id}')"
            if outside
            else "on a decision or an answer (it has no required task)"
        )
        yield Hit(
            ("states", state_id),
            f"state '{state_id}' waits {why} with no deadline",
            "add a task 'due', a 'remind', an 'escalate' or a timer",
            state_id,
            at_key=True,
        )


# Neutral ends too: "not relevant after all" is how a company that showed no interest was left
# untold in fase 7.2, the end being called neutral rather than negative.
@_rule("negative-end-untold", "warning", "a way to a negative or neutral end that tells nobody")
def _negative_end_untold(loaded: LoadedPlaybook) -> Iterator[Hit]:
    spec = loaded.spec
    external = {r for r, role in spec.roles.items() if role.external}
    for i, transition in enumerate(spec.transitions):
        end = spec.states[transition.to]
        if not end.final or end.outcome not in ("negative", "neutral"):
            continue
        how = "negatively" if end.outcome == "negative" else "neutrally"
        notes = [a.notify for a in [*transition.do, *end.on_enter] if isinstance(a, NotifyActionBase)]
        if not notes:
            yield Hit(
                ("transitions", i, "to"),
                f"'{transition.trigger}' ends the case {how} ('{transition.to}') without telling anyone",
                "add a notify to the parties concerned",
                transition.trigger,
            )
        elif external and not any(n.to_field or n.to_person or set(_as_list(n.to)) & external for n in notes):
            names = ", ".join(f"'{r}'" for r in sorted(external))
            yield Hit(
                ("transitions", i, "to"),
                f"'{transition.trigger}' ends the case {how} ('{transition.to}') "
                f"without telling the outside party ({names})",
                "notify them with 'to', 'to_field' or 'to_person'",
                transition.trigger,
            )


def _options(loaded: LoadedPlaybook) -> dict[str, list[str]]:
    return {
        name: list(field.options or [])
        for name, field in loaded.spec.fields.items()
        if field.type in CHOICE_TYPES
    }


@_rule("guard-never-true", "error", "a guard that can never be true")
def _guard_never_true(loaded: LoadedPlaybook) -> Iterator[Hit]:
    options = _options(loaded)
    for i, transition in enumerate(loaded.spec.transitions):
        if transition.when is None:
            continue
        conjuncts = atoms(transition.when)
        found = contradiction(conjuncts, options) if conjuncts is not None else None
        if found:
            yield Hit(
                ("transitions", i, "when"),
                f"the guard of '{transition.trigger}' can never be true: {found}",
                "the conditions exclude each other",
                transition.trigger,
            )


@_rule(
    "overlapping-guards",
    "warning",
    "two transitions of one trigger from one state whose guards can both be true",
)
def _overlapping_guards(loaded: LoadedPlaybook) -> Iterator[Hit]:
    spec, options = loaded.spec, _options(loaded)
    transitions = list(enumerate(spec.transitions))
    for n, (i, first) in enumerate(transitions):
        for j, second in transitions[n + 1 :]:
            if first.trigger != second.trigger or first.when is None or second.when is None:
                continue  # an unguarded earlier one is `trinn check`'s error
            shared = [s for s in spec.source_states(first) if s in spec.source_states(second)]
            left, right = atoms(first.when), atoms(second.when)
            if not shared or left is None or right is None:
                continue
            if contradiction([*left, *right], options) is None:
                line = loaded.source_map.value(("transitions", i))[0]
                yield Hit(
                    ("transitions", j, "when"),
                    f"'{second.trigger}' from '{shared[0]}': this guard and the one on "
                    f"line {line} can both be true",
                    "the earlier one then always wins; make the guards exclude each other",
                    second.trigger,
                )


_TEXT_KEYS = frozenset({"title", "description", "label", "help", "intro", "body", "instructions"})


def _texts(node: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            child = (*loc, key)
            is_text = isinstance(value, str) or (
                isinstance(value, dict) and value and set(value) <= set(LANGUAGES)
            )
            if (key in _TEXT_KEYS or loc[-1:] == ("option_labels",)) and is_text:
                yield child, value
            else:
                yield from _texts(value, child)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, (*loc, i))


@_rule("missing-translation", "warning", "text missing in a language the playbook declares")
def _missing_translation(loaded: LoadedPlaybook) -> Iterator[Hit]:
    spec = loaded.spec
    wanted = [spec.language, *[lang for lang in spec.languages if lang != spec.language]]
    data, _map, _problems = parse_yaml(loaded.text, loaded.path)
    for loc, text in _texts(data, ()):
        has = {spec.language} if isinstance(text, str) else set(text)
        missing = [lang for lang in wanted if lang not in has]
        if missing:
            shown = ", ".join(f"'{lang}'" for lang in missing)
            yield Hit(
                loc,
                f"text has no {shown}",
                "write it as a map of languages: {" + ", ".join(f"{lang}: ..." for lang in wanted) + "}",
                ".".join(str(part) for part in loc),
            )
