"""Reminders, escalations and timed transitions: what `tick` does to a case whose timers fell due.

`Service.tick` runs `tick_case` on each case with a timer due, as a command of
its own (acting as `SYSTEM_ACTOR`), so a tick that fails on one case leaves
the others ticked. Each timer fires once per moment it falls due; a repeating
reminder is set to its next moment, a late tick sends one reminder, not a backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from trinn.engine.case import CASE_WIDE, MEETING_KINDS
from trinn.engine.deadlines import deadline_reminder, update_deadlines
from trinn.engine.effects import as_list, queue_reminder
from trinn.engine.entering import next_repeat
from trinn.engine.errors import RefusedError
from trinn.engine.meetings import update_meetings
from trinn.engine.reschedule import reschedule
from trinn.engine.status import TimerStatus

if TYPE_CHECKING:
    from trinn.engine.case import TimerRecord
    from trinn.engine.command import Command

__all__ = ["SYSTEM_ACTOR", "TickAction", "retime", "tick_case"]

SYSTEM_ACTOR = "trinn"  # who timers act as in the history


@dataclass(frozen=True)
class TickAction:
    """What `tick` did to one case: a reminder queued, a transition fired or refused."""

    case_id: int
    kind: str  # remind, escalate, timer, error
    state: str
    detail: str


def tick_case(cmd: Command) -> None:
    """Fire the case's timers due at `cmd.now`, oldest first; `cmd.ticked` says what each did."""
    done: list[TickAction] = []
    for timer in sorted(cmd.case.timers, key=lambda t: (t.due_at, t.id or 0)):
        if timer.status != TimerStatus.WAITING or timer.due_at > cmd.now or timer.id is None:
            continue  # not due, or made by a transition this tick fired: the next tick's
        if timer.kind in MEETING_KINDS:
            continue  # a meeting's row keeps its start: commands settle it (engine.meetings)
        if timer.kind in CASE_WIDE:
            done.append(_tick_deadline(cmd, timer))
            continue
        if timer.entry != cmd.case.entry:  # left behind by a transition this tick fired
            timer.status, timer.dirty = TimerStatus.CANCELLED, True
            continue
        state = cmd.spec.states[timer.state]
        timer.fired_count += 1
        timer.fired_at, timer.dirty = cmd.now, True
        if timer.kind == "timer":
            timer.status = TimerStatus.FIRED
            trigger = state.timers[timer.position].fire
            try:
                cmd.fire(trigger)
                done.append(TickAction(cmd.case.id, "timer", timer.state, f"{trigger} -> {cmd.case.state}"))
            except RefusedError as exc:
                done.append(TickAction(cmd.case.id, "timer", timer.state, str(exc)))
            continue
        reminder = (state.remind if timer.kind == "remind" else state.escalate)[timer.position]
        queue_reminder(cmd, timer, reminder)
        following = next_repeat(reminder, timer.due_at, cmd.now, cmd.spec.language)
        if following is None:
            timer.status = TimerStatus.FIRED
        else:
            timer.due_at = following
        done.append(TickAction(cmd.case.id, timer.kind, timer.state, "to " + ", ".join(as_list(reminder.to))))
    cmd.details["fired"] = [f"{a.kind}: {a.detail}" for a in done]
    cmd.ticked = done


def _tick_deadline(cmd: Command, timer: TimerRecord) -> TickAction:
    """A case-wide deadline's row falls due: its moment passes, or a message goes out."""
    timer.fired_count += 1
    timer.fired_at, timer.status, timer.dirty = cmd.now, TimerStatus.FIRED, True
    reminder = deadline_reminder(cmd.spec, timer)
    if reminder is None:
        return TickAction(cmd.case.id, "deadline", timer.state, "missed")
    kind = "remind" if timer.kind == "dl_remind" else "escalate"
    queue_reminder(cmd, timer, reminder, reason=kind, deadline=timer.state)
    return TickAction(cmd.case.id, kind, timer.state, "to " + ", ".join(as_list(reminder.to)))


def retime(cmd: Command, *, opening: bool) -> None:
    """What a command does to time: moves what dates in fields time, starts, meets or
    ends case-wide deadlines; each said in the history."""
    case = cmd.case
    if not opening and cmd.fields_before != case.fields:
        names = {*cmd.fields_before, *case.fields}
        changed = [n for n in names if cmd.fields_before.get(n) != case.fields.get(n)]
        moved = reschedule(case, cmd.spec, changed, cmd.now)
        if moved:
            cmd.details["moved"] = moved
    entered = [t["to"] for t in cmd.details.get("transitions", [])]
    deadlines = update_deadlines(
        case,
        cmd.spec,
        cmd.now,
        entered=[cmd.spec.initial] if opening else entered,
        fields_before=cmd.fields_before,
        context=cmd.context,
    )
    if deadlines:
        cmd.details["deadlines"] = deadlines
    for invitation in update_meetings(case, cmd.spec, cmd.now, None if opening else cmd.fields_before):
        cmd.outbox.append(invitation)
        sent = {k: invitation.meeting[k] for k in ("method", "sequence", "start")}
        if "also" in invitation.meeting:  # to some of those invited: who
            sent["to"] = [*invitation.to_persons, *invitation.addresses]
        if "task" in invitation.meeting:  # a task's meeting: which task (and item)
            sent = {"task": invitation.meeting["task"], **sent}
            if "item" in invitation.meeting:
                sent["item"] = invitation.meeting["item"]
        cmd.details.setdefault("meetings", []).append({"state": invitation.state, **sent})
