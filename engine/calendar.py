"""When something is due: a start time plus a playbook duration, in the playbook's country.

A playbook's language picks the country whose calendar counts:

    nb  Norway   Europe/Oslo        Norway's public holidays
    da  Denmark  Europe/Copenhagen  Denmark's public holidays
    en  none     UTC                weekends only

The rules, by unit:

- `hours` is elapsed time: 24 hours is always 24 hours, across a DST change too.
- `days` and `weeks` keep the local wall-clock time: 1 day after 10:00 is 10:00
  the next local day, 23 or 25 hours later across a DST change. A wall-clock
  time that does not exist (the hour skipped in spring) comes out one hour
  later; one that happens twice (autumn) is the first of the two.
- `months` and `years` are calendar arithmetic on the local wall clock: 1 month
  after 31 January is the last day of February (28 or 29), the same time of day;
  1 year after 29 February is 28 February.
- `workdays` end at local midnight: N workdays after a start are due at the
  local midnight that ends the Nth working day after the start's local calendar
  day. The start day itself never counts, so a start on a weekend or holiday
  counts from the next working day. 0 workdays are due at the end of the
  start's day if that is a working day, else at the end of the next working day.

Counted backwards (`shift` with `before`, for "2 workdays before moetetid"), the
same rules run the other way, except that N workdays before a moment are the
local midnight that *starts* the Nth working day before its local day: by then
the thing should have been done or said.

A playbook may name its own zone (`timezone: Europe/Oslo`); the country's
holidays still follow its language.

A working day is Monday to Friday and not a public holiday. Public holidays are
the `holidays` package's "public" category: the days off by law. Days many have
off by agreement only (in Denmark 1 May, Grundlovsdag, Christmas Eve and New
Year's Eve; in Norway Christmas Eve and New Year's Eve) are working days here,
and so is Denmark's Store bededag from 2024, when it was abolished.

Every moment returned is an aware datetime in UTC; a deadline is the first
moment at which the thing is late.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trinn.engine.errors import CalendarError, did_you_mean

__all__ = [
    "DURATION",
    "MAX_DURATION",
    "CalendarError",
    "due_at",
    "is_working_day",
    "local_time",
    "parse_duration",
    "shift",
    "working_days_between",
    "zone_of",
]


MAX_DURATION = 9999  # about 40 years of workdays: enough for any process, cheap to count
DURATION = re.compile(r"^\s*(\d+)\s*(hours?|days?|workdays?|weeks?|months?|years?)\s*$")


def parse_duration(text: str) -> tuple[int, str]:
    """'10 workdays' -> (10, 'workdays'); units are normalised to the plural."""
    match = DURATION.match(text)
    if match is None:
        raise ValueError(
            f"invalid duration '{text}' (write e.g. '10 workdays', '14 days', '2 weeks', "
            "'3 months', '1 year' or '4 hours')"
        )
    unit, amount = match.group(2), int(match.group(1))
    if amount > MAX_DURATION:
        raise ValueError(f"duration '{text}' is too long (at most {MAX_DURATION} {unit})")
    return amount, unit if unit.endswith("s") else unit + "s"


@dataclass(frozen=True)
class _Country:
    code: str | None  # ISO 3166 code for the `holidays` package; None: weekends only
    zone: str


_COUNTRIES: dict[str, _Country] = {
    "nb": _Country("NO", "Europe/Oslo"),
    "da": _Country("DK", "Europe/Copenhagen"),
    "en": _Country(None, "UTC"),
}


def due_at(start: datetime, duration: str, language: str, zone: str | None = None) -> datetime:
    """The moment, in UTC, at which something started at `start` is due."""
    try:
        amount, unit = parse_duration(duration)
    except ValueError as exc:
        raise CalendarError(str(exc)) from exc
    try:
        return _shift(start, amount, unit, language, before=False, zone=zone)
    except OverflowError as exc:
        raise CalendarError(
            f"duration '{duration}' from '{start.isoformat()}' ends after the year 9999"
        ) from exc


def shift(
    start: datetime, amount: int, unit: str, language: str, *, before: bool = False, zone: str | None = None
) -> datetime:
    """`amount` `unit`s after (or `before`) `start`, by the rules above, in UTC."""
    try:
        return _shift(start, amount, unit, language, before=before, zone=zone)
    except OverflowError as exc:
        raise CalendarError(
            f"{amount} {unit} {'before' if before else 'after'} '{start.isoformat()}' "
            f"ends {'before the year 1' if before else 'after the year 9999'}"
        ) from exc


def _shift(
    start: datetime, amount: int, unit: str, language: str, *, before: bool, zone: str | None
) -> datetime:
    country = _country(language)
    if start.tzinfo is None or start.utcoffset() is None:
        raise CalendarError(f"start time '{start.isoformat()}' has no time zone (give an aware datetime)")
    local_zone = zone_of(language, zone)
    sign = -1 if before else 1
    if unit == "hours":
        # Aware arithmetic in one zone is wall-clock arithmetic: convert to UTC first.
        return start.astimezone(UTC) + timedelta(hours=sign * amount)
    local = start.astimezone(local_zone)
    if unit == "workdays":
        if before:
            end = _nth_working_day_before(local.date(), amount, country)
            return datetime.combine(end, time(0), local_zone).astimezone(UTC)
        end = _nth_working_day(local.date(), amount, country)
        return datetime.combine(end + timedelta(days=1), time(0), local_zone).astimezone(UTC)
    wall = local.replace(tzinfo=None)
    if unit in ("months", "years"):
        wall = _add_months(wall, sign * amount * (12 if unit == "years" else 1))
    else:
        wall += timedelta(days=sign * amount * (7 if unit == "weeks" else 1))
    # Naive arithmetic keeps the wall clock; fold=0 picks the first of a repeated hour.
    return wall.replace(tzinfo=local_zone, fold=0).astimezone(UTC)


def _add_months(wall: datetime, months: int) -> datetime:
    """`wall` moved by whole calendar months, its day clipped to the target month's last day."""
    index = wall.year * 12 + wall.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date value out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return wall.replace(year=year, month=month + 1, day=min(wall.day, last))


def local_time(moment: datetime, language: str, zone: str | None = None) -> datetime:
    """`moment` on the wall clock of the language's country (or of `zone`), for showing to people."""
    return moment.astimezone(zone_of(language, zone))


def zone_of(language: str, zone: str | None = None) -> ZoneInfo:
    """The time zone a playbook's times are in: its own `zone`, else its language's country's."""
    if zone is not None:
        return _zone(_Country(None, zone))
    return _zone(_country(language))


def is_working_day(day: date, language: str) -> bool:
    """Monday to Friday and not a public holiday of the language's country."""
    _check_date(day)
    return _is_working_day(day, _country(language))


def working_days_between(a: date, b: date, language: str) -> int:
    """Working days after `a` up to and including `b`; negative when `b` is before `a`.

    From a due day to today this is how many working days something is overdue.
    """
    _check_date(a)
    _check_date(b)
    country = _country(language)
    if b < a:
        return -working_days_between(b, a, language)
    return sum(_is_working_day(a + timedelta(days=i), country) for i in range(1, (b - a).days + 1))


def _nth_working_day(start: date, n: int, country: _Country) -> date:
    """The Nth working day after `start`; for 0, `start` itself or the next working day."""
    day = start
    if n == 0:
        while not _is_working_day(day, country):
            day += timedelta(days=1)
        return day
    if start.toordinal() + n > date.max.toordinal():
        raise OverflowError("date value out of range")  # fail now, not after millions of days
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if _is_working_day(day, country):
            counted += 1
    return day


def _nth_working_day_before(start: date, n: int, country: _Country) -> date:
    """The Nth working day before `start`; for 0, `start` itself or the working day before it."""
    day = start
    if n == 0:
        while not _is_working_day(day, country):
            day -= timedelta(days=1)
        return day
    if start.toordinal() - n < 1:
        raise OverflowError("date value out of range")
    counted = 0
    while counted < n:
        day -= timedelta(days=1)
        if _is_working_day(day, country):
            counted += 1
    return day


def _is_working_day(day: date, country: _Country) -> bool:
    if day.weekday() >= 5:
        return False
    return country.code is None or day not in _public_holidays(country.code, day.year)


@functools.cache
def _public_holidays(code: str, year: int) -> frozenset[date]:
    # A frozen set per country and year: building holidays costs about a millisecond,
    # and the package's own objects grow as years are looked up (shared, mutable state).
    import holidays  # about 20 ms to import: only when a working day is counted

    return frozenset(holidays.country_holidays(code, years=year))


def _country(language: str) -> _Country:
    try:
        return _COUNTRIES[language]
    except KeyError:
        hint = did_you_mean(language, _COUNTRIES, list_if_few=len(_COUNTRIES))
        raise CalendarError(f"unknown language '{language}'" + (f" ({hint})" if hint else "")) from None


def _check_date(day: date) -> None:
    # A datetime is a date too, but its calendar day depends on a zone we would have to guess.
    if isinstance(day, datetime):
        raise CalendarError(
            f"expected a date, got the datetime '{day.isoformat()}' "
            "(take its .date() in the playbook's time zone)"
        )


def _zone(country: _Country) -> ZoneInfo:
    try:
        return ZoneInfo(country.zone)
    except ZoneInfoNotFoundError as exc:
        raise CalendarError(f"no time zone data for '{country.zone}' (install the 'tzdata' package)") from exc
