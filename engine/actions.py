"""Actions organisations add without touching the engine.

A plugin registers an action kind with the pydantic model of its parameters,
either by calling `register_action` or through the `trinn.actions` entry-point
group (the entry point names a `RegisteredAction`). Playbooks then use it like
a built-in one: `- arkiver: {mappe: partnere}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["RegisteredAction", "register_action", "registered_actions"]

_REGISTRY: dict[str, RegisteredAction] = {}
_loaded_entry_points = False


@dataclass(frozen=True)
class RegisteredAction:
    """An action kind: its name and the model its parameters must fit."""

    name: str
    params: type[BaseModel]
    description: str = ""

    def check(self, params: dict[str, Any]) -> list[str]:
        """Problems with `params`, in words; empty when they fit."""
        from pydantic import ValidationError  # only a playbook with custom actions is checked so

        try:
            self.params.model_validate(params)
        except ValidationError as exc:
            return [
                f"action '{self.name}': {'.'.join(map(str, e['loc'])) or 'parameters'}: "
                f"{e['msg'][:1].lower()}{e['msg'][1:]}"
                for e in exc.errors(include_url=False)
            ]
        return []


def register_action(action: RegisteredAction) -> None:
    if action.name in ("notify", "set", "start_case"):
        raise ValueError(f"'{action.name}' is a built-in action")
    _REGISTRY[action.name] = action


def registered_actions() -> dict[str, RegisteredAction]:
    """Every registered action kind, entry points included (loaded on first use)."""
    global _loaded_entry_points
    if not _loaded_entry_points:
        # read only when a playbook names an action that is not built in: scanning the
        # installed packages' metadata costs a short command a noticeable share of its time
        from importlib.metadata import entry_points

        _loaded_entry_points = True
        for point in entry_points(group="trinn.actions"):
            register_action(point.load())
    return dict(_REGISTRY)
