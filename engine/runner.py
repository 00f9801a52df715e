"""The shape of every command: one transaction, the row version the caller read, one event.

`CommandRunner.run` loads a case (locked, at the version the caller names),
hands a `Command` to the command's work, then `save` writes the case, its tasks
and timers, the cases it starts, one history event and the outbox rows. Any
failure leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trinn.engine.authority import acting_roles
from trinn.engine.calendar import zone_of
from trinn.engine.case import Case, subject_text
from trinn.engine.command import Command, missing_fields
from trinn.engine.compiler import CompiledPlaybook
from trinn.engine.effects import outbox_entries
from trinn.engine.entering import enter_state
from trinn.engine.errors import CommandError, StaleCaseError, said_moment
from trinn.engine.firing import StartCaseEffect
from trinn.engine.i18n import gettext as _
from trinn.engine.i18n import language
from trinn.engine.links import LinkError
from trinn.engine.parts import Parts
from trinn.engine.people import People
from trinn.engine.records import record_fields
from trinn.engine.store import Transaction
from trinn.engine.text import localize
from trinn.engine.timers import retime
from trinn.engine.values import MAX_NOTE, ValueProblem, check_text

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["CommandRunner", "Parts"]

_MAX_START_DEPTH = 8  # start_case chains deeper than this are a loop


@dataclass(eq=False)
class CommandRunner(Parts):
    """Runs commands on the cases of one store, with the playbooks of one registry."""

    # each case's playbook version, as last seen
    _last_sha: dict[int, str] = field(default_factory=dict, init=False, repr=False)

    def compiled_for(self, tx: Transaction, case: Case) -> CompiledPlaybook:
        return self.registry.stored(
            case.playbook_sha256, case.playbook_id, case.playbook_version, tx.playbook_text
        )

    def run(
        self,
        case_id: int,
        actor: str,
        kind: str,
        name: str | None,
        note: str | None,
        expected_version: int | None,
        now: dt.datetime | None,
        work: Callable[[Command], None],
        *,
        closed_ok: bool = False,
        system: bool = False,
        outsider: bool = False,
    ) -> Command:
        """Run `work` on the case at `now` (default: the clock's); `system` commands (tick) act
        in every internal role."""
        note = _checked_note(note)
        now = now or self.clock()
        try:
            self._compile_ahead(case_id)
            with self.store.write() as tx:
                # every command may move timers (a date field set, a deadline met, a meeting left)
                case = tx.load_case(case_id, lock=True, with_timers=True)
                compiled = self.compiled_for(tx, case)
                spec = compiled.spec
                if expected_version is not None and case.row_version != expected_version:
                    zone = zone_of(spec.language, spec.timezone).key
                    raise StaleCaseError(case.id, self.people.name_of(case.updated_by), case.updated_at, zone)
                if system:
                    roles = frozenset(r for r, role in spec.roles.items() if not role.external)
                elif outsider:  # an outside party, through a link: the service names its role
                    if case.is_closed:
                        raise LinkError("the case has moved on")
                    roles = frozenset()
                else:
                    roles = acting_roles(self.people, actor, spec)
                if case.is_closed and not closed_ok:
                    raise _closed(case, spec, self.people)
                cmd = Command(
                    tx,
                    case,
                    compiled,
                    self.people,
                    actor,
                    roles,
                    now,
                    kind,
                    name,
                    note,
                    state_before=case.state,
                    fields_before=dict(case.fields),
                    links=self.links,
                )
                work(cmd)
                self.save(cmd, read_version=case.row_version)
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
            self.registry.stored(sha256, playbook_id, version, tx.playbook_text)
            self._last_sha[case_id] = sha256

    def open(
        self,
        tx: Transaction,
        compiled: CompiledPlaybook,
        values: Mapping[str, Any],
        actor: str,
        now: dt.datetime,
        parent: int | None,
        depth: int,
    ) -> Case:
        """A new case (of a person's command, or started by the case `parent`), saved."""
        spec, loaded = compiled.spec, compiled.loaded
        roles = acting_roles(self.people, actor, spec) if parent is None else frozenset()
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
        cmd = Command(
            tx, case, compiled, self.people, actor, roles, now, "open", spec.id, depth=depth, links=self.links
        )
        case.fields = {name: f.default for name, f in spec.fields.items() if f.default is not None}
        cmd.set_values(values, sync=False, by_user=parent is None)
        # a field only forms filled per item name is required of each record, not of the case
        missing = missing_fields(spec, case.fields, [f for f in spec.fields if f not in record_fields(spec)])
        if missing:
            raise CommandError(
                _("'{playbook}' needs {fields}").format(
                    playbook=spec.id, fields=", ".join(f"'{m}'" for m in missing)
                ),
                fields=dict.fromkeys(missing, ""),
            )
        cmd.apply(compiled.enter_effects(spec.initial, cmd.context))
        enter_state(case, spec, spec.initial, 1, now)
        self.save(cmd, read_version=None)
        return case

    def save(self, cmd: Command, read_version: int | None) -> None:
        """Write the case at `read_version` + 1, the cases it starts, its event and outbox rows."""
        case, tx = cmd.case, cmd.tx
        case.row_version = (read_version or 0) + 1
        case.updated_at, case.updated_by = cmd.now, cmd.actor
        case.subject = subject_text(cmd.spec, case.fields)
        retime(cmd, opening=read_version is None)
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
        for entry in outbox_entries(cmd, lambda: self.registry.folder_of(cmd.compiled)):
            tx.add_outbox(case, entry.row_kind, entry.to_json(), cmd.now)
        for kept in cmd.files.values():  # uploads and attachments: each content once
            tx.store_file(kept.sha256, kept.size, kept.type, kept.content, cmd.now)

    def _start(self, cmd: Command, start: StartCaseEffect) -> int:
        if cmd.depth >= _MAX_START_DEPTH:
            raise CommandError(
                _(
                    "start_case '{playbook}' nested more than {depth} deep (a loop "
                    "of playbooks starting each other?)"
                ).format(playbook=start.playbook, depth=_MAX_START_DEPTH)
            )
        compiled = self.registry.current(start.playbook)
        try:
            child = self.open(
                cmd.tx, compiled, start.fields, cmd.actor, cmd.now, parent=cmd.case.id, depth=cmd.depth + 1
            )
        except CommandError as exc:
            raise CommandError(
                _("start_case '{playbook}': {error}").format(playbook=start.playbook, error=exc)
            ) from None
        return child.id


def _checked_note(note: str | None) -> str | None:
    """A note kept as trinn keeps all text (the app's notes come here unchecked by a CLI)."""
    if note is None:
        return None
    try:
        return check_text(note, lines=True, limit=MAX_NOTE)
    except ValueProblem as problem:
        raise CommandError(_("the note: {problem}").format(problem=problem)) from None


def _closed(case: Case, spec: PlaybookSpec, people: People) -> CommandError:
    """A command on a closed case, refused with where it ended and who changed it last, when:
    the losing side of a race that closed the case learns who won it."""
    state = spec.states.get(case.state)
    return CommandError(
        _("the case is closed («{state}»; last changed by {who} at {at})").format(
            state=localize(state.title, language(), spec.language) if state else case.state,
            who=people.name_of(case.updated_by),
            at=said_moment(case.updated_at, zone_of(spec.language, spec.timezone).key),
        )
    )
