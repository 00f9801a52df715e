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
