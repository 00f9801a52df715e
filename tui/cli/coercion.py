"""Typer's value coercion without pydantic where it would hand the value back unchanged.

Typer 0.29 coerces every parameter through a pydantic TypeAdapter, built when the
parameter is first processed, whether or not it was given: a command's options and
the global ones cost about 25 ms of validator building, and the first build also
loads pydantic's plugin machinery (importlib.metadata, the email package). Nearly
every value trinn's commands take is text, a list of texts (FIELD=VALUE...), or
absent, and for those the adapter is the identity: `str` through `str` is the same
object, a list of them comes back as a list of the same strings, and an absent
value never reaches the adapter at all. So those keep their value, and any other
annotation or value (a number, a path, a flag read from the environment) gets
typer's own coercion, built then, so its results and its refusals stay typer's.

`install()` swaps typer's `build_runtime_param` for `_runtime_param`; if a typer
without that seam is installed (the range in pyproject.toml is one minor version),
nothing is swapped and every parameter goes through typer as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args, get_origin

from typer import _coercion, core

if TYPE_CHECKING:
    from typer._click import Context
    from typer.core import _TyperParameter

__all__ = ["install"]

_BUILD = _coercion.build_runtime_param


@dataclass(frozen=True)
class _Deferred(_coercion.RuntimeParam):
    """Typer's coercion of one parameter, built only when a value needs it."""

    descriptor: _coercion.TypeDescriptor
    _typer: list[_coercion.RuntimeParam] = field(default_factory=list)  # built on first need

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if not self._typer:
            self._typer.append(_BUILD(self.descriptor))
        return self._typer[0]._coerce_value(value, param=param, ctx=ctx)


@dataclass(frozen=True)
class _TextParam(_Deferred):
    """A plain `str` parameter: a str value is kept."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if type(value) is str:
            return value
        return super()._coerce_value(value, param, ctx)


@dataclass(frozen=True)
class _TextsParam(_Deferred):
    """A `list[str]` parameter: str items are kept, as a list (typer's adapter gives a list)."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if isinstance(value, list | tuple) and all(type(item) is str for item in value):
            return list(value)
        return super()._coerce_value(value, param, ctx)


def _runtime_param(descriptor: _coercion.TypeDescriptor) -> _coercion.RuntimeParam:
    info, annotation = descriptor.parameter_info, descriptor.annotation
    origin: Any = get_origin(annotation)
    plain = descriptor.file_annotation is None and info.parser is None
    kind: type[_Deferred] = _Deferred
    if plain and annotation is str:
        kind = _TextParam
    elif plain and origin is list and get_args(annotation) == (str,):
        kind = _TextsParam
    return kind(parameter_info=info, annotation=annotation, descriptor=descriptor)


def install() -> None:
    """Use `_runtime_param` for every parameter typer processes from now on (idempotent)."""
    if getattr(core, "build_runtime_param", None) is _BUILD:
        core.build_runtime_param = _runtime_param
