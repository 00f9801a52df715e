"""Store benchmark: trinn's commands on SQLite, every figure beside a baseline measured in the same run.

    python bench/store_bench.py [--json] [--profile]

The walk is the scenario 'godkjent og formalisert' of playbooks/padriv-fase-7-2.test.yaml
(its commands; see `walk`), so it follows the playbook as the playbook changes.

1. Commands per second for a realistic mix through the Service (fase 7.2 cases walked
   step by step, round robin: fire with guards and actions, done, form, set) on an SQLite
   file (WAL, synchronous=FULL, BEGIN IMMEDIATE), against the bare cost of the very same SQL:
   the statements trinn sent, recorded and replayed through the sqlite3 module on a database
   with the same tables and PRAGMAs, one transaction per command, plus a bare
   transitions.Machine fire per command (target: trinn >= 0.75 of bare); the two run
   interleaved, step by step of the walk. open_case is timed on its own line. The service
   runs with fase 7.2 compiled, as a running trinn does; compiling it (once per process)
   is reported on its own line.
2. Listing 10,000 open cases (beside 2,000 closed ones): `Service.cases(closed=False)`
   (target < 0.1 s) against the same SELECT on sqlite3, and the whole process
   `trinn --db FILE cases --open` (target < 0.5 s) against a bare `python -c pass`.
3. A completed, persisted fase 7.2 case, trinn against the same process run by SpiffWorkflow
   (bench/spiff/padriv-fase-7-2.bpmn), its state serialized and saved to SQLite (same PRAGMAs,
   one commit per step) after every step, the same steps (target: trinn >= 4x faster);
   trinn's playbook is compiled before the timing, as SpiffWorkflow's BPMN is parsed before its.
   Skipped, in one line, when SpiffWorkflow is not installed (the `bench` extra).

--profile adds a cProfile of part 1: its open_case calls, and its mix, each on its own.
Targets are reported, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import hashlib
import io
import json
import os
import pstats
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bare import bare_machine  # noqa: E402
from bench.bulk import bulk_database, case_row  # noqa: E402
from trinn.engine.compiler import CompiledPlaybook  # noqa: E402
from trinn.engine.files import Upload  # noqa: E402
from trinn.engine.links import FormLinks  # noqa: E402
from trinn.engine.people import People  # noqa: E402
from trinn.engine.registry import PlaybookRegistry  # noqa: E402
from trinn.engine.scenario import load_scenarios  # noqa: E402
from trinn.engine.scenario_steps import given  # noqa: E402
from trinn.engine.service import Service  # noqa: E402
from trinn.engine.store import Store, open_database  # noqa: E402
from trinn.engine.store.driver import TransactionBase  # noqa: E402
from trinn.engine.store.tables import cases, metadata  # noqa: E402

PLAYBOOK = "padriv.fase-7-2"
ACTOR = "bench"
LINK_KEY = "bench-only-key-for-the-links-in-messages-0123456789"
BPMN = Path(__file__).resolve().parent / "spiff" / "padriv-fase-7-2.bpmn"
BPMN_PROCESS = "padriv_fase_7_2"
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


@dataclass(frozen=True)
class Step:
    """One command of the walk; `bpmn` is the BPMN user task the same step completes."""

    kind: str  # form, done, fire, set
    name: str | None = None  # the form, task or trigger
    values: Mapping[str, Any] = field(default_factory=dict)
    bpmn: str | None = None

    @property
    def bpmn_task(self) -> str | None:
        return self.bpmn or self.name


# The walk is the scenario file's own (kept passing by the test suite), so it follows the
# playbook as it changes: only a trigger whose decision task has another name in the BPMN is
# named here.
SCENARIOS = ROOT / "playbooks" / "padriv-fase-7-2.test.yaml"
SCENARIO = "godkjent og formalisert"
BPMN_DECISIONS = {"godkjenn": "styringsgruppens_vedtak"}


@dataclass(frozen=True)
class Walk:
    open_values: Mapping[str, Any]
    steps: tuple[Step, ...]


@cache
def walk() -> Walk:
    """fase 7.2 from registration to `formalisert`: the scenario SCENARIO's commands, in the
    Service's terms. Refused steps, expectations and the clock moving on are left out; the
    public form the company fills from its link (`web:`) is filled by Ledelsen, then its
    transition fired, as when the company answers by e-mail (the scenario 'underkjent av
    styringsgruppen' does that)."""
    loaded = load_scenarios(SCENARIOS)
    scenario = next((s for s in loaded.spec.scenarios if s.name == SCENARIO), None)
    if scenario is None:
        raise RuntimeError(f"{SCENARIOS.name} has no scenario '{SCENARIO}'")
    spec = PlaybookRegistry().current(PLAYBOOK).spec
    form_tasks = {t.form: t.id for state in spec.states.values() for t in state.tasks if t.form}
    steps: list[Step] = []
    for s in scenario.steps:
        if s.refused is not None or s.action in ("expect", "advance"):
            continue
        if s.fire is not None:
            steps.append(Step("fire", s.fire, given(s.with_), bpmn=BPMN_DECISIONS.get(s.fire)))
        elif s.done is not None and s.item is None:
            steps.append(Step("done", s.done))
        elif s.set is not None:
            steps.append(Step("set", values=given(s.set)))
        elif (form := s.form or s.web) is not None and s.item is None:
            steps.append(Step("form", form, given(s.with_), bpmn=form_tasks[form]))
            if s.web is not None:
                trigger = spec.forms[form].triggers[0]
                steps.append(Step("fire", trigger, bpmn=BPMN_DECISIONS.get(trigger)))
        else:
            raise RuntimeError(f"the bench does not walk the step {s.model_dump(exclude_none=True)}")
    return Walk(given(scenario.open), tuple(steps))


KINDS = ("fire", "done", "form", "set")


# ---------------------------------------------------------------- helpers


def best_of(runs: int, func: Callable[[], object]) -> float:
    """Seconds per call: the best of `runs` calls (least disturbed)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def new_service(path: Path, registry: PlaybookRegistry | None = None) -> Service:
    """A service as a running trinn has one; with `registry`, on playbooks compiled already.
    It has a key for public forms' links (the invitation carries one, `form_link`)."""
    return Service(
        Store(open_database(str(path))),
        registry or PlaybookRegistry(),
        People.single_user(ACTOR),
        links=FormLinks(LINK_KEY, "https://trinn.example"),
    )


def compile_ms() -> float:
    """Loading, checking and compiling fase 7.2: once per process, in a fresh registry."""
    return best_of(3, lambda: PlaybookRegistry().current(PLAYBOOK)) * 1e3


def open_case(service: Service) -> int:
    return service.open_case(PLAYBOOK, walk().open_values, actor=ACTOR).id


def run_step(service: Service, case_id: int, step: Step) -> None:
    if step.kind == "form":
        service.submit_form(case_id, str(step.name), step.values, actor=ACTOR)
    elif step.kind == "done":
        service.complete_task(case_id, str(step.name), actor=ACTOR)
    elif step.kind == "fire":
        service.fire(case_id, str(step.name), actor=ACTOR)
    else:
        service.set_fields(case_id, step.values, actor=ACTOR)


def check_formalised(service: Service, case_ids: list[int]) -> None:
    states = {service.queries.load(case_id)[0].state for case_id in case_ids}
    if states != {"formalisert"}:
        raise RuntimeError(f"the walk ended in {states}, not in 'formalisert'")


def bare_connection(path: Path) -> sqlite3.Connection:
    """sqlite3 with trinn's settings; the caller begins (BEGIN IMMEDIATE) and commits."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in PRAGMAS:
        connection.execute(pragma)
    return connection


@contextmanager
def recorded() -> Iterator[list[list[tuple[str, Any, bool]]]]:
    """The SQL each command sends, as the driver gets it; append a list before each command.

    Every statement passes `TransactionBase._execute` in the driver's own text and values;
    the BEGIN and COMMIT are the store's (the replay begins and commits itself).
    """
    commands: list[list[tuple[str, Any, bool]]] = []
    execute = TransactionBase._execute

    def recording(self: TransactionBase, text: str, parameters: Any, many: bool = False) -> Any:
        commands[-1].append((text, parameters, many))
        return execute(self, text, parameters, many)

    TransactionBase._execute = recording  # type: ignore[method-assign]
    try:
        yield commands
    finally:
        TransactionBase._execute = execute  # type: ignore[method-assign]


class Record:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def bare_fires(compiled: CompiledPlaybook) -> list[tuple[Any, str]]:
    """Per step of the walk: a bare Machine's event for the trigger the case heads for, and its source."""
    spec = compiled.spec
    machine = bare_machine(compiled)
    state, fires = spec.initial, []
    for index, step in enumerate(walk().steps):
        trigger = next(s.name for s in walk().steps[index:] if s.kind == "fire")
        fires.append((machine.events[trigger], state))
        if step.kind == "fire":
            state = next(
                t.spec.to for t in compiled.by_trigger[trigger] if state in spec.source_states(t.spec)
            )
    return fires


# ---------------------------------------------------------------- 1. commands per second


def _record_walk(path: Path, n_cases: int) -> tuple[list[Any], list[Any]]:
    """Walk the cases once (the warm-up), recording every command's SQL for the bare replay."""
    service = new_service(path)
    with recorded() as commands:
        case_ids = []
        for _ in range(n_cases):
            commands.append([])
            case_ids.append(open_case(service))
        for step in walk().steps:
            for case_id in case_ids:
                commands.append([])
                run_step(service, case_id, step)
    check_formalised(service, case_ids)
    service.store.close()
    return commands[:n_cases], commands[n_cases:]


def _walk(service: Service, case_ids: list[int]) -> dict[str, float]:
    """Every step of the walk for every case, round robin; seconds spent per kind of command."""
    by_kind = dict.fromkeys(KINDS, 0.0)
    for step in walk().steps:
        start = time.perf_counter()
        for case_id in case_ids:
            run_step(service, case_id, step)
        by_kind[step.kind] += time.perf_counter() - start
    return by_kind


def _paired_walks(
    trinn_path: Path,
    bare_path: Path,
    n_cases: int,
    opens: list[Any],
    mix: list[Any],
    fires: list[tuple[Any, str]],
    registry: PlaybookRegistry,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The walk through trinn's Service and its bare replay, interleaved step by step (a
    shared disk's fsync latency drifts by the second: both sides see the same drift).

    The service runs on `registry`, with fase 7.2 compiled, as in a running trinn: the
    compile is once per process and is reported on its own."""
    service = new_service(trinn_path, registry)
    engine = sa.create_engine(f"sqlite:///{bare_path}")
    metadata.create_all(engine)  # the same tables and indexes
    engine.dispose()
    connection = bare_connection(bare_path)
    cursor = connection.cursor()
    record = Record("")

    def replay(statements: list[tuple[str, Any, bool]]) -> None:
        cursor.execute("BEGIN IMMEDIATE")
        for sql, parameters, many in statements:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
                cursor.fetchall()
        cursor.execute("COMMIT")

    trinn: dict[str, Any] = {"by_kind": dict.fromkeys(KINDS, 0.0), "mix_s": 0.0}
    bare: dict[str, Any] = {"by_kind": dict.fromkeys(KINDS, 0.0), "mix_s": 0.0}
    start = time.perf_counter()
    case_ids = [open_case(service) for _ in range(n_cases)]
    trinn["opens_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for statements in opens:
        replay(statements)
    bare["opens_s"] = time.perf_counter() - start
    for index, step in enumerate(walk().steps):
        start = time.perf_counter()
        for case_id in case_ids:
            run_step(service, case_id, step)
        spent = time.perf_counter() - start
        trinn["by_kind"][step.kind] += spent
        trinn["mix_s"] += spent
        bare_event, source = fires[index]
        start = time.perf_counter()
        for statements in mix[index * n_cases : (index + 1) * n_cases]:
            record.state = source
            bare_event.trigger(record)
            replay(statements)
        spent = time.perf_counter() - start
        bare["by_kind"][step.kind] += spent
        bare["mix_s"] += spent
    check_formalised(service, case_ids)
    service.store.close()
    if connection.execute("SELECT count(*) FROM cases WHERE state = 'formalisert'").fetchone()[0] != n_cases:
        raise RuntimeError("the bare replay did not reach 'formalisert'")
    connection.close()
    return trinn, bare


def command_figures(tmp: Path, n_cases: int = 30, reps: int = 7) -> dict[str, Any]:
    registry = PlaybookRegistry()
    compiled = registry.current(PLAYBOOK)
    fires = bare_fires(compiled)
    opens, mix = _record_walk(tmp / "recorded.db", n_cases)
    trinn, bare = [], []
    for rep in range(reps):
        trinn_run, bare_run = _paired_walks(
            tmp / f"trinn-{rep}.db", tmp / f"bare-{rep}.db", n_cases, opens, mix, fires, registry
        )
        trinn.append(trinn_run)
        bare.append(bare_run)
    commands = n_cases * len(walk().steps)
    counts = {kind: n_cases * sum(s.kind == kind for s in walk().steps) for kind in KINDS}

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def ms_by_kind(runs: list[dict[str, Any]]) -> dict[str, float]:
        return {k: min(r["by_kind"][k] for r in runs) / counts[k] * 1e3 for k in KINDS}

    trinn_best, bare_best = min(r["mix_s"] for r in trinn), min(r["mix_s"] for r in bare)
    return {
        "cases": n_cases,
        "commands": commands,
        "repetitions": reps,
        "counts": counts,
        "statements_per_command": sum(len(c) for c in mix) / len(mix),
        # the least disturbed run of each (a shared disk's fsync latency swings both)
        "trinn_commands_per_s": commands / trinn_best,
        "bare_commands_per_s": commands / bare_best,
        "ratio": bare_best / trinn_best,
        "trinn_median_commands_per_s": commands / median(trinn, "mix_s"),
        "bare_median_commands_per_s": commands / median(bare, "mix_s"),
        # each repetition's pair ran interleaved, step by step
        "median_paired_ratio": statistics.median(
            b["mix_s"] / t["mix_s"] for t, b in zip(trinn, bare, strict=True)
        ),
        "trinn_ms_by_kind": ms_by_kind(trinn),
        "bare_ms_by_kind": ms_by_kind(bare),
        "trinn_open_ms": min(r["opens_s"] for r in trinn) / n_cases * 1e3,
        "bare_open_ms": min(r["opens_s"] for r in bare) / n_cases * 1e3,
        "registry_current_ms": best_of(10, lambda: registry.current(PLAYBOOK)) * 1e3,
        "compile_ms": compile_ms(),
    }


def profile_commands(tmp: Path, n_cases: int = 30) -> str:
    """cProfile of part 1's opens and of its mix, each on its own."""
    registry = PlaybookRegistry()
    registry.current(PLAYBOOK)
    service = new_service(tmp / "profiled.db", registry)
    opens, mix = cProfile.Profile(), cProfile.Profile()
    case_ids = opens.runcall(lambda: [open_case(service) for _ in range(n_cases)])
    mix.runcall(_walk, service, case_ids)
    service.store.close()
    text = io.StringIO()
    text.write(f"open_case x {n_cases}, cumulative:\n")
    pstats.Stats(opens, stream=text).sort_stats("cumulative").print_stats(r"engine[/\\]", 8)
    text.write(f"the mix ({n_cases * len(walk().steps)} commands), by own time:\n")
    stats = pstats.Stats(mix, stream=text)
    stats.sort_stats("tottime").print_stats(15)
    text.write("the mix, trinn's functions by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(r"engine[/\\]", 20)
    return text.getvalue()


# ---------------------------------------------------------------- 2. listing open cases


def _fill(path: Path, n_open: int, n_closed: int) -> None:
    """Cases of fase 7.2 in every open state (and closed ones), inserted in bulk."""
    compiled = PlaybookRegistry().current(PLAYBOOK)
    open_states = [s for s, state in compiled.spec.states.items() if not state.final]
    now = dt.datetime(2026, 11, 24, 9)
    rows = []
    for i in range(n_open + n_closed):
        closed = i >= n_open
        name = f"Virksomhet {i} AS"
        fields = {
            **walk().open_values,
            "virksomhet": name,
            "meldt_av_gruppe": "padriver",
            "kontaktperson": "Ola Hansen",
            "kontakt_epost": f"post{i}@example.no",
            "agenda": "Presentasjon av partnerskapet",
            "moteform": "digitalt",
        }
        state = "formalisert" if closed else open_states[i % len(open_states)]
        rows.append(
            case_row(
                compiled,
                state,
                fields,
                ACTOR,
                now,
                subject=name,
                opened_at=now - dt.timedelta(minutes=i),
                closed_at=now if closed else None,
                outcome="positive" if closed else None,
            )
        )
    with bulk_database(path, compiled, now) as connection:
        connection.execute(cases.insert(), rows)


def _process_s(cmd: list[str], runs: int, pycache: Path) -> float:
    """The best of `runs` whole runs, after one untimed run that caches the bytecode (as an
    installed trinn has it; PYTHONDONTWRITEBYTECODE is set on some machines, so a prefix in the
    temporary folder keeps it out of the work tree)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)

    def run() -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

    run()
    return best_of(runs, run)


def listing_figures(tmp: Path, n_open: int = 10_000, n_closed: int = 2_000) -> dict[str, Any]:
    path = tmp / "listing.db"
    _fill(path, n_open, n_closed)
    service = new_service(path)
    listed = len(service.queries.cases(closed=False))
    if listed != n_open:
        raise RuntimeError(f"listed {listed} open cases, not {n_open}")
    query_s = best_of(7, lambda: service.queries.cases(closed=False))
    service.store.close()
    connection = bare_connection(path)
    bare_s = best_of(
        7, lambda: connection.execute("SELECT * FROM cases WHERE closed_at IS NULL ORDER BY id").fetchall()
    )
    connection.close()
    trinn = [str(Path(sys.executable).with_name("trinn")), "--db", str(path), "cases", "--open"]
    return {
        "open_cases": n_open,
        "closed_cases": n_closed,
        "query_s": query_s,
        "bare_query_s": bare_s,
        "query_ratio": query_s / bare_s,
        "process_s": _process_s(trinn, 3, tmp / "pycache"),
        "process_no_rows_s": _process_s([*trinn, "--state", "no_such_state"], 5, tmp / "pycache"),
        "process_json_s": _process_s([*trinn, "--json"], 2, tmp / "pycache"),
        "python_startup_s": _process_s([sys.executable, "-c", "pass"], 7, tmp / "pycache"),
    }


# ---------------------------------------------------------------- 3. trinn against SpiffWorkflow


class _SpiffStore:
    """One row per workflow, its serialized state rewritten after every step, one commit each."""

    def __init__(self, path: Path) -> None:
        self.connection = bare_connection(path)
        self.connection.execute("CREATE TABLE specs (name TEXT PRIMARY KEY, spec TEXT NOT NULL)")
        self.connection.execute("CREATE TABLE workflows (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.connection.execute("BEGIN IMMEDIATE")
        yield self.connection
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


def _spiff_kit() -> dict[str, Any] | None:
    """SpiffWorkflow's parsed spec and serializers, or None when it is not installed."""
    try:
        from importlib.metadata import version

        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
        from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
        from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
        from SpiffWorkflow.util.task import TaskState
    except ImportError:
        return None

    class StateOnly(BpmnWorkflowConverter):
        """The workflow without its spec (which is stored once): what an application would keep."""

        def to_dict(self, workflow: Any) -> dict[str, Any]:
            dct = WorkflowConverter.to_dict(self, workflow)
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
            return dct

    parser = BpmnParser(validator=BpmnValidator())  # the model is checked against the BPMN schema
    parser.add_bpmn_file(str(BPMN))
    full = BpmnWorkflowSerializer()
    state_only = BpmnWorkflowSerializer(
        BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, BpmnWorkflow: StateOnly})
    )
    return {
        "version": version("SpiffWorkflow"),
        "spec": parser.get_spec(BPMN_PROCESS),
        "workflow": BpmnWorkflow,
        "ready": TaskState.READY,
        "completed": TaskState.COMPLETED,
        "full": full,
        "state_only": state_only,
    }


def _spiff_value(value: Any) -> Any:
    """A file as the application would keep it in the workflow's data: its name, size and
    hash (JSON has no bytes; the file itself goes elsewhere, as trinn's does)."""
    if isinstance(value, Upload):
        digest = hashlib.sha256(value.content).hexdigest()
        return {"name": value.name, "size": len(value.content), "sha256": digest}
    return value


def _spiff_step(kit: dict[str, Any], workflow: Any, step: Step) -> None:
    """One step as the application would do it: data onto the ready user task, which runs
    (with the gateways and script tasks after it) unless the step only sets fields."""
    name = None if step.kind == "set" else step.bpmn_task
    task = workflow.get_next_task(state=kit["ready"], manual=True, spec_name=name)
    if task is None:
        raise RuntimeError(f"SpiffWorkflow: no ready user task '{name}'")
    data = {name: _spiff_value(value) for name, value in step.values.items()}
    task.set_data(**data, **({"beslutning": step.name} if step.kind == "fire" else {}))
    if step.kind != "set":
        task.run()
        workflow.do_engine_steps()


def _spiff_case(kit: dict[str, Any], store: _SpiffStore, mode: str) -> Any:
    """One case from start to `formalisert`: open and every step of the walk, each one commit.

    mode "full": `serialize_json` (the workflow with its spec) after every step;
    "state_only": the same without the spec; "reload": every step loads the stored
    state and deserializes it first, as a stateless server (and trinn) does.
    """
    serializer = kit["state_only" if mode == "state_only" else "full"]
    workflow = kit["workflow"](kit["spec"])
    workflow.do_engine_steps()
    workflow.get_next_task(state=kit["ready"], manual=True).set_data(**walk().open_values, varsler=[])
    with store.transaction() as connection:
        row_id = connection.execute(
            "INSERT INTO workflows (state) VALUES (?)", (serializer.serialize_json(workflow),)
        ).lastrowid
    for step in walk().steps:
        with store.transaction() as connection:
            if mode == "reload":
                (state,) = connection.execute(
                    "SELECT state FROM workflows WHERE id = ?", (row_id,)
                ).fetchone()
                workflow = serializer.deserialize_json(state)
            _spiff_step(kit, workflow, step)
            connection.execute(
                "UPDATE workflows SET state = ? WHERE id = ?", (serializer.serialize_json(workflow), row_id)
            )
    return workflow


def _check_spiff(kit: dict[str, Any], workflow: Any) -> None:
    end = workflow.get_next_task(state=kit["completed"], spec_name="formalisert")
    if not workflow.is_completed() or end is None or end.data.get("vedtak") != "godkjent":
        raise RuntimeError("SpiffWorkflow did not reach 'formalisert'")


def spiff_figures(tmp: Path, n_cases: int = 10, reps: int = 5) -> dict[str, Any] | None:
    kit = _spiff_kit()
    if kit is None:
        return None
    modes = ("full", "state_only", "reload")
    warm = _SpiffStore(tmp / "spiff-warm.db")
    _check_spiff(kit, _spiff_case(kit, warm, "full"))
    warm.close()
    times: dict[str, list[float]] = {"trinn": [], **{mode: [] for mode in modes}}
    # the playbook compiled once, before the timing: as SpiffWorkflow's BPMN is parsed once
    registry = PlaybookRegistry()
    registry.current(PLAYBOOK)
    for rep in range(reps):
        service = new_service(tmp / f"trinn-cases-{rep}.db", registry)
        case_ids = []
        start = time.perf_counter()
        for _ in range(n_cases):
            case_id = open_case(service)
            for step in walk().steps:
                run_step(service, case_id, step)
            case_ids.append(case_id)
        times["trinn"].append((time.perf_counter() - start) / n_cases)
        check_formalised(service, case_ids)
        service.store.close()
        for mode in modes:
            store = _SpiffStore(tmp / f"spiff-{mode}-{rep}.db")
            if mode == "state_only":  # the spec, once
                with store.transaction() as connection:
                    connection.execute(
                        "INSERT INTO specs VALUES (?, ?)",
                        (BPMN_PROCESS, json.dumps(kit["full"].to_dict(kit["spec"]))),
                    )
            start = time.perf_counter()
            workflows = [_spiff_case(kit, store, mode) for _ in range(n_cases)]
            times[mode].append((time.perf_counter() - start) / n_cases)
            for workflow in workflows:
                _check_spiff(kit, workflow)
            store.close()
    trinn_s = min(times["trinn"])
    result: dict[str, Any] = {
        "spiffworkflow": kit["version"],
        "steps": len(walk().steps) + 1,
        "cases": n_cases,
        "repetitions": reps,
        "trinn_ms_per_case": trinn_s * 1e3,
        "trinn_median_ms_per_case": statistics.median(times["trinn"]) * 1e3,
    }
    for mode in modes:
        result[f"spiff_{mode}_ms_per_case"] = min(times[mode]) * 1e3
        result[f"spiff_{mode}_median_ms_per_case"] = statistics.median(times[mode]) * 1e3
        result[f"speedup_{mode}"] = min(times[mode]) / trinn_s
    return result


# ---------------------------------------------------------------- report


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="trinn-store-bench-") as folder:
        tmp = Path(folder)
        figures = {
            "commands": command_figures(tmp),
            "listing": listing_figures(tmp),
            "spiff": spiff_figures(tmp),
        }
        profile = profile_commands(tmp) if "--profile" in sys.argv else None
    if "--json" in sys.argv:
        print(json.dumps(figures, indent=2))
        return
    c = figures["commands"]
    counts = ", ".join(f"{c['counts'][k]} {k}" for k in KINDS)
    print(
        f"1. commands on SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE): {c['cases']} fase 7.2 cases "
        f"walked round robin, {c['commands']} commands ({counts}):"
    )
    print(
        f"  trinn Service {c['trinn_commands_per_s']:6,.0f} commands/s vs bare "
        f"{c['bare_commands_per_s']:6,.0f} commands/s = {c['ratio']:.2f} of bare (target >= 0.75), "
        f"best of {c['repetitions']} runs each"
    )
    print(
        f"  medians {c['trinn_median_commands_per_s']:,.0f} vs {c['bare_median_commands_per_s']:,.0f} "
        f"commands/s; median of the paired runs' ratios {c['median_paired_ratio']:.2f}"
    )
    print(
        f"  bare: the same SQL ({c['statements_per_command']:.1f} statements per command) replayed on "
        "sqlite3, plus a bare transitions.Machine fire"
    )
    print(
        "  ms per command (best), trinn vs bare: "
        + ", ".join(f"{k} {c['trinn_ms_by_kind'][k]:.2f} vs {c['bare_ms_by_kind'][k]:.2f}" for k in KINDS)
    )
    print(
        f"  open_case {c['trinn_open_ms']:.2f} ms vs bare {c['bare_open_ms']:.2f} ms "
        f"({c['trinn_open_ms'] / c['bare_open_ms']:.0f}x); PlaybookRegistry.current alone "
        f"{c['registry_current_ms']:.2f} ms; loading and compiling fase 7.2, once per process "
        f"(not in these figures): {c['compile_ms']:.0f} ms"
    )
    g = figures["listing"]
    print(f"2. listing {g['open_cases']:,} open cases (beside {g['closed_cases']:,} closed):")
    print(
        f"  Service.cases(closed=False) {g['query_s']:.3f} s (target < 0.1 s) vs the same SELECT on "
        f"sqlite3 {g['bare_query_s']:.3f} s ({g['query_ratio']:.1f}x)"
    )
    print(
        f"  whole process `trinn --db FILE cases --open` {g['process_s']:.3f} s (target < 0.5 s); "
        f"bare python start-up {g['python_startup_s']:.3f} s "
        f"({g['process_s'] / g['python_startup_s']:.0f}x)"
    )
    print(
        f"  the same command listing no rows {g['process_no_rows_s']:.3f} s; "
        f"all {g['open_cases']:,} with --json {g['process_json_s']:.3f} s"
    )
    s = figures["spiff"]
    if s is None:
        print(
            "3. SpiffWorkflow comparison skipped: SpiffWorkflow is not installed (pip install -e '.[bench]')"
        )
    else:
        print(
            f"3. a completed, persisted fase 7.2 case ({s['steps']} steps, one commit each), best of "
            f"{s['repetitions']} x {s['cases']} cases (target: trinn >= 4x faster):"
        )
        print(
            f"  {'trinn Service':44} {s['trinn_ms_per_case']:6.1f} ms per case (its playbook compiled "
            "before the timing, as SpiffWorkflow's BPMN is parsed before its)"
        )
        print(f"  SpiffWorkflow {s['spiffworkflow']}:")
        for mode, label in (
            ("full", "serialize_json after every step"),
            ("state_only", "the same, state only (spec stored once)"),
            ("reload", "load + deserialize_json before every step"),
        ):
            print(
                f"    {label:42} {s[f'spiff_{mode}_ms_per_case']:6.1f} ms per case: "
                f"trinn {s[f'speedup_{mode}']:.2f}x as fast"
            )
    if profile is not None:
        print("\nprofile of part 1:")
        print(profile)


if __name__ == "__main__":
    main()
