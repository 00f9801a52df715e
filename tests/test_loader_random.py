"""Random YAML through the playbook loader: loaded, or refused with positions; never a traceback,
never a hang (Hypothesis). Two kinds of input: token soup (brackets, anchors, tags, huge numbers,
controls, byte-order marks) and a bundled playbook with one part replaced by random data."""

from __future__ import annotations

import copy
import io
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from trinn.engine.catalog import bundled_files
from trinn.engine.errors import PlaybookError
from trinn.engine.loader import load_playbook_text

# generous: a load takes milliseconds; this only catches a runaway on a shared machine
WALL_SECONDS = 5.0

_TOKENS = st.sampled_from(
    [
        "id: x\n", "version: 1\n", "states:\n", "  a:\n", "    final: true\n", "initial: a\n", "- ", "[", "]",
        "{", "}", ", ", ": ", "\n", "  ", "&a ", "*a ", "!!python/object ", "!x ", "<<: *a\n", "'", '"',
        "9" * 30, "-1e309", ".nan", "\ufeff", "\x1b[2J", "\u202e", "\x00", "%YAML 1.2\n", "---\n", "...\n",
        "? ", "|\n", ">-\n", "#", "\t", "é", "\ud800",
    ]
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40),
    st.sampled_from(["ledelsen", "*", "2 workdays", "tasks_done", "{{ case.x }}"]),
)  # fmt: skip
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(min_size=1, max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _bundled() -> dict[str, Any]:
    yaml = YAML(typ="safe", pure=True)
    path = next(f.path for f in bundled_files() if f.path.name == "padriv-fase-7-2.yaml")
    return yaml.load(path.read_text(encoding="utf-8"))


BUNDLED = _bundled()


def _loads_or_refuses(text: str) -> None:
    started = time.monotonic()
    try:
        load_playbook_text(text, "random.yaml")
    except PlaybookError as exc:
        assert exc.problems, "a refusal names at least one problem"
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1
            assert str(problem).startswith("random.yaml:")
    assert time.monotonic() - started < WALL_SECONDS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=60))
def test_loader_random_token_soup_loads_or_refuses(tokens: list[str]) -> None:
    _loads_or_refuses("".join(tokens))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BUNDLED)), _DATA)
def test_loader_random_part_of_a_playbook_loads_or_refuses(key: str, value: Any) -> None:
    data = copy.deepcopy(BUNDLED)
    data[key] = value
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    _loads_or_refuses(out.getvalue())
