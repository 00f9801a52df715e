"""Text that a person or an outside party typed, ready for any widget: shown as typed, never
read as markup (`[/]` in a subject is text, not a closing tag), controls and bidi overrides
made visible (engine.shown)."""

from __future__ import annotations

from rich.text import Text

from trinn.engine.shown import shown

__all__ = ["plain"]


def plain(text: object, style: str = "") -> Text:
    """`text` as a rich Text: every widget shows it literally (a str would be parsed as markup)."""
    return Text(shown("" if text is None else text), style=style, end="")
