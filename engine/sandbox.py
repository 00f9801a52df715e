"""Jinja's immutable sandbox, bounded: no template can build a huge value or run for long.

Jinja's sandbox stops a template reaching Python; it does not stop it asking for a
billion characters (`'x' * 10**9`, `''|center(10**9)`, `'%*s' % (10**9, '')`), a
number of a hundred million digits (`7 ** 100000000`) or ten thousand loops inside
ten thousand loops. Here every operator that builds a value (`*`, `**`, `+`, `%`,
`//`), every filter, every call (methods, macros) and every loop is priced before
it runs, against the caps of the render's Budget (engine.limits, as the playbook's
`limits:` raise them); past a limit the render stops with a SecurityError whose
message says which limit. The same checks run at load over the template's
constant parts (engine.template.check_template), so `{{ 'x' * 10**9 }}` is refused by
`trinn check`, in microseconds.
"""

from __future__ import annotations

import contextvars
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment

from trinn.engine.limits import DEFAULT_LIMITS, Limits

__all__ = ["BoundedEnvironment", "Budget", "budget", "constant_problems", "fold", "recursive_macros"]

# A format's width or precision: '%*s' takes it from the arguments, '%9999s' from the text.
_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\d*)(?:\.(\d+))?[a-zA-Z%]")
_BRACE_WIDTH = re.compile(r"\{[^{}]*?:[^{}]*?(\d+)[^{}]*\}")


class Budget:
    """The caps of one render, the loop steps and calls it has spent, and how deep macros
    are nested now."""

    __slots__ = ("depth", "limits", "steps")

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.steps = 0
        self.depth = 0

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.limits.template_steps:
            raise SecurityError(
                f"the template loops or calls too often (the limit is {self.limits.template_steps:,} steps)"
            )


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("trinn_template_budget", default=None)


class budget:  # a context manager, named like contextlib's
    """A fresh Budget for one render under `limits`: `with budget(limits): ...`."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    def __enter__(self) -> Budget:
        self.budget = Budget(self.limits)
        self.token = _BUDGET.set(self.budget)
        return self.budget

    def __exit__(self, *exc: object) -> None:
        _BUDGET.reset(self.token)


def _caps() -> Limits:
    """The caps of the render under way (the defaults outside one)."""
    current = _BUDGET.get()
    return DEFAULT_LIMITS if current is None else current.limits


def _spend(steps: int = 1) -> None:
    current = _BUDGET.get()
    if current is not None:
        current.spend(steps)


def _too_big(what: str, size: int, limit: int, unit: str) -> SecurityError:
    return SecurityError(f"{what} would make {size:,} {unit} (the limit is {limit:,})")


def _size(value: Any) -> tuple[int, str, int] | None:
    """(size, unit, limit) of a value that can grow: a text, a list, a big integer."""
    caps = _caps()
    if isinstance(value, str):
        return len(value), "characters", caps.template_filter_chars
    if isinstance(value, list | tuple):
        return len(value), "items", caps.template_list_items
    if isinstance(value, int) and not isinstance(value, bool):
        return _digits(value), "digits", caps.template_int_digits
    return None


def _digits(number: int) -> int:
    return max(1, math.ceil(abs(number).bit_length() * math.log10(2)))


def _check_result(what: str, value: Any) -> Any:
    found = _size(value)
    if found is not None and found[0] > found[2]:
        raise _too_big(what, found[0], found[2], found[1])
    return value


def _check_widths(what: str, text: str, args: Iterable[Any]) -> None:
    """A format asking for a huge width or precision, in its text or as an argument ('%*s')."""
    widths = [int(n) for match in _PRINTF_WIDTH.finditer(text) for n in match.groups() if n]
    widths += [int(n) for n in _BRACE_WIDTH.findall(text)]
    widths += [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
    limit = _caps().template_filter_chars
    for width in widths:
        if width > limit:
            raise _too_big(what, width, limit, "characters")


def _binop_size(operator: str, left: Any, right: Any) -> tuple[int, str, int] | None:
    """What `left operator right` would make, priced before it is computed."""
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right))
    digits = _caps().template_int_digits
    if operator == "**" and ints:
        if right < 0 or abs(left) <= 1:
            return None
        return math.ceil(right * math.log10(abs(left))), "digits", digits
    if operator == "*":
        if ints:
            return _digits(left) + _digits(right), "digits", digits
        for sequence, count in ((left, right), (right, left)):
            if isinstance(sequence, str | list | tuple) and isinstance(count, int):
                found = _size(sequence)
                assert found is not None
                return found[0] * max(count, 0), found[1], found[2]
    if operator == "+" and type(left) is type(right) and isinstance(left, str | list | tuple):
        found, other = _size(left), _size(right)
        assert found is not None and other is not None
        return found[0] + other[0], found[1], found[2]
    return None


def bounded_binop(operator: str, left: Any, right: Any) -> Any:
    """`left operator right`, refused before it is computed when the result would be too big."""
    found = _binop_size(operator, left, right)
    if found is not None and found[0] > found[2]:
        raise _too_big(f"'{operator}'", found[0], found[2], found[1])
    if operator == "%" and isinstance(left, str):
        _check_widths("'%'", left, right if isinstance(right, tuple | list) else [right])
    result = _OPERATORS[operator](left, right)
    return _check_result(f"'{operator}'", result)


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "**": lambda a, b: a**b,
}


def bounded_range(*args: int) -> range:
    numbers = range(*args)
    limit = _caps().template_range
    if len(numbers) > limit:
        raise _too_big("range()", len(numbers), limit, "numbers")
    return numbers


# What a filter's arguments make it produce, before it runs: (value, args, kwargs) -> size.
def _width_filter(position: int, name: str) -> Callable[..., int]:
    def size(value: Any, *args: Any, **kwargs: Any) -> int:
        width = kwargs.get(name, args[position] if len(args) > position else 0)
        if not isinstance(width, int):
            return 0
        lines = str(value).count("\n") + 1 if name == "width" and position == 0 else 1
        return len(str(value)) + max(width, 0) * lines

    return size


def _replace_size(value: Any, old: Any = "", new: Any = "", count: Any = None, **_: Any) -> int:
    text, old, new = str(value), str(old), str(new)
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * len(new)


def _join_size(value: Any, d: Any = "", *args: Any, **kwargs: Any) -> int:
    if not isinstance(value, list | tuple | str):
        return 0
    return sum(len(str(v)) for v in value) + len(str(d)) * len(value)


def _count_arg(value: Any, count: Any = 0, *args: Any, **kwargs: Any) -> int:
    return count if isinstance(count, int) else 0


_FILTER_SIZES: dict[str, Callable[..., int]] = {
    "center": _width_filter(0, "width"),
    "indent": _width_filter(0, "width"),
    "replace": _replace_size,
    "join": _join_size,
    "slice": _count_arg,
    "batch": _count_arg,
    "truncate": lambda value, *a, **k: len(str(value)),
    "wordwrap": lambda value, *a, **k: 2 * len(str(value)),
}


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` priced from its arguments before it runs and measured after."""
    what = f"filter '{name}'"

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        # pass_context/pass_environment filters get the context first: skip it
        offset = 1 if args and isinstance(args[0], Context | ImmutableSandboxedEnvironment) else 0
        value, rest = (args[offset], args[offset + 1 :]) if len(args) > offset else (None, ())
        if name == "format" and isinstance(value, str):
            _check_widths(what, value, [*rest, *kwargs.values()])
        elif name in _FILTER_SIZES:
            try:
                size = _FILTER_SIZES[name](value, *rest, **kwargs)
            except TypeError:
                size = 0  # wrong arguments: the filter itself says what is wrong
            limit = _caps().template_filter_chars
            if size > limit:
                raise _too_big(what, size, limit, "characters")
        _spend()
        return _check_result(what, function(*args, **kwargs))

    return bounded


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every growing operation priced; see the module's text."""

    intercepted_binops = frozenset({"+", "*", "**", "%", "//"})

    def __init__(self, **options: Any) -> None:
        # optimized=False: Jinja would otherwise fold constant parts while compiling
        super().__init__(optimized=False, **options)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.globals["range"] = bounded_range
        self.trinn_loop = _counted  # wrapped round every loop's iterable, see _parse

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        return bounded_binop(operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if __obj is _counted:
            return _counted(*args)
        _spend()
        inner = getattr(__obj, "__wrapped__", __obj)
        what = f"'{getattr(inner, '__name__', 'call')}()'"
        _check_method(getattr(inner, "__self__", None), getattr(inner, "__name__", ""), args, kwargs)
        if not isinstance(__obj, Macro):
            return _check_result(what, super().call(__context, __obj, *args, **kwargs))
        current = _BUDGET.get()
        if current is None:
            return super().call(__context, __obj, *args, **kwargs)
        if current.depth >= current.limits.template_macro_depth:
            raise SecurityError(
                f"macros call one another too deeply (the limit is {current.limits.template_macro_depth})"
            )
        current.depth += 1
        try:
            return super().call(__context, __obj, *args, **kwargs)
        finally:
            current.depth -= 1

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.EnvironmentAttribute("trinn_loop"), [loop.iter], [], None, None, lineno=loop.lineno
            )
        return tree


def _check_method(owner: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a text's or a list's method asked to make too much: 'x'.center(10**9)."""
    if not isinstance(owner, str | list | tuple):
        return
    what = f"'{name}()'"
    if name in ("format", "format_map") and isinstance(owner, str):
        _check_widths(what, owner, [*args, *kwargs.values()])
        return
    limit = _caps().template_filter_chars
    for arg in (*args, *kwargs.values()):  # center, ljust, zfill, expandtabs: a number is a size
        if isinstance(arg, int) and not isinstance(arg, bool) and arg > limit:
            raise _too_big(what, arg, limit, "characters")
    size = 0
    if name == "replace":
        size = _replace_size(owner, *args)
    elif name == "join":
        size = _join_size(args[0] if args else "", owner)
    if size > limit:
        raise _too_big(what, size, limit, "characters")


def _counted(iterable: Any) -> Iterator[Any]:
    """Every loop's items, each spending a step of the render's budget."""
    for item in iterable:
        _spend()
        yield item


class _NotConstant(Exception):
    pass


def fold(node: nodes.Node) -> Any:
    """The value of a constant expression, computed with the same bounds as a render.

    Raises SecurityError when a bound is passed, _NotConstant (caught by callers through
    `constant_problems`) when the expression reads anything not written in the template.
    """
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.List | nodes.Tuple):
        items = [fold(item) for item in node.items]
        return items if isinstance(node, nodes.List) else tuple(items)
    if isinstance(node, nodes.Neg):
        return -fold(node.node)
    if isinstance(node, nodes.Pos):
        return fold(node.node)
    if isinstance(node, nodes.BinExpr):
        return bounded_binop(node.operator, fold(node.left), fold(node.right))
    if isinstance(node, nodes.Concat):
        return _check_result("'~'", "".join(str(fold(n)) for n in node.nodes))
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == "range":
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise _NotConstant
        return bounded_range(*(fold(a) for a in node.args))
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise _NotConstant
        owner = fold(node.node.node)
        args = tuple(fold(a) for a in node.args)
        _check_method(owner, node.node.attr, args, {})
        raise _NotConstant  # within bounds: the render computes it
    if isinstance(node, nodes.Filter) and node.node is not None:
        function = _environment().filters.get(node.name)
        if function is None or node.dyn_args or node.dyn_kwargs or node.name in _CONTEXT_FILTERS:
            raise _NotConstant
        values = [fold(a) for a in node.args]
        named: dict[str, Any] = {str(k.key): fold(k.value) for k in node.kwargs}
        return function(fold(node.node), *values, **named)
    raise _NotConstant


_CONTEXT_FILTERS = frozenset(
    {"map", "select", "reject", "selectattr", "rejectattr", "attr", "groupby", "sum"}
)


@functools.cache
def _environment() -> BoundedEnvironment:
    return BoundedEnvironment(autoescape=False)


def constant_problems(tree: nodes.Template, limits: Limits = DEFAULT_LIMITS) -> list[tuple[int, str]]:
    """(line, message) of every constant part of `tree` that passes one of `limits`."""
    problems: list[tuple[int, str]] = []
    for node in tree.find_all(nodes.Expr):
        try:
            with budget(limits):  # each part on its own: the caps, not the steps, are checked here
                fold(node)
        except _NotConstant:
            continue
        except SecurityError as exc:
            problems.append((node.lineno, str(exc)))
        except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError):
            pass  # a constant that fails: the render says so where it happens
    return sorted(set(problems))


def recursive_macros(tree: nodes.Template) -> list[tuple[int, str]]:
    """(line, name) of every macro that names itself in its body (a call, a call block, an alias)."""
    found = []
    for macro in tree.find_all(nodes.Macro):
        names = {n.name for n in macro.find_all(nodes.Name) if n.ctx == "load"}
        if macro.name in names:
            found.append((macro.lineno, macro.name))
    return found
