"""Playbook files as text and positions: reading within limits, and the map back to line:col.

A file is read only if it is a regular file, and never past MAX_BYTES; its text is
UTF-8 without a byte-order mark. The YAML itself is composed by engine.yaml_reader
(ruamel.yaml), imported only when a text is parsed: a command whose playbook comes
from the playbook cache never loads the YAML library.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trinn.engine.errors import Problem

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_NODES",
    "MAX_TEXT",
    "Loc",
    "SourceMap",
    "check_yaml_shape",
    "decode_text",
    "parse_yaml",
    "read_capped",
    "strip_bom",
]

MAX_BYTES = 1024 * 1024
# nodes (keys, values and list items) with every alias expanded: the largest bundled
# playbook has about 1,000; ruamel's pure-Python parser takes ~50 us a node, so this
# also bounds parsing to about a second
MAX_NODES = 20_000
# characters of scalar text once every alias is expanded: no more than a file may hold
MAX_TEXT = MAX_BYTES
# maps and lists inside each other; real playbooks nest fewer than 10 deep, and the
# composer and the builder recurse once (or twice) per level
MAX_DEPTH = 64
# a whole number must fit 64 bits, like CEL's int and the database's integer
MAX_INT = 2**63 - 1

_BOM = b"\xef\xbb\xbf"

Loc = tuple[str | int, ...]


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


def read_capped(path: Path, limit: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, reading at most one byte past `limit`: parse_yaml refuses the rest.

    A folder, a device (/dev/zero) or a FIFO is refused before anything is read; the FIFO is
    opened without waiting for a writer. Raises OSError when the file cannot be read;
    callers say so in their own terms.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        return handle.read(limit + 1)


def strip_bom(raw: bytes) -> bytes:
    """The bytes without a UTF-8 byte-order mark: it says nothing, and some editors add it."""
    return raw[len(_BOM) :] if raw.startswith(_BOM) else raw


def decode_text(text: str | bytes, path: str) -> tuple[str | None, Problem | None]:
    """The text of a YAML file within MAX_BYTES, as UTF-8 without a byte-order mark, or why not."""
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    if size > MAX_BYTES:
        return None, Problem(path, 1, 1, "file is too large", f"the limit is {MAX_BYTES} bytes")
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            return None, Problem(
                path, line, column, "file is not valid UTF-8", f"bad byte at offset {exc.start}"
            )
    return text.removeprefix("\ufeff"), None


def check_yaml_shape(text: str | bytes, path: str) -> list[Problem]:
    """Problems that make a YAML file unsafe to hand to any YAML library, with their positions
    (see engine.yaml_reader.check_shape)."""
    from trinn.engine.yaml_reader import check_shape

    return check_shape(text, path)


def parse_yaml(text: str | bytes, path: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into plain data; problems are returned, never raised
    (see engine.yaml_reader.compose_data)."""
    from trinn.engine.yaml_reader import compose_data

    return compose_data(text, path)
