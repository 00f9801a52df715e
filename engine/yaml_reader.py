"""YAML text -> plain data and a source map, with YAML's hazards refused.

ruamel.yaml composes the document into nodes, which keep the line and column
of every key and item; we build plain dicts, lists and scalars from the nodes
ourselves, so nothing is ever constructed from a tag, and we can see every
duplicate key, tag and alias on the way.

Every limit is applied before the work it bounds (the file's own limits are in
engine.source): the parser's events are counted as they arrive (nesting depth,
and nodes and characters of text with every alias expanded), so the composer
stops at the first event past a limit, before its recursion or an alias can
multiply anything. Only this module imports ruamel.yaml, and only when a text is
parsed (engine.source imports it on use).
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.parser import Parser

from trinn.engine.errors import Problem
from trinn.engine.source import MAX_DEPTH, MAX_INT, MAX_NODES, MAX_TEXT, Loc, SourceMap, decode_text

__all__ = ["check_shape", "compose_data"]

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


class _LimitError(Exception):
    """A document past one of the limits, at the event that went past it (1-based)."""

    def __init__(self, line: int, column: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message, self.hint = line, column, message, hint

    def problem(self, path: str) -> Problem:
        return Problem(path, self.line, self.column, self.message, self.hint)


class _Shape:
    """What the document will be once composed and expanded, counted one event at a time.

    Each open map or list keeps the nodes, characters and depth it holds so far; when it
    closes with an anchor, an alias to that anchor later adds the same again. Linear in
    the events, and stops at the first one past a limit.
    """

    def __init__(self) -> None:
        self.nodes = 0
        self.text = 0
        # per open collection: anchor, nodes, characters, deepest level below it
        self.open: list[list[Any]] = []
        self.anchors: dict[str, tuple[int, int, int]] = {}

    def see(self, event: Any) -> None:
        if isinstance(event, CollectionStartEvent):
            if len(self.open) >= MAX_DEPTH:
                raise self._past(event, f"nesting is deeper than {MAX_DEPTH} levels", "flatten the document")
            self.open.append([event.anchor, 1, 0, 0])
            self._count(event, 1, 0, 0, aliased=False)
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            anchor, nodes, text, below = self.open.pop()
            if anchor is not None:
                self.anchors[anchor] = (nodes, text, below + 1)
            if self.open:
                parent = self.open[-1]
                parent[1] += nodes
                parent[2] += text
                parent[3] = max(parent[3], below + 1)
        elif isinstance(event, ScalarEvent):
            size = len(event.value)
            if event.anchor is not None:
                self.anchors[event.anchor] = (1, size, 0)
            self._add(event, 1, size, 0, aliased=False)
        elif isinstance(event, AliasEvent):
            # an undefined alias is the composer's to report
            nodes, text, depth = self.anchors.get(event.anchor, (1, 0, 0))
            if len(self.open) + depth > MAX_DEPTH:
                raise self._past(
                    event,
                    f"nesting is deeper than {MAX_DEPTH} levels with aliases expanded",
                    "flatten the document",
                )
            self._add(event, nodes, text, depth, aliased=True)

    def _add(self, event: NodeEvent, nodes: int, text: int, depth: int, *, aliased: bool) -> None:
        if self.open:
            parent = self.open[-1]
            parent[1] += nodes
            parent[2] += text
            parent[3] = max(parent[3], depth)
        self._count(event, nodes, text, depth, aliased=aliased)

    def _count(self, event: NodeEvent, nodes: int, text: int, depth: int, *, aliased: bool) -> None:
        self.nodes += nodes
        self.text += text
        hint = "anchors and aliases may not multiply the document"
        if self.nodes > MAX_NODES:
            if aliased:
                raise self._past(event, f"document expands to more than {MAX_NODES} nodes", hint)
            raise self._past(
                event,
                f"document has more than {MAX_NODES} nodes",
                "keys, values and list items; split what is this big",
            )
        if self.text > MAX_TEXT:  # the file itself holds no more than this: only aliases get here
            raise self._past(event, f"document expands to more than {MAX_TEXT} characters of text", hint)

    @staticmethod
    def _past(event: NodeEvent, message: str, hint: str) -> _LimitError:
        mark = event.start_mark
        return _LimitError(mark.line + 1, mark.column + 1, message, hint)


class _ShapedParser(Parser):
    """ruamel's parser (a state machine, no recursion) with every event counted as it is taken."""

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self.shape = _Shape()

    @property
    def scanner(self) -> Any:
        # ruamel finds it through two properties on every token; it never changes
        found = self.__dict__.get("_found_scanner")
        if found is None:
            found = self.__dict__["_found_scanner"] = self.loader.scanner
        return found

    def get_event(self) -> Any:
        event = super().get_event()
        self.shape.see(event)
        return event


class _AliasSiteComposer(Composer):
    """Remembers where each alias is written: the node it stands for only knows its anchor."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.alias_sites: dict[tuple[int, Any], tuple[int, int]] = {}

    @property
    def parser(self) -> Any:
        # ruamel finds it through two properties, one reading the call stack, about six
        # times a node; it never changes
        found = self.__dict__.get("_found_parser")
        if found is None:
            found = self.__dict__["_found_parser"] = self.loader.parser
        return found

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            mark = self.parser.peek_event().start_mark
            key = (id(parent), id(index) if isinstance(index, Node) else index)
            self.alias_sites[key] = (mark.line + 1, mark.column + 1)
        return super().compose_node(parent, index)


def _yaml() -> YAML:
    # the safe parser: the round-trip one also gathers comments, a third slower, for nothing
    yaml = YAML(typ="safe", pure=True)
    yaml.Parser = _ShapedParser
    yaml.Composer = _AliasSiteComposer
    return yaml


class _ScalarError(ValueError):
    """A scalar that cannot become a value: (message, hint)."""


class _Builder:
    def __init__(self, source_map: SourceMap, alias_sites: dict[tuple[int, Any], tuple[int, int]]):
        self.map = source_map
        self.alias_sites = alias_sites
        self.problems: list[Problem] = []

    def _pos(self, node: Node, site: tuple[int, int] | None = None) -> tuple[int, int]:
        return site or (node.start_mark.line + 1, node.start_mark.column + 1)

    def _add(self, position: tuple[int, int], message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.map.path, position[0], position[1], message, hint))

    def build(self, node: Node, loc: Loc, site: tuple[int, int] | None = None) -> Any:
        """Plain data for `node`; `site` is where an alias standing for it was written.

        The parser has bounded the expanded document (nodes, text, depth) before this runs.
        """
        self.map.values.setdefault(loc, self._pos(node, site))
        tag = str(node.tag)
        if tag not in _ALLOWED_TAGS:
            shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
            self._add(
                self._pos(node, site), f"YAML tag '{shown}' is not allowed", "playbooks hold plain data only"
            )
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [
                self.build(item, (*loc, i), site or self.alias_sites.get((id(node), i)))
                for i, item in enumerate(node.value)
            ]
        assert isinstance(node, ScalarNode)  # the composer makes mappings, sequences and scalars only
        if node.style in ("'", '"'):
            self.map.quoted[loc] = True
        if site is None:
            self.map.spans[loc] = (node.start_mark.index, node.end_mark.index)
        try:
            return _scalar(node)
        except _ScalarError as exc:
            self._add(self._pos(node, site), *exc.args)
            return None

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._add(self._pos(key_node), "a key must be a plain name")
                continue
            try:
                key = str(_scalar(key_node))
            except _ScalarError as exc:
                self._add(self._pos(key_node), *exc.args)
                continue
            if key == "<<":
                self._add(self._pos(key_node), "merge keys ('<<') are not supported", "write the keys out")
                continue
            child = (*loc, key)
            if key in result:
                first = self.map.keys[child][0]
                self._add(self._pos(key_node), f"duplicate key '{key}'", f"first defined on line {first}")
                continue
            self.map.keys[child] = self._pos(key_node)
            result[key] = self.build(value_node, child, self.alias_sites.get((id(node), id(key_node))))
            if isinstance(value_node, ScalarNode) and value_node.value == "" and result[key] is None:
                # `key:` with nothing after it: the empty value's mark is on the next line
                self.map.values[child] = self.map.keys[child]
        return result


def _scalar(node: ScalarNode) -> Any:
    tag, text = str(node.tag), node.value
    if tag == _CORE + "null":
        return None
    if tag == _CORE + "bool":
        return text.lower() == "true"
    if tag == _CORE + "int":
        return _int(text)
    if tag == _CORE + "float":
        lowered = text.lower().replace("_", "")
        if lowered in (".inf", "+.inf"):
            return float("inf")
        if lowered == "-.inf":
            return float("-inf")
        if lowered == ".nan":
            return float("nan")
        return float(lowered)
    if node.style == ">":
        text = text.replace("\a", "")  # the round-trip parser marks the folds of '>' scalars with BEL
    return text  # str and timestamp stay text; the schema parses dates


def _int(text: str) -> int:
    """A YAML whole number that fits 64 bits; a longer one is refused before Python converts it."""
    digits = text.replace("_", "")
    # past 20 significant digits no base fits 64 bits (and Python refuses past 4,300 digits)
    significant = digits.lstrip("+-")
    significant = significant[2:] if significant[:2].lower() in ("0x", "0o", "0b") else significant
    if len(significant.lstrip("0")) <= 64:
        try:
            value = int(digits, 0)  # 0x.., 0o.., 0b.. and plain decimals
        except ValueError:
            value = int(digits, 10)  # leading zeros, which base 0 refuses
        if -MAX_INT - 1 <= value <= MAX_INT:
            return value
    raise _ScalarError("whole number is too large", f"the largest is {MAX_INT}")


_FLOW_OPEN = {"flow mapping": "{", "flow sequence": "["}


def _syntax_problem(path: str, exc: MarkedYAMLError) -> Problem:
    """ruamel's parser messages, said the way a person fixing the file needs them."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = (exc.problem or exc.context or "invalid YAML").strip()
    context = (exc.context or "").strip()
    if "another document" in message:
        return Problem(
            path,
            line,
            col,
            "invalid YAML: a second document starts here",
            "a playbook file holds one document",
        )
    if "'\\t'" in message:
        return Problem(path, line, col, f"invalid YAML: {message}", "indent with spaces, not tabs")
    if "<block end>" in message and "<scalar>" not in message:
        return Problem(path, line, col, "invalid YAML: bad indentation", "keys of one map must line up")
    if "quoted scalar" in context and exc.context_mark is not None:
        start = exc.context_mark
        return Problem(
            path,
            start.line + 1,
            start.column + 1,
            "invalid YAML: unclosed quote",
            "the text starting here has no closing quote",
        )
    for kind, bracket in _FLOW_OPEN.items():
        if context.endswith(kind) and exc.context_mark is not None:
            closing = "}" if bracket == "{" else "]"
            where = "the end of the file" if "<stream end>" in message else f"line {line}, column {col}"
            start = exc.context_mark
            return Problem(
                path,
                start.line + 1,
                start.column + 1,
                f"invalid YAML: unclosed '{bracket}'",
                f"expected ',' or '{closing}' before {where}",
            )
    return Problem(path, line, col, f"invalid YAML: {message}")


def check_shape(text: str | bytes, path: str) -> list[Problem]:
    """Problems that make a YAML file unsafe to hand to any YAML library, with their positions.

    Size, UTF-8, syntax, nesting depth, and nodes and text with every alias expanded, checked
    from the parser's events alone: nothing is composed, so nothing recurses or multiplies.
    For files read by other code (the channels file, read by apprise); parse_yaml applies the
    same limits as it composes.
    """
    decoded, problem = decode_text(text, path)
    if decoded is None:
        return [problem] if problem else []
    yaml = _yaml()
    try:
        for _event in yaml.parse(io.StringIO(decoded)):
            pass
    except _LimitError as exc:
        return [exc.problem(path)]
    except MarkedYAMLError as exc:
        return [_syntax_problem(path, exc)]
    except YAMLError as exc:
        return [Problem(path, 1, 1, f"invalid YAML: {exc}")]
    return []


def compose_data(text: str | bytes, path: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into plain data; problems are returned, never raised.

    A leading byte-order mark is dropped, so a file reads the same with or without one.
    """
    source_map = SourceMap(path)
    decoded, problem = decode_text(text, path)
    if decoded is None:
        return None, source_map, [problem] if problem else []
    yaml = _yaml()
    try:
        node = yaml.compose(io.StringIO(decoded))
    except _LimitError as exc:
        return None, source_map, [exc.problem(path)]
    except MarkedYAMLError as exc:
        return None, source_map, [_syntax_problem(path, exc)]
    except YAMLError as exc:
        return None, source_map, [Problem(path, 1, 1, f"invalid YAML: {exc}")]
    if node is None:
        return None, source_map, [Problem(path, 1, 1, "the file is empty")]
    source_map.text = decoded
    builder = _Builder(source_map, yaml.composer.alias_sites)
    data = builder.build(node, ())
    return data, source_map, builder.problems
