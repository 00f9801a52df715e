"""Where the command line writes: one rich Console each for output and errors (both honour NO_COLOR)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console

__all__ = ["err", "fail", "out", "print_columns", "print_json"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Say what went wrong on one line of stderr; the caller raises the returned Exit."""
    err.print(f"trinn: {message}", markup=False)
    return typer.Exit(code)


def print_json(data: Any) -> None:
    # written directly: rich would spend a second laying out 10,000 cases' worth of JSON
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Rows in aligned columns, two spaces apart: quick for thousands of rows, and greppable."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]
    sys.stdout.write("\n".join(lines) + "\n")
