"""Who may change what: a field's `edit` roles and `in` states, and the safe default.

The rules are tried through the real service on real SQLite databases: by hand for the words
of each refusal, and by Hypothesis over random playbooks (fields, forms, roles, states) and
random actors, against a model of the rules written from the README, not from the code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trinn.engine import i18n
from trinn.engine.errors import CommandError
from trinn.engine.people import People, Person
from trinn.engine.permissions import field_rule, writable_fields
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
ROLES = ["r0", "r1", "r2"]
STATES = ["s0", "s1", "s2"]  # s0 -> s1 -> s2 (final)
FIELDS = ["f0", "f1", "f2", "f3", "f4"]
FORMS = ["form0", "form1", "form2"]  # form2 is filled by no task


def _playbook(fields: dict[str, dict[str, Any]], forms: dict[str, list[str]], tasks: dict[str, Any]) -> str:
    spec: dict[str, Any] = {
        "id": "test.permissions",
        "version": 1,
        "language": "en",
        "title": "Permissions",
        "subject": {"title": "Name", "field": "name"},
        "roles": {role: {"title": role} for role in ROLES},
        "fields": {"name": {"type": "text", "label": "Name", "required": True}, **fields},
        "forms": {form: {"title": form, "fields": names} for form, names in forms.items() if names},
        "initial": "s0",
        "states": {
            "s0": {"title": "S0", "tasks": tasks.get("s0", [])},
            "s1": {"title": "S1", "tasks": tasks.get("s1", [])},
            "s2": {"title": "S2", "final": True},
        },
        "transitions": [
            {"trigger": "next", "from": "s0", "to": "s1"},
            {"trigger": "end", "from": "s1", "to": "s2"},
        ],
    }
    return json.dumps(spec)  # YAML reads JSON


def _service(folder: Path, people: list[Person]) -> Service:
    store = Store(open_database("sqlite:///" + str(folder / "trinn.db")))
    return Service(store, PlaybookRegistry([folder]), People(people), clock=lambda: NOW)


# -- by hand: the words of each refusal -----------------------------------------------------------

HAND = """\
id: test.rules
version: 1
language: en
title: Rules
subject: {title: Name, field: name}
roles:
  lead: {title: Lead}
  board: {title: Board}
fields:
  name: {type: text, label: Name, required: true}
  partners: {type: text_list, label: Partners, edit: [lead], in: [assessing]}
  assessment: {type: long_text, label: Assessment}
  decision: {type: text, label: Decision, edit: [board]}
  opened_note: {type: text, label: Note}
forms:
  assess: {title: Assess, fields: [assessment]}
initial: draft
states:
  draft:
    title: Draft
  assessing:
    title: Assessing
    tasks:
      - {id: write_assessment, title: Write it, role: lead, form: assess}
  done: {title: Done, final: true}
transitions:
  - {trigger: assess, from: draft, to: assessing, by: lead}
  - {trigger: decide, from: assessing, to: done, by: board}
"""


@pytest.fixture
def hand(tmp_path: Path) -> Service:
    (tmp_path / "rules.yaml").write_text(HAND)
    people = [
        Person("kari", "Kari", None, frozenset({"lead"})),
        Person("stig", "Stig", None, frozenset({"board"})),
    ]
    return _service(tmp_path, people)


def _refused(work: Any) -> str:
    with pytest.raises(CommandError) as refused:
        work()
    return str(refused.value)


def test_permissions_refusals_name_the_field_and_who_may_change_it(hand: Service) -> None:
    case = hand.open_case("test.rules", {"name": "Acme", "opened_note": "met at a fair"}, actor="kari").id
    assert _refused(lambda: hand.set_fields(case, {"partners": ["Bo"]}, actor="stig")) == (
        "case 1: field «Partners»: stig may not change it (only «Lead» may)"
    )
    assert _refused(lambda: hand.set_fields(case, {"partners": ["Bo"]}, actor="kari")) == (
        "case 1: field «Partners»: it cannot be changed in the state «Draft» (only in «Assessing»)"
    )
    assert _refused(lambda: hand.set_fields(case, {"assessment": "good"}, actor="kari")) == (
        "case 1: field «Assessment»: it is changed only through the form «Assess» (by «Lead»)"
    )
    assert _refused(lambda: hand.set_fields(case, {"opened_note": "x"}, actor="kari")) == (
        "case 1: field «Note»: no one changes it after the case is opened "
        "(the playbook gives it no 'edit' roles)"
    )
    # fire --set is a free write too: the guard never sees a value its actor may not write
    assert _refused(lambda: hand.fire(case, "assess", values={"decision": "yes"}, actor="kari")) == (
        "case 1: field «Decision»: kari may not change it (only «Board» may)"
    )
    assert hand.queries.load(case)[0].state == "draft"
    assert _refused(lambda: hand.fire(case, "assess", values={"partners": ["Bo"]}, actor="kari")) == (
        "case 1: field «Partners»: it cannot be changed in the state «Draft» (only in «Assessing»)"
    )
    assert hand.queries.load(case)[0].fields.get("partners") is None


def test_permissions_refusals_speak_the_readers_language(hand: Service) -> None:
    case = hand.open_case("test.rules", {"name": "Acme"}, actor="kari").id
    i18n.set_language("nb")
    try:
        assert _refused(lambda: hand.set_fields(case, {"partners": ["Bo"]}, actor="kari")) == (
            "sak 1: feltet «Partners»: det kan ikke endres i steget «Draft» (bare i «Assessing»)"
        )
        assert _refused(lambda: hand.set_fields(case, {"assessment": "x"}, actor="kari")) == (
            "sak 1: feltet «Assessment»: det endres bare gjennom skjemaet «Assess» (av «Lead»)"
        )
    finally:
        i18n.set_language("en")


def test_permissions_allowed_writes_happen(hand: Service) -> None:
    case = hand.open_case("test.rules", {"name": "Acme"}, actor="kari").id
    hand.fire(case, "assess", actor="kari")
    hand.set_fields(case, {"partners": ["Bo", "Eva"]}, actor="kari")
    hand.submit_form(case, "assess", {"assessment": "Both fit."}, actor="kari")
    hand.set_fields(case, {"decision": "yes", "partners": ["Bo", "Eva"]}, actor="stig")  # unchanged: no write
    fields = hand.queries.load(case)[0].fields
    assert (fields["partners"], fields["assessment"], fields["decision"]) == (
        ["Bo", "Eva"],
        "Both fit.",
        "yes",
    )


def test_permissions_opening_data_is_given_at_open_only(hand: Service) -> None:
    assert _refused(lambda: hand.open_case("test.rules", {"name": "A", "assessment": "x"}, actor="kari")) == (
        "field «Assessment»: it is changed only through the form «Assess» (by «Lead»)"
    )
    assert _refused(lambda: hand.open_case("test.rules", {"name": "A", "decision": "x"}, actor="kari")) == (
        "field «Decision»: kari may not change it (only «Board» may)"
    )
    case = hand.open_case("test.rules", {"name": "A", "decision": "x"}, actor="stig")
    assert case.fields == {"name": "A", "decision": "x"}


def test_permissions_writable_fields_lists_what_a_field_editor_offers(hand: Service) -> None:
    spec = hand.registry.current("test.rules").spec
    lead = writable_fields(spec, actor="kari", roles={"lead"}, state="assessing")
    board = writable_fields(spec, actor="stig", roles={"board"}, state="draft")
    assert (lead, board) == (["partners"], ["decision"])
    assert field_rule(spec, "assessment").form_roles == ("lead",)


# -- properties: random rules, random actors, every command -----------------------------------------


@st.composite
def _tables(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, dict[str, Any]] = {}
    for name in FIELDS:
        field: dict[str, Any] = {"type": "text", "label": name}
        if draw(st.booleans()):
            field["edit"] = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True))
        if draw(st.booleans()):
            field["in"] = draw(st.lists(st.sampled_from(STATES), min_size=1, max_size=3, unique=True))
        fields[name] = field
    forms = {form: draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)) for form in FORMS}
    tasks: dict[str, list[dict[str, Any]]] = {}
    for i, form in enumerate(FORMS[:2]):
        if forms[form]:
            state = draw(st.sampled_from(["s0", "s1"]))
            role = draw(st.sampled_from(ROLES))
            tasks.setdefault(state, []).append({"id": f"t{i}", "title": "T", "role": role, "form": form})
    actor_roles = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True))
    state = draw(st.sampled_from(["s0", "s1"]))
    command = draw(st.sampled_from(["set", "fire", "form", "open"]))
    target = draw(st.sampled_from(FIELDS))
    form = draw(st.sampled_from(FORMS))
    return {
        "fields": fields,
        "forms": forms,
        "tasks": tasks,
        "actor_roles": actor_roles,
        "state": state,
        "command": command,
        "field": target,
        "form": form,
    }


def _may(table: dict[str, Any], state: str) -> bool:
    """The rules as the README says them, for one write of `table['field']` in `state`."""
    field = table["fields"][table["field"]]
    roles = set(table["actor_roles"])
    in_forms = [form for form, names in table["forms"].items() if table["field"] in names]
    where = "in" not in field or state in field["in"]
    if table["command"] == "form":
        form = table["form"]
        if table["field"] not in table["forms"][form]:
            return False  # not a field of that form
        task = [t for ts in table["tasks"].values() for t in ts if t["form"] == form]
        if task and (task[0]["role"] not in roles or table["state_of"](task[0]) != state):
            return False  # the form's task: its role, in its state
        return where
    if table["command"] == "open" and "edit" not in field and not in_forms:
        return where  # opening data
    return "edit" in field and bool(roles & set(field["edit"])) and where


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=_tables())
def test_permissions_no_command_writes_what_the_rules_forbid_and_every_allowed_write_succeeds(
    tmp_path_factory: pytest.TempPathFactory, table: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "rules.yaml").write_text(_playbook(table["fields"], table["forms"], table["tasks"]))
    boss = Person("boss", "Boss", None, frozenset(ROLES))
    actor = Person("who", "Who", None, frozenset(table["actor_roles"]))
    service = _service(folder, [boss, actor])
    table["state_of"] = lambda task: next(s for s, ts in table["tasks"].items() if task in ts)
    name, value = table["field"], "new value"
    command = table["command"]
    if command == "open":
        state = "s0"
        try:
            case = service.open_case(str(folder / "rules.yaml"), {"name": "A", name: value}, actor="who")
        except CommandError:
            assert not _may(table, state)
            return
        assert _may(table, state)
        assert case.fields[name] == value
        return
    case_id = service.open_case(str(folder / "rules.yaml"), {"name": "A"}, actor="boss").id
    if table["state"] == "s1":
        service.fire(case_id, "next", actor="boss")
    state = table["state"]
    form = table["form"]
    try:
        if command == "set":
            service.set_fields(case_id, {name: value}, actor="who")
        elif command == "fire":
            service.fire(case_id, "next" if state == "s0" else "end", values={name: value}, actor="who")
        else:
            service.submit_form(case_id, form, {name: value}, actor="who")
    except CommandError as refused:
        assert not _may(table, state), str(refused)
        assert service.queries.load(case_id)[0].fields.get(name) is None
        assert service.queries.load(case_id)[0].state == state
        return
    assert _may(table, state)
    assert service.queries.load(case_id)[0].fields[name] == value
