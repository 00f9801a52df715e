"""The README's tutorial, followed literally: each snippet is written or inserted where it says,
and each console block after `<!-- tutorial-run -->` is run and must print what it shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trinn.tui.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
_STEP = re.compile(
    r"<!-- (tutorial(?:-run)?)(?:: (\S+)(?: after (\".*?\"))?)? -->\n```\w*\n(.*?)```", re.DOTALL
)


def _steps() -> list[tuple[str, str, str | None, str]]:
    return [(m.group(1), m.group(2) or "", m.group(3), m.group(4)) for m in _STEP.finditer(README)]


def test_tutorial_has_every_kind_of_step() -> None:
    kinds = [(kind, bool(after)) for kind, _name, after, _text in _steps()]
    assert ("tutorial", False) in kinds and ("tutorial", True) in kinds
    assert kinds.count(("tutorial-run", False)) >= 3


def test_tutorial_is_followed_literally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for kind, name, after, text in _steps():
        if kind == "tutorial" and after is None:
            (tmp_path / name).write_text(text, encoding="utf-8")
        elif kind == "tutorial":
            line = after[1:-1].replace('\\"', '"') + "\n"
            current = (tmp_path / name).read_text(encoding="utf-8")
            assert current.count(line) == 1, f"the tutorial's place {after!r} is not one line"
            (tmp_path / name).write_text(current.replace(line, line + text), encoding="utf-8")
        else:
            for command, shown in re.findall(r"^\$ trinn (.*)\n((?:(?!\$ ).*\n)*)", text, re.MULTILINE):
                result = CliRunner().invoke(app, shlex.split(command))
                assert result.output == shown, command
                assert result.exit_code == (1 if "finding" in shown or "FAILED" in shown else 0)
