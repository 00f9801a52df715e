"""The playbook format's scalar values: ids, expressions, texts in languages, durations.

Every model of the format (`*Spec`, engine.spec) is built from these and from `SpecModel`,
their one configuration: strict (unknown keys refused), frozen, named by key or alias.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def _accepted_by(parse: Callable[[str], object]) -> AfterValidator:
    """A text's check: it passes as written if `parse` takes it (whose ValueError refuses it)."""

    def check(text: str) -> str:
        parse(text)
        return text

    return AfterValidator(check)


def _string(description: str, **schema: str) -> WithJsonSchema:
    """How a checked text shows in the JSON Schema: a string, described by examples."""
    return WithJsonSchema({"type": "string", **schema, "description": description})


def _parse_when(text: str) -> object:
    from trinn.engine.timing import parse_when  # engine.timing reads these types: imported late

    return parse_when(text)


Duration = Annotated[
    str,
    _accepted_by(parse_duration),
    _string(
        "e.g. '10 workdays', '14 days', '2 weeks', '3 months', '1 year', '4 hours'", pattern=_DURATION.pattern
    ),
]
# a duration from entering the state, or a moment relative to a date field (engine.timing)
WhenText = Annotated[
    str,
    _accepted_by(_parse_when),
    _string("e.g. '10 workdays', 'moetetid', '2 workdays before moetetid', '3 days after oppfolgingsdato'"),
]


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
