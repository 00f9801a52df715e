"""The README's examples run as written, and every command is documented."""

from __future__ import annotations

import datetime as dt
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trinn.tui.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def block_after(marker: str) -> str:
    found = re.search(re.escape(marker) + r"\n```\w*\n(.*?)```", README, re.DOTALL)
    assert found, f"no code block after {marker!r}"
    return found.group(1)


@pytest.fixture
def tutorial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "partner.yaml"
    path.write_text(block_after("<!-- tutorial: partner.yaml -->"), encoding="utf-8")
    return path


def test_readme_tutorial_playbook_checks_clean(tutorial: Path) -> None:
    result = CliRunner().invoke(app, ["check", "partner.yaml"])
    assert result.output == "partner.yaml: ok\n"
    assert result.exit_code == 0


def test_readme_tutorial_misspelling_reads_as_shown(tutorial: Path) -> None:
    tutorial.write_text(tutorial.read_text().replace("by: board", "by: bord", 1))
    shown = block_after("Misspell a role (`by: bord`) and you get:\n")
    result = CliRunner().invoke(app, ["check", "partner.yaml"])
    assert result.output == shown
    assert result.exit_code == 1


def test_readme_tutorial_graph_draws(tutorial: Path) -> None:
    result = CliRunner().invoke(app, ["graph", "partner.yaml"])
    assert result.exit_code == 0
    assert "proposed --> approved: approve [tasks.prepare.done]" in result.output


def run_session(marker: str, db: Path, now: dt.datetime) -> int:
    """Run each `$ trinn ...` line of the README's session after `marker` on the database `db`,
    checking it prints what the README shows (exit status 1 for a refusal); how many ran."""
    session = block_after(marker)
    steps = re.findall(r"^\$ trinn (.*)\n((?:(?!\$ ).*\n)*)", session, re.MULTILINE)
    for command, shown in steps:
        result = CliRunner().invoke(app, ["--db", str(db), *shlex.split(command)], obj=lambda: now)
        assert result.output == shown, command
        assert result.exit_code == (1 if shown.startswith("trinn: ") else 0), command
    return len(steps)


def test_readme_case_session_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `$ trinn ...` line of the session, on a fresh database, prints what the README shows."""
    monkeypatch.setenv("TRINN_USER", "you")
    for name in ("TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG"):
        monkeypatch.delenv(name, raising=False)
    now = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
    assert run_session("<!-- session: cases -->", tmp_path / "trinn.db", now) >= 5


def test_every_command_is_documented() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names
    for name in names:
        assert f"`trinn {name}" in README, f"'trinn {name}' is missing from the README"


def test_readme_names_both_make_commands() -> None:
    assert "make run" in README and "make test" in README
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_make_targets_exist() -> None:
    """Every `make X` the README tells people to run is a target of the Makefile, and the reverse."""
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    mentioned = set(re.findall(r"`make ([a-z][a-z-]*)`", README))
    assert mentioned - targets == set()
    assert targets - mentioned - {"clean", "lint", "typecheck"} == set()
