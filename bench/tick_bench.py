"""Tick benchmark: `trinn tick` over 10,000 open cases with pending time-based work.

    python bench/tick_bench.py [--cases 10000] [--due 100] [--json]

Every case waits in a state whose reminders hang on a follow-up date (tests/data/cases/
timing.yaml: two reminders and an escalation relative to `oppfolgingsdato`); `--due` of
them have a reminder due at the tick's moment, the rest weeks later. The cases are made
by opening one through the Service and copying its rows in SQL (10,000 opens would time
the opening, not the tick).

Reported, each beside the bare cost of the same thing:

1. finding the due cases: `Transaction.due_timer_cases(now)` against the same SELECT on
   the sqlite3 module (the ratio), and that SELECT's query plan (it must search the index
   `timers_due`, not scan every case or timer); and the plan of loading one due case's
   waiting timers (the index `timers_case`: by its id, not every waiting timer);
2. a tick with nothing due, and a whole tick (`Service.tick`: every due reminder queued,
   each case written in its own transaction): time per due case, against the bare SQL
   a tick must at least do per due case on a copy of the same database (the ratio): in
   one transaction each, select its due timers by the index, mark them fired, raise the
   case's version, and insert its history event and its outbox row (no template, no
   playbook, no JSON of the case);
3. the whole process, `trinn --db FILE tick --now T` with nothing due, against a bare
   `python -c pass`.

Targets are reported, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trinn.engine.people import People  # noqa: E402
from trinn.engine.registry import PlaybookRegistry  # noqa: E402
from trinn.engine.service import Service  # noqa: E402
from trinn.engine.store import Store, open_database, sql  # noqa: E402

CASES = ROOT / "tests" / "data" / "cases"
OPENED = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
TICK = dt.datetime(2027, 1, 5, 8, tzinfo=dt.UTC)  # 2 workdays before 7 January: the first reminder
DUE_QUERY = (
    "SELECT case_id FROM timers WHERE status = 'waiting' AND due_at <= ?"
    " AND kind NOT IN ('meeting', 'task_meeting') GROUP BY case_id ORDER BY min(due_at), case_id"
)


def _best(run: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _fill(path: Path, count: int, due: int) -> Service:
    """`count` open cases waiting on a follow-up date; `due` of them due at TICK."""
    engine = open_database(f"sqlite:///{path}")
    service = Service(
        Store(engine), PlaybookRegistry([CASES]), People.single_user("bench"), clock=lambda: OPENED
    )
    values = {"navn": "Acme", "oppfolgingsdato": "2027-01-07"}
    service.open_case("test.timing", values, actor="bench")
    connection = sqlite3.connect(path)
    with connection:
        columns = [r[1] for r in connection.execute("PRAGMA table_info(cases)") if r[1] != "id"]
        listed = ", ".join(columns)
        connection.execute(
            f"INSERT INTO cases ({listed}) SELECT {listed} FROM cases, "
            "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n)",
            (count - 1,),
        )
        for table in ("tasks", "timers", "events"):
            names = [r[1] for r in connection.execute(f"PRAGMA table_info({table})")]
            key = "seq" if table == "events" else "id"
            copied = [n for n in names if n not in (key, "case_id")]
            connection.execute(
                f"INSERT INTO {table} (case_id, {', '.join(copied)}) "
                f"SELECT cases.id, {', '.join('t.' + n for n in copied)} FROM {table} t, cases "
                "WHERE t.case_id = 1 AND cases.id > 1"
            )
        # all but `due` cases: their reminders a month later
        connection.execute(
            "UPDATE timers SET due_at = datetime(due_at, '+30 days') WHERE case_id > ?", (due,)
        )
    connection.close()
    return service


def _bare_tick(path: Path, moment: str) -> tuple[float, int]:
    """The least SQL a tick writes for each due case, each case in its own transaction
    (synchronous=FULL in WAL, as trinn's store opens SQLite): the seconds it takes, and
    how many cases it wrote."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    cases = connection.execute(DUE_QUERY, (moment,)).fetchall()
    for (case_id,) in cases:
        connection.execute("BEGIN IMMEDIATE")
        due = connection.execute(
            "SELECT id FROM timers WHERE case_id = ? AND status = 'waiting' AND due_at <= ?",
            (case_id, moment),
        ).fetchall()
        connection.executemany(
            "UPDATE timers SET status = 'fired', fired_at = ?, fired_count = fired_count + 1 WHERE id = ?",
            [(moment, timer) for (timer,) in due],
        )
        (version,) = connection.execute(
            "UPDATE cases SET row_version = row_version + 1, updated_at = ?"
            " WHERE id = ? RETURNING row_version",
            (moment, case_id),
        ).fetchone()
        connection.execute(
            "INSERT INTO events (case_id, case_version, at, actor, kind, state_after, changes, details) "
            "VALUES (?, ?, ?, 'system', 'tick', 'venter', '{}', '{}')",
            (case_id, version, moment),
        )
        connection.execute(
            "INSERT INTO outbox (case_id, case_version, created_at, kind, payload, status, attempts) "
            "VALUES (?, ?, ?, 'notify', '{}', 'pending', 0)",
            (case_id, version, moment),
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tick.db"
        service = _fill(path, args.cases, args.due)
        copy = Path(folder) / "bare.db"
        with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        bare = sqlite3.connect(path)
        moment = TICK.replace(tzinfo=None).isoformat(sep=" ")
        plan = [row[3] for row in bare.execute("EXPLAIN QUERY PLAN " + DUE_QUERY, (moment,))]
        # each due case's own timers, as the tick loads the case: by its id, not every waiting one
        case_plan = [row[3] for row in bare.execute("EXPLAIN QUERY PLAN " + sql.WAITING_TIMERS_OF, (1,))]
        found_bare = _best(lambda: bare.execute(DUE_QUERY, (moment,)).fetchall())
        bare_tick, bare_cases = _bare_tick(copy, moment)
        assert bare_cases == args.due, bare_cases

        def find() -> list[int]:
            with service.store.read() as tx:
                return tx.due_timer_cases(TICK)

        assert len(find()) == args.due, len(find())
        found_trinn = _best(find)
        nothing = _best(lambda: service.tick(now=TICK - dt.timedelta(days=1)))
        start = time.perf_counter()
        ticked = service.tick(now=TICK)
        whole = time.perf_counter() - start
        assert len(ticked) == args.due, len(ticked)
        command = [sys.executable, "-m", "trinn.tui.cli", "--db", str(path), "tick", "--now", "2027-01-04"]
        process = statistics.median(
            _timed(lambda: subprocess.run(command, check=True, capture_output=True)) for _ in range(3)
        )
        python = statistics.median(
            _timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)) for _ in range(3)
        )
        bare.close()
    result = {
        "cases": args.cases,
        "due": args.due,
        "find_due_trinn_ms": round(found_trinn * 1000, 3),
        "find_due_bare_ms": round(found_bare * 1000, 3),
        "find_due_ratio": round(found_trinn / found_bare, 2),
        "query_plan": plan,
        "case_timers_plan": case_plan,
        "tick_nothing_due_ms": round(nothing * 1000, 3),
        "tick_ms": round(whole * 1000, 1),
        "tick_per_due_case_ms": round(whole * 1000 / args.due, 3),
        "bare_sql_per_due_case_ms": round(bare_tick * 1000 / args.due, 3),
        "tick_per_case_ratio": round(whole / bare_tick, 1),
        "process_tick_ms": round(process * 1000, 1),
        "python_pass_ms": round(python * 1000, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.cases:,} open cases, {args.due} with a reminder due")
    print(
        f"find due cases: trinn {result['find_due_trinn_ms']} ms, bare sqlite3 "
        f"{result['find_due_bare_ms']} ms (ratio {result['find_due_ratio']})"
    )
    print("query plan: " + "; ".join(plan))
    print("a due case's timers, loading it: " + "; ".join(case_plan))
    print(f"tick, nothing due: {result['tick_nothing_due_ms']} ms")
    print(f"tick, {args.due} due: {result['tick_ms']} ms ({result['tick_per_due_case_ms']} ms a due case)")
    print(
        f"bare SQL a due case (select, mark fired, version, event, outbox row; one transaction): "
        f"{result['bare_sql_per_due_case_ms']} ms (ratio {result['tick_per_case_ratio']})"
    )
    print(
        f"whole process `trinn tick`, nothing due: {result['process_tick_ms']} ms "
        f"(python -c pass: {result['python_pass_ms']} ms)"
    )


def _timed(run: Any) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
