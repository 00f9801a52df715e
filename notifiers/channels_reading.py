"""Reading a channels file within bounds, before apprise sees it.

A regular file (not a device, a pipe, a folder) of at most `MAX_BYTES`, YAML nested at most
`MAX_DEPTH` deep with at most `MAX_NODES` nodes (an alias counts as what it stands for), at
most `MAX_CHANNELS` URLs; `${NAME}` replaced by the environment's value, each such value a
secret to mask.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from trinn.engine.errors import SettingError, os_reason

__all__ = [
    "MAX_BYTES",
    "MAX_CHANNELS",
    "MAX_DEPTH",
    "MAX_NODES",
    "check_yaml",
    "check_yaml_shape",
    "read_channels_file",
    "substitute_environment",
]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MIN_SECRET = 3  # shorter values ('no', 'on') would mask half of every text
# A channels file lists a team's channels: tens, not thousands. apprise takes about 3 ms a URL.
MAX_BYTES = 256 * 1024
MAX_DEPTH = 32  # a channels file nests 4 deep; PyYAML's composer recurses once a level
MAX_NODES = 20_000
MAX_CHANNELS = 500


def read_channels_file(path: Path) -> tuple[str, int]:
    """The file's text and mode: a regular file (not a device, a pipe, a folder) of bounded size."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # /dev/zero would be read for ever, a pipe block
            raise SettingError(f"{path}: not a regular file (a channels file is a YAML file)")
        if info.st_size > MAX_BYTES:
            raise SettingError(f"{path}: the channels file is too large (the limit is {MAX_BYTES} bytes)")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SettingError(f"no channels file at {path} (see `trinn channels --help`)") from None
    except OSError as exc:
        raise SettingError(f"cannot read the channels file {path}: {os_reason(exc)}") from None
    if len(raw) > MAX_BYTES:  # it grew between the look and the read
        raise SettingError(f"{path}: the channels file is too large (the limit is {MAX_BYTES} bytes)")
    try:
        return raw.decode("utf-8"), info.st_mode
    except UnicodeDecodeError:
        raise SettingError(f"cannot read the channels file {path}: not utf-8 text") from None


def check_yaml_shape(text: str, path: Path) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH or expanding past MAX_NODES, before it is built.

    PyYAML (apprise's reader) builds nested collections by recursion, and an alias stands for
    its whole anchored node however often it is used: both are measured here from the parser's
    events, which come one at a time without recursion. It counts with PyYAML, the parser that
    will build the file, rather than with engine.source.check_yaml_shape (ruamel, the playbooks'
    parser), so that what is measured is what apprise builds.
    """
    import yaml

    depth = nodes = 0
    sizes: dict[str, int] = {}  # an anchor's size, in nodes, aliases expanded
    open_anchors: list[tuple[str | None, int]] = []
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                nodes += sizes.get(str(event.anchor), 1)
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                nodes += 1
                open_anchors.append((event.anchor, nodes))
                if depth > MAX_DEPTH:
                    raise SettingError(
                        f"{_at(path, event)}: nested more than {MAX_DEPTH} levels deep "
                        "(a channels file needs 4)"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, start = open_anchors.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - start + 1
            if nodes > MAX_NODES:
                raise SettingError(
                    f"{_at(path, event)}: the channels file expands to more than {MAX_NODES} nodes "
                    "(aliases count as what they stand for)"
                )
    except yaml.YAMLError:
        return  # `check_yaml` says where and what


def _at(path: Path, event: Any) -> str:
    mark = event.start_mark
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)


def substitute_environment(text: str, path: Path) -> tuple[str, set[str]]:
    secrets: set[str] = set()
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("#"):
            continue
        for match in _ENV.finditer(line):
            if match.group(1) not in os.environ:
                raise SettingError(
                    f"{path}:{number}:{match.start() + 1}: environment variable '{match.group(1)}' is not set"
                )
            value = os.environ[match.group(1)]
            if len(value) >= _MIN_SECRET:
                secrets.add(value)
        lines[number - 1] = _ENV.sub(lambda m: os.environ[m.group(1)], line)
    return "\n".join(lines), secrets


def check_yaml(text: str, path: Path, secrets: set[str]) -> None:
    import yaml  # apprise's own YAML reader

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise SettingError(f"{where}: {problem}") from None
    if not isinstance(data, dict) or "urls" not in data:
        raise SettingError(f"{path}: not an apprise YAML file (expected 'urls:' with a list of channels)")
    if isinstance(data["urls"], list) and len(data["urls"]) > MAX_CHANNELS:
        raise SettingError(f"{path}: too many channels: {len(data['urls'])} (the limit is {MAX_CHANNELS})")
