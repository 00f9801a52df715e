"""Playbook diagrams drawn by transitions' own GraphMachine.

A separate, throwaway GraphMachine of the same shape as the compiled machine:
its conditions are the guards' source text, shown on the edges, and never run.
Mermaid needs nothing installed; DOT needs the `graphviz` Python package.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import TYPE_CHECKING, Any, Literal

from transitions import State
from transitions.extensions.diagrams import GraphMachine

from trinn.engine.errors import DiagramError
from trinn.engine.text import localize

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["DiagramError", "draw"]


# GraphMachine.state_cls is transitions.State (the pinned 0.9.3); mypy takes no class variable as a base
class _TitledState(State):
    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label


class _PlaybookGraph(GraphMachine):
    state_cls = _TitledState


def draw(spec: PlaybookSpec, fmt: Literal["mermaid", "dot"] = "mermaid", language: str | None = None) -> str:
    """The playbook as Mermaid or DOT text: states by title, guards on the edges, finals marked."""
    if fmt == "dot" and importlib.util.find_spec("graphviz") is None:
        raise DiagramError(
            "DOT output needs the 'graphviz' package (pip install 'trinn[dot]'); Mermaid needs nothing"
        )
    lang = language or spec.language

    def title(state_id: str) -> str:
        state = spec.states[state_id]
        text = localize(state.title, lang, spec.language).replace('"', "'")
        return f"{text} ✔" if state.final else text

    states = [{"name": s, "label": title(s), "final": st.final} for s, st in spec.states.items()]
    transitions = []
    for t in spec.transitions:
        for source in spec.source_states(t):
            config: dict[str, str | list[str]] = {"trigger": t.trigger, "source": source, "dest": t.to}
            if t.when:
                config["conditions"] = [t.when.replace('"', "'")]
            transitions.append(config)
    # transitions logs at INFO while drawing; a diagram is not news
    logging.getLogger("transitions").setLevel(logging.WARNING)
    machine = _PlaybookGraph(
        model=None,
        states=states,
        transitions=transitions,
        initial=spec.initial,
        auto_transitions=False,
        show_conditions=True,
        graph_engine="mermaid" if fmt == "mermaid" else "graphviz",
        title=localize(spec.title, lang, spec.language),
    )
    # both graphs transitions returns (its Mermaid DigraphMock, graphviz.Digraph) have `.source`;
    # its stub's GraphProtocol declares only draw()
    text = str(machine.graph_cls(machine).get_graph().source)  # type: ignore[attr-defined]
    if fmt == "mermaid":  # the flat Mermaid graph of transitions leaves final states unmarked
        text += "".join(f"\n  {s} --> [*]" for s, st in spec.states.items() if st.final)
    return text + "\n"
