"""Every error trinn raises, in one tree.

    TrinnError
    ├── FileProblemsError    a file has problems; holds every Problem found
    │   ├── PlaybookError    ... a playbook
    │   └── PeopleFileError  ... a people file
    ├── PlaybookIOError      a playbook file that cannot be read at all
    ├── PlaybookNotFoundError  no bundled or local playbook by that id
    ├── ExpressionError      a CEL expression failed to compile or to evaluate
    ├── CommandError         a command on a case that cannot be done (exit status 1)
    │   ├── RefusedError     ... a trigger that may not fire now, with the reasons in words
    │   ├── StaleCaseError   ... the case changed since it was read
    │   └── CaseNotFoundError  ... no case by that id
    ├── StoreError           the database cannot be used: unreachable, not trinn's, too new
    ├── SettingError         a setting that cannot be used: an unknown person in --as
    ├── DiagramError         a diagram that cannot be drawn here (an optional package missing)
    └── CalendarError        a due date that cannot be computed

Foreign exceptions (ruamel, pydantic, the CEL binding) are translated once,
where they enter, into these; callers never see the foreign ones.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from trinn.engine.i18n import gettext as _

__all__ = [
    "MAX_PROBLEMS",
    "CalendarError",
    "CaseNotFoundError",
    "CommandError",
    "DiagramError",
    "ExpressionError",
    "FileProblemsError",
    "PeopleFileError",
    "PlaybookError",
    "PlaybookIOError",
    "PlaybookNotFoundError",
    "Problem",
    "RefusedError",
    "SettingError",
    "StaleCaseError",
    "StoreError",
    "TrinnError",
    "choice_hint",
    "did_you_mean",
    "os_reason",
    "said_moment",
]


# a file with more problems than this says how many more: the first ones are what to fix
MAX_PROBLEMS = 100


class TrinnError(Exception):
    """The base of every error trinn raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in a file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class FileProblemsError(TrinnError):
    """A file that cannot be used, with all of its problems sorted by position."""

    def __init__(self, path: str, problems: Iterable[Problem]) -> None:
        self.path = path
        found = sorted(set(problems))
        self.problems = found[:MAX_PROBLEMS]  # the first ones, by position
        self.more = len(found) - len(self.problems)  # and how many past them
        super().__init__(self.report())

    def counted(self) -> str:
        """How many errors, in words: `2 errors`."""
        count = len(self.problems) + self.more
        return f"{count} error{'s' if count != 1 else ''}"

    def summary(self) -> str:
        return f"{self.counted()} in {self.path}"

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(f"... and {self.more} more problem{'s' if self.more != 1 else ''}")
        return "\n".join([*lines, self.summary()])


class PlaybookError(FileProblemsError):
    """A playbook with problems."""


class PeopleFileError(FileProblemsError):
    """A people file with problems."""


class PlaybookIOError(TrinnError):
    """A playbook file that cannot be read at all."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(f"cannot read {path}: {reason}")


class PlaybookNotFoundError(TrinnError):
    """Neither a readable file nor a known playbook id."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        hint = did_you_mean(name, known)
        super().__init__(_("no playbook '{name}'").format(name=name) + (f" ({hint})" if hint else ""))


class ExpressionError(TrinnError):
    """A CEL expression that does not compile, names something unknown, or fails to run.

    `column` is 1-based within the expression text, 0 when unknown.
    """

    def __init__(self, message: str, column: int = 0, hint: str = "") -> None:
        self.message = message
        self.column = column
        self.hint = hint
        super().__init__(message + (f" ({hint})" if hint else ""))


class CommandError(TrinnError):
    """A command on a case that cannot be done as asked; nothing was written.

    `case_id` is set when the command named a case, and the message then starts
    with `case N: `. What the refusal is about is kept for the UIs to read (never to be
    parsed out of the message): `fields`, each field it is about with its problem in
    words ('' when the field is missing); `task` and `trigger`, the task or trigger it names.
    """

    def __init__(
        self,
        message: str,
        case_id: int | None = None,
        *,
        fields: Mapping[str, str] | None = None,
        task: str | None = None,
        trigger: str | None = None,
    ) -> None:
        self.message = message
        self.case_id = case_id
        self.fields: dict[str, str] = dict(fields or {})
        self.task = task
        self.trigger = trigger
        super().__init__(self._text())

    def _text(self) -> str:
        if self.case_id is None:
            return self.message
        return _("case {case}: {message}").format(case=self.case_id, message=self.message)

    def for_case(self, case_id: int) -> CommandError:
        """The same error, said about `case_id` (raised where the case is known)."""
        if self.case_id is None:
            self.case_id = case_id
            self.args = (self._text(),)
        return self


class RefusedError(CommandError):
    """A trigger that may not fire now; `reasons` says why, one line per transition.

    `explained` holds the raw guards that are false with the values they read, for designers.
    `moved_by` and `moved_at` are set when the trigger does not lead out of the case's state
    because someone else moved the case meanwhile: the losing side of a race is told so, with
    the state's title (`state_title`) and the moment on the playbook's clock (`zone`).
    """

    def __init__(
        self,
        trigger: str,
        state: str,
        reasons: list[str],
        *,
        moved_by: str | None = None,
        moved_at: dt.datetime | None = None,
        zone: str | None = None,
        state_title: str | None = None,
        trigger_title: str | None = None,
        explained: list[str] | None = None,
    ) -> None:
        self.state = state
        self.reasons = reasons
        self.explained = explained or []
        self.moved_by = moved_by
        self.moved_at = moved_at
        if moved_by is not None and moved_at is not None:
            said = _("«{trigger}» is no longer possible: {who} moved the case to «{state}» at {at}")
            message = said.format(
                trigger=trigger_title or trigger,
                who=moved_by,
                state=state_title or state,
                at=said_moment(moved_at, zone),
            )
            message += f" ({'; '.join(reasons)})" if reasons else ""
        else:
            message = _("cannot «{trigger}» in «{state}» ({reasons})").format(
                trigger=trigger_title or trigger, state=state_title or state, reasons="; ".join(reasons)
            )
        super().__init__(message, trigger=trigger)


class StaleCaseError(CommandError):
    """The case changed after the command read it: someone else acted first.

    `by` says who (a name where the people file has one), `changed_at` when, and `at` that
    moment as the reader says it, on the clock of `zone` (the playbook's)."""

    def __init__(self, case_id: int, by: str, changed_at: dt.datetime, zone: str | None = None) -> None:
        self.by = by
        self.changed_at = changed_at
        self.at = said_moment(changed_at, zone)
        super().__init__(
            _("was changed by {by} at {at}; reload and try again").format(by=by, at=self.at), case_id
        )

    def _text(self) -> str:
        return _("case {case} was changed by {by} at {at}; reload and try again").format(
            case=self.case_id, by=self.by, at=self.at
        )


def said_moment(moment: dt.datetime, zone: str | None = None) -> str:
    """A stored moment as the engine's reader says it: '2. februar 2026 09:05', on the wall
    clock of `zone` (a playbook's), else of the reader's language's country; never bare UTC
    text a coordinator must convert."""
    from trinn.engine.i18n import language
    from trinn.engine.template import local_moment

    return local_moment(moment, language(), zone)


class CaseNotFoundError(CommandError):
    """No case by that id."""

    def __init__(self, case_id: object) -> None:
        super().__init__(_("no case '{case}'").format(case=case_id))
        self.missing = case_id

    def for_case(self, case_id: int) -> CommandError:
        return self  # the message names the case already


class StoreError(TrinnError):
    """The database cannot be used: unreachable, not a trinn database, or a newer schema."""


class SettingError(TrinnError):
    """A setting that cannot be used, such as `--as` naming nobody in the people file."""


class CalendarError(TrinnError):
    """A due date that cannot be computed: unknown language, naive time, bad duration."""


class DiagramError(TrinnError):
    """A diagram that cannot be drawn here (a missing optional package)."""


def did_you_mean(name: str, choices: Iterable[str], *, list_if_few: int = 0) -> str:
    """A hint naming the closest valid choice, or the valid choices when they are few."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return _("did you mean '{name}'?").format(name=close[0])
    if options and len(options) <= list_if_few:
        return _("expected one of {options}").format(options=", ".join(f"'{o}'" for o in options))
    return ""


def choice_hint(name: str, choices: Iterable[str | None]) -> str:
    """`did_you_mean` as the end of a refusal: " (hint)", or nothing when there is none."""
    hint = did_you_mean(name, [c for c in choices if c is not None], list_if_few=8)
    return f" ({hint})" if hint else ""


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, as trinn's messages say it: the system's words
    (`permission denied`), lowercase first, without the errno and path its text repeats."""
    reason = exc.strerror or str(exc)
    return reason[:1].lower() + reason[1:]
