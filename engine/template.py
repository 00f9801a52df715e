"""Message templates: Jinja2 in its immutable sandbox, names checked when a playbook loads.

A template can read the case's fields and a few names about the case (below);
it cannot call into Python, change anything, or reach the file system. The
names a template uses are checked against the playbook the way guards are, so
a misspelt field is a `file:line:col` error when the playbook loads rather
than an empty hole in a message already sent. Jinja2 is imported on first use:
commands that only list cases never pay for it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.errors import did_you_mean

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = ["CASE_MEMBERS", "TEMPLATE_NAMES", "TemplateProblem", "check_template", "render"]

# What a template may name besides the playbook's fields (a field of the same id hides it).
TEMPLATE_NAMES = {
    "case": "the case: case.id, case.subject, case.state, case.state_title, case.playbook, "
            "case.opened_at, case.opened_by",
    "state": "the current state id",
    "state_title": "the current state's title",
    "tasks": "the open tasks of the current state: each with .title, .role, .due, .item",
    "summary": "the case in a few lines: subject, state, fields and open tasks (no links)",
    "actor": "who acted",
    "now": "the time the message was made (YYYY-MM-DD HH:MM UTC)",
    "count": "how many times a reminder has been sent (1 the first time)",
}
CASE_MEMBERS = ("id", "subject", "state", "state_title", "playbook", "opened_at", "opened_by")
_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "elif", "endif", "for",
                       "endfor", "true", "false", "none", "True", "False", "None", "loop",
                       "set", "endset", "recursive", "with", "without", "context", "ignore",
                       "missing", "import", "as", "from", "include", "block", "endblock",
                       "filter", "endfilter", "macro", "endmacro", "call", "endcall",
                       "raw", "endraw", "extends"})


@dataclass(frozen=True)
class TemplateProblem:
    """A problem at character `offset` (0-based) of a template's text."""

    offset: int
    message: str
    hint: str = ""


@functools.cache
def _environment() -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # autoescape off: messages are plain text, and an e-mail body is not HTML
    return ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=False,
                                         finalize=_shown)


def _shown(value: Any) -> Any:
    """An unset field prints as nothing, a list as its items: never 'None' or "['a', 'b']"."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join("" if v is None else str(v) for v in value)
    return value


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> Template:
    return _environment().from_string(text)


def check_template(text: str, names: Iterable[str]) -> list[TemplateProblem]:
    """Syntax errors and unknown names of `text`, each at its offset in the text."""
    from jinja2 import TemplateSyntaxError, meta

    env = _environment()
    try:
        parsed = env.parse(text)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(_line_offset(text, exc.lineno or 1),
                                f"invalid template: {(exc.message or 'syntax error').rstrip('.')}")]
    known = set(names)
    tokens = _name_tokens(text)
    problems = []
    for name in sorted(meta.find_undeclared_variables(parsed) - known):
        offset = next((t.offset for t in tokens if t.name == name and not t.member), 0)
        problems.append(TemplateProblem(offset, f"unknown name '{name}'",
                                        did_you_mean(name, known, list_if_few=8)))
    if "case" in known:
        for token in tokens:
            if token.member and token.owner == "case" and token.name not in CASE_MEMBERS:
                problems.append(TemplateProblem(token.offset, f"unknown case property '{token.name}'",
                                                did_you_mean(token.name, CASE_MEMBERS,
                                                             list_if_few=8)))
    return sorted(problems, key=lambda p: p.offset)


@dataclass(frozen=True)
class _NameToken:
    name: str
    offset: int
    member: bool  # after a dot, a filter bar or 'is': not a variable
    owner: str | None  # the name before the dot, for `case.x`


def _name_tokens(text: str) -> list[_NameToken]:
    """Every name token of the template's code, with its offset in `text`."""
    lexer = _environment().lexer
    result: list[_NameToken] = []
    offset = 0
    previous: list[tuple[str, str]] = []
    for _lineno, kind, value in lexer.tokeniter(text, None):
        if kind == "name" and value not in _KEYWORDS:
            last = previous[-1] if previous else ("", "")
            member = last[1] in (".", "|", "is")
            owner = previous[-2][1] if last[1] == "." and len(previous) >= 2 else None
            result.append(_NameToken(value, offset, member, owner))
        if kind != "whitespace":
            previous.append((kind, value))
        offset += len(value)
    return result


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    return offset


_YES_NO = {"nb": ("ja", "nei"), "da": ("ja", "nej"), "en": ("yes", "no")}


def render(text: str, variables: Mapping[str, Any], language: str) -> str:
    """`text` rendered with `variables`; raises ValueError with a one-line reason."""
    from jinja2 import TemplateError

    yes, no = _YES_NO.get(language, _YES_NO["en"])
    shown = {name: (yes if value is True else no if value is False else value)
             for name, value in variables.items()}
    try:
        return _compiled(text).render(shown)
    except TemplateError as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    except (TypeError, ArithmeticError, AttributeError, LookupError) as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
