"""What a case page asks before it writes: each step opens a dialog (a note, a person, a
confirmation, a form) and hands the answer to `CaseScreen.write`, naming the row version the
page showed, so that a change made meanwhile is refused, not overwritten."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trinn.engine.status import TaskStatus
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import run_db

if TYPE_CHECKING:
    from trinn.engine.case import TaskRecord
    from trinn.tui.screens.case import CaseScreen

__all__ = ["assign", "comment", "complete", "fire", "open_form", "reopen"]


def complete(screen: CaseScreen) -> None:
    record = screen.selected_task()
    page = screen.page
    if record is None or page is None:
        screen.notify(_("Choose a task first."), severity="warning")
        return
    if record.status != TaskStatus.OPEN:
        screen.notify(_("That task is already done (u reopens it)."), severity="warning")
        return
    task = page.spec.all_tasks().get(record.task_id)
    if task is not None and task.form is not None:
        screen.open_form(task.form, record.item)  # of a for_each task: this row's item
        return
    from trinn.tui.screens.dialogs import NoteDialog

    title = _("Complete: {task}").format(task=page.text(task.title) if task else record.task_id)
    if record.item is not None:
        title += f" [{record.item}]"
    version = screen.version

    def noted(note: str | None) -> None:
        if note is not None:
            screen.write(
                lambda: screen.desk.complete(screen.case_id, record.task_id, note, record.item, version),
                _("Task done."),
            )

    behalf = _behalf_prompt(screen, record)
    if behalf is not None:  # a person's own item, recorded for them: the engine asks how
        screen.app.push_screen(NoteDialog(title, prompt=behalf, required=True), noted)
        return
    screen.app.push_screen(NoteDialog(title), noted)


def _behalf_prompt(screen: CaseScreen, record: TaskRecord) -> str | None:
    """The note's prompt when `record` is someone else's personal item (recorded on their
    behalf, which needs a note saying how); None for one's own item or any other task."""
    page = screen.page
    task = page.spec.all_tasks().get(record.task_id) if page else None
    if task is None or not task.personal or record.item is None or record.item == screen.desk.actor:
        return None
    return _("Recorded on {person}'s behalf: how? (kept in the history)").format(person=record.item)


def _chosen(screen: CaseScreen, status: str, warning: str) -> TaskRecord | None:
    """The task under the cursor if it has `status`; otherwise `warning` is shown, and None."""
    record = screen.selected_task()
    if record is None or record.status != status:
        screen.notify(warning, severity="warning")
        return None
    return record


def assign(screen: CaseScreen) -> None:
    """Give the chosen open task to a person holding its role."""
    record = _chosen(screen, TaskStatus.OPEN, _("Choose an open task to assign."))
    if record is None:
        return
    from trinn.tui.screens.dialogs import PickDialog

    version = screen.version

    def listed(people: list[tuple[str, str]]) -> None:
        choices = [(pid, f"{name} ({pid})" if name != pid else pid, True) for pid, name in people]
        screen.app.push_screen(PickDialog(_("Assign to whom?"), choices), picked)

    def picked(person: str | None) -> None:
        if person is not None:
            screen.write(
                lambda: screen.desk.assign(screen.case_id, record.task_id, person, record.item, version),
                _("Task assigned to {person}.").format(person=person),
            )

    run_db(screen, lambda: screen.desk.candidates(record.role), listed)


def reopen(screen: CaseScreen) -> None:
    record = _chosen(screen, TaskStatus.DONE, _("Choose a done task to reopen."))
    if record is None:
        return
    from trinn.tui.screens.dialogs import ConfirmDialog

    version = screen.version
    page = screen.page
    task = page.spec.all_tasks().get(record.task_id) if page else None
    title = page.text(task.title) if page and task else record.task_id

    def answered(yes: bool | None) -> None:
        if yes:
            screen.write(
                lambda: screen.desk.reopen(screen.case_id, record.task_id, record.item, version),
                _("Task reopened."),
            )

    screen.app.push_screen(
        ConfirmDialog(_("Reopen the done task “{task}”?").format(task=title), _("Reopen")), answered
    )


def fire(screen: CaseScreen, trigger: str) -> None:
    from trinn.tui.screens.dialogs import NoteDialog

    page = screen.page
    if page is None:
        return
    version = screen.version
    titles = {p.trigger: page.text(p.title) or p.trigger for p in page.possibilities}
    # against the playbook's advice: asked to confirm with a reason, which the history keeps
    advice = next((p.advice for p in page.possibilities if p.trigger == trigger), [])

    def noted(note: str | None) -> None:
        if note is not None:
            screen.write(
                lambda: screen.desk.fire(
                    screen.case_id,
                    trigger,
                    None if advice else note,
                    version,
                    advice_reason=note if advice else None,
                ),
                _("Done: {action}.").format(action=titles.get(trigger, trigger)),
            )

    if advice:
        prompt = _("Against advice: {advice}. Why go ahead? (kept in the history)").format(
            advice="; ".join(advice)
        )
        screen.app.push_screen(NoteDialog(titles.get(trigger, trigger), prompt=prompt, required=True), noted)
        return
    screen.app.push_screen(NoteDialog(titles.get(trigger, trigger)), noted)


def _waiting(screen: CaseScreen, form_id: str) -> list[TaskRecord]:
    """The open items of the current state whose for_each task fills `form_id`."""
    page = screen.page
    if page is None:
        return []
    tasks = page.spec.all_tasks()
    return [
        t
        for t in page.case.current_tasks()
        if t.status == TaskStatus.OPEN and t.item is not None and tasks[t.task_id].form == form_id
    ]


def open_form(screen: CaseScreen, form_id: str, item: str | None = None) -> None:
    """Fill `form_id`; a form filled per item is for `item`, or the one waiting item, or the
    item chosen first when several wait (Escape cancels)."""
    from trinn.tui.screens.dialogs import PickDialog

    waiting = _waiting(screen, form_id)
    if item is None and len(waiting) > 1:
        page = screen.page
        title = page.text(page.spec.forms[form_id].title) if page else form_id
        choices = [(t.item or "", t.item or "", True) for t in waiting]

        def picked(chosen: str | None) -> None:
            if chosen is not None:
                _form_dialog(screen, form_id, chosen)

        prompt = _("“{form}”: for which item?").format(form=title)
        screen.app.push_screen(PickDialog(prompt, choices), picked)
        return
    if item is None and waiting:
        item = waiting[0].item
    _form_dialog(screen, form_id, item)


def _form_dialog(screen: CaseScreen, form_id: str, item: str | None) -> None:
    from trinn.tui.screens.dialogs import FieldsDialog

    page = screen.page
    if page is None:
        return
    spec = page.spec
    form = spec.forms[form_id]
    version = screen.version
    record = next((t for t in _waiting(screen, form_id) if t.item == item), None) if item else None

    def submit(values: dict[str, Any]) -> Any:
        return screen.desk.submit_form(
            screen.case_id, form_id, values, version, item=item, note=dialog.note_text
        )

    def reread() -> Any:
        """After a conflict (in the worker): the case as it is now; the next save goes
        against this version."""
        nonlocal version
        fresh = screen.desk.case_page(screen.case_id)
        version = fresh.case.row_version
        if record is not None:  # an item's record: its own answers, not the case's fields
            same = (t for t in fresh.case.current_tasks() if (t.task_id, t.item) == (record.task_id, item))
            return dict(getattr(next(same, None), "answers", None) or {})
        return fresh.case.fields

    def closed(result: Any) -> None:
        if result is not None:
            screen.notify(_("Form saved."), timeout=4)
        screen.refresh_data()

    title = page.text(form.title)
    if item is not None:
        title = _("{form} for {item}").format(form=title, item=item)
    dialog = FieldsDialog(
        title,
        [(n, spec.fields[n]) for n in form.fields],
        dict(record.answers or {}) if record is not None else page.case.fields,
        spec.language,
        submit,
        intro=page.text(form.intro) if form.intro else "",
        instructions="\n".join(
            page.text(t.instructions)
            for t in spec.all_tasks().values()
            if t.form == form_id and t.instructions
        ),
        reread=reread,
        zone=spec.timezone,
        note=_behalf_prompt(screen, record) if record is not None else None,
    )
    screen.app.push_screen(dialog, closed)


def comment(screen: CaseScreen) -> None:
    from trinn.tui.screens.dialogs import NoteDialog

    version = screen.version

    def noted(text: str | None) -> None:
        if text:
            screen.write(lambda: screen.desk.comment(screen.case_id, text, version), _("Comment added."))

    screen.app.push_screen(NoteDialog(_("Comment"), prompt=_("Comment"), required=True), noted)
