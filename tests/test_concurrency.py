"""Several people on one database, and a process killed half-way: the guarantees trinn's store promises.

Each command is one transaction that writes the case at the row version it read, with one history event
(engine/service.py, engine/store/). That is what lets coordinators share a database, and it only shows
with real processes on real databases: threads in one process would share one interpreter and one
connection pool, and a mocked clock or lock would test the mock. So these tests start the real `trinn`
command line in separate OS processes, released at the same moment by a start file they wait for (after
their imports, so that they really meet inside the database), on SQLite and on PostgreSQL; and they
SIGKILL a process in the middle of a stream of commands on an SQLite file, then check that the file
holds whole commands only: every case at the state its last event says, no version missing or twice,
no task, timer or outbox row of a command that did not commit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.engine.store.tables import cases, events, outbox, playbooks, tasks, timers

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "data" / "concurrency" / "crash_worker.py"
PLAYBOOK = "padriv.fase-7-2"
ROUNDS = 10  # races per backend with --expect-version
FREE_ROUNDS = 3  # races per backend without it
KILLS = 5  # SIGKILLs of one stream on one SQLite file
PROCESS_TIMEOUT_S = 60  # a process that takes longer has hung: the test fails instead of waiting on
STALE = re.compile(
    r"trinn: case 1 was changed by (?P<who>\w+) at "
    r"(?P<at>.+?); reload and try again\n"
)

# The real CLI entry point, run once its imports are done and the start file appears; the file it
# makes first tells the parent it is ready. Imports are what take long, so the processes meet at
# the database, not at the interpreter's start-up.
_CLI = """\
import os, time
import trinn.engine.registry, trinn.engine.service, trinn.engine.store, trinn.tui.cli
open(os.environ["TRINN_TEST_READY"], "x").close()
while not os.path.exists(os.environ["TRINN_TEST_GO"]):
    time.sleep(0.001)
trinn.tui.cli.main()
"""
_names = itertools.count()


@dataclass
class Run:
    """One finished `trinn` process."""

    actor: str
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


@dataclass
class _Child:
    actor: str
    args: list[str]
    ready: Path
    process: subprocess.Popen[str]


def _env(**extra: str) -> dict[str, str]:
    """The environment of a child: this checkout's code, none of the caller's TRINN_* settings, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRINN_")}
    path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _spawn(url: str, commands: list[tuple[str, list[str]]], gates: Path) -> tuple[list[_Child], Path]:
    """Start one `trinn --db URL --as ACTOR ARGS...` per command; each waits for the returned start file."""
    go = gates / f"go-{next(_names)}"
    children = []
    for actor, args in commands:
        ready = gates / f"ready-{next(_names)}"
        process = subprocess.Popen(
            [sys.executable, "-c", _CLI, "--db", url, "--as", actor, *args],
            cwd=ROOT,
            env=_env(TRINN_TEST_READY=str(ready), TRINN_TEST_GO=str(go)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        children.append(_Child(actor, args, ready, process))
    return children, go


def _wait_ready(children: list[_Child]) -> None:
    deadline = time.monotonic() + PROCESS_TIMEOUT_S
    while not all(child.ready.exists() for child in children):
        for child in children:
            if child.process.poll() is not None:  # a broken set-up, not a finding: no AssertionError
                raise RuntimeError(f"{child.args} ended before the start: {_collect([child])}")
        if time.monotonic() > deadline:
            raise RuntimeError("the processes did not get ready in time")
        time.sleep(0.005)


def _collect(children: list[_Child]) -> list[Run]:
    runs = []
    for child in children:
        stdout, stderr = child.process.communicate(timeout=PROCESS_TIMEOUT_S)
        runs.append(Run(child.actor, child.args, child.process.returncode, stdout, stderr))
    return runs


class Races:
    """Commands in processes released at once, a round at a time; the next round's processes start
    (and do their slow imports) while this round runs, so its commands must be known in advance."""

    def __init__(self, gates: Path) -> None:
        self.gates = gates
        self.started: list[_Child] = []

    def rounds(self, url: str, rounds: list[list[tuple[str, list[str]]]]) -> Iterator[list[Run]]:
        waiting = iter(rounds)
        pending: deque[tuple[list[_Child], Path]] = deque()

        def spawn_next() -> None:
            commands = next(waiting, None)
            if commands is not None:
                children, go = _spawn(url, commands, self.gates)
                self.started.extend(children)
                pending.append((children, go))

        spawn_next()
        while pending:
            spawn_next()
            children, go = pending.popleft()
            _wait_ready(children)
            go.touch()
            yield _collect(children)

    def __call__(self, url: str, commands: list[tuple[str, list[str]]]) -> list[Run]:
        return next(self.rounds(url, [commands]))

    def stop(self) -> None:
        for child in self.started:  # a failed assertion must not leave processes behind
            if child.process.poll() is None:
                child.process.kill()
                child.process.wait()


@pytest.fixture
def race(tmp_path: Path) -> Iterator[Races]:
    races = Races(tmp_path)
    yield races
    races.stop()


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    """The parent's own view of the database: it opens the case and reads the outcome."""
    engine = open_database(db_url)
    yield Service(Store(engine), PlaybookRegistry(), People.single_user("anne"))
    engine.dispose()


def _open_case(service: Service) -> int:
    case = service.open_case(PLAYBOOK, {"virksomhet": "Acme AS", "meldt_av": "Kari"}, actor="anne")
    assert case.id == 1  # the stale message names case 1
    return case.id


def _history(service: Service, case_id: int) -> list[Any]:
    """The case's history, checked to be whole: versions 1..n once each, the row at the last one."""
    history = service.queries.history(case_id)
    assert [event.case_version for event in history] == list(range(1, len(history) + 1))
    case, _compiled, _children = service.queries.load(case_id)
    assert case.row_version == history[-1].case_version
    assert case.state == history[-1].state_after
    return history


def _one_winner(runs: list[Run], version: int, state: str) -> tuple[Run, re.Match[str]]:
    """Exactly one run wrote version `version` + 1; the other was refused as stale, naming it."""
    assert sorted(run.returncode for run in runs) == [0, 1], runs
    winner, loser = sorted(runs, key=lambda run: run.returncode)
    assert (winner.stdout, winner.stderr) == (f"case 1: {state} (version {version + 1})\n", ""), winner
    assert loser.stdout == "", loser
    stale = STALE.fullmatch(loser.stderr)
    assert stale is not None, loser.stderr
    assert stale["who"] == winner.actor
    return winner, stale


def _said(moment: dt.datetime) -> str:
    """A moment as the children's refusal says it: in their language, on fase 7.2's clock."""
    from trinn.engine.calendar import zone_of
    from trinn.engine.template import local_moment
    from trinn.tui.i18n import resolve_language

    return local_moment(moment, resolve_language(None, _env()), zone_of("nb").key)


def _check_winner_event(service: Service, winner: Run, stale: re.Match[str], version: int) -> Any:
    """The winner's event is the last of a whole history, at the time the refusal named."""
    last = _history(service, 1)[-1]
    assert (last.case_version, last.actor) == (version + 1, winner.actor)
    assert stale["at"] == _said(last.at)
    return last


def test_cli_fire_race_with_expected_version_has_one_winner(
    service: Service, db_url: str, race: Races
) -> None:
    case_id = _open_case(service)
    service.complete_task(case_id, "registrer_virksomhet", actor="anne")
    case = service.complete_task(case_id, "avklar_interesse", actor="anne")
    version = case.row_version
    command = ["fire", str(case_id), "vis_interesse", "--expect-version", str(version)]
    runs = race(db_url, [("alice", command), ("bob", command)])
    winner, stale = _one_winner(runs, version, "interessert")
    last = _check_winner_event(service, winner, stale, version)
    assert (last.kind, last.name, last.state_before, last.state_after) == (
        "fire",
        "vis_interesse",
        "registrert",
        "interessert",
    )
    assert len(service.queries.history(case_id)) == version + 1  # the refused command wrote nothing


def test_cli_set_races_with_expected_version_have_one_winner_each_round(
    service: Service, db_url: str, race: Races
) -> None:
    case_id = _open_case(service)
    first = service.queries.load(case_id)[0].row_version
    rounds = [
        [
            (
                actor,
                [
                    "set",
                    str(case_id),
                    f"kontaktperson={actor} {round_}",
                    "--expect-version",
                    str(first + round_),
                ],
            )
            for actor in ("alice", "bob")
        ]
        for round_ in range(ROUNDS)
    ]  # a version on each round: one winner each, as asserted
    previous = None
    for round_, runs in enumerate(race.rounds(db_url, rounds)):
        version = first + round_
        assert service.queries.load(case_id)[0].row_version == version + 1
        winner, stale = _one_winner(runs, version, "registrert")
        last = _check_winner_event(service, winner, stale, version)
        assert last.changes == {"kontaktperson": [previous, f"{winner.actor} {round_}"]}
        previous = f"{winner.actor} {round_}"
        assert service.queries.load(case_id)[0].fields["kontaktperson"] == previous
    assert service.queries.load(case_id)[0].row_version == 1 + ROUNDS


def test_cli_set_races_without_expected_version_lose_no_update(
    service: Service, db_url: str, race: Races
) -> None:
    case_id = _open_case(service)
    fields = {"alice": "kontaktperson", "bob": "agenda"}
    rounds = [
        [(actor, ["set", str(case_id), f"{field}={actor} {round_}"]) for actor, field in fields.items()]
        for round_ in range(FREE_ROUNDS)
    ]
    for round_, runs in enumerate(race.rounds(db_url, rounds)):
        before = 1 + 2 * round_  # the row version before the round
        assert [run.returncode for run in runs] == [0, 0], runs
        assert sorted(run.stdout for run in runs) == [
            f"case 1: registrert (version {before + n})\n" for n in (1, 2)
        ]
        history = _history(service, case_id)
        assert len(history) == before + 2
        for event in history[-2:]:  # each changed its own field only, from the last round's value
            actor, field = event.actor, fields[event.actor]
            assert event.kind == "set"
            assert event.changes == {
                field: [f"{actor} {round_ - 1}" if round_ else None, f"{actor} {round_}"]
            }
        assert {history[-2].actor, history[-1].actor} == {"alice", "bob"}
        stored = service.queries.load(case_id)[0].fields
        assert (stored["kontaktperson"], stored["agenda"]) == (f"alice {round_}", f"bob {round_}")


def _sqlalchemy(db_url: str) -> sa.Engine:
    """SQLAlchemy's own engine on the same database, to look at it from outside the store."""
    return sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))


def _wait_until_blocked(engine: sa.Engine, children: list[_Child]) -> None:
    """On PostgreSQL, until every child waits for a lock (or one has ended); on SQLite, which cannot
    tell, a moment: time enough to reach the write lock, which they wait on for 30 s."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + PROCESS_TIMEOUT_S
    with engine.connect() as connection:
        while time.monotonic() < deadline and all(child.process.poll() is None for child in children):
            waiting = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar_one()
            connection.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting >= len(children):
                return
            time.sleep(0.01)


def test_cli_first_opens_of_a_playbook_at_once_both_succeed(db_url: str, tmp_path: Path) -> None:
    open_database(db_url).dispose()
    engine = _sqlalchemy(db_url)
    loaded = PlaybookRegistry().current(PLAYBOOK).loaded
    children: list[_Child] = []
    try:
        # The parent is a first opener still in its transaction: it holds the playbook's row, so both
        # children are surely inside theirs when it backs out, and then meet each other.
        with engine.connect() as first, first.begin() as transaction:
            first.execute(
                playbooks.insert().values(
                    sha256=loaded.sha256,
                    playbook_id=loaded.spec.id,
                    version=loaded.spec.version,
                    language=loaded.spec.language,
                    yaml=loaded.text,
                    stored_at=dt.datetime(2026, 1, 1),
                )
            )
            children, go = _spawn(
                db_url,
                [
                    (
                        actor,
                        ["open", PLAYBOOK, "--set", f"virksomhet={actor} AS", "--set", f"meldt_av={actor}"],
                    )
                    for actor in ("alice", "bob")
                ],
                tmp_path,
            )
            _wait_ready(children)
            go.touch()
            _wait_until_blocked(engine, children)
            transaction.rollback()
        runs = _collect(children)
        assert [run.returncode for run in runs] == [0, 0], runs
        assert sorted(run.stdout for run in runs) == ["1\n", "2\n"]
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(playbooks)).scalar_one() == 1
            opened = connection.execute(sa.select(cases.c.opened_by, cases.c.row_version)).all()
        assert sorted(opened) == [("alice", 1), ("bob", 1)]
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.kill()
                child.process.wait()
        engine.dispose()


# crash -------------------------------------------------------------------------------------------------


def _crash_problems(url: str) -> list[str]:
    """Everything in the database that a half-written command could have left; [] when whole."""
    open_database(url).dispose()
    engine = _sqlalchemy(url)
    problems: list[str] = []
    try:
        with engine.connect() as connection:
            integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            if integrity != ["ok"]:
                problems.append(f"integrity_check: {integrity}")
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if dangling:
                problems.append(f"foreign_key_check: {dangling}")
            rows = {row.id: row for row in connection.execute(sa.select(cases))}
            history: dict[int, list[Any]] = {case_id: [] for case_id in rows}
            for event in connection.execute(sa.select(events).order_by(events.c.case_version)):
                history[event.case_id].append(event)
            for case_id, row in rows.items():
                problems.extend(_case_problems(row, history[case_id]))
            for table in (tasks, timers):
                for child in connection.execute(sa.select(table.c.id, table.c.case_id, table.c.entry)):
                    if child.entry > rows[child.case_id].row_version:
                        problems.append(
                            f"{table.name} {child.id} of case {child.case_id} at entry "
                            f"{child.entry} > row version {rows[child.case_id].row_version}"
                        )
            query = sa.select(outbox.c.id, outbox.c.case_id, outbox.c.case_version)
            for message in connection.execute(query):
                if message.case_version > rows[message.case_id].row_version:
                    problems.append(
                        f"outbox {message.id} of case {message.case_id} at version "
                        f"{message.case_version} > {rows[message.case_id].row_version}"
                    )
    finally:
        engine.dispose()
    return problems


def _case_problems(row: Any, history: list[Any]) -> list[str]:
    name = f"case {row.id}"
    versions = [event.case_version for event in history]
    if versions != list(range(1, row.row_version + 1)):
        return [f"{name} at row version {row.row_version} has event versions {versions}"]
    problems = []
    if history[0].kind != "open":
        problems.append(f"{name} starts with a '{history[0].kind}' event")
    if row.state != history[-1].state_after:
        problems.append(f"{name} is in '{row.state}', its last event says '{history[-1].state_after}'")
    if row.entry > row.row_version:
        problems.append(f"{name} entered its state at {row.entry} > row version {row.row_version}")
    fields: dict[str, Any] = {}  # the fields again, from the changes of every event in turn
    for event in history:
        for field, (old, new) in event.changes.items():
            if fields.get(field) != old:
                problems.append(
                    f"{name} version {event.case_version} changed {field} from {old!r}, "
                    f"but it was {fields.get(field)!r}"
                )
            if new is None:  # a cleared field
                fields.pop(field, None)
            else:
                fields[field] = new
    if fields != row.fields:
        problems.append(f"{name} has fields {row.fields}, its history makes {fields}")
    return problems


def _hang_up(process: subprocess.Popen[str], hung: threading.Event) -> None:
    hung.set()
    process.kill()


def test_sqlite_store_survives_sigkill_mid_stream(sqlite_url: str) -> None:
    delays = random.Random(7270)  # where the kills fall varies with timing; what must hold does not
    written_before = 0
    for kill in range(KILLS):
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), sqlite_url],
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        hung = threading.Event()
        watchdog = threading.Timer(PROCESS_TIMEOUT_S, _hang_up, (worker, hung))
        watchdog.start()
        try:
            assert worker.stdout is not None
            for _ in range(20 + 10 * kill):  # at least some commands done, more each time
                assert worker.stdout.readline(), f"the worker stopped: {worker.communicate()[1]}"
            time.sleep(delays.uniform(0.0, 0.25))
            worker.send_signal(signal.SIGKILL)
            _stdout, stderr = worker.communicate()
        finally:
            watchdog.cancel()
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        assert not hung.is_set(), f"the worker hung: {stderr}"
        assert worker.returncode == -signal.SIGKILL, stderr  # killed by us, not failed
        assert _crash_problems(sqlite_url) == [], f"after kill {kill + 1}"
        engine = open_database(sqlite_url)
        try:  # still usable: a new command succeeds, on top of what the worker left
            service = Service(Store(engine), PlaybookRegistry(), People.single_user("anne"))
            written = sum(row.row_version for row in service.queries.cases())
            assert written > written_before, "the stream did not move on"
            version = service.queries.load(1)[0].row_version
            assert service.comment(1, f"after kill {kill + 1}", actor="anne").row_version == version + 1
            written_before = written + 1
        finally:
            engine.dispose()
    assert _crash_problems(sqlite_url) == []
