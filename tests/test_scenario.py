"""Scenario files: read with positions, run through the service, failures said at the step.

The playbook under test is the English one `trinn new` writes (tests/test_design_commands.py
keeps it checking, linting and testing clean).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from trinn.engine.scenario import ScenarioError, load_scenarios
from trinn.engine.scenario_run import run_scenarios
from trinn.engine.starter import starter_files


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in starter_files("proc", "en").items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _failures(folder: Path, text: str) -> list[str | None]:
    path = folder / "proc.test.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    results = run_scenarios(load_scenarios(path, display="proc.test.yaml"))
    return [str(r.failure) if r.failure else None for r in results]


def _problems(folder: Path, text: str) -> list[str]:
    path = folder / "proc.test.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenarios(path, display="proc.test.yaml")
    return [str(p) for p in info.value.problems]


def test_scenario_starter_file_passes(folder: Path) -> None:
    results = run_scenarios(load_scenarios(folder / "proc.test.yaml"))
    assert [(r.name, r.passed) for r in results] == [
        ("the board approves", True),
        ("the board rejects with a reason", True),
    ]
    assert set().union(*(r.transitions for r in results)) == {0, 1, 2}


def test_scenario_file_problems_have_positions(folder: Path) -> None:
    assert _problems(
        folder,
        """\
        start: next monday
        scenarios:
          - name: one
            steps:
              - {fire: approve, done: review}
              - {expect: {stat: created}}
              - {advance: 3 fortnights}
              - {set: {name: x}, with: {a: 1}}
          - name: one
        """,
    ) == [
        "proc.test.yaml:1:8: invalid time 'next monday' (write e.g. '2026-01-05T09:00:00Z' or '2026-01-05')",
        "proc.test.yaml:5:9: a step has exactly one of 'fire', 'done', 'reopen', 'form', 'web', 'set', "
        "'advance', 'expect' (found fire, done)",
        "proc.test.yaml:6:19: unknown key 'stat' (did you mean 'state'?)",
        "proc.test.yaml:7:19: invalid duration '3 fortnights' (write e.g. '10 workdays', '14 days', "
        "'2 weeks', '3 months', '1 year' or '4 hours')",
        "proc.test.yaml:8:9: 'with' goes with 'fire', 'form' or 'web'",
    ]


def test_scenario_duplicate_names_and_missing_playbook(folder: Path) -> None:
    assert _problems(
        folder,
        """\
        playbook: other.yaml
        scenarios:
          - {name: one}
          - {name: one}
        """,
    ) == [
        "proc.test.yaml:1:11: no playbook 'other.yaml' beside it (name it with 'playbook:')",
        "proc.test.yaml:4:12: duplicate scenario name 'one' (first used on line 3)",
    ]


def test_scenario_failures_are_said_at_the_step(folder: Path) -> None:
    assert _failures(
        folder,
        """\
        scenarios:
          - name: wrong state
            open: {name: Acme}
            steps:
              - expect: {state: in_review}
          - name: refused for another reason
            open: {name: Acme}
            steps:
              - fire: send_for_review
                refused: "description = None"
          - name: not refused
            open: {name: Acme}
            steps:
              - set: {reason: x}
                refused: "anything"
          - name: refused unexpectedly
            open: {name: Acme}
            steps:
              - fire: approve
          - name: cannot open
            steps: []
          - name: tasks and due dates
            open: {name: Acme}
            steps:
              - expect: {tasks: [review]}
          - name: due date
            open: {name: Acme}
            steps:
              - expect: {due: {describe: 2026-01-09}}
          - name: fields
            open: {name: Acme}
            steps:
              - expect: {fields: {name: Acme Ltd}}
        """,
    ) == [
        "proc.test.yaml:5:25: expected state 'in_review', the case is in 'created'",
        "proc.test.yaml:10:18: refused, but not for 'description = None': cannot "
        "«Send for review» in «Created» (task «Describe the case» is not done)",
        "proc.test.yaml:15:18: expected 'set' to be refused ('anything'), but it was done",
        "proc.test.yaml:19:15: 'fire' was refused: cannot «Approve» in «Created» (allowed: send_for_review)",
        "proc.test.yaml:20:11: cannot open the case: 'proc' needs 'name'",
        "proc.test.yaml:25:25: expected open tasks ['review'], the case has ['describe']",
        "proc.test.yaml:29:34: expected 'describe' due on 2026-01-09, it is due on 2026-01-12",
        "proc.test.yaml:33:33: expected field 'name' = 'Acme Ltd', got 'Acme'",
    ]


_TO_REVIEW = """\
    scenarios:
      - name: messages
        open: {name: Acme}
        steps:
          - form: describe_case
            with: {description: A case, contact_email: kontakt@example.org}
          - fire: send_for_review
          - expect:
              messages: %s
    """


def test_scenario_messages_are_matched_exactly(folder: Path) -> None:
    assert _failures(folder, _TO_REVIEW % "[]") == [
        "proc.test.yaml:9:11: also queued: 'for_review' to board (notify)"
    ]
    assert _failures(folder, _TO_REVIEW % "[{to: coordinator, message: for_review}]") == [
        "proc.test.yaml:9:22: no message 'for_review' to 'coordinator' was queued "
        "(queued: 'for_review' to board (notify))"
    ]
    assert _failures(folder, _TO_REVIEW % "[{to: board}]") == [None]


def test_scenario_contains_searches_the_rendered_text(folder: Path) -> None:
    assert _failures(folder, _TO_REVIEW % "[{message: for_review, contains: Acme is late}]") == [
        "proc.test.yaml:9:54: message 'for_review' does not contain 'Acme is late' "
        '(it reads: "For review: Acme\\nThe case Acme is ready for the board\'s review.")'
    ]
    assert _failures(folder, _TO_REVIEW % "[{message: for_review, contains: case Acme is}]") == [None]
