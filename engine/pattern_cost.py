"""What a `matches` pattern costs to compile, and the characters of the literal it is written in.

The binding compiles a pattern at every call, and a Unicode class (`\\w`, `\\p{L}`) is dear,
more so repeated by a count; these figures were measured on it (bench/guard_bench.py).
"""

from __future__ import annotations

import re

__all__ = ["pattern_cost", "string_value"]


def string_value(token_text: str) -> str:
    """A CEL string literal's characters, near enough to price a pattern."""
    prefix = re.match(r"[rRbB]*", token_text)
    raw = "r" in (prefix.group().lower() if prefix else "")
    body = token_text[len(prefix.group()) if prefix else 0 :]
    quote = 3 if body[:3] in ("'''", '"""') else 1
    body = body[quote:-quote]
    return body if raw else body.replace("\\\\", "\\")


# What compiling one pattern atom costs, in steps (measured: `\w` 0.55 ms, `\d` 0.15 ms).
_CLASS_COST = {"w": 1800, "W": 1800, "p": 1800, "P": 1800, "d": 500, "D": 500, "s": 250, "S": 250}
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")


def pattern_cost(pattern: str) -> float:
    """Steps to compile `pattern` in the binding's regex engine, a generous estimate.

    Unicode classes are what is dear; a counted repetition multiplies what it repeats
    by more than its count (the compiled automaton grows faster than the count).
    """
    total, _ = _pattern_sequence(pattern, 0)
    return 100 + total


def _pattern_sequence(pattern: str, i: int) -> tuple[float, int]:
    total, last = 0.0, 0.0
    while i < len(pattern):
        char = pattern[i]
        if char == ")":
            return total, i + 1
        if char == "|":
            i += 1
            continue
        if char == "(":
            last, i = _pattern_sequence(pattern, i + 1)
        elif char == "\\" and i + 1 < len(pattern):
            kind = pattern[i + 1]
            last = _CLASS_COST.get(kind, 2)
            i += 2
            if kind in "pP" and i < len(pattern) and pattern[i] == "{":
                i = pattern.find("}", i) + 1 or len(pattern)
        elif char == "[":
            end = pattern.find("]", i + 2)
            end = len(pattern) if end < 0 else end + 1
            inside = pattern[i:end]
            last = 2 + sum(cost for kind, cost in _CLASS_COST.items() if "\\" + kind in inside)
            i = end
        elif char == "{" and (repeat := _REPEAT.match(pattern, i)):
            count = max(int(repeat.group(1)), int(repeat.group(2) or 0))
            if repeat.group(2) == "":
                count += 1
            total += last * (max(count, 1) ** 1.5 - 1)
            last = 0
            i = repeat.end()
            continue
        elif char == ".":
            last = 250
            i += 1
        else:
            last = 2
            i += 1
        total += last
    return total, i
