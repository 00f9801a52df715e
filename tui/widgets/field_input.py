"""One case field as an input that fits its type, with its message right under it.

Text-like types get an Input checked on every keystroke by the engine's own
value rules (engine.values), so the message a user sees while typing is the
one the engine would give; long text a TextArea; yes/no a Checkbox; a choice
a Select of the playbook's option labels; several choices a SelectionList; a file
the path of the file to send (read when saved, checked by the engine: engine.files).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from trinn.engine.calendar import zone_of
from trinn.engine.field_types import FieldType
from trinn.engine.files import Upload, described, read_upload
from trinn.engine.i18n import N_
from trinn.engine.moments import local_moment_text
from trinn.engine.text import localize
from trinn.engine.values import check_value
from trinn.tui.i18n import gettext as _
from trinn.tui.i18n import language
from trinn.tui.widgets.plain import plain, visible_controls

if TYPE_CHECKING:
    from trinn.engine.spec import FieldSpec

__all__ = ["FieldInput", "shown_value"]

_PLACEHOLDERS = {
    FieldType.date: N_("DD.MM.YYYY"),
    FieldType.datetime: "15.12.2026 18:30",
    FieldType.money: "1 500,50",
    FieldType.email: "name@example.no",
    FieldType.url: "https://",
    FieldType.phone: "+47 ...",
    FieldType.text_list: "a, b, c",
    FieldType.email_list: "ola@example.no, kari@example.no",
    FieldType.person_list: "a, b, c",
    FieldType.file: N_("path of the file, e.g. ~/avtale.pdf"),
}


def shown_value(spec: FieldSpec | None, value: Any, playbook_language: str, zone: str | None = None) -> str:
    """A stored value as text: option labels for choices, yes/no for booleans, date-times on
    the wall clock of the playbook's `zone` (its `timezone:`, else its country's)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    labels = (spec.option_labels or {}) if spec is not None else {}
    if isinstance(value, list):
        return ", ".join(localize(labels.get(v, v), language(), playbook_language) for v in value)
    if isinstance(value, str) and value in labels:
        return localize(labels[value], language(), playbook_language)
    if spec is not None and spec.type is FieldType.datetime and isinstance(value, str):
        return local_moment_text(value, zone_of(playbook_language, zone), playbook_language)
    if spec is not None and spec.type is FieldType.file:
        return described(value)
    return str(value)


class FieldInput(Vertical):
    """A labelled input for one field; `value` is what the engine is given."""

    DEFAULT_CLASSES = "field-input"

    def __init__(
        self,
        name: str,
        spec: FieldSpec,
        value: Any,
        playbook_language: str,
        *,
        required: bool | None = None,
        zone: str | None = None,
    ) -> None:
        """`zone`: the playbook's own `timezone:`, if it has one (else its language's country's)."""
        super().__init__(id=f"field-{name}")
        self.field_name = name
        self.spec = spec
        self.initial = value
        self.playbook_language = playbook_language
        self.playbook_zone = zone
        self.required = spec.required if required is None else required
        self.held_back: str | None = None  # why this person may not change it here (engine.permissions)
        self.take_focus = False  # focus its control once mounted (the first field of a tab just made)

    @property
    def dirty(self) -> bool:
        """True when the input holds something else than the stored value it was given (for a
        file: a path to send one). One still being mounted holds nothing typed."""
        if not self.query(".field-control"):
            return False
        if self.spec.type is FieldType.file:
            return bool(self.query_one(".field-control", Input).value.strip())
        return _same(self.value) != _same(self._as_shown(self.initial))

    def _as_shown(self, value: Any) -> Any:
        """What the control gives back when it shows `value`."""
        kind = self.spec.type
        if kind is FieldType.file:  # the input holds a path to send, never the file kept
            return None
        if kind is FieldType.bool:
            return bool(value)
        if kind is FieldType.multi_choice:
            return list(value or [])
        if kind is FieldType.choice:
            return value if value in (self.spec.options or []) else None
        value = self._typed(value)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    def _typed(self, value: Any) -> Any:
        """A stored value as a person types it in a text input: a list comma-separated, a date
        day first, a moment on the playbook's clock."""
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if self.spec.type is FieldType.datetime and isinstance(value, str):
            return local_moment_text(value, self._zone(), self.playbook_language)
        if self.spec.type is FieldType.date and isinstance(value, str):
            return _day_first(value)
        return value

    def set_value(self, value: Any) -> None:
        """Show a stored value (read again from the database); the input is then not dirty."""
        self.initial = value
        if not self.query(".field-control"):
            return  # still being mounted: its control is made showing `initial`
        control = self.query_one(".field-control")
        shown = self._as_shown(value)
        if isinstance(control, Checkbox):
            control.value = bool(shown)
        elif isinstance(control, Select):
            control.value = Select.NULL if shown is None else shown
        elif isinstance(control, SelectionList):
            control.deselect_all()
            for item in shown:
                control.select(item)
        elif isinstance(control, TextArea):
            control.text = shown or ""
        elif isinstance(control, Input):
            control.value = shown or ""
        self.set_error("")

    def _zone(self) -> ZoneInfo:
        """Date-times are typed and shown on the wall clock of the playbook's zone."""
        return zone_of(self.playbook_language, self.playbook_zone)

    def _text(self, text: Any) -> str:
        return localize(text, language(), self.playbook_language)

    def compose(self) -> ComposeResult:
        label = self._text(self.spec.label) + (" *" if self.required else "")
        if self.spec.type is FieldType.file and isinstance(self.initial, dict):
            label += f" ({described(self.initial)})"  # what it holds; a path typed replaces it
        yield Label(plain(label), classes="field-label")
        yield Static("", classes="field-lock")
        yield self._input()
        if self.spec.help:
            yield Static(plain(self._text(self.spec.help)), classes="field-help")
        yield Static("", classes="field-error")

    def _input(self) -> Widget:
        spec, value = self.spec, self.initial
        kind = spec.type
        if kind is FieldType.long_text:
            return TextArea(value or "", classes="field-control", soft_wrap=True)
        if kind is FieldType.bool:
            return Checkbox(_("yes"), bool(value), classes="field-control")
        labels = spec.option_labels or {}
        if kind is FieldType.choice:
            options = [(plain(self._text(labels.get(o, o))), o) for o in spec.options or []]
            return Select(
                options,
                value=value if value in (spec.options or []) else Select.NULL,
                prompt=_("(none)"),
                classes="field-control",
            )
        if kind is FieldType.multi_choice:
            chosen = set(value or [])
            return SelectionList(
                *[(plain(self._text(labels.get(o, o))), o, o in chosen) for o in spec.options or []],
                classes="field-control",
            )
        value = "" if kind is FieldType.file else self._typed(value)  # a file: a path to send
        placeholder = _PLACEHOLDERS.get(kind, "")
        return Input(
            "" if value is None else str(value),
            placeholder=_(placeholder) if placeholder else "",
            classes="field-control",
        )

    @property
    def value(self) -> Any:
        """The value to give the engine: None clears the field."""
        control = self.query_one(".field-control")
        if isinstance(control, Checkbox):
            return control.value
        if isinstance(control, Select):
            return None if control.value is Select.NULL else control.value
        if isinstance(control, SelectionList):
            return list(control.selected)
        if isinstance(control, TextArea):
            return control.text.strip() or None
        assert isinstance(control, Input)
        if self.spec.type is FieldType.file:  # no path: the file it holds stays
            path = control.value.strip()
            return read_upload(path) if path else self.initial
        return control.value.strip() or None

    def hold_back(self, reason: str | None) -> None:
        """Not editable, greyed, saying why (`reason`: who may change it, or where); None opens it."""
        self.held_back = reason
        self.set_class(reason is not None, "locked")
        if self.is_mounted:
            self._show_lock()

    def on_mount(self) -> None:
        self._show_lock()
        if self.take_focus:
            self.query_one(".field-control").focus()

    def _show_lock(self) -> None:
        self.query_one(".field-control").disabled = self.held_back is not None
        self.query_one(".field-lock", Static).update(plain(self.held_back or ""))

    def set_error(self, message: str, *, invalid: bool = True) -> None:
        """Show `message` under the input (quoted values shown as typed); `invalid=False` for a
        notice that does not stop a save."""
        error = self.query_one(".field-error", Static)
        error.update(plain(message))
        error.set_class(bool(message), "shown")
        self.set_class(bool(message) and invalid, "invalid")

    def check(self) -> bool:
        """Show the engine's message for the current value, if any; True when it fits."""
        value = self.value
        if value is None:
            message = _("required") if self.required else ""
        elif isinstance(value, Upload):  # its size and kind are the engine's to check, once saved
            message = value.problem or ""
        else:
            problem = check_value(self.spec, value, zone=self._zone())
            message = str(problem) if problem else ""
        self.set_error(message)
        return not message

    def _changed(self) -> None:
        if self.dirty:
            self.check()
        elif self.has_class("invalid"):  # a notice (changed by someone else) stays until typed over
            self.set_error("")

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _edited(self, event: Message) -> None:
        """Whichever widget holds the value changed: checked again (this field's own event); a
        pasted terminal escape is made visible first (tui.widgets.plain.visible_controls)."""
        event.stop()
        if visible_controls(self.query_one(".field-control")):
            return  # its own Changed event checks the visible text
        self._changed()


def _day_first(value: str) -> str:
    """A stored date as people write it and the engine reads it back: '15.12.2026'."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day:02}.{day.month:02}.{day.year}"


def _same(value: Any) -> Any:
    """Lists compare as sets: a multiple choice's order is not a change."""
    return frozenset(value) if isinstance(value, list) else value
