"""Running scenario files: each scenario on a fresh in-memory SQLite database, with a stopped clock.

Every step goes through `engine.service.Service`, the same commands `trinn fire`
and friends run, as one user holding every role (or, in the test suite, through the
command line: `run_scenario`'s `via`, engine/scenario_steps.py). A refused step
must leave the case as it was. A failed step or expectation
stops its scenario and is reported at the step's line and column. What the
scenarios took (transitions, states entered) is kept for `--coverage`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trinn.engine.calendar import due_at, local_time
from trinn.engine.case import Case
from trinn.engine.errors import CommandError, Problem, RefusedError, TrinnError
from trinn.engine.links import FormLinks
from trinn.engine.outbox_message import OutboxMessage
from trinn.engine.people import People, Person
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.scenario import (
    DEFAULT_START,
    Expectation,
    LoadedScenarios,
    MessageExpectation,
    Scenario,
    Step,
)
from trinn.engine.scenario_steps import Commands, ServiceCommands, StepRefused
from trinn.engine.service import Service
from trinn.engine.source import Loc
from trinn.engine.status import TaskStatus
from trinn.engine.store import Store, open_database
from trinn.engine.values import parse_moment

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = [
    "ACTOR",
    "SCENARIO_BASE_URL",
    "Coverage",
    "ScenarioResult",
    "Via",
    "coverage_gaps",
    "run_scenario",
    "run_scenarios",
]

ACTOR = "tester"  # holds every role, as the single user without a people file does
SCENARIO_BASE_URL = "https://trinn.example"  # where the links in a scenario's messages point
Via = Callable[[Service], Commands]  # the run's service -> the interface its steps go through


class _Failed(Exception):
    def __init__(self, loc: Loc, message: str, *, at_key: bool = False) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.at_key = at_key


@dataclass
class ScenarioResult:
    name: str
    failure: Problem | None = None
    transitions: set[int] = field(default_factory=set)
    states: set[str] = field(default_factory=set)

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass
class _Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


class _Run:
    """One scenario's database, clock and case."""

    def __init__(
        self, loaded: LoadedScenarios, index: int, registry: PlaybookRegistry, database: str, via: Via | None
    ) -> None:
        self.loaded = loaded
        self.index = index
        self.scenario: Scenario = loaded.spec.scenarios[index]
        start = self.scenario.start or loaded.spec.start
        self.clock = _Clock(parse_moment(start) if start else DEFAULT_START)
        self.store = Store(open_database(database))
        # a key of this run's own: the links messages carry work in its `web` steps only
        links = FormLinks(secrets.token_urlsafe(32), SCENARIO_BASE_URL)
        # the tester holds every role; the file's people (whom steps act `as:`) hold theirs
        people = People(
            [
                *People.single_user(ACTOR).by_id.values(),
                *(Person(pid, pid, None, frozenset(roles)) for pid, roles in loaded.spec.people.items()),
            ]
        )
        self.service = Service(self.store, registry, people, clock=self.clock, links=links)
        # the steps go to the service, or through what `via` builds on it (the command line)
        self.commands: Commands = via(self.service) if via else ServiceCommands(self.service, ACTOR)
        self.case_id = 0
        self.spec: PlaybookSpec | None = None
        self.seen_outbox = 0

    def loc(self, *parts: str | int) -> Loc:
        return ("scenarios", self.index, *parts)

    def run(self) -> ScenarioResult:
        result = ScenarioResult(self.scenario.name)
        try:
            self.open()
            for j, step in enumerate(self.scenario.steps):
                try:
                    self.step(j, step)
                except TrinnError as exc:  # not a refusal: an expression or a due date that fails
                    raise _Failed(self.loc("steps", j), f"'{step.action}' failed: {exc}") from None
        except _Failed as failed:
            source_map = self.loaded.source_map
            line, column = source_map.key(failed.loc) if failed.at_key else source_map.value(failed.loc)
            result.failure = Problem(self.loaded.path, line, column, failed.message)
        finally:
            self.taken(result)
            self.store.close()
        return result

    def open(self) -> None:
        try:
            self.case_id = self.commands.open_case(str(self.loaded.playbook), self.scenario.open)
        except CommandError as exc:
            raise _Failed(
                self.loc("open") if self.scenario.open else self.loc("name"),
                f"cannot open the case: {exc.message}",
            ) from None
        self.spec = self.service.registry.current(str(self.loaded.playbook)).spec

    def step(self, j: int, step: Step) -> None:
        loc = self.loc("steps", j)
        action = step.action
        if action == "expect":
            assert step.expect is not None
            self.expect((*loc, "expect"), step.expect)
            return
        if action == "advance":
            assert step.advance is not None and self.spec is not None
            self.clock.now = due_at(self.clock.now, step.advance, self.spec.language)
            self.commands.tick()
            return
        version = self.version()
        try:
            self.commands.step(self.case_id, step)
        except CommandError as exc:
            if step.refused is None:
                raise _Failed((*loc, action), f"'{action}' was refused: {exc.message}") from None
            # said in words, or as the guard that is false with what it read (designers' view)
            explained = exc.explained if isinstance(exc, RefusedError | StepRefused) else []
            if not any(step.refused in text for text in (exc.message, *explained)):
                raise _Failed(
                    (*loc, "refused"), f"refused, but not for '{step.refused}': {exc.message}"
                ) from None
            if self.version() != version:  # a refusal writes nothing
                raise _Failed((*loc, action), f"'{action}' was refused, but the case changed") from None
            return
        if step.refused is not None:
            raise _Failed(
                (*loc, "refused"), f"expected '{action}' to be refused ('{step.refused}'), but it was done"
            )

    def version(self) -> int:
        case, _compiled, _children = self.service.queries.load(self.case_id)
        return case.row_version

    # expectations -----------------------------------------------------------------

    def expect(self, loc: Loc, expected: Expectation) -> None:
        case, compiled, children = self.service.queries.load(self.case_id)
        language = compiled.spec.language
        if expected.state is not None and case.state != expected.state:
            raise _Failed(
                (*loc, "state"), f"expected state '{expected.state}', the case is in '{case.state}'"
            )
        if expected.closed is not None and case.is_closed != expected.closed:
            word = "closed" if case.is_closed else "open"
            raise _Failed(
                (*loc, "closed"),
                f"expected the case {'closed' if expected.closed else 'open'}"
                f", it is {word} (state '{case.state}')",
            )
        if expected.outcome is not None and case.outcome != expected.outcome:
            raise _Failed(
                (*loc, "outcome"), f"expected outcome '{expected.outcome}', got {_shown(case.outcome)}"
            )
        if expected.tasks is not None:
            open_now = sorted(_open_tasks(case))
            if open_now != sorted(expected.tasks):
                raise _Failed(
                    (*loc, "tasks"),
                    f"expected open tasks {_names(expected.tasks)}, the case has {_names(open_now)}",
                )
        for label, when in (expected.due or {}).items():
            self.due((*loc, "due", label), case, label, when, language)
        for name, value in (expected.fields or {}).items():
            have = case.fields.get(name)
            if not _same(have, value):
                raise _Failed(
                    (*loc, "fields", name), f"expected field '{name}' = {_shown(value)}, got {_shown(have)}"
                )
        if expected.messages is not None:
            self.messages((*loc, "messages"), [self.case_id, *children], expected.messages)

    def due(self, loc: Loc, case: Case, label: str, when: str, language: str) -> None:
        records = _open_tasks(case)
        if label not in records:
            raise _Failed(loc, f"no open task '{label}' (open: {_names(sorted(records))})", at_key=True)
        have = records[label].due_at
        if have is None:
            raise _Failed(loc, f"task '{label}' has no due date")
        moment = parse_moment(when)
        date_only = len(when.strip()) <= 10
        if date_only and _due_day(have, language) != moment.date():
            raise _Failed(
                loc, f"expected '{label}' due on {moment.date()}, it is due on {_due_day(have, language)}"
            )
        if not date_only and have != moment:
            raise _Failed(
                loc, f"expected '{label}' due at {moment.isoformat()}, it is due at {have.isoformat()}"
            )

    def messages(self, loc: Loc, case_ids: list[int], expected: list[MessageExpectation]) -> None:
        rows = [
            r
            for case_id in case_ids
            for r in self.service.queries.outbox(case_id)
            if r.id > self.seen_outbox and r.kind == "notify"
        ]
        rows.sort(key=lambda r: int(r.id))
        if rows:
            self.seen_outbox = max(r.id for r in rows)
        queued = [OutboxMessage.from_json(r.payload) for r in rows]
        for i, wanted in enumerate(expected):
            matching = [p for p in queued if _matches(p, wanted)]
            if not matching:
                raise _Failed(
                    (*loc, i), f"no message {_described(wanted)} was queued (queued: {_queued(queued)})"
                )
            if wanted.contains is not None:
                found = [p for p in matching if wanted.contains in _text(p)]
                if not found:
                    raise _Failed(
                        (*loc, i, "contains"),
                        f"message {_described(wanted)} does not "
                        f"contain '{wanted.contains}' (it reads: {_text(matching[0])!r})",
                    )
                matching = found
            queued.remove(matching[0])
        if queued:
            raise _Failed(loc, f"also queued: {_queued(queued)}", at_key=True)

    def taken(self, result: ScenarioResult) -> None:
        """The transitions and states of this scenario's playbook that its cases went through."""
        if self.spec is None:
            return
        queries = self.service.queries
        for row in queries.cases(playbook=self.spec.id):
            for event in queries.history(int(row.id)):
                if event.kind == "open":
                    result.states.add(event.state_after)
                for moved in (event.details or {}).get("transitions", []):
                    result.transitions.add(int(moved["index"]))
                    result.states.add(moved["to"])


def _due_day(moment: dt.datetime, language: str) -> dt.date:
    """The day something is due on: a due time of local midnight is the end of the day before."""
    local = local_time(moment, language)
    return local.date() - dt.timedelta(days=1) if local.time() == dt.time(0) else local.date()


def _open_tasks(case: Case) -> dict[str, Any]:
    return {t.label(): t for t in case.current_tasks() if t.status == TaskStatus.OPEN}


def _matches(queued: OutboxMessage, wanted: MessageExpectation) -> bool:
    if wanted.message is not None and queued.message != wanted.message:
        return False
    if wanted.calendar is not None and f"METHOD:{wanted.calendar}" not in (queued.ics or ""):
        return False
    if wanted.attached is not None and [str(a.get("name")) for a in queued.attachments] != wanted.attached:
        return False
    return wanted.to is None or queued.names(wanted.to)


def _text(queued: OutboxMessage) -> str:
    return f"{queued.title or ''}\n{queued.body or ''}".strip()


def _described(wanted: MessageExpectation) -> str:
    parts = [f"'{wanted.message}'" if wanted.message else "any"]
    if wanted.calendar:
        parts.append(f"with a {wanted.calendar} invitation")
    if wanted.attached is not None:
        parts.append(
            "with " + (", ".join(f"'{name}'" for name in wanted.attached) or "no files") + " attached"
        )
    if wanted.to:
        parts.append(f"to '{wanted.to}'")
    return " ".join(parts)


def _queued(queued: Iterable[OutboxMessage]) -> str:
    shown = []
    for m in queued:
        reason = f"{m.reason} {m.meeting['method']}" if m.meeting else str(m.reason)
        shown.append(f"'{m.message}' to {', '.join(m.addressed()) or 'nobody'} ({reason})")
    return "; ".join(shown) or "none"


def _names(names: Iterable[str]) -> str:
    listed = ", ".join(f"'{n}'" for n in names)
    return f"[{listed}]"


def _shown(value: Any) -> str:
    return "nothing" if value is None else repr(value)


def _same(have: Any, expected: Any) -> bool:
    """A stored value against one written in YAML: numbers by value, dates and the rest as text."""
    if have == expected:
        return True
    numbers = (int, float)
    if isinstance(have, numbers) and isinstance(expected, numbers):
        return float(have) == float(expected)
    return have is not None and expected is not None and str(have) == str(expected)


def run_scenarios(loaded: LoadedScenarios, registry: PlaybookRegistry | None = None) -> list[ScenarioResult]:
    """Run every scenario of a file, each on its own in-memory database, through the service;
    PlaybookError if the playbook fails."""
    registry = registry or PlaybookRegistry([loaded.playbook.parent])
    registry.current(str(loaded.playbook))  # a broken playbook is the file's error, not a failure
    return [_Run(loaded, i, registry, "sqlite://", None).run() for i in range(len(loaded.spec.scenarios))]


def run_scenario(
    loaded: LoadedScenarios, index: int, *, database: str, via: Via, registry: PlaybookRegistry | None = None
) -> ScenarioResult:
    """Run one scenario on the (empty) database at `database`, its steps sent through what
    `via` builds on the run's service: another interface walking the same file."""
    registry = registry or PlaybookRegistry([loaded.playbook.parent])
    registry.current(str(loaded.playbook))
    return _Run(loaded, index, registry, database, via).run()


@dataclass(frozen=True)
class Coverage:
    """What no scenario of a playbook took: (line, column, text) of each transition and state."""

    transitions: list[tuple[int, int, str]]
    states: list[tuple[int, int, str]]


def coverage_gaps(spec: PlaybookSpec, source_map: Any, results: Iterable[ScenarioResult]) -> Coverage:
    results = list(results)
    taken = {i for r in results for i in r.transitions}
    visited = {s for r in results for s in r.states}
    transitions = []
    for i, t in enumerate(spec.transitions):
        if i not in taken:
            line, column = source_map.value(("transitions", i))
            sources = "*" if t.from_any else ", ".join(t.sources)
            transitions.append(
                (line, column, f"transition '{t.trigger}' ({sources} -> {t.to}) is not taken by any scenario")
            )
    states = []
    for state_id in spec.states:
        if state_id not in visited:
            line, column = source_map.key(("states", state_id))
            states.append((line, column, f"state '{state_id}' is not reached by any scenario"))
    return Coverage(transitions, states)
