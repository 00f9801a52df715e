"""A form's answers from a JSON file (`trinn form CASE FORM --file answers.json`): read within
bounds, whatever the file holds, its values left to the fields' own checks.

A file field's answer is `{"path": "scan.pdf"}`, a path relative to the answers file's folder
(or absolute, or `~/...`): the file is read as `FIELD=@PATH` reads it on the command line, and
checked by its field the same way (size, kind sniffed from its bytes, name cut to its last
part). An object, not the command line's `@`: a JSON text value is always text, so answers a
script writes from other people's words never make trinn read a file.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from trinn.engine.errors import os_reason
from trinn.engine.values import ValueProblem, check_text
from trinn.tui.cli.output import fail

__all__ = ["MAX_ANSWERS_BYTES", "MAX_ANSWERS_DEPTH", "read_answers"]

MAX_ANSWERS_BYTES = 1024 * 1024  # a form's answers file (--file)
MAX_ANSWERS_DEPTH = 8  # nesting of its arrays and objects (answers need 2: an object of lists)


def read_answers(file: Path) -> dict[str, Any]:
    """A form's answers from a JSON file: read within bounds, its values left to the fields'
    own checks (a NaN or a 5,000-digit number is the field's problem, said with its name)."""
    text = _bounded_text(file)
    depth = _nesting(text)
    if depth > MAX_ANSWERS_DEPTH:
        raise fail(f"{file} nests arrays or objects {depth} deep (answers need at most {MAX_ANSWERS_DEPTH})")
    try:
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise fail(f"{file} is not JSON: {exc}") from exc
    except _TooLongError as exc:
        raise fail(
            f"{file}: a number of {exc.args[0]} digits (a field holds at most 15 before the decimal mark)"
        ) from exc
    if not isinstance(data, dict):
        raise fail(f"{file} must hold a JSON object of field: value")
    return {name: _file_named(file, name, value) for name, value in data.items()}


def _file_named(file: Path, name: str, value: Any) -> Any:
    """`value` as given, or, for `{"path": PATH}`, the file at PATH (relative to `file`'s folder)
    as an upload its field checks (engine.files)."""
    from trinn.engine.files import upload_at

    if not isinstance(value, dict) or "path" not in value:
        return value  # a stored file's value written back is the field's to check
    path = value["path"]
    if set(value) != {"path"} or not isinstance(path, str) or not path.strip():
        raise fail(f'{file}: field \'{name}\': a file is given as {{"path": "FILE"}} and nothing else')
    try:
        check_text(path, limit=4096)  # NUL or half a surrogate would end open() in a ValueError
    except ValueProblem as problem:
        raise fail(f"{file}: field '{name}': the path: {problem}") from None
    where = Path(path).expanduser()
    return upload_at(where if where.is_absolute() else file.parent / where)


def _bounded_text(file: Path) -> str:
    """The file's text: a regular file of at most MAX_ANSWERS_BYTES of UTF-8 (a leading byte-order
    mark allowed), checked before reading, so /dev/zero or a fifo is refused, not read for ever."""
    try:
        with file.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise fail(f"cannot read {file}: not a regular file")
            data = handle.read(MAX_ANSWERS_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read {file}: {os_reason(exc)}") from exc
    if len(data) > MAX_ANSWERS_BYTES:
        raise fail(f"{file} is larger than {MAX_ANSWERS_BYTES // 1024} KiB (answers are smaller)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"{file} is not UTF-8 (byte {exc.start + 1} cannot be read)") from exc


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in JSON text, counted without parsing (json.loads
    recurses: a 100,000-deep array would end in RecursionError)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class _TooLongError(ValueError):
    pass


def _json_int(digits: str) -> int | str:
    if len(digits) > 400:  # int() stops at 4,300 digits with a ValueError of its own
        raise _TooLongError(len(digits.lstrip("-")))
    return int(digits)


def _json_float(written: str) -> float | str:
    # 1e309 is infinite as a float: the field is told what was written, and refuses it
    if len(written) > 400:
        raise _TooLongError(len(written))
    number = float(written)
    return number if number not in (float("inf"), float("-inf")) else written
