"""Sending the outbox: send, outbox (and outbox retry), and the delivery after a command.

A command that changes cases sends the messages it queued right after its
commit (`deliver_after_command`, called by each writing command); `trinn send`
sends every due message, for cron. Every text shown here has the channels
file's secrets masked. The channels commands are in tui/cli/channels.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.errors import CommandError, TrinnError
from trinn.engine.outbox_message import OutboxMessage
from trinn.engine.status import OutboxStatus
from trinn.tui.cli.arguments import moment
from trinn.tui.cli.channels import configured_channels
from trinn.tui.cli.delivery import deliver_after_command, problem_line
from trinn.tui.cli.options import Json, Now
from trinn.tui.cli.output import err, fail, out, print_columns, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.notifiers.dispatch import RowResult

__all__ = ["COMMANDS", "deliver_after_command", "outbox_app"]


def send(ctx: typer.Context, now: Now = None, as_json: Json = False) -> None:
    """Send every due message of the outbox (run it from cron); retries wait their turn."""
    from trinn.notifiers.dispatch import send_pending

    settings: Settings = ctx.obj
    when = moment(now)
    found = configured_channels(settings, required=True)
    assert found is not None
    try:
        report = send_pending(settings.store(), found, now=when)
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_json([_result_view(r) for r in report.results])
    else:
        if not report.results:
            out.print("nothing to send", markup=False)
        for result in report.results:
            if result.status == OutboxStatus.SENT:
                out.print(
                    f"message {result.outbox_id} (case {result.case_id}): sent"
                    + (f" to {', '.join(result.sent_to)}" if result.sent_to else ""),
                    markup=False,
                )
            elif result.status == OutboxStatus.SKIPPED:
                out.print(
                    f"message {result.outbox_id} (case {result.case_id}): not sent: "
                    f"{'; '.join(result.errors)}",
                    markup=False,
                )
            else:
                err.print(f"trinn: {problem_line(result)}", markup=False)
    if report.failed or report.waiting:
        raise typer.Exit(1)


def _result_view(result: RowResult) -> dict[str, Any]:
    return {
        "id": result.outbox_id,
        "case": result.case_id,
        "status": result.status,
        "attempts": result.attempts,
        "sent_to": result.sent_to,
        "errors": result.errors,
        "next_attempt_at": result.next_attempt_at.isoformat() if result.next_attempt_at else None,
    }


outbox_app = typer.Typer(
    help="The messages queued by commands: sent, waiting or failed.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed messages.")] = False,
    as_json: Json = False,
) -> None:
    """List the outbox: each message, its status, and each channel's result."""
    if ctx.invoked_subcommand is not None:
        return
    from trinn.engine.views import iso
    from trinn.notifiers.masking import shown_delivery, shown_outbox_row

    settings: Settings = ctx.obj
    try:
        rows, deliveries = settings.queries().outbox_listing(status=OutboxStatus.FAILED if failed else None)
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    # masked when they were written; masked again, for rows an older trinn wrote
    rows = [shown_outbox_row(row) for row in rows]
    by_row: dict[int, list[dict[str, Any]]] = {}
    for d in map(shown_delivery, deliveries):
        by_row.setdefault(d.outbox_id, []).append(
            {
                "attempt": d.attempt,
                "at": iso(d.at),
                "service": d.service,
                "url": d.url,
                "recipient": d.recipient,
                "status": d.status,
                "error": d.error,
            }
        )
    views: list[dict[str, Any]] = []
    for row in rows:
        message = OutboxMessage.from_json(row.payload)
        views.append(
            {
                "id": row.id,
                "case": row.case_id,
                "status": row.status,
                "attempts": row.attempts,
                "created_at": iso(row.created_at),
                "next_attempt_at": (iso(row.next_attempt_at) if row.status == OutboxStatus.PENDING else None),
                "sent_at": iso(row.sent_at),
                "reason": message.reason,
                "message": message.message,
                "to": message.recipients(),
                "title": message.title,
                "attachments": [dict(item) for item in message.attachments],
                "last_error": row.last_error,
                "deliveries": by_row.get(row.id, []),
            }
        )
    if as_json:
        print_json(views)
        return
    if not views:
        out.print("no failed messages" if failed else "the outbox is empty", markup=False)
        return
    print_columns(
        ["id", "case", "status", "tries", "to", "title"],
        [
            [
                str(v["id"]),
                str(v["case"]),
                v["status"],
                str(v["attempts"]),
                ",".join(v["to"]),
                v["title"] or v["message"] or "",
            ]
            for v in views
        ],
    )
    for v in views:
        if v["last_error"] and v["status"] != OutboxStatus.SENT:
            out.print(f"  {v['id']}: {v['last_error']}", markup=False)


@outbox_app.command("retry")
def outbox_retry(
    ctx: typer.Context,
    row_id: Annotated[int, typer.Argument(metavar="ID", help="The message id.", min=1, max=2**63 - 1)],
    now: Now = None,
    as_json: Json = False,
) -> None:
    """Send a failed message again now, to the channels that have not taken it."""
    from trinn.notifiers.dispatch import retry

    settings: Settings = ctx.obj
    when = moment(now)
    found = configured_channels(settings, required=True)
    assert found is not None
    try:
        result = retry(settings.store(), found, row_id, now=when)
    except CommandError as exc:
        raise fail(str(exc), 1) from exc
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_json(_result_view(result))
    elif result.status == OutboxStatus.SENT:
        out.print(
            f"message {row_id} (case {result.case_id}): sent"
            + (f" to {', '.join(result.sent_to)}" if result.sent_to else ""),
            markup=False,
        )
    else:
        err.print(f"trinn: {problem_line(result)}", markup=False)
    if result.status != OutboxStatus.SENT:
        raise typer.Exit(1)


# the commands, by name (tui/cli/commands.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {
    "send": send,
}
