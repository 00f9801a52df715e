"""What a meeting's invitation or cancellation says: the message it is attached to, and its `.ics`.

engine.meetings decides when one goes out and queues it (the owner, method, SEQUENCE and
start in its `meeting` details); this writes it when the message is rendered, the same for
a state's meeting and a task's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from trinn.engine.case import Case
from trinn.engine.meetings import TASK_MEETING, MeetingOwner, owner_of, start_of
from trinn.engine.outbox_message import OutboxMessage
from trinn.engine.text import localize

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["calendar_text", "invitation_text", "meeting_uid"]

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


def meeting_uid(spec: PlaybookSpec, case: Case, owner: MeetingOwner, details: dict[str, object]) -> str:
    """The event's UID: one per meeting, so a calendar replaces the event it has.

    A state's: `trinn-7-mote-3@<playbook>` (`-1`, `-2` for the meetings after it in the visit);
    a task's: `trinn-7-trin_4-laengere_moede-9@<playbook>` (`-1`, `-2` for its other items).
    Ids have no `-`, and an entry is a number, so the two never meet."""
    number = f"-{details['number']}" if details.get("number") else ""
    key = f"{owner.state}-{owner.key}" if owner.kind == TASK_MEETING else owner.state
    return f"trinn-{case.id}-{key}-{details['entry']}{number}@{spec.id}"


def _details(spec: PlaybookSpec, case: Case, payload: OutboxMessage) -> tuple[MeetingOwner, str, str | None]:
    owner = owner_of(spec, payload)
    meeting = owner.meeting
    title = localize(meeting.title or owner.title, spec.language)
    if owner.item is not None:  # one meeting per item of a for_each task: which one
        title = f"{title}: {owner.item}"
    if case.subject:
        title = f"{title} ({case.subject})"
    place = meeting.place
    if meeting.place_field is not None and case.fields.get(meeting.place_field):
        place = str(case.fields[meeting.place_field])
    return owner, title, place


def invitation_text(spec: PlaybookSpec, case: Case, payload: OutboxMessage) -> tuple[str, str]:
    """The message an invitation or cancellation is attached to: its title and body."""
    from trinn.engine.template import local_moment

    owner, title, place = _details(spec, case, payload)
    invite, cancel, when, where, agenda, cancelled = _TEXT.get(spec.language, _TEXT["en"])
    start = start_of(payload.meeting["start"])
    assert start is not None
    lines = [f"{when}: {local_moment(start, spec.language, spec.timezone)}"]
    if place:
        lines.append(f"{where}: {place}")
    if owner.meeting.agenda:
        lines += ["", f"{agenda}:", localize(owner.meeting.agenda, spec.language)]
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

    owner, title, place = _details(spec, case, payload)
    meeting, details = owner.meeting, dict(payload.meeting)
    start = start_of(details["start"])
    assert start is not None
    local = start.astimezone(zone_of(spec.language, spec.timezone))
    calendar = Calendar()
    calendar.add("prodid", "-//trinn//trinn meeting//EN")
    calendar.add("version", "2.0")
    calendar.add("method", details["method"])
    event = Event()
    event.add("uid", meeting_uid(spec, case, owner, details))
    event.add("sequence", details["sequence"])
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", local)
    event.add("dtend", local + dt.timedelta(**meeting.length))
    event.add("summary", title)
    if place:
        event.add("location", place)
    if meeting.agenda:
        event.add("description", localize(meeting.agenda, spec.language))
    event.add("status", "CANCELLED" if details["method"] == "CANCEL" else "CONFIRMED")
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
