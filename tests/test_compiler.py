from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import transitions

from trinn.engine.compiler import CompiledPlaybook, RefusedError, compile_playbook
from trinn.engine.context import TaskTally, evaluation_context
from trinn.engine.expressions import Scope, compile_expression
from trinn.engine.firing import NotifyEffect, Reads, SetEffect, reads_of
from trinn.engine.loader import load_playbook

NOW = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)


@dataclass
class Record:
    state: str


@pytest.fixture(scope="module")
def compiled_mini() -> CompiledPlaybook:
    return compile_playbook(load_playbook(Path(__file__).parent / "data" / "mini.yaml"))


def _context(compiled: CompiledPlaybook, record: Record, members: list[str], tasks: dict[str, TaskTally]):
    return evaluation_context(
        compiled.spec, state=record.state, fields={"navn": "Acme", "members": members}, tasks=tasks, now=NOW
    )


def test_transitions_version_is_the_pinned_one() -> None:
    # Event.trigger(record) on a Machine without models is little documented: pinned and tested
    assert transitions.__version__ == "0.9.3"


def test_fire_moves_a_plain_record_without_adding_models(compiled_mini: CompiledPlaybook) -> None:
    record = Record("start")
    tasks = {"meet": TaskTally(1, 1), "sign": TaskTally(2, 2)}
    firing = compiled_mini.fire(
        record, "finish", _context(compiled_mini, record, ["a", "b"], tasks), roles={"lead"}
    )
    assert record.state == "done"
    assert compiled_mini.machine.models == []
    assert vars(record) == {"state": "done"}  # nothing set on the record by magic
    assert firing.transition is not None and firing.transition.index == 0
    assert firing.effects == [
        SetEffect({"navn": "Acme (done)"}),
        NotifyEffect(compiled_mini.spec.states["done"].on_enter[0].notify),
    ]


def test_fire_refuses_with_the_failing_guard_and_its_values(compiled_mini) -> None:
    record = Record("start")
    context = _context(compiled_mini, record, ["a"], {"meet": TaskTally(1, 1)})
    with pytest.raises(RefusedError) as info:
        compiled_mini.fire(record, "finish", context, roles={"lead"})
    assert str(info.value) == "cannot «finish» in «Start» («Members» has 1, needs at least 2)"
    assert info.value.explained == [
        "guard 'tasks_done && size(members) >= 2' is false (tasks_done = true, members = ['a'])"
    ]
    assert (info.value.trigger, info.value.state) == ("finish", "start")
    assert record.state == "start"


def test_fire_refuses_an_actor_without_the_role(compiled_mini) -> None:
    record = Record("start")
    context = _context(compiled_mini, record, ["a", "b"], {"meet": TaskTally(1, 1)})
    with pytest.raises(RefusedError, match="needs the role «Lead»"):
        compiled_mini.fire(record, "finish", context, roles={"partner"})


def test_fire_from_any_state_and_not_from_a_final_one(compiled_mini) -> None:
    record = Record("start")
    context = _context(compiled_mini, record, [], {})
    compiled_mini.fire(record, "stop", context, roles={"lead"})
    assert record.state == "stopped"
    with pytest.raises(RefusedError) as info:
        compiled_mini.fire(record, "stop", context, roles={"lead"})
    assert str(info.value) == ("cannot «stop» in «Stopped» (allowed: nothing, the case is closed)")


def test_fire_unknown_trigger_is_refused(compiled_mini) -> None:
    with pytest.raises(RefusedError, match="unknown trigger"):
        compiled_mini.fire(Record("start"), "fnish", _context(compiled_mini, Record("start"), [], {}))


def test_many_records_share_one_machine(compiled_mini) -> None:
    records = [Record("start") for _ in range(200)]
    for record in records:
        compiled_mini.fire(record, "stop", _context(compiled_mini, record, [], {}), roles={"lead"})
    assert {r.state for r in records} == {"stopped"}
    assert compiled_mini.machine.models == []
    assert sys.getrefcount(records[0]) < 10  # the machine keeps no reference to cases


def test_fire_makes_the_context_only_when_a_guard_or_action_reads_it(compiled_mini) -> None:
    asked: list[Reads] = []

    def context(reads: Reads):
        asked.append(reads)
        return _context(
            compiled_mini, Record("start"), ["a", "b"], {"meet": TaskTally(1, 1), "sign": TaskTally(2, 2)}
        )

    compiled_mini.fire(Record("start"), "stop", context, roles={"lead"})
    assert asked == []  # no guard, no actions: nothing of the case is read
    firing = compiled_mini.fire(Record("start"), "finish", context, roles={"lead"})
    assert asked == [Reads(frozenset({"tasks_done", "members", "navn"}), frozenset())]
    assert firing.effects[0] == SetEffect({"navn": "Acme (done)"})


def test_reads_name_the_tasks_a_guard_reads_or_all_of_them() -> None:
    scope = Scope(frozenset({"navn"}), frozenset({"meet", "sign"}))
    chained = compile_expression("tasks.meet.done && tasks . sign.count > 1", scope)
    whole = compile_expression("tasks.meet.done && size(tasks) > 1", scope)
    in_text = compile_expression("navn == 'tasks'", scope)
    assert reads_of([chained]) == Reads(frozenset({"tasks"}), frozenset({"meet", "sign"}))
    assert reads_of([chained, whole]).tasks is None
    assert reads_of([in_text]) == Reads(frozenset({"navn"}), frozenset())  # a quoted 'tasks' is text


def _chain(states: int) -> str:
    head = (
        "id: demo.chain\nversion: 1\nlanguage: en\ntitle: Chain\nsubject: {title: Org, field: navn}\n"
        "roles:\n  lead: {title: Lead}\nfields:\n  navn: {type: text, label: Name}\ninitial: s0\nstates:\n"
    )
    lines = [head, *(f"  s{i}: {{title: S{i}}}\n" for i in range(states))]
    lines.append("  end: {title: End, final: true}\ntransitions:\n")
    lines += [
        f"  - {{trigger: go{i}, from: s{i}, to: {f's{i + 1}' if i + 1 < states else 'end'}, by: lead}}\n"
        for i in range(states)
    ]
    lines.append("  - {trigger: stop, from: '*', to: end, by: lead}\n")
    return "".join(lines)


def test_compile_spells_out_each_transitions_sources_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from trinn.engine.loader import load_playbook_text
    from trinn.engine.spec_base import PlaybookBase

    loaded = load_playbook_text(_chain(300), "chain.yaml")
    spelled: list[str] = []
    original = PlaybookBase.source_states

    def counted(self: PlaybookBase, transition):  # type: ignore[no-untyped-def]
        spelled.append(transition.trigger)
        return original(self, transition)

    monkeypatch.setattr(PlaybookBase, "source_states", counted)
    compiled = compile_playbook(loaded)
    # once per transition, where it was once per state per transition (quadratic)
    assert len(spelled) == len(loaded.spec.transitions) == 301
    assert compiled.triggers_from("s7") == ["go7", "stop"]
    assert compiled.may("s7", "go8", _context(compiled, Record("s7"), [], {}), ["lead"]) == (
        False,
        ["allowed: go7, stop"],
    )
    record = Record("s299")
    compiled.fire(record, "go299", _context(compiled, record, [], {}), ["lead"])
    assert record.state == "end"
