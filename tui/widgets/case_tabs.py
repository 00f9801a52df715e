"""The tabs of a case's page, each a widget that takes the page (tui.desk.CasePage) and shows
it; a choice made in one is posted up as a message, and the case screen acts on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from trinn.engine.advice import against_advice_words
from trinn.engine.case import TaskRecord
from trinn.engine.outbox_message import outbox_entry
from trinn.engine.shown import shown
from trinn.engine.status import OutboxStatus, TaskStatus
from trinn.engine.store.rows import OutboxRow
from trinn.tui.desk import CasePage
from trinn.tui.i18n import due_text
from trinn.tui.i18n import gettext as _
from trinn.tui.widgets.plain import plain

__all__ = ["ActionList", "CaseHead", "ChoiceList", "FormList", "MessageTable", "TaskTable"]

_STATUS: dict[str, str] = {TaskStatus.OPEN: "☐", TaskStatus.DONE: "☑"}


class CaseHead(Static):
    """Where the case is: subject, state, the path it took, the states it can go to next."""

    def show(self, page: CasePage) -> None:
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
        self.update(text)


class TaskTable(DataTable[Any]):
    """The tasks of the case's state by role, overdue ones marked; the cursor stays put."""

    def __init__(self, **options: Any) -> None:
        super().__init__(cursor_type="row", **options)
        self.records: list[TaskRecord] = []

    def on_mount(self) -> None:
        for label, width in ((_("Role"), 14), (_("Task"), 38), (_("Due"), 10), ("", 2)):
            self.add_column(label, width=width)

    def selected(self) -> TaskRecord | None:
        """The task under the cursor, if any."""
        if not self.records or not 0 <= self.cursor_row < len(self.records):
            return None
        return self.records[self.cursor_row]

    def show(self, page: CasePage, now: dt.datetime) -> None:
        table = self
        cursor = table.cursor_row
        table.clear()
        spec = page.spec
        records = [t for t in page.case.current_tasks() if t.status != TaskStatus.CANCELLED]
        order = {role: index for index, role in enumerate(spec.roles)}
        records.sort(key=lambda t: (order.get(t.role, 99), t.id or 0))
        self.records = records
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
            overdue = record.is_overdue(now)
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


class ChoiceList(OptionList):
    """A list of choices, each an option with an id; choosing one posts `Chosen` with it (a
    subclass declares its own `Chosen`, so its handler is named for it)."""

    class Chosen(Message):
        def __init__(self, choice: str) -> None:
            super().__init__()
            self.choice = choice

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))


class ActionList(ChoiceList):
    """The actions of the case's state: ▶ possible now, ✗ not now and why. Choosing one posts
    `ActionList.Chosen` with its trigger."""

    class Chosen(ChoiceList.Chosen):
        """An action chosen: `choice` is its trigger."""

    guards = False  # for designers: each ✗ also shows its raw guard with the values it read

    def show(self, page: CasePage) -> None:
        options = self
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
                if possibility.advice:  # allowed, but asks for a reason (engine.advice)
                    label.append("\n   " + shown(against_advice_words(possibility.advice)), style="yellow")
            else:
                label.append(f"✗ {title}", style="dim")
                label.append(f"  → {targets}\n", style="dim")
                label.append(
                    "   " + _("Not now: {reasons}").format(reasons=shown("; ".join(possibility.reasons))),
                    style="italic",
                )
                if self.guards and possibility.explained:
                    label.append("\n   " + shown("; ".join(possibility.explained)), style="dim")
            listed.append(Option(label, id=possibility.trigger, disabled=not possibility.allowed))
        if not listed:
            listed.append(Option(_("No actions from this state."), disabled=True))
        options.add_options(listed)
        possible = [index for index, option in enumerate(listed) if not option.disabled]
        if highlighted is not None and highlighted in possible:
            options.highlighted = highlighted
        elif possible:  # the first action possible now: Enter does it, no arrow key first
            options.highlighted = possible[0]


class FormList(ChoiceList):
    """The playbook's forms, those that complete an open task marked. Choosing one posts
    `FormList.Chosen` with its id."""

    class Chosen(ChoiceList.Chosen):
        """A form chosen: `choice` is its id."""

    def show(self, page: CasePage) -> None:
        options = self
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


class MessageTable(DataTable[Any]):
    """The messages the case queued, with their delivery status; Enter on one posts
    `MessageTable.Opened` with its outbox row."""

    class Opened(Message):
        def __init__(self, row: OutboxRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **options: Any) -> None:
        super().__init__(cursor_type="row", **options)
        self.outbox_rows: list[OutboxRow] = []

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.outbox_rows):
            self.post_message(self.Opened(self.outbox_rows[event.cursor_row]))

    def on_mount(self) -> None:
        for label in (_("Status"), _("To"), _("Message"), _("Tries"), _("Last error")):
            self.add_column(label)

    def show(self, page: CasePage) -> None:
        table = self
        table.clear()
        self.outbox_rows = list(page.messages)
        for row in self.outbox_rows:
            entry = outbox_entry(row.kind, row.payload)
            table.add_row(
                _status_word(row.status),
                plain(entry.recipients_text()),
                plain(entry.headline()),
                str(row.attempts),
                plain(row.last_error or ""),
            )


def _status_word(status: str) -> str:
    words: dict[str, str] = {
        OutboxStatus.PENDING: _("pending"),
        OutboxStatus.SENT: _("sent"),
        OutboxStatus.FAILED: _("failed"),
    }
    return words.get(status, status)
