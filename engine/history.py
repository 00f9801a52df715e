"""What one entry of a case's history says, read once for every interface.

A command's event keeps what it did in `details` (the tasks it did, on whose behalf,
the timers that fired, the dates it moved, the deadlines it started or ended, the
steps taken against advice, the cases it started, and `via: web` when an outside party
sent its public form itself). `history_entry` is the one reader
of that shape; `trinn history` writes an entry as one line of ids, the app's History
tab in words with the playbook's titles, and neither reads `details` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trinn.engine.store.rows import EventRow

__all__ = ["Advised", "DoneTask", "HistoryEntry", "MovedDate", "history_entry"]

_TIMED = ("remind", "escalate", "timer")  # what a moved date may be, beside a task's due date


@dataclass(frozen=True)
class DoneTask:
    """A task the command did: its item, and the outside role it was recorded on behalf of."""

    task: str
    item: str | None
    on_behalf_of: str | None
    answers: dict[str, Any] | None = None  # the item's record, when a form filled it


@dataclass(frozen=True)
class MovedDate:
    """A due date or timer the command moved (a date field changed): from and to, as stored."""

    label: str  # the task id, or 'remind ID' / 'escalate ID' / 'timer ID'
    task: bool  # a task's due date (said as a day), not a timer's moment
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Advised:
    """A step taken against the playbook's advice, and the reason given."""

    trigger: str
    advice: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class HistoryEntry:
    """A stored event (`event`: who, when, which command, the states before and after, the
    note) and what its details say, read once."""

    event: EventRow
    changes: dict[str, Any]  # field -> its value after the command
    fired: tuple[str, ...]  # a tick: the timers that fired
    done: tuple[DoneTask, ...]
    moved: tuple[MovedDate, ...]
    deadlines: tuple[tuple[str, str], ...]  # (deadline, 'started' or how it ended)
    against_advice: tuple[Advised, ...]
    started: tuple[int, ...]  # cases a start_case action opened
    assignee: str | None
    via: str | None  # 'web': an outside party sent its public form from its link (`trinn serve`)
    hooks: tuple[tuple[str, str], ...] = ()  # (kind, name): `on_complete` of a task, `on_submit` of a form

    @property
    def moved_state(self) -> bool:
        """Whether the command took the case from one state to another."""
        return bool(self.event.state_before) and self.event.state_before != self.event.state_after


def history_entry(row: EventRow) -> HistoryEntry:
    details = row.details or {}
    moved = []
    for date in details.get("moved", []):
        label = date.get("task") or next(f"{k} {v}" for k, v in date.items() if k in _TIMED)
        moved.append(MovedDate(label, "task" in date, date.get("from"), date.get("to")))
    return HistoryEntry(
        event=row,
        changes={name: new for name, (_old, new) in (row.changes or {}).items()},
        fired=tuple(details.get("fired", [])) if row.kind == "tick" else (),
        done=tuple(
            DoneTask(done["task"], done.get("item"), done.get("on_behalf_of"), done.get("answers"))
            for done in details.get("done", [])
        ),
        moved=tuple(moved),
        deadlines=tuple(
            (d["deadline"], "started" if "started" in d else str(d.get("ended", "")))
            for d in details.get("deadlines", [])
        ),
        against_advice=tuple(
            Advised(t["trigger"], tuple(t["against_advice"]["advice"]), t["against_advice"]["reason"])
            for t in details.get("transitions", [])
            if t.get("against_advice")
        ),
        started=tuple(int(c) for c in details.get("started", [])),
        assignee=details.get("assignee"),
        via=details.get("via"),
        hooks=tuple((kind, name) for hook in details.get("hooks", []) for kind, name in hook.items()),
    )
