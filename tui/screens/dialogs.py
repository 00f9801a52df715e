"""Modal dialogs: a note, a set of fields (a form, a new case), a choice of playbook, filters.

A dialog that writes runs its `submit` in a worker and stays open until the
engine accepts: a refusal is shown at the field it is about, or under the
title, and the values typed so far stay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from trinn.engine.errors import TrinnError
from trinn.engine.spec import FieldSpec
from trinn.tui.desk import ALL, CLOSED, OPEN, CaseFilter
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import error_fields, error_text, run_db
from trinn.tui.widgets.field_input import FieldInput

__all__ = ["FieldsDialog", "FilterDialog", "NoteDialog", "PickDialog"]


class NoteDialog(ModalScreen[str | None]):
    """Asks for an optional note (or a required text); returns None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, title: str, *, prompt: str | None = None, required: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt if prompt is not None else _("Note (optional)")
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.prompt)
            yield Input(id="note")
            yield Static("", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("OK"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._ok()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._ok()
        else:
            self.dismiss(None)

    def _ok(self) -> None:
        text = self.query_one("#note", Input).value.strip()
        if self.required and not text:
            error = self.query_one(".field-error", Static)
            error.update(_("required"))
            error.add_class("shown")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FieldsDialog(ModalScreen[Any]):
    """Fields to fill; `submit(values)` runs in a worker and its result is what the dialog returns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel")),
        Binding("ctrl+s", "submit", _("Save")),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[tuple[str, FieldSpec]],
        values: Mapping[str, Any],
        playbook_language: str,
        submit: Callable[[dict[str, Any]], Any],
        *,
        intro: str = "",
        required: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.values = dict(values)
        self.playbook_language = playbook_language
        self.submit = submit
        self.intro = intro
        self.required = set(required)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(self.title_text, classes="dialog-title")
            if self.intro:
                yield Static(self.intro, classes="dialog-intro")
            yield Static("", id="dialog-error", classes="field-error")
            with VerticalScroll(classes="dialog-fields"):
                for name, spec in self.fields:
                    yield FieldInput(
                        name,
                        spec,
                        self.values.get(name),
                        self.playbook_language,
                        required=spec.required or name in self.required,
                    )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        first = self.query(".field-control").first()
        first.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.action_submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        inputs = list(self.query(FieldInput))
        if not all([field.check() for field in inputs]):  # every message at once, not the first
            self._say(_("Correct the fields marked below."))
            return
        values = {
            f.field_name: f.value
            for f in inputs
            if f.value is not None or self.values.get(f.field_name) is not None
        }
        self._say(_("Saving…"))
        run_db(self, lambda: self.submit(values), self.dismiss, self._refused, group="submit", exclusive=True)

    def _refused(self, exc: TrinnError) -> None:
        message = error_text(exc)
        at_fields = error_fields(message)
        placed = False
        for field in self.query(FieldInput):
            if field.field_name in at_fields:
                field.set_error(at_fields[field.field_name])
                placed = True
        self._say(
            _("Not saved: see the marked fields.")
            if placed
            else _("Not saved: {reason}").format(reason=message)
        )

    def _say(self, text: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(text)
        error.set_class(bool(text), "shown")


class PickDialog(ModalScreen[str | None]):
    """One choice from a list (which playbook to open a case of)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, title: str, choices: Sequence[tuple[str, str, bool]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (value, label, enabled)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(
                *[Option(label, id=value, disabled=not enabled) for value, label, enabled in self.choices],
                id="choices",
            )

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        options.highlighted = 0 if self.choices else None
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterDialog(ModalScreen[CaseFilter | None]):
    """The cases listing's filters (besides the search line)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(
        self,
        current: CaseFilter,
        playbooks: Sequence[tuple[str, str]],
        states: Sequence[tuple[str, str]],
        roles: Sequence[str],
    ) -> None:
        super().__init__()
        self.current = current
        self.playbooks, self.states, self.roles = playbooks, states, roles

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical(classes="dialog"):
            yield Label(_("Filter cases"), classes="dialog-title")
            yield Select(
                [(_("Open cases"), OPEN), (_("Closed cases"), CLOSED), (_("All cases"), ALL)],
                value=current.status,
                allow_blank=False,
                id="status",
            )
            yield Select(
                [(title, pid) for pid, title in self.playbooks],
                value=current.playbook or Select.NULL,
                prompt=_("Any playbook"),
                id="playbook",
            )
            yield Select(
                [(title, sid) for sid, title in self.states],
                value=current.state or Select.NULL,
                prompt=_("Any state"),
                id="state",
            )
            yield Select(
                [(role, role) for role in self.roles],
                value=current.role or Select.NULL,
                prompt=_("Any role"),
                id="role",
            )
            yield Checkbox(_("Only overdue"), current.overdue, id="overdue")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Apply"), variant="primary", id="ok")
                yield Button(_("Clear"), id="clear")

    def _picked(self, select_id: str) -> Any:
        value = self.query_one(f"#{select_id}", Select).value
        return None if value is Select.NULL else value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "clear":
            self.dismiss(CaseFilter(search=self.current.search))
            return
        self.dismiss(
            CaseFilter(
                status=self._picked("status") or OPEN,
                playbook=self._picked("playbook"),
                state=self._picked("state"),
                role=self._picked("role"),
                overdue=self.query_one("#overdue", Checkbox).value,
                search=self.current.search,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
