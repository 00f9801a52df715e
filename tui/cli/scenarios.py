"""`trinn test`: scenario files run on in-memory databases, pytest-style.

With `--coverage` it lists the transitions and states no scenario took (exit 1
then too). The other designers' commands are in tui/cli/design.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.errors import PlaybookError, PlaybookIOError
from trinn.tui.cli.output import err, fail, json_chosen, out, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.engine.scenario import LoadedScenarios
    from trinn.engine.scenario_run import ScenarioResult

__all__ = ["COMMANDS"]

Paths = Annotated[list[Path], typer.Argument(help="Files or folders.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.", callback=json_chosen)]


def _scenario_files(paths: list[Path]) -> list[Path]:
    """Scenario files as given, beside the playbooks given, and inside the folders given."""
    from trinn.engine.scenario import SUFFIXES, scenario_file_for

    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.name.endswith(SUFFIXES)))
        elif path.name.endswith(SUFFIXES) or not path.is_file():
            found.append(path)
        else:
            beside = scenario_file_for(path)
            if beside is None:
                raise fail(
                    f"no scenario file beside {path} (write "
                    f"{path.with_name(path.name.rsplit('.', 1)[0] + '.test.yaml')})"
                )
            found.append(beside)
    return list(dict.fromkeys(found))


def scenario_test(
    ctx: typer.Context,
    paths: Paths,
    as_json: Json = False,
    coverage: Annotated[
        bool, typer.Option("--coverage", help="List the transitions and states no scenario took.")
    ] = False,
) -> None:
    """Run scenario files (<playbook>.test.yaml), each scenario on a fresh in-memory database."""
    from trinn.engine.registry import PlaybookRegistry
    from trinn.engine.scenario import ScenarioError, load_scenarios

    settings: Settings = ctx.obj
    files = _scenario_files(paths)
    if not files:
        raise fail("no scenario files (*.test.yaml) found in the given folders")
    passed = failed = gaps = 0
    broken = unreadable = False
    report: list[dict[str, Any]] = []
    failures: list[str] = []
    for path in files:
        if not path.is_file():
            err.print(f"trinn: cannot read {path}: no such file", markup=False)
            unreadable = True
            continue
        try:
            loaded = load_scenarios(path)
            registry = PlaybookRegistry([*settings.playbook_dirs, loaded.playbook.parent])
            results = _run(loaded, registry)
        except (ScenarioError, PlaybookError) as exc:
            broken = True
            if not as_json:
                out.print(exc.report(), markup=False)
            report.append({"file": str(path), "problems": [p.as_dict() for p in exc.problems]})
            continue
        except PlaybookIOError as exc:
            err.print(f"trinn: {exc}", markup=False)
            unreadable = True
            continue
        entry: dict[str, Any] = {"file": str(path), "playbook": str(loaded.playbook), "scenarios": []}
        for result in results:
            status = "PASSED" if result.passed else "FAILED"
            entry["scenarios"].append(
                {
                    "name": result.name,
                    "status": status.lower(),
                    "failure": result.failure.as_dict() if result.failure else None,
                }
            )
            if not as_json:
                out.print(f"{path}::{result.name} {status}", markup=False)
            if result.passed:
                passed += 1
            else:
                failed += 1
                failures.append(f"FAILED {path}::{result.name}\n  {result.failure}")
        if coverage:
            gaps += _coverage(loaded, results, entry, as_json)
        report.append(entry)
    if as_json:
        print_json(report)
    else:
        for failure in failures:
            out.print(failure, markup=False)
        summary = f"{passed} passed" + (f", {failed} failed" if failed else "")
        if coverage:
            summary += f", {gaps} not covered" if gaps else ", everything covered"
        out.print(summary, markup=False)
    if unreadable:
        raise typer.Exit(2)
    raise typer.Exit(1 if failed or broken or gaps else 0)


def _run(loaded: LoadedScenarios, registry: Any) -> list[ScenarioResult]:
    from trinn.engine.scenario_run import run_scenarios

    return run_scenarios(loaded, registry)


def _coverage(
    loaded: LoadedScenarios, results: list[ScenarioResult], entry: dict[str, Any], as_json: bool
) -> int:
    from trinn.engine.loader import load_playbook
    from trinn.engine.scenario_run import coverage_gaps

    playbook = load_playbook(loaded.playbook)
    gaps = coverage_gaps(playbook.spec, playbook.source_map, results)
    missing = [*gaps.transitions, *gaps.states]
    entry["not_covered"] = [
        {"path": str(loaded.playbook), "line": line, "column": column, "what": what}
        for line, column, what in missing
    ]
    if not as_json:
        spec = playbook.spec
        out.print(
            f"coverage of {loaded.playbook}: "
            f"{len(spec.transitions) - len(gaps.transitions)}/{len(spec.transitions)} "
            f"transitions, {len(spec.states) - len(gaps.states)}/{len(spec.states)} states",
            markup=False,
        )
        for line, column, what in missing:
            out.print(f"{loaded.playbook}:{line}:{column}: {what}", markup=False)
    return len(missing)


# the commands, by name (tui/cli/commands.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {
    "test": scenario_test,
}
