"""What a playbook does besides moving a case, in its format: notify, set, start_case, and
the actions an organisation registers (engine.actions)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from trinn.engine.scalar_spec import Expr, Id, PlaybookId, SpecModel
from trinn.engine.spec_base import CustomActionBase, NotifyActionBase, SetActionBase, StartCaseActionBase
from trinn.engine.validation import DeferredRootModel

__all__ = [
    "BUILTIN_ACTIONS",
    "ActionSpec",
    "CustomActionSpec",
    "NotifyActionSpec",
    "NotifySpec",
    "SetActionSpec",
    "StartCaseActionSpec",
    "StartCaseSpec",
]


class NotifySpec(SpecModel):
    """Send a message to roles, to one person, or to an address held in a field."""

    to: Id | list[Id] = Field(default_factory=list, description="role ids")
    to_person: str | None = Field(None, description="a person id from the people file")
    to_field: Id | None = Field(None, description="an email or person field of the case")
    message: Id
    channel: str | None = Field(None, description="a channel tag; default: the recipients' own")

    @model_validator(mode="after")
    def _has_recipient(self) -> NotifySpec:
        if not self.to and self.to_person is None and self.to_field is None:
            raise ValueError("a notify needs 'to', 'to_person' or 'to_field'")
        return self


class StartCaseSpec(SpecModel):
    """Open a case of another playbook, linked to this one as its parent."""

    playbook: PlaybookId
    fields: dict[Id, Expr] = Field(
        default_factory=dict, description="the new case's fields, from expressions"
    )


class NotifyActionSpec(NotifyActionBase, SpecModel):
    notify: NotifySpec


class SetActionSpec(SetActionBase, SpecModel):
    set: Annotated[dict[Id, Expr], Field(min_length=1, description="field: CEL expression")]


class StartCaseActionSpec(StartCaseActionBase, SpecModel):
    start_case: StartCaseSpec


class CustomActionSpec(CustomActionBase, DeferredRootModel[dict[Id, dict[str, Any]]]):
    """An action an organisation registered (`engine.actions.register_action`)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    @model_validator(mode="after")
    def _one_kind(self) -> CustomActionSpec:
        if len(self.root) != 1:
            raise ValueError("an action is a map with exactly one key, its kind")
        return self


BUILTIN_ACTIONS = ("notify", "set", "start_case")


def _action_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = list(value)
    elif isinstance(value, BaseModel):
        return {NotifyActionSpec: "notify", SetActionSpec: "set", StartCaseActionSpec: "start_case"}.get(
            type(value), "custom"
        )
    else:
        return None
    if len(keys) == 1 and keys[0] in BUILTIN_ACTIONS:
        return str(keys[0])
    return "custom"


ActionSpec = Annotated[
    Annotated[NotifyActionSpec, Tag("notify")]
    | Annotated[SetActionSpec, Tag("set")]
    | Annotated[StartCaseActionSpec, Tag("start_case")]
    | Annotated[CustomActionSpec, Tag("custom")],
    Discriminator(
        _action_kind,
        custom_error_type="action",
        custom_error_message="an action is a map with exactly one key, its kind",
    ),
]
