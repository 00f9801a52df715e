"""Scenario files (`<playbook>.test.yaml`): named walks through a playbook, with expectations.

    playbook: partner.yaml          # beside this file; default: the name without `.test`
    start: 2026-01-05T08:00:00Z     # when the clock starts (UTC unless a zone is given)
    scenarios:
      - name: the board approves
        open: {organisation: Acme}
        steps:
          - done: prepare
          - fire: reject
            refused: "reason = null"         # the step must be refused: a text in its reason
          - fire: approve
            with: {decision: approved}       # values set first; the guard sees them
            against_advice: "the board met"  # the reason, when the step goes against advice
          - advance: 10 days                 # the clock moves on, and due timers fire
          - expect: {state: approved, tasks: [], messages: [{to: contact_email, message: welcome}]}

Steps are maps with one action (`fire`, `done`, `reopen`, `form`, `set`, `advance`,
`expect`) and its options (`with`, `item`, `note`, `as`, `against_advice`, `refused`).
`as: anna` acts as a person of the file's `people:` (`anna: [deltaker]`, her roles); other
steps act as a tester who holds every role. The file is read with
the playbook loader's YAML reader, so a mistake in it is reported as file:line:col.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from trinn.engine.errors import FileProblemsError, Problem, os_reason
from trinn.engine.source import SourceMap, parse_yaml, read_capped
from trinn.engine.spec import Duration
from trinn.engine.validation import validate_model
from trinn.engine.values import ValueProblem, parse_moment

__all__ = [
    "DEFAULT_START",
    "Expectation",
    "LoadedScenarios",
    "MessageExpectation",
    "Scenario",
    "ScenarioError",
    "ScenarioFile",
    "Step",
    "load_scenarios",
    "scenario_file_for",
]

DEFAULT_START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Oslo
ACTIONS = ("fire", "done", "reopen", "form", "web", "set", "advance", "expect")
SUFFIXES = (".test.yaml", ".test.yml")


class ScenarioError(FileProblemsError):
    """A scenario file that cannot be read or run, with every problem found."""


def _moment(text: str) -> str:
    """A date or time as `--now` takes it (engine.values.parse_moment); checked, kept as written."""
    try:
        parse_moment(text)
    except ValueProblem:
        raise ValueError(
            f"invalid time '{text}' (write e.g. '2026-01-05T09:00:00Z' or '2026-01-05')"
        ) from None
    return text


Moment = Annotated[str, AfterValidator(_moment)]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MessageExpectation(_Model):
    """A message queued: to whom (a role, a person, a field or an address), which, containing what."""

    to: str | None = None
    message: Name | None = None
    contains: str | None = Field(None, description="text found in the rendered title or body")
    calendar: Literal["REQUEST", "CANCEL"] | None = Field(
        None, description="a meeting's .ics is attached, with this METHOD"
    )
    attached: list[str] | None = Field(
        None, description="the names of the files it carries (`attach:`), exactly"
    )


class Expectation(_Model):
    """What must hold after the steps before it; only the keys given are checked."""

    state: Name | None = None
    closed: bool | None = None
    outcome: str | None = None
    tasks: list[str] | None = Field(None, description="the open tasks, exactly ('task [item]')")
    due: dict[str, Moment] | None = Field(None, description="task: due date or time")
    fields: dict[str, Any] | None = None
    messages: list[MessageExpectation] | None = Field(
        None, description="the messages queued since the last expectation, exactly"
    )


class Step(_Model):
    fire: Name | None = None
    done: Name | None = None
    reopen: Name | None = None
    form: Name | None = None
    web: Name | None = Field(
        None, description="a public form, filled by its outside party from its link (`trinn serve`)"
    )
    set: dict[str, Any] | None = None
    advance: Duration | None = None
    expect: Expectation | None = None
    with_: dict[str, Any] | None = Field(None, alias="with")
    item: str | None = None
    note: str | None = None
    as_: Name | None = Field(
        None,
        alias="as",
        description="who acts: a person of the file's 'people' (default: a tester holding every role)",
    )
    against_advice: str | None = Field(
        None, description="with 'fire': the reason for going against the transition's advice"
    )
    refused: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        None,
        description="the step must be refused, with this text in the reason said in words or in "
        "the guard that is false with the values it read ('begrunnelse = null')",
    )

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        given = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "a step has exactly one of "
                + ", ".join(f"'{a}'" for a in ACTIONS)
                + (f" (found {', '.join(given)})" if given else "")
            )
        if self.with_ is not None and self.action not in ("fire", "form", "web"):
            raise ValueError("'with' goes with 'fire', 'form' or 'web'")
        if self.item is not None and self.action not in ("done", "reopen", "form", "web"):
            raise ValueError("'item' goes with 'done', 'reopen', 'form' or 'web'")
        if self.as_ is not None and self.action in ("advance", "expect", "web"):
            raise ValueError(f"'{self.action}' is done by no one: 'as' goes with a person's command")
        if self.against_advice is not None and self.action != "fire":
            raise ValueError("'against_advice' goes with 'fire'")
        if self.refused is not None and self.action in ("advance", "expect"):
            raise ValueError(f"'{self.action}' cannot be refused")
        return self

    @property
    def action(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)


class Scenario(_Model):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    start: Moment | None = None
    open: dict[str, Any] = Field(default_factory=dict, description="the case's first fields")
    steps: list[Step] = Field(default_factory=list)


class ScenarioFile(_Model):
    playbook: str | None = Field(None, description="the playbook file, relative to this file")
    start: Moment | None = None
    people: dict[Name, list[Name]] = Field(
        default_factory=dict,
        description="people steps act as ('as: anna'), with their roles; the tester holds every role",
    )
    scenarios: Annotated[list[Scenario], Field(min_length=1)]


@dataclass(frozen=True)
class LoadedScenarios:
    spec: ScenarioFile
    path: str
    playbook: Path
    source_map: SourceMap


def scenario_file_for(playbook: Path) -> Path | None:
    """The scenario file beside a playbook, if there is one."""
    for suffix in SUFFIXES:
        candidate = playbook.with_name(playbook.name.rsplit(".", 1)[0] + suffix)
        if candidate.is_file():
            return candidate
    return None


def _default_playbook(path: Path) -> Path:
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.with_name(path.name[: -len(suffix)] + ".yaml")
    return path.with_suffix(".yaml")


def load_scenarios(path: Path, display: str | None = None) -> LoadedScenarios:
    """Read and validate a scenario file; ScenarioError holds every problem with its position."""
    shown = display or str(path)
    try:
        raw = read_capped(path)
    except OSError as exc:
        raise ScenarioError(shown, [Problem(shown, 1, 1, f"cannot read: {os_reason(exc)}")]) from exc
    data, source_map, problems = parse_yaml(raw, shown)
    if problems:
        raise ScenarioError(shown, problems)
    if not isinstance(data, dict):
        raise ScenarioError(
            shown, [source_map.problem((), "a scenario file is a map of keys", "start with 'scenarios:'")]
        )
    spec, problems = validate_model(ScenarioFile, data, source_map)
    if spec is None:
        raise ScenarioError(shown, problems)
    playbook = path.parent / spec.playbook if spec.playbook else _default_playbook(path)
    names: dict[str, int] = {}
    for i, scenario in enumerate(spec.scenarios):
        if scenario.name in names:
            problems.append(
                source_map.problem(
                    ("scenarios", i, "name"),
                    f"duplicate scenario name '{scenario.name}'",
                    f"first used on line {names[scenario.name]}",
                )
            )
        names.setdefault(scenario.name, source_map.value(("scenarios", i, "name"))[0])
    if not playbook.is_file():
        loc = ("playbook",) if spec.playbook else ()
        problems.append(
            source_map.problem(loc, f"no playbook '{playbook.name}' beside it", "name it with 'playbook:'")
        )
    if problems:
        raise ScenarioError(shown, problems)
    return LoadedScenarios(spec, shown, playbook, source_map)
