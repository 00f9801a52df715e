"""Under the Tasks tab: the highlighted task's `instructions`, what to do and not only what to
tick off (hidden when the task has none)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from trinn.engine.case import TaskRecord
from trinn.engine.shown import shown
from trinn.tui.desk import CasePage

__all__ = ["TaskNote"]


class TaskNote(Static):
    """The instructions of one task of the case's page, as text (a playbook is untrusted too)."""

    def show(self, page: CasePage, record: TaskRecord | None) -> None:
        task = page.spec.all_tasks().get(record.task_id) if record is not None else None
        said = page.text(task.instructions) if task is not None and task.instructions else ""
        self.display = bool(said)
        if task is None or not said:
            self.update("")
            return
        text = Text(end="")
        text.append(shown(page.text(task.title)), style="bold")
        text.append("\n" + shown(said.strip()))
        self.update(text)
