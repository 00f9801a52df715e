"""My tasks: every open task of my roles across cases, overdue first, then by due date."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from trinn.engine.i18n import N_
from trinn.tui.desk import TaskRow
from trinn.tui.i18n import due_text, ngettext
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import DeskScreen, error_text, run_db
from trinn.tui.widgets.plain import plain

__all__ = ["MyTasksScreen"]


class MyTasksScreen(DeskScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "complete", N_("Done")),
        Binding("enter", "open_case", N_("Open case"), show=False),
        Binding("r", "reload", N_("Reload")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TaskRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading tasks…"), id="tasks-status", classes="status-line")
        table: DataTable[Any] = DataTable(id="my-tasks", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("My tasks")
        table = self.query_one("#my-tasks", DataTable)
        for label, width in (
            (_("Due"), 10),
            (_("Case"), 5),
            (_("Subject"), 16),
            (_("Task"), 34),
            (_("Role"), 12),
        ):
            table.add_column(label, width=width)
        table.focus()

    def refresh_data(self) -> None:
        run_db(self, self.desk.my_tasks, self._show, group="tasks", exclusive=True)

    def _show(self, rows: list[TaskRow]) -> None:
        self.rows = rows
        table = self.query_one("#my-tasks", DataTable)
        cursor = table.cursor_row
        table.clear()
        now = self.desk.now()
        overdue = 0
        for row in rows:
            late = row.overdue(now)
            overdue += late
            style = "bold red" if late else ""
            title = row.title + (f" [{row.item}]" if row.item else "")
            table.add_row(
                Text(("! " if late else "") + due_text(row.due_at, row.language), style=style),
                str(row.case_id),
                plain(row.subject),
                plain(title, style),
                plain(row.role_title or row.role),
            )
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))
        status = ngettext("{count} open task", "{count} open tasks", len(rows)).format(count=len(rows))
        if overdue:
            status += " · " + _("{count} overdue").format(count=overdue)
        self.query_one("#tasks-status", Static).update(
            plain(status + " · " + _("as {person}").format(person=self.desk.actor))
        )

    def selected(self) -> TaskRow | None:
        table = self.query_one("#my-tasks", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_case()

    def action_open_case(self) -> None:
        row = self.selected()
        if row is not None:
            self.app.open_case_screen(row.case_id)  # type: ignore[attr-defined]

    def action_complete(self) -> None:
        """Complete the task here: a form task opens its form on the case's page."""
        from trinn.tui.screens.dialogs import NoteDialog

        row = self.selected()
        if row is None:
            return
        if row.form is not None:
            self.app.open_case_screen(row.case_id, form=row.form, item=row.item)  # type: ignore[attr-defined]
            return

        def noted(note: str | None) -> None:
            if note is None:
                return

            def failed(exc: Any) -> None:
                self.notify(error_text(exc), severity="error", timeout=10)
                self.refresh_data()

            def completed(_case: object) -> None:
                self.notify(_("Task done."), timeout=4)
                self.refresh_data()

            run_db(
                self,
                lambda: self.desk.complete(row.case_id, row.task, note, row.item, None),
                completed,
                failed,
                group="write",
            )

        self.app.push_screen(NoteDialog(_("Complete: {task}").format(task=row.title)), noted)

    def action_reload(self) -> None:
        self.refresh_data()
