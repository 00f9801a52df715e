"""What the terminal UI reads and writes, as plain data: the screens' one door to the engine.

No textual here: the screens call these methods from worker threads and show
what comes back. Reading a listing never compiles a playbook (titles come from
the stored YAML, parsed once per version); a case's page compiles its version
once per process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, NamedTuple

from trinn.engine.collector import collection_paused
from trinn.engine.due import is_overdue
from trinn.engine.queries import CasePage as EngineCasePage
from trinn.engine.status import OutboxStatus
from trinn.engine.text import localize
from trinn.notifiers.masking import shown_delivery, shown_outbox_row
from trinn.tui.i18n import language

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.queries import Queries
    from trinn.engine.service import Service
    from trinn.engine.spec import PlaybookSpec
    from trinn.engine.store.rows import OutboxRow
    from trinn.tui.cli.settings import Settings

__all__ = ["CaseFilter", "CasePage", "CaseRow", "Desk", "PlaybookEntry", "TaskRow"]

OPEN, CLOSED, ALL = "open", "closed", "all"


class CaseRow(NamedTuple):
    """One line of the cases listing (a named tuple: ten thousand are made at every read of
    the list, five times faster than a frozen dataclass)."""

    id: int
    playbook: str
    playbook_title: str
    language: str
    subject: str
    state: str
    state_title: str
    open_tasks: int
    next_due: dt.datetime | None
    updated_at: dt.datetime
    closed: bool
    roles: frozenset[str]
    zone: str | None = None  # the playbook's own `timezone:`, the clock its times are shown on

    def overdue(self, now: dt.datetime) -> bool:
        return not self.closed and is_overdue(self.next_due, now)


@dataclass(frozen=True)
class CaseFilter:
    """What the cases listing shows; every part optional."""

    status: str = OPEN  # open, closed, all
    playbook: str | None = None
    state: str | None = None
    role: str | None = None
    overdue: bool = False
    search: str = ""

    def matches(self, row: CaseRow, now: dt.datetime) -> bool:
        if (self.status == OPEN and row.closed) or (self.status == CLOSED and not row.closed):
            return False
        if self.playbook is not None and row.playbook != self.playbook:
            return False
        if self.state is not None and row.state != self.state:
            return False
        if self.role is not None and self.role not in row.roles:
            return False
        if self.overdue and not row.overdue(now):
            return False
        if self.search:
            text = f"{row.id} {row.subject} {row.state_title} {row.playbook_title}".casefold()
            return all(word in text for word in self.search.casefold().split())
        return True


@dataclass(frozen=True)
class TaskRow:
    """An open task of the current person, across cases."""

    case_id: int
    subject: str
    task: str
    item: str | None
    title: str
    role: str
    form: str | None
    due_at: dt.datetime | None
    language: str
    row_version: int | None = None
    role_title: str = ""  # the role as people read it (its title), beside its id

    def overdue(self, now: dt.datetime) -> bool:
        return is_overdue(self.due_at, now)


@dataclass(frozen=True)
class CasePage(EngineCasePage):
    """A case's page (engine.queries.CasePage) with its playbook's text in the UI's language."""

    def text(self, value: Any) -> str:
        """Playbook text in the UI's language when the playbook has it, else its own."""
        return localize(value, language(), self.spec.language)

    def state_title(self, state_id: str | None) -> str:
        if state_id is None:
            return ""
        state = self.spec.states.get(state_id)
        return self.text(state.title) if state else state_id


@dataclass
class PlaybookEntry:
    """A playbook file as the Playbooks screen shows it."""

    shown: str
    bundled: bool
    id: str | None
    title: str
    problems: list[str] = field(default_factory=list)
    spec: PlaybookSpec | None = None

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.problems


class Desk:
    """The service and the person at the keyboard, for the screens."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.actor = settings.acting_as()
        # sha -> title, language, state titles, own time zone
        self._titles: dict[str, tuple[str, str, dict[str, str], str | None]] = {}
        self._prefetched: tuple[Any, list[Any]] | None = None

    @property
    def service(self) -> Service:
        return self.settings.service()

    @property
    def queries(self) -> Queries:
        """The one door for reading (the store alone for a listing)."""
        return self.settings.queries()

    def now(self) -> dt.datetime:
        """The time, without building the service (the first screen needs only the store)."""
        return self.settings.clock()

    # reading ----------------------------------------------------------------

    def prefetch_cases(self) -> None:
        """Start reading the cases in a thread now, while the UI is still being imported."""
        import threading

        result: list[Any] = []

        def read() -> None:
            try:
                result.append(self._read_case_rows())
            except Exception as exc:  # handed to the screen's worker, which reports it
                result.append(exc)

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        self._prefetched = (thread, result)

    def case_rows(self) -> list[CaseRow]:
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None:
            thread, result = prefetched
            thread.join()
            if isinstance(result[0], Exception):
                raise result[0]
            return result[0]
        return self._read_case_rows()

    def _read_case_rows(self) -> list[CaseRow]:
        """From the store alone: listing cases must not load the compiler, CEL or transitions;
        no cyclic garbage collection meanwhile (engine.collector)."""
        with collection_paused():
            return self._case_rows_read()

    def _case_rows_read(self) -> list[CaseRow]:
        rows, open_tasks, texts = self.queries.case_listing(self._titles)
        if texts:
            self._read_titles(texts)
        result = []
        nothing: tuple[int, Any, set[str]] = (0, None, set())
        for row in rows:
            title, lang, states, zone = self._titles[row.playbook_sha256]
            count, first_due, roles = open_tasks.get(row.id, nothing)
            result.append(
                CaseRow(
                    id=int(row.id),
                    playbook=row.playbook_id,
                    playbook_title=title,
                    language=lang,
                    subject=row.subject or "",
                    state=row.state,
                    state_title=states.get(row.state, row.state),
                    open_tasks=count,
                    next_due=first_due,
                    updated_at=row.updated_at,
                    closed=row.closed_at is not None,
                    roles=frozenset(roles),
                    zone=zone,
                )
            )
        return result

    def _read_titles(self, texts: Mapping[str, str]) -> None:
        from trinn.tui.titles import cache_folder, playbook_head

        folder = cache_folder()
        for sha, text in texts.items():
            head = playbook_head(sha, text, folder)
            lang = head["language"]
            self._titles[sha] = (
                localize(head["title"], language(), lang) or str(head["id"]),
                lang,
                {sid: localize(title, language(), lang) for sid, title in head["states"].items()},
                head["timezone"],
            )

    def case_page(self, case_id: int) -> CasePage:
        page = self.queries.case_page(case_id, actor=self.actor)
        shown = {f.name: getattr(page, f.name) for f in fields(page)}
        shown["messages"] = [shown_outbox_row(row) for row in page.messages]  # see `deliveries`
        return CasePage(**shown)

    def my_tasks(self) -> list[TaskRow]:
        service = self.service
        person = service.person(self.actor)
        roles = None if person.every_role else sorted(person.roles)
        result = []
        for row, compiled in self.queries.open_tasks(roles=roles, assignee=self.actor):
            spec = compiled.spec
            task = spec.all_tasks().get(row.task_id)
            role = spec.roles.get(row.role)
            result.append(
                TaskRow(
                    case_id=int(row.case_id),
                    subject=row.subject or "",
                    task=row.task_id,
                    item=row.item,
                    title=localize(task.title, language(), spec.language) if task else row.task_id,
                    role=row.role,
                    form=task.form if task else None,
                    due_at=row.due_at,
                    language=spec.language,
                    role_title=localize(role.title, language(), spec.language) if role else row.role,
                )
            )
        now = self.now()
        result.sort(key=lambda t: (not t.overdue(now), t.due_at is None, t.due_at or now, t.case_id))
        return result

    def outbox(
        self, statuses: tuple[str, ...] | None = (OutboxStatus.PENDING, OutboxStatus.FAILED)
    ) -> list[OutboxRow]:
        rows = self.queries.outbox()
        return [shown_outbox_row(r) for r in rows if statuses is None or r.status in statuses]

    def deliveries(self, outbox_id: int) -> list[Any]:
        """Each try to deliver outbox message `outbox_id`, oldest first. Errors were masked when
        stored; they are masked again here, for rows an older trinn stored less masked."""
        return [shown_delivery(row) for row in self.queries.deliveries(outbox_id)]

    def change_mark(self) -> tuple[int, ...]:
        return self.queries.change_mark()

    def playbooks(self, progress: Callable[[int, int], None] | None = None) -> list[PlaybookEntry]:
        """Every playbook file, loaded and checked; `progress(done, total)` before each and at the end
        (checking a folder of many playbooks takes seconds)."""
        from trinn.engine.catalog import playbook_files
        from trinn.engine.errors import PlaybookError, PlaybookIOError
        from trinn.engine.loader import load_playbook

        files = playbook_files(self.settings.playbook_dirs)
        known = {pid for f in files if (pid := f.declared_id)}
        entries = []
        for done, entry in enumerate(files):
            if progress is not None:
                progress(done, len(files))
            shown = f"playbooks/{entry.path.name}" if entry.bundled else str(entry.path)
            item = PlaybookEntry(shown, entry.bundled, entry.declared_id, shown)
            try:
                spec = load_playbook(entry.path, known, display=shown).spec
                item.spec, item.id = spec, spec.id
                item.title = localize(spec.title, language(), spec.language)
            except PlaybookError as exc:
                item.problems = [str(p) for p in exc.problems]
            except PlaybookIOError as exc:
                item.problems = [str(exc)]
            entries.append(item)
        if progress is not None:
            progress(len(files), len(files))
        return entries

    def playbook_spec(self, playbook: str) -> PlaybookSpec:
        """The playbook a new case of `playbook` would run on (compiled once per version)."""
        return self.service.registry.current(playbook).spec

    # writing ----------------------------------------------------------------

    def open_case(self, playbook: str, values: Mapping[str, Any]) -> Case:
        return self.service.open_case(playbook, values, actor=self.actor)

    def complete(
        self, case_id: int, task: str, note: str | None, item: str | None, version: int | None
    ) -> Case:
        return self.service.complete_task(
            case_id, task, actor=self.actor, note=note or None, item=item, expected_version=version
        )

    def candidates(self, role: str) -> list[tuple[str, str]]:
        """Who may be given a task of `role`: (person id, name), by name. For an external role,
        the coordinators of the people file (they record what the outsider did)."""
        people = self.service.people
        holders = people.members(role) or list(people.by_id.values())
        return sorted(((p.id, p.name) for p in holders), key=lambda pair: pair[1].casefold())

    def assign(self, case_id: int, task: str, person: str, item: str | None, version: int | None) -> Case:
        return self.service.assign_task(
            case_id, task, person, actor=self.actor, item=item, expected_version=version
        )

    def reopen(self, case_id: int, task: str, item: str | None, version: int | None) -> Case:
        return self.service.reopen_task(case_id, task, actor=self.actor, item=item, expected_version=version)

    def fire(
        self,
        case_id: int,
        trigger: str,
        note: str | None,
        version: int | None,
        *,
        advice_reason: str | None = None,
    ) -> Case:
        """Fire `trigger`; `advice_reason` is the person's reason for going against its advice."""
        return self.service.fire(
            case_id,
            trigger,
            actor=self.actor,
            note=note or None,
            expected_version=version,
            against_advice=advice_reason,
        )

    def set_fields(self, case_id: int, values: Mapping[str, Any], version: int | None) -> Case:
        return self.service.set_fields(case_id, values, actor=self.actor, expected_version=version)

    def submit_form(
        self,
        case_id: int,
        form: str,
        values: Mapping[str, Any],
        version: int | None,
        *,
        item: str | None = None,
        note: str | None = None,
    ) -> Case:
        """Fill `form`; of a for_each task, `item`'s record (`note`: how, when on someone's behalf)."""
        return self.service.submit_form(
            case_id, form, values, actor=self.actor, expected_version=version, item=item, note=note or None
        )

    def comment(self, case_id: int, text: str, version: int | None) -> Case:
        return self.service.comment(case_id, text, actor=self.actor, expected_version=version)
