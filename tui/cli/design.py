"""The process designers' commands that read playbooks: check, lint, graph, schema, playbooks,
and `new`, which writes a starting one (`trinn test` is in tui/cli/scenarios.py).

`trinn check` reports every problem as file:line:col: message (hint); `trinn lint`
reports what a human process should not do (exit 1 on any finding, warnings
included: accept one with a reason in the playbook's `lint:` list). Both read the
given files the same way, in one loop; a playbook's `start_case` targets are
checked against the ids the known playbooks and the given files declare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from trinn.engine.errors import PlaybookError, PlaybookIOError, Problem, TrinnError, os_reason
from trinn.tui.cli.output import err, fail, json_chosen, out, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.engine.loader import LoadedPlaybook

__all__ = ["COMMANDS"]

Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.", callback=json_chosen)]


def _known_ids(settings: Settings, given: Iterable[Path] = ()) -> set[str]:
    from trinn.engine.catalog import known_ids

    return known_ids(settings.playbook_dirs, given)


def _each_playbook(
    settings: Settings,
    paths: list[Path],
    as_json: bool,
    problem_view: Callable[[Problem], dict[str, Any]],
    loaded_view: Callable[[Path, LoadedPlaybook], list[dict[str, Any]]],
) -> None:
    """Load each playbook file given (folders read for them), say what is wrong with it or hand
    it to `loaded_view` (which prints its own lines unless `as_json`), and exit: 0 clean,
    1 findings, 2 a file that cannot be read or no files at all."""
    from trinn.engine.catalog import yaml_files
    from trinn.engine.loader import load_playbook
    from trinn.tui.cli.settings import playbook_cache

    files = yaml_files(paths)
    known = _known_ids(settings, files)
    # a text that checked clean before (same trinn, same start_case targets) is not parsed again;
    # problems are never cached, so every one is still found with its position
    cache = playbook_cache()
    found: list[dict[str, Any]] = []
    unreadable = False
    for path in files:
        try:
            loaded = load_playbook(path, known, cache=cache)
        except PlaybookError as exc:
            found.extend(problem_view(p) for p in exc.problems)
            if not as_json:
                out.print(exc.report(), markup=False)
            continue
        except PlaybookIOError as exc:
            unreadable = True
            err.print(f"trinn: {exc}", markup=False)
            continue
        found.extend(loaded_view(path, loaded))
    if as_json:
        print_json(found)
    if unreadable or not files:
        if not files:
            err.print("trinn: no playbooks found in the given folders", markup=False)
        raise typer.Exit(2)
    raise typer.Exit(1 if found else 0)


def check(
    ctx: typer.Context,
    # text, made paths here: typer would check each path through pydantic, which `check` has no
    # other use for (a path it cannot read is said in trinn's own words)
    paths: Annotated[list[str], typer.Argument(help="Playbook files or folders of them.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print problems as JSON.", callback=json_chosen)
    ] = False,
) -> None:
    """Check playbooks: every problem as file:line:col: message (hint)."""

    def checked(path: Path, _loaded: LoadedPlaybook) -> list[dict[str, Any]]:
        if not as_json:
            out.print(f"{path}: ok", markup=False)
        return []

    _each_playbook(ctx.obj, [Path(p) for p in paths], as_json, lambda problem: problem.as_dict(), checked)


def lint(
    ctx: typer.Context,
    paths: Annotated[list[str] | None, typer.Argument(help="Playbook files or folders of them.")] = None,
    as_json: Json = False,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
) -> None:
    """Lint playbooks: what a human process should not do, as file:line:col: severity: message [rule]."""
    from trinn.engine.lint import lint_playbook, rule_table

    if rules:
        for rule_id, severity, summary in rule_table():
            out.print(f"{rule_id:26} {severity:8} {summary}", markup=False)
        return
    if not paths:
        raise fail("give playbook files or folders to lint")

    def linted(path: Path, loaded: LoadedPlaybook) -> list[dict[str, Any]]:
        findings = lint_playbook(loaded)
        if not as_json:
            for finding in findings:
                out.print(str(finding), markup=False)
            count = len(findings)
            out.print(
                f"{count} finding{'s' if count != 1 else ''} in {path}" if count else f"{path}: ok",
                markup=False,
            )
        return [f.as_dict() for f in findings]

    def unloadable(problem: Problem) -> dict[str, Any]:
        return {**problem.as_dict(), "rule": "check", "severity": "error", "subject": None}

    _each_playbook(ctx.obj, [Path(p) for p in paths], as_json, unloadable, linted)


def graph(
    ctx: typer.Context,
    playbook: Annotated[str, typer.Argument(help="A playbook file or a playbook id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="mermaid or dot.")] = "mermaid",
) -> None:
    """Draw a playbook's states and transitions (Mermaid, or DOT with graphviz)."""
    from trinn.engine.catalog import find_playbook
    from trinn.engine.diagram import draw
    from trinn.engine.loader import load_playbook

    settings: Settings = ctx.obj
    if fmt not in ("mermaid", "dot"):
        raise fail(f"unknown format '{fmt}' (expected 'mermaid' or 'dot')")
    loaded = _load_or_exit(lambda: load_playbook(find_playbook(playbook, settings.playbook_dirs)))
    try:
        shape: Literal["mermaid", "dot"] = "dot" if fmt == "dot" else "mermaid"  # fmt is checked above
        out.print(draw(loaded.spec, shape, settings.language), markup=False, end="")
    except TrinnError as exc:
        raise fail(str(exc)) from exc


def _load_or_exit(load: Callable[[], LoadedPlaybook]) -> LoadedPlaybook:
    try:
        return load()
    except PlaybookError as exc:
        err.print(exc.report(), markup=False)
        raise typer.Exit(1) from exc
    except TrinnError as exc:
        raise fail(str(exc)) from exc


def schema() -> None:
    """Print the JSON Schema (draft-07) of the playbook format, for editors."""
    from trinn.engine.schema import json_schema_text

    out.print(json_schema_text(), markup=False, end="")


def playbooks(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the list as JSON.", callback=json_chosen)
    ] = False,
) -> None:
    """List the bundled playbooks and your own, with their check status."""
    rows = _playbook_rows(ctx.obj)
    broken = any(row["status"] != "ok" for row in rows)
    if as_json:
        print_json(rows)
        raise typer.Exit(1 if broken else 0)
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "version", "language", "status", "title"):
        table.add_column(column, no_wrap=column != "title")
    for row in rows:
        table.add_row(
            row["id"] or row["path"],
            str(row["version"] or ""),
            row["language"] or "",
            row["status"],
            row["title"] or row["path"],
        )
    out.print(table)
    raise typer.Exit(1 if broken else 0)


def _playbook_rows(settings: Settings) -> list[dict[str, Any]]:
    from trinn.engine.catalog import playbook_files
    from trinn.engine.loader import load_playbook
    from trinn.engine.text import localize

    files = playbook_files(settings.playbook_dirs)
    known = _known_ids(settings)
    rows = []
    for entry in files:
        shown = _shown_path(entry.path, entry.bundled)
        row: dict[str, Any] = {
            "id": entry.declared_id,
            "version": None,
            "language": None,
            "title": None,
            "status": "ok",
            "path": shown,
            "bundled": entry.bundled,
        }
        try:
            spec = load_playbook(entry.path, known, display=shown).spec
            row.update(
                id=spec.id,
                version=spec.version,
                language=spec.language,
                title=localize(spec.title, settings.language or spec.language, spec.language),
            )
        except PlaybookError as exc:
            row["status"] = exc.counted()
        except PlaybookIOError as exc:
            row["status"] = str(exc)
        rows.append(row)
    return rows


def _shown_path(path: Path, bundled: bool) -> str:
    if bundled:
        return f"playbooks/{path.name}"
    return str(path)


def new(
    name: Annotated[str, typer.Argument(help="The playbook's id and file name.")],
    language: Annotated[str, typer.Option("--language", "-l", help="nb, da or en.")] = "en",
    folder: Annotated[Path, typer.Option("--dir", help="Where to write the files.")] = Path("."),
) -> None:
    """Write a starting playbook NAME.yaml and its scenarios NAME.test.yaml."""
    from trinn.engine.i18n import LANGUAGES
    from trinn.engine.starter import starter_files

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
        raise fail(f"cannot write in {folder}: {os_reason(exc)}") from exc


# the commands, by name (tui/cli/commands.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {
    "check": check,
    "lint": lint,
    "graph": graph,
    "schema": schema,
    "playbooks": playbooks,
    "new": new,
}
