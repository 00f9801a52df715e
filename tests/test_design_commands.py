"""`trinn lint`, `trinn test` and `trinn new` through the command line: exact output, exit status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trinn.tui.cli import app

DATA = Path(__file__).parent / "data"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_lint_clean_file_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(app, ["lint", str(DATA / "lint" / "clean.yaml")])
    assert (result.exit_code, result.output) == (0, f"{DATA / 'lint' / 'clean.yaml'}: ok\n")


def test_lint_findings_exit_1_with_a_summary(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(DATA / "lint" / "negative_end.yaml", tmp_path / "x.yaml")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["lint", "x.yaml"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "2 findings in x.yaml"
    assert result.output.splitlines()[0].startswith(
        "x.yaml:32:9: warning: 'drop' ends the case negatively ('dropped')"
    )


def test_lint_json_lists_findings_and_check_errors(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text((DATA / "lint" / "clean.yaml").read_text().replace("by: lead", "by: leed"))
    result = runner.invoke(app, ["lint", "--json", str(DATA / "lint" / "waiting.yaml"), str(broken)])
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert [(f["rule"], f["severity"], f["line"]) for f in found] == [
        ("waiting-without-deadline", "warning", 20),
        ("waiting-without-deadline", "warning", 23),
        ("check", "error", 20),
    ]
    assert found[2]["message"] == "unknown role 'leed'"


def test_lint_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert result.stderr == f"trinn: cannot read {tmp_path / 'nope.yaml'}: no such file or directory\n"


def test_lint_rules_are_listed(runner: CliRunner) -> None:
    result = runner.invoke(app, ["lint", "--rules"])
    assert result.exit_code == 0
    assert "negative-end-untold" in result.output and "guard-never-true" in result.output


def test_lint_bundled_folder_is_clean(runner: CliRunner) -> None:
    folder = Path(__file__).parent.parent / "playbooks"
    result = runner.invoke(app, ["lint", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok\n") == 5


@pytest.mark.parametrize("language", ["da", "nb", "en"])
def test_new_playbook_checks_lints_and_tests_clean(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new", "min-proces", "--language", language])
    assert (result.exit_code, result.output) == (
        0,
        "wrote min-proces.yaml\nwrote min-proces.test.yaml\nwrote playbook.schema.json\n",
    )
    assert runner.invoke(app, ["check", "min-proces.yaml"]).output == "min-proces.yaml: ok\n"
    assert runner.invoke(app, ["lint", "min-proces.yaml"]).output == "min-proces.yaml: ok\n"
    tested = runner.invoke(app, ["test", "min-proces.yaml", "--coverage"])
    assert tested.exit_code == 0, tested.output
    assert tested.output.splitlines()[-2:] == [
        "coverage of min-proces.yaml: 3/3 transitions, 4/4 states",
        "2 passed, everything covered",
    ]
    assert "language: " + language in (tmp_path / "min-proces.yaml").read_text()


def test_new_refuses_to_overwrite_and_bad_names(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(app, ["new", "p", "--dir", str(tmp_path)]).exit_code == 0
    again = runner.invoke(app, ["new", "p", "--dir", str(tmp_path)])
    assert (again.exit_code, again.stderr) == (
        2,
        f"trinn: {tmp_path / 'p.yaml'} exists already (choose another name, or move it away)\n",
    )
    bad = runner.invoke(app, ["new", "Min Proces"])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("trinn: invalid playbook name 'Min Proces'")
    for name, hint in (("x.yaml", ".yaml"), ("x.test", ".test")):
        suffixed = runner.invoke(app, ["new", name])
        assert (suffixed.exit_code, suffixed.stderr) == (
            2,
            f"trinn: invalid playbook name '{name}' (without '{hint}': try 'x')\n",
        )
    unknown = runner.invoke(app, ["new", "p", "--language", "sv"])
    assert unknown.stderr == "trinn: unknown language 'sv' (expected one of nb, da, en)\n"


@pytest.fixture
def starter(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["new", "proc"]).exit_code == 0
    return tmp_path


def test_test_reports_failures_pytest_like(runner: CliRunner, starter: Path) -> None:
    path = starter / "proc.test.yaml"
    path.write_text(path.read_text().replace("state: approved", "state: rejected"))
    result = runner.invoke(app, ["test", "."])
    assert result.exit_code == 1
    assert result.output == (
        "proc.test.yaml::the board approves FAILED\n"
        "proc.test.yaml::the board rejects with a reason PASSED\n"
        "FAILED proc.test.yaml::the board approves\n"
        "  proc.test.yaml:22:18: expected state 'rejected', the case is in 'approved'\n"
        "1 passed, 1 failed\n"
    )


def test_test_coverage_lists_what_no_scenario_took(runner: CliRunner, starter: Path) -> None:
    path = starter / "proc.test.yaml"
    path.write_text(path.read_text().split("  - name: the board rejects")[0])
    result = runner.invoke(app, ["test", "proc.test.yaml", "--coverage"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "coverage of proc.yaml: 2/3 transitions, 3/4 states",
        "proc.yaml:77:5: transition 'reject' (in_review -> rejected) is not taken by any scenario",
        "proc.yaml:55:3: state 'rejected' is not reached by any scenario",
        "1 passed, 2 not covered",
    ]
    as_json = json.loads(runner.invoke(app, ["test", "proc.test.yaml", "--coverage", "--json"]).stdout)
    assert [s["status"] for s in as_json[0]["scenarios"]] == ["passed"]
    assert [g["line"] for g in as_json[0]["not_covered"]] == [77, 55]


def test_test_broken_scenario_file_exits_1_with_positions(runner: CliRunner, starter: Path) -> None:
    (starter / "proc.test.yaml").write_text("scenarios:\n  - name: x\n    stepz: []\n")
    result = runner.invoke(app, ["test", "proc.yaml"])
    assert result.exit_code == 1
    assert result.output == (
        "proc.test.yaml:3:5: unknown key 'stepz' (did you mean 'steps'?)\n"
        "1 error in proc.test.yaml\n0 passed\n"
    )


def test_test_without_scenario_file_exits_2(runner: CliRunner, starter: Path) -> None:
    (starter / "proc.test.yaml").unlink()
    result = runner.invoke(app, ["test", "proc.yaml"])
    assert result.exit_code == 2
    assert result.stderr == "trinn: no scenario file beside proc.yaml (write proc.test.yaml)\n"
