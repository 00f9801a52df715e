"""A case: where it is, its tasks by role, what can be done now (and why not), fields, forms,
history and messages.

Every write names the row version the screen shows; if someone else changed the
case meanwhile the engine refuses, the screen says so and reloads, and field
values typed but not saved stay in their inputs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, TabbedContent, TabPane

from trinn.engine.case import TaskRecord
from trinn.engine.errors import StaleCaseError, TrinnError
from trinn.engine.i18n import N_
from trinn.tui.desk import CasePage
from trinn.tui.i18n import gettext as _
from trinn.tui.i18n import ngettext
from trinn.tui.screens import case_steps
from trinn.tui.screens.base import DeskScreen, error_fields, error_text, run_db
from trinn.tui.widgets.case_tabs import ActionList, CaseHead, FormList, MessageTable, TaskTable
from trinn.tui.widgets.field_input import FieldInput
from trinn.tui.widgets.field_list import FieldList
from trinn.tui.widgets.task_note import TaskNote
from trinn.tui.widgets.timeline import Timeline

__all__ = ["CaseScreen"]


_KEYS: list[BindingType] = [
    Binding("escape", "back", N_("Back")),
    Binding("d", "complete", N_("Done")),
    Binding("u", "reopen", N_("Reopen"), show=False),
    Binding("g", "assign", N_("Assign"), show=False),
    Binding("a", "tab('actions')", N_("Actions"), show=False),
    Binding("e", "tab('fields')", N_("Fields"), show=False),
    Binding("ctrl+s", "save_fields", N_("Save"), show=False),
    Binding("n", "comment", N_("Comment"), show=False),
    Binding("h", "tab('history')", N_("History"), show=False),
    Binding("r", "reload", N_("Reload"), show=False),
    Binding("x", "guards", N_("Guards as written"), show=False),
    # one footer entry for the six tab keys (`a`, `e` and `h` too are in the help): a footer of
    # 80 columns has no room for more, and F1 Help must stay in view
    *(
        Binding(str(number), f"tab('{tab}')", N_("Tabs"), show=number == 1, key_display="1-6")
        for number, tab in enumerate(("tasks", "actions", "fields", "forms", "history", "messages"), 1)
    ),
]


class CaseScreen(DeskScreen):
    """One case; Escape goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = _KEYS

    def __init__(self, case_id: int, open_form: str | None = None, open_item: str | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.open_form_first = open_form  # from My tasks: a form task opens its form (its item's)
        self.open_item_first = open_item
        self.page: CasePage | None = None

    @property
    def version(self) -> int | None:
        return self.page.case.row_version if self.page else None

    def compose(self) -> ComposeResult:
        yield Header()
        yield CaseHead(_("Loading case {id}…").format(id=self.case_id), id="case-head")
        with TabbedContent(id="case-tabs"):
            # each tab's number is its key (1-6), shown in the tab itself
            with TabPane("1 " + _("Tasks"), id="tasks"):
                yield TaskTable(id="task-table")
                yield TaskNote(id="task-note")
            with TabPane("2 " + _("Actions"), id="actions"):
                yield ActionList(id="action-list")
            with TabPane("3 " + _("Fields"), id="fields"):
                yield FieldList(id="field-list")
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Save fields"), id="save-fields", variant="primary")
            with TabPane("4 " + _("Forms"), id="forms"):
                yield FormList(id="form-list")
            with TabPane("5 " + _("History"), id="history"), VerticalScroll():
                yield Timeline(id="history-text")
            with TabPane("6 " + _("Messages"), id="messages"):
                yield MessageTable(id="message-table")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Case {id}").format(id=self.case_id)
        self.task_table.focus()

    @property
    def task_table(self) -> TaskTable:
        return self.query_one(TaskTable)

    @property
    def field_list(self) -> FieldList:
        return self.query_one(FieldList)

    # reading ------------------------------------------------------------------

    def refresh_data(self) -> None:
        run_db(self, lambda: self.desk.case_page(self.case_id), self.show_page, group="case", exclusive=True)

    def show_page(self, page: CasePage) -> None:
        first = self.page is None
        self.page = page
        self.query_one(CaseHead).show(page)
        self.task_table.show(page, self.desk.now())
        self.query_one(TaskNote).show(page, self.task_table.selected())
        self.query_one(ActionList).show(page)
        self.field_list.show(page, self.desk.actor)
        self.query_one(FormList).show(page)
        self.query_one(Timeline).show(page, self.desk.actor, self.desk.service.people.name_of)
        self.query_one(MessageTable).show(page)
        if first and self.open_form_first in page.spec.forms:
            self.open_form(self.open_form_first, self.open_item_first)

    # writing ------------------------------------------------------------------

    def write(self, work: Any, done_text: str) -> None:
        """Run a write; on success reload and say so, on a refusal say why (a conflict reloads)."""

        def done(_case: Any) -> None:
            self.notify(done_text, timeout=4)
            self.refresh_data()

        def failed(exc: TrinnError) -> None:
            self.notify(error_text(exc), severity="error", timeout=10)
            if isinstance(exc, StaleCaseError):
                self.refresh_data()

        run_db(self, work, done, failed, group="write")

    def selected_task(self) -> TaskRecord | None:
        return self.task_table.selected()

    def complete_task(self, index: int) -> None:
        """Complete the task on row `index` of the tasks tab (the palette's "Complete: …")."""
        self.task_table.move_cursor(row=index)
        self.action_complete()

    def action_complete(self) -> None:
        case_steps.complete(self)

    def action_assign(self) -> None:
        case_steps.assign(self)

    def action_reopen(self) -> None:
        case_steps.reopen(self)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """A task highlighted: its instructions under the table."""
        if event.data_table is self.task_table and self.page is not None:
            self.query_one(TaskNote).show(self.page, self.task_table.selected())

    def on_action_list_chosen(self, event: ActionList.Chosen) -> None:
        self.fire(event.choice)

    def on_form_list_chosen(self, event: FormList.Chosen) -> None:
        self.open_form(event.choice)

    def on_message_table_opened(self, event: MessageTable.Opened) -> None:
        """Enter on a message of the Messages tab: read it in full, as from the Outbox."""
        from trinn.tui.screens.message import MessageDialog

        row, deliveries = event.row, self.desk.deliveries
        run_db(
            self,
            lambda: deliveries(int(row.id)),
            lambda found: self.app.push_screen(MessageDialog(row, found)),
            group="case-message",
        )

    def fire(self, trigger: str) -> None:
        case_steps.fire(self, trigger)

    def open_form(self, form_id: str, item: str | None = None) -> None:
        case_steps.open_form(self, form_id, item)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-fields":
            event.stop()
            self.action_save_fields()

    def action_save_fields(self) -> None:
        dirty = self.field_list.dirty()
        if not dirty:
            self.notify(_("No field changed."), severity="warning")
            return
        if not all([f.check() for f in dirty]):
            self.notify(_("Correct the fields marked in red."), severity="error")
            return
        values = {f.field_name: f.value for f in dirty}
        version = self.field_list.filled_from

        def done(case: Any) -> None:
            for field in dirty:
                field.initial = case.fields.get(field.field_name)
            self.notify(_("Fields saved."), timeout=4)
            self.refresh_data()

        def failed(exc: TrinnError) -> None:
            message = error_text(exc)
            if isinstance(exc, StaleCaseError):
                self.notify(message, severity="error", timeout=10)
                run_db(self, lambda: self.desk.case_page(self.case_id), self._rebase, group="case")
                return
            at_fields = error_fields(exc)
            for field in dirty:
                if field.field_name in at_fields:
                    field.set_error(at_fields[field.field_name])
            self.notify(message, severity="error", timeout=10)

        run_db(self, lambda: self.desk.set_fields(self.case_id, values, version), done, failed, group="write")

    def _rebase(self, page: CasePage) -> None:
        """After a conflict: show the case as it is now; typed values stay, each told what the
        other change left there, and the next save goes against the new version."""
        self.show_page(page)
        self.field_list.rebase(page)

    def action_comment(self) -> None:
        case_steps.comment(self)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "fields":  # by a click on the tab too
            self.field_list.reveal()

    def action_tab(self, tab: str) -> None:
        self.query_one("#case-tabs", TabbedContent).active = tab
        focus = {
            "actions": "#action-list",
            "tasks": "#task-table",
            "forms": "#form-list",
            "messages": "#message-table",
        }
        if tab in focus:
            self.query_one(focus[tab]).focus()
        elif tab == "fields":  # the first field this person may change takes the typing at once
            if self.field_list.reveal(focus_first=True):
                return  # made just now: that field takes the focus as it is mounted
            controls = [c for c in self.query(".field-control") if not c.disabled]
            if not controls:
                return
            first = controls[0]
            first.focus()
            self.query_one("#field-list", VerticalScroll).scroll_to_widget(first, animate=False)

    def action_guards(self) -> None:
        """For designers: show (or hide again) each blocked action's guard as written, with the
        values it read; coordinators read the reasons in words."""
        actions = self.query_one(ActionList)
        actions.guards = not actions.guards
        if self.page is not None:
            actions.show(self.page)
        self.action_tab("actions")

    def action_reload(self) -> None:
        self.refresh_data()

    def unsaved(self) -> list[FieldInput]:
        """Fields typed in but not saved."""
        return self.field_list.dirty()

    def action_back(self) -> None:
        """Escape: in a field, leave the field (letters are keys again); else back to the list,
        asking first when fields are typed in but not saved."""
        if self.app.screen is not self:
            return  # a second Escape while this page is already closing
        focused = self.focused
        if focused is not None and focused.has_class("field-control"):
            self.query_one("#case-tabs Tabs").focus()
            return
        dirty = self.unsaved()
        if not dirty:
            self.app.pop_screen()
            return
        from trinn.tui.screens.dialogs import ConfirmDialog

        def answered(leave: bool | None) -> None:
            if leave and self.app.screen is self:
                self.app.pop_screen()

        question = ngettext(
            "Leave case {id} without saving {count} changed field?",
            "Leave case {id} without saving {count} changed fields?",
            len(dirty),
        ).format(id=self.case_id, count=len(dirty))
        self.app.push_screen(ConfirmDialog(question, _("Leave")), answered)
