"""The coordinators' commands: open, cases, show, can, fire, done, reopen, set, form, assign,
comment, tasks, history, tick, export.

Each builds the service from the global options and calls one method of it.
A refused command (wrong state, role, guard, value, a stale version) exits 1;
a problem with the set-up (database, people file, playbook file) exits 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.errors import CommandError, FileProblemsError, TrinnError
from trinn.engine.shown import shown
from trinn.engine.values import MAX_NOTE, ValueProblem, check_text, parse_moment
from trinn.tui.cli.output import fail, json_text, out, print_columns, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.service import Service

__all__ = [
    "MAX_ANSWERS_BYTES",
    "MAX_ANSWERS_DEPTH",
    "MAX_NOTE",
    "case_id_argument",
    "now_option",
    "plain_option",
    "register",
]

MAX_ID = 2**63 - 1  # the largest id both databases store
MAX_ANSWERS_BYTES = 1024 * 1024  # a form's answers file (--file)
MAX_ANSWERS_DEPTH = 8  # nesting of its arrays and objects (answers need 2: an object of lists)
_CASE_ID = re.compile(r"#?[0-9]+")  # ASCII digits: str.isdigit() takes '²' and '١' too
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
CaseId = Annotated[str, typer.Argument(help="The case id, as `trinn cases` shows it.", metavar="CASE")]
Note = Annotated[str | None, typer.Option("--note", help="A note for the history.")]
Item = Annotated[str | None, typer.Option("--item", help="Which item of a for-each task.")]
Expect = Annotated[
    int | None,
    typer.Option(
        "--expect-version",
        metavar="N",
        help="Refuse if the case is no longer at this row version (someone else acted).",
    ),
]
Sets = Annotated[
    list[str] | None, typer.Option("--set", metavar="FIELD=VALUE", help="A field value (repeat for more).")
]


@contextmanager
def _errors() -> Iterator[None]:
    """trinn's errors as one line and an exit status."""
    try:
        yield
    except CommandError as exc:
        raise fail(str(exc), 1) from exc
    except FileProblemsError as exc:
        raise fail(exc.report(), 2) from exc
    except TrinnError as exc:
        raise fail(str(exc), 2) from exc


@contextmanager
def _service(ctx: typer.Context) -> Iterator[tuple[Service, Settings]]:
    settings: Settings = ctx.obj
    with _errors():
        yield settings.service(), settings


def _pairs(items: list[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise fail(f"expected field=value, got '{item}'")
        values[name.strip()] = value
    return values


def _case_id(text: str) -> int:
    """A CASE argument as a case id, or a usage error saying what a case id is."""
    if not _CASE_ID.fullmatch(text):
        raise fail(f"'{text}' is not a case id (a case id is a number, as `trinn cases` shows)")
    digits = text.lstrip("#")
    if len(digits) > 19 or int(digits) > MAX_ID:  # beyond any database id: no such case, no crash
        raise fail(f"no case '{text}'", 1)
    return int(digits)


case_id_argument = _case_id  # for the other command modules


def plain_option(value: str | None, option: str, *, lines: bool = False, limit: int = 1_000) -> str | None:
    """A text option as trinn keeps it (engine.values.check_text), or a usage error naming it:
    a filter, a note or a name with a control character or bytes that are not UTF-8 is refused
    before it reaches the database (where it would end in an encoding error)."""
    if value is None:
        return None
    try:
        return check_text(value, lines=lines, limit=limit)
    except ValueProblem as problem:
        raise fail(f"{option}: {problem}") from None


def now_option(text: str | None) -> dt.datetime | None:
    """`--now` as every command reads it (engine.values.parse_moment), or a usage error."""
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueProblem as problem:
        raise fail(str(problem)) from None


def _note(note: str | None) -> str | None:
    return plain_option(note, "--note", lines=True, limit=MAX_NOTE)


def _language(settings: Settings, spec_language: str) -> str:
    return settings.language if settings.language in ("nb", "da", "en") else spec_language


def _show_case(service: Service, settings: Settings, case: Case, as_json: bool) -> None:
    from trinn.engine.views import case_view
    from trinn.tui.cli.render import case_text

    case, compiled, children = service.load(case.id)
    language = _language(settings, compiled.spec.language)
    view = case_view(compiled, case, service.clock(), settings.language, children)
    if as_json:
        print_json(view)
    else:
        out.print(case_text(view, language))


def open_(
    ctx: typer.Context,
    playbook: Annotated[str, typer.Argument(help="A playbook id (see `trinn playbooks`) or file.")],
    sets: Sets = None,
    as_json: Json = False,
) -> None:
    """Open a case; prints its id."""
    with _service(ctx) as (service, settings):
        case = service.open_case(playbook, _pairs(sets), actor=settings.acting_as())
        if as_json:
            _show_case(service, settings, case, True)
        else:
            out.print(str(case.id), markup=False)


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
    from trinn.engine.views import iso

    if only_open and only_closed:
        raise fail("give --open or --closed, not both")
    playbook, state = plain_option(playbook, "--playbook"), plain_option(state, "--state")
    settings: Settings = ctx.obj
    now = None
    if overdue:
        from trinn.engine.service import utc_now  # the service's clock; only here: it loads the compiler

        now = utc_now()
    with _errors(), settings.store().read() as tx:  # a listing needs no playbook compiled
        rows = tx.case_rows(
            playbook=playbook,
            state=state,
            closed=True if only_closed else False if only_open else None,
            overdue_at=now,
        )
        data = [
            {
                "id": r["id"],
                "playbook": r["playbook_id"],
                "version": r["playbook_version"],
                "state": r["state"],
                "subject": r["subject"],
                "opened_at": iso(r["opened_at"]),
                "closed_at": iso(r["closed_at"]),
                "outcome": r["outcome"],
                "parent": r["parent_id"],
                "row_version": r["row_version"],
            }
            for r in rows
        ]
    if as_json:
        print_json(data)
        return
    if not data:
        out.print("no cases", markup=False)
        return
    print_columns(
        ["id", "playbook", "state", "subject", "opened"],
        [
            [
                str(row["id"]),
                row["playbook"],
                row["state"] + (" (closed)" if row["closed_at"] else ""),
                row["subject"] or "",
                (row["opened_at"] or "")[:10],
            ]
            for row in data
        ],
    )


def show(ctx: typer.Context, case: CaseId, as_json: Json = False) -> None:
    """Show a case: its state, fields and the tasks of its state."""
    with _service(ctx) as (service, settings):
        loaded, _compiled, _children = service.load(_case_id(case))
        _show_case(service, settings, loaded, as_json)


def can(ctx: typer.Context, case: CaseId, as_json: Json = False) -> None:
    """Every trigger of the case's playbook: may you fire it now, and if not, why."""
    with _service(ctx) as (service, settings):
        possibilities = service.can(_case_id(case), actor=settings.acting_as())
    if as_json:
        print_json(
            [
                {"trigger": p.trigger, "allowed": p.allowed, "reasons": p.reasons, "to": p.to}
                for p in possibilities
            ]
        )
        return
    for p in possibilities:
        if p.allowed:
            out.print(f"yes  {p.trigger} -> {', '.join(p.to)}", markup=False)
        else:
            out.print(f"no   {p.trigger}: {'; '.join(p.reasons)}", markup=False)


def fire(
    ctx: typer.Context,
    case: CaseId,
    trigger: Annotated[str, typer.Argument(help="The trigger (see `trinn can CASE`).")],
    sets: Sets = None,
    note: Note = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Fire a trigger: the case moves if its role and guard allow it."""
    with _service(ctx) as (service, settings):
        done = service.fire(
            _case_id(case),
            trigger,
            actor=settings.acting_as(),
            values=_pairs(sets),
            note=_note(note),
            expected_version=expect,
        )
        _report(service, settings, done, as_json)


def _report(service: Service, settings: Settings, case: Case, as_json: bool) -> None:
    if as_json:
        _show_case(service, settings, case, True)
    else:
        out.print(f"case {case.id}: {case.state} (version {case.row_version})", markup=False)


def done(
    ctx: typer.Context,
    case: CaseId,
    task: Annotated[str, typer.Argument(help="The task id (see `trinn show CASE`).")],
    note: Note = None,
    item: Item = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Mark a task of the case's state done."""
    with _service(ctx) as (service, settings):
        result = service.complete_task(
            _case_id(case),
            task,
            actor=settings.acting_as(),
            note=_note(note),
            item=item,
            expected_version=expect,
        )
        _report(service, settings, result, as_json)


def reopen(
    ctx: typer.Context,
    case: CaseId,
    task: Annotated[str, typer.Argument(help="The task id.")],
    note: Note = None,
    item: Item = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Open a done task again."""
    with _service(ctx) as (service, settings):
        result = service.reopen_task(
            _case_id(case),
            task,
            actor=settings.acting_as(),
            note=_note(note),
            item=item,
            expected_version=expect,
        )
        _report(service, settings, result, as_json)


def set_(
    ctx: typer.Context,
    case: CaseId,
    values: Annotated[
        list[str], typer.Argument(metavar="FIELD=VALUE...", help="Field values; an empty value clears.")
    ],
    note: Note = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Set fields of a case."""
    with _service(ctx) as (service, settings):
        result = service.set_fields(
            _case_id(case),
            _pairs(values),
            actor=settings.acting_as(),
            note=_note(note),
            expected_version=expect,
        )
        _report(service, settings, result, as_json)


def form(
    ctx: typer.Context,
    case: CaseId,
    form_id: Annotated[str, typer.Argument(metavar="FORM", help="The form id.")],
    values: Annotated[list[str] | None, typer.Argument(metavar="[FIELD=VALUE...]")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A JSON object of answers (instead of FIELD=VALUE).")
    ] = None,
    note: Note = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Submit a form: its fields checked together; it completes the task it belongs to."""
    if file is not None and values:
        raise fail("give --file or FIELD=VALUE, not both")
    answers: dict[str, Any] = _answers(file) if file is not None else _pairs(values)
    with _service(ctx) as (service, settings):
        result = service.submit_form(
            _case_id(case),
            form_id,
            answers,
            actor=settings.acting_as(),
            note=_note(note),
            expected_version=expect,
        )
        _report(service, settings, result, as_json)


def _answers(file: Path) -> dict[str, Any]:
    """A form's answers from a JSON file: read within bounds, its values left to the fields'
    own checks (a NaN or a 5,000-digit number is the field's problem, said with its name)."""
    text = _bounded_text(file)
    depth = _nesting(text)
    if depth > MAX_ANSWERS_DEPTH:
        raise fail(f"{file} nests arrays or objects {depth} deep (answers need at most {MAX_ANSWERS_DEPTH})")
    try:
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise fail(f"{file} is not JSON: {exc}") from exc
    except _TooLongError as exc:
        raise fail(
            f"{file}: a number of {exc.args[0]} digits (a field holds at most 15 before the decimal mark)"
        ) from exc
    if not isinstance(data, dict):
        raise fail(f"{file} must hold a JSON object of field: value")
    return data


def _bounded_text(file: Path) -> str:
    """The file's text: a regular file of at most MAX_ANSWERS_BYTES of UTF-8 (a leading byte-order
    mark allowed), checked before reading, so /dev/zero or a fifo is refused, not read for ever."""
    try:
        with file.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise fail(f"cannot read {file}: not a regular file")
            data = handle.read(MAX_ANSWERS_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read {file}: {(exc.strerror or str(exc)).lower()}") from exc
    if len(data) > MAX_ANSWERS_BYTES:
        raise fail(f"{file} is larger than {MAX_ANSWERS_BYTES // 1024} KiB (answers are smaller)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"{file} is not UTF-8 (byte {exc.start + 1} cannot be read)") from exc


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in JSON text, counted without parsing (json.loads
    recurses: a 100,000-deep array would end in RecursionError)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class _TooLongError(ValueError):
    pass


def _json_int(digits: str) -> int | str:
    if len(digits) > 400:  # int() stops at 4,300 digits with a ValueError of its own
        raise _TooLongError(len(digits.lstrip("-")))
    return int(digits)


def _json_float(written: str) -> float | str:
    # 1e309 is infinite as a float: the field is told what was written, and refuses it
    if len(written) > 400:
        raise _TooLongError(len(written))
    number = float(written)
    return number if number not in (float("inf"), float("-inf")) else written


def assign(
    ctx: typer.Context,
    case: CaseId,
    task: Annotated[str, typer.Argument(help="The task id.")],
    person: Annotated[str, typer.Argument(help="A person id of the people file.")],
    item: Item = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Give a task to a person."""
    with _service(ctx) as (service, settings):
        result = service.assign_task(
            _case_id(case), task, person, actor=settings.acting_as(), item=item, expected_version=expect
        )
        _report(service, settings, result, as_json)


def comment(
    ctx: typer.Context,
    case: CaseId,
    text: Annotated[str, typer.Argument(help="The comment.")],
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Add a comment to a case's history."""
    with _service(ctx) as (service, settings):
        result = service.comment(
            _case_id(case),
            plain_option(text, "comment", lines=True, limit=MAX_NOTE) or "",
            actor=settings.acting_as(),
            expected_version=expect,
        )
        _report(service, settings, result, as_json)


def tasks(
    ctx: typer.Context,
    mine: Annotated[bool, typer.Option("--mine", help="Tasks of your roles or given to you.")] = False,
    role: Annotated[str | None, typer.Option("--role", help="Tasks of this role.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue tasks.")] = False,
    as_json: Json = False,
) -> None:
    """Open tasks of open cases, soonest due first."""
    from trinn.engine.views import task_view

    if mine and role:
        raise fail("give --mine or --role, not both")
    role = plain_option(role, "--role")
    with _service(ctx) as (service, settings):
        now = service.clock()
        roles = assignee = None
        if mine:
            person = service.person(settings.acting_as())
            assignee = person.id
            roles = None if person.every_role else sorted(person.roles)
        elif role:
            roles = [role]
        rows = service.open_tasks(
            roles=roles, assignee=assignee if roles is not None else None, overdue_at=now if overdue else None
        )
        data = []
        for row, compiled in rows:
            view = task_view(compiled.spec, row, now, settings.language)
            view.update(
                case=row["case_id"],
                playbook=row["playbook_id"],
                subject=row["subject"],
                state=row["case_state"],
                language=compiled.spec.language,
            )
            data.append(view)
    if as_json:
        print_json([{k: v for k, v in view.items() if k != "language"} for view in data])
        return
    if not data:
        out.print("no open tasks", markup=False)
        return
    from trinn.tui.cli.render import due_text

    table = []
    for view in data:
        label = view["task"] + (f" [{view['item']}]" if view["item"] is not None else "")
        due = due_text(view["due_at"], view["language"]) + (" OVERDUE" if view["overdue"] else "")
        who = view["role"] + (f" ({view['assignee']})" if view["assignee"] else "")
        table.append([str(view["case"]), label, who, due, view["subject"] or ""])
    print_columns(["case", "task", "role", "due", "subject"], table)


def history(ctx: typer.Context, case: CaseId, as_json: Json = False) -> None:
    """A case's history: every command, who, when, and what it changed."""
    from trinn.engine.views import event_view
    from trinn.tui.cli.render import history_lines

    with _service(ctx) as (service, settings):
        case_id = _case_id(case)
        events = [event_view(row) for row in service.history(case_id)]
        _loaded, compiled, _ = service.load(case_id)
        language = _language(settings, compiled.spec.language)
    if as_json:
        print_json(events)
    else:
        for line in history_lines(events, language):
            out.print(line, markup=False)


def tick(
    ctx: typer.Context,
    now: Annotated[
        str | None,
        typer.Option(
            "--now", metavar="ISO-TIME", help="Act as if it were this time (default: now; no zone means UTC)."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Fire every due reminder, escalation and timed transition, once."""
    moment = now_option(now)
    with _service(ctx) as (service, _settings):
        actions = service.tick(moment)
    if as_json:
        print_json(
            [{"case": a.case_id, "kind": a.kind, "state": a.state, "detail": a.detail} for a in actions]
        )
        return
    if not actions:
        out.print("nothing due", markup=False)
    for a in actions:
        out.print(f"case {a.case_id}: {a.kind} in {a.state or '?'}: {a.detail}", markup=False)


def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "json",
    as_json: Json = False,
) -> None:
    """Every case with its fields: JSON (with tasks and history) or CSV (one row per case)."""
    from trinn.engine.views import case_view, event_view

    if fmt not in ("json", "csv"):
        raise fail(f"unknown format '{fmt}' (expected 'json' or 'csv')")
    with _service(ctx) as (service, settings):
        now = service.clock()
        views = []
        for row in service.cases():
            case, compiled, children = service.load(row["id"])
            view = case_view(compiled, case, now, settings.language, children)
            if fmt == "json":
                view["history"] = [event_view(e) for e in service.history(case.id)]
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


_COMMANDS: list[tuple[Callable[..., Any], str]] = [
    (open_, "open"),
    (cases, "cases"),
    (show, "show"),
    (can, "can"),
    (fire, "fire"),
    (done, "done"),
    (reopen, "reopen"),
    (set_, "set"),
    (form, "form"),
    (assign, "assign"),
    (comment, "comment"),
    (tasks, "tasks"),
    (history, "history"),
    (tick, "tick"),
    (export, "export"),
]


def register(app: typer.Typer) -> None:
    for function, name in _COMMANDS:
        app.command(name)(function)
