"""What the schema cannot see: references between parts, expressions, and the graph.

Pure functions over a validated PlaybookSpec and its source map; each returns
Problems with positions. Expressions are compiled once (engine.checker) and handed
on to the compiler so it never compiles them again. The checks of actions, time,
advice and the graph are their own modules; `check_playbook` runs them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from trinn.engine.action_checks import check_actions
from trinn.engine.advice_checks import check_advice
from trinn.engine.calendar import zone_of
from trinn.engine.cel_text import read_expression
from trinn.engine.checker import Checker, CheckResult
from trinn.engine.errors import Problem, did_you_mean
from trinn.engine.expressions import BUILTIN_NAMES
from trinn.engine.field_types import LIST_TYPES, FieldType
from trinn.engine.graph_checks import graph_problems
from trinn.engine.source import Loc, SourceMap
from trinn.engine.timing_checks import check_timing
from trinn.engine.values import check_value

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec, TaskSpec, TransitionSpec

__all__ = ["CheckResult", "check_playbook"]


class _PlaybookChecker(Checker):
    """The checks of the playbook's own parts: fields, forms, states, transitions, messages."""

    def run(self) -> CheckResult:
        spec = self.spec
        if self.ref(("initial",), "state", spec.initial, spec.states) and spec.states[spec.initial].final:
            self.add(
                ("initial",),
                f"initial state '{spec.initial}' is final",
                "a case would end as soon as it opens",
            )
        self.ref(("subject", "field"), "field", spec.subject.field, spec.fields)
        self.check_fields()
        for form_id, form in spec.forms.items():
            for i, field_id in enumerate(form.fields):
                self.ref(("forms", form_id, "fields", i), "field", field_id, spec.fields)
            check_actions(self, ("forms", form_id, "on_submit"), form.on_submit)
        self.check_states()
        self.check_transitions()
        check_timing(self)
        check_advice(self)
        self.check_messages()
        self.hint_shown()
        return self.result

    def check_fields(self) -> None:
        for field_id, spec in self.spec.fields.items():
            loc = ("fields", field_id)
            if field_id in BUILTIN_NAMES:
                self.add(
                    loc,
                    f"field id '{field_id}' is reserved",
                    "expressions use it for " + BUILTIN_NAMES[field_id],
                    at_key=True,
                )
            if spec.default is not None:
                problem = check_value(
                    spec, spec.default, zone=zone_of(self.spec.language, self.spec.timezone)
                )
                if problem is not None:
                    self.add((*loc, "default"), f"invalid default: {problem.message}", problem.hint)
            self.check_write_rule(loc, spec.edit, spec.in_states)
            for option in spec.option_labels or {}:
                if spec.options is not None and option not in spec.options:
                    self.add(
                        (*loc, "option_labels", option),
                        f"unknown option '{option}'",
                        did_you_mean(option, spec.options, list_if_few=8),
                        at_key=True,
                    )

    def check_write_rule(self, loc: Loc, edit: list[str] | None, states: list[str] | None) -> None:
        """A field's `edit` roles and `in` states (who may change it, where) exist."""
        for i, role in enumerate(edit or []):
            if self.ref((*loc, "edit", i), "role", role, self.spec.roles) and self.spec.roles[role].external:
                self.add(
                    (*loc, "edit", i),
                    f"external role '{role}' cannot change fields",
                    "let a coordinator's role change it, or a form of its task",
                )
        for i, state in enumerate(states or []):
            self.ref((*loc, "in", i), "state", state, self.spec.states)

    def record_form(self, tloc: Loc, task: TaskSpec) -> None:
        """A form is filled per item (by a for_each task) or for the whole case, never both."""
        if task.form is None or task.form not in self.spec.forms:
            return
        others = [
            t
            for t in self.tasks.values()
            if t.form == task.form and (t.for_each is None) != (task.for_each is None)
        ]
        if others and task.for_each is None:
            self.add(
                (*tloc, "form"),
                f"form '{task.form}' keeps a record per item of task '{others[0].id}', "
                f"and task '{task.id}' fills it for the whole case",
                "give each task its own form",
            )

    def check_states(self) -> None:
        seen: dict[str, Loc] = {}
        triggers = {t.trigger for t in self.spec.transitions}
        for state_id, state in self.spec.states.items():
            loc = ("states", state_id)
            for i, task in enumerate(state.tasks):
                tloc = (*loc, "tasks", i)
                if task.id in seen:
                    line = self.map.value((*seen[task.id], "id"))[0]
                    self.add((*tloc, "id"), f"duplicate task id '{task.id}'", f"first defined on line {line}")
                seen.setdefault(task.id, tloc)
                self.ref((*tloc, "role"), "role", task.role, self.spec.roles)
                check_actions(self, (*tloc, "on_complete"), task.on_complete)
                if task.form is not None:
                    self.ref((*tloc, "form"), "form", task.form, self.spec.forms)
                kind = None if task.for_each is None else self.field_type((*tloc, "for_each"), task.for_each)
                if kind is not None:
                    if kind not in LIST_TYPES:
                        self.add(
                            (*tloc, "for_each"),
                            f"for_each needs a list field, and '{task.for_each}' is '{kind.value}'",
                            "use text_list, person_list or multi_choice",
                        )
                    elif task.personal and kind is not FieldType.person_list:
                        self.add(
                            (*tloc, "personal"),
                            f"a personal task needs for_each over a person_list, and '{task.for_each}' "
                            f"is '{kind.value}'",
                            "each item must be a person of the people file",
                        )
                self.roles((*tloc, "on_behalf"), task.on_behalf)
                self.record_form(tloc, task)
            check_actions(self, (*loc, "on_enter"), state.on_enter)
            for which in ("remind", "escalate"):
                for i, reminder in enumerate(getattr(state, which)):
                    rloc = (*loc, which, i)
                    self.roles((*rloc, "to"), reminder.to)
                    if reminder.message is not None:
                        self.ref((*rloc, "message"), "message", reminder.message, self.spec.messages)
            for i, timer in enumerate([] if state.final else state.timers):
                floc = (*loc, "timers", i, "fire")
                leaving = self.leaving[state_id]
                if self.ref(floc, "trigger", timer.fire, triggers) and timer.fire not in leaving:
                    self.add(
                        floc,
                        f"trigger '{timer.fire}' has no transition from '{state_id}'",
                        did_you_mean(timer.fire, leaving, list_if_few=8),
                    )
            if state.final and (state.tasks or state.timers):
                what = "tasks" if state.tasks else "timers"
                self.add(
                    (*loc, what),
                    f"final state '{state_id}' cannot have {what}",
                    "a closed case has no work left",
                )

    def check_transitions(self) -> None:
        spec = self.spec
        unguarded: dict[tuple[str, str], int] = {}
        for i, transition in enumerate(spec.transitions):
            loc = ("transitions", i)
            sources = transition.sources
            for j, source in enumerate(sources):
                sloc = (*loc, "from") if isinstance(transition.source, str) else (*loc, "from", j)
                if self.ref(sloc, "state", source, spec.states) and spec.states[source].final:
                    self.add(
                        sloc,
                        f"final state '{source}' cannot have a way out",
                        "remove 'final: true' or this transition",
                    )
            self.ref((*loc, "to"), "state", transition.to, spec.states)
            self.roles((*loc, "by"), transition.by)
            for j, role in enumerate(transition.roles):
                if role in spec.roles and spec.roles[role].external:
                    rloc = (*loc, "by") if isinstance(transition.by, str) else (*loc, "by", j)
                    self.add(
                        rloc,
                        f"external role '{role}' cannot fire '{transition.trigger}'",
                        "let a coordinator's role record what they did",
                    )
            if transition.when is not None:
                self.expression((*loc, "when"), transition.when, "guard")
            if transition.because is not None:
                self.because((*loc, "because"), transition)
            check_actions(self, (*loc, "do"), transition.do)
            for source in spec.source_states(transition):
                earlier = unguarded.get((transition.trigger, source))
                if earlier is not None:
                    self.add(
                        (*loc, "trigger"),
                        f"transition '{transition.trigger}' from '{source}' can never fire",
                        f"the one on line {self.map.value(('transitions', earlier))[0]} "
                        "has no guard and always wins",
                    )
                elif transition.when is None:
                    unguarded[(transition.trigger, source)] = i

    def because(self, loc: Loc, transition: TransitionSpec) -> None:
        """`because` needs a guard, and each part it names must be a top-level part of it."""
        if transition.when is None:
            self.add(loc, "'because' explains a guard, and there is none", "add 'when'", at_key=True)
            return
        if transition.because_guard() is not None or not isinstance(transition.because, dict):
            return
        parts = [" ".join(p.text.split()) for p in read_expression(transition.when).parts]
        for written in transition.because:
            part = " ".join(written.split())
            if part not in parts:
                hint = did_you_mean(part, parts) or "its parts: " + ", ".join(f"'{p}'" for p in parts)
                self.add((*loc, written), f"'{part}' is not a part of the guard", hint, at_key=True)

    def check_messages(self) -> None:
        """Each message's title and body, in every language, parse and name only what exists."""
        if not self.spec.messages:
            return  # and Jinja2 stays unimported
        from trinn.engine.template import TEMPLATE_NAMES, check_template

        names = frozenset(self.spec.fields) | frozenset(TEMPLATE_NAMES)
        for message_id, message in self.spec.messages.items():
            self.check_attachments(message_id, message.attach)
            for part in ("title", "body"):
                text = getattr(message, part)
                variants = (
                    {(): text} if isinstance(text, str) else {(lang,): value for lang, value in text.items()}
                )
                for suffix, value in variants.items():
                    loc = ("messages", message_id, part, *suffix)
                    for problem in check_template(value, names, self.spec.limits.caps):
                        line, column = self.map.position_in(loc, value, problem.offset)
                        self.result.problems.append(
                            Problem(self.map.path, line, column, problem.message, problem.hint)
                        )

    def check_attachments(self, message_id: str, attach: list[str]) -> None:
        """Each name of a message's `attach:` is a file field, or a file inside the playbook's
        folder (looked for only when the playbook was read from a file)."""
        from pathlib import Path

        from trinn.engine.attachments import is_shipped, shipped_problem

        source = Path(self.map.path)
        folder = source.parent if source.is_file() else None
        for i, name in enumerate(attach):
            loc = ("messages", message_id, "attach", i)
            if not is_shipped(name):
                kind = self.field_type(loc, name)
                if kind is not None and kind is not FieldType.file:
                    self.add(loc, f"attachment '{name}' is a {kind.value} field, not a file field")
                continue
            problem = shipped_problem(folder, name)
            if problem is not None:
                self.add(loc, *problem)


def check_playbook(
    spec: PlaybookSpec, source_map: SourceMap, known_playbooks: Iterable[str] | None = None
) -> CheckResult:
    """Every reference, expression and graph problem of a validated playbook."""
    from trinn.engine.public_forms import public_form_problems

    result = _PlaybookChecker(spec, source_map, known_playbooks).run()
    result.problems.extend(public_form_problems(spec, source_map))
    if not any(p.message.startswith("unknown state ") for p in result.problems):
        # with a transition pointing nowhere, the graph findings would only echo it
        result.problems.extend(graph_problems(spec, source_map))
    return result
