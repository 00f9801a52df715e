"""Who may change what, as properties (Hypothesis): random playbooks (each field's `edit` roles
and `in` states, the forms that name it and the roles of their tasks, who may fire what, an
external role) and random people, walked by random runs of commands on one case.

After every command the case is compared with a model of the rules written from the README
("Who may change what"), not from the code: a command the rules forbid is refused and leaves
the case exactly as it was (fields, state, version); a command they allow succeeds and writes
just what it was given. tests/test_permissions.py holds the words of each refusal.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trinn.engine.errors import CommandError
from trinn.engine.people import People, Person
from trinn.engine.permissions import writable_fields
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
ROLES = ["r0", "r1", "r2"]  # and 'ext', an external role: it never acts
FIELDS = ["f0", "f1", "f2", "f3"]
FORMS = ["form0", "form1", "form2"]  # form2 is filled by no task: any coordinator fills it
OPEN_STATES = ["s0", "s1"]
# s0 -next-> s1 -back-> s0, s1 -end-> s2 (final); entering a state makes its tasks anew
TRIGGERS = {"next": ("s0", "s1"), "back": ("s1", "s0"), "end": ("s1", "s2")}
VALUES = ["a", "b"]  # two values, so that some writes change nothing (and always pass)
PEOPLE = {"p0": {"r0"}, "p1": {"r1", "r2"}, "p2": {"r0", "r1", "r2"}, "p3": {"ext"}, "p4": set()}


@dataclass
class Table:
    """One random playbook's rules."""

    fields: dict[str, dict[str, Any]]
    forms: dict[str, list[str]]
    tasks: dict[str, tuple[str, str, str]]  # task id -> (state, role, form)
    by: dict[str, list[str]]  # trigger -> roles that may fire it (empty: anyone)

    def yaml(self) -> str:
        states: dict[str, Any] = {s: {"title": s, "tasks": []} for s in OPEN_STATES}
        for task_id, (state, role, form) in self.tasks.items():
            states[state]["tasks"].append({"id": task_id, "title": task_id, "role": role, "form": form})
        states["s2"] = {"title": "s2", "final": True}
        spec = {
            "id": "test.properties",
            "version": 1,
            "language": "en",
            "title": "Properties",
            "subject": {"title": "Name", "field": "name"},
            "roles": {
                **{role: {"title": role} for role in ROLES},
                "ext": {"title": "Outside", "external": True},
            },
            "fields": {"name": {"type": "text", "label": "Name", "required": True}, **self.fields},
            "forms": {form: {"title": form, "fields": names} for form, names in self.forms.items()},
            "initial": "s0",
            "states": states,
            "transitions": [
                {"trigger": t, "from": a, "to": b, **({"by": self.by[t]} if self.by[t] else {})}
                for t, (a, b) in TRIGGERS.items()
            ],
        }
        return json.dumps(spec)  # YAML reads JSON


@dataclass
class Model:
    """The case as the README's rules say it must be."""

    table: Table
    state: str = "s0"
    values: dict[str, str] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)  # tasks of the current visit done
    version: int = 1

    def acting(self, person: str) -> set[str]:
        return PEOPLE[person] & set(ROLES)  # external roles never act

    def may_write(self, person: str, name: str, how: str) -> bool:
        """May `person` write the field `name` in the current state, by `how` (open, set, form)?"""
        rule = self.table.fields[name]
        where = "in" not in rule or self.state in rule["in"]
        if how == "form":
            return where  # the form itself is the task's: checked in may_fill
        named = any(name in names for names in self.table.forms.values())
        if how == "open" and "edit" not in rule and not named:
            return where  # opening data
        return "edit" in rule and bool(self.acting(person) & set(rule["edit"])) and where

    def writes(self, person: str, values: dict[str, str], how: str) -> bool:
        changed = [n for n, v in values.items() if self.values.get(n) != v]  # no change passes
        return all(self.may_write(person, n, how) for n in changed)

    def may_fill(self, person: str, form: str) -> str | None:
        """The task filling `form` does now ('' for a form no task fills); None if refused."""
        tasks = [(t, s, r) for t, (s, r, f) in self.table.tasks.items() if f == form]
        if not tasks:
            return ""
        here = [(t, r) for t, s, r in tasks if s == self.state]
        open_ = [(t, r) for t, r in here if t not in self.done and r in self.acting(person)]
        return open_[0][0] if open_ else None

    def may_fire(self, person: str, trigger: str) -> bool:
        source, _target = TRIGGERS[trigger]
        roles = self.table.by[trigger]
        return source == self.state and (not roles or bool(self.acting(person) & set(roles)))


@st.composite
def _tables(draw: st.DrawFn) -> Table:
    fields: dict[str, dict[str, Any]] = {}
    for name in FIELDS:
        rule: dict[str, Any] = {"type": "text", "label": name}
        if draw(st.booleans()):
            rule["edit"] = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True))
        if draw(st.booleans()):
            rule["in"] = draw(st.lists(st.sampled_from(OPEN_STATES), min_size=1, max_size=2, unique=True))
        fields[name] = rule
    forms = {
        form: draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True)) for form in FORMS
    }
    tasks: dict[str, tuple[str, str, str]] = {}
    for i, form in enumerate(FORMS[:2]):
        for state in draw(st.lists(st.sampled_from(OPEN_STATES), max_size=2, unique=True)):
            tasks[f"t{i}_{state}"] = (state, draw(st.sampled_from(ROLES)), form)
    anyone = st.just([])  # half the triggers anyone may fire, so the case moves between states
    by = {
        t: draw(anyone | st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True))
        for t in TRIGGERS
    }
    return Table(fields, forms, tasks, by)


_PERSON = st.sampled_from(["p0", "p1", "p2", "p2", "p3", "p4"])  # mostly people who act
_WRITE = st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(VALUES), min_size=1, max_size=2)
_STEP = st.one_of(
    st.tuples(st.just("set"), _PERSON, _WRITE),
    st.tuples(st.just("form"), _PERSON, st.tuples(st.sampled_from(FORMS), _WRITE)),
    st.tuples(
        st.just("fire"),
        _PERSON,
        st.tuples(st.sampled_from(["next", "back", "next", "back", "end"]), _WRITE | st.just({})),
    ),
)


def _service(folder: Path) -> Service:
    store = Store(open_database("sqlite:///" + str(folder / "trinn.db")))
    people = [Person(pid, pid, None, frozenset(roles)) for pid, roles in PEOPLE.items()]
    return Service(store, PlaybookRegistry([folder]), People(people), clock=lambda: NOW)


def _expected(model: Model, kind: str, person: str, what: Any) -> tuple[bool, dict[str, str]]:
    """Whether the step is allowed, and the values it writes if it is."""
    if model.state == "s2" or not model.acting(person):
        return False, {}  # a closed case; someone who holds no role of the playbook
    if kind == "set":
        return model.writes(person, what, "set"), what
    if kind == "form":
        form, values = what
        values = {n: v for n, v in values.items() if n in model.table.forms[form]}
        task = model.may_fill(person, form)
        allowed = bool(values) and task is not None and model.writes(person, values, "form")
        if allowed and task:
            model.done.add(task)
        return allowed, values
    trigger, values = what
    return model.may_fire(person, trigger) and model.writes(person, values, "set"), values


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=_tables(),
    opener=_PERSON,
    opening=st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(VALUES), max_size=2),
    steps=st.lists(_STEP, min_size=6, max_size=12),
)
def test_no_command_writes_a_field_the_rules_forbid_and_every_allowed_write_succeeds(
    tmp_path_factory: pytest.TempPathFactory,
    table: Table,
    opener: str,
    opening: dict[str, str],
    steps: list[tuple[str, str, Any]],
) -> None:
    folder = tmp_path_factory.mktemp("properties")
    (folder / "p.yaml").write_text(table.yaml())
    service = _service(folder)
    model = Model(table)
    may_open = bool(model.acting(opener)) and model.writes(opener, opening, "open")
    try:
        case = service.open_case(str(folder / "p.yaml"), {"name": "A", **opening}, actor=opener)
    except CommandError as refused:
        assert not may_open, str(refused)
        case = service.open_case(str(folder / "p.yaml"), {"name": "A"}, actor="p2")
    else:
        assert may_open, f"{opener} opened with {opening}"
        model.values.update(opening)
    for kind, person, what in steps:
        before = (model.state, dict(model.values), set(model.done))
        allowed, values = _expected(model, kind, person, what)
        import os

        if os.environ.get("DBG"):
            print("STEP", kind, allowed)
        try:
            if kind == "set":
                service.set_fields(case.id, values, actor=person)
            elif kind == "form":
                service.submit_form(case.id, what[0], values, actor=person)
            else:
                service.fire(case.id, what[0], values=values, actor=person)
        except CommandError as refused:
            assert not allowed, f"{kind} {what} by {person} in {before[0]}: {refused}"
            model.state, model.values, model.done = before
        else:
            assert allowed, f"{kind} {what} by {person} in {before[0]} was let through"
            model.values.update(values)
            model.version += 1
            if kind == "fire":
                model.state, model.done = TRIGGERS[what[0]][1], set()
        stored = service.queries.load(case.id)[0]
        assert stored.state == model.state
        assert stored.row_version == model.version
        assert {n: stored.fields.get(n) for n in FIELDS} == {n: model.values.get(n) for n in FIELDS}


@settings(max_examples=30, deadline=None)
@given(table=_tables(), person=_PERSON, state=st.sampled_from(OPEN_STATES))
def test_the_field_editor_offers_exactly_what_set_may_write(table: Table, person: str, state: str) -> None:
    from trinn.engine.loader import load_playbook_text

    spec = load_playbook_text(table.yaml(), "p.yaml").spec
    model = Model(table, state=state)
    offered = writable_fields(spec, actor=person, roles=model.acting(person), state=state)
    assert set(offered) - {"name"} == {n for n in FIELDS if model.may_write(person, n, "set")}
