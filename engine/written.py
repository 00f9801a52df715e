"""Dates and numbers as people write them, read into one value.

A coordinator types what the screen shows: `15.12.2026`, `15/12/2026`, `15-12-2026`,
`15. desember 2026`, `1 500,50`, `1.500,50 kr.`, `kr 1 500,-`. Every form reads the
same in every language, so a text never means one date in nb and another in en:

- a date is ISO (`2026-12-15`) or day, month, year in that order (as nb, da and en_GB
  write it; the US month-first order is not read), the month as a number or a name in
  nb, da or en; a two-digit year is 2000 + the year (`15.12.26`);
- a number groups thousands with spaces, or with `.` or `,` when the other mark is the
  decimal mark (`1.500,50`, `1,500.50`) or when the same mark comes twice (`1.500.000`);
  one lone `.` or `,` is the decimal mark (`1,5` and `1.5` are both one and a half);
  U+2212 is a minus, as babel writes it; an amount may carry `kr`, `kr.`, `NOK` or `DKK`
  before or after it and end in `,-` (whole kroner).

The functions return None for what they cannot read; engine.values says why in words.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

__all__ = ["read_date", "read_number"]

_NUMERIC_DATE = re.compile(r"([0-9]{1,2})\s*([./-])\s*([0-9]{1,2})\s*\2\s*([0-9]{4}|[0-9]{2})\.?")
_NAMED_DATE = re.compile(r"([0-9]{1,2})\.?\s+([^\W\d_]+)\.?,?\s+([0-9]{4})", re.UNICODE)
_LOCALES = ("nb_NO", "da_DK", "en_GB")
_MAX_CHARS = 64  # no date and no number trinn stores is written longer

_SPACES = str.maketrans("", "", " \u00a0\u202f")
_PLAIN = re.compile(r"[0-9]+(?:[.,][0-9]+)?(?:[eE][+-]?[0-9]{1,3})?")
_DIGITS = re.compile(r"[0-9]+")
_GROUPED = {mark: re.compile(rf"[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+") for mark in ".,"}
_CURRENCY = re.compile(r"^(?:kr\.?|nok|dkk)\s*|\s*(?:kr\.?|nok|dkk)$", re.IGNORECASE)


def read_date(text: str) -> dt.date | None:
    """The day `text` names, or None; a day that does not exist (31.02.2026) is None too."""
    written = text.strip()
    if len(written) > _MAX_CHARS:
        return None
    try:
        return dt.date.fromisoformat(written)
    except ValueError:
        pass
    numeric = _NUMERIC_DATE.fullmatch(written)
    if numeric is not None:
        day, month, year = int(numeric.group(1)), int(numeric.group(3)), numeric.group(4)
        return _day(int(year) + (2000 if len(year) == 2 else 0), month, day)
    named = _NAMED_DATE.fullmatch(_without_weekday(written))
    if named is not None:
        named_month = _month_names().get(named.group(2).lower())
        if named_month is not None:
            return _day(int(named.group(3)), named_month, int(named.group(1)))
    return None


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _without_weekday(text: str) -> str:
    """'tirsdag 15. desember 2026' (or da 'tirsdag den 15. december 2026') as '15. desember
    2026': babel's full form starts so."""
    first, _, rest = text.partition(" ")
    if first.rstrip(",.").lower() not in _weekday_names():
        return text
    rest = rest.strip()
    return rest[4:].strip() if rest.lower().startswith("den ") else rest


@functools.cache
def _month_names() -> dict[str, int]:
    """Month names and abbreviations of nb, da and en, lowercased, without a final '.'."""
    from babel import Locale

    names: dict[str, int] = {}
    for code in _LOCALES:
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    names[str(name).lower().rstrip(".")] = int(number)
    return names


@functools.cache
def _weekday_names() -> frozenset[str]:
    from babel import Locale

    names: set[str] = set()
    for code in _LOCALES:
        days = Locale.parse(code).days
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                names.update(str(name).lower().rstrip(".") for name in days[context][width].values())
    return frozenset(names)


def read_number(text: str, *, money: bool = False) -> int | float | None:
    """The number `text` writes, or None; `money` reads currency marks and `,-` too.

    Integers stay int (exact to any size trinn stores); a decimal mark or an exponent
    makes a float. The range is the caller's to check.
    """
    written = text.strip()
    if len(written) > _MAX_CHARS:
        return None
    if money:
        written = _CURRENCY.sub("", written)
        if written.endswith((",-", ".-")):
            written = written[:-2]
    written = written.replace("\u2212", "-").translate(_SPACES)
    sign = ""
    if written[:1] in ("+", "-"):
        sign, written = written[0], written[1:]
    if _PLAIN.fullmatch(written):
        digits = written.replace(",", ".")
    else:
        found = _grouped(written)
        if found is None:
            return None
        digits = found
    if not any(mark in digits for mark in ".eE"):
        return int(sign + digits)  # at most 64 digits: far from Python's 4,300-digit limit
    number = float(sign + digits)  # 1e309 is infinite: the caller refuses it as out of range
    if number.is_integer() and "." not in digits and abs(number) < 1e300:
        return int(number)  # 1e3 is the whole number 1000
    return number


def _grouped(written: str) -> str | None:
    """'1.500,50' or '1,500.50' or '1.500.000' as '1500.50' / '1500000'; None if not so."""
    for group, decimal in ((".", ","), (",", ".")):
        whole, mark, fraction = written.partition(decimal)
        if _GROUPED[group].fullmatch(whole) and (not mark or _DIGITS.fullmatch(fraction)):
            return whole.replace(group, "") + ("." + fraction if mark else "")
    return None
