"""The plain form of a checked playbook: what every command that runs a case reads.

The models of engine.spec define the format and validate a text; importing pydantic and
making those classes costs more than the rest of a short command together. A command
on a case needs only the values the models hold, so a playbook that checked clean is
turned into plain objects with the same attributes (`plain_form`), and the playbook
cache stores and returns it in that form. For every model class there is a plain class
of the same name, made on first use, whose bases are the model's pydantic-free base
(engine.spec_base: the answers beside the fields, `sources`, `triggers`, `caps`...)
and `PlainPart`.

The annotations throughout the engine still name the models (`PlaybookSpec`): a plain
part has every field and every answer its model has, and nothing reads a model's
pydantic side (`model_dump`, validation) from a checked playbook. Being frozen, a plain
part refuses to be changed, as the model does.
"""

from __future__ import annotations

import io
import pickle
from importlib import import_module
from typing import TYPE_CHECKING, Any

from trinn.engine import spec_base

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["SPEC_MODULES", "PlainPart", "SpecUnpickler", "plain_form"]

# the modules whose classes are the models of the format (each becomes a plain class), and
# the pydantic-free ones whose classes a playbook's values may be made of (kept as they are)
SPEC_MODULES = frozenset(
    "trinn.engine." + name
    for name in ("spec", "scalar_spec", "field_spec", "action_spec", "timing_spec", "limits_spec")
)
_VALUE_MODULES = frozenset(("trinn.engine.field_types", "trinn.engine.limits"))
# each model and its pydantic-free base, by the model's name (the bases of the others are plain)
_BASES: dict[str, type] = {
    "TransitionSpec": spec_base.TransitionBase,
    "PlaybookSpec": spec_base.PlaybookBase,
    "FormSpec": spec_base.FormBase,
    "ReminderSpec": spec_base.ScheduledBase,
    "TimerSpec": spec_base.ScheduledBase,
    "DeadlineMetSpec": spec_base.DeadlineMetBase,
    "MeetingSpec": spec_base.MeetingBase,
    "NotifyActionSpec": spec_base.NotifyActionBase,
    "SetActionSpec": spec_base.SetActionBase,
    "StartCaseActionSpec": spec_base.StartCaseActionBase,
    "CustomActionSpec": spec_base.CustomActionBase,
    "LimitsSpec": spec_base.LimitsBase,
}
_made: dict[str, type[PlainPart]] = {}


class PlainPart:
    """A part of a checked playbook: the fields its model validated, as attributes."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a model pickles its fields under '__dict__' (with pydantic's own bookkeeping beside),
        # a plain part (copied, or pickled again) as they are
        self.__dict__.update(state.get("__dict__", state))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a playbook's {type(self).__name__} is frozen ({name!r} cannot be set)")

    # equal as models are: the same kind of part with the same fields (and, like a model with
    # a list among its fields, unhashable when a field is)
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *vars(self).values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"{type(self).__name__}({fields})"


def plain_class(name: str) -> type[PlainPart]:
    """The plain class standing for the model `name`, made once per process."""
    made = _made.get(name)
    if made is None:
        base = _BASES.get(name)
        bases = (base, PlainPart) if base is not None else (PlainPart,)
        made = _made[name] = type(name, bases, {"__module__": __name__, "__qualname__": name})
    return made


def __getattr__(name: str) -> type[PlainPart]:
    # a plain part is pickled (or deep-copied) by its class's name in this module
    if name.endswith("Spec") and name.isidentifier():
        return plain_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SpecUnpickler(pickle.Unpickler):
    """Makes plain parts for the models' classes, the value classes as they are, nothing else:
    a pickle it reads names no function to call, and imports no pydantic."""

    def find_class(self, module: str, name: str) -> type:
        if (module in SPEC_MODULES or module == __name__) and name.endswith("Spec") and name.isidentifier():
            return plain_class(name)
        if module in _VALUE_MODULES:
            found = getattr(import_module(module), name, None)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"not a part of a playbook: {module}.{name}")


def plain_form(spec: PlaybookSpec) -> PlaybookSpec:
    """The plain form of a validated playbook (the models pickle their fields; this reads
    them back as plain parts). Typed as the model: it answers everything the model does."""
    text = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    plain: PlaybookSpec = SpecUnpickler(io.BytesIO(text)).load()
    return plain
