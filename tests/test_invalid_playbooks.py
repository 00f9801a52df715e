"""Every file under data/invalid/ is a broken playbook that says what trinn must report.

Each starts with one `# expect: LINE:COL: message (hint)` line per problem; the
problems reported must be exactly those, in that order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trinn.engine.errors import PlaybookError
from trinn.engine.loader import load_playbook

INVALID = sorted((Path(__file__).parent / "data" / "invalid").glob("*.yaml"))


def _expected(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


def test_invalid_playbooks_are_many() -> None:
    assert len(INVALID) >= 25


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_playbook_reports_exactly_its_problems(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(PlaybookError) as info:
        load_playbook(path, display=path.name)
    reported = [str(p).removeprefix(f"{path.name}:") for p in info.value.problems]
    assert reported == expected
    assert info.value.report().splitlines()[-1].endswith(f"in {path.name}")


MINI = Path(__file__).parent / "data" / "mini.yaml"


def test_report_shows_the_first_problems_and_counts_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    from trinn.engine import validation
    from trinn.engine.errors import MAX_PROBLEMS
    from trinn.engine.loader import load_playbook_text

    hinted: list[str] = []
    original = validation.did_you_mean

    def counted(name: str, choices, **kwargs):  # type: ignore[no-untyped-def]
        hinted.append(name)
        return original(name, choices, **kwargs)

    monkeypatch.setattr(validation, "did_you_mean", counted)
    text = MINI.read_text(encoding="utf-8") + "".join(f"k{i}: 1\n" for i in range(5_000))
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(text, "keys.yaml")
    report = info.value.report().splitlines()
    assert len(info.value.problems) == MAX_PROBLEMS
    assert report[0] == "keys.yaml:32:1: unknown key 'k0'"
    assert report[-2:] == ["... and 4900 more problems", "5000 errors in keys.yaml"]
    # did-you-mean compares with every valid key: only for the problems shown
    assert len(hinted) == MAX_PROBLEMS


def test_check_hints_only_the_problems_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from trinn.engine import checker
    from trinn.engine.errors import MAX_PROBLEMS
    from trinn.engine.loader import load_playbook_text

    hinted: list[str] = []
    original = checker.did_you_mean

    def counted(name: str, choices, **kwargs):  # type: ignore[no-untyped-def]
        hinted.append(name)
        return original(name, choices, **kwargs)

    monkeypatch.setattr(checker, "did_you_mean", counted)
    text = MINI.read_text(encoding="utf-8") + "".join(
        f"  - {{trigger: t{i}, from: start, to: dome, by: lead}}\n" for i in range(300)
    )
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(text, "refs.yaml")
    assert str(info.value.problems[0]).endswith(": unknown state 'dome' (did you mean 'done'?)")
    assert info.value.more == 200
    assert len(hinted) == MAX_PROBLEMS
