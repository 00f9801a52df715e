"""The bundled playbooks' scenario files (playbooks/*.test.yaml): the one walk of each playbook.

Each scenario runs twice on a fresh database of each backend: its steps sent to the
service itself (what `trinn test` does), and typed at the command line by a coordinator
(tests/scenario_cli.py). Either way every expectation must hold and a refused step must
leave the case as it was. After the walk, the command line must tell one story of every
case: `show` and `history` agree (numbered 1..n, each command starting where the last
ended, the fields as the changes left them), the listings agree, a case a `start_case`
opened names its parent, and a closed case takes no more commands. Together the
scenarios of a playbook take every transition and reach every state.
"""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.scenario_cli import CliCommands, trinn
from trinn.engine.catalog import bundled_files
from trinn.engine.loader import load_playbook
from trinn.engine.scenario import LoadedScenarios, load_scenarios, scenario_file_for
from trinn.engine.scenario_run import ACTOR, ScenarioResult, coverage_gaps, run_scenario, run_scenarios
from trinn.engine.scenario_steps import ServiceCommands
from trinn.engine.service import Service

PLAYBOOKS = [f.path for f in bundled_files()]


@cache
def _loaded(name: str) -> LoadedScenarios:
    (playbook,) = [p for p in PLAYBOOKS if p.name == name]
    path = scenario_file_for(playbook)
    assert path is not None, f"no scenario file beside {name}"
    return load_scenarios(path)


def _scenarios() -> list[tuple[str, int, str]]:
    return [
        (playbook.name, i, scenario.name)
        for playbook in PLAYBOOKS
        for i, scenario in enumerate(_loaded(playbook.name).spec.scenarios)
    ]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """The signing key `trinn link` reads (an owner-only file)."""
    path = tmp_path / "serve.key"
    path.write_text("scenario-walk-signing-key-0123456789abcdef\n")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("via", ["service", "cli"])
@pytest.mark.parametrize(("playbook", "index", "name"), _scenarios(), ids=lambda v: str(v))
def test_bundled_scenario_passes(
    db_url: str, key_file: Path, via: str, playbook: str, index: int, name: str
) -> None:
    seen: list[Service] = []

    def commands(service: Service) -> ServiceCommands | CliCommands:
        seen.append(service)
        return ServiceCommands(service, ACTOR) if via == "service" else CliCommands(service, db_url, key_file)

    result = run_scenario(_loaded(playbook), index, database=db_url, via=commands)
    assert result.failure is None, str(result.failure)
    (service,) = seen
    _one_story(lambda *args: _json(service, db_url, key_file, *args))


def _json(service: Service, database: str, key_file: Path, *args: str) -> Any:
    result = trinn(service, database, key_file, *args, "--json")
    assert result.exit_code == 0, (args, result.stderr)
    return json.loads(result.stdout)


def _one_story(read: Any) -> None:
    """What the command line says of every case the scenario left behind agrees with itself."""
    listed = {c["id"]: c for c in read("cases")}
    assert listed, "the scenario left no case"
    for case_id, row in listed.items():
        view = read("show", str(case_id))
        history = read("history", str(case_id))
        assert (row["state"], row["outcome"]) == (view["state"], view["outcome"])
        assert [e["version"] for e in history] == list(range(1, view["row_version"] + 1))
        assert [e["at"] for e in history] == sorted(e["at"] for e in history)
        assert history[0]["kind"] == "open"
        for earlier, later in itertools.pairwise(history):
            assert later["state_before"] == earlier["state_after"]
        assert history[-1]["state_after"] == view["state"]
        fields: dict[str, Any] = {}
        for event in history:
            for field, (before, after) in event["changes"].items():
                assert fields.get(field) == before, (case_id, event["version"], field)
                fields[field] = after
        assert {k: v for k, v in fields.items() if v is not None} == view["fields"]
        started = [child for e in history for child in e["details"].get("started", [])]
        assert view["children"] == started
        for child in started:
            assert listed[child]["parent"] == case_id if "parent" in listed[child] else True
            assert read("show", str(child))["parent"] == case_id
        if view["closed"]:
            assert view["closed_at"] is not None and view["tasks"] == []


@pytest.mark.parametrize("playbook", [p.name for p in PLAYBOOKS])
def test_bundled_scenarios_take_every_transition_and_state(playbook: str) -> None:
    loaded = _loaded(playbook)
    results: list[ScenarioResult] = run_scenarios(loaded)
    assert [r.failure for r in results] == [None] * len(results)
    source = load_playbook(loaded.playbook)
    gaps = coverage_gaps(source.spec, source.source_map, results)
    assert (gaps.transitions, gaps.states) == ([], [])
