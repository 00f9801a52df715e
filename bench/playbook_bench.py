"""Playbook language benchmark: every figure beside a baseline measured in the same run.

    python bench/playbook_bench.py [--json]

- load + check + compile time per bundled playbook;
- guard evaluation time (a compiled CEL guard against a case's context);
- firing a trigger through the compiled machine versus a bare transitions.Machine
  of the same shape (ratio; target at most 1.25x);
- whole-process `trinn check playbooks/*.yaml` (target under 0.5 s), beside a
  bare `python -c pass` start-up.

Targets are reported, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bare import bare_machine  # noqa: E402
from trinn.engine.catalog import bundled_files  # noqa: E402
from trinn.engine.compiler import CompiledPlaybook, compile_playbook  # noqa: E402
from trinn.engine.context import TaskTally, evaluation_context  # noqa: E402
from trinn.engine.loader import load_playbook  # noqa: E402


class Record:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def best_of(runs: int, func: Callable[[], object], inner: int = 1) -> float:
    """Seconds per call: the best of `runs` batches of `inner` calls (least disturbed)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(inner):
            func()
        times.append((time.perf_counter() - start) / inner)
    return min(times)


def load_figures() -> list[dict[str, object]]:
    rows = []
    for entry in bundled_files():
        load_s = best_of(15, lambda p=entry.path: load_playbook(p))
        loaded = load_playbook(entry.path)
        compile_s = best_of(15, lambda lp=loaded: compile_playbook(lp))
        rows.append(
            {"playbook": entry.path.name, "load_check_ms": load_s * 1e3, "compile_ms": compile_s * 1e3}
        )
    return rows


def _sample_context(compiled: CompiledPlaybook, state: str):
    spec = compiled.spec
    samples = {
        "email": "post@example.no",
        "url": "https://example.no",
        "phone": "+47 22 00 00 00",
        "number": 1,
        "money": 1000,
        "bool": True,
        "date": "2026-11-24",
    }
    fields = {}
    for field_id, field in spec.fields.items():
        kind = field.type.value
        if kind.endswith("list"):
            fields[field_id] = [f"{field_id}{i}" for i in range(8)]
        elif field.options:
            fields[field_id] = field.options[0] if kind == "choice" else field.options[:1]
        else:
            fields[field_id] = samples.get(kind, f"{field_id} text")
    tasks = {task_id: TaskTally(1, 1) for task_id in spec.all_tasks()}
    return evaluation_context(
        spec,
        state=state,
        fields=fields,
        tasks=tasks,
        now=dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
        actor="bench",
        roles=spec.roles,
    )


def guard_figures(compiled: list[CompiledPlaybook]) -> dict[str, object]:
    guarded = [(c, t) for c in compiled for t in c.transitions if t.guard is not None]
    per_guard = []
    for playbook, transition in guarded:
        context = _sample_context(
            playbook, transition.spec.sources[0] if transition.spec.sources else playbook.spec.initial
        )
        guard = transition.guard
        assert guard is not None
        per_guard.append(best_of(5, lambda g=guard, c=context: g.evaluate(c), inner=2000))
    build = best_of(5, lambda: _sample_context(compiled[0], compiled[0].spec.initial), inner=200)
    return {
        "guards": len(per_guard),
        "guard_eval_us_median": statistics.median(per_guard) * 1e6,
        "guard_eval_us_max": max(per_guard) * 1e6,
        "context_build_us": build * 1e6,
    }


def fire_figures(compiled: CompiledPlaybook) -> dict[str, object]:
    """Fire the playbook's first guarded transition that the sample case passes, again and again."""

    def passes(t) -> bool:
        return t.guard is not None and t.guard.evaluate(_sample_context(compiled, t.spec.sources[0])) is True

    transition = next(t for t in compiled.transitions if t.spec.sources and passes(t))
    source, trigger = transition.spec.sources[0], transition.trigger
    context = _sample_context(compiled, source)
    roles = frozenset(compiled.spec.roles)
    record = Record(source)
    bare = bare_machine(compiled)
    bare_event = bare.events[trigger]

    def ours() -> None:
        record.state = source
        compiled.fire(record, trigger, context, roles)

    def baseline() -> None:
        record.state = source
        bare_event.trigger(record)

    ours()
    baseline()
    ours_s, bare_s = [], []
    for _ in range(7):  # interleaved, so drift in the machine's load hits both alike
        ours_s.append(best_of(1, ours, inner=3000))
        bare_s.append(best_of(1, baseline, inner=3000))
    return {
        "playbook": compiled.spec.id,
        "trigger": trigger,
        "compiled_us": min(ours_s) * 1e6,
        "bare_us": min(bare_s) * 1e6,
        "ratio": min(ours_s) / min(bare_s),
    }


def process_figures() -> dict[str, object]:
    trinn = Path(sys.executable).with_name("trinn")
    files = [str(e.path) for e in bundled_files()]

    def run(cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start

    check_s = min(run([str(trinn), "check", *files]) for _ in range(7))
    python_s = min(run([sys.executable, "-c", "pass"]) for _ in range(7))
    return {
        "trinn_check_s": check_s,
        "python_startup_s": python_s,
        "ratio_to_bare_python": check_s / python_s,
    }


def main() -> None:
    loads = load_figures()
    compiled = [compile_playbook(load_playbook(e.path)) for e in bundled_files()]
    figures = {
        "load": loads,
        "guards": guard_figures(compiled),
        "fire": [fire_figures(c) for c in compiled],
        "process": process_figures(),
    }
    if "--json" in sys.argv:
        print(json.dumps(figures, indent=2))
        return
    print("load + check / compile, per bundled playbook:")
    for row in loads:
        print(f"  {row['playbook']:32} {row['load_check_ms']:7.2f} ms  {row['compile_ms']:6.2f} ms")
    g = figures["guards"]
    print(
        f"guard evaluation: median {g['guard_eval_us_median']:.2f} us, max "
        f"{g['guard_eval_us_max']:.2f} us over {g['guards']} guards (target < 10 us); "
        f"context build {g['context_build_us']:.1f} us"
    )
    print("fire through the compiled machine vs a bare Machine of the same shape (target <= 1.25x):")
    for row in figures["fire"]:
        print(
            f"  {row['playbook']:24} {row['trigger']:22} {row['compiled_us']:6.2f} us vs "
            f"{row['bare_us']:6.2f} us = {row['ratio']:.2f}x"
        )
    p = figures["process"]
    print(
        f"whole process `trinn check` of the bundled playbooks: {p['trinn_check_s']:.3f} s "
        f"(target < 0.5 s); bare python start-up {p['python_startup_s']:.3f} s "
        f"({p['ratio_to_bare_python']:.1f}x)"
    )


if __name__ == "__main__":
    main()
