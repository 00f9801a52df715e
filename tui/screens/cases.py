"""Cases: every case with its playbook, subject, state, open tasks, next due date, last change.

The rows are read once in a worker and kept; a filter or a search only picks
from them again, so it costs no database work, and the table formats only
the rows on screen.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input, Static

from trinn.engine.errors import TrinnError
from trinn.engine.i18n import N_
from trinn.tui.desk import ALL, CLOSED, CaseFilter, CaseRow
from trinn.tui.i18n import due_text, local_datetime, ngettext
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import DeskScreen, run_db
from trinn.tui.widgets.plain import plain, visible_controls
from trinn.tui.widgets.virtual_table import Column, VirtualTable

__all__ = ["CasesScreen"]


class CasesScreen(DeskScreen):
    """The list of cases, filtered and searched; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_case", N_("Open"), show=False),
        Binding("n", "new_case", N_("New case")),
        Binding("f", "filters", N_("Filter")),
        Binding("slash", "search", N_("Search")),
        Binding("x", "toggle_overdue", N_("Overdue")),
        Binding("r", "reload", N_("Reload")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CaseRow] = []
        self.filter = CaseFilter()
        self.shown: list[CaseRow] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=_("Search cases (/)"), id="search")
        yield Static(_("Loading cases…"), id="cases-status", classes="status-line")
        yield VirtualTable(self._columns(), id="cases")
        yield Footer()

    def _columns(self) -> list[Column[CaseRow]]:
        """Formatted only for the rows on screen (dates through Babel cost the most)."""
        now = self.desk.now()

        def overdue(row: CaseRow) -> str:
            return "bold red" if row.overdue(now) else ""

        return [
            Column(_("Case"), 5, lambda r: str(r.id), overdue),
            Column(_("Subject"), 18, lambda r: r.subject, overdue),
            Column(
                _("State"),
                22,
                lambda r: r.state_title + (" ✔" if r.closed else ""),
                lambda r: "dim" if r.closed else "",
            ),
            Column(_("Tasks"), 5, lambda r: str(r.open_tasks or "")),
            Column(
                _("Due"),
                12,
                lambda r: ("! " if r.overdue(now) else "") + due_text(r.next_due, r.language),
                overdue,
            ),
            Column(_("Changed"), 17, lambda r: local_datetime(r.updated_at, r.language, r.zone)),
            Column(_("Playbook"), 30, lambda r: r.playbook_title),
        ]

    def on_mount(self) -> None:
        self.title = _("Cases")
        self.query_one("#cases", VirtualTable).focus()

    def refresh_data(self) -> None:
        run_db(self, self.desk.case_rows, self._loaded, self._failed, group="cases", exclusive=True)

    def _loaded(self, rows: list[CaseRow]) -> None:
        self.rows = rows
        self.loaded = True
        self.show_rows()

    def _failed(self, exc: TrinnError) -> None:
        self.query_one("#cases-status", Static).update(plain(exc))
        self.notify(str(exc), severity="error", timeout=10)

    def show_rows(self) -> None:
        """Rebuild the table from the rows read, through the filter (one batch)."""
        table = self.query_one("#cases", VirtualTable)
        selected = self.selected_case()
        now = self.desk.now()
        shown = [row for row in self.rows if self.filter.matches(row, now)]
        cursor = next((i for i, row in enumerate(shown) if row.id == selected), 0)
        table.set_rows(shown, cursor)
        self.shown = shown
        self.query_one("#cases-status", Static).update(plain(self._summary(len(shown))))

    def _summary(self, count: int) -> str:
        parts = [
            ngettext("{shown} of {total} case", "{shown} of {total} cases", len(self.rows)).format(
                shown=count, total=len(self.rows)
            )
        ]
        f = self.filter
        parts.append({ALL: _("all"), CLOSED: _("closed")}.get(f.status, _("open")))
        if f.playbook:
            parts.append(_("playbook {id}").format(id=f.playbook))
        if f.state:
            parts.append(_("state {id}").format(id=f.state))
        if f.role:
            parts.append(_("role {id}").format(id=f.role))
        if f.overdue:
            parts.append(_("overdue"))
        if f.search:
            parts.append(f"“{f.search}”")
        return " · ".join(parts)

    def selected_case(self) -> int | None:
        row = self.query_one("#cases", VirtualTable).cursor_value()
        return None if row is None else row.id

    def apply_filter(self, new: CaseFilter) -> None:
        self.filter = new
        self.show_rows()

    # actions ------------------------------------------------------------------

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        self.action_open_case()

    def action_open_case(self) -> None:
        case_id = self.selected_case()
        if case_id is not None:
            self.app.open_case_screen(case_id)  # type: ignore[attr-defined]

    def action_new_case(self) -> None:
        self.app.action_new_case()  # type: ignore[attr-defined]

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            event.stop()
            if visible_controls(event.input):
                return  # a pasted terminal escape, now text: searched when its own change comes
            self.apply_filter(CaseFilter(**{**vars(self.filter), "search": event.value.strip()}))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            event.stop()
            self.query_one("#cases", VirtualTable).focus()

    def action_toggle_overdue(self) -> None:
        self.apply_filter(CaseFilter(**{**vars(self.filter), "overdue": not self.filter.overdue}))

    def action_reload(self) -> None:
        self.refresh_data()

    def action_filters(self) -> None:
        from trinn.tui.screens.dialogs import FilterDialog

        playbooks = sorted({(r.playbook, r.playbook_title) for r in self.rows})
        states = sorted(
            {(r.state, r.state_title) for r in self.rows if self.filter.playbook in (None, r.playbook)},
            key=lambda s: s[1],
        )
        roles = sorted({role for r in self.rows for role in r.roles})

        def chosen(result: CaseFilter | None) -> None:
            if result is not None:
                self.apply_filter(result)

        self.app.push_screen(FilterDialog(self.filter, playbooks, states, roles), chosen)
