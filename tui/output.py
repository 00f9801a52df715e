"""Where the command line writes: one rich Console each for output and errors (both honour NO_COLOR)."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

__all__ = ["err", "fail", "out", "print_json"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Say what went wrong on one line of stderr; the caller raises the returned Exit."""
    err.print(f"trinn: {message}", markup=False)
    return typer.Exit(code)


def print_json(data: Any) -> None:
    out.print(json.dumps(data, indent=2, ensure_ascii=False, default=str), markup=False)
