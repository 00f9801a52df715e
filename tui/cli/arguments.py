"""How a value given on the command line is read (a case id, FIELD=VALUE, a note, `--now`), and
trinn's errors as an exit status: what every command shares, with no typer behind it, so that a
command run without typer (tui/cli/quick.py) reads its values as the typer one does.

A refused command (wrong state, role, guard, value, a stale version) exits 1;
a problem with the set-up (database, people file, playbook file) exits 2.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from trinn.engine.errors import CommandError, FileProblemsError, TrinnError
from trinn.engine.i18n import LANGUAGES
from trinn.engine.values import MAX_NOTE, ValueProblem, check_text, parse_moment
from trinn.tui.cli.output import fail

if TYPE_CHECKING:
    from trinn.engine.service import Service
    from trinn.tui.cli.settings import Settings

__all__ = [
    "case_id",
    "errors",
    "language_for",
    "moment",
    "note_option",
    "now_option",
    "pairs",
    "plain_option",
    "service_of",
]

MAX_ID = 2**63 - 1  # the largest id both databases store
_CASE_ID = re.compile(r"#?[0-9]+")  # ASCII digits: str.isdigit() takes '²' and '١' too


@contextmanager
def errors() -> Iterator[None]:
    """trinn's errors as one line and an exit status."""
    try:
        yield
    except CommandError as exc:
        raise fail(str(exc), 1) from exc
    except FileProblemsError as exc:
        raise fail(exc.report(), 2) from exc
    except TrinnError as exc:
        raise fail(str(exc), 2) from exc


@contextmanager
def service_of(settings: Settings) -> Iterator[Service]:
    """The service of a command, with trinn's errors as an exit status."""
    with errors():
        yield settings.service()


def pairs(items: list[str] | None) -> dict[str, Any]:
    """FIELD=VALUE arguments; FIELD=@PATH gives a file field the file at PATH (read here, within
    the largest size a playbook takes), a field of another type the text `@PATH` as typed."""
    from trinn.engine.files import read_upload

    values: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise fail(f"expected field=value, got '{item}'")
        values[name.strip()] = read_upload(value) if value.startswith("@") and len(value) > 1 else value
    return values


def case_id(text: str) -> int:
    if not _CASE_ID.fullmatch(text):
        raise fail(f"'{text}' is not a case id (a case id is a number, as `trinn cases` shows)")
    digits = text.lstrip("#")
    if len(digits) > 19 or int(digits) > MAX_ID:  # beyond any database id: no such case, no crash
        raise fail(f"no case '{text}'", 1)
    return int(digits)


def plain_option(value: str | None, option: str, *, lines: bool = False, limit: int = 1_000) -> str | None:
    """A text option as trinn keeps it (engine.values.check_text), or a usage error naming it:
    a filter, a note or a name with a control character or bytes that are not UTF-8 is refused
    before it reaches the database (where it would end in an encoding error)."""
    if value is None:
        return None
    try:
        return check_text(value, lines=lines, limit=limit)
    except ValueProblem as problem:
        raise fail(f"{option}: {problem}") from None


def now_option(text: str | None) -> dt.datetime | None:
    """`--now` as every command reads it (engine.values.parse_moment), or a usage error."""
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueProblem as problem:
        raise fail(str(problem)) from None


def moment(text: str | None) -> dt.datetime:
    """`--now` read the one way every command reads it, else the wall clock."""
    return now_option(text) or dt.datetime.now(dt.UTC)


def note_option(note: str | None) -> str | None:
    return plain_option(note, "--note", lines=True, limit=MAX_NOTE)


def language_for(settings: Settings, spec_language: str) -> str:
    return settings.language if settings.language in LANGUAGES else spec_language
