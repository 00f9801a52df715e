"""`trinn check` for time: dates in fields, case-wide deadlines and meetings.

Refused, each at its position:

- a time relative to a field that does not exist, or that is not a date or date-time
  (`due: "2 workdays before navn"`), and hours from a date (a date has no time of day);
- a deadline that starts at, or is met in, a state that does not exist, starts at an
  unknown field, or reminds with `at` (its reminders count from its start: `after`);
- a meeting, a state's or a task's, whose time is not a date-time field, and unknown roles,
  people fields or place fields in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trinn.engine.checker import Checker
from trinn.engine.field_types import FieldType
from trinn.engine.source import Loc
from trinn.engine.timing import parse_when

if TYPE_CHECKING:
    from trinn.engine.spec import MeetingSpec, ReminderSpec

__all__ = ["check_timing"]

_DATES = (FieldType.date, FieldType.datetime)
_INVITEES = (
    FieldType.email,
    FieldType.email_list,
    FieldType.person,
    FieldType.person_list,
    FieldType.text_list,
)


def check_timing(checker: Checker) -> None:
    spec = checker.spec
    for state_id, state in spec.states.items():
        loc: Loc = ("states", state_id)
        for i, task in enumerate(state.tasks):
            if task.due is not None:
                _when(checker, (*loc, "tasks", i, "due"), task.due)
            if task.meeting is not None:
                _meeting(checker, (*loc, "tasks", i, "meeting"), task.meeting, f"task '{task.id}'")
        for which in ("remind", "escalate"):
            for i, reminder in enumerate(getattr(state, which)):
                if reminder.at is not None:
                    _when(checker, (*loc, which, i, "at"), reminder.at)
        for i, timer in enumerate(state.timers):
            if timer.at is not None:
                _when(checker, (*loc, "timers", i, "at"), timer.at)
        if state.meeting is not None:
            _meeting(checker, (*loc, "meeting"), state.meeting, f"'{state_id}'")
    for deadline_id, deadline in spec.deadlines.items():
        dloc: Loc = ("deadlines", deadline_id)
        if deadline.start.enter is not None:
            checker.ref((*dloc, "start", "enter"), "state", deadline.start.enter, spec.states)
        if deadline.start.set is not None:
            checker.ref((*dloc, "start", "set"), "field", deadline.start.set, spec.fields)
        met = deadline.met
        for i, met_state in enumerate(met.states):
            where = (*dloc, "met", "state") if isinstance(met.state, str) else (*dloc, "met", "state", i)
            checker.ref(where, "state", met_state, spec.states)
        if met.when is not None:
            checker.expression((*dloc, "met", "when"), met.when, "condition")
        for which in ("remind", "escalate"):
            reminders: list[ReminderSpec] = getattr(deadline, which)
            for i, reminder in enumerate(reminders):
                rloc = (*dloc, which, i)
                checker.roles((*rloc, "to"), reminder.to)
                if reminder.message is not None:
                    checker.ref((*rloc, "message"), "message", reminder.message, spec.messages)
                if reminder.at is not None:
                    checker.add(
                        (*rloc, "at"),
                        f"a reminder of deadline '{deadline_id}' counts from its start",
                        "write 'after: 10 weeks' instead of 'at'",
                        at_key=True,
                    )


def _when(checker: Checker, loc: Loc, text: str) -> None:
    when = parse_when(text)
    if when.field is None:
        return
    kind = checker.field_type(loc, when.field)
    if kind is None:
        return
    if kind not in _DATES:
        checker.add(
            loc,
            f"'{text}' is relative to the field '{when.field}', which is '{kind.value}', not a date",
            "a time relative to a field needs a date or datetime field",
        )
    elif kind is FieldType.date and when.unit == "hours":
        checker.add(
            loc,
            f"'{text}' counts hours from the date field '{when.field}'",
            "a date has no time of day: count days, or make the field a datetime",
        )


def _meeting(checker: Checker, loc: Loc, meeting: MeetingSpec, owner: str) -> None:
    """A state's or a task's meeting; `owner` names it in messages ("'a'", "task 'b'")."""
    spec = checker.spec
    kind = checker.field_type((*loc, "time"), meeting.time)
    if kind is not None and kind is not FieldType.datetime:
        checker.add(
            (*loc, "time"),
            f"meeting of {owner} needs a datetime field for its time, and '{meeting.time}' is '{kind.value}'",
            "make it 'type: datetime': an invitation has a time of day",
        )
    checker.roles((*loc, "to"), meeting.to)
    if meeting.organizer is not None:
        checker.ref((*loc, "organizer"), "role", meeting.organizer, spec.roles)
    for i, field_id in enumerate(meeting.to_fields):
        floc = (*loc, "to_field") if isinstance(meeting.to_field, str) else (*loc, "to_field", i)
        kind = checker.field_type(floc, field_id)
        if kind is not None and kind not in _INVITEES:
            checker.add(
                floc,
                f"'{field_id}' is '{kind.value}': it cannot hold who is invited",
                "use an email, email_list, person, person_list or text_list field",
            )
    if meeting.place_field is not None:
        checker.ref((*loc, "place_field"), "field", meeting.place_field, spec.fields)
    if meeting.message is not None:
        checker.ref((*loc, "message"), "message", meeting.message, spec.messages)
    if not (meeting.to or meeting.to_person or meeting.to_field):
        checker.add(loc, f"meeting of {owner} invites no one", "give 'to', 'to_person' or 'to_field'")
