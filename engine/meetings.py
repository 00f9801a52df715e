"""Meetings as a step: a state with `meeting:` invites its participants with a calendar event.

    states:
      indledende_moede:
        title: Indledende møde med partneren
        meeting:
          time: moedetid                 # a datetime field
          duration: 1 hours
          place_field: moedested         # or place: "Foreningshuset"
          agenda: Præsentation af foreningen og idéen
          to: [foreningen]               # roles, and/or
          to_field: moededeltagere       # e-mail addresses or people ids in a field
          organizer: foreningen

What happens, after each command on the case (one `meeting` timer row per
meeting keeps its start and its SEQUENCE in `fired_count`, and its number within
the visit to the state in `position`):

- the case is in the meeting's state and its time is set (and still to come), with no
  invitation out: every participant gets an invitation (`METHOD:REQUEST`, SEQUENCE 0)
  as an `.ics` attachment to a message saying when and where (or the playbook's
  `message:`);
- a transition from the meeting's state back into it (recording minutes, say) keeps
  the meeting as it is: no cancellation, no second invitation;
- the time changes before the meeting began: a new invitation with the same UID and
  the SEQUENCE raised;
- people are added to the invitees' field before the meeting began: they (only) get
  the invitation as it stands, same UID and SEQUENCE; people taken off it get a
  cancellation;
- the time is cleared, or the case leaves the state (or closes) before the meeting
  began: a cancellation (`METHOD:CANCEL`, the SEQUENCE raised);
- the time is set again after the meeting began: that one was held, and this is the
  next meeting (a recurring one): a new UID, SEQUENCE 0. Clearing the time of a held
  meeting, or leaving the state after it began, sends nothing.

The UID is the case's and the state entry's (`trinn-7-indledende_moede-3@<playbook>`,
then `-1`, `-2` for the meetings after it in the same visit), so a calendar replaces
the event it has instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trinn.engine.case import Case, TimerRecord
from trinn.engine.moments import moment_of
from trinn.engine.outbox_message import OutboxMessage, Reason
from trinn.engine.spec import MeetingSpec, PlaybookSpec
from trinn.engine.status import TimerStatus
from trinn.engine.text import localize

__all__ = ["MEETING", "calendar_text", "invitation_text", "update_meetings"]

MEETING = "meeting"  # the timer kind that keeps a meeting's start and sequence

_TEXT = {
    "nb": ("Invitasjon: {title}", "Avlyst: {title}", "Tid", "Sted", "Agenda", "Møtet er avlyst."),
    "da": ("Invitation: {title}", "Aflyst: {title}", "Tid", "Sted", "Dagsorden", "Mødet er aflyst."),
    "en": (
        "Invitation: {title}",
        "Cancelled: {title}",
        "Time",
        "Place",
        "Agenda",
        "The meeting is cancelled.",
    ),
}


def update_meetings(
    case: Case, spec: PlaybookSpec, now: dt.datetime, fields_before: Mapping[str, Any] | None = None
) -> list[OutboxMessage]:
    """Invite, re-invite or cancel after a command; the messages to queue.

    `fields_before`: the case's values before the command, to tell who was added to (or
    taken off) the invitees of a meeting whose invitation is out.
    """
    payloads: list[OutboxMessage] = []
    rows = [t for t in case.timers if t.kind == MEETING and t.status == TimerStatus.WAITING]
    for row in rows:
        # a transition back into the same state (a self-transition) keeps its meeting: the
        # state is left and entered in one command, and the meeting still stands
        if row.state == case.state and not case.is_closed:
            continue
        if row.due_at > now:  # left before it began
            row.fired_count += 1
            row.status, row.dirty = TimerStatus.CANCELLED, True
            payloads.append(_payload(spec, case, row, "CANCEL"))
        else:
            _held(row)
    state = spec.states.get(case.state)
    if state is None or state.meeting is None or case.is_closed:
        return payloads
    start = _start(case.fields.get(state.meeting.time))
    current = [r for r in rows if r.state == case.state]
    if current and current[0].due_at <= now and start != current[0].due_at:
        _held(current[0])  # it began: a new time is the next meeting, a cleared one ends it
        if start is None or start <= current[0].due_at:
            return payloads
        row = TimerRecord(MEETING, current[0].position + 1, case.entry, case.state, start)
        case.timers.append(row)
        return [*payloads, _payload(spec, case, row, "REQUEST")]
    if not current:
        if start is not None and start > now:  # entering with a time gone by: nothing to invite to
            row = TimerRecord(MEETING, 0, case.entry, case.state, start)
            case.timers.append(row)
            payloads.append(_payload(spec, case, row, "REQUEST"))
        return payloads
    row = current[0]
    if start == row.due_at:
        return payloads + _invitees_changed(spec, case, row, fields_before, now=now)
    row.fired_count += 1
    row.dirty = True
    if start is None:
        row.status = TimerStatus.CANCELLED
        payloads.append(_payload(spec, case, row, "CANCEL"))
        return payloads
    row.due_at = start
    payloads.append(_payload(spec, case, row, "REQUEST"))  # to everyone invited now
    return payloads + _invitees_changed(spec, case, row, fields_before, now=now, only_gone=True)


def _held(row: TimerRecord) -> None:
    row.status, row.fired_at, row.dirty = TimerStatus.FIRED, row.due_at, True


def _invitees_changed(
    spec: PlaybookSpec,
    case: Case,
    row: TimerRecord,
    fields_before: Mapping[str, Any] | None,
    *,
    now: dt.datetime,
    only_gone: bool = False,
) -> list[OutboxMessage]:
    """The invitation for people added to the invitees' fields, a cancellation for those
    taken off; the same UID and SEQUENCE (RFC 5546: the event itself did not change).
    Nothing once the meeting began: who came is for its minutes."""
    if fields_before is None or row.due_at <= now:
        return []
    before, after = _invited(spec, row, fields_before), _invited(spec, row, case.fields)
    added = [who for who in after if who not in before]
    gone = [who for who in before if who not in after]
    payloads = []
    if added and not only_gone:
        payloads.append(
            _payload(spec, case, row, "REQUEST", only=added, also=[w for w in after if w in before])
        )
    if gone:
        payloads.append(_payload(spec, case, row, "CANCEL", only=gone))
    return payloads


def _invited(spec: PlaybookSpec, row: TimerRecord, fields: Mapping[str, Any]) -> list[str]:
    """People ids and addresses the meeting's invitee fields hold in `fields`, each once."""
    meeting = spec.states[row.state].meeting
    assert meeting is not None
    found: list[str] = []
    for field_id in meeting.to_fields:
        value = fields.get(field_id)
        found += map(str, value if isinstance(value, list) else [value] if value else [])
    return list(dict.fromkeys(found))


def _start(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return moment_of(value)


def _payload(
    spec: PlaybookSpec,
    case: Case,
    row: TimerRecord,
    method: str,
    *,
    only: list[str] | None = None,
    also: list[str] | None = None,
) -> OutboxMessage:
    """The invitation (or cancellation) of `row` for everyone invited, or `only` for some of
    the invitee fields' people; `also`: the others invited, named in its `.ics` as attendees."""
    meeting = spec.states[row.state].meeting
    assert meeting is not None
    roles = (meeting.to,) if isinstance(meeting.to, str) else tuple(meeting.to)
    persons = list(meeting.to_person) if only is None else []
    addresses: list[str] = []
    for item in _invited(spec, row, case.fields) if only is None else only:
        if "@" in item:  # an e-mail field's or a text list's address; else a person's id
            addresses.append(item)
        else:
            persons.append(item)
    details: dict[str, Any] = {
        "method": method,
        "sequence": row.fired_count,
        "entry": row.entry,
        "start": row.due_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if row.position:
        details["number"] = row.position
    if only is not None:  # the rest of the attendees, for the `.ics` of a late invitation
        details["also"] = [*meeting.to_person, *(also or [])]
        details["also_roles"] = list(roles)
    return OutboxMessage(
        reason=Reason.MEETING,
        state=row.state,
        message=meeting.message if method == "REQUEST" else None,
        to=roles if only is None else (),
        to_persons=tuple(dict.fromkeys(persons)),
        addresses=tuple(dict.fromkeys(addresses)),
        meeting=details,
    )


def _state(payload: OutboxMessage) -> str:
    assert payload.state is not None
    return payload.state


def _details(spec: PlaybookSpec, case: Case, payload: OutboxMessage) -> tuple[MeetingSpec, str, str | None]:
    meeting = spec.states[_state(payload)].meeting
    assert meeting is not None
    state = spec.states[_state(payload)]
    title = localize(meeting.title or state.title, spec.language)
    if case.subject:
        title = f"{title} ({case.subject})"
    place = meeting.place
    if meeting.place_field is not None and case.fields.get(meeting.place_field):
        place = str(case.fields[meeting.place_field])
    return meeting, title, place


def invitation_text(spec: PlaybookSpec, case: Case, payload: OutboxMessage) -> tuple[str, str]:
    """The message an invitation or cancellation is attached to: its title and body."""
    from trinn.engine.template import local_moment

    meeting, title, place = _details(spec, case, payload)
    invite, cancel, when, where, agenda, cancelled = _TEXT.get(spec.language, _TEXT["en"])
    start = _start(payload.meeting["start"])
    assert start is not None
    lines = [f"{when}: {local_moment(start, spec.language, spec.timezone)}"]
    if place:
        lines.append(f"{where}: {place}")
    if meeting.agenda:
        lines += ["", f"{agenda}:", localize(meeting.agenda, spec.language)]
    if payload.meeting["method"] == "CANCEL":
        return cancel.format(title=title), "\n".join([cancelled, "", *lines])
    return invite.format(title=title), "\n".join(lines)


def calendar_text(
    spec: PlaybookSpec,
    case: Case,
    payload: OutboxMessage,
    attendees: list[str],
    organizer: str | None,
    now: dt.datetime,
) -> str:
    """The `.ics` of an invitation or cancellation (RFC 5545/5546), in the playbook's zone."""
    from icalendar import Calendar, Event, vCalAddress

    from trinn.engine.calendar import zone_of

    meeting, title, place = _details(spec, case, payload)
    details = payload.meeting
    start = _start(details["start"])
    assert start is not None
    local = start.astimezone(zone_of(spec.language, spec.timezone))
    calendar = Calendar()
    calendar.add("prodid", "-//trinn//trinn meeting//EN")
    calendar.add("version", "2.0")
    calendar.add("method", details["method"])
    event = Event()
    number = f"-{details['number']}" if details.get("number") else ""
    event.add("uid", f"trinn-{case.id}-{_state(payload)}-{details['entry']}{number}@{spec.id}")
    event.add("sequence", details["sequence"])
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", local)
    event.add("dtend", local + dt.timedelta(**meeting.length))
    event.add("summary", title)
    if place:
        event.add("location", place)
    if meeting.agenda:
        event.add("description", localize(meeting.agenda, spec.language))
    if details["method"] == "CANCEL":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    if organizer:
        event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    for address in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["RSVP"] = "TRUE"
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    text: str = calendar.to_ical().decode("utf-8")
    return text
