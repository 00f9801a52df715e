"""pydantic's validation errors, translated into positioned Problems.

pydantic reports a location that mixes data keys with its own markers (union
branch tags, `[key]`); we walk the data to recover the real path, pick the
message a process designer can act on, and add a did-you-mean hint.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Generic, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, RootModel, ValidationError
from pydantic_core import ErrorDetails

from trinn.engine.errors import MAX_PROBLEMS, Problem, did_you_mean
from trinn.engine.source import Loc, SourceMap

__all__ = ["DeferredRootModel", "problems_from_validation", "validate_model"]

_Model = TypeVar("_Model", bound=BaseModel)
_Root = TypeVar("_Root")


class DeferredRootModel(RootModel[_Root], Generic[_Root]):
    """A RootModel whose validator is built when first used, not when its class is made.

    `RootModel[X]` builds X's validator as the class is defined (the parametrized class does
    not inherit a subclass's `defer_build`); a command that only reads a cached playbook or
    the default people never validates, and skips that cost."""

    model_config = ConfigDict(defer_build=True)


_TYPE_ERRORS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a map",
    "list_type": "a list",
    "model_type": "a map",
    "model_attributes_type": "a map",
    "float_type": "a number",
    "float_parsing": "a number",
    "int_from_float": "a whole number",
}
_ID_HINT = "ids are lowercase letters, digits and '_', starting with a letter"


def _data_path(data: Any, loc: tuple[Any, ...], missing: bool = False) -> tuple[Loc, bool]:
    """The path of `loc` inside `data`, and whether the error is about a mapping key."""
    path: list[str | int] = []
    node = data
    is_key = False
    for part in loc:
        if part == "[key]":
            is_key = True
            continue
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_map or in_list:
            path.append(part)
            node = node[part]
        elif missing and isinstance(node, dict) and isinstance(part, str) and loc[-1] == part:
            path.append(part)  # a missing key: keep its name, its position is the parent's
            node = None
    return tuple(path), is_key


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may stand for (through Annotated and unions)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _through_roots(types_: list[Any]) -> list[Any]:
    """A RootModel stands for the type it wraps."""
    result: list[Any] = []
    for candidate in types_:
        if (
            isinstance(candidate, type)
            and issubclass(candidate, BaseModel)
            and "root" in candidate.model_fields
        ):
            result.extend(_unwrap(candidate.model_fields["root"].annotation))
        else:
            result.append(candidate)
    return result


def _models_at(root: type[BaseModel], path: Loc) -> list[type[BaseModel]]:
    """The model classes that may describe the mapping at `path`."""
    current: list[Any] = _through_roots([root])
    for part in path:
        following: list[Any] = []
        for candidate in current:
            origin = get_origin(candidate)
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                for name, info in candidate.model_fields.items():
                    if part in (name, info.alias):
                        following.extend(_unwrap(info.annotation))
            elif origin is dict and isinstance(part, str):
                following.extend(_unwrap(get_args(candidate)[1]))
            elif origin is list and isinstance(part, int):
                following.extend(_unwrap(get_args(candidate)[0]))
        current = _through_roots(following)
    return [
        c
        for c in current
        if isinstance(c, type) and issubclass(c, BaseModel) and "root" not in c.model_fields
    ]


def _allowed_keys(root: type[BaseModel], path: Loc) -> list[str]:
    return sorted(
        {info.alias or name for model in _models_at(root, path) for name, info in model.model_fields.items()}
    )


def _described(root: type[BaseModel], path: Loc) -> str:
    """The description of the key at `path` in the format, or "" (a key named alike elsewhere
    gives none: a hint must not guess)."""
    found = {
        model.model_fields[str(path[-1])].description or ""
        for model in _models_at(root, path[:-1])
        if str(path[-1]) in model.model_fields
    }
    text = found.pop() if len(found) == 1 else ""
    return text[:1].lower() + text[1:]  # a hint starts lowercase, as every message does


def _describe(error: Any, key: str | int | None, value: Any) -> tuple[str, str]:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return f"missing required key '{key}'", ""
    if kind == "string_pattern_mismatch":
        return f"invalid id '{value}'", _ID_HINT
    if kind in ("literal_error", "enum"):
        return f"invalid value '{value}'", f"expected {ctx.get('expected', '')}".strip()
    if kind in _TYPE_ERRORS:
        return f"expected {_TYPE_ERRORS[kind]}, got {_type_name(value)}", ""
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return f"needs at least {least} item{'s' if least != 1 else ''}", ""
    if kind == "string_too_short":
        return "must not be empty", ""
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)", ""
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}", ""
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        if " (" in message and message.endswith(")"):
            text, hint = message[:-1].split(" (", 1)
            return text, hint
        return message, ""
    return error["msg"][:1].lower() + error["msg"][1:], ""


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    return {dict: "a map", list: "a list", str: f"'{value}'", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _value_at(data: Any, path: Loc) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def problems_from_validation(
    exc: ValidationError, data: Any, source_map: SourceMap, root: type[BaseModel]
) -> list[Problem]:
    """One Problem per distinct place; of a union's alternatives, the most specific wins.

    Linear in the errors: a report stops at MAX_PROBLEMS anyway, so only the first ones by
    position get a did-you-mean hint (the costly part); the rest are counted with their message.
    """
    by_path: dict[tuple[Loc, bool], list[ErrorDetails]] = {}
    for error in exc.errors(include_url=False):
        path, is_key = _data_path(data, tuple(error["loc"]), error["type"] == "missing")
        by_path.setdefault((path, is_key), []).append(error)
    _drop_missing_explained_by_typos(by_path)
    # every proper prefix of a reported path: a place with an error deeper inside it
    above: set[Loc] = {path[:n] for path, _ in by_path for n in range(len(path))}
    chosen: list[tuple[tuple[int, int], Loc, bool, ErrorDetails, list[ErrorDetails]]] = []
    for (path, is_key), errors in by_path.items():
        # a union's type mismatches are noise when a branch found something deeper
        specific = [e for e in errors if e["type"] not in _TYPE_ERRORS]
        if path in above and not specific:
            continue
        first = specific[0] if specific else errors[0]
        chosen.append((_position(first, path, is_key, source_map), path, is_key, first, errors))
    chosen.sort(key=lambda entry: entry[0])
    return [
        _problem(error, errors, path, is_key, data, source_map, root, with_hint=n < MAX_PROBLEMS)
        for n, (_, path, is_key, error, errors) in enumerate(chosen)
    ]


def _position(error: ErrorDetails, path: Loc, is_key: bool, source_map: SourceMap) -> tuple[int, int]:
    """Where _problem will report `error`: the order a report lists problems in."""
    if error["type"] == "extra_forbidden":
        return source_map.key(path)
    if error["type"] == "missing":
        return source_map.value(path[:-1])
    return source_map.key(path) if is_key else source_map.value(path)


def _drop_missing_explained_by_typos(by_path: dict[tuple[Loc, bool], list[ErrorDetails]]) -> None:
    """`titel:` for `title:` is one mistake: say 'unknown key', not also 'missing key'."""
    unknown: dict[Loc, list[str]] = {}
    for (path, _), errors in by_path.items():
        if path and any(e["type"] == "extra_forbidden" for e in errors):
            unknown.setdefault(path[:-1], []).append(str(path[-1]))
    for place in list(by_path):
        path, _ = place
        errors = by_path[place]
        if (
            path
            and all(e["type"] == "missing" for e in errors)
            and did_you_mean(str(path[-1]), unknown.get(path[:-1], []))
        ):
            del by_path[place]


def _problem(
    error: ErrorDetails,
    alternatives: list[ErrorDetails],
    path: Loc,
    is_key: bool,
    data: Any,
    source_map: SourceMap,
    root: type[BaseModel],
    *,
    with_hint: bool = True,
) -> Problem:
    key = path[-1] if path else None
    if error["type"] == "extra_forbidden":
        suggestion = (
            did_you_mean(str(key), _allowed_keys(root, path[:-1]), list_if_few=8) if with_hint else ""
        )
        return source_map.problem(path, f"unknown key '{key}'", suggestion, at_key=True)
    if error["type"] == "missing":  # what the key says, from the format's own description
        return source_map.problem(path[:-1], f"missing required key '{key}'", _described(root, path))
    value = key if is_key else _value_at(data, path)
    message, hint = _describe(error, key, value)
    kinds = sorted({_TYPE_ERRORS[e["type"]] for e in alternatives if e["type"] in _TYPE_ERRORS})
    if error["type"] in _TYPE_ERRORS and len(kinds) > 1:
        message = f"expected {' or '.join(kinds)}, got {_type_name(value)}"
    if is_key:
        return source_map.problem(path, message, hint, at_key=True)
    return source_map.problem(path, message, hint)


def validate_model(
    root: type[_Model], data: Any, source_map: SourceMap
) -> tuple[_Model | None, list[Problem]]:
    """The validated model, or None and every problem with its position."""
    try:
        return root.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, data, source_map, root)
