"""Every bundled playbook has a scenario file beside it; every scenario passes, and together they
take every transition and reach every state (what `trinn test playbooks --coverage` checks)."""

from __future__ import annotations

from functools import cache

import pytest

from trinn.engine.catalog import bundled_files
from trinn.engine.loader import load_playbook
from trinn.engine.scenario import LoadedScenarios, load_scenarios, scenario_file_for
from trinn.engine.scenario_run import ScenarioResult, coverage_gaps, run_scenarios

PLAYBOOKS = [f.path for f in bundled_files()]


@cache
def _run(name: str) -> tuple[LoadedScenarios, tuple[ScenarioResult, ...]]:
    (playbook,) = [p for p in PLAYBOOKS if p.name == name]
    path = scenario_file_for(playbook)
    assert path is not None, f"no scenario file beside {name}"
    loaded = load_scenarios(path)
    return loaded, tuple(run_scenarios(loaded))


def _cases() -> list[tuple[str, str]]:
    cases = []
    for playbook in PLAYBOOKS:
        path = scenario_file_for(playbook)
        names = [s.name for s in load_scenarios(path).spec.scenarios] if path else ["(none)"]
        cases.extend((playbook.name, name) for name in names)
    return cases


@pytest.mark.parametrize(("playbook", "scenario"), _cases(), ids=lambda v: v)
def test_bundled_scenario_passes(playbook: str, scenario: str) -> None:
    _loaded, results = _run(playbook)
    (result,) = [r for r in results if r.name == scenario]
    assert result.failure is None, str(result.failure)


@pytest.mark.parametrize("playbook", [p.name for p in PLAYBOOKS])
def test_bundled_scenarios_take_every_transition_and_state(playbook: str) -> None:
    loaded, results = _run(playbook)
    assert loaded.playbook.name == playbook
    spec_source = load_playbook(loaded.playbook)
    gaps = coverage_gaps(spec_source.spec, spec_source.source_map, results)
    assert (gaps.transitions, gaps.states) == ([], [])
