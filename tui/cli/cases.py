"""The coordinators' commands that read cases: cases, show, can, tasks, history, export, file.

Each builds the service from the global options and calls one query of it; the
commands that change a case are in tui/cli/writing.py, what both share in
tui/cli/options.py. What show, can, cases and tasks do is tui/cli/case_commands.py.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from trinn.engine.errors import os_reason
from trinn.engine.shown import shown
from trinn.tui.cli import case_commands
from trinn.tui.cli.arguments import case_id, language_for
from trinn.tui.cli.case_commands import show_case
from trinn.tui.cli.options import CaseId, Item, Json, service_for
from trinn.tui.cli.output import fail, json_text, out, print_json

__all__ = ["COMMANDS", "show_case"]


def cases(
    ctx: typer.Context,
    playbook: Annotated[str | None, typer.Option("--playbook", help="Only this playbook id.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="Only cases in this state.")] = None,
    only_open: Annotated[bool, typer.Option("--open", help="Only open cases.")] = False,
    only_closed: Annotated[bool, typer.Option("--closed", help="Only closed cases.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only cases with overdue tasks.")] = False,
    as_json: Json = False,
) -> None:
    """List cases."""
    case_commands.cases(ctx.obj, playbook, state, only_open, only_closed, overdue, as_json)


def show(ctx: typer.Context, case: CaseId, as_json: Json = False) -> None:
    """Show a case: its state, fields and the tasks of its state."""
    case_commands.show(ctx.obj, case, as_json)


def can(
    ctx: typer.Context,
    case: CaseId,
    every: Annotated[
        bool, typer.Option("--all", help="Every trigger of the playbook, also those of other states.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Below each reason, the guard that is false and what it read.")
    ] = False,
    as_json: Json = False,
) -> None:
    """What you can do to the case now: the triggers out of its state, possible ones first, and why not."""
    case_commands.can(ctx.obj, case, every, explain, as_json)


def tasks(
    ctx: typer.Context,
    mine: Annotated[bool, typer.Option("--mine", help="Tasks of your roles or given to you.")] = False,
    role: Annotated[str | None, typer.Option("--role", help="Tasks of this role.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue tasks.")] = False,
    as_json: Json = False,
) -> None:
    """Open tasks of open cases, soonest due first."""
    case_commands.tasks(ctx.obj, mine, role, overdue, as_json)


def history(ctx: typer.Context, case: CaseId, as_json: Json = False) -> None:
    """A case's history: every command, who, when, and what it changed."""
    from trinn.engine.history import history_entry
    from trinn.engine.text import localize
    from trinn.engine.views import event_view
    from trinn.tui.cli.render import history_lines

    with service_for(ctx) as (service, settings):
        number = case_id(case)
        rows = service.queries.history(number)
        _loaded, compiled, _ = service.queries.load(number)
        language = language_for(settings, compiled.spec.language)
    if as_json:
        print_json([event_view(row) for row in rows])
    else:
        spec = compiled.spec
        roles = {role: localize(r.title, language, spec.language) for role, r in spec.roles.items()}
        for line in history_lines([history_entry(row) for row in rows], language, roles):
            out.print(line, markup=False)


def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "json",
    as_json: Json = False,
) -> None:
    """Every case with its fields: JSON (with tasks and history) or CSV (one row per case)."""
    from trinn.engine.views import case_view, event_view

    if fmt not in ("json", "csv"):
        raise fail(f"unknown format '{fmt}' (expected 'json' or 'csv')")
    with service_for(ctx) as (service, settings):
        now = service.clock()
        views = []
        for row in service.queries.cases():
            case, compiled, children = service.queries.load(row.id)
            view = case_view(compiled, case, now, settings.language, children)
            if fmt == "json":
                view["history"] = [event_view(e) for e in service.queries.history(case.id)]
            views.append(view)
    if fmt == "json" or as_json:
        print_json(views)
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "playbook",
            "playbook_version",
            "state",
            "closed_at",
            "outcome",
            "subject",
            "opened_at",
            "opened_by",
            "parent",
            "fields",
        ]
    )
    for view in views:
        writer.writerow(
            shown(cell) if isinstance(cell, str) else cell
            for cell in [
                view["id"],
                view["playbook"],
                view["playbook_version"],
                view["state"],
                view["closed_at"] or "",
                view["outcome"] or "",
                view["subject"] or "",
                view["opened_at"],
                view["opened_by"],
                view["parent"] or "",
                json_text(dict(sorted(view["fields"].items())), indent=None),
            ]
        )


_Out = Annotated[
    str | None,
    typer.Option("--out", metavar="PATH", help="Where to write it (default: its name, here; - for stdout)."),
]


def file(
    ctx: typer.Context,
    case: CaseId,
    field: Annotated[str, typer.Argument(help="The file field.")],
    item: Item = None,
    out_path: _Out = None,
    as_json: Json = False,
) -> None:
    """Save a file a case holds (a file field's upload) out to a file."""
    with service_for(ctx) as (service, _settings):
        value, content = service.queries.stored_file(case_id(case), field, item)
    if as_json:
        print_json(value)
        return
    if out_path == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    target = Path(out_path) if out_path else Path(value["name"])  # a kept name has no folder part
    try:
        with target.open("xb") as handle:  # never over a file that is there
            handle.write(content)
    except FileExistsError:
        raise fail(f"{target} exists already (give another --out, or move it away)") from None
    except OSError as exc:
        raise fail(f"cannot write {target}: {os_reason(exc)}") from exc
    out.print(f"{target}: {len(content):,} bytes ({value['type']})")


# the commands, by name (tui/cli/commands.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {
    "cases": cases,
    "show": show,
    "can": can,
    "tasks": tasks,
    "history": history,
    "export": export,
    "file": file,
}
