"""What the interfaces read: the one door from the terminal UI and the command line to the store.

Reads never write. A case's page is read in one transaction, so everything on
it is of one row version. Listings read the store alone: the playbook registry
(and with it the compiler) and the people file are asked for only by the reads
that need them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Unpack

from trinn.engine.case import tallies
from trinn.engine.clock import Clock, utc_now
from trinn.engine.errors import CommandError
from trinn.engine.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.compiler import CompiledPlaybook
    from trinn.engine.people import People
    from trinn.engine.registry import PlaybookRegistry
    from trinn.engine.spec import PlaybookSpec
    from trinn.engine.store import Store, Transaction
    from trinn.engine.store.reads import CaseFilter, TaskFilter
    from trinn.engine.store.rows import (
        CaseLine,
        CaseSummary,
        DeliveryRow,
        EventRow,
        ListedCase,
        OpenTask,
        OutboxRow,
        TaskLine,
    )

__all__ = ["CasePage", "Possibility", "Queries"]


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
    advice: list[str] = field(default_factory=list)  # allowed, but against this advice (in words)


@dataclass(frozen=True)
class CasePage:
    """Everything a case's screen shows, read in one transaction (so at one row version)."""

    case: Case
    compiled: CompiledPlaybook
    children: list[int]
    possibilities: list[Possibility]
    events: list[EventRow]
    messages: list[OutboxRow]
    roles: frozenset[str]

    @property
    def spec(self) -> PlaybookSpec:
        return self.compiled.spec

    def path(self) -> list[str]:
        """The states the case has been in, in order (repeats kept: it may go back)."""
        states: list[str] = []
        for event in self.events:
            for state in (event.state_before, event.state_after):
                if state and (not states or states[-1] != state):
                    states.append(state)
        return states or [self.case.state]

    def next_states(self) -> list[str]:
        return list(dict.fromkeys(s for p in self.possibilities if p.allowed for s in p.to))


class Queries:
    """Reads of one store; `registry` and `people` are fetched when a read first needs them."""

    def __init__(
        self,
        store: Store,
        registry: Callable[[], PlaybookRegistry],
        people: Callable[[], People],
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self._registry = registry
        self._people = people
        self.clock = clock

    def compiled_for(self, tx: Transaction, case: Case) -> CompiledPlaybook:
        return self._registry().stored(
            case.playbook_sha256, case.playbook_id, case.playbook_version, tx.playbook_text
        )

    def roles(self, actor: str, spec: PlaybookSpec) -> frozenset[str]:
        """The roles of `spec` that `actor` acts in (an error if not in the people file)."""
        from trinn.engine.authority import person_of, roles_of  # the playbook models: not for a listing

        return roles_of(person_of(self._people(), actor), spec)

    # one case ------------------------------------------------------------------------

    def load(self, case_id: int) -> tuple[Case, CompiledPlaybook, list[int]]:
        """A case, the playbook version it runs on, and the cases it started."""
        with self.store.read() as tx:
            case = tx.load_case(case_id, with_timers=True)
            return case, self.compiled_for(tx, case), tx.child_ids(case_id)

    def stored_file(self, case_id: int, field: str, item: str | None = None) -> tuple[dict[str, Any], bytes]:
        """A file field's value (the case's, or one item's record) and the file's bytes."""
        from trinn.engine.files import held_file

        try:
            with self.store.read() as tx:
                case = tx.load_case(case_id)
                value = held_file(self.compiled_for(tx, case).spec, case, field, item)
                content = tx.file_content(value["sha256"])
            if content is None:
                missing = _("the file of field '{name}' is missing from the database").format(name=field)
                raise CommandError(missing)
        except CommandError as exc:
            raise exc.for_case(case_id) from None
        return value, content

    def history(self, case_id: int) -> list[EventRow]:
        with self.store.read() as tx:
            tx.load_case(case_id)  # an unknown case is an error, not an empty history
            return tx.event_rows(case_id)

    def can(self, case_id: int, *, actor: str, now: dt.datetime | None = None) -> list[Possibility]:
        """Every trigger of the case's playbook: allowed now, or why not in words."""
        with self.store.read() as tx:
            case = tx.load_case(case_id)
            compiled = self.compiled_for(tx, case)
        roles = self.roles(actor, compiled.spec)
        return possibilities(case, compiled, actor, roles, now or self.clock())

    def case_page(self, case_id: int, *, actor: str) -> CasePage:
        """The case, its playbook, children, possibilities, history and messages, as of one moment."""
        now = self.clock()
        with self.store.read() as tx:
            case = tx.load_case(case_id, with_timers=True)
            compiled = self.compiled_for(tx, case)
            children = tx.child_ids(case_id)
            events = tx.event_rows(case_id)
            messages = tx.outbox_rows(case_id)
        roles = self.roles(actor, compiled.spec)
        found = possibilities(case, compiled, actor, roles, now)
        return CasePage(case, compiled, children, found, list(events), list(messages), roles)

    # listings ------------------------------------------------------------------------

    def cases(self, **filters: Unpack[CaseFilter]) -> list[CaseSummary]:
        """Cases of a playbook, in a state, open or closed, overdue at a moment (engine.store.rows)."""
        with self.store.read() as tx:
            return tx.case_rows(**filters)

    def case_lines(self, **filters: Unpack[CaseFilter]) -> list[CaseLine]:
        """The cases `cases` gives, with only what a listing prints (engine.store.rows.CaseLine)."""
        with self.store.read() as tx:
            return tx.case_lines(**filters)

    def open_tasks(self, **filters: Unpack[TaskFilter]) -> list[tuple[OpenTask, CompiledPlaybook]]:
        """Open tasks of open cases, each with the playbook version its case runs on."""
        registry = self._registry()
        with self.store.read() as tx:
            rows = tx.open_task_rows(**filters)
            return [
                (
                    row,
                    registry.stored(
                        row.playbook_sha256, row.playbook_id, row.playbook_version, tx.playbook_text
                    ),
                )
                for row in rows
            ]

    def task_lines(self, **filters: Unpack[TaskFilter]) -> list[TaskLine]:
        """The open tasks `open_tasks` gives, as a listing prints them: the store alone, so a
        listing of thousands of tasks loads no playbook (nor the models and compiler behind it)."""
        with self.store.read() as tx:
            return tx.task_lines(**filters)

    def outbox(self, case_id: int | None = None) -> list[OutboxRow]:
        """Outbox rows, oldest first: every message a command queued and how its delivery went."""
        with self.store.read() as tx:
            return tx.outbox_rows(case_id)

    def outbox_listing(self, *, status: str | None = None) -> tuple[list[OutboxRow], list[DeliveryRow]]:
        """The messages (`status` only, if given) and each try to deliver them, read together."""
        with self.store.read() as tx:
            rows = tx.outbox_listing(status=status)
            return rows, tx.delivery_rows([r.id for r in rows])

    def deliveries(self, outbox_id: int) -> list[DeliveryRow]:
        """Each try to deliver one outbox message, oldest first (errors masked as stored)."""
        with self.store.read() as tx:
            return tx.delivery_rows([outbox_id])

    def anything_to_send(self, now: dt.datetime) -> bool:
        """Whether a command queued a message not yet tried (delivery after a command asks)."""
        with self.store.read() as tx:
            return bool(tx.due_outbox_ids(now, fresh_only=True, limit=1))

    def case_listing(
        self, known: Collection[str]
    ) -> tuple[list[ListedCase], dict[int, tuple[int, Any, set[str]]], dict[str, str]]:
        """Every case as the case list shows it (only the columns it reads), its open tasks
        (count, first due, roles), and the text of each playbook version not in `known` (by
        hash), read in one transaction. The store alone: a listing loads no compiler, CEL or
        transitions."""
        with self.store.read() as tx:
            rows, open_tasks = tx.case_listing()
            missing = sorted({r.playbook_sha256 for r in rows} - set(known))
            return rows, open_tasks, tx.playbook_texts(missing) if missing else {}

    def change_mark(self) -> tuple[int, ...]:
        """A value that changes whenever any case or outbox row does (what a screen polls)."""
        with self.store.read() as tx:
            return tx.change_mark()

    def reachable(self) -> None:
        """Read from the store's tables: StoreError if the database cannot be read (a health
        check; beginning a read alone touches no file on SQLite and no server on PostgreSQL)."""
        with self.store.read() as tx:
            tx.event_rows(0)  # no case has id 0: an indexed read that finds nothing


def possibilities(
    case: Case, compiled: CompiledPlaybook, actor: str, roles: frozenset[str], now: dt.datetime
) -> list[Possibility]:
    """Every trigger of the case's playbook: may `actor` (acting in `roles`) fire it at `now`,
    and if so, against which advice?"""
    from trinn.engine.advice import said
    from trinn.engine.context import evaluation_context  # CEL: not for a listing

    spec = compiled.spec
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
        advice = said(spec, compiled.unmet_advice(case.state, trigger, context, roles)) if allowed else []
        result.append(
            Possibility(
                trigger,
                transitions[0].spec.title,
                allowed,
                reasons,
                list(dict.fromkeys(t.spec.to for t in transitions)),
                compiled.explain(case.state, trigger, context) if here and not allowed else [],
                here,
                advice,
            )
        )
    return result
