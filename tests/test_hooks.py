"""Hooks on completion: a task's `on_complete` and a form's `on_submit` actions run in the command's
own transaction (notify, set, start_case), and a refused hook writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from trinn.engine.errors import CommandError
from trinn.engine.history import history_entry
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.tui.cli.render import history_lines

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
CASES = Path(__file__).parent / "data" / "cases"
REVIEW = """\
id: test.review
version: 1
language: en
title: Review
subject: {title: Name, field: name}
roles:
  lead: {title: Lead}
  board: {title: Board}
fields:
  name: {type: text, label: Name, required: true}
  review: {type: long_text, label: Review}
  reviews: {type: number, label: Reviews, default: 0}
  helpers: {type: text_list, label: Helpers}
messages:
  ready: {title: "Review of {{ name }} ready", body: "{{ review }}"}
  thanks: {title: Thanks, body: "Thank you, {{ name }}"}
forms:
  review:
    title: Review
    fields: [review]
    on_submit:
      - set: {reviews: "reviews + 1"}
      - notify: {to: board, message: ready}
initial: reviewing
states:
  reviewing:
    title: Reviewing
    tasks:
      - {id: write_review, title: Write the review, role: lead, form: review}
      - id: welcome
        title: Welcome
        role: lead
        on_complete:
          - notify: {to: lead, message: thanks}
          - set: {helpers: "['ada', 'bo']"}
          - start_case: {playbook: test.followup, fields: {org: "name"}}
      - {id: thank_helper, title: Thank a helper, role: lead, for_each: helpers}
  done: {title: Done, final: true}
transitions:
  - {trigger: finish, from: reviewing, to: done, by: board, when: tasks_done}
"""


@pytest.fixture
def service(tmp_path: Path) -> Service:
    (tmp_path / "review.yaml").write_text(REVIEW)
    (tmp_path / "followup.yaml").write_text((CASES / "followup.yaml").read_text())
    store = Store(open_database("sqlite:///" + str(tmp_path / "trinn.db")))
    return Service(store, PlaybookRegistry([tmp_path]), People.single_user("kari"), clock=lambda: NOW)


def _messages(service: Service, case_id: int) -> list[tuple[str, str]]:
    return [(row.payload["message"], row.payload["title"]) for row in service.queries.outbox(case_id)]


def test_hooks_on_submit_sets_and_notifies_in_the_same_command(service: Service) -> None:
    case_id = service.open_case("test.review", {"name": "Acme"}, actor="kari").id
    service.submit_form(case_id, "review", {"review": "Fine work."}, actor="kari")
    case = service.queries.load(case_id)[0]
    assert case.fields["reviews"] == 1
    assert _messages(service, case_id) == [("ready", "Review of Acme ready")]
    event = service.queries.history(case_id)[-1]
    assert (event.kind, event.details["hooks"]) == ("form", [{"form": "review"}])
    assert "(on_submit of review ran)" in history_lines([history_entry(event)], "en")[0]


def test_hooks_on_complete_starts_a_case_and_makes_the_tasks_of_the_list_it_sets(service: Service) -> None:
    case_id = service.open_case("test.review", {"name": "Acme"}, actor="kari").id
    service.complete_task(case_id, "welcome", actor="kari")
    case, _compiled, children = service.queries.load(case_id)
    assert sorted(t.label() for t in case.current_tasks() if t.status == "open") == [
        "thank_helper [ada]",
        "thank_helper [bo]",
        "write_review",
    ]
    assert _messages(service, case_id) == [("thanks", "Thanks")]
    assert len(children) == 1 and service.queries.load(children[0])[0].fields == {"org": "Acme"}


def test_hooks_a_failing_hook_undoes_the_whole_command(service: Service, tmp_path: Path) -> None:
    followup = tmp_path / "followup.yaml"  # the case it starts needs a field the hook does not give
    followup.write_text(
        followup.read_text().replace(
            "fields:\n", "fields:\n  owner: {type: text, label: Owner, required: true}\n"
        )
    )
    case_id = service.open_case("test.review", {"name": "Acme"}, actor="kari").id
    with pytest.raises(CommandError) as refused:
        service.complete_task(case_id, "welcome", actor="kari")
    assert str(refused.value) == "case 1: start_case 'test.followup': 'test.followup' needs 'owner'"
    case = service.queries.load(case_id)[0]
    assert [t.status for t in case.current_tasks() if t.task_id == "welcome"] == ["open"]
    assert (case.fields.get("helpers"), _messages(service, case_id)) == (None, [])
