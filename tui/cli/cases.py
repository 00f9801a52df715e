"""The coordinators' commands that read cases: cases, show, can, tasks, history, export, file.

Each builds the service from the global options and calls one query of it; the
commands that change a case are in tui/cli/writing.py, what both share in
tui/cli/options.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.due import is_overdue
from trinn.engine.errors import os_reason
from trinn.engine.shown import shown
from trinn.tui.cli.options import (
    CaseId,
    Item,
    Json,
    case_id,
    collection_paused,
    errors,
    language_for,
    plain_option,
    service_for,
)
from trinn.tui.cli.output import fail, json_text, out, print_columns, print_json
from trinn.tui.cli.settings import Settings
from trinn.tui.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.service import Service
    from trinn.engine.spec import TaskSpec
    from trinn.engine.store.reads import CaseFilter, TaskFilter
    from trinn.engine.store.rows import CaseSummary

__all__ = ["COMMANDS", "show_case"]


def show_case(service: Service, settings: Settings, case: Case, as_json: bool) -> None:
    """A case as `trinn show` prints it (or its JSON view), read again after a command."""
    from trinn.engine.views import against_advice_view, case_view, event_view, forms_now
    from trinn.tui.cli.render import case_text

    case, compiled, children = service.queries.load(case.id)
    language = language_for(settings, compiled.spec.language)
    view = case_view(compiled, case, service.clock(), settings.language, children)
    view["forms"] = forms_now(compiled.spec, case, settings.language)
    events = [event_view(row) for row in service.queries.history(case.id)]
    view["against_advice"] = against_advice_view(events)
    if as_json:
        print_json(view)
    else:
        out.print(case_text(view, language))


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
    if only_open and only_closed:
        raise fail("give --open or --closed, not both")
    playbook, state = plain_option(playbook, "--playbook"), plain_option(state, "--state")
    settings: Settings = ctx.obj
    with collection_paused():  # thousands of rows
        with errors():  # a listing needs no playbook compiled
            filters: CaseFilter = {
                "playbook": playbook,
                "state": state,
                "closed": True if only_closed else False if only_open else None,
                "overdue_at": settings.clock() if overdue else None,
            }
            if as_json:
                print_json(_case_views(settings.queries().cases(**filters)))
                return
            lines = settings.queries().case_lines(**filters)
        if not lines:
            out.print(_("no cases"), markup=False)
            return
        closed = " " + _("(closed)")
        print_columns(
            [_("id"), _("playbook"), _("state"), _("subject"), _("opened")],
            [
                [
                    str(line.id),
                    line.playbook_id,
                    line.state if line.closed_at is None else line.state + closed,
                    line.subject or "",
                    line.opened_at.astimezone(dt.UTC).date().isoformat(),  # the day as `--json` gives it
                ]
                for line in lines
            ],
        )


def _case_views(rows: list[CaseSummary]) -> list[dict[str, Any]]:
    """The cases as `cases --json` gives them."""
    from trinn.engine.views import iso

    return [
        {
            "id": r.id,
            "playbook": r.playbook_id,
            "version": r.playbook_version,
            "state": r.state,
            "subject": r.subject,
            "opened_at": iso(r.opened_at),
            "closed_at": iso(r.closed_at),
            "outcome": r.outcome,
            "parent": r.parent_id,
            "row_version": r.row_version,
        }
        for r in rows
    ]


def show(ctx: typer.Context, case: CaseId, as_json: Json = False) -> None:
    """Show a case: its state, fields and the tasks of its state."""
    with service_for(ctx) as (service, settings):
        loaded, _compiled, _children = service.queries.load(case_id(case))
        show_case(service, settings, loaded, as_json)


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
    from trinn.engine.advice import against_advice_words

    with service_for(ctx) as (service, settings):
        found = service.queries.can(case_id(case), actor=settings.acting_as())
    shown = [p for p in found if p.allowed] + [p for p in found if not p.allowed and (p.here or every)]
    if as_json:
        print_json(
            [
                {"trigger": p.trigger, "allowed": p.allowed, "reasons": p.reasons, "to": p.to}
                | ({"against_advice": p.advice} if p.advice else {})
                | ({"explained": p.explained} if explain else {})
                for p in shown
            ]
        )
        return
    for p in shown:
        if p.allowed:
            advised = f": {against_advice_words(p.advice)}" if p.advice else ""
            out.print(f"{_('yes'):<4} {p.trigger} -> {', '.join(p.to)}{advised}", markup=False)
            continue
        out.print(f"{_('no'):<4} {p.trigger}: {'; '.join(p.reasons)}", markup=False)
        for line in p.explained if explain else ():
            out.print(f"       {line}", markup=False)
    hidden = len(found) - len(shown)
    if hidden:
        out.print(_("({count} more from other states: --all)").format(count=hidden), markup=False)


def tasks(
    ctx: typer.Context,
    mine: Annotated[bool, typer.Option("--mine", help="Tasks of your roles or given to you.")] = False,
    role: Annotated[str | None, typer.Option("--role", help="Tasks of this role.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue tasks.")] = False,
    as_json: Json = False,
) -> None:
    """Open tasks of open cases, soonest due first."""
    if mine and role:
        raise fail("give --mine or --role, not both")
    role = plain_option(role, "--role")
    settings: Settings = ctx.obj
    with collection_paused():  # thousands of rows
        with errors():
            now = settings.clock()
            roles = assignee = None
            if mine:
                person = settings.service().person(settings.acting_as())
                assignee = person.id
                roles = None if person.every_role else sorted(person.roles)
            elif role:
                roles = [role]
            filters: TaskFilter = {
                "roles": roles,
                "assignee": assignee if roles is not None else None,
                "overdue_at": now if overdue else None,
            }
            if as_json:  # titles and forms: the playbooks' own words
                print_json(_task_views(settings.service(), settings, now, filters))
                return
            lines = settings.queries().task_lines(**filters)  # the store alone: no playbook is loaded
        if not lines:
            out.print(_("no open tasks"), markup=False)
            return
        from trinn.tui.cli.render import due_text

        late = " " + _("OVERDUE")
        said: dict[tuple[Any, str], str] = {}  # deadlines repeat: each said once, not once a task
        table = []
        for case_number, task, item, role, assignee, due_at, subject, language in lines:
            due = "" if due_at is None else said.get((due_at, language))
            if due is None:
                late_yet = late if is_overdue(due_at, now) else ""
                due = said[due_at, language] = due_text(due_at, language) + late_yet
            label = task if item is None else f"{task} [{item}]"
            who = f"{role} ({assignee})" if assignee else role
            table.append([str(case_number), label, who, due, subject or ""])
        print_columns([_("case"), _("task"), _("role"), _("due"), _("subject")], table)


def _task_views(
    service: Service, settings: Settings, now: dt.datetime, filters: TaskFilter
) -> list[dict[str, Any]]:
    """The open tasks as `--json` gives them, each with its title from its playbook version."""
    from trinn.engine.views import task_view

    data = []
    tasks_of: dict[int, dict[str, TaskSpec]] = {}  # by spec: a few versions, thousands of rows
    for row, compiled in service.queries.open_tasks(**filters):
        tasks = tasks_of.get(id(compiled.spec))
        if tasks is None:
            tasks = tasks_of[id(compiled.spec)] = compiled.spec.all_tasks()
        view = task_view(compiled.spec, row, now, settings.language, tasks)
        view.update(case=row.case_id, playbook=row.playbook_id, subject=row.subject, state=row.case_state)
        data.append(view)
    return data


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


# the commands, by name (tui/cli/main.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {
    "cases": cases,
    "show": show,
    "can": can,
    "tasks": tasks,
    "history": history,
    "export": export,
    "file": file,
}
