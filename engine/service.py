"""The commands on cases: open, fire, done, reopen, set, form, assign, comment, tick; "can I?".

Each command runs in one database transaction: it loads the case (at the row
version the caller read, when the caller names one), computes everything in
memory through the compiled playbook (new state, fields, tasks, timers, outbox
rows, cases it starts), then writes it all with one history event. Any
failure leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trinn.engine.calendar import zone_of
from trinn.engine.case import (
    CASE_WIDE,
    Case,
    TaskRecord,
    TimerRecord,
    enter_state,
    leave_state,
    next_repeat,
    subject_text,
    sync_for_each,
    tallies,
    task_specs,
)
from trinn.engine.compiler import (
    CompiledPlaybook,
    CustomEffect,
    Effect,
    NotifyEffect,
    Reads,
    SetEffect,
    StartCaseEffect,
)
from trinn.engine.context import evaluation_context
from trinn.engine.deadlines import deadline_reminder, update_deadlines
from trinn.engine.errors import (
    CommandError,
    RefusedError,
    SettingError,
    did_you_mean,
)
from trinn.engine.i18n import gettext as _
from trinn.engine.links import FormLinks, LinkClaim, LinkError, linked_task
from trinn.engine.meetings import update_meetings
from trinn.engine.messages import rendered
from trinn.engine.outbox_message import OutboxAction, OutboxMessage, Reason
from trinn.engine.people import People, Person
from trinn.engine.readable import fields_read, unreadable
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.reschedule import reschedule
from trinn.engine.spec import FieldType, PlaybookSpec
from trinn.engine.status import TaskStatus, TimerStatus
from trinn.engine.store import Store, Transaction
from trinn.engine.values import MAX_NOTE, ValueProblem, check_text, normalize_value

__all__ = ["Possibility", "Service", "TickAction", "utc_now"]

SYSTEM_ACTOR = "trinn"  # who timers act as in the history
_MAX_START_DEPTH = 8  # start_case chains deeper than this are a loop


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Possibility:
    """One trigger of a case's playbook: may it fire now, and if not, why."""

    trigger: str
    title: Any
    allowed: bool
    reasons: list[str]
    to: list[str]
    explained: list[str] = field(default_factory=list)  # the raw guards that are false, for designers
    here: bool = True  # whether it leads out of the case's current state at all


@dataclass(frozen=True)
class TickAction:
    """What `tick` did to one case: a reminder queued, a transition fired or refused."""

    case_id: int
    kind: str  # remind, escalate, timer, error
    state: str
    detail: str


@dataclass
class _Command:
    """One command's work on one case, written by `Service._save`."""

    tx: Transaction
    case: Case
    compiled: CompiledPlaybook
    actor: str
    roles: frozenset[str]
    now: dt.datetime
    kind: str
    name: str | None = None
    note: str | None = None
    depth: int = 0
    state_before: str | None = None
    fields_before: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    outbox: list[OutboxMessage | OutboxAction] = field(default_factory=list)
    starts: list[StartCaseEffect] = field(default_factory=list)
    ticked: list[TickAction] = field(default_factory=list)

    @property
    def spec(self) -> PlaybookSpec:
        return self.compiled.spec

    def context(self, reads: Reads | None = None, state: str | None = None) -> Any:
        """What guards and actions see (of the case in `state`, its own by default): all of
        it, or only what `reads` says they read."""
        names, task_ids = (reads.names, reads.tasks) if reads else (None, None)
        state = state or self.case.state
        counted: set[str] | None = None  # the tasks to tally: those read, and the state's own
        if task_ids is not None and names is not None:
            counted = set(task_ids) if "tasks" in names else set()
            if "tasks_done" in names and state in self.spec.states:
                counted.update(task.id for task in self.spec.states[state].tasks)
        return evaluation_context(
            self.spec,
            state=state,
            fields=self.case.fields,
            tasks=tallies(self.case, self.spec, counted) if counted != set() else {},
            now=self.now,
            actor=self.actor,
            roles=self.roles,
            names=names,
            task_ids=task_ids,
        )


class Service:
    """Cases of every playbook, on one store, acted on by the people of one people file."""

    def __init__(
        self,
        store: Store,
        registry: PlaybookRegistry,
        people: People,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        links: FormLinks | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.people = people
        self.links = links  # signs the form links messages carry (`form_link`); None: no links
        # looked up on each call, so a test can stop the clock for a whole command line session
        self.clock = clock or (lambda: utc_now())
        self._last_sha: dict[int, str] = {}  # each case's playbook version, as last seen

    # who acts ---------------------------------------------------------------

    def person(self, actor: str) -> Person:
        person = self.people.by_id.get(actor)
        if person is None:
            hint = did_you_mean(actor, self.people.by_id, list_if_few=8)
            raise SettingError(
                _("'{actor}' is not in the people file").format(actor=actor) + (f" ({hint})" if hint else "")
            )
        return person

    def roles_of(self, person: Person, spec: PlaybookSpec) -> frozenset[str]:
        """The playbook roles `person` acts in; external roles never act."""
        return frozenset(
            role_id for role_id, role in spec.roles.items() if not role.external and person.holds(role_id)
        )

    def compiled_for(self, tx: Transaction, case: Case) -> CompiledPlaybook:
        return self.playbook_of(tx, case.playbook_sha256, case.playbook_id, case.playbook_version)

    # commands -----------------------------------------------------------------

    def open_case(
        self, playbook: str, values: Mapping[str, Any], *, actor: str, now: dt.datetime | None = None
    ) -> Case:
        """Open a case of `playbook` (an id or a file) with its first field values."""
        compiled = self.registry.current(playbook)
        now = now or self.clock()
        with self.store.write() as tx:
            return self._open(tx, compiled, values, actor, now, parent=None, depth=0)

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
    ) -> Case:
        """Fire `trigger`, after setting `values` (which its guard then sees)."""

        def work(cmd: _Command) -> None:
            if values:
                self._set_values(cmd, values, sync=False)
            self._fire(cmd, trigger)

        return self._run(case_id, actor, "fire", trigger, note, expected_version, now, work).case

    def complete_task(
        self,
        case_id: int,
        task: str,
        *,
        actor: str,
        note: str | None = None,
        item: str | None = None,
        expected_version: int | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        def work(cmd: _Command) -> None:
            record = self._task(cmd, task, item, TaskStatus.OPEN)
            self._authorise(cmd, record)
            form = task_specs(cmd.spec)[record.task_id].form
            if form is not None:
                names = cmd.spec.forms[form].fields
                missing = self._missing(cmd.spec, cmd.case.fields, names)
                if missing or not any(cmd.case.fields.get(n) not in (None, [], "") for n in names):
                    listed = ", ".join(f"'{m}'" for m in missing)
                    shown = _(" (missing: {fields})").format(fields=listed) if missing else ""
                    raise CommandError(
                        _("task '{task}' is done by filling the form '{form}'").format(task=task, form=form)
                        + shown,
                        fields=dict.fromkeys(missing, ""),
                        task=task,
                    )
            self._complete(cmd, record)

        return self._run(case_id, actor, "done", task, note, expected_version, now, work).case

    def reopen_task(
        self,
        case_id: int,
        task: str,
        *,
        actor: str,
        note: str | None = None,
        item: str | None = None,
        expected_version: int | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        def work(cmd: _Command) -> None:
            record = self._task(cmd, task, item, TaskStatus.DONE)
            self._authorise(cmd, record)
            record.status, record.done_at, record.done_by, record.note = TaskStatus.OPEN, None, None, None
            record.dirty = True
            cmd.details.update(task=record.task_id, item=record.item)

        return self._run(case_id, actor, "reopen", task, note, expected_version, now, work).case

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
        def work(cmd: _Command) -> None:
            if not values:
                raise CommandError(_("nothing to set (give field=value)"))
            self._set_values(cmd, values)

        return self._run(case_id, actor, "set", None, note, expected_version, now, work).case

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
    ) -> Case:
        """Fill a form: its fields validated together; it completes the open task it belongs to.

        Filling a form is doing its task: the task must be open in the case's state, and the
        actor must be allowed to do it (its role, or its assignee), as for `done`.

        With `link` (a genuine link, read by `FormLinks.read`), the outside party fills its
        public form itself: `actor` is ignored, the history names the task's external role and
        the web form, and the form's `fires` triggers are tried in order (the first whose guard
        holds fires). A link for a form already sent or a state since left raises LinkError.
        """

        def work(cmd: _Command) -> None:
            spec = cmd.spec
            if form not in spec.forms:
                raise CommandError(_("unknown form '{form}'").format(form=form) + _hint(form, spec.forms))
            if link is not None:
                record: TaskRecord | None = self._linked_task(cmd, form, link)
            else:
                record = self._form_task(cmd, form)
                if record is not None:
                    self._authorise(cmd, record, form=form)
            allowed = spec.forms[form].fields
            if not values:
                raise CommandError(
                    _("form '{form}' has no answers (its fields: {fields})").format(
                        form=form, fields=", ".join(allowed)
                    )
                )
            for name in values:
                if name not in allowed:
                    message = _("form '{form}' has no field '{name}'").format(form=form, name=name)
                    raise CommandError(message + _hint(name, allowed), fields={name: message})
            merged = {**cmd.case.fields, **self._normalized(spec, values)}
            missing = self._missing(spec, merged, allowed)
            if missing:
                raise CommandError(
                    _("form '{form}' needs {fields}").format(
                        form=form, fields=", ".join(f"'{m}'" for m in missing)
                    ),
                    fields=dict.fromkeys(missing, ""),
                )
            self._set_values(cmd, values)
            if record is not None:
                self._complete(cmd, record)
            if link is not None:
                self._fire_first(cmd, spec.forms[form].triggers)

        if link is not None and link.case_id != case_id:
            raise LinkError("for another case")
        return self._run(
            case_id, actor, "form", form, note, expected_version, now, work, outsider=link is not None
        ).case

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
        def work(cmd: _Command) -> None:
            record = self._task(cmd, task, item, TaskStatus.OPEN)
            self._authorise(cmd, record, assigning=True)
            assignee = self.person(person)
            if (
                record.role in cmd.spec.roles
                and not cmd.spec.roles[record.role].external
                and not assignee.holds(record.role)
            ):
                raise CommandError(
                    _("{person} cannot do '{task}': it needs the role '{role}'").format(
                        person=person, task=task, role=record.role
                    )
                )
            record.assignee, record.dirty = person, True
            cmd.details.update(task=record.task_id, item=record.item, assignee=person)

        return self._run(case_id, actor, "assign", task, None, expected_version, now, work).case

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
        return self._run(
            case_id, actor, "comment", None, text, expected_version, now, lambda cmd: None, closed_ok=True
        ).case

    # reading -----------------------------------------------------------------------

    def load(self, case_id: int) -> tuple[Case, CompiledPlaybook, list[int]]:
        """A case, the playbook version it runs on, and the cases it started."""
        with self.store.read() as tx:
            case = tx.load_case(case_id, with_timers=True)
            return case, self.compiled_for(tx, case), tx.child_ids(case_id)

    def cases(
        self,
        *,
        playbook: str | None = None,
        state: str | None = None,
        closed: bool | None = None,
        overdue_at: dt.datetime | None = None,
    ) -> list[Any]:
        with self.store.read() as tx:
            return tx.case_rows(playbook=playbook, state=state, closed=closed, overdue_at=overdue_at)

    def open_tasks(
        self,
        *,
        roles: list[str] | None = None,
        assignee: str | None = None,
        overdue_at: dt.datetime | None = None,
    ) -> list[tuple[Any, CompiledPlaybook]]:
        """Open tasks of open cases, each with the playbook version its case runs on."""
        with self.store.read() as tx:
            rows = tx.open_task_rows(roles=roles, assignee=assignee, overdue_at=overdue_at)
            return [
                (
                    row,
                    self.playbook_of(tx, row["playbook_sha256"], row["playbook_id"], row["playbook_version"]),
                )
                for row in rows
            ]

    def history(self, case_id: int) -> list[Any]:
        with self.store.read() as tx:
            tx.load_case(case_id)  # an unknown case is an error, not an empty history
            return tx.event_rows(case_id)

    def playbook_of(self, tx: Transaction, sha256: str, playbook_id: str, version: int) -> CompiledPlaybook:
        label = f"{playbook_id} version {version} (stored)"
        return self.registry.stored(sha256, label, lambda: tx.playbook_text(sha256))

    # "can I?" -------------------------------------------------------------------

    def can(self, case_id: int, *, actor: str, now: dt.datetime | None = None) -> list[Possibility]:
        """Every trigger of the case's playbook: allowed now, or why not in words."""
        now = now or self.clock()
        with self.store.read() as tx:
            case = tx.load_case(case_id)
            compiled = self.compiled_for(tx, case)
        spec = compiled.spec
        roles = self.roles_of(self.person(actor), spec)
        context = evaluation_context(
            spec,
            state=case.state,
            fields=case.fields,
            tasks=tallies(case, spec),
            now=now,
            actor=actor,
            roles=roles,
        )
        result = []
        for trigger, transitions in compiled.by_trigger.items():
            sources = {s for t in transitions for s in spec.source_states(t.spec)}
            if case.is_closed:
                allowed, reasons = False, [_("the case is closed (state '{state}')").format(state=case.state)]
            elif case.state not in sources:
                allowed, reasons = False, [_("not from state '{state}'").format(state=case.state)]
            else:
                allowed, reasons = compiled.may(case.state, trigger, context, roles)
            here = not case.is_closed and case.state in sources
            result.append(
                Possibility(
                    trigger,
                    transitions[0].spec.title,
                    allowed,
                    reasons,
                    list(dict.fromkeys(t.spec.to for t in transitions)),
                    compiled.explain(case.state, trigger, context) if here and not allowed else [],
                    here,
                )
            )
        return result

    # timers ---------------------------------------------------------------------

    def tick(self, now: dt.datetime | None = None) -> list[TickAction]:
        """Fire every reminder, escalation and timed transition due at `now`, each once."""
        now = now or self.clock()
        with self.store.read() as tx:
            due = tx.due_timer_cases(now)
        actions: list[TickAction] = []
        for case_id in due:
            try:
                actions.extend(
                    self._run(
                        case_id, SYSTEM_ACTOR, "tick", None, None, None, now, self._tick_case, system=True
                    ).ticked
                )
            except CommandError as exc:  # another command won the race: the next tick retries
                actions.append(TickAction(case_id, "error", "", exc.message))
        return actions

    def _tick_case(self, cmd: _Command) -> None:
        done: list[TickAction] = []
        for timer in sorted(cmd.case.timers, key=lambda t: (t.due_at, t.id or 0)):
            if timer.status != TimerStatus.WAITING or timer.due_at > cmd.now or timer.id is None:
                continue  # not due, or made by a transition this tick fired: the next tick's
            if timer.kind in CASE_WIDE:
                done.extend(self._tick_deadline(cmd, timer))
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
                    self._fire(cmd, trigger)
                    done.append(
                        TickAction(cmd.case.id, "timer", timer.state, f"{trigger} -> {cmd.case.state}")
                    )
                except RefusedError as exc:
                    done.append(TickAction(cmd.case.id, "timer", timer.state, str(exc)))
                continue
            reminder = (state.remind if timer.kind == "remind" else state.escalate)[timer.position]
            cmd.outbox.append(
                OutboxMessage(
                    reason=Reason(timer.kind),
                    state=timer.state,
                    to=tuple(_as_list(reminder.to)),
                    message=reminder.message,
                    count=timer.fired_count,
                )
            )
            following = next_repeat(reminder, timer.due_at, cmd.now, cmd.spec.language)
            if following is None:
                timer.status = TimerStatus.FIRED
            else:
                timer.due_at = following
            done.append(
                TickAction(cmd.case.id, timer.kind, timer.state, "to " + ", ".join(_as_list(reminder.to)))
            )
        cmd.details["fired"] = [f"{a.kind}: {a.detail}" for a in done]
        cmd.ticked = done

    def _tick_deadline(self, cmd: _Command, timer: TimerRecord) -> list[TickAction]:
        """A case-wide deadline's row falls due: its moment passes, or a message goes out."""
        timer.fired_count += 1
        timer.fired_at, timer.status, timer.dirty = cmd.now, TimerStatus.FIRED, True
        reminder = deadline_reminder(cmd.spec, timer)
        if reminder is None:
            return [TickAction(cmd.case.id, "deadline", timer.state, "missed")]
        kind = "remind" if timer.kind == "dl_remind" else "escalate"
        cmd.outbox.append(
            OutboxMessage(
                reason=Reason(kind),
                state=cmd.case.state,
                deadline=timer.state,
                to=tuple(_as_list(reminder.to)),
                message=reminder.message,
                count=timer.fired_count,
            )
        )
        return [TickAction(cmd.case.id, kind, timer.state, "to " + ", ".join(_as_list(reminder.to)))]

    # the shape of every command on an existing case ------------------------------

    @staticmethod
    def _checked_note(note: str | None) -> str | None:
        """A note kept as trinn keeps all text (the app's notes come here unchecked by a CLI)."""
        if note is None:
            return None
        try:
            return check_text(note, lines=True, limit=MAX_NOTE)
        except ValueProblem as problem:
            raise CommandError(_("the note: {problem}").format(problem=problem)) from None

    def _run(
        self,
        case_id: int,
        actor: str,
        kind: str,
        name: str | None,
        note: str | None,
        expected_version: int | None,
        now: dt.datetime | None,
        work: Callable[[_Command], None],
        *,
        closed_ok: bool = False,
        system: bool = False,
        outsider: bool = False,
    ) -> _Command:
        now = now or self.clock()
        note = self._checked_note(note)
        try:
            self._compile_ahead(case_id)
            with self.store.write() as tx:
                # every command may move timers (a date field set, a deadline met, a meeting left)
                case = tx.load_case(case_id, lock=True, with_timers=True)
                if expected_version is not None and case.row_version != expected_version:
                    tx.raise_stale(case.id)
                compiled = self.compiled_for(tx, case)
                spec = compiled.spec
                if system:
                    roles = frozenset(r for r, role in spec.roles.items() if not role.external)
                elif outsider:  # an outside party, through a link: `_linked_task` names its role
                    if case.is_closed:
                        raise LinkError("the case has moved on")
                    roles = frozenset()
                else:
                    roles = self._acting_roles(actor, spec)
                if case.is_closed and not closed_ok:
                    raise CommandError(_("the case is closed (state '{state}')").format(state=case.state))
                cmd = _Command(
                    tx,
                    case,
                    compiled,
                    actor,
                    roles,
                    now,
                    kind,
                    name,
                    note,
                    state_before=case.state,
                    fields_before=dict(case.fields),
                )
                work(cmd)
                self._save(cmd, read_version=case.row_version)
                return cmd
        except CommandError as exc:
            raise exc.for_case(case_id) from None

    def _compile_ahead(self, case_id: int) -> None:
        """Compile the case's playbook version before the write lock is taken, if not yet done.

        Compiling takes a tenth of a second; holding the lock meanwhile would make every
        other writer of the database wait for it.
        """
        sha256 = self._last_sha.get(case_id)
        if sha256 is not None and self.registry.cached(sha256) is not None:
            return
        with self.store.read() as tx:
            playbook_id, version, sha256 = tx.case_playbook(case_id)
            self.playbook_of(tx, sha256, playbook_id, version)
            self._last_sha[case_id] = sha256

    def _acting_roles(self, actor: str, spec: PlaybookSpec) -> frozenset[str]:
        person = self.person(actor)
        roles = self.roles_of(person, spec)
        if not roles:
            internal = [r for r, role in spec.roles.items() if not role.external]
            raise CommandError(
                _("{actor} holds none of the roles of '{playbook}' ({roles})").format(
                    actor=actor, playbook=spec.id, roles=", ".join(internal)
                )
            )
        return roles

    def _open(
        self,
        tx: Transaction,
        compiled: CompiledPlaybook,
        values: Mapping[str, Any],
        actor: str,
        now: dt.datetime,
        parent: int | None,
        depth: int,
    ) -> Case:
        spec, loaded = compiled.spec, compiled.loaded
        roles = self._acting_roles(actor, spec) if parent is None else frozenset()
        tx.store_playbook(loaded.sha256, spec.id, spec.version, spec.language, loaded.text, now)
        case = Case(
            id=0,
            playbook_id=spec.id,
            playbook_version=spec.version,
            playbook_sha256=loaded.sha256,
            state=spec.initial,
            entry=1,
            fields={},
            opened_at=now,
            opened_by=actor,
            updated_at=now,
            updated_by=actor,
            row_version=0,
            parent_id=parent,
        )
        cmd = _Command(tx, case, compiled, actor, roles, now, "open", spec.id, depth=depth)
        case.fields = {name: f.default for name, f in spec.fields.items() if f.default is not None}
        self._set_values(cmd, values, sync=False, by_user=parent is None)
        missing = self._missing(spec, case.fields, spec.fields)
        if missing:
            raise CommandError(
                _("'{playbook}' needs {fields}").format(
                    playbook=spec.id, fields=", ".join(f"'{m}'" for m in missing)
                ),
                fields=dict.fromkeys(missing, ""),
            )
        self._apply(cmd, compiled.enter_effects(spec.initial, cmd.context))
        enter_state(case, spec, spec.initial, 1, now)
        self._save(cmd, read_version=None)
        return case

    def _save(self, cmd: _Command, read_version: int | None) -> None:
        case, tx = cmd.case, cmd.tx
        case.row_version = (read_version or 0) + 1
        case.updated_at, case.updated_by = cmd.now, cmd.actor
        case.subject = subject_text(cmd.spec, case.fields)
        self._retime(cmd, opening=read_version is None)
        if read_version is None:
            tx.insert_case(case)
        else:
            tx.update_case(case, read_version)
        self._last_sha[case.id] = case.playbook_sha256
        started = [self._start(cmd, start) for start in cmd.starts]
        if started:
            cmd.details["started"] = started
        changes = {}
        if cmd.fields_before != case.fields:
            names = dict.fromkeys([*cmd.spec.fields, *cmd.fields_before, *case.fields])
            changes = {
                name: [cmd.fields_before.get(name), case.fields.get(name)]
                for name in names
                if cmd.fields_before.get(name) != case.fields.get(name)
            }
        tx.add_event(
            case,
            at=cmd.now,
            actor=cmd.actor,
            kind=cmd.kind,
            name=cmd.name,
            state_before=cmd.state_before,
            changes=changes,
            note=cmd.note,
            details=cmd.details,
        )
        for entry in cmd.outbox:
            if isinstance(entry, OutboxMessage):  # rendered now: the text says what the case was
                entry = rendered(
                    cmd.spec, case, entry, people=self.people, actor=cmd.actor, now=cmd.now, links=self.links
                )
            tx.add_outbox(case, entry.row_kind, entry.to_json(), cmd.now)

    def _retime(self, cmd: _Command, *, opening: bool) -> None:
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
        for invitation in update_meetings(case, cmd.spec, cmd.now):
            cmd.outbox.append(invitation)
            sent = {k: invitation.meeting[k] for k in ("method", "sequence", "start")}
            cmd.details.setdefault("meetings", []).append({"state": invitation.state, **sent})

    def _start(self, cmd: _Command, start: StartCaseEffect) -> int:
        if cmd.depth >= _MAX_START_DEPTH:
            raise CommandError(
                _(
                    "start_case '{playbook}' nested more than {depth} deep (a loop "
                    "of playbooks starting each other?)"
                ).format(playbook=start.playbook, depth=_MAX_START_DEPTH)
            )
        compiled = self.registry.current(start.playbook)
        try:
            child = self._open(
                cmd.tx, compiled, start.fields, cmd.actor, cmd.now, parent=cmd.case.id, depth=cmd.depth + 1
            )
        except CommandError as exc:
            raise CommandError(
                _("start_case '{playbook}': {error}").format(playbook=start.playbook, error=exc)
            ) from None
        return child.id

    # the steps commands are made of ----------------------------------------------

    def _fire(self, cmd: _Command, trigger: str) -> None:
        compiled, case = cmd.compiled, cmd.case
        if trigger not in compiled.by_trigger:
            allowed = compiled.triggers_from(case.state)
            hint = did_you_mean(trigger, compiled.by_trigger) or (
                _("allowed here: {triggers}").format(triggers=", ".join(allowed)) if allowed else ""
            )
            raise CommandError(
                _("unknown trigger '{trigger}'").format(trigger=trigger) + (f" ({hint})" if hint else "")
            )
        before = case.state
        if trigger not in compiled.triggers_from(before) and case.updated_by != cmd.actor:
            # someone else moved the case on since this person looked: say who and when
            moved_at = case.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            reasons = compiled.why_not(before, trigger, cmd.context(None, before), cmd.roles)
            raise RefusedError(trigger, before, reasons, moved_by=case.updated_by, moved_at=moved_at)
        # made only if a guard or action reads it, of the case as it was before the fire
        firing = compiled.fire(case, trigger, lambda reads: cmd.context(reads, before), cmd.roles)
        case.state = before  # leave the old state's tasks and timers before moving on
        assert firing.transition is not None
        self._apply(cmd, firing.effects)
        left = cmd.spec.states[before]
        leave_state(case, cmd.now, timed=bool(left.remind or left.escalate or left.timers))
        enter_state(case, cmd.spec, firing.transition.spec.to, (case.row_version or 0) + 1, cmd.now)
        cmd.details.setdefault("transitions", []).append(
            {"trigger": trigger, "index": firing.transition.index, "from": before, "to": case.state}
        )

    def _apply(self, cmd: _Command, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, SetEffect):
                # the state being entered makes its tasks from the fields as they end up
                self._set_values(cmd, effect.values, sync=False, by_user=False)
            elif isinstance(effect, NotifyEffect):
                notify = effect.notify
                cmd.details.setdefault("notify", []).append(notify.message)
                address = cmd.case.fields.get(notify.to_field) if notify.to_field else None
                cmd.outbox.append(
                    OutboxMessage(
                        reason=Reason.NOTIFY,
                        state=cmd.case.state,
                        message=notify.message,
                        to=tuple(_as_list(notify.to)),
                        to_person=notify.to_person,
                        to_field=notify.to_field,
                        channel=notify.channel,
                        # an e-mail field's address; a person field's people are found when rendered
                        address=address if isinstance(address, str) and "@" in address else None,
                    )
                )
            elif isinstance(effect, StartCaseEffect):
                cmd.starts.append(effect)
            elif isinstance(effect, CustomEffect):
                cmd.outbox.append(OutboxAction(effect.kind, effect.params))

    def _normalized(self, spec: PlaybookSpec, values: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        zone = zone_of(spec.language, spec.timezone)
        for name, value in values.items():
            if name not in spec.fields:
                message = _("unknown field '{name}'").format(name=name)
                raise CommandError(message + _hint(name, spec.fields), fields={name: message})
            if value is None or value == "":
                result[name] = None
                continue
            try:
                result[name] = normalize_value(spec.fields[name], value, zone=zone)
            except ValueProblem as problem:
                raise CommandError(
                    _("field '{name}': {problem}").format(name=name, problem=problem),
                    fields={name: str(problem)},
                ) from None
        return result

    def _set_values(
        self, cmd: _Command, values: Mapping[str, Any], *, sync: bool = True, by_user: bool = True
    ) -> None:
        """Set fields by the user's command (`by_user`) or by the playbook's actions; `sync`
        keeps for_each tasks in step (not mid-move)."""
        normalized = self._normalized(cmd.spec, values)
        if by_user:
            self._check_people(cmd, normalized)
        read = fields_read(cmd.compiled)
        for name in read & normalized.keys():
            problem = unreadable(name, normalized[name])
            if problem is not None:
                raise CommandError(problem, fields={name: problem})
        for name, value in normalized.items():
            if value is None:
                if cmd.spec.fields[name].required and cmd.kind != "open":
                    raise CommandError(_("field '{name}' is required").format(name=name), fields={name: ""})
                cmd.case.fields.pop(name, None)
            else:
                cmd.case.fields[name] = value
        if sync:
            sync_for_each(cmd.case, cmd.spec, normalized, cmd.now)

    @staticmethod
    def _missing(spec: PlaybookSpec, fields: Mapping[str, Any], names: Any) -> list[str]:
        return [name for name in names if spec.fields[name].required and fields.get(name) in (None, [], "")]

    def _task(self, cmd: _Command, task: str, item: str | None, status: str) -> TaskRecord:
        spec, case = cmd.spec, cmd.case
        current = sorted({t.task_id for t in case.current_tasks() if t.status != TaskStatus.CANCELLED})
        listed = ", ".join(current) if current else _("none")
        if task not in task_specs(spec):
            close = did_you_mean(task, task_specs(spec))
            raise CommandError(
                _("unknown task '{task}'").format(task=task)
                + (f" ({close})" if close else " " + _("(the tasks now: {tasks})").format(tasks=listed))
            )
        here = [t for t in case.current_tasks() if t.task_id == task]
        if not [t for t in here if t.status != TaskStatus.CANCELLED]:
            raise CommandError(
                _("task '{task}' is not a task of state '{state}' (its tasks: {tasks})").format(
                    task=task, state=case.state, tasks=listed
                )
            )
        if item is not None:
            named = [t for t in here if t.item == item]
            if not named:
                known = [t.item for t in here if t.status != TaskStatus.CANCELLED]
                raise CommandError(
                    _("task '{task}' has no item '{item}'").format(task=task, item=item) + _hint(item, known)
                )
            here = named
            if all(t.status == TaskStatus.CANCELLED for t in here):
                raise CommandError(
                    _("task '{task}' [{item}] was cancelled: '{item}' was taken off its list").format(
                        task=task, item=item
                    )
                )
        here = [t for t in here if t.status != TaskStatus.CANCELLED]
        matching = [t for t in here if t.status == status]
        if not matching:
            shown = f"'{task}'" + (f" [{item}]" if item is not None else "")
            raise CommandError(
                (
                    _("task {task} is already done")
                    if status == TaskStatus.OPEN
                    else _("task {task} is already open")
                ).format(task=shown)
            )
        if len(matching) > 1 and item is None:
            items = ", ".join(f"'{t.item}'" for t in matching)
            raise CommandError(
                (
                    _("task '{task}' has {count} open items; name one with --item ({items})")
                    if status == TaskStatus.OPEN
                    else _("task '{task}' has {count} done items; name one with --item ({items})")
                ).format(task=task, count=len(matching), items=items)
            )
        return matching[0]

    # who may do what ------------------------------------------------------------
    #
    # Every write passes one check. Who acts must hold a role of the playbook (`_acting_roles`,
    # in `_run` and `_open`); a trigger names the roles that may fire it (`compiled.fire`, with
    # its guard); work on a task (done, reopen, form, assign) needs the task's role, or being
    # its assignee (`_authorise`); people named in a person_list field must be people of the
    # people file who hold the role that field stands for (`_check_people`).

    def _may_do(self, cmd: _Command, record: TaskRecord) -> bool:
        role = cmd.spec.roles.get(record.role)
        return (
            (role is not None and role.external) or record.role in cmd.roles or record.assignee == cmd.actor
        )

    def _authorise(
        self, cmd: _Command, record: TaskRecord, *, form: str | None = None, assigning: bool = False
    ) -> None:
        """May `cmd.actor` work on the task `record` (do it, reopen it, fill its form, assign it)?

        A task of an external role is recorded by any coordinator on the outsider's behalf.
        """
        if self._may_do(cmd, record):
            return
        values = {"person": cmd.actor, "task": record.task_id, "role": record.role, "form": form}
        if form is not None:
            message = _("{person} cannot fill the form '{form}': its task '{task}' needs the role '{role}'")
        elif assigning:
            message = _("{person} cannot assign '{task}': it needs the role '{role}'")
        else:
            message = _("{person} cannot do '{task}': it needs the role '{role}'")
        raise CommandError(message.format(**values))

    def _form_task(self, cmd: _Command, form: str) -> TaskRecord | None:
        """The open task of the case's state that filling `form` does; None for a form no task
        of the playbook fills (then any coordinator fills it, in any open state)."""
        specs = task_specs(cmd.spec)
        if not any(task.form == form for task in specs.values()):
            return None
        here = [
            t
            for t in cmd.case.current_tasks()
            if t.status != TaskStatus.CANCELLED and specs[t.task_id].form == form
        ]
        if not here:
            forms = sorted(
                {
                    name
                    for t in cmd.case.current_tasks()
                    if t.status == TaskStatus.OPEN and (name := specs[t.task_id].form) is not None
                }
            )
            raise CommandError(
                _("form '{form}' is not a form of state '{state}' (its open forms: {forms})").format(
                    form=form, state=cmd.case.state, forms=", ".join(forms) if forms else _("none")
                )
            )
        waiting = [t for t in here if t.status == TaskStatus.OPEN]
        if not waiting:
            raise CommandError(
                _(
                    "form '{form}' is filled already: its task '{task}' is done (reopen it to fill it again)"
                ).format(form=form, task=here[0].task_id)
            )
        return next((t for t in waiting if self._may_do(cmd, t)), waiting[0])

    def _linked_task(self, cmd: _Command, form: str, link: LinkClaim) -> TaskRecord:
        """The task the outsider's link fills (`linked_task`); the command then acts as its
        external role, through the web form."""
        if link.form != form:
            raise LinkError("for another form")
        record = linked_task(cmd.spec, cmd.case, link)
        cmd.actor, cmd.roles = record.role, frozenset({record.role})
        cmd.details["via"] = "web"
        return record

    def _fire_first(self, cmd: _Command, triggers: list[str]) -> None:
        """Fire the first of a public form's `fires` whose guard holds now, if any.

        The playbook's `fires` is what authorises the outsider here, so the transition's own
        roles are not asked for; its guard is.
        """
        roles = frozenset(cmd.spec.roles)
        for trigger in triggers:
            allowed, _reasons = cmd.compiled.may(cmd.case.state, trigger, cmd.context(), roles)
            if allowed:
                cmd.roles = roles
                self._fire(cmd, trigger)
                return

    def _check_people(self, cmd: _Command, normalized: Mapping[str, Any]) -> None:
        """Refuse a person_list value naming anyone but people of the people file who hold the
        role the field stands for: the role of the for_each tasks made for each listed person,
        or, when no task is made per person, any role of the playbook.

        Without a people file (one user holding every role) there is no one to check against.
        Only ids new to the list are checked: a member who has since left a role stays listed.
        """
        if any(person.every_role for person in self.people.by_id.values()):
            return
        spec = cmd.spec
        for name, value in normalized.items():
            if not isinstance(value, list) or spec.fields[name].type is not FieldType.person_list:
                continue
            before = cmd.case.fields.get(name) or []
            needed = sorted({t.role for t in task_specs(spec).values() if t.for_each == name})
            fit = [
                p.id
                for p in self.people.by_id.values()
                if (all(p.holds(r) for r in needed) if needed else any(p.holds(r) for r in spec.roles))
            ]
            for person_id in value:
                if person_id in before or person_id in fit:
                    continue
                if person_id not in self.people.by_id:
                    problem = _("'{person}' is not in the people file").format(person=person_id)
                elif needed:
                    problem = _("'{person}' does not hold the role {roles}").format(
                        person=person_id, roles=", ".join(f"'{r}'" for r in needed)
                    )
                else:
                    problem = _("'{person}' holds none of the roles of '{playbook}'").format(
                        person=person_id, playbook=spec.id
                    )
                raise CommandError(
                    _("field '{name}': {problem}").format(name=name, problem=problem) + _hint(person_id, fit),
                    fields={name: problem + _hint(person_id, fit)},
                )

    def _complete(self, cmd: _Command, record: TaskRecord) -> None:
        record.status, record.done_at, record.done_by = TaskStatus.DONE, cmd.now, cmd.actor
        record.note, record.dirty = cmd.note, True
        done = {"task": record.task_id, "item": record.item}
        role = cmd.spec.roles.get(record.role)
        if role is not None and role.external and cmd.details.get("via") != "web":
            done["on_behalf_of"] = record.role  # a coordinator records what an outsider did
        cmd.details.setdefault("done", []).append(done)

    # what the terminal UI reads ---------------------------------------------------

    def outbox(self, case_id: int | None = None) -> list[Any]:
        """Outbox rows, oldest first: every message a command queued and how its delivery went."""
        with self.store.read() as tx:
            return tx.outbox_rows(case_id)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _hint(name: str, choices: Any) -> str:
    hint = did_you_mean(name, [c for c in choices if c is not None], list_if_few=8)
    return f" ({hint})" if hint else ""
