"""`trinn check` for soft rules (`advise:` on a transition, engine.advice).

Refused, each at its position:

- an advice's condition that does not compile, names what the playbook does not declare,
  or costs more than a guard may (it is priced as a guard is);
- advice on a transition that no person fires: one a timer fires (`timers: fire:`) or a
  public form fires (`fires:`). Nobody is there to give the reason going against it needs,
  so the advice could only ever block, which is what a guard is for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trinn.engine.checker import Checker
from trinn.engine.source import Loc

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["check_advice"]


def check_advice(checker: Checker) -> None:
    spec = checker.spec
    unattended = _fired_unattended(spec)
    for i, transition in enumerate(spec.transitions):
        loc: Loc = ("transitions", i, "advise")
        for j, advice in enumerate(transition.advise):
            checker.expression((*loc, j, "when"), advice.when, "advice")
        if not transition.advise:
            continue
        for source in spec.source_states(transition):
            by = unattended.get((source, transition.trigger))
            if by is not None:
                checker.add(
                    loc,
                    f"'{transition.trigger}' from '{source}' is fired by {by}, "
                    "and no one can give a reason to go against its advice",
                    "make it a guard ('when'), or let a person fire it",
                    at_key=True,
                )
                break


def _fired_unattended(spec: PlaybookSpec) -> dict[tuple[str, str], str]:
    """(state, trigger) -> what fires it without a person: a timer, or a public form."""
    found: dict[tuple[str, str], str] = {}
    for state_id, state in spec.states.items():
        for timer in state.timers:
            found.setdefault((state_id, timer.fire), f"a timer of state '{state_id}'")
    forms = {form_id: form for form_id, form in spec.forms.items() if form.public}
    for state_id, state in spec.states.items():
        for task in state.tasks:
            form = forms.get(task.form or "")
            for trigger in form.triggers if form is not None else ():
                found.setdefault((state_id, trigger), f"the public form '{task.form}'")
    return found
