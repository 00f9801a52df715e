"""TUI benchmark: the first drawn Cases screen, applying a filter, and opening a case.

    python bench/tui_bench.py [--json] [--cases N]

1. Whole-process time from starting `python` to the Cases screen drawn with all its rows,
   10,000 open cases of fase 7.2 (each with open tasks, some overdue) in an SQLite file
   (target < 0.5 s), beside a bare `python -c pass` and `python -c "import textual.app"`
   (textual's own import cost, which the first screen cannot avoid). Also reported: the
   same time less `python -c "import textual.app"`, what trinn adds to Textual's own import
   (the part the app can make faster). The app runs headless at 80x24; "drawn" is the first
   refresh after the rows were put in the table.
2. Applying a filter on those rows until the table is redrawn (target < 0.2 s): a search
   that keeps a few rows, a state filter that keeps a tenth, and a filter that keeps all.
3. Opening a case from the Cases screen until its page is drawn with the case read
   (target < 0.1 s once its playbook version was used): the first case of the process
   (the case screen's modules imported, the playbook version read from the playbook cache
   and compiled) reported apart from later cases of the same version, each opened anew.

The processes get their own cache folder (XDG_CACHE_HOME), filled by an untimed first run
as a user's is after the app's first start: the figures are of a version seen before.

Targets are reported, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLAYBOOK = "padriv.fase-7-2"
ACTOR = "kari"


def fill(path: Path, n_cases: int) -> None:
    """Cases in every open state of fase 7.2, each with two open tasks, inserted in bulk."""
    from bench.bulk import bulk_database, case_row
    from trinn.engine.registry import PlaybookRegistry
    from trinn.engine.store.tables import cases, tasks

    compiled = PlaybookRegistry().current(PLAYBOOK)
    spec = compiled.spec
    open_states = [s for s, state in spec.states.items() if not state.final and state.tasks]
    now = dt.datetime(2026, 11, 24, 9)
    rows = [
        case_row(
            compiled,
            open_states[i % len(open_states)],
            {"virksomhet": f"Virksomhet {i} AS", "meldt_av": "Ola"},
            ACTOR,
            now,
            id=i + 1,
            subject=f"Virksomhet {i} AS",
        )
        for i in range(n_cases)
    ]
    with bulk_database(path, compiled, now) as connection:
        connection.execute(cases.insert(), rows)
        task_rows = []
        for row in rows:
            for task in spec.states[row["state"]].tasks[:2]:
                due = now + dt.timedelta(days=(row["id"] % 30) - 10)  # a third overdue
                task_rows.append(
                    {
                        "case_id": row["id"],
                        "entry": 3,
                        "state": row["state"],
                        "task_id": task.id,
                        "item": None,
                        "role": task.role,
                        "assignee": None,
                        "status": "open",
                        "created_at": now,
                        "due_at": due if task.due else None,
                        "done_at": None,
                        "done_by": None,
                        "note": None,
                    }
                )
        connection.execute(tasks.insert(), task_rows)


def child(db: str) -> None:
    """Run the app headless; print `drawn` at the first drawn full listing, then the timings of
    filters and of opening cases."""
    import asyncio

    # the same steps as `trinn` (tui.cli._run_tui), with a subclass of the app that reports
    from trinn.tui import i18n
    from trinn.tui.cli.settings import Settings
    from trinn.tui.desk import Desk

    i18n.install("en")
    settings = Settings([], "en", db, ACTOR, None)
    settings.store()
    desk = Desk(settings)
    desk.prefetch_cases()
    from trinn.tui.app import TrinnApp
    from trinn.tui.desk import CaseFilter
    from trinn.tui.screens.cases import CasesScreen

    class BenchCases(CasesScreen):
        reads = 0  # how often the rows were read and shown

        def _loaded(self, rows: list[Any]) -> None:
            super()._loaded(rows)
            self.reads += 1

    class BenchApp(TrinnApp):
        MODES: ClassVar[dict[str, Any]] = {**TrinnApp.MODES, "cases": BenchCases}
        drawn = False
        figures: dict[str, Any] = {}  # noqa: RUF012 (one app per process)

        def on_mount(self) -> None:
            super().on_mount()
            self.set_interval(0.002, self.watch_rows)

        def watch_rows(self) -> None:
            screen = self.screen
            if not self.drawn and isinstance(screen, CasesScreen) and screen.loaded:
                self.drawn = True
                self.call_after_refresh(self.first_drawn)

        def first_drawn(self) -> None:
            print("drawn", len(self.screen.shown), flush=True)  # type: ignore[attr-defined]
            self.run_worker(self.time_filters())  # its own task: it awaits redraws of this app

        async def time_filters(self) -> None:
            screen = self.screen
            assert isinstance(screen, CasesScreen)
            filters = {
                "search_few": CaseFilter(search="virksomhet 123"),
                "state_tenth": CaseFilter(state="interessert"),
                "all_rows": CaseFilter(status="all"),
            }
            for name, chosen in filters.items():
                runs = []
                for _ in range(5):
                    screen.apply_filter(CaseFilter())
                    await self._redrawn()
                    start = time.perf_counter()
                    screen.apply_filter(chosen)
                    await self._redrawn()
                    runs.append(time.perf_counter() - start)
                self.figures[name] = {"rows": len(screen.shown), "best_s": min(runs)}
            await self._open_cases()
            print(json.dumps(self.figures), flush=True)
            self.exit()

        async def _open_cases(self) -> None:
            """Open cases one after another from the list, each until its page is drawn: the
            first of the process, then others of the same playbook version (never the same case
            twice, so nothing of one case is reused)."""
            from trinn.tui.screens.case import CaseScreen

            runs = []
            for case_id in range(1, 7):
                cases = self.screen
                assert isinstance(cases, BenchCases)
                await self._redrawn()
                start = time.perf_counter()
                self.open_case_screen(case_id)
                while not (isinstance(self.screen, CaseScreen) and self.screen.page is not None):
                    await asyncio.sleep(0.0005)
                await self._redrawn()
                runs.append(time.perf_counter() - start)
                reads = cases.reads
                self.pop_screen()
                while cases.reads == reads:  # back on the list, which reads its rows again
                    await asyncio.sleep(0.0005)
            self.figures["open_first_s"] = runs[0]
            self.figures["open_again_s"] = sorted(runs[1:])

        async def _redrawn(self) -> None:
            done = asyncio.Event()

            self.screen.refresh()  # the same rows again would schedule no refresh of their own
            self.call_after_refresh(done.set)
            await done.wait()

    BenchApp(desk, refresh_seconds=0).run(headless=True, size=(80, 24))


def _env(pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)  # bytecode cached as an installed trinn has it
    env["XDG_CACHE_HOME"] = str(pycache.parent / "cache")  # trinn's caches: the bench's own
    return env


def first_draw(db: str, pycache: Path) -> tuple[float, int, dict[str, Any]]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", db],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(pycache),
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    drawn_s = time.perf_counter() - start
    if not line.startswith("drawn"):
        process.kill()
        raise RuntimeError(f"the app did not draw its cases: {line!r}")
    rows = int(line.split()[1])
    figures = json.loads(process.stdout.readline())
    process.wait(timeout=60)
    return drawn_s, rows, figures


def bare(cmd: list[str], pycache: Path, runs: int = 5) -> float:
    subprocess.run(cmd, check=True, env=_env(pycache))
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=_env(pycache))
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tui.db"
        fill(path, args.cases)
        db, pycache = f"sqlite:///{path}", Path(tmp) / "pycache"
        first_draw(db, pycache)  # untimed: caches the bytecode
        runs = [first_draw(db, pycache) for _ in range(3)]
        drawn_s = min(r[0] for r in runs)
        rows = runs[0][1]
        names = [name for name in runs[0][2] if name not in ("open_first_s", "open_again_s")]
        filters = {name: min(r[2][name]["best_s"] for r in runs) for name in names}
        kept = {name: runs[0][2][name]["rows"] for name in names}
        again = sorted(s for r in runs for s in r[2]["open_again_s"])
        textual_s = bare([sys.executable, "-c", "import textual.app"], pycache)
        result = {
            "cases": args.cases,
            "rows_drawn": rows,
            "first_draw_s": drawn_s,
            "python_startup_s": bare([sys.executable, "-c", "pass"], pycache),
            "textual_import_s": textual_s,
            "first_draw_after_textual_s": drawn_s - textual_s,
            "filters_s": filters,
            "filter_rows": kept,
            "open_case_first_s": min(r[2]["open_first_s"] for r in runs),
            "open_case_again_s": {"best": again[0], "median": again[len(again) // 2]},
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"TUI, {result['cases']:,} open cases on SQLite (targets reported, not asserted)")
    after = result["first_draw_after_textual_s"]
    print(f"  first drawn Cases screen, whole process  {drawn_s:6.3f} s   (target < 0.5 s; {rows:,} rows)")
    print(f"    of which bare python start            {result['python_startup_s']:6.3f} s")
    print(f"    bare python + import textual.app      {textual_s:6.3f} s")
    print(f"    whole process less that (trinn's own) {after:6.3f} s   (target < 0.5 s)")
    for name, seconds in filters.items():
        print(f"  filter {name:<12} -> {kept[name]:>6,} rows   {seconds:6.3f} s   (target < 0.2 s)")
    print(f"  open a case, the first of the process    {result['open_case_first_s']:6.3f} s")
    opened = result["open_case_again_s"]
    print(
        f"  open a case, same playbook version again {opened['best']:6.3f} s   (target < 0.1 s;"
        f" median {opened['median']:.3f} s)"
    )


if __name__ == "__main__":
    main()
