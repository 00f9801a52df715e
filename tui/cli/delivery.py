"""The delivery after a command: what a command that changes cases queued is sent right after
its commit (each writing command calls `deliver_after_command`), with no typer behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trinn.engine.errors import TrinnError
from trinn.engine.status import OutboxStatus
from trinn.tui.cli.output import err

if TYPE_CHECKING:
    from trinn.notifiers.dispatch import RowResult
    from trinn.tui.cli.settings import Settings

__all__ = ["deliver_after_command", "problem_line"]


def deliver_after_command(settings: Settings) -> None:
    """Send what the command just queued; a failure is reported, the command still stands."""
    from trinn.notifiers.dispatch import send_pending

    try:
        if not settings.queries().anything_to_send(settings.clock()):
            return  # nothing queued: the channels file and apprise stay unread
        channels = settings.channels()
        if channels is None:
            return  # no channels configured: messages wait in the outbox (`trinn outbox`)
        for warning in channels.warnings:
            err.print(f"trinn: warning: {warning}", markup=False)
        report = send_pending(settings.store(), channels, now=settings.clock(), fresh_only=True)
    except TrinnError as exc:
        err.print(f"trinn: messages not sent: {exc} (they wait in the outbox)", markup=False)
        return
    for result in report.results:
        if result.status not in (OutboxStatus.SENT, OutboxStatus.SKIPPED):
            err.print(f"trinn: {problem_line(result)}", markup=False)


def problem_line(result: RowResult) -> str:
    if result.status == OutboxStatus.LOST:  # not a failure: the dispatcher that took it over finishes it
        return f"message {result.outbox_id} (case {result.case_id}): {'; '.join(result.errors)}"
    when = (
        f"; next try {result.next_attempt_at:%Y-%m-%d %H:%M} UTC"
        if result.status == OutboxStatus.PENDING and result.next_attempt_at
        else "; failed for good (`trinn outbox retry " + str(result.outbox_id) + "`)"
        if result.status == OutboxStatus.FAILED
        else ""
    )
    return (
        f"message {result.outbox_id} (case {result.case_id}) not delivered: {'; '.join(result.errors)}{when}"
    )
