"""CEL's grammar over the tokens engine.cel_text makes: an expression as a small tree.

Only what pricing an expression needs (engine.expression_cost): each node its kind, its
text and its column; the evaluator itself is the binding's, which never sees this tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from trinn.engine.cel_text import Token

__all__ = ["RELATIONS", "Node", "Unparsable", "parse_tree"]

RELATIONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})


@dataclass
class Node:
    kind: str  # literal, string, name, list, map, select, index, unary, binary, ternary, call
    text: str
    column: int
    children: list[Node] = field(default_factory=list)
    receiver: Node | None = None


class Unparsable(Exception):
    pass


class _Parser:
    """CEL's grammar, precedence climbing over the tokens expressions.py makes."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> str:
        i = self.i + offset
        return self.tokens[i].text if i < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> Token:
        if self.i >= len(self.tokens):
            raise Unparsable
        token = self.tokens[self.i]
        if expected is not None and token.text != expected:
            raise Unparsable
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.expr()
        if self.i != len(self.tokens):
            raise Unparsable
        return node

    def expr(self) -> Node:
        node = self.binary(0)
        if self.peek() == "?":
            column = self.take().column
            yes = self.binary(0)
            self.take(":")
            no = self.expr()
            return Node("ternary", "?", column, [node, yes, no])
        return node

    _LEVELS: tuple[frozenset[str], ...] = (
        frozenset({"||"}),
        frozenset({"&&"}),
        RELATIONS,
        frozenset({"+", "-"}),
        frozenset({"*", "/", "%"}),
    )

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.peek() in self._LEVELS[level] and self.i < len(self.tokens):
            token = self.take()
            node = Node("binary", token.text, token.column, [node, self.binary(level + 1)])
        return node

    def unary(self) -> Node:
        if self.peek() in ("!", "-"):
            token = self.take()
            return Node("unary", token.text, token.column, [self.unary()])
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.peek() == ".":
                self.take()
                name = self.take()
                if name.kind != "name":
                    raise Unparsable
                if self.peek() == "(":
                    node = Node("call", name.text, name.column, self.arguments(")"), receiver=node)
                else:
                    node = Node("select", name.text, name.column, [node])
            elif self.peek() == "[":
                column = self.take().column
                index = self.expr()
                self.take("]")
                node = Node("index", "[", column, [node, index])
            else:
                return node

    def arguments(self, close: str) -> list[Node]:
        self.take()  # the opening bracket
        found: list[Node] = []
        while self.peek() != close:
            found.append(self.expr())
            if self.peek() == ",":
                self.take()
            elif self.peek() != close:
                raise Unparsable
        self.take(close)
        return found

    def entries(self) -> list[Node]:
        self.take("{")
        found: list[Node] = []
        while self.peek() != "}":
            found.append(self.expr())
            self.take(":")
            found.append(self.expr())
            if self.peek() == ",":
                self.take()
            elif self.peek() != "}":
                raise Unparsable
        self.take("}")
        return found

    def primary(self) -> Node:
        if self.peek() == ".":
            self.take()  # a leading dot names the root scope: `.state`
        if self.i >= len(self.tokens):
            raise Unparsable
        token = self.tokens[self.i]
        if token.kind == "name":
            self.take()
            if self.peek() == "(":
                return Node("call", token.text, token.column, self.arguments(")"))
            return Node("name", token.text, token.column)
        if token.kind == "string":
            self.take()
            return Node("string", token.text, token.column)
        if token.kind == "number":
            self.take()
            return Node("literal", token.text, token.column)
        if token.text == "(":
            self.take()
            node = self.expr()
            self.take(")")
            return node
        if token.text == "[":
            return Node("list", "[", token.column, self.arguments("]"))
        if token.text == "{":
            return Node("map", "{", token.column, self.entries())
        raise Unparsable


def parse_tree(tokens: Sequence[Token]) -> Node:
    """The tree of the expression made of `tokens`; raise Unparsable where it is no CEL."""
    return _Parser(tokens).parse()
