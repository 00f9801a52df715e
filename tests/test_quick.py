"""The everyday commands run without typer (tui/cli/quick.py) read and answer as typer's do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
import typer.main
from typer.testing import CliRunner

from trinn.tui.cli.commands import whole_app
from trinn.tui.cli.quick import GLOBAL, QUICK, quick_command

CASES = Path(__file__).parent / "data" / "cases"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
PEOPLE = "lea: {name: Lea Lead, roles: [lead]}\nbo: {name: Bo Board, roles: [board]}\n"


def _group() -> Any:
    return typer.main.get_command(whole_app())


@pytest.mark.parametrize("name", sorted(QUICK))
def test_quick_declares_each_option_as_typer_does(name: str) -> None:
    declared = QUICK[name]
    params = _group().commands[name].params
    options = [p for p in params if p.param_type_name == "option"]
    arguments = [p for p in params if p.param_type_name == "argument"]
    assert {o.opts[0]: o.name for o in options if o.is_flag} == declared.flags
    assert {o.opts[0]: o.name for o in options if o.multiple} == declared.lists
    function = next(info.callback for info in whole_app().registered_commands if info.name == name)
    hints = get_type_hints(function)
    valued = [o for o in options if not o.is_flag and not o.multiple]
    numbers = {o.opts[0]: o.name for o in valued if int in get_args(hints[o.name])}
    assert numbers == declared.numbers
    assert {o.opts[0]: o.name for o in valued if o.opts[0] not in numbers} == declared.texts
    assert all(get_args(hints[name]) == (str, type(None)) for name in declared.texts.values())
    assert len(options) == len(declared.flags) + len(declared.lists) + len(declared.numbers) + len(
        declared.texts
    )
    assert [a.name for a in arguments if a.nargs == 1] == list(declared.arguments)
    assert [a.name for a in arguments if a.nargs == -1] == ([declared.rest] if declared.rest else [])


def test_quick_reads_the_global_options_typer_declares() -> None:
    options = [p for p in _group().params if p.param_type_name == "option"]
    assert {o.opts[0]: o.envvar for o in options} == GLOBAL


NOT_PLAIN = [
    [],
    ["--help"],
    ["show", "--help"],
    ["show", "-h"],
    ["show"],
    ["show", "1", "2"],
    ["show", "1", "--bogus"],
    ["show", "1", "--json=yes"],
    ["set", "1"],
    ["done", "1"],
    ["fire", "1", "go", "--expect-version", "many"],
    ["fire", "1", "go", "--note"],
    ["fire", "1", "go", "--note", "--json"],
    ["cases", "--state="],
    ["--db"],
    ["--db", "--json", "show", "1"],
    ["--nosuch", "show", "1"],
    ["outbox"],
    ["history", "1"],
    ["show", "--", "1"],
]


@pytest.mark.parametrize("argv", NOT_PLAIN, ids=" ".join)
def test_quick_leaves_anything_unusual_to_typer(argv: list[str]) -> None:
    assert quick_command(argv) is None


STEPS = [
    ["show", "1"],
    ["show", "1", "--json"],
    ["can", "1", "--all", "--explain"],
    ["can", "--json", "1"],
    ["cases", "--open"],
    ["cases", "--state", "new", "--json"],
    ["tasks", "--mine"],
    ["tasks", "--json", "--overdue"],
    ["fire", "1", "to_signing"],
    ["set", "1", "size=3", "--note", "grew", "--expect-version", "1"],
    ["set", "1", "size=4", "--expect-version", "1"],
    ["set", "1", "size=x"],
    ["done", "1", "intake", "--json"],
    ["done", "1", "call", "--note", "rang"],
    ["fire", "1", "to_signing", "--set", "members=a, b", "--note", "ready"],
    ["show", "x"],
    ["show", "99"],
    ["--as", "bo", "fire", "1", "approve"],
    ["--lang", "nb", "can", "1"],
]


def _now() -> dt.datetime:
    return NOW


def test_quick_answers_as_typer_does_step_by_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same steps on two databases, one through typer, one without it: the same words, the
    same JSON, the same exit statuses, refusals included."""
    for name in ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG", "TRINN_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    people = tmp_path / "people.yaml"
    people.write_text(PEOPLE)
    bases = [
        [
            "--db",
            str(tmp_path / f"{side}.db"),
            "--playbooks",
            str(CASES),
            "--people",
            str(people),
            "--as",
            "lea",
        ]
        for side in ("typer", "quick")
    ]
    for base in bases:
        opened = CliRunner().invoke(
            whole_app(), [*base, "open", "test.onboarding", "--set", "org=Acme", "--set", "note=hi"], obj=_now
        )
        assert opened.exit_code == 0, opened.output
    for step in STEPS:
        # `--as` again after the base's: the last one given counts, in both
        by_typer = CliRunner().invoke(whole_app(), [*bases[0], *step], obj=_now)
        command = quick_command([*bases[1], *step], clock=_now)
        assert command is not None, step
        try:
            command()
            code: Any = 0
        except SystemExit as exc:
            code = exc.code
        said = capsys.readouterr()
        assert (said.out, said.err, code) == (by_typer.stdout, by_typer.stderr, by_typer.exit_code), step
