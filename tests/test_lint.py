"""Every file under data/lint/ is a playbook that checks clean and says what lint must find.

Each starts with one `# expect: LINE:COL: severity: message (hint) [rule]` line per
finding (none for a clean one); the findings must be exactly those, in that order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trinn.engine.catalog import bundled_files
from trinn.engine.lint import RULES, lint_playbook, rule_table
from trinn.engine.lint.guards import atoms, contradiction
from trinn.engine.loader import load_playbook

LINT = sorted((Path(__file__).parent / "data" / "lint").glob("*.yaml"))


def _expected(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


def test_lint_fixtures_cover_every_rule() -> None:
    found = {line.rsplit("[", 1)[1].rstrip("]") for path in LINT for line in _expected(path)}
    assert found == {rule_id for rule_id, _severity, _summary in rule_table()}


@pytest.mark.parametrize("path", LINT, ids=lambda p: p.name)
def test_lint_reports_exactly_the_expected_findings(path: Path) -> None:
    findings = lint_playbook(load_playbook(path, display=path.name))
    assert [str(f).removeprefix(f"{path.name}:") for f in findings] == _expected(path)


@pytest.mark.parametrize("entry", bundled_files(), ids=lambda f: f.path.name)
def test_lint_bundled_playbook_is_clean(entry) -> None:
    assert [str(f) for f in lint_playbook(load_playbook(entry.path))] == []


def test_lint_silencing_needs_a_reason() -> None:
    from trinn.engine.errors import PlaybookError
    from trinn.engine.loader import load_playbook_text

    text = (LINT[0].parent / "silenced.yaml").read_text(encoding="utf-8")
    broken = text.replace("    reason: The board joins in the next version of the method.\n", "")
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(broken, "silenced.yaml")
    assert [str(p) for p in info.value.problems] == [
        "silenced.yaml:9:5: missing required key 'reason' "
        "(why the finding does not apply here (e.g. what the source text says))"
    ]


def test_lint_rules_have_ids_and_severities() -> None:
    assert all(rule.severity in ("error", "warning") for rule in RULES.values())
    assert all(rule_id == rule.id for rule_id, rule in RULES.items())


@pytest.mark.parametrize(
    ("guard", "expected"),
    [
        ("tasks_done && size(x) > 0", None),
        ("size(x) > 0 && size(x) == 0", "'size(x) == 0' and 'size(x) > 0'"),
        ("a != null && a == null", "'a == null' and 'a != null'"),
        ("size(x) < 0", "'size(x) < 0' (a size is never negative)"),
        ("false", "'false'"),
        ("(a) && (!a)", "'a' and '!a'"),
        ("n >= 3 && n <= 3", None),
        ("n > 3 && n <= 3", "'n > 3' and 'n <= 3'"),
        ("choice == 'c'", "'c' is not an option of 'choice'"),
    ],
)
def test_guard_contradictions_are_decided(guard: str, expected: str | None) -> None:
    conjuncts = atoms(guard)
    assert conjuncts is not None
    assert contradiction(conjuncts, {"choice": ["a", "b"]}) == expected


@pytest.mark.parametrize("guard", ["a || b", "x in y", "size(a) > size(b)", "(a || b) && c"])
def test_guard_undecidable_forms_are_left_alone(guard: str) -> None:
    assert atoms(guard) is None
