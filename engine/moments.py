"""Dates and date-times as people in Norway and Denmark write them, and as trinn keeps them.

A `datetime` field holds a moment: stored as UTC ISO text (`2026-12-15T17:30:00Z`),
typed and shown on the wall clock of the playbook's zone (Europe/Oslo for nb,
Europe/Copenhagen for da, UTC for en, or the playbook's own `timezone`). Accepted:

    15.12.2026 18:30    15.12.2026 kl. 18.30    15/12/2026 18:30    15.12.2026
    2026-12-15T18:30    2026-12-15 18:30        2026-12-15T17:30Z   2026-12-15T18:30+01:00

A moment without a time of day is the start of that local day; one without an
offset is local time; one with an offset (or Z) is that exact moment. A local
time the clock skips (spring DST) comes out an hour later, as in engine.calendar;
one it shows twice (autumn) is the first.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

__all__ = ["local_moment_text", "moment_of", "parse_local_date", "parse_local_moment", "stored_moment"]

# day.month.year or day/month/year, the way nb and da write dates (one or two digit day and month)
_LOCAL_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
# a time of day after a date: 18:30, 18.30, kl. 18:30, kl 18.30 (Danish and Norwegian 'klokken')
_LOCAL_TIME = re.compile(r"^(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$", re.IGNORECASE)


def parse_local_date(text: str) -> dt.date | None:
    """`15.12.2026`, `15/12/2026`, ISO `2026-12-15` (engine.written's reading); None if no date."""
    from trinn.engine.written import read_date

    written = text.strip()
    if not written.isascii() or len(written) > 10:  # a date alone, before a time of day
        return None
    return read_date(written)


def parse_local_moment(text: str, zone: ZoneInfo) -> dt.datetime | None:
    """A written moment (see the module's list) as an aware UTC datetime; None if it is none."""
    written = text.strip()
    if not written.isascii() or len(written) > 40:
        return None
    day = parse_local_date(written)
    if day is not None:
        return _at(day, dt.time(0), zone)
    head, _, rest = written.partition(" ")
    day = parse_local_date(head)
    if day is not None:
        match = _LOCAL_TIME.match(rest.strip())
        if match is None:
            return None
        try:
            clock = dt.time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
        except ValueError:  # 25:00
            return None
        return _at(day, clock, zone)
    try:
        moment = dt.datetime.fromisoformat(written.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return _at(moment.date(), moment.time(), zone)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        return None


def _at(day: dt.date, clock: dt.time, zone: ZoneInfo) -> dt.datetime:
    # attach the zone to the wall clock (fold=0: the first of a repeated hour), then go to UTC;
    # a skipped wall-clock time round-trips through UTC to one hour later
    return dt.datetime.combine(day, clock).replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def stored_moment(moment: dt.datetime) -> str:
    """A moment's normal form: UTC ISO text to the second, with a Z."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def moment_of(stored: str) -> dt.datetime:
    """A stored moment (`stored_moment`'s text; one without a zone is UTC) as an aware UTC
    datetime; ValueError if the text is no moment."""
    moment = dt.datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def local_moment_text(stored: str, zone: ZoneInfo, language: str) -> str:
    """A stored moment as people type it back: `15.12.2026 18:30` (nb, da), `2026-12-15 18:30` (en)."""
    try:
        local = moment_of(stored).astimezone(zone)
    except ValueError:
        return stored
    if language in ("nb", "da"):
        return local.strftime("%d.%m.%Y %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")
