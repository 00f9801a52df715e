"""What the parts of a playbook answer beside their fields, with no pydantic behind it.

A playbook has two forms. `trinn check` validates its text into the pydantic models of
engine.spec (and the modules beside it), which know the format; every command that runs
a case reads the plain form of engine.plain_spec, the same fields as plain attributes,
which costs no import of pydantic. What the engine asks a part beyond its fields (a
transition's source states, a form's triggers) is written once, here, and both forms
inherit it; so does what a part is (`isinstance(action, NotifyActionBase)`), which is how
the engine tells actions apart, since a plain object is no instance of a model.

The attributes named under TYPE_CHECKING are the fields these answers read; the models
declare them for real (engine.spec), and the plain form holds them as the model made them.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from trinn.engine.field_types import DEFAULT_LINK_EXPIRY
from trinn.engine.i18n import LANGUAGES, Language
from trinn.engine.limits import Limits

if TYPE_CHECKING:
    from trinn.engine.spec import NotifySpec, StateSpec, TaskSpec

__all__ = [
    "CustomActionBase",
    "DeadlineMetBase",
    "FormBase",
    "LimitsBase",
    "MeetingBase",
    "NotifyActionBase",
    "PlaybookBase",
    "ScheduledBase",
    "SetActionBase",
    "StartCaseActionBase",
    "TransitionBase",
]


def _names(value: str | list[str] | None) -> list[str]:
    """A key that takes one name or a list of them, as a list."""
    return [] if value is None else [value] if isinstance(value, str) else list(value)


class TransitionBase:
    if TYPE_CHECKING:
        source: str | list[str]
        by: str | list[str]
        because: Any  # a text, a map of languages, or a map of guard parts to texts

    @property
    def sources(self) -> list[str]:
        """The named source states; empty for '*' (see `from_any`)."""
        return [] if self.source == "*" else _names(self.source)

    @property
    def from_any(self) -> bool:
        return self.source == "*"

    def because_guard(self) -> str | dict[Language, str] | None:
        """The text `because` gives the whole guard (a string or a map of languages), if any."""
        if isinstance(self.because, str) or (
            isinstance(self.because, dict) and set(self.because) <= set(LANGUAGES)
        ):
            return self.because  # a text, or a map of languages (checked above)
        return None

    def because_parts(self) -> dict[str, Any]:
        """The texts `because` gives parts of the guard, by the part with its spaces normalised."""
        if self.because is None or self.because_guard() is not None:
            return {}
        assert isinstance(self.because, dict)
        return {" ".join(part.split()): text for part, text in self.because.items()}

    @property
    def roles(self) -> list[str]:
        return _names(self.by)


class PlaybookBase:
    if TYPE_CHECKING:
        states: dict[str, StateSpec]

    def source_states(self, transition: TransitionBase) -> list[str]:
        """The states `transition` leaves from, with '*' spelled out as every non-final state."""
        if transition.from_any:
            return [state_id for state_id, state in self.states.items() if not state.final]
        return transition.sources

    def all_tasks(self) -> dict[str, TaskSpec]:
        return {task.id: task for state in self.states.values() for task in state.tasks}


class FormBase:
    if TYPE_CHECKING:
        fires: str | list[str]
        expires: str | None

    @property
    def triggers(self) -> list[str]:
        return _names(self.fires)

    @property
    def link_expiry(self) -> str:
        return self.expires or DEFAULT_LINK_EXPIRY


class ScheduledBase:
    """A reminder or a timer: `after` entering a state, or `at` a moment of a date field."""

    if TYPE_CHECKING:
        after: str | None
        at: str | None

    @property
    def when(self) -> str:
        return self.after if self.after is not None else str(self.at)


class DeadlineMetBase:
    if TYPE_CHECKING:
        state: str | list[str] | None

    @property
    def states(self) -> list[str]:
        return _names(self.state)


class MeetingBase:
    if TYPE_CHECKING:
        to_field: str | list[str] | None
        duration: str

    @property
    def to_fields(self) -> list[str]:
        return _names(self.to_field)

    @property
    def length(self) -> dict[str, int]:
        """The duration as `timedelta` keywords: {'minutes': 30}."""
        amount, unit = self.duration.split()
        return {unit if unit.endswith("s") else unit + "s": int(amount)}


class NotifyActionBase:
    """A `notify` action."""

    if TYPE_CHECKING:
        notify: NotifySpec


class SetActionBase:
    """A `set` action."""


class StartCaseActionBase:
    """A `start_case` action."""


class CustomActionBase:
    """An action an organisation registered (engine.actions): a map with its kind as the one key."""

    if TYPE_CHECKING:
        root: dict[str, dict[str, Any]]

    @property
    def kind(self) -> str:
        return next(iter(self.root))

    @property
    def params(self) -> dict[str, Any]:
        return self.root[self.kind]


class LimitsBase:
    @property
    def caps(self) -> Limits:
        """The caps the playbook runs under, as every enforcing module reads them."""
        # the caps a playbook may raise are its fields; the others keep engine.limits' defaults
        raised = vars(self)
        return Limits(**{cap.name: raised[cap.name] for cap in fields(Limits) if cap.name in raised})
