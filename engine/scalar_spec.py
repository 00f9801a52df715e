"""The playbook format's scalar values: ids, expressions, texts in languages, durations.

Every model of the format (`*Spec`, engine.spec) is built from these and from `SpecModel`,
their one configuration: strict (unknown keys refused), frozen, named by key or alias.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from trinn.engine.calendar import DURATION, MAX_DURATION, parse_duration
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
        "e.g. '10 workdays', '14 days', '2 weeks', '3 months', '1 year', '4 hours'", pattern=DURATION.pattern
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
