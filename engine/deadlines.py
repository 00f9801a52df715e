"""Case-wide deadlines: from an event until a condition, whatever states the case passes.

    deadlines:
      maaling:
        title: Måling innen 3 måneder etter oppstart
        start: {enter: implementering}     # or {set: startdato}: the field getting a value
        within: 3 months
        met: {state: maalt}                 # or {when: "maalt_dato != null"}
        remind: [{after: 10 weeks, to: megler}]
        escalate: [{after: 3 months, to: ledelsen}]

A deadline is kept as timer rows of its own kinds (`deadline` at the moment it is
late, `dl_remind` and `dl_escalate` for its messages), named by the deadline's
id in the row's `state` column. Leaving a state does not touch them; they end
when the deadline is met (checked after every command) or the case closes.
Starting again needs the deadline to have ended: entering its start state while
it runs does not restart the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trinn.engine.calendar import due_at
from trinn.engine.case import CASE_WIDE, Case, TimerRecord
from trinn.engine.expressions import CompiledExpression, compile_expression
from trinn.engine.playbook_scope import playbook_scope
from trinn.engine.status import TimerStatus

if TYPE_CHECKING:
    from trinn.engine.spec import DeadlineSpec, PlaybookSpec, ReminderSpec

__all__ = ["DEADLINE_KINDS", "deadline_reminder", "update_deadlines"]

DEADLINE_KINDS = CASE_WIDE
_CONDITIONS: dict[int, tuple[PlaybookSpec, dict[str, CompiledExpression]]] = {}


def update_deadlines(
    case: Case,
    spec: PlaybookSpec,
    now: dt.datetime,
    *,
    entered: list[str],
    fields_before: dict[str, Any],
    context: Callable[[], Any],
) -> list[dict[str, Any]]:
    """Start, meet or end the case's deadlines after a command; what happened, for the history.

    `entered`: the states this command entered (a case opening enters its initial state).
    `context`: the CEL context of the case as it now is, made only if a condition needs it.
    """
    if not spec.deadlines:
        return []
    happened: list[dict[str, Any]] = []
    for deadline_id, deadline in spec.deadlines.items():
        rows = [t for t in case.timers if t.kind in DEADLINE_KINDS and t.state == deadline_id]
        running = [t for t in rows if t.status == TimerStatus.WAITING]
        if running:
            if case.is_closed or _met(deadline_id, deadline, case, spec, context):
                for row in running:
                    if row.id is None:
                        case.timers.remove(row)
                    else:
                        row.status, row.dirty = TimerStatus.CANCELLED, True
                happened.append({"deadline": deadline_id, "ended": "closed" if case.is_closed else "met"})
            continue
        if case.is_closed or not _started(deadline, entered, fields_before, case.fields):
            continue
        if _met(deadline_id, deadline, case, spec, context):
            continue  # met already as it starts: nothing to wait for
        due = due_at(now, deadline.within, spec.language, spec.timezone)
        case.timers.append(TimerRecord("deadline", 0, case.entry, deadline_id, due))
        for kind, reminders in (("dl_remind", deadline.remind), ("dl_escalate", deadline.escalate)):
            for position, reminder in enumerate(reminders):
                moment = due_at(now, reminder.when, spec.language, spec.timezone)
                case.timers.append(TimerRecord(kind, position, case.entry, deadline_id, moment))
        happened.append({"deadline": deadline_id, "started": _iso(due)})
    return happened


def deadline_reminder(spec: PlaybookSpec, timer: TimerRecord) -> ReminderSpec | None:
    """The reminder or escalation a deadline row sends; None for the deadline itself."""
    deadline = spec.deadlines.get(timer.state)
    if deadline is None or timer.kind == "deadline":
        return None
    reminders = deadline.remind if timer.kind == "dl_remind" else deadline.escalate
    return reminders[timer.position] if timer.position < len(reminders) else None


def _started(
    deadline: DeadlineSpec, entered: list[str], before: dict[str, Any], after: dict[str, Any]
) -> bool:
    start = deadline.start
    if start.enter is not None:
        return start.enter in entered
    assert start.set is not None
    return before.get(start.set) in (None, "", []) and after.get(start.set) not in (None, "", [])


def _met(
    deadline_id: str, deadline: DeadlineSpec, case: Case, spec: PlaybookSpec, context: Callable[[], Any]
) -> bool:
    if case.state in deadline.met.states:
        return True
    if deadline.met.when is None:
        return False
    return _condition(spec, deadline_id).evaluate(context()) is True


def _condition(spec: PlaybookSpec, deadline_id: str) -> CompiledExpression:
    """The deadline's `met.when`, compiled once per playbook version (checked when it loaded)."""
    found = _CONDITIONS.get(id(spec))
    if found is None or found[0] is not spec:
        if len(_CONDITIONS) >= 64:
            _CONDITIONS.clear()
        found = _CONDITIONS[id(spec)] = (spec, {})
    compiled = found[1].get(deadline_id)
    if compiled is None:
        scope = playbook_scope(spec)
        text = spec.deadlines[deadline_id].met.when
        assert text is not None
        compiled = found[1][deadline_id] = compile_expression(text, scope, "condition")
    return compiled


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
