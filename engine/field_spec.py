"""A case's data in the playbook format: typed fields, and the forms that fill them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from trinn.engine.action_spec import ActionSpec
from trinn.engine.field_types import CHOICE_TYPES, DEFAULT_LINK_EXPIRY, LIST_TYPES, FieldType, FileKind
from trinn.engine.scalar_spec import Duration, Id, SpecModel, Text
from trinn.engine.spec_base import FormBase

__all__ = [
    "CHOICE_TYPES",
    "DEFAULT_LINK_EXPIRY",
    "LIST_TYPES",
    "FieldSpec",
    "FieldType",
    "FileKind",
    "FormSpec",
]


class FieldSpec(SpecModel):
    """One typed item of a case's data."""

    type: FieldType
    label: Text
    help: Text | None = None
    required: bool = Field(False, description="must have a value when the case is opened")
    default: Any = None
    options: list[Id] | None = Field(None, description="the choices of a choice or multi_choice")
    option_labels: dict[Id, Text] | None = None
    edit: list[Id] | None = Field(
        None,
        description="roles that may change it freely (trinn set, fire --set, the field editor); "
        "default: none, a form's field is filled through its form",
    )
    in_states: list[Id] | None = Field(
        None, alias="in", description="the states in which people may write it; default: any"
    )
    negative: bool = Field(False, description="a money field that may hold amounts below zero")
    accept: list[FileKind] | None = Field(
        None, description="the kinds of file a file field takes (default: all: pdf, png, jpeg, ...)"
    )

    @model_validator(mode="after")
    def _options_fit_type(self) -> FieldSpec:
        if self.type in CHOICE_TYPES and not self.options:
            raise ValueError(f"a '{self.type.value}' field needs 'options'")
        if self.type not in CHOICE_TYPES and self.options is not None:
            raise ValueError(f"'options' only apply to choice fields, not '{self.type.value}'")
        if self.negative and self.type is not FieldType.money:
            raise ValueError(f"'negative' only applies to money fields, not '{self.type.value}'")
        if self.accept is not None and self.type is not FieldType.file:
            raise ValueError(f"'accept' only applies to file fields, not '{self.type.value}'")
        return self


class FormSpec(FormBase, SpecModel):
    """Fields filled together at one step; a public one by an outside party, from a link."""

    title: Text
    intro: Text | None = None
    fields: Annotated[list[Id], Field(min_length=1)]
    on_submit: list[ActionSpec] = Field(
        default_factory=list, description="actions run when the form is filled, in the same command"
    )
    public: bool = Field(
        False,
        description="filled by an outside party through a signed link (`form_link`, `trinn serve`); "
        "its task belongs to an external role",
    )
    expires: Duration | None = Field(
        None, description=f"how long a link to this public form works (default: {DEFAULT_LINK_EXPIRY})"
    )
    fires: Id | Annotated[list[Id], Field(min_length=1)] = Field(
        default_factory=list,
        description="triggers tried in order once the outside party has sent the form; "
        "the first whose guard holds fires",
    )

    @model_validator(mode="after")
    def _link_settings_need_public(self) -> FormSpec:
        if not self.public and (self.expires is not None or self.fires):
            raise ValueError("'expires' and 'fires' only apply to a form with 'public: true'")
        return self
