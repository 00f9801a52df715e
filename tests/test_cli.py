"""The command line as users see it: exact text and exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trinn.tui.cli import app
from trinn.tui.cli.commands import ORDER as _ORDER
from trinn.tui.cli.commands import app_for as _app_for

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(MINI.read_text().replace("role: lead", "role: leed", 1).replace("to: done", "to: dne", 1))
    return path


def test_check_clean_file_exits_zero(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(MINI)])
    assert result.output == f"{MINI}: ok\n"
    assert result.exit_code == 0


def test_check_reports_every_problem_sorted_then_a_summary(runner, broken: Path) -> None:
    result = runner.invoke(app, ["check", str(broken)])
    assert result.output == (
        f"{broken}:20:39: unknown role 'leed' (did you mean 'lead'?)\n"
        f"{broken}:27:9: unknown state 'dne' (did you mean 'done'?)\n"
        f"2 errors in {broken}\n"
    )
    assert result.exit_code == 1


def test_check_json_lists_problems(runner, broken: Path) -> None:
    result = runner.invoke(app, ["check", "--json", str(broken)])
    problems = json.loads(result.output)
    assert [(p["line"], p["column"], p["message"]) for p in problems][:2] == [
        (20, 39, "unknown role 'leed'"),
        (27, 9, "unknown state 'dne'"),
    ]
    assert problems[0]["hint"] == "did you mean 'lead'?"
    assert result.exit_code == 1


def test_check_missing_file_is_an_io_error(runner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["check", str(missing)])
    assert result.output == f"trinn: cannot read {missing}: no such file or directory\n"
    assert result.exit_code == 2


def test_check_empty_folder_is_a_usage_error(runner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.output == "trinn: no playbooks found in the given folders\n"
    assert result.exit_code == 2


def test_graph_unknown_playbook_id_suggests(runner) -> None:
    result = runner.invoke(app, ["graph", "padriv.fase-7-3"])
    assert result.output == "trinn: no playbook 'padriv.fase-7-3' (did you mean 'padriv.fase-7-2'?)\n"
    assert result.exit_code == 2


def test_graph_by_bundled_id(runner) -> None:
    result = runner.invoke(app, ["graph", "padriv.fase-7-2"])
    assert result.exit_code == 0
    assert result.output.startswith("---\n")
    assert "stateDiagram-v2" in result.output and "--> [*]" in result.output


def test_graph_unknown_format(runner) -> None:
    result = runner.invoke(app, ["graph", str(MINI), "--format", "png"])
    assert result.output == "trinn: unknown format 'png' (expected 'mermaid' or 'dot')\n"
    assert result.exit_code == 2


def test_graph_of_broken_playbook_prints_its_problems(runner, broken: Path) -> None:
    result = runner.invoke(app, ["graph", str(broken)])
    assert result.output.splitlines()[-1] == f"2 errors in {broken}"
    assert result.exit_code == 1


def test_schema_is_draft_07_and_committed(runner) -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "definitions" in schema and "$defs" not in result.output
    assert schema["additionalProperties"] is False
    committed = (ROOT / "schema" / "playbook.schema.json").read_text(encoding="utf-8")
    assert committed == result.output, "run: trinn schema > schema/playbook.schema.json"


def test_playbooks_lists_bundled_and_own(runner, tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(MINI.read_text())
    (tmp_path / "mini.test.yaml").write_text("scenarios: []\n")  # scenario files are skipped
    result = runner.invoke(app, ["--playbooks", str(tmp_path), "playbooks", "--json"])
    rows = json.loads(result.output)
    ids = [row["id"] for row in rows]
    assert ids[-1] == "demo.mini" and len(ids) == len(set(ids))
    assert {"padriv.fase-7-2", "padriv.fase-2", "partnerskab.fem-trin"} <= set(ids)
    assert all(row["status"] == "ok" for row in rows)
    assert result.exit_code == 0


def test_playbooks_shows_a_broken_one(runner, tmp_path: Path, broken: Path) -> None:
    result = runner.invoke(app, ["--playbooks", str(broken.parent), "playbooks", "--json"])
    row = json.loads(result.output)[-1]
    assert row["status"] == "2 errors"
    assert result.exit_code == 1


def test_graph_of_a_folder_says_so(runner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["graph", str(tmp_path)])
    assert result.output == (f"trinn: cannot read {tmp_path}: it is a folder (give a playbook file or id)\n")
    assert result.exit_code == 2


def test_app_for_keeps_only_the_command_named() -> None:
    slim = _app_for(["--db", "x.db", "--lang=en", "show", "1"])
    assert [info.name for info in slim.registered_commands] == ["show"]
    assert slim.registered_callback is not None and app.registered_callback is not None
    assert slim.registered_callback.callback is app.registered_callback.callback  # the global options
    assert len(app.registered_commands) == len(_ORDER) + 1  # the whole app is untouched (and `tui`)


WHOLE = [[], ["--help"], ["--bogus", "show"], ["showx"], ["outbox", "list"], ["--db"], ["tui"]]


@pytest.mark.parametrize("argv", WHOLE)
def test_app_for_is_the_whole_app_unless_a_command_is_plainly_named(argv: list[str]) -> None:
    assert _app_for(argv) is app


@pytest.mark.parametrize("tail", [["--help"], [], ["--json"]])
def test_app_for_answers_as_the_whole_app(runner, broken: Path, tail: list[str]) -> None:
    argv = ["check", *tail, str(broken)] if tail != ["--help"] else ["check", "--help"]
    whole, slim = runner.invoke(app, argv), runner.invoke(_app_for(argv), argv)
    assert (slim.output, slim.exit_code) == (whole.output, whole.exit_code)
    assert slim.exit_code in (0, 1)


def test_every_command_is_found_in_the_module_main_names() -> None:
    from importlib import import_module

    from trinn.tui.cli.commands import HOMES as _HOMES

    held = {
        name: module
        for module in set(_HOMES.values())
        for name in import_module(f"trinn.tui.cli.{module}").COMMANDS
    }
    assert held == _HOMES
