"""What the everyday commands on cases do, given the settings: show, can, cases, tasks, fire,
done and set, as plain functions with no typer behind them.

typer declares these commands (tui/cli/cases.py, tui/cli/writing.py), reads their options and
calls the functions here; a command line that names one of them plainly runs it without
typer (tui/cli/quick.py), which is most of what a short command would otherwise cost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from trinn.engine.collector import collection_paused
from trinn.engine.due import is_overdue
from trinn.engine.values import MAX_NOTE
from trinn.tui.cli.arguments import (
    case_id,
    errors,
    language_for,
    note_option,
    pairs,
    plain_option,
    service_of,
)
from trinn.tui.cli.delivery import deliver_after_command
from trinn.tui.cli.output import fail, out, print_columns, print_json
from trinn.tui.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.service import Service
    from trinn.engine.spec import TaskSpec
    from trinn.engine.store.reads import CaseFilter, TaskFilter
    from trinn.engine.store.rows import CaseSummary
    from trinn.tui.cli.settings import Settings

__all__ = [
    "can",
    "cases",
    "done",
    "fire",
    "on_case",
    "set_fields",
    "show",
    "show_case",
    "task_command",
    "tasks",
    "writing",
]


def show_case(service: Service, settings: Settings, number: int, as_json: bool) -> None:
    """Case `number` as `trinn show` prints it (or its JSON view), read as it is now (after a
    command, as that command left it)."""
    from trinn.engine.views import against_advice_view, case_view, event_view, forms_now
    from trinn.tui.cli.render import case_text

    case, compiled, children = service.queries.load(number)
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
    settings: Settings,
    playbook: str | None = None,
    state: str | None = None,
    only_open: bool = False,
    only_closed: bool = False,
    overdue: bool = False,
    as_json: bool = False,
) -> None:
    """`trinn cases`: the cases, filtered, in columns (or their JSON views)."""
    if only_open and only_closed:
        raise fail("give --open or --closed, not both")
    playbook, state = plain_option(playbook, "--playbook"), plain_option(state, "--state")
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


def show(settings: Settings, case: str, as_json: bool = False) -> None:
    """`trinn show`: a case, its state, fields and the tasks of its state."""
    number = case_id(case)
    with service_of(settings) as service:
        show_case(service, settings, number, as_json)


def can(
    settings: Settings, case: str, every: bool = False, explain: bool = False, as_json: bool = False
) -> None:
    """`trinn can`: the triggers out of the case's state, possible ones first, and why not."""
    from trinn.engine.advice import against_advice_words

    with service_of(settings) as service:
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
    settings: Settings,
    mine: bool = False,
    role: str | None = None,
    overdue: bool = False,
    as_json: bool = False,
) -> None:
    """`trinn tasks`: open tasks of open cases, soonest due first."""
    if mine and role:
        raise fail("give --mine or --role, not both")
    role = plain_option(role, "--role")
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


@contextmanager
def writing(settings: Settings) -> Iterator[Service]:
    """The service for a command that writes; when the command has committed (its block ended
    without a refusal), the messages it queued are sent."""
    with service_of(settings) as service:
        yield service
    deliver_after_command(settings)


# (service, case id, who acts) -> the case after the command
CaseCommand = Callable[["Service", int, str], "Case"]


def on_case(settings: Settings, case: str, as_json: bool, command: CaseCommand) -> None:
    """One command on a case, by whoever acts; then the case as it is now (`--json`: in full)."""
    number = case_id(case)
    with writing(settings) as service:
        done = command(service, number, settings.acting_as())
        if as_json:
            show_case(service, settings, done.id, True)
        else:
            out.print(f"case {done.id}: {done.state} (version {done.row_version})", markup=False)


def fire(
    settings: Settings,
    case: str,
    trigger: str,
    sets: list[str] | None = None,
    note: str | None = None,
    against_advice: str | None = None,
    expect: int | None = None,
    as_json: bool = False,
) -> None:
    """`trinn fire`: the case moves if its role and guard allow it."""
    values, said = pairs(sets), note_option(note)
    reason = plain_option(against_advice, "--against-advice", lines=True, limit=MAX_NOTE)
    on_case(
        settings,
        case,
        as_json,
        lambda service, number, actor: service.fire(
            number,
            trigger,
            actor=actor,
            values=values,
            note=said,
            expected_version=expect,
            against_advice=reason,
        ),
    )


def task_command(
    method: Callable[[Service], Callable[..., Case]],
    settings: Settings,
    case: str,
    task: str,
    note: str | None = None,
    item: str | None = None,
    expect: int | None = None,
    as_json: bool = False,
) -> None:
    """`trinn done` and `trinn reopen`: one task of the case's state (an item's, with --item),
    done by the service's `method`."""
    said = note_option(note)
    on_case(
        settings,
        case,
        as_json,
        lambda service, number, actor: method(service)(
            number, task, actor=actor, note=said, item=item, expected_version=expect
        ),
    )


def done(
    settings: Settings,
    case: str,
    task: str,
    note: str | None = None,
    item: str | None = None,
    expect: int | None = None,
    as_json: bool = False,
) -> None:
    """`trinn done`: a task of the case's state marked done."""
    task_command(lambda service: service.complete_task, settings, case, task, note, item, expect, as_json)


def set_fields(
    settings: Settings,
    case: str,
    values: list[str],
    note: str | None = None,
    expect: int | None = None,
    as_json: bool = False,
) -> None:
    """`trinn set`: fields of a case set."""
    given, said = pairs(values), note_option(note)
    on_case(
        settings,
        case,
        as_json,
        lambda service, number, actor: service.set_fields(
            number, given, actor=actor, note=said, expected_version=expect
        ),
    )
