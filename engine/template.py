"""Message templates: Jinja2 in its immutable sandbox, names checked when a playbook loads.

A template can read the case's fields and a few names about the case (below);
it cannot call into Python, change anything, or reach the file system. The
names a template uses are checked against the playbook the way guards are, so
a misspelt field is a `file:line:col` error when the playbook loads rather
than an empty hole in a message already sent. Jinja2 and Babel are imported on
first use: commands that only list cases never pay for them.

A field prints the way a reader of the playbook's language expects it: a
choice as its option label, a number, an amount or a date in the local
format, a yes/no in words, an unset field as nothing. The stored value stays
reachable as `case.raw.<field>` (the option id, the plain number, the ISO date),
for comparisons such as `{% if case.raw.vedtak == 'underkjent' %}`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trinn.engine.errors import did_you_mean
from trinn.engine.field_types import CHOICE_TYPES, FieldType
from trinn.engine.limits import DEFAULT_LIMITS, Limits
from trinn.engine.moments import moment_of
from trinn.engine.text import localize, yes_no

if TYPE_CHECKING:
    from babel import Locale
    from jinja2 import Template

    from trinn.engine.sandbox import BoundedEnvironment
    from trinn.engine.spec import FieldSpec

__all__ = [
    "CASE_MEMBERS",
    "TEMPLATE_NAMES",
    "TemplateProblem",
    "check_template",
    "form_link_calls",
    "local_date",
    "local_moment",
    "locale_of",
    "names_read",
    "render",
    "shown_value",
    "variables_read",
]

# What a template may name besides the playbook's fields (a field of the same id hides it).
TEMPLATE_NAMES = {
    "case": "the case: case.id, case.subject, case.state, case.state_title, case.playbook, "
    "case.opened_at, case.opened_by, and case.raw.<field>: a field's stored value",
    "state": "the current state id",
    "state_title": "the current state's title",
    "tasks": "the open tasks of the current state: each with .title, .role, .due, .item",
    "summary": "the case in a few lines: subject, state, fields and open tasks (no links)",
    "form_link": "form_link('id'): the signed address of the case's public form 'id' (`trinn serve`); "
    "form_link('id', item) for one item's record of a form a for_each task fills",
    "actor": "who acted",
    "now": "the time the message was made, on the local clock (e.g. '2. februar 2026 09:05')",
    "count": "how many times a reminder has been sent (1 the first time)",
}
CASE_MEMBERS = ("id", "subject", "state", "state_title", "playbook", "opened_at", "opened_by", "raw")
_KEYWORD_TEXT = (
    "and or not in is if else elif endif for endfor true false none True False None loop set "
    "endset recursive with without context ignore missing import as from include block "
    "endblock filter endfilter macro endmacro call endcall raw endraw extends"
)
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())


@dataclass(frozen=True)
class TemplateProblem:
    """A problem at character `offset` (0-based) of a template's text."""

    offset: int
    message: str
    hint: str = ""


@functools.cache
def _environment(language: str = "en") -> BoundedEnvironment:
    from trinn.engine.sandbox import BoundedEnvironment

    # autoescape off: messages are plain text, and an e-mail body is not HTML
    return BoundedEnvironment(
        autoescape=False, keep_trailing_newline=False, finalize=functools.partial(_shown, language=language)
    )


def _shown(value: Any, language: str) -> Any:
    """An unset field prints as nothing, a list as its items, a yes/no in words.

    Booleans stay booleans until printed, so `{% if flag %}` tests the value, not a word.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value, language)
    if isinstance(value, list | tuple):
        return ", ".join(str(_shown(v, language)) for v in value)
    return value


@functools.lru_cache(maxsize=512)
def _compiled(text: str, language: str) -> Template:
    return _environment(language).from_string(text)


def check_template(text: str, names: Iterable[str], limits: Limits = DEFAULT_LIMITS) -> list[TemplateProblem]:
    """Syntax errors, unknown names and constant parts past one of `limits` (the playbook's
    caps) of `text`, each at its offset in the text."""
    from jinja2 import TemplateSyntaxError, meta

    env = _environment()
    try:
        parsed = env.parse(text)
    except TemplateSyntaxError as exc:
        return [
            TemplateProblem(
                _line_offset(text, exc.lineno or 1),
                f"invalid template: {(exc.message or 'syntax error').rstrip('.')}",
            )
        ]
    from trinn.engine.sandbox import constant_problems, recursive_macros

    problems = [
        TemplateProblem(_line_offset(text, line), message, "write a smaller constant")
        for line, message in constant_problems(parsed, limits)
    ]
    problems += [
        TemplateProblem(_line_offset(text, line), f"macro '{name}' calls itself", "macros may not recurse")
        for line, name in recursive_macros(parsed)
    ]
    known = set(names)
    fields = sorted(known - set(TEMPLATE_NAMES))
    tokens = _name_tokens(text)
    for name in sorted(meta.find_undeclared_variables(parsed) - known):
        offset = next((t.offset for t in tokens if t.name == name and not t.member), 0)
        problems.append(
            TemplateProblem(offset, f"unknown name '{name}'", did_you_mean(name, known, list_if_few=8))
        )
    if "case" in known:
        # `case.x` names a property of the case, `raw.x` a field: each must be one
        members: dict[str | None, tuple[str, Collection[str]]] = {
            "case": ("case property", CASE_MEMBERS),
            "raw": ("field", fields),
        }
        for token in tokens:
            what, allowed = members.get(token.owner, ("", ())) if token.member else ("", ())
            if what and token.name not in allowed:
                problems.append(
                    TemplateProblem(
                        token.offset,
                        f"unknown {what} '{token.name}'",
                        did_you_mean(token.name, allowed, list_if_few=8),
                    )
                )
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


@functools.lru_cache(maxsize=512)
def variables_read(text: str) -> frozenset[str] | None:
    """The names rendering `text` looks up (Jinja's own analysis); None if it does not parse."""
    from jinja2 import TemplateSyntaxError, meta

    try:
        return frozenset(meta.find_undeclared_variables(_environment().parse(text)))
    except TemplateSyntaxError:
        return None


def names_read(text: str) -> set[str]:
    """The names a (checked) template reads: its variables, and the fields it reads as `raw.x`."""
    return {token.name for token in _name_tokens(text) if not token.member or token.owner == "raw"}


def form_link_calls(text: str) -> list[tuple[int, str | None, bool]]:
    """Each `form_link(...)` of a template: its offset, the form id when it is given as one
    quoted string (None otherwise: the checks then cannot tell which form it links to), and
    whether an item follows it (`form_link('id', item)`)."""
    import ast

    from jinja2 import TemplateSyntaxError

    tokens: list[tuple[int, str, str]] = []
    offset = 0
    try:
        for _lineno, kind, value in _environment().lexer.tokeniter(text, None):
            if kind != "whitespace":
                tokens.append((offset, kind, value))
            offset += len(value)
    except TemplateSyntaxError:
        return []  # check_template reports it
    calls: list[tuple[int, str | None, bool]] = []
    for i, (at, kind, value) in enumerate(tokens):
        if kind != "name" or value != "form_link" or (i and tokens[i - 1][2] in (".", "|", "is")):
            continue
        following = [(k, v) for _at, k, v in tokens[i + 1 : i + 4]]
        if (
            len(following) == 3
            and following[0][1] == "("
            and following[1][0] == "string"
            and following[2][1] in (")", ",")
        ):
            calls.append((at, str(ast.literal_eval(following[1][1])), following[2][1] == ","))
        else:
            calls.append((at, None, False))
    return calls


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    return offset


_LOCALES = {"nb": "nb_NO", "da": "da_DK", "en": "en_GB"}
# A money field has no currency of its own: it is the currency of the playbook's country.
_CURRENCIES = {"nb": "NOK", "da": "DKK"}


def shown_value(field: FieldSpec, value: Any, language: str, zone: str | None = None) -> Any:
    """`value` of `field` as a reader of `language` expects it; None when it is unset.
    `zone`: the playbook's own `timezone:` a date-time is shown in (else the language's country's)."""
    if value is None or value == "" or value == []:
        return None
    if field.type in CHOICE_TYPES:
        labels = field.option_labels or {}

        def label(option: str) -> str:
            return localize(labels[option], language) if option in labels else option

        return [label(v) for v in value] if isinstance(value, list) else label(value)
    if field.type is FieldType.file and isinstance(value, dict):
        return value.get("name")  # the file goes as an attachment (`attach:`); its name reads here
    if field.type is FieldType.number and isinstance(value, int | float):
        from babel.numbers import format_decimal

        return format_decimal(value, locale=locale_of(language))
    if field.type is FieldType.money and isinstance(value, int | float):
        return _money(value, language)
    if field.type is FieldType.date and isinstance(value, str):
        try:
            return local_date(dt.date.fromisoformat(value), language)
        except ValueError:
            return value
    if field.type is FieldType.datetime and isinstance(value, str):
        try:
            return local_moment(moment_of(value), language, zone)
        except ValueError:
            return value
    return value


def local_date(day: dt.date, language: str) -> str:
    """'2. februar 2026' (nb, da), '2 February 2026' (en)."""
    from babel.dates import format_date

    return format_date(day, "long", locale=locale_of(language))


def local_moment(moment: dt.datetime, language: str, zone: str | None = None) -> str:
    """A moment on the local clock of the language's country (or of `zone`, a playbook's own
    `timezone:`): '2. februar 2026 09:05'."""
    from babel.dates import format_time

    from trinn.engine.calendar import local_time

    local = local_time(moment, language, zone)
    return f"{local_date(local.date(), language)} {format_time(local, 'short', locale=locale_of(language))}"


@functools.cache
def locale_of(language: str) -> Locale:
    """The Babel locale of one of trinn's languages (`nb` -> `nb_NO`), parsed once per process."""
    from babel import Locale

    return Locale.parse(_LOCALES.get(language, language))


def _money(amount: float, language: str) -> str:
    from babel.numbers import format_currency, format_decimal

    currency = _CURRENCIES.get(language)
    if currency is None:
        return format_decimal(amount, format="#,##0.00", locale=locale_of(language))
    pattern = locale_of(language).currency_formats["standard"].pattern
    if float(amount).is_integer():  # "50 000 kr", not "50 000,00 kr"
        pattern = pattern.replace(".00", "")
    return format_currency(
        amount, currency, format=pattern, locale=locale_of(language), currency_digits=False
    )


def render(text: str, variables: Mapping[str, Any], language: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """`text` rendered with `variables`; raises ValueError with a one-line reason.

    Rendered in chunks within `limits` (the playbook's caps, engine.limits): past
    `template_output_chars` the render stops there and is refused, before the rest is made.
    """
    from jinja2 import TemplateError

    from trinn.engine.sandbox import budget

    try:
        with budget(limits):
            chunks: list[str] = []
            size = 0
            for chunk in _compiled(text, language).generate(variables):
                size += len(chunk)
                if size > limits.template_output_chars:
                    raise ValueError(
                        f"the message is longer than {limits.template_output_chars:,} characters "
                        f"(the limit is {limits.template_output_chars:,})"
                    )
                chunks.append(chunk)
            return "".join(chunks)
    except TemplateError as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    except RecursionError:
        raise ValueError("macros call one another too deeply") from None
    except (TypeError, ArithmeticError, AttributeError, LookupError) as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    except ValueError as exc:
        if str(exc).startswith("the message is longer"):
            raise
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
