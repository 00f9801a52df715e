"""CEL guards and value expressions: compiled once, names checked at load time.

CEL cannot reach Python objects and always terminates, which is why guards are
written in it. The binding reports parse errors with a column but knows nothing
of our names, so a small tokenizer here finds every name an expression uses,
with its column, and checks it against what the playbook declares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cel

from trinn.engine.errors import ExpressionError, did_you_mean
from trinn.engine.expression_cost import estimate
from trinn.engine.limits import CEL_COST, CEL_ITEM_CHARS, CEL_LIST_ITEMS, CEL_TEXT_CHARS

__all__ = [
    "BUILTIN_NAMES",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "OVERSIZED",
    "CompiledExpression",
    "Scope",
    "compile_expression",
]

MAX_LENGTH = 1000
MAX_DEPTH = 24

# What an expression may name besides the playbook's fields.
BUILTIN_NAMES = {
    "state": "the current state id",
    "now": "the current time (a timestamp)",
    "tasks": "the tasks: tasks.<id>.done, .count, .done_count",
    "tasks_done": "every non-optional task of the current state is done",
    "actor": "who acts: actor.id, actor.roles",
}
TASK_MEMBERS = ("done", "count", "done_count")
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
_MACROS_BINDING = frozenset({"all", "exists", "exists_one", "map", "filter"})
_KEYWORDS = frozenset({"true", "false", "null", "in"})

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
class _Token:
    kind: str
    text: str
    column: int  # 1-based


def _tokens(text: str) -> Iterator[_Token]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "space":
            yield _Token(kind, match.group(), match.start() + 1)


@dataclass(frozen=True)
class Scope:
    """The names a playbook declares for its expressions.

    `lists` and `texts` say which fields hold lists and which texts, to price what
    reading them costs; without them every field is priced as both at once.
    """

    fields: frozenset[str]
    tasks: frozenset[str]
    lists: frozenset[str] | None = None
    texts: frozenset[str] | None = None

    def names(self) -> frozenset[str]:
        return self.fields | frozenset(BUILTIN_NAMES)


class CompiledExpression:
    """A CEL program compiled once, run many times against a case's context."""

    __slots__ = ("names", "program", "source")

    def __init__(self, source: str, program: cel.Program, names: tuple[str, ...] = ()) -> None:
        self.source = source
        self.program = program
        self.names = names  # the case's names it reads, to explain a false guard

    def evaluate(self, context: cel.Context | dict[str, Any]) -> Any:
        try:
            return self.program.execute(context)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the binding raises pyo3 panics as BaseException
            reason = _oversized(exc, context) or _first_line(exc)
            raise ExpressionError(f"'{self.source}' failed: {reason}") from exc

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


def _check_shape(text: str, tokens: list[_Token]) -> None:
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


def _check_names(tokens: list[_Token], scope: Scope) -> None:
    bound = {
        tokens[i + 2].text
        for i in range(len(tokens) - 2)
        if tokens[i].kind == "name"
        and tokens[i].text in _MACROS_BINDING
        and tokens[i + 1].text == "("
        and tokens[i + 2].kind == "name"
    }
    known = scope.names() | bound
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text in _KEYWORDS:
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


def _chain(tokens: list[_Token], i: int) -> list[str]:
    """The dotted names ending at token i: `tasks.mote.done` -> ['tasks', 'mote', 'done']."""
    chain = [tokens[i].text]
    while i >= 2 and tokens[i - 1].text == "." and tokens[i - 2].kind == "name":
        i -= 2
        chain.insert(0, tokens[i].text)
    if i >= 1 and tokens[i - 1].text == ".":
        return []  # the chain hangs off a call or an index: not a declared name
    return chain


def _check_member(tokens: list[_Token], i: int, scope: Scope) -> None:
    """Check `tasks.<id>`, `tasks.<id>.<property>` and `actor.<property>`."""
    token, chain = tokens[i], _chain(tokens, i)
    if chain[:1] == ["tasks"] and len(chain) == 2 and token.text not in scope.tasks:
        raise ExpressionError(
            f"unknown task '{token.text}'", token.column, did_you_mean(token.text, scope.tasks, list_if_few=8)
        )
    if chain[:1] == ["tasks"] and len(chain) == 3 and token.text not in TASK_MEMBERS:
        raise ExpressionError(
            f"unknown task property '{token.text}'",
            token.column,
            did_you_mean(token.text, TASK_MEMBERS, list_if_few=3),
        )
    if chain[:1] == ["actor"] and len(chain) == 2 and token.text not in ACTOR_MEMBERS:
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


def _check_cost(text: str, tokens: list[_Token], scope: Scope, what: str) -> None:
    """Refuse an expression whose worst case on the largest allowed values is too slow."""
    found = estimate(tokens, scope.fields, len(scope.tasks), scope.lists, scope.texts)
    if found.cost > CEL_COST:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise ExpressionError(
            f"{what} '{shown}' is too expensive: about {found.cost:,.0f} steps on the largest case",
            found.column,
            f"the limit is {CEL_COST:,}; lists reach it with up to {CEL_LIST_ITEMS} items of "
            f"{CEL_ITEM_CHARS:,} characters, texts with {CEL_TEXT_CHARS:,}: compare fewer pairs, "
            "filter or map once, or use 'in'",
        )


def compile_expression(text: str, scope: Scope, what: str = "expression") -> CompiledExpression:
    """Parse, bound, price and name-check `text`; raise ExpressionError with a 1-based column.

    `what` names the expression in a refusal: 'guard' or 'expression'.
    """
    tokens = list(_tokens(text))
    _check_shape(text, tokens)
    program = _compile(text)
    _check_names(tokens, scope)
    _check_cost(text, tokens, scope, what)
    names: list[str] = []
    for i, t in enumerate(tokens):
        if t.kind != "name" or (i + 1 < len(tokens) and tokens[i + 1].text == "("):
            continue
        if i == 0 or tokens[i - 1].text != ".":
            if t.text in scope.names():
                names.append(t.text)
        elif (chain := _chain(tokens, i))[:1] == ["tasks"] and len(chain) == 3:
            names.append(".".join(chain))  # a task's property: worth showing when a guard fails
    return CompiledExpression(text, program, tuple(dict.fromkeys(names)))
