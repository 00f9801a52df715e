"""`trinn forms`: a playbook's forms with every field's id, type, options and label."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from trinn.tui.cli import app

CASES = Path(__file__).parent / "data" / "cases"


def _trinn(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["--db", str(tmp_path / "t.db"), "--playbooks", str(CASES), "--lang", "nb", *args]
    )


def test_forms_lists_each_field_with_its_type_and_options(tmp_path: Path) -> None:
    result = _trinn(tmp_path, "forms", "padriv.fase-7-2", "behandling")
    assert (result.output, result.exit_code) == (
        "behandling: Styringsgruppens behandling\n"
        "  behandlingsmote (choice blant forstkommende_mote, digitalt_mote): Behandlet på\n"
        "  behandlet_dato (date): Dato for styringsgruppens behandling\n",
        0,
    )


def test_forms_of_a_playbook_file_all_at_once(tmp_path: Path) -> None:
    result = _trinn(tmp_path, "forms", str(CASES / "onboarding.yaml"))
    assert (result.output, result.exit_code) == (
        "intake: Intake\n  contact (email): Contact\n  note (long_text; må fylles ut): Note\n",
        0,
    )
    (view,) = json.loads(_trinn(tmp_path, "forms", "test.onboarding", "--json").output)
    assert [(f["field"], f["type"], f["required"]) for f in view["fields"]] == [
        ("contact", "email", False),
        ("note", "long_text", True),
    ]


def test_forms_unknown_form_names_the_forms(tmp_path: Path) -> None:
    result = _trinn(tmp_path, "forms", "test.onboarding", "intak")
    assert (result.output, result.exit_code) == (
        "trinn: playbook 'test.onboarding' has no form 'intak' (its forms: intake)\n",
        1,
    )
    unknown = _trinn(tmp_path, "forms", "test.nope", "--json")
    assert (json.loads(unknown.stdout)["code"], unknown.exit_code) == (2, 2)
