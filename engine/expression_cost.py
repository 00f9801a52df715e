"""What a CEL expression may cost, estimated from its text before it ever runs.

The binding has no step budget, and its interpreter is slower than the CEL
specification's cost model assumes: `map` and `filter` copy their result list at
every step (quadratic in the list's length), and `matches` compiles its pattern at
every call (half a millisecond for one `\\w`). So the expression is parsed (engine.cel_tree)
into a small tree, and each node is charged what it costs on the largest values a
case may hand to CEL (engine.limits): one step per node evaluated (about 0.3 us),
one step per 1,000 characters copied or compared and per 200 searched,
comprehensions times their list's length, `map` and `filter` their copies too,
`matches` its pattern's compilation.
The figures were measured on the binding (bench/guard_bench.py checks them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trinn.engine.cel_text import MACROS_BINDING, Token
from trinn.engine.cel_tree import RELATIONS, Node, Unparsable, parse_tree
from trinn.engine.errors import ExpressionError
from trinn.engine.limits import DEFAULT_LIMITS, Limits
from trinn.engine.pattern_cost import pattern_cost, string_value

__all__ = ["COPY_CHARS", "Estimate", "estimate"]

COPY_CHARS = 1000  # characters copied or compared per step
SCAN_CHARS = 200  # characters searched per step (contains, a pattern's subject)
ITERATION = 5  # steps a comprehension spends per item besides its body (measured)
_NAME_CHARS = 64  # a state id, a person id, an option id


@dataclass(frozen=True)
class _Shape:
    """The largest value a node can produce: a text of `chars`, or a list/map of `items` of `elem`."""

    chars: int = 0
    items: int = 0
    elem: _Shape | None = None
    members: tuple[tuple[str, _Shape], ...] = ()  # a map's members larger than `elem`, by name

    @property
    def bulk(self) -> int:
        """Characters and items in the whole value: what copying or comparing it walks."""
        inner = self.elem.bulk if self.elem is not None else 0
        return self.chars + self.items * (1 + inner) + sum(shape.bulk for _name, shape in self.members)

    def member(self, name: str) -> _Shape:
        """The shape of `value.name`."""
        return next((shape for named, shape in self.members if named == name), self.elem or _SCALAR)


_SCALAR = _Shape()
_NAME = _Shape(chars=_NAME_CHARS)


def _task_shape(answers: int, caps: Limits) -> _Shape:
    """`tasks.<id>`: done, count, done_count, and its records (one per item of a list field:
    item, done, by, and the `answers` fields of the largest form kept per item, each priced
    as any field: a text and a list at once)."""
    items = caps.cel_list_items
    field = _Shape(chars=caps.cel_text_chars, items=items, elem=_Shape(chars=caps.cel_item_chars))
    record = _Shape(items=3, elem=_NAME, members=(("answers", _Shape(items=answers, elem=field)),))
    return _Shape(items=3, elem=_SCALAR, members=(("records", _Shape(items=items, elem=record)),))


def _join(a: _Shape, b: _Shape) -> _Shape:
    """The larger of two shapes, part by part (a ternary's branches, a list's items)."""
    members = (a.members if a.bulk >= b.bulk else b.members) or a.members or b.members
    return _Shape(max(a.chars, b.chars), max(a.items, b.items), _elem(a, b), members)


@dataclass
class Estimate:
    """An expression's worst cost in steps, its deepest comprehension nesting, and where."""

    cost: float
    depth: int
    column: int


class _Estimator:
    def __init__(
        self,
        fields: frozenset[str],
        tasks: int,
        lists: frozenset[str] | None,
        texts: frozenset[str] | None,
        limits: Limits,
        answers: int = 0,
    ) -> None:
        self.limits = limits
        self.fields = fields
        self.tasks = tasks
        self.task = _task_shape(answers, limits)
        self.lists = lists
        self.texts = texts
        self.deepest = (0, 0)  # (depth, column)

    def variable(self, name: str, scope: dict[str, _Shape]) -> _Shape:
        if name in scope:
            return scope[name]
        caps = self.limits
        if name in self.fields:
            item = _Shape(chars=caps.cel_item_chars)
            if self.lists is None or self.texts is None:  # unknown: price a text and a list at once
                return _Shape(chars=caps.cel_text_chars, items=caps.cel_list_items, elem=item)
            if name in self.lists:
                return _Shape(items=caps.cel_list_items, elem=item)
            if name in self.texts:
                return _Shape(chars=caps.cel_text_chars)
            return _NAME  # a number, a date, a yes/no, a choice's option id
        if name == "tasks":
            return _Shape(items=self.tasks, elem=self.task)
        if name == "actor":
            return _Shape(items=2, elem=_Shape(chars=_NAME_CHARS, items=caps.cel_list_items, elem=_NAME))
        if name == "state":
            return _NAME
        return _SCALAR

    def cost(self, node: Node, scope: dict[str, _Shape]) -> tuple[float, _Shape, int]:
        """(steps, shape of the value, comprehension depth) of `node`."""
        kind = node.kind
        if kind == "literal":
            return 1, _SCALAR, 0
        if kind == "string":
            return 1, _Shape(chars=len(node.text)), 0
        if kind == "name":
            return 1, self.variable(node.text, scope), 0  # values are shared, not copied, when read
        parts = [self.cost(child, scope) for child in node.children] if kind != "call" else []
        steps = 1 + sum(p[0] for p in parts)
        depth = max((p[2] for p in parts), default=0)
        if kind in ("list", "map"):
            elem = _SCALAR
            for part in parts:
                elem = _join(elem, part[1])
            count = len(parts) if kind == "list" else len(parts) // 2
            return steps + count, _Shape(items=count, elem=elem), depth
        if kind == "select":
            owner = parts[0][1]
            return steps, owner.member(node.text), depth
        if kind == "index":
            owner = parts[0][1]
            return steps + parts[1][1].bulk / COPY_CHARS, owner.elem or _SCALAR, depth
        if kind == "unary":
            return steps, _SCALAR, depth
        if kind == "ternary":
            return steps, _join(parts[1][1], parts[2][1]), depth
        if kind == "binary":
            left, right = parts[0][1], parts[1][1]
            if node.text == "+":
                shape = _Shape(left.chars + right.chars, left.items + right.items, _elem(left, right))
                return steps + shape.bulk / COPY_CHARS, shape, depth
            if node.text in RELATIONS:
                return steps + (left.bulk + right.bulk) / COPY_CHARS + right.items, _SCALAR, depth
            return steps, _SCALAR, depth
        return self.call(node, scope)

    def call(self, node: Node, scope: dict[str, _Shape]) -> tuple[float, _Shape, int]:
        name = node.text
        if node.receiver is not None and name in MACROS_BINDING and node.children:
            return self.comprehension(node, scope)
        args = node.children if node.receiver is None else [node.receiver, *node.children]
        if name == "has":
            return 2, _SCALAR, 0
        parts = [self.cost(arg, scope) for arg in args]
        steps = 1 + sum(p[0] for p in parts)
        depth = max((p[2] for p in parts), default=0)
        bulk = sum(p[1].bulk for p in parts)
        if name == "matches":
            pattern = args[-1] if len(args) == 2 else None
            if pattern is None or pattern.kind != "string":
                raise ExpressionError(
                    "a pattern must be written in the expression",
                    node.column,
                    "matches() compiles its pattern each time: a pattern from the case could take seconds",
                )
            return steps + pattern_cost(string_value(pattern.text)) + bulk / SCAN_CHARS, _SCALAR, depth
        if name in ("startsWith", "endsWith") and len(parts) == 2:
            return steps + parts[1][1].bulk / COPY_CHARS, _SCALAR, depth  # reads the prefix only
        if name == "contains":
            return steps + bulk / SCAN_CHARS, _SCALAR, depth
        if name in ("string", "bytes", "dyn"):
            shape = parts[0][1] if parts else _SCALAR
            return steps + bulk / COPY_CHARS, _join(shape, _Shape(chars=32)), depth
        if name in ("max", "min"):
            return steps + bulk / COPY_CHARS + sum(p[1].items for p in parts), _SCALAR, depth
        return steps + bulk / COPY_CHARS, _SCALAR, depth

    def comprehension(self, node: Node, scope: dict[str, _Shape]) -> tuple[float, _Shape, int]:
        assert node.receiver is not None
        over_steps, over, over_depth = self.cost(node.receiver, scope)
        variable = node.children[0]
        if variable.kind != "name":
            raise Unparsable
        count = max(over.items, 1)
        inner = {**scope, variable.text: over.elem or _SCALAR}
        bodies = [self.cost(child, inner) for child in node.children[1:]]
        body_steps = sum(b[0] for b in bodies)
        depth = max(over_depth, 1 + max((b[2] for b in bodies), default=0))
        if depth > self.deepest[0]:
            self.deepest = (depth, node.column)
        steps = over_steps + count * (body_steps + ITERATION)
        if node.text == "map" and bodies:
            elem = bodies[-1][1]
        elif node.text == "filter":
            elem = over.elem or _SCALAR
        else:
            return steps, _SCALAR, depth
        # the result list is copied at every step: n * n / 2 items and their contents
        steps += count * count / 2 * (1 + elem.bulk / SCAN_CHARS)
        return steps, _Shape(items=count, elem=elem), depth


def _elem(left: _Shape, right: _Shape) -> _Shape | None:
    if left.elem is None or right.elem is None:
        return left.elem or right.elem
    return _join(left.elem, right.elem)


def estimate(
    tokens: Sequence[Token],
    fields: frozenset[str],
    tasks: int,
    lists: frozenset[str] | None = None,
    texts: frozenset[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    answers: int = 0,
) -> Estimate:
    """The worst cost of the expression made of `tokens`; raise ExpressionError past a limit.

    `lists` and `texts` are the fields holding lists and texts; None prices every field as both.
    `answers` is how many fields the largest form kept per item has (`tasks.<id>.records`).
    Values are priced at the largest `limits` lets a case hand to CEL.
    """
    try:
        tree = parse_tree(tokens)
    except (Unparsable, RecursionError):
        raise ExpressionError(
            "expression cannot be priced", 1, "write it with CEL's operators, calls and comprehensions"
        ) from None
    estimator = _Estimator(fields, tasks, lists, texts, limits, answers)
    steps, _shape, depth = estimator.cost(tree, {})
    if depth > limits.cel_comprehension_depth:
        raise ExpressionError(
            "comprehensions are nested too deeply",
            estimator.deepest[1],
            f"the limit is {limits.cel_comprehension_depth} levels of "
            "all, exists, exists_one, map and filter",
        )
    return Estimate(steps, depth, estimator.deepest[1] or 1)
