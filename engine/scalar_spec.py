"""The playbook format's scalar values: ids, expressions, texts in languages, durations.

Every model of the format (`*Spec`, engine.spec) is built from these and from `SpecModel`,
their one configuration: strict (unknown keys refused), frozen, named by key or alias.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from trinn.engine.i18n import Language

__all__ = [
    "MAX_DURATION",
    "Duration",
    "Expr",
    "Id",
    "PlaybookId",
    "SpecModel",
    "Text",
    "WhenText",
    "parse_duration",
]

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
PlaybookId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=100)]
Expr = Annotated[str, StringConstraints(min_length=1)]

# Text shown to people: one string, or the same text in several languages.
Text = Annotated[
    str | Annotated[dict[Language, str], Field(min_length=1)],
    Field(description="A string, or a map of languages: {nb: ..., da: ..., en: ...}"),
]

MAX_DURATION = 9999  # about 40 years of workdays: enough for any process, cheap to count
_DURATION = re.compile(r"^\s*(\d+)\s*(hours?|days?|workdays?|weeks?|months?|years?)\s*$")


def parse_duration(text: str) -> tuple[int, str]:
    """'10 workdays' -> (10, 'workdays'); units are normalised to the plural."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(
            f"invalid duration '{text}' (write e.g. '10 workdays', '14 days', '2 weeks', "
            "'3 months', '1 year' or '4 hours')"
        )
    unit, amount = match.group(2), int(match.group(1))
    if amount > MAX_DURATION:
        raise ValueError(f"duration '{text}' is too long (at most {MAX_DURATION} {unit})")
    return amount, unit if unit.endswith("s") else unit + "s"


def _check_duration(text: str) -> str:
    parse_duration(text)
    return text


Duration = Annotated[
    str,
    AfterValidator(_check_duration),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _DURATION.pattern,
            "description": "e.g. '10 workdays', '14 days', '2 weeks', '3 months', '1 year', '4 hours'",
        }
    ),
]


def _check_when(text: str) -> str:
    from trinn.engine.timing import parse_when

    parse_when(text)
    return text


# a duration from entering the state, or a moment relative to a date field (engine.timing)
WhenText = Annotated[
    str,
    AfterValidator(_check_when),
    WithJsonSchema(
        {
            "type": "string",
            "description": "e.g. '10 workdays', 'moetetid', '2 workdays before moetetid', "
            "'3 days after oppfolgingsdato'",
        }
    ),
]


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
