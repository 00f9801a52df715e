"""Outbox: messages waiting to be sent or that failed, with their attempts and last error.

Delivery belongs to the notifiers; this screen only shows the outbox table and
hands a retry to whatever callable the app was given (`retry(outbox_id)`), so
that the dispatcher plugs in without the screen knowing how it sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from trinn.engine.i18n import N_
from trinn.engine.outbox_message import outbox_entry
from trinn.engine.status import OutboxStatus
from trinn.engine.store.rows import OutboxRow
from trinn.tui.i18n import gettext as _
from trinn.tui.i18n import local_datetime, ngettext
from trinn.tui.screens.base import DeskScreen, run_db
from trinn.tui.widgets.plain import plain

__all__ = ["OutboxScreen", "Retry"]

Retry = Callable[[int], None]


class OutboxScreen(DeskScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "retry", N_("Retry")),
        Binding("s", "toggle_sent", N_("Show sent")),
        Binding("r", "reload", N_("Reload")),
    ]

    def __init__(self, retry: Retry | None = None) -> None:
        super().__init__()
        self.retry = retry
        self.show_sent = False
        self.rows: list[OutboxRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading the outbox…"), id="outbox-status", classes="status-line")
        table: DataTable[Any] = DataTable(id="outbox", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Outbox")
        table = self.query_one("#outbox", DataTable)
        for label in (
            _("Id"),
            _("Case"),
            _("Status"),
            _("To"),
            _("Message"),
            _("Tries"),
            _("Created"),
            _("Last error"),
        ):
            table.add_column(label)
        table.focus()

    def refresh_data(self) -> None:
        statuses = None if self.show_sent else (OutboxStatus.PENDING, OutboxStatus.FAILED)
        run_db(self, lambda: self.desk.outbox(statuses), self._show, group="outbox", exclusive=True)

    def _show(self, rows: list[OutboxRow]) -> None:
        self.rows = rows
        table = self.query_one("#outbox", DataTable)
        table.clear()
        for row in rows:
            entry = outbox_entry(row.kind, row.payload)
            table.add_row(
                str(row.id),
                str(row.case_id),
                plain(row.status),
                plain(entry.recipients_text()),
                plain(entry.headline()),
                str(row.attempts),
                local_datetime(row.created_at),
                plain(row.last_error or ""),
            )
        failed = sum(1 for r in rows if r.status == OutboxStatus.FAILED)
        text = ngettext("{count} message", "{count} messages", len(rows)).format(count=len(rows))
        text += " · " + _("{count} failed").format(count=failed)
        if self.retry is None:
            text += " · " + _("sending is not set up in this process")
        self.query_one("#outbox-status", Static).update(plain(text))

    def action_retry(self) -> None:
        table = self.query_one("#outbox", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return
        if self.retry is None:
            self.notify(_("Retrying needs the notifications set up (channels)."), severity="warning")
            return
        outbox_id = int(self.rows[table.cursor_row].id)
        retry = self.retry

        def sent(_r: object) -> None:
            self.notify(_("Sent."))
            self.refresh_data()

        run_db(self, lambda: retry(outbox_id), sent, group="write")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a message: read it in full, with each try's whole error."""
        from trinn.tui.screens.message import MessageDialog

        event.stop()
        if not 0 <= event.cursor_row < len(self.rows):
            return
        row = self.rows[event.cursor_row]
        run_db(
            self,
            lambda: self.desk.deliveries(int(row.id)),
            lambda found: self.app.push_screen(MessageDialog(row, found)),
            group="outbox-message",
        )

    def action_toggle_sent(self) -> None:
        self.show_sent = not self.show_sent
        self.refresh_data()

    def action_reload(self) -> None:
        self.refresh_data()
