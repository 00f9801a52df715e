"""What the schema cannot see: references between parts, expressions, and the graph.

Pure functions over a validated PlaybookSpec and its source map; each returns
Problems with positions. Expressions are compiled here, once, and handed on to
the compiler so it never compiles them again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace

from trinn.engine.actions import registered_actions
from trinn.engine.advice_checks import check_advice
from trinn.engine.calendar import zone_of
from trinn.engine.cel_text import read_expression
from trinn.engine.errors import MAX_PROBLEMS, ExpressionError, Problem, did_you_mean
from trinn.engine.expressions import BUILTIN_NAMES, CompiledExpression, compile_expression
from trinn.engine.playbook_scope import playbook_scope
from trinn.engine.source import Loc, SourceMap
from trinn.engine.spec import (
    LIST_TYPES,
    ActionSpec,
    CustomActionSpec,
    FieldType,
    NotifyActionSpec,
    PlaybookSpec,
    SetActionSpec,
    StartCaseActionSpec,
    TaskSpec,
    TransitionSpec,
)
from trinn.engine.timing_checks import check_timing
from trinn.engine.values import check_value

__all__ = ["CheckResult", "check_playbook", "graph_problems", "playbook_scope"]

_ADDRESS_TYPES = frozenset({FieldType.email, FieldType.email_list, FieldType.person, FieldType.person_list})


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    expressions: dict[str, CompiledExpression] = field(default_factory=dict)


class _Checker:
    def __init__(
        self, spec: PlaybookSpec, source_map: SourceMap, known_playbooks: Iterable[str] | None
    ) -> None:
        self.spec = spec
        self.map = source_map
        self.known_playbooks = None if known_playbooks is None else set(known_playbooks)
        self.result = CheckResult()
        self.hints: dict[int, Callable[[], str]] = {}
        self.tasks = spec.all_tasks()
        # the triggers leaving each state, with '*' spelled out once
        self.leaving: dict[str, set[str]] = {state_id: set() for state_id in spec.states}
        for transition in spec.transitions:
            for source in spec.source_states(transition):
                self.leaving.setdefault(source, set()).add(transition.trigger)
        self.scope = playbook_scope(spec)

    def add(self, loc: Loc, message: str, hint: str = "", *, at_key: bool = False) -> None:
        self.result.problems.append(self.map.problem(loc, message, hint, at_key=at_key))

    def ref(self, loc: Loc, kind: str, name: str, known: Collection[str], *, at_key: bool = False) -> bool:
        """Report `name` if it is not among `known` (a dict or set: looked up, not searched)."""
        if name in known:
            return True
        # the hint compares `name` with every known one: worked out only if the report shows it
        self.hints[len(self.result.problems)] = lambda: did_you_mean(name, known, list_if_few=8)
        self.add(loc, f"unknown {kind} '{name}'", at_key=at_key)
        return False

    def hint_shown(self) -> None:
        """Fill in the did-you-mean hints of the problems a report shows (the first by position)."""
        problems = self.result.problems
        for i in sorted(range(len(problems)), key=problems.__getitem__)[:MAX_PROBLEMS]:
            if i in self.hints:
                problems[i] = replace(problems[i], hint=self.hints[i]())

    def expression(self, loc: Loc, text: str, what: str = "expression") -> None:
        if text in self.result.expressions:
            return
        try:
            self.result.expressions[text] = compile_expression(text, self.scope, what)
        except ExpressionError as exc:
            line, column = self.map.position_in(loc, text, max(exc.column - 1, 0))
            self.result.problems.append(Problem(self.map.path, line, column, exc.message, exc.hint))

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
            self.actions(("forms", form_id, "on_submit"), form.on_submit)
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
                self.actions((*tloc, "on_complete"), task.on_complete)
                if task.form is not None:
                    self.ref((*tloc, "form"), "form", task.form, self.spec.forms)
                if task.for_each is not None and self.ref(
                    (*tloc, "for_each"), "field", task.for_each, self.spec.fields
                ):
                    kind = self.spec.fields[task.for_each].type
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
            self.actions((*loc, "on_enter"), state.on_enter)
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

    def roles(self, loc: Loc, roles: str | list[str]) -> None:
        if isinstance(roles, str):
            self.ref(loc, "role", roles, self.spec.roles)
        else:
            for i, role in enumerate(roles):
                self.ref((*loc, i), "role", role, self.spec.roles)

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
            self.actions((*loc, "do"), transition.do)
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

    def actions(self, loc: Loc, actions: list[ActionSpec]) -> None:
        for i, action in enumerate(actions):
            aloc = (*loc, i)
            if isinstance(action, NotifyActionSpec):
                self.notify((*aloc, "notify"), action)
            elif isinstance(action, SetActionSpec):
                for field_id, text in action.set.items():
                    if self.ref((*aloc, "set", field_id), "field", field_id, self.spec.fields, at_key=True):
                        self.expression((*aloc, "set", field_id), text)
            elif isinstance(action, StartCaseActionSpec):
                start = action.start_case
                if self.known_playbooks is not None:
                    self.ref(
                        (*aloc, "start_case", "playbook"), "playbook", start.playbook, self.known_playbooks
                    )
                for field_id, text in start.fields.items():
                    self.expression((*aloc, "start_case", "fields", field_id), text)
            elif isinstance(action, CustomActionSpec):
                self.custom(aloc, action)

    def notify(self, loc: Loc, action: NotifyActionSpec) -> None:
        notify = action.notify
        self.roles((*loc, "to"), notify.to)
        self.ref((*loc, "message"), "message", notify.message, self.spec.messages)
        if notify.to_field is not None and self.ref(
            (*loc, "to_field"), "field", notify.to_field, self.spec.fields
        ):
            kind = self.spec.fields[notify.to_field].type
            if kind not in _ADDRESS_TYPES:
                self.add(
                    (*loc, "to_field"),
                    f"field '{notify.to_field}' is '{kind.value}', not an address",
                    "use an email, email_list, person or person_list field",
                )

    def check_messages(self) -> None:
        """Each message's title and body, in every language, parse and name only what exists."""
        if not self.spec.messages:
            return  # and Jinja2 stays unimported
        from trinn.engine.template import TEMPLATE_NAMES, check_template

        names = frozenset(self.spec.fields) | frozenset(TEMPLATE_NAMES)
        for message_id, message in self.spec.messages.items():
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

    def custom(self, loc: Loc, action: CustomActionSpec) -> None:
        registry = registered_actions()
        kind = action.kind
        if kind not in registry:
            known = ["notify", "set", "start_case", *registry]
            self.add(
                (*loc, kind),
                f"unknown action '{kind}'",
                did_you_mean(kind, known, list_if_few=8),
                at_key=True,
            )
            return
        for problem in registry[kind].check(action.params):
            self.add((*loc, kind), problem)


def check_playbook(
    spec: PlaybookSpec, source_map: SourceMap, known_playbooks: Iterable[str] | None = None
) -> CheckResult:
    """Every reference, expression and graph problem of a validated playbook."""
    from trinn.engine.public_forms import public_form_problems

    result = _Checker(spec, source_map, known_playbooks).run()
    result.problems.extend(public_form_problems(spec, source_map))
    if not any(p.message.startswith("unknown state ") for p in result.problems):
        # with a transition pointing nowhere, the graph findings would only echo it
        result.problems.extend(graph_problems(spec, source_map))
    return result


def _successors(spec: PlaybookSpec) -> dict[str, set[str]]:
    following: dict[str, set[str]] = {state_id: set() for state_id in spec.states}
    for transition in spec.transitions:
        if transition.to not in spec.states:
            continue
        for source in spec.source_states(transition):
            if source in following:
                following[source].add(transition.to)
    return following


def _closure(start: Iterable[str], step: Callable[[str], Iterable[str]]) -> set[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def graph_problems(spec: PlaybookSpec, source_map: SourceMap) -> list[Problem]:
    """Unreachable states, dead ends, and states from which the case can never end."""
    if spec.initial not in spec.states or spec.states[spec.initial].final:
        return []  # reported as such; every state would echo it
    following = _successors(spec)
    preceding: dict[str, set[str]] = {s: set() for s in spec.states}
    for source, targets in following.items():
        for target in targets:
            preceding[target].add(source)
    problems = []
    reachable = _closure([spec.initial], lambda s: following[s])
    finals = [s for s, st in spec.states.items() if st.final]
    if not finals:
        problems.append(
            source_map.problem(
                ("states",),
                "no state is final",
                "mark the states that end a case with 'final: true'",
                at_key=True,
            )
        )
    can_end = _closure(finals, lambda s: preceding[s])
    trapped: dict[str, list[str]] | None = None
    for state_id, state in spec.states.items():
        loc = ("states", state_id)
        if state_id not in reachable:
            problems.append(
                source_map.problem(
                    loc,
                    f"state '{state_id}' cannot be reached from '{spec.initial}'",
                    "add a transition to it or remove it",
                    at_key=True,
                )
            )
        if not state.final and not following[state_id]:
            problems.append(
                source_map.problem(
                    loc,
                    f"state '{state_id}' is not final and has no way out",
                    "add a transition from it or mark it 'final: true'",
                    at_key=True,
                )
            )
        elif finals and state_id not in can_end:
            if trapped is None:
                trapped = _trapped(spec.states, following, can_end)
            names = ", ".join(f"'{s}'" for s in trapped[state_id][:_TRAPPED_SHOWN])
            more = " and more" if len(trapped[state_id]) > _TRAPPED_SHOWN else ""
            problems.append(
                source_map.problem(
                    loc,
                    f"no final state can be reached from '{state_id}'",
                    f"the case would be stuck among {names}{more}",
                    at_key=True,
                )
            )
    return problems


_TRAPPED_SHOWN = 8


def _trapped(
    states: Iterable[str], following: dict[str, set[str]], can_end: set[str]
) -> dict[str, list[str]]:
    """For each state that cannot end, the first names (sorted) of the states it can reach.

    At most one more than shown is kept: the smallest names of a union are among the smallest
    of its parts, so each group of states that reach each other is worked out once from the
    groups it leads to, linear in the moves, where a walk from every state would be quadratic.
    """
    stuck = [s for s in states if s not in can_end]
    trapped: dict[str, list[str]] = {}
    for group in _groups(stuck, following):  # each group after every group it leads to
        names = set(group)
        for state_id in group:
            for target in following[state_id]:
                if target not in names:
                    names.update(trapped[target])
        first = sorted(names)[: _TRAPPED_SHOWN + 1]
        for state_id in group:
            trapped[state_id] = first
    return trapped


def _groups(nodes: list[str], following: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups (Tarjan's, without recursion), each after those it leads to."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(following[root])))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(following[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups
