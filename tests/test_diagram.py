from __future__ import annotations

from pathlib import Path

import pytest

from trinn.engine.diagram import draw
from trinn.engine.loader import load_playbook
from trinn.engine.spec import PlaybookSpec


@pytest.fixture(scope="module")
def mini() -> PlaybookSpec:
    return load_playbook(Path(__file__).parent / "data" / "mini.yaml").spec


def test_draw_mermaid_shows_titles_guards_and_finals(mini: PlaybookSpec) -> None:
    text = draw(mini, "mermaid")
    assert text.startswith("---\nMini\n---\nstateDiagram-v2\n")
    assert 'state "Start" as start' in text
    assert "start --> done: finish [tasks_done && size(members) >= 2]" in text
    assert "[*] --> start" in text
    assert "done --> [*]" in text and "stopped --> [*]" in text
    assert 'state "Done ✔" as done' in text


def test_draw_dot_shows_the_same_graph(mini: PlaybookSpec) -> None:
    pytest.importorskip("graphviz", reason="DOT output needs the optional graphviz package")
    text = draw(mini, "dot")
    assert text.startswith("digraph Mini {")
    assert 'start -> done [label="finish [tasks_done && size(members) >= 2]"]' in text
    assert 'label="Done ✔' in text
