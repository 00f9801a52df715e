"""Durations and moments as playbooks write them: `10 workdays`, `2 days before moetetid`.

The playbook format's (engine.spec) text types for time, with their checks: a duration is a
whole number of a unit, at most MAX_DURATION of it; a moment is a duration from entering a
state, or a date field with an optional offset (engine.timing.parse_when).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

__all__ = ["MAX_DURATION", "Duration", "WhenText", "parse_duration"]

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
