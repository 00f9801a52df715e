"""CEL text read once, by one tokenizer: its names, what it reads, its top-level parts.

Everything that looks at a CEL expression's text reads it here: the name checks
of engine.expressions, the compiler's "which tasks does this guard read" (to
build a context with only those), lint's decisions about guards, and the reasons
a guard is false (engine.reason). The tokens know strings, so a `&&` or a name
inside a quoted string is never taken for one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KEYWORDS",
    "MACROS_BINDING",
    "TASK_MEMBERS",
    "Atom",
    "Part",
    "Reading",
    "Token",
    "atom",
    "bound_names",
    "chain",
    "read_expression",
    "strip_brackets",
    "tokenize",
    "top_level",
]

TASK_MEMBERS = ("done", "count", "done_count", "records")
MACROS_BINDING = frozenset({"all", "exists", "exists_one", "map", "filter"})
KEYWORDS = frozenset({"true", "false", "null", "in"})

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<string>[rRbB]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"
                   |'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))
      | (?P<number>0x[0-9a-fA-F]+u?|\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?u?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    column: int  # 1-based


def tokenize(text: str) -> Iterator[Token]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "space":
            yield Token(kind, match.group(), match.start() + 1)


def _depths(tokens: list[Token]) -> Iterator[tuple[int, Token]]:
    """Each token with how deep in brackets it is (a closing bracket at its opening's depth)."""
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.text in ")]}":
            depth -= 1
        yield depth, token
        if token.kind == "punct" and token.text in "([{":
            depth += 1


def top_level(text: str) -> list[tuple[int, str]]:
    """(0-based index, operator) of every operator outside brackets and strings, in order."""
    return [
        (token.column - 1, token.text)
        for depth, token in _depths(list(tokenize(text)))
        if depth == 0 and token.kind == "punct" and token.text not in "()[]{}"
    ]


def strip_brackets(text: str) -> str:
    """`text` without whitespace around it and brackets wrapping all of it: `((a && b))` -> `a && b`."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        tokens = list(tokenize(text))
        closing = [i for i, (depth, t) in enumerate(_depths(tokens)) if depth == 0 and t.text == ")"]
        if closing[:1] != [len(tokens) - 1]:
            return text  # `(a) && (b)`: the first bracket closes before the end
        text = text[1:-1].strip()
    return text


@dataclass(frozen=True)
class Part:
    """One top-level `&&` part of an expression: its text, and where it starts (1-based)."""

    text: str
    column: int


@dataclass(frozen=True)
class Reading:
    """What an expression's text says before it runs.

    `names`: the free names it reads (not functions, members or a macro's variables), in order,
    with each `tasks.<id>.<property>` it reads; `tasks`: the tasks it reads, None when it reads
    `tasks` some other way (whole, indexed); `parts`: its top-level `&&` parts, one (the whole)
    when it is not a conjunction; `any_of`: whether it has a top-level `||`.
    """

    names: tuple[str, ...]
    tasks: frozenset[str] | None
    parts: tuple[Part, ...]
    any_of: bool


def read_expression(text: str, tokens: list[Token] | None = None) -> Reading:
    """Read `text` (a valid expression or not): what it reads and its top-level parts.

    `tokens` are its tokens when the caller has them already."""
    if tokens is None:
        tokens = list(tokenize(text))
    bound = bound_names(tokens)
    names: list[str] = []
    tasks: set[str] | None = set()
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text in KEYWORDS or _called(tokens, i):
            continue
        if i == 0 or tokens[i - 1].text != ".":
            if token.text not in bound:
                names.append(token.text)
            if token.text == "tasks":
                task = _task_read(tokens, i)
                if task is None:
                    tasks = None
                elif tasks is not None:
                    tasks.add(task)
        elif (dotted := chain(tokens, i))[:1] == ["tasks"] and len(dotted) == 3:
            names.append(".".join(dotted))  # a task's property: worth showing when a guard fails
    inner = strip_brackets(text)
    offset = text.index(inner) if inner else 0
    operators = top_level(inner)
    any_of = any(op == "||" for _, op in operators)
    parts: list[Part] = []
    if not any_of and not any(op == "?" for _, op in operators):
        start = 0
        for index in [*(i for i, op in operators if op == "&&"), len(inner)]:
            piece = inner[start:index]
            stripped = strip_brackets(piece)
            lead = piece.index(stripped) if stripped else 0
            parts.append(Part(stripped, offset + start + lead + 1))
            start = index + 2
    else:
        parts.append(Part(inner, offset + 1))
    return Reading(
        tuple(dict.fromkeys(names)), None if tasks is None else frozenset(tasks), tuple(parts), any_of
    )


def _called(tokens: list[Token], i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1].text == "("


def bound_names(tokens: list[Token]) -> set[str]:
    """The variables the macros bind: `x` in `list.all(x, x > 0)`."""
    return {
        tokens[i + 2].text
        for i in range(len(tokens) - 2)
        if tokens[i].kind == "name"
        and tokens[i].text in MACROS_BINDING
        and tokens[i + 1].text == "("
        and tokens[i + 2].kind == "name"
    }


def _task_read(tokens: list[Token], i: int) -> str | None:
    """The task `tasks` at token i reads as `tasks.<id>.<property>`, else None (it reads more)."""
    after = [t.text for t in tokens[i + 1 : i + 5]]
    if (
        len(after) == 4
        and after[0] == after[2] == "."
        and tokens[i + 2].kind == "name"
        and after[3] in TASK_MEMBERS
        and not _called(tokens, i + 4)
    ):
        return after[1]
    return None


def chain(tokens: list[Token], i: int) -> list[str]:
    """The dotted names ending at token i: `tasks.mote.done` -> ['tasks', 'mote', 'done']."""
    names = [tokens[i].text]
    while i >= 2 and tokens[i - 1].text == "." and tokens[i - 2].kind == "name":
        i -= 2
        names.insert(0, tokens[i].text)
    if i >= 1 and tokens[i - 1].text == ".":
        return []  # the chain hangs off a call or an index: not a declared name
    return names


_OPS = ("==", "!=", "<=", ">=", "<", ">")
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Atom:
    """A comparison with a literal: `term op value`; a bare name is `name == true`, `!name`
    is `name == false`. `value` is a float for a number, None for null."""

    term: str
    op: str
    value: Any
    text: str


def _literal(text: str) -> tuple[bool, Any]:
    text = text.strip()
    if text in ("true", "false"):
        return True, text == "true"
    if text == "null":
        return True, None
    if _NUMBER.match(text):
        return True, float(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and text[0] not in text[1:-1]:
        return True, text[1:-1]
    return False, None


def atom(text: str) -> Atom | None:
    """`text` as one comparison with a literal (`size(x) >= 8`, `!done`), or None when it is not."""
    text = strip_brackets(text)
    if text in ("true", "false"):
        return Atom("true", "==", text == "true", text)
    negated = text.startswith("!") and not text.startswith("!=")
    if negated and _NAME.match(text[1:].strip()):
        return Atom(text[1:].strip(), "==", False, text)
    if _NAME.match(text):
        return Atom(text, "==", True, text)
    found = top_level(text)
    operators = [(i, t) for i, t in found if t in _OPS]
    if len(operators) != 1 or any(t == "?" for _, t in found):  # `a ? b : c == 1` is no comparison
        return None
    index, op = operators[0]
    left, right = text[:index].strip(), text[index + len(op) :].strip()
    is_literal, value = _literal(right)
    if is_literal and not _literal(left)[0]:
        return Atom(" ".join(left.split()), op, value, text)
    is_literal, value = _literal(left)
    if is_literal and not _literal(right)[0]:
        return Atom(" ".join(right.split()), _FLIP[op], value, text)
    return None
