"""A playbook's `limits:` section: the caps of engine.limits it raises, never lowers.

A playbook that truly needs a larger guard or a longer message says so in its own text,
where a reviewer sees it; it may raise a cap only up to its ceiling (engine.limits.CEILINGS),
so no playbook, however written, can make a command slow enough to hold other writers. A
value below the default or above the ceiling is refused by `trinn check` at its
`file:line:col`, with the range allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler, StrictInt
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from trinn.engine.limits import CEILINGS, DEFAULT_LIMITS
from trinn.engine.spec_base import LimitsBase

__all__ = ["LimitsSpec"]


@dataclass(frozen=True)
class _RaiseOnly:
    """A cap's type: a whole number from its default up to its ceiling (pydantic metadata)."""

    name: str

    @property
    def least(self) -> int:
        return int(getattr(DEFAULT_LIMITS, self.name))

    @property
    def most(self) -> int:
        return CEILINGS[self.name]

    def within(self, value: int) -> int:
        if not self.least <= value <= self.most:
            raise ValueError(
                f"{self.name} must be from {self.least:,} to {self.most:,}, not {value:,} "
                "(a playbook may raise a limit up to its ceiling, never lower it)"
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.within, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "integer",
            "minimum": self.least,
            "maximum": self.most,
            "description": f"default {self.least:,}, at most {self.most:,}",
        }


class LimitsSpec(LimitsBase, BaseModel):
    """Caps this playbook raises (engine.limits); each key left out keeps its default."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    # the names are engine.limits' constants in lower case, as the README lists them
    cel_comprehension_depth: Annotated[StrictInt, _RaiseOnly("cel_comprehension_depth")] = (
        DEFAULT_LIMITS.cel_comprehension_depth
    )
    cel_cost: Annotated[StrictInt, _RaiseOnly("cel_cost")] = DEFAULT_LIMITS.cel_cost
    cel_list_items: Annotated[StrictInt, _RaiseOnly("cel_list_items")] = DEFAULT_LIMITS.cel_list_items
    cel_text_chars: Annotated[StrictInt, _RaiseOnly("cel_text_chars")] = DEFAULT_LIMITS.cel_text_chars
    template_output_chars: Annotated[StrictInt, _RaiseOnly("template_output_chars")] = (
        DEFAULT_LIMITS.template_output_chars
    )
    template_filter_chars: Annotated[StrictInt, _RaiseOnly("template_filter_chars")] = (
        DEFAULT_LIMITS.template_filter_chars
    )
    template_list_items: Annotated[StrictInt, _RaiseOnly("template_list_items")] = (
        DEFAULT_LIMITS.template_list_items
    )
    template_range: Annotated[StrictInt, _RaiseOnly("template_range")] = DEFAULT_LIMITS.template_range
    template_int_digits: Annotated[StrictInt, _RaiseOnly("template_int_digits")] = (
        DEFAULT_LIMITS.template_int_digits
    )
    template_steps: Annotated[StrictInt, _RaiseOnly("template_steps")] = DEFAULT_LIMITS.template_steps
    template_macro_depth: Annotated[StrictInt, _RaiseOnly("template_macro_depth")] = (
        DEFAULT_LIMITS.template_macro_depth
    )
    file_bytes: Annotated[StrictInt, _RaiseOnly("file_bytes")] = DEFAULT_LIMITS.file_bytes
