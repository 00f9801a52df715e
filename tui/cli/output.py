"""Where the command line writes: `out` and `err`, text straight, rich renderables through rich.

Everything written passes through `engine.shown.shown` here, the one place: text printed by
`out.print`/`err.print` (rich tables included, tui/cli/shown_console.py), `fail`,
`print_columns`; `print_json` makes the same characters JSON escapes and never writes NaN or
Infinity (not JSON). So a value, a file name or an error message can never steer the terminal,
and half a character (a lone surrogate, from bytes that were not UTF-8) is shown as `\\udcff`
instead of ending the command.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from trinn.engine.shown import first_unsafe, shown, shown_json

__all__ = ["Printer", "err", "fail", "json_chosen", "json_text", "out", "print_columns", "print_json"]


class Printer:
    """One stream of the command line: text is written straight (through `shown`), anything else
    (a rich table) through a rich Console made on first use, so a command that prints text
    never imports rich. The stream is looked up on each print, as rich does (a test's runner
    swaps it)."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr
        self._console: Any = None

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", markup: bool = False) -> None:
        # `markup` is always off (text is never read as rich markup); the keyword stays for callers
        if all(isinstance(item, str) for item in objects):
            (sys.stderr if self.stderr else sys.stdout).write(shown(sep.join(objects)) + end)
            return
        if self._console is None:
            from trinn.tui.cli.shown_console import ShownConsole

            self._console = ShownConsole(stderr=self.stderr)
        self._console.print(*objects, sep=sep, end=end)


out = Printer()
err = Printer(stderr=True)


def fail(message: str, code: int = 2) -> SystemExit:
    """Say what went wrong on one line of stderr; the caller raises the returned exit (a plain
    SystemExit, which typer lets through as it is: a command run without typer exits the same).

    Under `--json` the same is said on stdout too, as `{"error": message, "code": status}` (the
    exit status), so a script reading stdout gets JSON whether the command worked or not.
    """
    err.print(f"trinn: {message}", markup=False)
    if _json_errors:
        sys.stdout.write(json_text({"error": message, "code": code}) + "\n")
    return SystemExit(code)


_json_errors = False  # one command runs per process (per CliRunner call: reset by the root callback)


def json_chosen(value: bool) -> bool:
    """The `--json` option's callback: errors of this command are JSON on stdout too."""
    global _json_errors
    _json_errors = bool(value)
    return value


def json_text(data: Any, indent: int | None = 2) -> str:
    """`data` as JSON safe to print: controls escaped, non-finite numbers as strings ("nan")."""
    try:
        text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:  # a NaN or an infinity kept by an older trinn: valid JSON still
        text = json.dumps(_finite(data), indent=indent, ensure_ascii=False, allow_nan=False, default=str)
    return shown_json(text)


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


def print_json(data: Any) -> None:
    # written directly: rich would spend a second laying out 10,000 cases' worth of JSON
    sys.stdout.write(json_text(data) + "\n")


def print_columns(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Rows in aligned columns, two spaces apart: quick for thousands of rows, and greppable."""
    table = [headers, *rows]
    if set(map(type, chain.from_iterable(table))) != {str}:  # a number (or None) as its text
        table = [[cell if isinstance(cell, str) else str(cell) for cell in row] for row in table]
    # one search of every cell at once: a listing of thousands of rows rarely holds anything to
    # escape, and then each cell is shown as it is (the same as `shown` per cell, a tenth the time)
    if first_unsafe("".join(map("".join, table))) is not None:
        table = [[shown(cell) for cell in row] for row in table]
    widths = [max(map(len, column)) for column in zip(*table, strict=True)]
    line = "  ".join(f"%-{width}s" for width in widths)  # each cell padded as str.ljust pads
    sys.stdout.write("\n".join([(line % tuple(row)).rstrip() for row in table]) + "\n")
