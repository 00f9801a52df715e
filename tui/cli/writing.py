"""The commands that change a case: open, fire, done, reopen, set, form, assign, comment, tick.

Each builds the service from the global options and calls one command of it;
after the commit, and only after a commit, it sends the messages the command
queued (`deliver_after_command`): an explicit step of every writing command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.values import MAX_NOTE
from trinn.tui.cli import case_commands
from trinn.tui.cli.answers import read_answers
from trinn.tui.cli.arguments import note_option, now_option, pairs, plain_option
from trinn.tui.cli.case_commands import show_case
from trinn.tui.cli.options import CaseId, Expect, Item, Json, Note, Sets
from trinn.tui.cli.output import fail, out, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.service import Service

__all__ = ["COMMANDS"]


def open_(
    ctx: typer.Context,
    playbook: Annotated[str, typer.Argument(help="A playbook id (see `trinn playbooks`) or file.")],
    sets: Sets = None,
    as_json: Json = False,
) -> None:
    """Open a case; prints its id."""
    settings: Settings = ctx.obj
    with case_commands.writing(settings) as service:
        case = service.open_case(playbook, pairs(sets), actor=settings.acting_as())
        if as_json:
            show_case(service, settings, case.id, True)
        else:
            out.print(str(case.id), markup=False)


# (service, case id, who acts) -> the case after the command
Task = Annotated[str, typer.Argument(help="The task id (see `trinn show CASE`).")]


def fire(
    ctx: typer.Context,
    case: CaseId,
    trigger: Annotated[str, typer.Argument(help="The trigger (see `trinn can CASE`).")],
    sets: Sets = None,
    note: Note = None,
    against_advice: Annotated[
        str | None,
        typer.Option(
            "--against-advice",
            metavar="REASON",
            help="Go ahead against the playbook's advice, for this reason (kept in the history).",
        ),
    ] = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Fire a trigger: the case moves if its role and guard allow it (and, against its advice,
    with a reason)."""
    case_commands.fire(ctx.obj, case, trigger, sets, note, against_advice, expect, as_json)


def _task_command(method: Callable[[Service], Callable[..., Case]], doc: str) -> Callable[..., None]:
    """`trinn done` and `trinn reopen`: one task of the case's state (an item's, with --item),
    done by the service's `method`."""

    def command(
        ctx: typer.Context,
        case: CaseId,
        task: Task,
        note: Note = None,
        item: Item = None,
        expect: Expect = None,
        as_json: Json = False,
    ) -> None:
        case_commands.task_command(method, ctx.obj, case, task, note, item, expect, as_json)

    command.__doc__ = doc
    return command


done = _task_command(lambda service: service.complete_task, "Mark a task of the case's state done.")
reopen = _task_command(lambda service: service.reopen_task, "Open a done task again.")

done = _task_command(lambda service: service.complete_task, "Mark a task of the case's state done.")
reopen = _task_command(lambda service: service.reopen_task, "Open a done task again.")


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
    case_commands.set_fields(ctx.obj, case, values, note, expect, as_json)


def form(
    ctx: typer.Context,
    case: CaseId,
    form_id: Annotated[str, typer.Argument(metavar="FORM", help="The form id.")],
    values: Annotated[list[str] | None, typer.Argument(metavar="[FIELD=VALUE...]")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A JSON object of answers (instead of FIELD=VALUE).")
    ] = None,
    note: Note = None,
    item: Annotated[
        str | None,
        typer.Option("--item", help="The item whose record it is (a form of a for_each task)."),
    ] = None,
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Submit a form: its fields checked together; it completes the task it belongs to
    (of a for_each task: one item's, whose own record the answers are)."""
    if file is not None and values:
        raise fail("give --file or FIELD=VALUE, not both")
    answers: dict[str, Any] = read_answers(file) if file is not None else pairs(values)
    said = note_option(note)
    case_commands.on_case(
        ctx.obj,
        case,
        as_json,
        lambda service, number, actor: service.submit_form(
            number, form_id, answers, actor=actor, note=said, expected_version=expect, item=item
        ),
    )


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
    case_commands.on_case(
        ctx.obj,
        case,
        as_json,
        lambda service, number, actor: service.assign_task(
            number, task, person, actor=actor, item=item, expected_version=expect
        ),
    )


def comment(
    ctx: typer.Context,
    case: CaseId,
    text: Annotated[str, typer.Argument(help="The comment.")],
    expect: Expect = None,
    as_json: Json = False,
) -> None:
    """Add a comment to a case's history."""
    said = plain_option(text, "comment", lines=True, limit=MAX_NOTE) or ""
    case_commands.on_case(
        ctx.obj,
        case,
        as_json,
        lambda service, number, actor: service.comment(number, said, actor=actor, expected_version=expect),
    )


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
    with case_commands.writing(ctx.obj) as service:
        actions = service.tick(moment)
        if as_json:
            print_json(
                [{"case": a.case_id, "kind": a.kind, "state": a.state, "detail": a.detail} for a in actions]
            )
        elif not actions:
            out.print("nothing due", markup=False)
        for a in [] if as_json else actions:
            out.print(f"case {a.case_id}: {a.kind} in {a.state or '?'}: {a.detail}", markup=False)


# the commands, by name (tui/cli/commands.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {
    "open": open_,
    "fire": fire,
    "done": done,
    "reopen": reopen,
    "set": set_,
    "form": form,
    "assign": assign,
    "comment": comment,
    "tick": tick,
}
