"""Text that a person or an outside party typed, ready for any widget: shown as typed, never
read as markup (`[/]` in a subject is text, not a closing tag), controls and bidi overrides
made visible (engine.shown)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from trinn.engine.shown import first_unsafe, shown

__all__ = ["plain", "visible_controls"]


def plain(text: object, style: str = "") -> Text:
    """`text` as a rich Text: every widget shows it literally (a str would be parsed as markup)."""
    return Text(shown("" if text is None else text), style=style, end="")


def visible_controls(control: Any) -> bool:
    """Make a control character pasted into an Input or a TextArea (a terminal escape, a bidi
    override) visible as text (`\\x1b`), so that the widget never draws it raw and what is saved
    is what shows; True if there was one (the change then comes again, as its own event)."""
    from textual.widgets import Input, TextArea

    if isinstance(control, Input) and first_unsafe(control.value) is not None:
        control.value = shown(control.value)
        return True
    if isinstance(control, TextArea) and first_unsafe(control.text) is not None:
        control.text = shown(control.text)
        return True
    return False
