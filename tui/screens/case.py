"""A case: where it is, its tasks by role, what can be done now (and why not), fields, forms,
history and messages.

Every write names the row version the screen shows; if someone else changed the
case meanwhile the engine refuses, the screen says so and reloads, and field
values typed but not saved stay in their inputs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from trinn.engine.errors import StaleCaseError, TrinnError
from trinn.engine.i18n import N_
from trinn.engine.outbox_message import outbox_entry
from trinn.engine.shown import shown
from trinn.engine.status import OutboxStatus, TaskStatus
from trinn.tui.desk import CasePage
from trinn.tui.i18n import due_text, ngettext
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import DeskScreen, error_fields, error_text, run_db
from trinn.tui.widgets.field_input import FieldInput, shown_value
from trinn.tui.widgets.plain import plain
from trinn.tui.widgets.timeline import history_lines

__all__ = ["CaseScreen"]

_STATUS: dict[str, str] = {TaskStatus.OPEN: "☐", TaskStatus.DONE: "☑"}


class CaseScreen(DeskScreen):
    """One case; Escape goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("d", "complete", N_("Done")),
        Binding("u", "reopen", N_("Reopen"), show=False),
        Binding("g", "assign", N_("Assign"), show=False),
        Binding("a", "tab('actions')", N_("Actions")),
        Binding("e", "tab('fields')", N_("Fields")),
        Binding("ctrl+s", "save_fields", N_("Save"), show=False),
        Binding("n", "comment", N_("Comment"), show=False),
        Binding("h", "tab('history')", N_("History"), show=False),
        Binding("r", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, case_id: int, open_form: str | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.open_form_first = open_form  # from My tasks: a form task opens its form
        self.page: CasePage | None = None
        self.fields_version: int | None = None  # the version the field inputs were filled from

    @property
    def version(self) -> int | None:
        return self.page.case.row_version if self.page else None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading case {id}…").format(id=self.case_id), id="case-head")
        with TabbedContent(id="case-tabs"):
            with TabPane(_("Tasks"), id="tasks"):
                table: DataTable[Any] = DataTable(id="task-table", cursor_type="row")
                yield table
            with TabPane(_("Actions"), id="actions"):
                yield OptionList(id="action-list")
            with TabPane(_("Fields"), id="fields"):
                yield VerticalScroll(id="field-list")
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Save fields"), id="save-fields", variant="primary")
            with TabPane(_("Forms"), id="forms"):
                yield OptionList(id="form-list")
            with TabPane(_("History"), id="history"), VerticalScroll():
                yield Static(id="history-text")
            with TabPane(_("Messages"), id="messages"):
                messages: DataTable[Any] = DataTable(id="message-table", cursor_type="row")
                yield messages
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Case {id}").format(id=self.case_id)
        tasks = self.query_one("#task-table", DataTable)
        for label, width in ((_("Role"), 14), (_("Task"), 38), (_("Due"), 10), ("", 2)):
            tasks.add_column(label, width=width)
        messages = self.query_one("#message-table", DataTable)
        for label in (_("Status"), _("To"), _("Message"), _("Tries"), _("Last error")):
            messages.add_column(label)
        tasks.focus()

    # reading ------------------------------------------------------------------

    def refresh_data(self) -> None:
        run_db(self, lambda: self.desk.case_page(self.case_id), self.show_page, group="case", exclusive=True)

    def show_page(self, page: CasePage) -> None:
        first = self.page is None
        self.page = page
        self._head(page)
        self._tasks(page)
        self._actions(page)
        self._fields(page, first)
        self._forms(page)
        lines = history_lines(page, self.desk.actor)
        self.query_one("#history-text", Static).update(lines)
        self._messages(page)
        if first and self.open_form_first in page.spec.forms:
            self.open_form(self.open_form_first)

    def _head(self, page: CasePage) -> None:
        case, spec = page.case, page.spec
        path = page.path()
        where = " → ".join(page.state_title(s) for s in path[-4:])
        if len(path) > 4:
            where = "… → " + where
        text = Text()
        text.append(f"{case.id} · {shown(case.subject or '')}", style="bold")
        text.append(f"  ({shown(page.text(spec.title))})\n", style="dim")
        status = _("closed") if case.is_closed else _("open")
        text.append(
            _("State: {state} ({status}, version {version})").format(
                state=page.state_title(case.state), status=status, version=case.row_version
            )
            + "\n"
        )
        text.append(_("Path: {path}").format(path=shown(where)))
        if case.parent_id is not None:
            text.append("\n" + _("Started by case {id}").format(id=case.parent_id), style="dim")
        if page.children:
            text.append(
                "\n" + _("Started cases: {ids}").format(ids=", ".join(str(i) for i in page.children)),
                style="dim",
            )
        following = page.next_states()
        if following:
            text.append(
                "  " + _("Next: {states}").format(states=", ".join(page.state_title(s) for s in following)),
                style="green",
            )
        self.query_one("#case-head", Static).update(text)

    def _tasks(self, page: CasePage) -> None:
        table = self.query_one("#task-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        now = self.desk.now()
        spec = page.spec
        records = [t for t in page.case.current_tasks() if t.status != TaskStatus.CANCELLED]
        order = {role: index for index, role in enumerate(spec.roles)}
        records.sort(key=lambda t: (order.get(t.role, 99), t.id or 0))
        self.task_rows = records
        previous = None
        for record in records:
            task = spec.all_tasks().get(record.task_id)
            role = spec.roles.get(record.role)
            role_title = page.text(role.title) if role else record.role
            title = shown(page.text(task.title) if task else record.task_id)
            if record.item is not None:
                title += f" [{shown(record.item)}]"
            if task and task.optional:
                title += " " + _("(optional)")
            if record.assignee and record.status == TaskStatus.OPEN:
                title += " → " + shown(record.assignee)
            overdue = record.status == TaskStatus.OPEN and record.due_at is not None and record.due_at <= now
            due = due_text(record.due_at, spec.language) if record.status == TaskStatus.OPEN else ""
            style = "bold red" if overdue else ("dim" if record.status == TaskStatus.DONE else "")
            table.add_row(
                plain(role_title if role_title != previous else ""),
                Text(title, style=style),
                Text(("! " if overdue else "") + due, style=style),
                _STATUS.get(record.status, record.status),
            )
            previous = role_title
        if records:
            table.move_cursor(row=min(max(cursor, 0), len(records) - 1))

    def _actions(self, page: CasePage) -> None:
        options = self.query_one("#action-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        case = page.case
        if case.is_closed:
            options.add_option(Option(_("The case is closed: nothing more to do."), disabled=True))
            return
        spec = page.spec
        listed = []
        for possibility in page.possibilities:
            transitions = page.compiled.by_trigger.get(possibility.trigger, [])
            here = any(case.state in spec.source_states(t.spec) for t in transitions)
            if not here:
                continue  # an action of another state: not news here
            targets = shown(", ".join(page.state_title(s) for s in possibility.to))
            label = Text()
            title = shown(page.text(possibility.title) or possibility.trigger)
            if possibility.allowed:
                label.append(f"▶ {title}", style="bold")
                label.append(f"  → {targets}")
            else:
                label.append(f"✗ {title}", style="dim")
                label.append(f"  → {targets}\n", style="dim")
                label.append(
                    "   " + _("Not now: {reasons}").format(reasons=shown("; ".join(possibility.reasons))),
                    style="italic",
                )
            listed.append(Option(label, id=possibility.trigger, disabled=not possibility.allowed))
        if not listed:
            listed.append(Option(_("No actions from this state."), disabled=True))
        options.add_options(listed)
        if highlighted is not None and highlighted < len(listed):
            options.highlighted = highlighted

    def _fields(self, page: CasePage, first: bool) -> None:
        """Inputs made once (a case's fields never change); later reads update the ones the
        user has not touched, so typing is never lost to a refresh."""
        spec = page.spec
        if first:
            self.query_one("#field-list", VerticalScroll).mount_all(
                [
                    FieldInput(name, field, page.case.fields.get(name), spec.language)
                    for name, field in spec.fields.items()
                ]
            )
            self.fields_version = page.case.row_version
            return
        dirty = self._dirty_fields()
        for field in self.query(FieldInput):
            if field not in dirty and field.initial != page.case.fields.get(field.field_name):
                field.set_value(page.case.fields.get(field.field_name))
        if not dirty:
            self.fields_version = page.case.row_version

    def _forms(self, page: CasePage) -> None:
        options = self.query_one("#form-list", OptionList)
        options.clear_options()
        tasks = page.spec.all_tasks()
        open_forms = {
            tasks[t.task_id].form
            for t in page.case.current_tasks()
            if t.status == TaskStatus.OPEN and t.task_id in tasks
        }
        for form_id, form in page.spec.forms.items():
            label = page.text(form.title)
            if form_id in open_forms:
                label = "● " + label + "  " + _("(completes an open task)")
            options.add_option(Option(plain(label), id=form_id))

    def _messages(self, page: CasePage) -> None:
        table = self.query_one("#message-table", DataTable)
        table.clear()
        for row in page.messages:
            entry = outbox_entry(row["kind"], row["payload"])
            table.add_row(
                _status_word(row["status"]),
                plain(entry.recipients_text()),
                plain(entry.headline()),
                str(row["attempts"]),
                plain(row["last_error"] or ""),
            )

    def _dirty_fields(self) -> list[FieldInput]:
        return [f for f in self.query(FieldInput) if f.dirty]

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

    def selected_task(self) -> Any:
        table = self.query_one("#task-table", DataTable)
        rows = getattr(self, "task_rows", [])
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    def action_complete(self) -> None:
        record = self.selected_task()
        page = self.page
        if record is None or page is None:
            self.notify(_("Choose a task first."), severity="warning")
            return
        if record.status != TaskStatus.OPEN:
            self.notify(_("That task is already done (u reopens it)."), severity="warning")
            return
        task = page.spec.all_tasks().get(record.task_id)
        if task is not None and task.form is not None:
            self.open_form(task.form)
            return
        from trinn.tui.screens.dialogs import NoteDialog

        title = _("Complete: {task}").format(task=page.text(task.title) if task else record.task_id)
        version = self.version

        def noted(note: str | None) -> None:
            if note is not None:
                self.write(
                    lambda: self.desk.complete(self.case_id, record.task_id, note, record.item, version),
                    _("Task done."),
                )

        self.app.push_screen(NoteDialog(title), noted)

    def action_assign(self) -> None:
        """Give the chosen open task to a person holding its role."""
        record = self.selected_task()
        if record is None or record.status != TaskStatus.OPEN:
            self.notify(_("Choose an open task to assign."), severity="warning")
            return
        from trinn.tui.screens.dialogs import PickDialog

        version = self.version

        def listed(people: list[tuple[str, str]]) -> None:
            choices = [(pid, f"{name} ({pid})" if name != pid else pid, True) for pid, name in people]
            self.app.push_screen(PickDialog(_("Assign to whom?"), choices), picked)

        def picked(person: str | None) -> None:
            if person is not None:
                self.write(
                    lambda: self.desk.assign(self.case_id, record.task_id, person, record.item, version),
                    _("Task assigned to {person}.").format(person=person),
                )

        run_db(self, lambda: self.desk.candidates(record.role), listed)

    def action_reopen(self) -> None:
        record = self.selected_task()
        if record is None or record.status != TaskStatus.DONE:
            self.notify(_("Choose a done task to reopen."), severity="warning")
            return
        from trinn.tui.screens.dialogs import ConfirmDialog

        version = self.version
        page = self.page
        task = page.spec.all_tasks().get(record.task_id) if page else None
        title = page.text(task.title) if page and task else record.task_id

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(
                    lambda: self.desk.reopen(self.case_id, record.task_id, record.item, version),
                    _("Task reopened."),
                )

        self.app.push_screen(
            ConfirmDialog(_("Reopen the done task “{task}”?").format(task=title), _("Reopen")), answered
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "action-list" and event.option.id:
            self.fire(event.option.id)
        elif event.option_list.id == "form-list" and event.option.id:
            self.open_form(event.option.id)

    def fire(self, trigger: str) -> None:
        from trinn.tui.screens.dialogs import NoteDialog

        page = self.page
        if page is None:
            return
        version = self.version
        titles = {p.trigger: page.text(p.title) or p.trigger for p in page.possibilities}

        def noted(note: str | None) -> None:
            if note is not None:
                self.write(
                    lambda: self.desk.fire(self.case_id, trigger, note, version),
                    _("Done: {action}.").format(action=titles.get(trigger, trigger)),
                )

        self.app.push_screen(NoteDialog(titles.get(trigger, trigger)), noted)

    def open_form(self, form_id: str) -> None:
        from trinn.tui.screens.dialogs import FieldsDialog

        page = self.page
        if page is None:
            return
        spec = page.spec
        form = spec.forms[form_id]
        version = self.version

        def submit(values: dict[str, Any]) -> Any:
            return self.desk.submit_form(self.case_id, form_id, values, version)

        def reread() -> Any:
            """After a conflict (in the worker): the case as it is now; the next save goes
            against this version."""
            nonlocal version
            fresh = self.desk.case_page(self.case_id)
            version = fresh.case.row_version
            return fresh.case.fields

        def closed(result: Any) -> None:
            if result is not None:
                self.notify(_("Form saved."), timeout=4)
            self.refresh_data()

        dialog = FieldsDialog(
            page.text(form.title),
            [(n, spec.fields[n]) for n in form.fields],
            page.case.fields,
            spec.language,
            submit,
            intro=page.text(form.intro) if form.intro else "",
            reread=reread,
        )
        self.app.push_screen(dialog, closed)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-fields":
            event.stop()
            self.action_save_fields()

    def action_save_fields(self) -> None:
        dirty = self._dirty_fields()
        if not dirty:
            self.notify(_("No field changed."), severity="warning")
            return
        if not all([f.check() for f in dirty]):
            self.notify(_("Correct the fields marked in red."), severity="error")
            return
        values = {f.field_name: f.value for f in dirty}
        version = self.fields_version

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
        for field in self._dirty_fields():
            now = page.case.fields.get(field.field_name)
            if now != field.initial:
                field.set_error(
                    _("changed meanwhile to '{value}'; Save again to replace it").format(
                        value=shown_value(field.spec, now, page.spec.language)
                    )
                )
            field.initial = now  # what a save now replaces, as the user was just told
        self.fields_version = page.case.row_version

    def action_comment(self) -> None:
        from trinn.tui.screens.dialogs import NoteDialog

        version = self.version

        def noted(text: str | None) -> None:
            if text:
                self.write(lambda: self.desk.comment(self.case_id, text, version), _("Comment added."))

        self.app.push_screen(NoteDialog(_("Comment"), prompt=_("Comment"), required=True), noted)

    def action_tab(self, tab: str) -> None:
        self.query_one("#case-tabs", TabbedContent).active = tab
        focus = {"actions": "#action-list", "tasks": "#task-table", "forms": "#form-list"}
        if tab in focus:
            self.query_one(focus[tab]).focus()
        elif tab == "fields":  # the first field takes the typing at once
            first = self.query(".field-control").first()
            first.focus()
            self.query_one("#field-list", VerticalScroll).scroll_to_widget(first, animate=False)

    def action_reload(self) -> None:
        self.refresh_data()

    def unsaved(self) -> list[FieldInput]:
        """Fields typed in but not saved."""
        return self._dirty_fields()

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


def _status_word(status: str) -> str:
    words: dict[str, str] = {
        OutboxStatus.PENDING: _("pending"),
        OutboxStatus.SENT: _("sent"),
        OutboxStatus.FAILED: _("failed"),
    }
    return words.get(status, status)
