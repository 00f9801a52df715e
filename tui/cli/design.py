"""The process designers' commands: lint, test and new.

`trinn lint` reports what a human process should not do (exit 1 on any finding,
warnings included: accept one with a reason in the playbook's `lint:` list);
`trinn test` runs scenario files on in-memory databases, pytest-style, and with
`--coverage` lists the transitions and states no scenario took (also exit 1);
`trinn new` writes a starting playbook and its scenarios.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.errors import PlaybookError, PlaybookIOError
from trinn.tui.cli.output import err, fail, out, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.engine.scenario import LoadedScenarios
    from trinn.engine.scenario_run import ScenarioResult

__all__ = ["register"]

Paths = Annotated[list[Path], typer.Argument(help="Files or folders.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def lint(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Playbook files or folders of them.")] = None,
    as_json: Json = False,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
) -> None:
    """Lint playbooks: what a human process should not do, as file:line:col: severity: message [rule]."""
    from trinn.engine.catalog import PlaybookFile, playbook_files, yaml_files
    from trinn.engine.lint import lint_playbook, rule_table
    from trinn.engine.loader import load_playbook

    if rules:
        for rule_id, severity, summary in rule_table():
            out.print(f"{rule_id:26} {severity:8} {summary}", markup=False)
        return
    if not paths:
        raise fail("give playbook files or folders to lint")
    settings: Settings = ctx.obj
    files = yaml_files(paths)
    known = {pid for f in playbook_files(settings.playbook_dirs) if (pid := f.declared_id)} | {
        pid for p in files if (pid := PlaybookFile(p, False).declared_id)
    }
    found: list[dict[str, Any]] = []
    unreadable = False
    for path in files:
        try:
            findings = lint_playbook(load_playbook(path, known))
        except PlaybookError as exc:
            found.extend(
                {**p.as_dict(), "rule": "check", "severity": "error", "subject": None} for p in exc.problems
            )
            if not as_json:
                out.print(exc.report(), markup=False)
            continue
        except PlaybookIOError as exc:
            unreadable = True
            err.print(f"trinn: {exc}", markup=False)
            continue
        found.extend(f.as_dict() for f in findings)
        if not as_json:
            for finding in findings:
                out.print(str(finding), markup=False)
            count = len(findings)
            out.print(
                f"{count} finding{'s' if count != 1 else ''} in {path}" if count else f"{path}: ok",
                markup=False,
            )
    if as_json:
        print_json(found)
    if unreadable or not files:
        if not files:
            err.print("trinn: no playbooks found in the given folders", markup=False)
        raise typer.Exit(2)
    raise typer.Exit(1 if found else 0)


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


def new(
    name: Annotated[str, typer.Argument(help="The playbook's id and file name.")],
    language: Annotated[str, typer.Option("--language", "-l", help="nb, da or en.")] = "en",
    folder: Annotated[Path, typer.Option("--dir", help="Where to write the files.")] = Path("."),
) -> None:
    """Write a starting playbook NAME.yaml and its scenarios NAME.test.yaml."""
    from trinn.engine.starter import LANGUAGES, starter_files

    if language not in LANGUAGES:
        raise fail(f"unknown language '{language}' (expected one of {', '.join(LANGUAGES)})")
    try:
        files = starter_files(name, language)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    targets = {folder / file_name: text for file_name, text in files.items()}
    existing = [str(p) for p in targets if p.exists() and not p.name.endswith(".schema.json")]
    if existing:
        raise fail(f"{existing[0]} exists already (choose another name, or move it away)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in targets.items():
            if path.name.endswith(".schema.json") and path.exists():
                continue  # the schema beside other playbooks serves the new one too
            path.write_text(text, encoding="utf-8")
            out.print(f"wrote {path}", markup=False)
    except OSError as exc:
        raise fail(f"cannot write in {folder}: {(exc.strerror or str(exc)).lower()}") from exc


_COMMANDS = ((lint, "lint"), (scenario_test, "test"), (new, "new"))


def register(app: typer.Typer) -> None:
    for function, name in _COMMANDS:
        app.command(name)(function)
