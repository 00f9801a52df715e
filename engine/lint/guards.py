"""What can be decided about guards from their text: can one ever be true, can two both be.

A guard is decided only when it is a conjunction (`a && b && ...`) of atoms of
the forms `name`, `!name`, `term OP literal` (OP one of == != < <= > >=, the
literal a number, a string, true, false or null). Terms are compared as text, so
`size(x.filter(p, p != y)) > 0` and `size(x.filter(p, p != y)) == 0` are seen
to exclude each other. Anything else (`||`, `in`, calls compared to calls) is
left undecided, and no rule reports on it: lint never guesses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from trinn.engine.cel_text import Atom, atom, read_expression

__all__ = ["Atom", "atoms", "contradiction"]


def atoms(guard: str) -> list[Atom] | None:
    """The guard's conjuncts, or None when it is not a plain conjunction of atoms."""
    reading = read_expression(guard)
    if reading.any_of:
        return None
    result = []
    for part in reading.parts:
        found = atom(part.text)
        if found is None:
            return None
        result.append(found)
    return result


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _term_contradiction(term: str, conds: Sequence[Atom], options: Mapping[str, Sequence[str]]) -> str | None:
    equal = [a for a in conds if a.op == "=="]
    for a in equal[1:]:
        if a.value != equal[0].value:
            return f"'{equal[0].text}' and '{a.text}'"
    if equal:
        for a in conds:
            if a.op == "!=" and a.value == equal[0].value:
                return f"'{equal[0].text}' and '{a.text}'"
        value = equal[0].value
        if term in options and isinstance(value, str) and value not in options[term]:
            return f"'{value}' is not an option of '{term}'"
    low, low_strict, high, high_strict = -math.inf, False, math.inf, False
    if term.startswith("size(") and term.endswith(")"):
        low = 0.0
    bounded: list[Atom] = []
    for a in conds:
        if a.op in ("==", "!="):
            continue
        number = _number(a.value)
        if number is None:
            return None if a.value is not None else f"'{a.text}' compares with null"
        bounded.append(a)
        if a.op in (">", ">=") and (number > low or (number == low and a.op == ">")):
            low, low_strict = number, a.op == ">"
        if a.op in ("<", "<=") and (number < high or (number == high and a.op == "<")):
            high, high_strict = number, a.op == "<"
    if equal and bounded:
        number = _number(equal[0].value)
        if (
            number is None
            or number < low
            or number > high
            or (number == low and low_strict)
            or (number == high and high_strict)
        ):
            return f"'{equal[0].text}' and '{bounded[0].text}'"
    if bounded and (low > high or (low == high and (low_strict or high_strict))):
        shown = " and ".join(f"'{a.text}'" for a in bounded)
        return shown if len(bounded) > 1 else f"{shown} (a size is never negative)"
    return None


def contradiction(
    conjuncts: Sequence[Atom], options: Mapping[str, Sequence[str]] | None = None
) -> str | None:
    """Which atoms exclude each other, in words; None when all of them can hold at once."""
    by_term: dict[str, list[Atom]] = {}
    for conjunct in conjuncts:
        if conjunct.term == "true":
            if conjunct.value is False:
                return f"'{conjunct.text}'"
            continue
        by_term.setdefault(conjunct.term, []).append(conjunct)
    for term, conds in by_term.items():
        found = _term_contradiction(term, conds, options or {})
        if found:
            return found
    return None
