"""Typed field values: what each field type accepts, and its normal form.

A value's normal form is plain JSON (dates as ISO text), so it stores the same
way in SQLite and PostgreSQL and reads the same in guards and templates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from trinn.engine.i18n import N_
from trinn.engine.i18n import gettext as _
from trinn.engine.spec import FieldSpec, FieldType

__all__ = ["ValueProblem", "check_value", "normalize_value"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{5,20}$")


@dataclass(frozen=True)
class ValueProblem(Exception):
    """A value a field cannot hold, said in words (`message`) with a hint."""

    message: str
    hint: str = ""

    def __str__(self) -> str:
        return self.message + (f" ({self.hint})" if self.hint else "")


def _text(value: Any, kind: str) -> str:
    if not isinstance(value, str):
        raise ValueProblem(_("expected {kind}, got {value}").format(kind=_(kind), value=_shown(value)))
    return value


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else type(value).__name__


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueProblem(_("expected a number, got {value}").format(value=_shown(value)))
    if isinstance(value, str):
        try:
            number = float(value.replace(" ", "").replace(",", "."))
        except ValueError:
            raise ValueProblem(_("expected a number, got {value}").format(value=f"'{value}'")) from None
        return int(number) if number.is_integer() and "." not in value and "," not in value else number
    return value


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        raise ValueProblem(_("expected a list, got {value}").format(value=_shown(value)))
    return list(value)


def normalize_value(spec: FieldSpec, value: Any) -> Any:
    """The normal form of `value` for `spec`, or ValueProblem saying why it does not fit."""
    kind = spec.type
    if kind in (FieldType.text, FieldType.long_text, FieldType.person):
        return _text(value, N_("text"))
    if kind is FieldType.email:
        text = _text(value, N_("an e-mail address")).strip()
        if not _EMAIL.match(text):
            raise ValueProblem(
                _("'{value}' is not an e-mail address").format(value=text), _("write e.g. 'ola@example.no'")
            )
        return text
    if kind is FieldType.url:
        text = _text(value, N_("a web address")).strip()
        if not _URL.match(text):
            raise ValueProblem(
                _("'{value}' is not a web address").format(value=text), _("start it with https://")
            )
        return text
    if kind is FieldType.phone:
        text = _text(value, N_("a phone number")).strip()
        if not _PHONE.match(text):
            raise ValueProblem(
                _("'{value}' is not a phone number").format(value=text), _("digits, spaces and a leading +")
            )
        return text
    if kind in (FieldType.number, FieldType.money):
        return _number(value)
    if kind is FieldType.bool:
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in ("true", "yes", "ja", "1"):
            return True
        if lowered in ("false", "no", "nei", "nej", "0"):
            return False
        raise ValueProblem(_("expected true or false, got {value}").format(value=_shown(value)))
    if kind is FieldType.date:
        if isinstance(value, dt.datetime):  # a CEL timestamp, e.g. from `now`
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(_text(value, N_("a date")).strip()).isoformat()
        except ValueError:
            raise ValueProblem(
                _("'{value}' is not a date").format(value=value), _("write it as YYYY-MM-DD")
            ) from None
    if kind is FieldType.choice:
        text = _text(value, N_("one of the options"))
        _check_options(spec, [text])
        return text
    items = [_text(item, N_("text")) for item in _list(value)]
    if kind is FieldType.multi_choice:
        _check_options(spec, items)
        return list(dict.fromkeys(items))
    return items  # text_list, person_list


def _check_options(spec: FieldSpec, chosen: list[str]) -> None:
    options = spec.options or []
    for item in chosen:
        if item not in options:
            raise ValueProblem(
                _("'{value}' is not an option").format(value=item),
                _("expected one of {options}").format(options=", ".join(f"'{o}'" for o in options)),
            )


def check_value(spec: FieldSpec, value: Any) -> ValueProblem | None:
    try:
        normalize_value(spec, value)
    except ValueProblem as problem:
        return problem
    return None
