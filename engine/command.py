"""One command's work on one case, in memory: the steps every command is made of.

A `Command` holds the case as loaded, the playbook version it runs on, who acts
and when. Its steps (fire a trigger, apply the actions, set fields, complete a
task) change the case and gather what the command queues; `runner` loads the
case before and writes it all after, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trinn.engine.advice import advice_refusal, recorded, said
from trinn.engine.authority import check_people, on_behalf
from trinn.engine.calendar import zone_of
from trinn.engine.case import Case, TaskRecord, tallies
from trinn.engine.context import evaluation_context
from trinn.engine.effects import queue_action, queue_notify
from trinn.engine.entering import enter_state, leave_state, sync_for_each
from trinn.engine.errors import CommandError, RefusedError, choice_hint, did_you_mean
from trinn.engine.field_types import FieldType
from trinn.engine.files import StoredFile, Upload, refuse_copied, stored_file
from trinn.engine.firing import CustomEffect, Effect, NotifyEffect, SetEffect, StartCaseEffect
from trinn.engine.i18n import gettext as _
from trinn.engine.links import FormLinks
from trinn.engine.permissions import check_writes
from trinn.engine.readable import fields_read, unreadable
from trinn.engine.status import TaskStatus
from trinn.engine.values import ValueProblem, normalize_value

if TYPE_CHECKING:
    from trinn.engine.compiler import CompiledPlaybook
    from trinn.engine.firing import Reads
    from trinn.engine.outbox_message import OutboxAction, OutboxMessage
    from trinn.engine.people import People
    from trinn.engine.spec import PlaybookSpec
    from trinn.engine.store import Transaction
    from trinn.engine.timers import TickAction

__all__ = ["Command", "missing_fields", "normalized"]


@dataclass
class Command:
    """One command's work on one case, written by `runner.CommandRunner.save`."""

    tx: Transaction
    case: Case
    compiled: CompiledPlaybook
    people: People
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
    links: FormLinks | None = None  # signs the `form_link`s of the messages it queues
    against_advice: str | None = None  # the person's reason for a step against advice, if given
    files: dict[str, StoredFile] = field(default_factory=dict)  # uploads to store, by sha256

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

    # the steps ------------------------------------------------------------------

    def fire(self, trigger: str) -> None:
        compiled, case = self.compiled, self.case
        if trigger not in compiled.by_trigger:
            allowed = compiled.triggers_from(case.state)
            hint = did_you_mean(trigger, compiled.by_trigger) or (
                _("allowed here: {triggers}").format(triggers=", ".join(allowed)) if allowed else ""
            )
            raise CommandError(
                _("unknown trigger '{trigger}'").format(trigger=trigger) + (f" ({hint})" if hint else "")
            )
        before = case.state
        if trigger not in compiled.triggers_from(before) and case.updated_by != self.actor:
            # someone else moved the case on since this person looked: say who and when
            reasons = compiled.why_not(before, trigger, self.context(None, before), self.roles)
            action_title, state_title = compiled.titles(before, trigger)
            raise RefusedError(
                trigger,
                before,
                reasons,
                moved_by=self.people.name_of(case.updated_by),
                moved_at=case.updated_at,
                zone=zone_of(self.spec.language, self.spec.timezone).key,
                trigger_title=action_title,
                state_title=state_title,
            )
        # made only if a guard or action reads it, of the case as it was before the fire
        firing = compiled.fire(case, trigger, lambda reads: self.context(reads, before), self.roles)
        case.state = before  # leave the old state's tasks and timers before moving on
        assert firing.transition is not None
        moved: dict[str, Any] = {
            "trigger": trigger,
            "index": firing.transition.index,
            "from": before,
            "to": firing.transition.spec.to,
        }
        if firing.unmet:  # a soft rule not met: only with the person's reason (engine.advice)
            if self.against_advice is None:
                raise advice_refusal(said(self.spec, firing.unmet))
            moved["against_advice"] = recorded(self.spec, firing.unmet, self.against_advice)
        self.apply(firing.effects)
        left = self.spec.states[before]
        leave_state(case, self.now, timed=bool(left.remind or left.escalate or left.timers))
        enter_state(case, self.spec, firing.transition.spec.to, (case.row_version or 0) + 1, self.now)
        self.details.setdefault("transitions", []).append(moved)

    def apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, SetEffect):
                # the state being entered makes its tasks from the fields as they end up
                self.set_values(effect.values, sync=False, by_user=False)
            elif isinstance(effect, NotifyEffect):
                queue_notify(self, effect)
            elif isinstance(effect, StartCaseEffect):
                self.starts.append(effect)
            elif isinstance(effect, CustomEffect):
                queue_action(self, effect)

    def set_values(self, values: Mapping[str, Any], *, sync: bool = True, by_user: bool = True) -> None:
        """Set fields by the user's command (`by_user`) or by the playbook's actions; `sync`
        keeps for_each tasks in step (not mid-move)."""
        values = normalized(self.spec, values, self.files)
        if by_user:
            refuse_copied(self.spec, values, self.case.fields, self.files)
            check_writes(  # who may change what: the one check of every write by a person
                self.spec,
                values,
                self.case.fields,
                actor=self.actor,
                roles=self.roles,
                state=self.case.state,
                how=self.kind if self.kind in ("open", "form") else "set",
            )
            check_people(self, values)
        for name in fields_read(self.compiled) & values.keys():
            problem = unreadable(name, values[name], self.spec.limits.caps)
            if problem is not None:
                raise CommandError(problem, fields={name: problem})
        for name, value in values.items():
            if value is None:
                if self.spec.fields[name].required and self.kind != "open":
                    raise CommandError(_("field '{name}' is required").format(name=name), fields={name: ""})
                self.case.fields.pop(name, None)
            else:
                self.case.fields[name] = value
        if sync:
            sync_for_each(self.case, self.spec, values, self.now)

    def complete(self, record: TaskRecord, answers: Mapping[str, Any] | None = None) -> None:
        """Mark `record` done; `answers` are its item's record, kept in the history with it."""
        record.status, record.done_at, record.done_by = TaskStatus.DONE, self.now, self.actor
        record.note, record.dirty = self.note, True
        done: dict[str, Any] = {"task": record.task_id, "item": record.item}
        role = self.spec.roles.get(record.role)
        if on_behalf(self, record):
            done["on_behalf_of"] = record.item  # a coordinator records a person's own item
        elif role is not None and role.external and self.details.get("via") != "web":
            done["on_behalf_of"] = record.role  # a coordinator records what an outsider did
        if answers is not None:
            done["answers"] = dict(answers)
        self.details.setdefault("done", []).append(done)
        self.hook("task", record.task_id)

    def hook(self, kind: str, name: str) -> None:
        """A task's `on_complete` or a form's `on_submit` actions, in the command's transaction;
        lists they change keep their for_each tasks in step, as a person's change would."""
        effects = self.compiled.hook_effects(kind, name, self.context)
        if not effects:
            return
        self.apply(effects)
        changed = [n for effect in effects if isinstance(effect, SetEffect) for n in effect.values]
        if changed:
            sync_for_each(self.case, self.spec, changed, self.now)
        self.details.setdefault("hooks", []).append({kind: name})


def normalized(
    spec: PlaybookSpec, values: Mapping[str, Any], files: dict[str, StoredFile] | None = None
) -> dict[str, Any]:
    """`values` as the case keeps them (None for a value cleared), or a refusal naming the field.

    An upload (engine.files) becomes its file field's value, the file itself kept in `files`
    for the store; a field that takes no file takes the text the person typed for it (and
    refuses a file named where only a file was meant)."""
    result: dict[str, Any] = {}
    zone = zone_of(spec.language, spec.timezone)
    for name, value in values.items():
        if name not in spec.fields:
            message = _("unknown field '{name}'").format(name=name)
            raise CommandError(message + choice_hint(name, spec.fields), fields={name: message})
        if value is None or value == "":
            result[name] = None
            continue
        field_spec = spec.fields[name]
        try:
            if isinstance(value, Upload) and field_spec.type is FieldType.file:
                kept = stored_file(value, spec.limits.caps, field_spec.accept)
                if files is not None:
                    files[kept.sha256] = kept
                result[name] = kept.value
            elif isinstance(value, Upload) and value.written is None:  # a file, and nothing typed
                raise ValueProblem(_("a {kind} field takes no file").format(kind=field_spec.type.value))
            else:
                written = value.written if isinstance(value, Upload) else value
                result[name] = normalize_value(field_spec, written, zone=zone)
        except ValueProblem as problem:
            raise CommandError(
                _("field '{name}': {problem}").format(name=name, problem=problem),
                fields={name: str(problem)},
            ) from None
    return result


def missing_fields(spec: PlaybookSpec, fields: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The required fields of `names` that have no value."""
    return [name for name in names if spec.fields[name].required and fields.get(name) in (None, [], "")]
