"""CEL guards and value expressions: compiled once, names checked at load time.

CEL cannot reach Python objects and always terminates, which is why guards are
written in it. The binding reports parse errors with a column but knows nothing
of our names, so the tokens of engine.cel_text (the one reader of CEL text) give
every name an expression uses, with its column, to check against what the
playbook declares; its reading (what the expression reads, its top-level `&&`
parts) is kept with the compiled program.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trinn.engine.cel_runtime import cel
from trinn.engine.cel_text import (
    KEYWORDS,
    TASK_MEMBERS,
    Part,
    Reading,
    Token,
    bound_names,
    chain,
    read_expression,
    strip_brackets,
    tokenize,
    top_level,
)
from trinn.engine.errors import ExpressionError, did_you_mean
from trinn.engine.expression_cost import estimate
from trinn.engine.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "BUILTIN_NAMES",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "OVERSIZED",
    "CompiledExpression",
    "Context",
    "Part",
    "Reading",
    "Scope",
    "compile_expression",
    "read_expression",
    "strip_brackets",
    "top_level",
]

MAX_LENGTH = 1000
Context = cel.Context  # what an expression is evaluated against, named for modules that do not import cel
MAX_DEPTH = 24

# What an expression may name besides the playbook's fields.
BUILTIN_NAMES = {
    "state": "the current state id",
    "now": "the current time (a timestamp)",
    "tasks": "the tasks: tasks.<id>.done, .count, .done_count, "
    ".records (each item's {item, done, by, answers})",
    "tasks_done": "every non-optional task of the current state is done",
    "actor": "who acts: actor.id, actor.roles",
}
ACTOR_MEMBERS = ("id", "roles")

# Functions of the binding's Rust core; Python-side extras are left out on purpose.
FUNCTIONS = frozenset(
    {
        "size",
        "contains",
        "startsWith",
        "endsWith",
        "matches",
        "has",
        "all",
        "exists",
        "exists_one",
        "map",
        "filter",
        "int",
        "uint",
        "double",
        "string",
        "bytes",
        "bool",
        "timestamp",
        "duration",
        "dyn",
        "type",
        "max",
        "min",
        "getFullYear",
        "getMonth",
        "getDayOfYear",
        "getDayOfMonth",
        "getDate",
        "getDayOfWeek",
        "getHours",
        "getMinutes",
        "getSeconds",
        "getMilliseconds",
    }
)


@dataclass(frozen=True)
class Scope:
    """The names a playbook declares for its expressions.

    `lists` and `texts` say which fields hold lists and which texts, to price what
    reading them costs; without them every field is priced as both at once. `limits` are
    the caps the playbook runs under (its `limits:` section, engine.limits_spec).
    """

    fields: frozenset[str]
    tasks: frozenset[str]
    lists: frozenset[str] | None = None
    texts: frozenset[str] | None = None
    answers: int = 0  # the fields of the largest form kept per item (a record's `answers`)
    limits: Limits = DEFAULT_LIMITS

    def names(self) -> frozenset[str]:
        return self.fields | frozenset(BUILTIN_NAMES)


class CompiledExpression:
    """A CEL program compiled once, run many times against a case's context.

    `reading` is what its text reads and its top-level parts; `names` the declared names
    among what it reads (and `tasks.<id>.<property>`), to explain a false guard.
    """

    __slots__ = ("_parts", "names", "program", "reading", "source")

    def __init__(
        self, source: str, program: cel.Program, reading: Reading, declared: frozenset[str] = frozenset()
    ) -> None:
        self.source = source
        self.program = program
        self.reading = reading
        self.names = tuple(n for n in reading.names if n.split(".")[0] in declared)
        self._parts: tuple[CompiledExpression, ...] | None = None

    def evaluate(self, context: cel.Context | dict[str, Any]) -> Any:
        try:
            return self.program.execute(context)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the binding raises pyo3 panics as BaseException
            reason = _oversized(exc, context) or _first_line(exc)
            raise ExpressionError(f"'{self.source}' failed: {reason}") from exc

    def parts(self) -> tuple[CompiledExpression, ...]:
        """Its top-level `&&` parts, each compiled on its own (when first asked: only a false
        guard is taken apart, to say which part failed)."""
        if self._parts is None:
            if len(self.reading.parts) == 1:
                self._parts = (self,)
            else:
                declared = frozenset(n.split(".")[0] for n in self.names)
                self._parts = tuple(
                    CompiledExpression(p.text, _compile(p.text), read_expression(p.text), declared)
                    for p in self.reading.parts
                )
        return self._parts

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


# The context leaves out a value too large to read (engine.context) and says why under
# this name, which no field can have (field ids start with a letter).
OVERSIZED = "_oversized"
_UNDEFINED = re.compile(r"Undefined variable or function: '([A-Za-z_][A-Za-z0-9_]*)'")


def _oversized(exc: BaseException, context: cel.Context | Mapping[str, Any]) -> str | None:
    """Why a name is missing from the context, when it was left out for its size."""
    found = _UNDEFINED.search(str(exc))
    if not found:
        return None
    variables = context.variables if isinstance(context, cel.Context) else context
    reasons = variables.get(OVERSIZED) or {}
    return reasons.get(found.group(1)) if isinstance(reasons, dict) else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_shape(text: str, tokens: list[Token]) -> None:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters)", 1, f"the limit is {MAX_LENGTH}"
        )
    depth = 0
    for token in tokens:
        if token.text in "([{" and token.kind == "punct":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(
                    "expression is nested too deeply", token.column, f"the limit is {MAX_DEPTH} levels"
                )
        elif token.text in ")]}" and token.kind == "punct":
            depth -= 1
        elif token.kind == "other":
            raise ExpressionError(f"unexpected character '{token.text}'", token.column)


def _check_names(tokens: list[Token], scope: Scope) -> None:
    known = scope.names() | bound_names(tokens)
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text in KEYWORDS:
            continue
        after_dot = i > 0 and tokens[i - 1].text == "."
        called = i + 1 < len(tokens) and tokens[i + 1].text == "("
        if called:
            if token.text not in FUNCTIONS:
                raise ExpressionError(
                    f"unknown function '{token.text}'", token.column, did_you_mean(token.text, FUNCTIONS)
                )
            continue
        if after_dot:
            _check_member(tokens, i, scope)
            continue
        if token.text not in known:
            raise ExpressionError(
                f"unknown name '{token.text}'", token.column, did_you_mean(token.text, known, list_if_few=8)
            )


def _check_member(tokens: list[Token], i: int, scope: Scope) -> None:
    """Check `tasks.<id>`, `tasks.<id>.<property>` and `actor.<property>`."""
    token, names = tokens[i], chain(tokens, i)
    if names[:1] == ["tasks"] and len(names) == 2 and token.text not in scope.tasks:
        raise ExpressionError(
            f"unknown task '{token.text}'", token.column, did_you_mean(token.text, scope.tasks, list_if_few=8)
        )
    if names[:1] == ["tasks"] and len(names) == 3 and token.text not in TASK_MEMBERS:
        raise ExpressionError(
            f"unknown task property '{token.text}'",
            token.column,
            did_you_mean(token.text, TASK_MEMBERS, list_if_few=4),
        )
    if names[:1] == ["actor"] and len(names) == 2 and token.text not in ACTOR_MEMBERS:
        raise ExpressionError(
            f"unknown actor property '{token.text}'",
            token.column,
            did_you_mean(token.text, ACTOR_MEMBERS, list_if_few=2),
        )


_PARSE_POSITION = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")


def _plain_syntax_error(message: str) -> str:
    """ANTLR's 'mismatched input 'x' expecting {...}' is noise to a process designer."""
    unexpected = re.match(r"(?:mismatched|extraneous) input '(.*?)'", message)
    if unexpected:
        what = unexpected.group(1)
        return "unexpected end of expression" if what == "<EOF>" else f"unexpected '{what}'"
    return message.split(" expecting ")[0]


def _compile(text: str) -> cel.Program:
    try:
        return cel.compile(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # parse errors are ValueError; panics are BaseException
        found = _PARSE_POSITION.search(str(exc))
        if found:
            message = _plain_syntax_error(found.group(3).strip().removeprefix("Syntax error: "))
            column = int(found.group(2)) if found.group(1) == "1" else 0
            raise ExpressionError(f"invalid expression: {message}", column) from exc
        raise ExpressionError(f"invalid expression: {_first_line(exc)}") from exc


def _check_cost(text: str, tokens: list[Token], scope: Scope, what: str) -> None:
    """Refuse an expression whose worst case on the largest allowed values is too slow."""
    caps = scope.limits
    found = estimate(tokens, scope.fields, len(scope.tasks), scope.lists, scope.texts, caps, scope.answers)
    if found.cost > caps.cel_cost:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise ExpressionError(
            f"{what} '{shown}' is too expensive: about {found.cost:,.0f} steps on the largest case",
            found.column,
            f"the limit is {caps.cel_cost:,}; lists reach it with up to {caps.cel_list_items:,} items of "
            f"{caps.cel_item_chars:,} characters, texts with {caps.cel_text_chars:,}: compare fewer pairs, "
            "filter or map once, or use 'in'",
        )


def compile_expression(text: str, scope: Scope, what: str = "expression") -> CompiledExpression:
    """Parse, bound, price and name-check `text`; raise ExpressionError with a 1-based column.

    `what` names the expression in a refusal: 'guard' or 'expression'.
    """
    found = list(tokenize(text))
    _check_shape(text, found)
    program = _compile(text)
    _check_names(found, scope)
    _check_cost(text, found, scope, what)
    return CompiledExpression(text, program, read_expression(text, found), scope.names())
