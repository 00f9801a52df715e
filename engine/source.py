"""YAML text -> plain data and a source map, with YAML's hazards refused.

ruamel.yaml composes the document into nodes, which keep the line and column
of every key and item; we build plain dicts, lists and scalars from the nodes
ourselves, so nothing is ever constructed from a tag, and we can see every
duplicate key, tag and alias on the way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trinn.engine.errors import Problem

__all__ = ["MAX_BYTES", "MAX_NODES", "Loc", "SourceMap", "parse_yaml", "read_capped"]

MAX_BYTES = 1024 * 1024
# a large real playbook has a few thousand nodes; aliases may not blow this up
MAX_NODES = 50_000

Loc = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of the document starts, 1-based."""

    path: str
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    quoted: dict[Loc, bool] = field(default_factory=dict)
    spans: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    text: str = ""

    def value(self, loc: Loc) -> tuple[int, int]:
        """Position of the value at `loc`, or of its nearest enclosing value."""
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, (1, 1))

    def key(self, loc: Loc) -> tuple[int, int]:
        """Position of the key that names `loc` (falls back to the value)."""
        return self.keys.get(loc) or self.value(loc)

    def position_in(self, loc: Loc, value: str, offset: int) -> tuple[int, int]:
        """Where character `offset` (0-based) of the scalar `value` at `loc` is in the file.

        The raw text may differ from the value (quotes, escapes, block indentation,
        folded lines), so the value's characters are matched into it in order.
        """
        span = self.spans.get(loc)
        if span is None or not self.text:
            line, column = self.value(loc)
            return line, column + int(self.quoted.get(loc, False)) + offset
        raw = self.text[span[0] : span[1]]
        past_end = offset >= len(value)  # "unexpected end": just after the last character
        i = 0
        for char in value[: offset + 1]:
            found = raw.find(char, i)
            if found < 0:  # an escape we cannot follow: fall back to the start
                return self.value(loc)
            i = found + 1
        index = span[0] + i - 1 + past_end
        line = self.text.count("\n", 0, index) + 1
        return line, index - (self.text.rfind("\n", 0, index) + 1) + 1

    def problem(self, loc: Loc, message: str, hint: str = "", *, at_key: bool = False) -> Problem:
        line, column = self.key(loc) if at_key else self.value(loc)
        return Problem(self.path, line, column, message, hint)


class _AliasSiteComposer(Composer):
    """Remembers where each alias is written: the node it stands for only knows its anchor."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.alias_sites: dict[tuple[int, Any], tuple[int, int]] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            mark = self.parser.peek_event().start_mark
            key = (id(parent), id(index) if isinstance(index, Node) else index)
            self.alias_sites[key] = (mark.line + 1, mark.column + 1)
        return super().compose_node(parent, index)


class _Builder:
    def __init__(self, source_map: SourceMap, alias_sites: dict[tuple[int, Any], tuple[int, int]]):
        self.map = source_map
        self.alias_sites = alias_sites
        self.problems: list[Problem] = []
        self.count = 0
        self.too_big = False

    def _pos(self, node: Node, site: tuple[int, int] | None = None) -> tuple[int, int]:
        return site or (node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, loc: Loc, site: tuple[int, int] | None = None) -> Any:
        """Plain data for `node`; `site` is where an alias standing for it was written."""
        self.count += 1
        if self.count > MAX_NODES:
            if not self.too_big:
                self.too_big = True
                line, col = self._pos(node, site)
                self.problems.append(
                    Problem(
                        self.map.path,
                        line,
                        col,
                        f"document expands to more than {MAX_NODES} nodes",
                        "anchors and aliases may not multiply the document",
                    )
                )
            return None
        self.map.values.setdefault(loc, self._pos(node, site))
        tag = str(node.tag)
        if tag not in _ALLOWED_TAGS:
            line, col = self._pos(node, site)
            shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
            self.problems.append(
                Problem(
                    self.map.path,
                    line,
                    col,
                    f"YAML tag '{shown}' is not allowed",
                    "playbooks hold plain data only",
                )
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
        return _scalar(node)

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                line, col = self._pos(key_node)
                self.problems.append(Problem(self.map.path, line, col, "a key must be a plain name"))
                continue
            key = str(_scalar(key_node))
            if key == "<<":
                line, col = self._pos(key_node)
                self.problems.append(
                    Problem(
                        self.map.path, line, col, "merge keys ('<<') are not supported", "write the keys out"
                    )
                )
                continue
            child = (*loc, key)
            if key in result:
                line, col = self._pos(key_node)
                first = self.map.keys[child][0]
                self.problems.append(
                    Problem(
                        self.map.path, line, col, f"duplicate key '{key}'", f"first defined on line {first}"
                    )
                )
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
        digits = text.replace("_", "")
        try:
            return int(digits, 0)  # 0x.., 0o.., 0b.. and plain decimals
        except ValueError:
            return int(digits, 10)  # leading zeros, which base 0 refuses
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
        text = text.replace("\a", "")  # ruamel marks the folds of '>' scalars with BEL
    return text  # str and timestamp stay text; the schema parses dates


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


def read_capped(path: Path) -> bytes:
    """A file's bytes, reading at most one byte past the limit: parse_yaml refuses the rest.

    Raises OSError when the file cannot be read; callers say so in their own terms.
    """
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)


def parse_yaml(text: str | bytes, path: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into plain data; problems are returned, never raised."""
    source_map = SourceMap(path)
    if len(text.encode() if isinstance(text, str) else text) > MAX_BYTES:
        return None, source_map, [Problem(path, 1, 1, "file is too large", f"the limit is {MAX_BYTES} bytes")]
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            return (
                None,
                source_map,
                [Problem(path, line, column, "file is not valid UTF-8", f"bad byte at offset {exc.start}")],
            )
    yaml = YAML(typ="rt")
    yaml.Composer = _AliasSiteComposer
    try:
        node = yaml.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        return None, source_map, [_syntax_problem(path, exc)]
    except YAMLError as exc:
        return None, source_map, [Problem(path, 1, 1, f"invalid YAML: {exc}")]
    if node is None:
        return None, source_map, [Problem(path, 1, 1, "the file is empty")]
    source_map.text = text
    builder = _Builder(source_map, yaml.composer.alias_sites)
    data = builder.build(node, ())
    return data, source_map, builder.problems
