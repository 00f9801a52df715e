"""One message of the outbox read in full: who it is for, its subject and body, and each try
to deliver it with the channel's whole answer (the table's columns cut them short)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from trinn.engine.i18n import N_
from trinn.engine.outbox_message import outbox_entry
from trinn.engine.store.rows import DeliveryRow, OutboxRow
from trinn.tui.i18n import gettext as _
from trinn.tui.i18n import local_datetime
from trinn.tui.screens.base import Dialog
from trinn.tui.widgets.plain import plain

__all__ = ["MessageDialog", "message_text"]


def message_text(row: OutboxRow, deliveries: Sequence[DeliveryRow]) -> str:
    """The message of outbox `row` as a person reads it, with its `deliveries` (oldest first)."""
    entry = outbox_entry(row.kind, row.payload)
    title = getattr(entry, "title", None) or entry.headline()
    body = getattr(entry, "body", None) or ""
    lines = [
        _("To: {recipients}").format(recipients=entry.recipients_text() or "—"),
        _("Subject: {title}").format(title=title),
        _("Status: {status}, {count} tries").format(status=row.status, count=row.attempts),
        "",
        body,
    ]
    if deliveries:
        lines += ["", _("Deliveries:")]
    for delivery in deliveries:
        lines.append(
            f"{local_datetime(delivery.at)}  {delivery.service or ''}  "
            f"{delivery.recipient or ''}  {delivery.status}"
        )
        if delivery.error:
            lines.append("    " + str(delivery.error))
    if row.last_error and not deliveries:
        lines += ["", _("Last error: {error}").format(error=row.last_error)]
    return "\n".join(lines)


class MessageDialog(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close_message", N_("Close"))]

    def __init__(self, row: OutboxRow, deliveries: Sequence[DeliveryRow]) -> None:
        super().__init__()
        self.text = message_text(row, deliveries)
        self.heading = _("Message {id} of case {case}").format(id=row.id, case=row.case_id)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(plain(self.heading), classes="dialog-title")
            with VerticalScroll(classes="dialog-fields"):
                yield Static(plain(self.text), id="message-text")

    def action_close_message(self) -> None:
        self.close(None)
