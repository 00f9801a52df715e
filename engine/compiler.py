"""A checked playbook -> one transitions.Machine, shared by every case of that version.

Cases are plain records with a `state` attribute. A trigger is fired with
`machine.events[name].trigger(record, ...)`: no per-case Machine and no
`add_model`, so a case costs nothing to set up. Guards and actions are the
machine's callbacks; actions do not act, they append Effects (engine.firing) for
the store to commit in one transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from trinn.engine.actions import registered_actions
from trinn.engine.advice import CompiledAdvice, unmet
from trinn.engine.cel_runtime import cel
from trinn.engine.errors import ExpressionError, RefusedError
from trinn.engine.expressions import CompiledExpression
from trinn.engine.firing import (
    EVERYTHING,
    CompiledTransition,
    ContextSource,
    CustomEffect,
    Effect,
    Firing,
    NotifyEffect,
    Reads,
    SetEffect,
    StartCaseEffect,
    reads_of,
)
from trinn.engine.i18n import gettext as _
from trinn.engine.i18n import language
from trinn.engine.loader import LoadedPlaybook
from trinn.engine.reason import explained, refusal
from trinn.engine.spec_base import CustomActionBase, NotifyActionBase, SetActionBase, StartCaseActionBase
from trinn.engine.text import localize

if TYPE_CHECKING:
    from transitions import EventData, Machine

    from trinn.engine.spec import (
        ActionSpec,
        PlaybookSpec,
    )

# a firing's parts (what it saw, what it did) live in engine.firing
__all__ = ["CompiledPlaybook", "RefusedError", "compile_playbook"]


class _Actions:
    """A list of actions compiled to one callback that appends their effects.

    Registered only where there are actions: every callback costs transitions
    a resolution on each fire.
    """

    def __init__(self, actions: list[ActionSpec], expressions: dict[str, CompiledExpression]):
        self.steps = [self._compile(action, expressions) for action in actions]
        self.expressions = [expressions[source] for source in _action_sources(actions)]
        self.reads = reads_of(self.expressions)
        # notify and custom actions read nothing of the case: no context needed for them alone
        self.reads_context = bool(self.expressions)

    def effects(self, context: ContextSource | None) -> list[Effect]:
        """The actions' effects; `context` is read only if an action reads the case."""
        if self.reads_context and not isinstance(context, cel.Context):
            assert context is not None
            context = context(self.reads)
        return [step(context) for step in self.steps]

    @staticmethod
    # a step gets a cel.Context when the actions read the case, else what came, unread
    def _compile(action: ActionSpec, expressions: dict[str, CompiledExpression]) -> Callable[[Any], Effect]:
        if isinstance(action, SetActionBase):
            programs = {k: expressions[v] for k, v in action.set.items()}
            return lambda ctx: SetEffect({k: p.evaluate(ctx) for k, p in programs.items()})
        if isinstance(action, NotifyActionBase):
            effect = NotifyEffect(action.notify)
            return lambda ctx: effect
        if isinstance(action, StartCaseActionBase):
            start = action.start_case
            programs = {k: expressions[v] for k, v in start.fields.items()}
            return lambda ctx: StartCaseEffect(
                start.playbook, {k: p.evaluate(ctx) for k, p in programs.items()}
            )
        assert isinstance(action, CustomActionBase)
        registered = registered_actions()[action.kind]
        params = registered.params.model_validate(action.params).model_dump()
        return lambda ctx: CustomEffect(action.kind, params)

    def __call__(self, event: EventData) -> None:
        # transitions' stub types EventData.args as Iterable: it is the tuple of fire()'s *args
        firing: Firing = event.args[0]  # type: ignore[index]
        firing.effects.extend(self.effects(firing.context if self.reads_context else None))


class CompiledPlaybook:
    """One playbook version, ready to fire triggers on any number of case records."""

    def __init__(self, loaded: LoadedPlaybook) -> None:
        self.loaded = loaded
        spec = self.spec
        self.transitions = [
            CompiledTransition(
                i,
                t,
                loaded.expressions[t.when] if t.when else None,
                frozenset(t.roles),
                tuple(CompiledAdvice(a, loaded.expressions[a.when]) for a in t.advise),
            )
            for i, t in enumerate(spec.transitions)
        ]
        self.by_trigger: dict[str, list[CompiledTransition]] = {}
        for transition in self.transitions:
            self.by_trigger.setdefault(transition.trigger, []).append(transition)
        self._on_enter = {
            state_id: _Actions(state.on_enter, loaded.expressions)
            for state_id, state in spec.states.items()
            if state.on_enter
        }
        # what doing a task (`on_complete`) or filling a form (`on_submit`) sets off
        self._hooks: dict[tuple[str, str], _Actions] = {
            ("task", task.id): _Actions(task.on_complete, loaded.expressions)
            for state in spec.states.values()
            for task in state.tasks
            if task.on_complete
        }
        self._hooks.update(
            {
                ("form", form_id): _Actions(form.on_submit, loaded.expressions)
                for form_id, form in spec.forms.items()
                if form.on_submit
            }
        )
        # each transition's sources spelled out once ('*' is every non-final state); everything
        # below walks these moves once, so compiling is linear in the playbook's size
        sources = [spec.source_states(t.spec) for t in self.transitions]
        # the transitions out of each state by trigger, in playbook order
        self._candidates: dict[tuple[str, str], list[CompiledTransition]] = {}
        self._from: dict[str, list[CompiledTransition]] = {state_id: [] for state_id in spec.states}
        for transition, states in zip(self.transitions, sources, strict=True):
            for state_id in states:
                self._candidates.setdefault((state_id, transition.trigger), []).append(transition)
                self._from.setdefault(state_id, []).append(transition)
        self._exits = {
            state_id: frozenset(t.trigger for t in leaving) for state_id, leaving in self._from.items()
        }
        self._sources = sources
        # what firing a trigger from a state may read: the guards and actions of its
        # transitions, and the on_enter actions of where they lead
        self._reads: dict[tuple[str, str], Reads] = {
            key: reads_of(
                [t.guard for t in candidates if t.guard is not None]
                + [a.condition for t in candidates for a in t.advice]
                + [loaded.expressions[e] for t in candidates for e in _action_sources(t.spec.do)]
                + [
                    e
                    for t in candidates
                    if t.spec.to in self._on_enter
                    for e in self._on_enter[t.spec.to].expressions
                ]
            )
            for key, candidates in self._candidates.items()
        }

    @property
    def spec(self) -> PlaybookSpec:
        return self.loaded.spec

    @functools.cached_property
    def machine(self) -> Machine:
        """The one Machine of this version, built when a trigger is first fired: a command that
        only reads a case (show, can) has no use for it, nor for importing transitions."""
        from transitions import Machine

        return Machine(
            model=None,
            states=[self._state_config(state_id) for state_id in self.spec.states],
            initial=self.spec.initial,
            transitions=[
                config
                for t, states in zip(self.transitions, self._sources, strict=True)
                for config in self._configs(t, states)
            ],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )

    def _state_config(self, state_id: str) -> dict[str, Any]:
        config: dict[str, Any] = {"name": state_id, "final": self.spec.states[state_id].final}
        if state_id in self._on_enter:
            config["on_enter"] = [self._on_enter[state_id]]
        return config

    def _configs(self, transition: CompiledTransition, sources: list[str]) -> list[dict[str, Any]]:
        config: dict[str, Any] = {
            "trigger": transition.trigger,
            "dest": transition.spec.to,
            "conditions": [_Allowed(transition)],
        }
        if transition.spec.do:
            config["before"] = [_Actions(transition.spec.do, self.loaded.expressions)]
        return [{**config, "source": source} for source in sources]

    def titles(self, state: str, trigger: str) -> tuple[str, str]:
        """The action's and the state's titles in the reader's language, as a refusal names
        them: the title of the trigger's move out of `state`, else of any of its moves, else
        the trigger itself; then the state's title."""
        spec, reader = self.spec, language()
        moves = self._candidates.get((state, trigger)) or self.by_trigger.get(trigger, [])
        titled = next((t.spec.title for t in moves if t.spec.title), None)
        known = spec.states.get(state)
        return (
            localize(titled, reader, spec.language) if titled else trigger,
            localize(known.title, reader, spec.language) if known else state,
        )

    def triggers_from(self, state: str) -> list[str]:
        """The triggers that have a transition out of `state`, in playbook order."""
        return list(dict.fromkeys(t.trigger for t in self._from.get(state, ())))

    def fire(self, record: Any, trigger: str, context: ContextSource, roles: Iterable[str] = ()) -> Firing:
        """Move `record` by `trigger`, or raise RefusedError saying why not.

        `context` may be a function making it: it is then made only if a guard or action reads it.
        """
        state = record.state
        firing = Firing(
            state,
            context,
            roles if isinstance(roles, frozenset) else frozenset(roles),
            None if isinstance(context, cel.Context) else self._reads.get((state, trigger)),
        )
        if trigger in self._exits.get(state, ()):
            self.machine.events[trigger].trigger(record, firing)
        if firing.transition is None:
            if trigger not in self.by_trigger:
                said, where = self.titles(state, trigger)
                unknown = [_("unknown trigger")]
                raise RefusedError(trigger, state, unknown, trigger_title=said, state_title=where)
            # said with the whole case in view: which tasks are open, not only what the guard read
            everything = firing._make(EVERYTHING) if firing._make is not None else firing.context
            reasons = self.why_not(state, trigger, everything, firing.roles)
            explained = self.explain(state, trigger, everything)
            said, where = self.titles(state, trigger)
            raise RefusedError(
                trigger, state, reasons, explained=explained, trigger_title=said, state_title=where
            )
        if firing.transition.advice:  # read from the view of the case the guard read
            firing.unmet = unmet(firing.transition.advice, firing.context)
        return firing

    def enter_effects(self, state: str, context: ContextSource) -> list[Effect]:
        """The effects of entering `state` without a transition: a new case's initial state."""
        actions = self._on_enter.get(state)
        return actions.effects(context) if actions else []

    def hook_effects(self, kind: str, name: str, context: ContextSource) -> list[Effect]:
        """The effects of a task done (`kind` 'task') or a form filled ('form'): its actions."""
        actions = self._hooks.get((kind, name))
        return actions.effects(context) if actions else []

    def may(
        self, state: str, trigger: str, context: cel.Context, roles: Iterable[str] = ()
    ) -> tuple[bool, list[str]]:
        """Whether `trigger` would fire from `state` now, and if not, why (without firing)."""
        roles = frozenset(roles)
        candidates = self._candidates.get((state, trigger), [])
        if any(not _refusal(self.spec, t, context, roles, state) for t in candidates):
            return True, []
        return False, self.why_not(state, trigger, context, roles)

    def unmet_advice(
        self, state: str, trigger: str, context: cel.Context, roles: Iterable[str] = ()
    ) -> list[CompiledAdvice]:
        """The advice not met of the transition `trigger` would take from `state` now (none if
        it would not fire)."""
        roles = frozenset(roles)
        for transition in self._candidates.get((state, trigger), []):
            if not _refusal(self.spec, transition, context, roles, state):
                return unmet(transition.advice, context) if transition.advice else []
        return []

    def why_not(self, state: str, trigger: str, context: cel.Context, roles: Iterable[str] = ()) -> list[str]:
        """In words, why each transition of `trigger` would not fire from `state` now."""
        roles = frozenset(roles)
        candidates = self._candidates.get((state, trigger), [])
        if not candidates:
            allowed = self.triggers_from(state)
            return [
                _("allowed: {triggers}").format(
                    triggers=", ".join(allowed) if allowed else _("nothing, the case is closed")
                )
            ]
        said: dict[str, None] = {}  # several transitions may fail alike: each phrase said once
        reasons = []
        for transition in candidates:
            if new := [p for p in _refusal(self.spec, transition, context, roles, state) if p not in said]:
                said.update(dict.fromkeys(new))
                reasons.append("; ".join(new))
        return reasons

    def explain(self, state: str, trigger: str, context: cel.Context) -> list[str]:
        """For designers: the raw guards of `trigger`'s transitions from `state` that are false now,
        with the values they read."""
        guards = [t.guard for t in self._candidates.get((state, trigger), []) if t.guard is not None]
        return list(dict.fromkeys(explained(g, context) for g in guards if not _holds(g, context)))


def _action_sources(actions: Iterable[ActionSpec]) -> list[str]:
    return [
        source
        for action in actions
        for source in (
            action.set.values()
            if isinstance(action, SetActionBase)
            else action.start_case.fields.values()
            if isinstance(action, StartCaseActionBase)
            else ()
        )
    ]


def _refusal(
    spec: PlaybookSpec, transition: CompiledTransition, context: cel.Context, roles: frozenset[str], at: str
) -> list[str]:
    return refusal(spec, transition.spec, transition.roles, transition.guard, context, roles, at)


def _holds(guard: CompiledExpression, context: cel.Context) -> bool:
    try:
        return guard.evaluate(context) is True
    except ExpressionError:
        return False


class _Allowed:
    """The condition of one transition: the actor's role, then the guard.

    Each transition has this one condition, and the first transition whose
    condition holds is the one taken, so it records itself on the firing.
    """

    __slots__ = ("__name__", "guard", "roles", "transition")

    def __init__(self, transition: CompiledTransition) -> None:
        # copied out of the transition: this runs on every fire
        self.transition = transition
        self.roles = transition.roles
        self.guard = transition.guard
        self.__name__ = transition.spec.when or "allowed"

    def __call__(self, event: EventData) -> bool:
        # transitions' stub types EventData.args as Iterable: it is the tuple of fire()'s *args
        firing: Firing = event.args[0]  # type: ignore[index]
        if self.roles and self.roles.isdisjoint(firing.roles):
            return False
        if (
            self.guard is None
            or self.guard.evaluate(firing.context if firing._context is None else firing._context) is True
        ):
            firing.transition = self.transition
            return True
        return False


def compile_playbook(loaded: LoadedPlaybook) -> CompiledPlaybook:
    return CompiledPlaybook(loaded)
