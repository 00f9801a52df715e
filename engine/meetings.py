"""Meetings as a step: a state or a task with `meeting:` invites its participants with a calendar event.

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
      trin_4:
        tasks:
          - id: laengere_moede           # a task can be a meeting: the same keys
            title: Hold et længere møde med begge parter
            role: foreningen
            meeting: {time: moede2_tid, to: foreningen, to_field: partner_email}

One mechanism for both: a meeting has an owner (`MeetingOwner`), a state or one task (one
item of a `for_each` task), and one timer row per meeting keeps its start and its SEQUENCE
(`fired_count`). A state's row is of kind `meeting` (its `state` the state, its `position`
the meeting's number within the visit to it); a task's is of kind `task_meeting` (its `state`
the task's id, `entry` the task's, `position` the number of its record among the task's of
that entry, which never changes). A waiting row with `fired_at` set is a meeting whose time
was cleared: its cancellation went out, and a new time invites again with SEQUENCE raised.

What happens after each command on the case:

- the owner stands (the case is in the meeting's state; a task is open) and the time is set
  (and still to come), with no invitation out: every participant gets an invitation
  (`METHOD:REQUEST`, SEQUENCE 0) as an `.ics` attachment to a message saying when and where
  (or the playbook's `message:`);
- the time changes before the meeting began: a new invitation with the same UID and the
  SEQUENCE raised; people added to the invitees' field get the invitation as it stands
  (same UID and SEQUENCE), people taken off it a cancellation;
- the time is cleared before the meeting began, or the owner goes before it (the case leaves
  the state or closes; a task is cancelled, its item taken off its list, or its state left
  with it undone): a cancellation (`METHOD:CANCEL`, the SEQUENCE raised);
- a state's: a transition from the state back into it (recording minutes, say) keeps the
  meeting as it is; a time set after the meeting began is the next meeting (a recurring one):
  a new UID, SEQUENCE 0. Clearing the time of a held meeting, or leaving after it began, sends
  nothing;
- a task's: the meeting follows the task. While it is open a new time to come moves the
  meeting (same UID, SEQUENCE raised), even once the old time went by: an open task says it was
  not held. The command that completes the task still invites (a form that sets the time and
  does the task); once done, the meeting stands as it is: nothing more is sent for it, not when
  its state is left either (reopen the task to move it).

The UID is the case's and the owner's (`trinn-7-indledende_moede-3@<playbook>` for a state's
meeting, then `-1`, `-2` for the meetings after it in the same visit;
`trinn-7-trin_4-laengere_moede-9@<playbook>` for a task's, then `-1`, `-2` for its other
items), so a calendar replaces the event it has instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trinn.engine.case import MEETING_KINDS, Case, TaskRecord, TimerRecord, task_specs
from trinn.engine.moments import moment_of
from trinn.engine.outbox_message import OutboxMessage, Reason
from trinn.engine.status import TaskStatus, TimerStatus

if TYPE_CHECKING:
    from trinn.engine.spec import MeetingSpec, PlaybookSpec, Text

__all__ = [
    "MEETING",
    "MEETINGS",
    "TASK_MEETING",
    "MeetingOwner",
    "meeting_owners",
    "owner_of",
    "start_of",
    "update_meetings",
]

MEETING = "meeting"  # the timer kind that keeps a state's meeting: its start and sequence
TASK_MEETING = "task_meeting"  # ... and a task's
MEETINGS = MEETING_KINDS


@dataclass(frozen=True)
class MeetingOwner:
    """What a meeting belongs to: a state, or one task (one item of a `for_each` task)."""

    kind: str  # MEETING or TASK_MEETING: the kind of its rows
    key: str  # the state's or the task's id: its rows' `state`
    state: str  # the state it is held in
    meeting: MeetingSpec
    title: Text  # the invitation's summary, unless the meeting has a title of its own
    entry: int | None = None  # a task's entry; None for a state's (its meetings outlive a self-transition)
    position: int = 0  # a task's record number among the task's records of its entry
    item: str | None = None
    open: bool = True  # False: a task done, its meeting stands as it is

    def holds(self, row: TimerRecord) -> bool:
        if (row.kind, row.state) != (self.kind, self.key):
            return False
        return self.entry is None or (row.entry, row.position) == (self.entry, self.position)


def meeting_owners(case: Case, spec: PlaybookSpec, now: dt.datetime | None = None) -> list[MeetingOwner]:
    """The meetings that stand now: the current state's, and those of its tasks not cancelled.

    `now`: the command's moment; a task done by this very command still counts as open (the
    form that sets the time and completes the task invites)."""
    state = spec.states.get(case.state)
    if state is None or case.is_closed:
        return []
    found = []
    if state.meeting is not None:
        found.append(MeetingOwner(MEETING, case.state, case.state, state.meeting, state.title))
    meetings = {task.id: task for task in state.tasks if task.meeting is not None}
    numbers: dict[str, int] = {}
    for record in case.current_tasks() if meetings else []:  # in the order they were made
        number = numbers[record.task_id] = numbers.get(record.task_id, -1) + 1
        task = meetings.get(record.task_id)
        if task is None or task.meeting is None or record.status == TaskStatus.CANCELLED:
            continue
        found.append(
            MeetingOwner(
                TASK_MEETING,
                task.id,
                case.state,
                task.meeting,
                task.title,
                record.entry,
                number,
                record.item,
                open=record.status == TaskStatus.OPEN or (record.dirty and record.done_at == now),
            )
        )
    return found


def owner_of(spec: PlaybookSpec, payload: OutboxMessage) -> MeetingOwner:
    """The owner an invitation or cancellation was queued for (what its text needs of it)."""
    details = payload.meeting
    assert payload.state is not None
    task_id = details.get("task")
    if task_id is None:
        state = spec.states[payload.state]
        assert state.meeting is not None
        return MeetingOwner(MEETING, payload.state, payload.state, state.meeting, state.title)
    task = task_specs(spec)[task_id]
    assert task.meeting is not None
    return MeetingOwner(
        TASK_MEETING, task_id, payload.state, task.meeting, task.title, item=details.get("item")
    )


def update_meetings(
    case: Case, spec: PlaybookSpec, now: dt.datetime, fields_before: Mapping[str, Any] | None = None
) -> list[OutboxMessage]:
    """Invite, re-invite or cancel after a command; the messages to queue.

    `fields_before`: the case's values before the command, to tell who was added to (or
    taken off) the invitees of a meeting whose invitation is out.
    """
    payloads: list[OutboxMessage] = []
    rows = [t for t in case.timers if t.kind in MEETINGS and t.status == TimerStatus.WAITING]
    owners = meeting_owners(case, spec, now)
    for row in rows:
        if any(owner.holds(row) for owner in owners):
            continue
        if row.fired_at is not None:  # its time was cleared: the cancellation went out then
            row.status, row.dirty = TimerStatus.CANCELLED, True
        elif row.due_at > now and not _task_done(case, row):  # gone before it began
            row.fired_count += 1
            row.status, row.dirty = TimerStatus.CANCELLED, True
            payloads.append(_payload(spec, case, _gone_owner(spec, case, row), row, "CANCEL"))
        else:  # held, or a task done: the meeting stands
            _held(row)
    for owner in owners:
        held = next((r for r in rows if owner.holds(r)), None)
        payloads += _follow(spec, case, owner, held, now, fields_before)
    return payloads


def _follow(
    spec: PlaybookSpec,
    case: Case,
    owner: MeetingOwner,
    row: TimerRecord | None,
    now: dt.datetime,
    fields_before: Mapping[str, Any] | None,
) -> list[OutboxMessage]:
    """What a standing meeting's time (and invitees) did in the command: its messages."""
    if not owner.open:
        return []  # a task done: its meeting stands as it is
    start = start_of(case.fields.get(owner.meeting.time))
    if row is None:
        if start is None or start <= now:  # no time, or one gone by: nothing to invite to
            return []
        entry = case.entry if owner.entry is None else owner.entry
        row = TimerRecord(owner.kind, owner.position, entry, owner.key, start)
        case.timers.append(row)
        return [_payload(spec, case, owner, row, "REQUEST")]
    if row.fired_at is not None:  # its time was cleared: a new one invites again
        if start is None or start <= now:
            return []
        row.fired_at, row.due_at = None, start
        row.fired_count, row.dirty = row.fired_count + 1, True
        return [_payload(spec, case, owner, row, "REQUEST")]
    if start == row.due_at:
        return _invitees_changed(spec, case, owner, row, fields_before, now=now)
    if row.due_at <= now:  # it began
        if owner.entry is None:  # a state's was held: a later time is the next meeting
            _held(row)
            if start is None or start <= row.due_at:
                return []
            following = TimerRecord(MEETING, row.position + 1, case.entry, owner.key, start)
            case.timers.append(following)
            return [_payload(spec, case, owner, following, "REQUEST")]
        if start is None or start <= now:  # a task's, cleared or set to a time gone by: nothing to say
            return []
    row.fired_count += 1
    row.dirty = True
    if start is None:
        row.fired_at = now  # cancelled; waits for a new time
        return [_payload(spec, case, owner, row, "CANCEL")]
    row.due_at = start
    payloads = [_payload(spec, case, owner, row, "REQUEST")]  # to everyone invited now
    return payloads + _invitees_changed(spec, case, owner, row, fields_before, now=now, only_gone=True)


def _held(row: TimerRecord) -> None:
    row.status, row.fired_at, row.dirty = TimerStatus.FIRED, row.due_at, True


def _task_record(case: Case, row: TimerRecord) -> TaskRecord | None:
    """The task (item) a task's meeting row belongs to."""
    if row.kind != TASK_MEETING:
        return None
    records = [t for t in case.tasks if (t.task_id, t.entry) == (row.state, row.entry)]
    return records[row.position] if row.position < len(records) else None


def _task_done(case: Case, row: TimerRecord) -> bool:
    record = _task_record(case, row)
    return record is not None and record.status == TaskStatus.DONE


def _gone_owner(spec: PlaybookSpec, case: Case, row: TimerRecord) -> MeetingOwner:
    """The owner of a row whose state or task is gone: what its cancellation names."""
    if row.kind == MEETING:
        state = spec.states[row.state]
        assert state.meeting is not None
        return MeetingOwner(MEETING, row.state, row.state, state.meeting, state.title)
    task = task_specs(spec)[row.state]
    record = _task_record(case, row)
    assert task.meeting is not None
    held_in = record.state if record is not None else case.state
    item = record.item if record is not None else None
    return MeetingOwner(
        TASK_MEETING, task.id, held_in, task.meeting, task.title, row.entry, row.position, item
    )


def _invitees_changed(
    spec: PlaybookSpec,
    case: Case,
    owner: MeetingOwner,
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
    before, after = _invited(owner.meeting, fields_before), _invited(owner.meeting, case.fields)
    added = [who for who in after if who not in before]
    gone = [who for who in before if who not in after]
    payloads = []
    if added and not only_gone:
        also = [w for w in after if w in before]
        payloads.append(_payload(spec, case, owner, row, "REQUEST", only=added, also=also))
    if gone:
        payloads.append(_payload(spec, case, owner, row, "CANCEL", only=gone))
    return payloads


def _invited(meeting: MeetingSpec, fields: Mapping[str, Any]) -> list[str]:
    """People ids and addresses the meeting's invitee fields hold in `fields`, each once."""
    found: list[str] = []
    for field_id in meeting.to_fields:
        value = fields.get(field_id)
        found += map(str, value if isinstance(value, list) else [value] if value else [])
    return list(dict.fromkeys(found))


def start_of(value: Any) -> dt.datetime | None:
    """A meeting's start from its time field's value; None while it has none."""
    if not isinstance(value, str) or not value:
        return None
    return moment_of(value)


def _payload(
    spec: PlaybookSpec,
    case: Case,
    owner: MeetingOwner,
    row: TimerRecord,
    method: str,
    *,
    only: list[str] | None = None,
    also: list[str] | None = None,
) -> OutboxMessage:
    """The invitation (or cancellation) of `row` for everyone invited, or `only` for some of
    the invitee fields' people; `also`: the others invited, named in its `.ics` as attendees."""
    meeting = owner.meeting
    roles = (meeting.to,) if isinstance(meeting.to, str) else tuple(meeting.to)
    persons = list(meeting.to_person) if only is None else []
    addresses: list[str] = []
    for item in _invited(meeting, case.fields) if only is None else only:
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
    if owner.kind == TASK_MEETING:
        details["task"] = owner.key
        if owner.item is not None:
            details["item"] = owner.item
    if only is not None:  # the rest of the attendees, for the `.ics` of a late invitation
        details["also"] = [*meeting.to_person, *(also or [])]
        details["also_roles"] = list(roles)
    return OutboxMessage(
        reason=Reason.MEETING,
        state=owner.state,
        message=meeting.message if method == "REQUEST" else None,
        to=roles if only is None else (),
        to_persons=tuple(dict.fromkeys(persons)),
        addresses=tuple(dict.fromkeys(addresses)),
        meeting=details,
    )
