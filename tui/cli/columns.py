"""Two columns of text as `trinn show` prints them: labels, and values wrapped beside them.

Written here rather than with rich's Table: a command on a case is over in a blink, and
importing and laying out a rich table took a sixth of it. The rules are the table's: the
label column as wide as its widest label, two spaces, then the value, wrapped at spaces
to the output's width (a word longer than the room left is cut), each wrapped line under
the first. Widths count terminal cells: a wide (East Asian) character takes two, a
combining mark none. Every cell passes through `engine.shown.shown` first, so a value
cannot steer the terminal and the columns still align.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections.abc import Iterable

from trinn.engine.shown import shown

__all__ = ["cell_width", "output_width", "two_columns"]

GAP = "  "
NARROWEST = 20  # the value column never gets narrower than this, however long a label


def output_width() -> int:
    """The terminal's width; `COLUMNS` when set; 80 when writing to a file or a pipe."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return 80


def cell_width(text: str) -> int:
    """How many terminal cells `text` takes."""
    if text.isascii():
        return len(text)
    return sum(_cells(char) for char in text)


def _cells(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _cut(word: str, room: int) -> list[str]:
    """A word too long for a line, in pieces that each fit."""
    pieces, piece, used = [], "", 0
    for char in word:
        size = _cells(char)
        if used + size > room and piece:
            pieces.append(piece)
            piece, used = "", 0
        piece += char
        used += size
    return [*pieces, piece] if piece else pieces


def wrapped(text: str, room: int) -> list[str]:
    """`text` in lines of at most `room` cells, broken at spaces; its own line breaks kept, and
    a line's indent kept on the lines it wraps into."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.lstrip(" ")
        indent = " " * min(len(paragraph) - len(words), room // 2)
        lines.extend(indent + line for line in _filled(words, room - len(indent)))
    return lines


def _filled(paragraph: str, room: int) -> list[str]:
    lines: list[str] = []
    line, used = "", 0
    for word in paragraph.split(" "):
        size = cell_width(word)
        if line and used + 1 + size > room:
            lines.append(line)
            line, used = "", 0
        if size > room:
            *whole, word = _cut(word, room)
            lines.extend(whole)
            size = cell_width(word)
        line, used = (f"{line} {word}", used + 1 + size) if line else (word, size)
    lines.append(line)
    return lines


def two_columns(rows: Iterable[tuple[str, str]], width: int | None = None) -> str:
    """The rows as lines: each label padded to the widest, then its value wrapped beside it."""
    cells = [(shown(label), shown(value)) for label, value in rows]
    label_width = max((cell_width(label) for label, _ in cells), default=0)
    room = max(NARROWEST, (width or output_width()) - label_width - len(GAP))
    out: list[str] = []
    for label, value in cells:
        first, *rest = wrapped(value, room)
        padding = " " * (label_width - cell_width(label))
        out.append(f"{label}{padding}{GAP}{first}".rstrip())
        out.extend(f"{' ' * label_width}{GAP}{line}".rstrip() for line in rest)
    return "\n".join(out)
