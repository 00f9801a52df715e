"""What the benchmarks measure trinn against: the same playbook as a bare transitions.Machine.

The same states and transitions (with '*' spelled out), and nothing of trinn's: no guards,
roles or actions, so a ratio against it is what trinn adds to the library it builds on.
"""

from __future__ import annotations

from transitions import Machine

from trinn.engine.compiler import CompiledPlaybook

__all__ = ["bare_machine"]


def bare_machine(compiled: CompiledPlaybook) -> Machine:
    """`compiled`'s states and transitions in a Machine with no guards, roles or actions."""
    spec = compiled.spec
    transitions = [
        {"trigger": t.trigger, "source": source, "dest": t.to}
        for t in spec.transitions
        for source in spec.source_states(t)
    ]
    return Machine(
        model=None,
        states=list(spec.states),
        transitions=transitions,
        initial=spec.initial,
        auto_transitions=False,
        send_event=True,
    )
