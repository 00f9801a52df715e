"""Why a guard is false, in words a coordinator reads.

A false guard is taken apart into its top-level `&&` parts (engine.cel_text) and
each part is evaluated alone; only the parts that fail are said, in words built
from field labels, task titles and values formatted the local way: `size(x) >= 8`
becomes "«Deltakere» has 7, needs at least 8". A playbook's own `because:` text
wins, for the whole guard or for a part. A part that fails only because an
earlier one did (`size(x)` of an empty `x`) is not said twice. A part no rule
here reads is shown as written, with its values as CEL literals (null, true,
false); `explained` is the raw guard with its values, for designers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from trinn.engine.cel_text import Atom, atom
from trinn.engine.errors import ExpressionError
from trinn.engine.expressions import CompiledExpression, Context
from trinn.engine.field_types import LIST_TYPES, FieldType
from trinn.engine.i18n import gettext as _
from trinn.engine.i18n import language
from trinn.engine.template import local_moment, locale_of, shown_value
from trinn.engine.text import localize, yes_no

if TYPE_CHECKING:
    from trinn.engine.spec import FieldSpec, PlaybookSpec, TransitionSpec

__all__ = ["explained", "guard_phrases", "guard_words", "refusal"]

_TASK_DONE = re.compile(r"tasks\.([a-z][a-z0-9_]*)\.done")
_SIZE = re.compile(r"size\(([a-z][a-z0-9_]*)\)")
# a moment compared with the clock: `now >= moetetid` (not before it), `now < frist` (before it)
_CLOCK = re.compile(r"\s*(?:now\s*(>=|>|<=|<)\s*([a-z][a-z0-9_]*)|([a-z][a-z0-9_]*)\s*(<=|<|>=|>)\s*now)\s*")
_SHOWN = 60  # characters of one value in a reason; the rest is cut


def refusal(
    spec: PlaybookSpec,
    transition: TransitionSpec,
    needed: frozenset[str],
    guard: CompiledExpression | None,
    context: Context,
    roles: frozenset[str],
    state: str,
) -> list[str]:
    """Why a transition would not fire for someone holding `roles`: the roles it `needed`
    (by their titles), else the failing parts of its guard; none if it would fire."""
    if needed and not needed & roles:
        titles = _(" or ").join(f"«{_title(spec, spec.roles[r].title)}»" for r in sorted(needed))
        return [_("needs the role {roles}").format(roles=titles)]
    if guard is None:
        return []
    try:
        value = guard.evaluate(context)
    except ExpressionError as exc:
        return [str(exc)]
    return [] if value is True else guard_phrases(spec, transition, guard, context, state)


def guard_words(
    spec: PlaybookSpec,
    transition: TransitionSpec,
    guard: CompiledExpression,
    context: Context,
    state: str,
) -> str:
    """Why `guard` (of `transition`) is false in `context`, in the engine's language."""
    return "; ".join(guard_phrases(spec, transition, guard, context, state))


def guard_phrases(
    spec: PlaybookSpec,
    transition: TransitionSpec,
    guard: CompiledExpression,
    context: Context,
    state: str,
) -> list[str]:
    """Why `guard` is false, one phrase per failing part, each said once (a caller telling why
    several transitions fail leaves out a phrase an earlier one said)."""
    lang = language()
    whole = transition.because_guard()
    if whole is not None:
        return [localize(whole, lang, spec.language)]
    own = transition.because_parts()
    said: list[str] = []
    failed = False
    for part in guard.parts():
        try:
            value = part.evaluate(context)
        except ExpressionError as exc:
            if not failed:  # else it fails because an earlier part did: said already
                said.append(str(exc))
                failed = True
            continue
        if value is True:
            continue
        failed = True
        text = own.get(" ".join(part.source.split()))
        said.append(
            localize(text, lang, spec.language) if text is not None else _part(spec, part, context, state)
        )
    if not said:  # every part holds alone, yet the whole does not: say it whole
        said.append(_as_written(guard, context))
    return list(dict.fromkeys(said))


def explained(guard: CompiledExpression, context: Context) -> str:
    """The raw guard and the values it read, for designers."""
    values = _values(guard, context)
    if not values:
        return _("guard '{guard}' is false").format(guard=guard.source)
    return _("guard '{guard}' is false ({values})").format(guard=guard.source, values=values)


def _part(spec: PlaybookSpec, part: CompiledExpression, context: Context, state: str) -> str:
    if (clock := _CLOCK.fullmatch(part.source)) and (said := _clock_words(spec, clock, context)):
        return said
    found = atom(part.source)
    if found is not None:
        term = found.term.replace(" ", "")
        said = _task_words(spec, found, term, context, state)
        if said is None and (size := _SIZE.fullmatch(term)) and size.group(1) in spec.fields:
            said = _size_words(spec, size.group(1), found, context)
        if said is None and term in spec.fields:
            said = _field_words(spec, term, found, context)
        if said is not None:
            return said
    return _as_written(part, context)


def _clock_words(spec: PlaybookSpec, clock: re.Match[str], context: Context) -> str | None:
    """`now >= moetetid` as "not before «Møtetidspunkt» (17.12.2026 18:30)": the moment on the
    playbook's clock, the way the reader writes it, never as a UTC timestamp."""
    name = clock.group(2) or clock.group(3)
    field = spec.fields.get(name)
    if field is None or field.type not in (FieldType.date, FieldType.datetime):
        return None
    value = context.variables.get(name)
    if not isinstance(value, dt.datetime):
        return _("field «{field}» is empty").format(field=_label(spec, name))
    # `x <= now` says what `now >= x` says: the clock's side decides the words
    after = (clock.group(1) or {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}[clock.group(4)]) in (">=", ">")
    words = _("not before «{field}» ({value})") if after else _("«{field}» ({value}) has passed")
    return words.format(field=_label(spec, name), value=_local(field, value, _clock_of(spec)))


def _task_words(spec: PlaybookSpec, found: Atom, term: str, context: Context, state: str) -> str | None:
    if term == "tasks_done" and found.op == "==" and found.value is True:
        tallies = context.variables.get("tasks")
        current = spec.states[state].tasks if state in spec.states else []
        if not isinstance(tallies, dict):
            return _("not every task of this step is done")
        open_tasks = [
            task
            for task in current
            if not task.optional
            and (tally := tallies.get(task.id, {}))
            and not (tally.get("done") or (task.for_each is not None and tally.get("count") == 0))
        ]
        return (
            "; ".join(_("task «{task}» is not done").format(task=_title(spec, t.title)) for t in open_tasks)
            or None
        )
    done = _TASK_DONE.fullmatch(term)
    if done is None or found.op != "==" or not isinstance(found.value, bool):
        return None
    task = spec.all_tasks().get(done.group(1))
    if task is None:
        return None
    title = _title(spec, task.title)
    if found.value:
        return _("task «{task}» is not done").format(task=title)
    return _("task «{task}» is done already").format(task=title)


def _size_words(spec: PlaybookSpec, name: str, found: Atom, context: Context) -> str | None:
    value = context.variables.get(name)
    count = len(value) if isinstance(value, list | str) else 0
    wanted = found.value
    if isinstance(wanted, bool) or not isinstance(wanted, float) or not wanted.is_integer():
        return None
    n = int(wanted)
    label = _label(spec, name)
    # the bound a whole count must reach: `> 7` is "at least 8", `< 16` is "at most 15"
    bounds = {">=": (_("at least {n}"), n), ">": (_("at least {n}"), n + 1), "<=": (_("at most {n}"), n)}
    bounds |= {"<": (_("at most {n}"), n - 1), "==": (_("exactly {n}"), n), "!=": (_("other than {n}"), n)}
    if found.op not in bounds:
        return None
    words, bound = bounds[found.op]
    if count == 0 and found.op in (">=", ">") and bound <= 1:
        return _("field «{field}» is empty").format(field=label)
    return _("«{field}» has {count}, needs {bound}").format(
        field=label, count=_number(count), bound=words.format(n=_number(bound))
    )


def _field_words(spec: PlaybookSpec, name: str, found: Atom, context: Context) -> str | None:
    field, label = spec.fields[name], _label(spec, name)
    value, wanted, op = context.variables.get(name), found.value, found.op
    if field.type is FieldType.bool and op == "==" and isinstance(wanted, bool):
        return _("«{field}» is {value}").format(field=label, value=yes_no(bool(value), language()))
    empty = value is None or value == "" or value == []
    if wanted is None or wanted == "":
        if op == "!=" and empty:
            return _("field «{field}» is empty").format(field=label)
        if op == "==" and not empty:
            return _("«{field}» is {value}, needs to be empty").format(
                field=label, value=_local(field, value, _clock_of(spec))
            )
        return None
    if empty:
        return _("field «{field}» is empty").format(field=label)
    needs = {
        "==": _("«{field}» is {value}, needs to be {wanted}"),
        "!=": _("«{field}» must not be {wanted}"),
        ">=": _("«{field}» is {value}, needs at least {wanted}"),
        ">": _("«{field}» is {value}, needs more than {wanted}"),
        "<=": _("«{field}» is {value}, needs at most {wanted}"),
        "<": _("«{field}» is {value}, needs less than {wanted}"),
    }
    if op not in needs:
        return None
    if isinstance(wanted, float) and wanted.is_integer() and field.type is not FieldType.money:
        wanted = int(wanted)
    clock = _clock_of(spec)
    shown, shown_wanted = _local(field, value, clock), _local(field, wanted, clock)
    return needs[op].format(field=label, value=shown, wanted=shown_wanted)


def _clock_of(spec: PlaybookSpec) -> str:
    """The zone a playbook's moments are shown in: its own, else its language's country's, never
    the reader's (a Danish reader of a Norwegian playbook reads the Oslo time agreed)."""
    from trinn.engine.calendar import zone_of

    return zone_of(spec.language, spec.timezone).key


def _local(field: FieldSpec, value: Any, zone: str | None) -> str:
    """One value of `field` the way a reader of the engine's language writes it (a date-time
    on the wall clock of the playbook's `zone`)."""
    lang = language()
    if isinstance(value, dt.datetime) and field.type is FieldType.datetime:
        return local_moment(value, lang, zone)
    if isinstance(value, dt.datetime):  # a date field: the day, as the screens show it
        from babel.dates import format_date

        return str(format_date(value.date(), "short", locale=locale_of(lang)))
    if isinstance(value, bool):
        return yes_no(value, lang)
    if field.type in LIST_TYPES and isinstance(value, list):
        items = shown_value(field, value, lang, zone) or []
        return _clip(", ".join(f"'{item}'" for item in items))
    if field.type not in (FieldType.number, FieldType.money) and isinstance(value, int | float):
        return _number(value)
    shown = shown_value(field, value, lang, zone)
    return str(shown) if isinstance(value, int | float) else _clip(f"'{shown}'")


def _number(value: float) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=locale_of(language())))


def _as_written(expression: CompiledExpression, context: Context) -> str:
    values = _values(expression, context)
    if not values:
        return _("'{condition}' does not hold").format(condition=expression.source)
    return _("'{condition}' does not hold ({values})").format(condition=expression.source, values=values)


def _values(expression: CompiledExpression, context: Context) -> str:
    variables = context.variables
    return ", ".join(
        f"{name} = {_literal(_lookup(variables, name))}"
        for name in expression.names
        if name not in ("tasks", "now")
    )


def _lookup(variables: dict[str, Any], dotted: str) -> Any:
    value: Any = variables
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _literal(value: Any) -> str:
    """`value` as CEL writes it: null, true, false, '2026-03-01', [...] (cut when long)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):  # a date field or `now`, as people write them
        midnight = value.time() == dt.time(0) and value.utcoffset() in (None, dt.timedelta(0))
        return f"'{value.date().isoformat()}'" if midnight else f"'{value.isoformat()}'"
    if isinstance(value, list):
        text = "[" + ", ".join(_literal(item) for item in value) + "]"
        return (
            text
            if len(text) <= _SHOWN
            else text[: _SHOWN - 4] + "...] " + _("({count} items)").format(count=len(value))
        )
    return _clip(repr(value))


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _label(spec: PlaybookSpec, name: str) -> str:
    return localize(spec.fields[name].label, language(), spec.language)


def _title(spec: PlaybookSpec, title: Any) -> str:
    return localize(title, language(), spec.language)
