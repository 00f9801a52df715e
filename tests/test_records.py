"""Records per item and personal items: a for_each task's form keeps each item's own answers
(on its task, in the history, in `show --json`, read by guards), and a personal item is done by
its person, or recorded on their behalf by a coordinator with a note."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trinn.engine.errors import CommandError, RefusedError
from trinn.engine.history import history_entry
from trinn.engine.people import People, Person
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui.cli import app
from trinn.tui.cli.render import history_lines

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
PARTNERS = """\
id: test.partners
version: 1
language: en
title: Partners
subject: {title: Name, field: name}
roles:
  lead: {title: Lead}
  member: {title: Member}
fields:
  name: {type: text, label: Name, required: true}
  candidates: {type: text_list, label: Candidates, edit: [lead]}
  signers: {type: person_list, label: Signers, edit: [lead]}
  fit: {type: choice, label: Fit, options: [yes, no], required: true}
  why: {type: text, label: Why}
  signed_on: {type: date, label: Signed on}
forms:
  assessment: {title: Assessment, fields: [fit, why]}
  signature: {title: Signature, fields: [signed_on]}
initial: assessing
states:
  assessing:
    title: Assessing
    tasks:
      - {id: assess, title: Assess a candidate, role: lead, for_each: candidates, form: assessment}
  signing:
    title: Signing
    tasks:
      - id: sign
        title: Sign the contract
        role: member
        for_each: signers
        form: signature
        personal: true
        on_behalf: [lead]
  done: {title: Done, final: true}
transitions:
  - trigger: choose
    from: assessing
    to: signing
    by: lead
    when: >-
      tasks.assess.records.all(r, r.done)
      && tasks.assess.records.exists(r, r.answers.fit == "yes")
  - {trigger: finish, from: signing, to: done, by: lead, when: "tasks.sign.records.all(r, r.done)"}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "partners.yaml").write_text(PARTNERS)
    (tmp_path / "people.yaml").write_text(
        "lea: {name: Lea, roles: [lead]}\n"
        "anna: {name: Anna, roles: [member]}\n"
        "bjorn: {name: Bjorn, roles: [member]}\n"
    )
    return tmp_path


@pytest.fixture
def service(folder: Path) -> Service:
    store = Store(open_database("sqlite:///" + str(folder / "trinn.db")))
    people = People(
        [
            Person("lea", "Lea", None, frozenset({"lead"})),
            Person("anna", "Anna", None, frozenset({"member"})),
            Person("bjorn", "Bjorn", None, frozenset({"member"})),
            Person("cato", "Cato", None, frozenset({"member"})),
        ]
    )
    return Service(store, PlaybookRegistry([folder]), people, clock=lambda: NOW)


def _open(service: Service) -> int:
    fields = {"name": "Acme", "candidates": ["alfa", "beta"], "signers": ["anna", "bjorn"]}
    return service.open_case("test.partners", fields, actor="lea").id


def test_records_each_item_keeps_its_own_answers(service: Service) -> None:
    case_id = _open(service)
    service.submit_form(case_id, "assessment", {"fit": "no", "why": "too far"}, actor="lea", item="alfa")
    service.submit_form(case_id, "assessment", {"fit": "yes"}, actor="lea", item="beta")
    case = service.queries.load(case_id)[0]
    answers = {t.item: t.answers for t in case.current_tasks()}
    assert answers == {"alfa": {"fit": "no", "why": "too far"}, "beta": {"fit": "yes"}}
    assert "fit" not in case.fields  # the case's own fields are not written
    history = [e.details.get("done") for e in service.queries.history(case_id) if e.kind == "form"]
    assert history == [
        [{"task": "assess", "item": "alfa", "answers": {"fit": "no", "why": "too far"}}],
        [{"task": "assess", "item": "beta", "answers": {"fit": "yes"}}],
    ]
    # the plain `trinn history` line shows the record beside its item
    lines = history_lines([history_entry(e) for e in service.queries.history(case_id)], "en")
    assert 'form assessment (assess [alfa]: fit="no", why="too far")' in lines[1]
    assert 'form assessment (assess [beta]: fit="yes")' in lines[2]


def test_records_a_form_of_several_items_needs_the_item_named(service: Service) -> None:
    case_id = _open(service)
    with pytest.raises(CommandError) as refused:
        service.submit_form(case_id, "assessment", {"fit": "yes"}, actor="lea")
    assert refused.value.message == (
        "form 'assessment' is filled for one item at a time; name one with --item ('alfa', 'beta')"
    )
    with pytest.raises(CommandError) as refused:
        service.submit_form(case_id, "assessment", {"fit": "yes"}, actor="lea", item="alfaa")
    assert refused.value.message == "form 'assessment' has no item 'alfaa' (did you mean 'alfa'?)"


def test_records_a_required_answer_and_done_without_the_form_are_refused(service: Service) -> None:
    case_id = _open(service)
    with pytest.raises(CommandError) as refused:
        service.submit_form(case_id, "assessment", {"why": "no idea"}, actor="lea", item="alfa")
    assert refused.value.message == "form 'assessment' needs 'fit' for 'alfa'"
    with pytest.raises(CommandError) as refused:
        service.complete_task(case_id, "assess", actor="lea", item="alfa")
    assert refused.value.message == (
        "task 'assess' [alfa] is done by filling the form 'assessment' (missing: 'fit')"
    )
    assert all(t.answers is None for t in service.queries.load(case_id)[0].current_tasks())


def test_records_guards_read_every_record(service: Service) -> None:
    case_id = _open(service)
    service.submit_form(case_id, "assessment", {"fit": "no"}, actor="lea", item="alfa")
    with pytest.raises(RefusedError):  # beta not assessed yet
        service.fire(case_id, "choose", actor="lea")
    service.submit_form(case_id, "assessment", {"fit": "no"}, actor="lea", item="beta")
    with pytest.raises(RefusedError):  # assessed, but no candidate fits
        service.fire(case_id, "choose", actor="lea")
    service.reopen_task(case_id, "assess", actor="lea", item="beta")
    service.submit_form(case_id, "assessment", {"fit": "yes"}, actor="lea", item="beta")
    assert service.fire(case_id, "choose", actor="lea").state == "signing"


def _signing(service: Service) -> int:
    case_id = _open(service)
    for item in ("alfa", "beta"):
        service.submit_form(case_id, "assessment", {"fit": "yes"}, actor="lea", item=item)
    service.fire(case_id, "choose", actor="lea")
    return case_id


def test_personal_each_person_signs_their_own_item(service: Service) -> None:
    case_id = _signing(service)
    # anna's own item is found without naming it: the only one she may fill
    service.submit_form(case_id, "signature", {"signed_on": "2026-12-01"}, actor="anna")
    case = service.queries.load(case_id)[0]
    signed = {t.item: (t.status, t.done_by) for t in case.current_tasks()}
    assert signed == {"anna": ("done", "anna"), "bjorn": ("open", None)}


def test_personal_a_member_cannot_sign_for_another(service: Service) -> None:
    case_id = _signing(service)
    with pytest.raises(CommandError) as refused:
        service.submit_form(case_id, "signature", {"signed_on": "2026-12-01"}, actor="bjorn", item="anna")
    assert refused.value.message == (
        "bjorn cannot do «Sign the contract» [anna] for anna: it is anna's own "
        "(only anna, or «Lead» on their behalf with a note)"
    )
    with pytest.raises(CommandError):
        service.complete_task(case_id, "sign", actor="bjorn", item="anna")
    assert all(t.status == "open" for t in service.queries.load(case_id)[0].current_tasks())


def test_personal_a_coordinator_records_it_on_their_behalf_with_a_note(service: Service) -> None:
    case_id = _signing(service)
    with pytest.raises(CommandError) as refused:
        service.submit_form(case_id, "signature", {"signed_on": "2026-12-01"}, actor="lea", item="anna")
    assert refused.value.message == (
        "lea records «Sign the contract» [anna] on anna's behalf: say how with a note (--note)"
    )
    service.submit_form(
        case_id, "signature", {"signed_on": "2026-12-01"}, actor="lea", item="anna", note="signed on paper"
    )
    event = service.queries.history(case_id)[-1]
    assert (event.actor, event.note, event.details["done"]) == (
        "lea",
        "signed on paper",
        [{"task": "sign", "item": "anna", "on_behalf_of": "anna", "answers": {"signed_on": "2026-12-01"}}],
    )
    with pytest.raises(CommandError) as refused:
        service.assign_task(case_id, "sign", "lea", actor="lea", item="bjorn")
    assert refused.value.message == "«Sign the contract» [bjorn] is bjorn's own: it cannot be assigned"


def test_personal_a_nominee_added_later_gets_an_item_and_signatures_stay(service: Service) -> None:
    case_id = _signing(service)
    service.submit_form(case_id, "signature", {"signed_on": "2026-12-01"}, actor="anna")
    service.set_fields(case_id, {"signers": ["anna", "bjorn", "cato"]}, actor="lea")
    case = service.queries.load(case_id)[0]
    signed = {t.item: t.status for t in case.current_tasks()}
    assert signed == {"anna": "done", "bjorn": "open", "cato": "open"}


def _cli(folder: Path, *args: str, user: str = "lea") -> tuple[int, str]:
    env = {"TRINN_DB": f"sqlite:///{folder / 'cli.db'}", "TRINN_PEOPLE": str(folder / "people.yaml")}
    result = CliRunner().invoke(app, ["--playbooks", str(folder), "--as", user, *args], env=env)
    return result.exit_code, result.output


def test_records_cli_item_option_and_show_json(folder: Path) -> None:
    opened = _cli(folder, "open", "test.partners", "--set", "name=Acme", "--set", "candidates=alfa, beta")
    assert opened == (0, "1\n")
    assert _cli(folder, "form", "1", "assessment", "fit=yes", "--item", "beta") == (
        0,
        "case 1: assessing (version 2)\n",
    )
    # the one open item left is the one filled
    assert _cli(folder, "form", "1", "assessment", "fit=no")[1] == "case 1: assessing (version 3)\n"
    output = _cli(folder, "show", "1", "--json")[1]
    shown = {t["item"]: t["answers"] for t in json.loads(output)["tasks"]}
    assert shown["beta"] == {"fit": "yes"}
