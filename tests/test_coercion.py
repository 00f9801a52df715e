"""Typer's coercion with text kept as it is (tui/cli/coercion.py): the same values and refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer import core
from typer.testing import CliRunner

from trinn.tui.cli import coercion

coercion.install()
app = typer.Typer()


@app.command()
def _run(
    name: str,
    values: Annotated[list[str], typer.Argument()],
    count: Annotated[int, typer.Option()] = 1,
    where: Annotated[Path | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
    flag: Annotated[bool, typer.Option()] = False,
) -> None:
    print(repr((name, values, count, where, note, flag)))


def test_coercion_is_installed_once() -> None:
    coercion.install()
    assert core.build_runtime_param is coercion._runtime_param  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["a", "x=1", "y= 2"], "('a', ['x=1', 'y= 2'], 1, None, None, False)"),
        (["a", "x", "--count", "3", "--where", "p/q", "--note", "", "--flag"], None),
    ],
)
def test_coercion_keeps_text_and_leaves_the_rest_to_typer(args: list[str], shown: str | None) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = shown or repr(("a", ["x"], 3, Path("p/q"), "", True))
    assert result.output == expected + "\n"


def test_coercion_refusals_are_typers() -> None:
    result = CliRunner().invoke(app, ["a", "x", "--count", "many"])
    assert result.exit_code == 2
    words = " ".join(word for word in result.output.split() if word != "│")
    assert "Invalid value for '--count': Input should be a valid integer" in words  # pydantic's, via typer
