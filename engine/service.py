"""The commands on cases: open, fire, done, reopen, set, form, assign, comment, tick.

Each command runs in one database transaction (`runner`): it loads the case (at
the row version the caller read, when the caller names one), computes
everything in memory through the compiled playbook (new state, fields, tasks,
timers, outbox rows, cases it starts), then writes it all with one history
event. Any failure leaves the database as it was. What the interfaces read is
`queries`; the clock is handed in (`clock.Clock`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from trinn.engine.advice import checked_reason
from trinn.engine.authority import authorise, needs_role, person_of
from trinn.engine.case import Case
from trinn.engine.clock import Clock, utc_now
from trinn.engine.errors import CommandError
from trinn.engine.i18n import gettext as _
from trinn.engine.links import FormLinks, LinkClaim, LinkError
from trinn.engine.parts import Parts
from trinn.engine.people import People, Person
from trinn.engine.queries import Queries
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.status import TaskStatus
from trinn.engine.store import Store

if TYPE_CHECKING:
    from trinn.engine.command import Command
    from trinn.engine.runner import CommandRunner
    from trinn.engine.timers import TickAction

__all__ = ["Service", "TaskCommand"]

Work = Callable[["Command"], None]  # a command's steps on the case, inside its transaction


class TaskCommand(TypedDict, total=False):
    """How `done` and `reopen` are asked: with a note, for an item, at a row version, at a time."""

    note: str | None
    item: str | None
    expected_version: int | None
    now: dt.datetime | None


class Service(Parts):
    """Cases of every playbook, on one store, acted on by the people of one people file."""

    def __init__(
        self,
        store: Store,
        registry: PlaybookRegistry,
        people: People,
        *,
        clock: Clock = utc_now,
        links: FormLinks | None = None,
    ) -> None:
        super().__init__(store, registry, people, clock, links)
        self.queries = Queries(store, lambda: registry, lambda: people, clock)  # the reads, on the same parts

    @functools.cached_property
    def _runner(self) -> CommandRunner:
        # the write side (commands, effects, messages, timers) is imported by the first command
        # that writes: `trinn show` and `can` read, and need none of it
        from trinn.engine.runner import CommandRunner

        return CommandRunner(self.store, self.registry, self.people, self.clock, self.links)

    # who acts ---------------------------------------------------------------

    def person(self, actor: str) -> Person:
        return person_of(self.people, actor)

    # commands -----------------------------------------------------------------

    def open_case(
        self, playbook: str, values: Mapping[str, Any], *, actor: str, now: dt.datetime | None = None
    ) -> Case:
        """Open a case of `playbook` (an id or a file) with its first field values."""
        compiled = self.registry.current(playbook)
        now = now or self.clock()
        with self.store.write() as tx:
            return self._runner.open(tx, compiled, values, actor, now, parent=None, depth=0)

    def fire(
        self,
        case_id: int,
        trigger: str,
        *,
        actor: str,
        values: Mapping[str, Any] | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        now: dt.datetime | None = None,
        against_advice: str | None = None,
    ) -> Case:
        """Fire `trigger`, after setting `values` (which its guard then sees).

        A transition whose advice is not met (engine.advice) is taken only with the person's
        reason, `against_advice`, which the history keeps.
        """

        def work(cmd: Command) -> None:
            cmd.against_advice = checked_reason(against_advice)
            if values:
                cmd.set_values(values, sync=False)
            cmd.fire(trigger)

        return self._runner.run(case_id, actor, "fire", trigger, note, expected_version, now, work).case

    def complete_task(self, case_id: int, task: str, *, actor: str, **how: Unpack[TaskCommand]) -> Case:
        """Mark `task` (one `item` of a for-each task) done; a task with a form, by its answers."""
        from trinn.engine.form_command import do_task

        item = how.get("item")
        return self._on_task(case_id, "done", task, actor, how, lambda cmd: do_task(cmd, task, item))

    def reopen_task(self, case_id: int, task: str, *, actor: str, **how: Unpack[TaskCommand]) -> Case:
        """Open a done task (an item's) again."""
        item = how.get("item")

        def work(cmd: Command) -> None:
            record = cmd.case.task_to_work(cmd.spec, task, item, TaskStatus.DONE)
            authorise(cmd, record)
            record.status, record.done_at, record.done_by, record.note = TaskStatus.OPEN, None, None, None
            record.dirty = True
            cmd.details.update(task=record.task_id, item=record.item)

        return self._on_task(case_id, "reopen", task, actor, how, work)

    def _on_task(self, case_id: int, kind: str, task: str, actor: str, how: TaskCommand, work: Work) -> Case:
        note, version, now = how.get("note"), how.get("expected_version"), how.get("now")
        return self._runner.run(case_id, actor, kind, task, note, version, now, work).case

    def set_fields(
        self,
        case_id: int,
        values: Mapping[str, Any],
        *,
        actor: str,
        note: str | None = None,
        expected_version: int | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        def work(cmd: Command) -> None:
            if not values:
                raise CommandError(_("nothing to set (give field=value)"))
            cmd.set_values(values)

        return self._runner.run(case_id, actor, "set", None, note, expected_version, now, work).case

    def submit_form(
        self,
        case_id: int,
        form: str,
        values: Mapping[str, Any],
        *,
        actor: str,
        note: str | None = None,
        expected_version: int | None = None,
        now: dt.datetime | None = None,
        link: LinkClaim | None = None,
        item: str | None = None,
    ) -> Case:
        """Fill a form: its fields validated together; it completes the open task it belongs to.

        Filling a form is doing its task: the task must be open in the case's state, and the
        actor must be allowed to do it (its role, or its assignee), as for `done`.

        With `link` (a genuine link, read by `FormLinks.read`), the outside party fills its
        public form itself: `actor` is ignored, the history names the task's external role and
        the web form, and the form's `fires` triggers are tried in order (the first whose guard
        holds fires; the playbook's `fires` authorises it). A link for a form already sent or
        a state since left raises LinkError.

        A form a `for_each` task fills is filled for one item (`item`, or the only one the actor
        may fill): its answers are that item's record (`engine.records`), not the case's fields.
        """

        from trinn.engine.form_command import fill_form

        def work(cmd: Command) -> None:
            fill_form(cmd, form, values, link=link, item=item)

        if link is not None:
            if link.case_id != case_id:
                raise LinkError("for another case")
            return self._runner.run(
                case_id, actor, "form", form, note, expected_version, now, work, outsider=True
            ).case
        return self._runner.run(case_id, actor, "form", form, note, expected_version, now, work).case

    def assign_task(
        self,
        case_id: int,
        task: str,
        person: str,
        *,
        actor: str,
        item: str | None = None,
        expected_version: int | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        def work(cmd: Command) -> None:
            record = cmd.case.task_to_work(cmd.spec, task, item, TaskStatus.OPEN)
            authorise(cmd, record, assigning=True)
            assignee = self.person(person)
            if (
                record.role in cmd.spec.roles
                and not cmd.spec.roles[record.role].external
                and not assignee.holds(record.role)
            ):
                raise CommandError(needs_role(cmd.spec, person, task, record.role))
            record.assignee, record.dirty = person, True
            cmd.details.update(task=record.task_id, item=record.item, assignee=person)

        return self._runner.run(case_id, actor, "assign", task, None, expected_version, now, work).case

    def comment(
        self,
        case_id: int,
        text: str,
        *,
        actor: str,
        expected_version: int | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        """Add a note to the history; allowed on a closed case too."""
        if not text.strip():
            raise CommandError(_("an empty comment"))
        return self._runner.run(
            case_id, actor, "comment", None, text, expected_version, now, lambda cmd: None, closed_ok=True
        ).case

    def tick(self, now: dt.datetime | None = None) -> list[TickAction]:
        """Fire every reminder, escalation and timed transition due at `now`, each once."""
        from trinn.engine.timers import SYSTEM_ACTOR, TickAction, tick_case

        now = now or self.clock()
        with self.store.read() as tx:
            due = tx.due_timer_cases(now)
        actions: list[TickAction] = []
        for case_id in due:
            try:
                actions.extend(
                    self._runner.run(
                        case_id, SYSTEM_ACTOR, "tick", None, None, None, now, tick_case, system=True
                    ).ticked
                )
            except CommandError as exc:  # another command won the race: the next tick retries
                actions.append(TickAction(case_id, "error", "", exc.message))
        return actions
