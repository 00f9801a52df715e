"""A table that renders only the rows on screen, for listings of tens of thousands of cases.

Textual's DataTable measures every cell of every row it is given, which costs
about a quarter of a millisecond a row: 10,000 cases would take seconds to
show and to filter. Here a row is any object and each column a function of
it, called only for the lines being drawn; giving new rows costs nothing
until they are on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from trinn.engine.shown import shown

__all__ = ["Column", "VirtualTable"]

T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    label: str
    width: int
    text: Callable[[T], str]
    style: Callable[[T], str] | None = None


def _fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells (wide and combining characters counted as drawn); what
    a person typed shows its controls (engine.shown)."""
    text = shown(text)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class VirtualTable(ScrollView, Generic[T], can_focus=True):
    """Rows under a fixed header line; a cursor row; Enter or a click on it selects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "edge(0)", show=False),
        Binding("end", "edge(1)", show=False),
        Binding("enter", "select", show=False),
    ]
    DEFAULT_CSS = """
    VirtualTable { height: 1fr; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class RowSelected(Message):
        def __init__(self, table: VirtualTable[Any], index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

    def __init__(self, columns: Sequence[Column[T]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.rows: list[T] = []
        self._lines: dict[int, list[tuple[str, str]]] = {}  # cells formatted, by row index

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def total_width(self) -> int:
        return sum(c.width + 1 for c in self.columns)

    def set_rows(self, rows: Sequence[T], cursor: int = 0) -> None:
        self.rows = list(rows)
        self._lines.clear()
        self.virtual_size = Size(self.total_width, len(self.rows) + 1)
        self.cursor_row = max(0, min(cursor, len(self.rows) - 1))
        self.refresh()

    def cursor_value(self) -> T | None:
        return self.rows[self.cursor_row] if 0 <= self.cursor_row < len(self.rows) else None

    # drawing --------------------------------------------------------------------

    def _cells(self, index: int) -> list[tuple[str, str]]:
        cells = self._lines.get(index)
        if cells is None:
            row = self.rows[index]
            cells = [(_fit(c.text(row), c.width), c.style(row) if c.style else "") for c in self.columns]
            self._lines[index] = cells
        return cells

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_offset.x)
        if y == 0:
            header = " ".join(_fit(c.label, c.width) for c in self.columns)
            return self._strip([(header, "bold")], scroll_x, width, Style(bold=True, underline=True))
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, Style())  # a style, never None: the NO_COLOR filter reads it
        base = (
            Style(reverse=True)
            if index == self.cursor_row and self.has_focus
            else (Style(underline=True) if index == self.cursor_row else Style())
        )
        return self._strip(self._cells(index), scroll_x, width, base)

    def _strip(self, cells: Sequence[tuple[str, str]], scroll_x: int, width: int, base: Style) -> Strip:
        segments = []
        for text, style in cells:
            segments.append(Segment(text, base + Style.parse(style) if style else base))
            segments.append(Segment(" ", base))
        return Strip(segments).crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    # moving -----------------------------------------------------------------------

    def watch_cursor_row(self, _old: int, new: int) -> None:
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()

    def move_cursor(self, row: int) -> None:
        if self.rows:
            self.cursor_row = max(0, min(row, len(self.rows) - 1))

    def action_move(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, end: int) -> None:
        self.move_cursor(len(self.rows) - 1 if end else 0)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.RowSelected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y == 0 or not 0 <= index < len(self.rows):
            return
        if index == self.cursor_row or event.chain > 1:
            self.move_cursor(index)
            self.action_select()
        else:
            self.move_cursor(index)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
