"""Modal dialogs: a note, a set of fields (a form, a new case), a choice of playbook, filters.

A dialog that writes runs its `submit` in a worker and stays open until the
engine accepts: a refusal is shown at the field it is about, or under the
title, and the values typed so far stay. When someone else changed the case
meanwhile, the form reads it again: what this person typed stays, what the
other person changed is shown and said at its field, and the next save goes
against the case as it is now. Every dialog closes once, however fast Enter
is repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from trinn.engine.errors import StaleCaseError, TrinnError
from trinn.engine.i18n import N_
from trinn.tui.desk import ALL, CLOSED, OPEN, CaseFilter
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import Dialog, error_fields, error_text, run_db
from trinn.tui.widgets.field_input import FieldInput, shown_value
from trinn.tui.widgets.plain import plain

if TYPE_CHECKING:
    from trinn.engine.spec import FieldSpec

__all__ = ["ConfirmDialog", "FieldsDialog", "FilterDialog", "NoteDialog", "PickDialog"]


class NoteDialog(Dialog[str]):
    """Asks for an optional note (or a required text); returns None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, *, prompt: str | None = None, required: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt if prompt is not None else _("Note (optional)")
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield Label(plain(self.prompt))
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
            self.close(None)

    def _ok(self) -> None:
        text = self.query_one("#note", Input).value.strip()
        if self.required and not text:
            error = self.query_one(".field-error", Static)
            error.update(plain(_("required")))
            error.add_class("shown")
            return
        self.close(text)

    def action_cancel(self) -> None:
        self.close(None)


class FieldsDialog(Dialog[Any]):
    """Fields to fill; `submit(values)` runs in a worker and its result is what the dialog returns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+s", "submit", N_("Save")),
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
        instructions: str = "",
        required: Sequence[str] = (),
        reread: Callable[[], Mapping[str, Any]] | None = None,
        zone: str | None = None,
        note: str | None = None,
    ) -> None:
        """`zone`: the playbook's own `timezone:` (date-times are typed and shown in it).
        `reread()` (in a worker) gives the case's values as they are now and makes the next
        `submit` go against that version: without it a conflict can only be cancelled.
        `note`: the prompt of a note under the fields (`note_text` when `submit` runs)."""
        super().__init__()
        self.title_text = title
        self.reread = reread
        self.fields = list(fields)
        self.values = dict(values)
        self.playbook_language = playbook_language
        self.playbook_zone = zone
        self.submit = submit
        self.intro = intro
        self.instructions = instructions  # the task's, beside its form: what to do, not only what to fill
        self.required = set(required)
        self.note_prompt, self.note_text = note, ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(plain(self.title_text), classes="dialog-title")
            if self.intro:
                yield Static(plain(self.intro), classes="dialog-intro")
            if self.instructions:
                yield Static(plain(self.instructions), id="dialog-instructions", classes="dialog-intro")
            yield Static("", id="dialog-error", classes="field-error")
            with VerticalScroll(classes="dialog-fields"):
                for name, spec in self.fields:
                    yield FieldInput(
                        name,
                        spec,
                        self.values.get(name),
                        self.playbook_language,
                        required=spec.required or name in self.required,
                        zone=self.playbook_zone,
                    )
                if self.note_prompt is not None:
                    yield Label(plain(self.note_prompt))
                    yield Input(id="form-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        first = self.query(".field-control").first()
        first.focus()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The fields take the height the terminal has: a long form shows as much as fits."""
        dialog = self.query_one(".dialog")
        scroll = self.query_one(".dialog-fields", VerticalScroll)
        others = sum(w.outer_size.height for w in dialog.children if w is not scroll)
        chrome = dialog.outer_size.height - dialog.size.height  # its border and padding
        scroll.styles.max_height = max(4, self.size.height - chrome - others)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.action_submit()
        else:
            self.close(None)

    def action_cancel(self) -> None:
        self.close(None)

    busy = False  # a save is under way: a second ctrl+s or Enter waits for its answer

    def action_submit(self) -> None:
        if self.busy or self._answered:
            return
        inputs = list(self.query(FieldInput))
        if not all([field.check() for field in inputs]):  # every message at once, not the first
            self._say(_("Correct the fields marked below."))
            self._show_first_error()
            return
        values = {
            f.field_name: f.value
            for f in inputs
            if f.value is not None or self.values.get(f.field_name) is not None
        }
        if self.note_prompt is not None:  # read here: `submit` runs in a worker
            self.note_text = self.query_one("#form-note", Input).value.strip()
        self._say(_("Saving…"))
        self.busy = True
        run_db(self, lambda: self.submit(values), self._saved, self._refused, group="submit")

    def _saved(self, result: Any) -> None:
        self.busy = False
        self.close(result)

    def _refused(self, exc: TrinnError) -> None:
        message = error_text(exc)
        if isinstance(exc, StaleCaseError) and self.reread is not None:
            self._say(message)
            reread = self.reread
            run_db(self, reread, lambda values: self._rebase(values, exc.by), self._reread_failed)
            return
        self.busy = False
        at_fields = error_fields(exc)
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
        self._show_first_error()

    def _rebase(self, values: Mapping[str, Any], by: str) -> None:
        """After another person's change: their values fill the fields this person left alone,
        what this person typed stays; each field the other person changed says so."""
        self.busy = False
        for field in self.query(FieldInput):
            now = values.get(field.field_name)
            if now == field.initial:
                continue
            if field.dirty:
                field.set_error(
                    _("changed meanwhile to '{value}'; Save again to replace it").format(
                        value=shown_value(field.spec, now, self.playbook_language, self.playbook_zone)
                    )
                )
                field.initial = now  # what a save now replaces, as the user was just told
            else:
                field.set_value(now)
                field.set_error(_("changed meanwhile by {who}").format(who=by), invalid=False)
        self.values = dict(values)

    def _reread_failed(self, exc: TrinnError) -> None:
        self.busy = False
        self._say(_("Not saved: {reason}").format(reason=error_text(exc)))

    def _show_first_error(self) -> None:
        """Scroll to the first field in error and put the cursor in it."""
        bad = next((f for f in self.query(FieldInput) if f.has_class("invalid")), None)
        if bad is not None:
            bad.query_one(".field-control").focus()
            self.query_one(".dialog-fields", VerticalScroll).scroll_to_widget(bad, animate=False)

    def _say(self, text: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(plain(text))
        error.set_class(bool(text), "shown")
        self.call_after_refresh(self._fit)


class PickDialog(Dialog[str]):
    """One choice from a list (which playbook to open a case of)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, choices: Sequence[tuple[str, str, bool]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (value, label, enabled)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield OptionList(
                *[
                    Option(plain(label), id=value, disabled=not enabled)
                    for value, label, enabled in self.choices
                ],
                id="choices",
            )

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        options.highlighted = 0 if self.choices else None
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.close(event.option.id)

    def action_cancel(self) -> None:
        self.close(None)


class FilterDialog(Dialog[CaseFilter]):
    """The cases listing's filters (besides the search line)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

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
                [(plain(title), pid) for pid, title in self.playbooks],
                value=current.playbook or Select.NULL,
                prompt=_("Any playbook"),
                id="playbook",
            )
            yield Select(
                [(plain(title), sid) for sid, title in self.states],
                value=current.state or Select.NULL,
                prompt=_("Any state"),
                id="state",
            )
            yield Select(
                [(plain(role), role) for role in self.roles],
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
            self.close(CaseFilter(search=self.current.search))
            return
        self.close(
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
        self.close(None)


class ConfirmDialog(Dialog[bool]):
    """A yes/no question; Enter says yes (the first button), Escape no."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, question: str, yes: str) -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(event.button.id == "ok")

    def action_cancel(self) -> None:
        self.close(False)
