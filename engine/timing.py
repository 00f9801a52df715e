"""When something is due: a duration from a start, or a moment relative to a date in a field.

A playbook writes a time in one of two ways:

    10 workdays                       counted from when the state was entered (engine.calendar)
    moetetid                          at the date or date-time held in the field `moetetid`
    2 workdays before moetetid        a duration before it
    3 days after oppfolgingsdato      or after it

A `date` field names a whole local day. A reminder or timer at it comes at the
start of that day (local midnight), and a task due on it is due at the end of
it: "due: oppfolgingsdato" is late from the midnight that ends the follow-up
day. Durations from a date count whole days and land at the start (or, for a
due date, the end) of the day they reach. A `datetime` field is an exact moment,
and a duration from it keeps its wall-clock time (workdays: see engine.calendar).

A field that has no value yet gives no moment (None): the reminder waits for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trinn.engine.calendar import MAX_DURATION, due_at, parse_duration, shift, zone_of

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["When", "moment_of", "parse_when", "time_fields_read"]

_ANCHORED = re.compile(
    r"^\s*(?:(\d+)\s*(hours?|days?|workdays?|weeks?|months?|years?)\s+(before|after)\s+)?"
    r"([a-z][a-z0-9_]*)\s*$"
)


@dataclass(frozen=True)
class When:
    """A parsed time: `field` None for a duration from the start, else relative to that field."""

    text: str
    field: str | None
    amount: int = 0
    unit: str = "days"
    before: bool = False


@functools.lru_cache(maxsize=1024)
def parse_when(text: str) -> When:
    """'2 workdays before moetetid' -> When; a plain duration too; ValueError in words.
    Remembered: every command re-times its case's timers from the same few texts."""
    match = _ANCHORED.match(text)
    if match is None:
        if not re.search(r"\b(before|after)\b", text) and not text.strip()[:1].isalpha():
            amount, unit = parse_duration(text)  # its own message: a duration is what was meant
            return When(text, None, amount, unit)
        raise ValueError(
            f"invalid time '{text}' (write e.g. '10 workdays', 'moetetid', "
            "'2 workdays before moetetid' or '3 days after oppfolgingsdato')"
        )
    amount_text, unit, side, name = match.groups()
    if amount_text is None:
        return When(text, name)
    amount = int(amount_text)
    if amount > MAX_DURATION:
        raise ValueError(f"duration '{text}' is too long (at most {MAX_DURATION} {unit})")
    return When(text, name, amount, unit if unit.endswith("s") else unit + "s", side == "before")


def moment_of(
    when: str,
    start: dt.datetime,
    spec: PlaybookSpec,
    fields: Mapping[str, Any],
    *,
    end_of_day: bool = False,
) -> dt.datetime | None:
    """The UTC moment `when` names for a case whose state was entered at `start`.

    `end_of_day`: a due date (late from the end of a date field's day), not a reminder.
    None when `when` is relative to a field that has no value.
    """
    parsed = parse_when(when)
    if parsed.field is None:
        return due_at(start, when, spec.language, spec.timezone)
    value = fields.get(parsed.field)
    if value is None or value == "":
        return None
    zone = zone_of(spec.language, spec.timezone)
    kind = spec.fields[parsed.field].type.value
    if kind == "date":
        day = dt.date.fromisoformat(str(value))
        anchor = dt.datetime.combine(day, dt.time(0)).replace(tzinfo=zone).astimezone(dt.UTC)
        moment = anchor
        if parsed.amount or parsed.unit == "workdays":
            moment = _shifted(anchor, parsed, spec)
        day = moment.astimezone(zone).date()
        if parsed.unit == "workdays" and not parsed.before:
            day -= dt.timedelta(days=1)  # N workdays after end at the midnight that ends the Nth
        if end_of_day:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(0)).replace(tzinfo=zone).astimezone(dt.UTC)
    anchor = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(dt.UTC)
    if parsed.amount == 0 and parsed.unit != "workdays":
        return anchor
    moment = _shifted(anchor, parsed, spec)
    if end_of_day and parsed.unit == "workdays" and parsed.before:
        # due on the Nth working day before: late from the end of that day, not its start
        day = moment.astimezone(zone).date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(0)).replace(tzinfo=zone).astimezone(dt.UTC)
    return moment


def _shifted(anchor: dt.datetime, parsed: When, spec: PlaybookSpec) -> dt.datetime:
    return shift(anchor, parsed.amount, parsed.unit, spec.language, before=parsed.before, zone=spec.timezone)


def time_fields_read(spec: PlaybookSpec) -> set[str]:
    """Fields that time reads: dates things are relative to, meetings' time, place and
    invitees, and the fields whose setting starts a deadline."""
    whens: list[str] = []
    read: set[str] = set()
    for state in spec.states.values():
        whens += [t.due for t in state.tasks if t.due]
        whens += [r.when for r in [*state.remind, *state.escalate]] + [t.when for t in state.timers]
        for meeting in [state.meeting, *(t.meeting for t in state.tasks)]:
            if meeting is not None:
                read |= {meeting.time, *meeting.to_fields}
                read |= {meeting.place_field} if meeting.place_field else set()
    read |= {d.start.set for d in spec.deadlines.values() if d.start.set}
    return read | {f for f in (parse_when(w).field for w in whens) if f is not None}
