"""Typed field values: what each field type accepts, and its normal form.

A value's normal form is plain JSON (dates as ISO text), so it stores the same
way in SQLite and PostgreSQL and reads the same in guards and templates. What
one backend would refuse, every backend refuses here first, with the field's
own message:

- numbers and money are finite, with at most 15 digits before the decimal mark
  (|value| < 10**15: exact in a double, within CEL's 64-bit integers); `nan`,
  `inf`, `1e309` and digit strings of any length are refused before conversion;
  money is not below zero unless its field says `negative: true`;
- dates and numbers are read as people write them (engine.written: `15.12.2026`,
  `15/12/2026`, `1 500,50`, `1.500,50 kr.`), in every language alike;
- text is valid Unicode in NFC, without NUL, C0/C1 controls (ANSI escapes),
  bidirectional overrides or invisible format characters: anything `shown`
  would have to escape is refused, so a stored value reads on screen as it is.
  Line breaks (CR LF and CR become LF) and tabs only in `long_text`; one line
  elsewhere, trimmed. Lengths: 1,000 characters a line, 100,000 a long text;
- lists hold at most 10,000 items; dates lie within 1900-01-01 .. 2200-12-31;
- a date-time (engine.moments) is read in the playbook's zone and kept as UTC
  ISO text with a Z.

The same rules hold for the other text a person types into a command (a note,
who acts, a filter): `check_text`. A `--now` moment is read by `parse_moment`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from trinn.engine.field_types import FieldType
from trinn.engine.i18n import N_
from trinn.engine.i18n import gettext as _
from trinn.engine.shown import first_unsafe, shown
from trinn.engine.written import read_date, read_number

if TYPE_CHECKING:
    from trinn.engine.spec import FieldSpec

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_DIGITS",
    "MAX_ITEMS",
    "MAX_LINE",
    "MAX_LONG_TEXT",
    "MAX_NOTE",
    "ValueProblem",
    "check_text",
    "check_value",
    "normalize_value",
    "parse_date",
    "parse_moment",
]

MAX_DIGITS = 15  # before the decimal mark: |value| < 10**15, exact as a double (2**53 > 9e15)
MAX_LINE = 1_000  # characters of a one-line value (text, e-mail, web address, a list item ...)
MAX_LONG_TEXT = 100_000  # characters of a long_text value
MAX_NOTE = 10_000  # characters of a note or a comment (line breaks allowed)
MAX_ITEMS = 10_000  # items of a list value (what a guard may do with them is bounded by its budget)
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)
_LIMIT = 10**MAX_DIGITS
_DATE_CHARS = 64  # a date written longer than this is no date

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{5,20}$")
_QUOTED = 60  # characters of a refused value quoted in its message


class ValueProblem(Exception):
    """A value a field cannot hold, said in words (`message`) with a hint."""

    # a plain class: a frozen dataclass cannot take the __traceback__ that raising sets
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f" ({self.hint})" if self.hint else "")


def _quoted(value: Any) -> str:
    """A refused value as its message quotes it: short, and safe to print."""
    return f"'{_clipped(value)}'" if isinstance(value, str) else type(value).__name__


def _clipped(value: str) -> str:
    return shown(value if len(value) <= _QUOTED else value[: _QUOTED - 3] + "...")


def check_text(value: str, *, lines: bool = False, limit: int = MAX_LINE) -> str:
    """`value` as trinn keeps text: NFC, CR LF as LF; or ValueProblem naming what is wrong.

    Refused: a character `shown` would escape (controls, ANSI escapes, bidi overrides,
    invisible format characters, half a surrogate pair, NUL), a line break or tab where
    `lines` is false, and more than `limit` characters.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    found = first_unsafe(text)
    if found is not None:
        position, char = found
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            what = _("not valid Unicode")
            hint = _("bytes that are not UTF-8, or half of a surrogate pair")
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            what = _("a control character")
            hint = _("terminal escapes and other controls are not stored")
        else:
            what = _("an invisible formatting character")
            hint = _("direction overrides and invisible characters are not stored")
        raise ValueProblem(
            _("character {code} at position {position} is {what}").format(
                code=f"U+{code:04X}", position=position + 1, what=what
            ),
            hint,
        )
    if not lines and ("\n" in text or "\t" in text):
        raise ValueProblem(_("a line break or tab in a one-line value"), _("write it on one line"))
    if len(text) > limit:
        raise ValueProblem(
            _("too long: {count} characters").format(count=len(text)),
            _("at most {limit}").format(limit=limit),
        )
    return unicodedata.normalize("NFC", text)


def _text(value: Any, kind: str, *, lines: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueProblem(_("expected {kind}, got {value}").format(kind=_(kind), value=_quoted(value)))
    text = check_text(value, lines=lines, limit=MAX_LONG_TEXT if lines else MAX_LINE)
    return text if lines else text.strip()


def _number(value: Any, *, money: bool = False) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueProblem(_("expected a number, got {value}").format(value=_quoted(value)))
    if not isinstance(value, str):
        number: int | float = value
        written = str(value)
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueProblem(_("'{value}' is not a finite number").format(value=written))
    else:
        written = value.strip()
        read = read_number(written, money=money)
        if read is None:
            raise ValueProblem(_("expected a number, got {value}").format(value=_quoted(value)))
        number = read
    if not -_LIMIT < number < _LIMIT:  # an infinity too
        raise ValueProblem(
            _("'{value}' is out of range").format(value=_clipped(written)),
            _("at most {digits} digits before the decimal mark").format(digits=MAX_DIGITS),
        )
    return number


def _money(spec: FieldSpec, value: Any) -> int | float:
    amount = _number(value, money=True)
    if amount < 0 and not spec.negative:
        raise ValueProblem(
            _("'{value}' is below zero").format(value=_clipped(str(value).strip())),
            _("this amount cannot be negative"),
        )
    return amount


def parse_date(text: str) -> dt.date:
    """A date as a person writes it (engine.written: ISO, 15.12.2026, 15/12/2026, 15. desember
    2026), within 1900..2200; or ValueProblem saying why `text` is no such date."""
    day = read_date(text) if len(text) <= _DATE_CHARS else None
    if day is None:
        raise ValueProblem(
            _("'{value}' is not a date").format(value=_clipped(text.strip())),
            _("write e.g. 15.12.2026 or 2026-12-15"),
        )
    return _in_range(day)


def _in_range(day: dt.date) -> dt.date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueProblem(
            _("'{value}' is out of range").format(value=day.isoformat()),
            _("dates from {first} to {last}").format(
                first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat()
            ),
        )
    return day


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):  # a CEL timestamp, e.g. from `now`
        return _in_range(value.date()).isoformat()
    if isinstance(value, dt.date):
        return _in_range(value).isoformat()
    return parse_date(_text(value, N_("a date"))).isoformat()


def _moment(value: Any, zone: ZoneInfo | None) -> str:
    from trinn.engine.moments import parse_local_moment, stored_moment

    if isinstance(value, dt.datetime):  # a CEL timestamp, e.g. `now`
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    elif isinstance(value, dt.date):  # a date in YAML: the start of that local day
        local = dt.datetime.combine(value, dt.time(0)).replace(tzinfo=zone or ZoneInfo("UTC"))
        moment = local.astimezone(dt.UTC)
    else:
        text = _text(value, N_("a date and time"))
        found = parse_local_moment(text, zone or ZoneInfo("UTC"))
        if found is None:
            raise ValueProblem(
                _("'{value}' is not a date and time").format(value=_clipped(value)),
                _("write it as 15.12.2026 18:30, 15/12/2026 or 2026-12-15T18:30"),
            )
        moment = found
    if not FIRST_DATE <= moment.astimezone(dt.UTC).date() <= LAST_DATE:
        raise ValueProblem(
            _("'{value}' is out of range").format(value=_clipped(stored_moment(moment))),
            _("dates from {first} to {last}").format(
                first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat()
            ),
        )
    return stored_moment(moment)


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        items: list[Any] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        items = [item for item in value if not (isinstance(item, str) and not item.strip())]
    else:
        raise ValueProblem(_("expected a list, got {value}").format(value=_quoted(value)))
    if len(items) > MAX_ITEMS:
        raise ValueProblem(
            _("too many items: {count}").format(count=len(items)),
            _("at most {limit}").format(limit=MAX_ITEMS),
        )
    return items


def normalize_value(spec: FieldSpec, value: Any, *, zone: ZoneInfo | None = None) -> Any:
    """The normal form of `value` for `spec`, or ValueProblem saying why it does not fit.

    `zone` is the playbook's (engine.calendar.zone_of): a date-time without an offset is
    read on its wall clock; without a zone, on UTC's.
    """
    kind = spec.type
    if kind is FieldType.file:  # a file as kept; an upload is checked by engine.command first
        from trinn.engine.files import file_value

        return file_value(value)
    if kind is FieldType.long_text:
        return _text(value, N_("text"), lines=True)
    if kind in (FieldType.text, FieldType.person):
        return _text(value, N_("text"))
    if kind is FieldType.email:
        return _email(value)
    if kind is FieldType.url:
        text = _text(value, N_("a web address"))
        if not _URL.match(text):
            raise ValueProblem(
                _("'{value}' is not a web address").format(value=_clipped(text)), _("start it with https://")
            )
        return text
    if kind is FieldType.phone:
        text = _text(value, N_("a phone number"))
        if not _PHONE.match(text):
            raise ValueProblem(
                _("'{value}' is not a phone number").format(value=_clipped(text)),
                _("digits, spaces and a leading +"),
            )
        return text
    if kind is FieldType.number:
        return _number(value)
    if kind is FieldType.money:
        return _money(spec, value)
    if kind is FieldType.bool:
        if isinstance(value, bool):
            return value
        lowered = value.strip().lower() if isinstance(value, str) else value
        if lowered in ("true", "yes", "ja", "1", 1):
            return True
        if lowered in ("false", "no", "nei", "nej", "0", 0):
            return False
        raise ValueProblem(_("expected true or false, got {value}").format(value=_quoted(value)))
    if kind is FieldType.date:
        return _date(value)
    if kind is FieldType.datetime:
        return _moment(value, zone)
    if kind is FieldType.choice:
        text = _text(value, N_("one of the options"))
        _check_options(spec, [text])
        return text
    items = [_text(item, N_("text")) for item in _list(value)]
    if kind is FieldType.multi_choice:
        _check_options(spec, items)
        return list(dict.fromkeys(items))
    if kind is FieldType.email_list:  # each address once: a notify sends one message to each
        return list(dict.fromkeys(_email(item) for item in items))
    return items  # text_list, person_list


def _email(value: Any) -> str:
    text = _text(value, N_("an e-mail address"))
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValueProblem(
            _("'{value}' is not an e-mail address").format(value=_clipped(text)),
            _("write e.g. 'ola@example.no'"),
        )
    return text


def _check_options(spec: FieldSpec, chosen: list[str]) -> None:
    options = spec.options or []
    for item in chosen:
        if item not in options:
            raise ValueProblem(
                _("'{value}' is not an option").format(value=_clipped(item)),
                _("expected one of {options}").format(options=", ".join(f"'{o}'" for o in options)),
            )


def check_value(spec: FieldSpec, value: Any, *, zone: ZoneInfo | None = None) -> ValueProblem | None:
    try:
        normalize_value(spec, value, zone=zone)
    except ValueProblem as problem:
        return problem
    return None


def parse_moment(text: str) -> dt.datetime:
    """A `--now` moment: ISO 8601 date or time, no zone meaning UTC, within 1900..2200, as UTC.

    The one reading of `--now` for every command; ValueProblem says why `text` is no such time.
    """
    example = _("write e.g. 2026-12-01T09:00 or 2026-12-01")
    written = text.strip()
    out_of_range = ValueProblem(
        _("'{value}' is out of range").format(value=_clipped(text)),
        _("dates from {first} to {last}").format(first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat()),
    )
    try:
        if len(written) > 64 or not written.isascii():  # ASCII digits only, as for case ids
            raise ValueError(written)
        moment = dt.datetime.fromisoformat(written.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueProblem(_("'{value}' is not a time").format(value=_clipped(text)), example) from None
    try:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 lies before year 1 in UTC
        raise out_of_range from None
    if not FIRST_DATE <= moment.date() <= LAST_DATE:
        raise out_of_range
    return moment
