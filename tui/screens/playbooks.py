"""Playbooks: each one loaded with its check status, its diagram, or its problems at file:line:col."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, OptionList, ProgressBar
from textual.widgets.option_list import Option

from trinn.engine.i18n import N_
from trinn.engine.shown import shown
from trinn.tui.desk import PlaybookEntry
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import DeskScreen, run_db
from trinn.tui.widgets.outline import PlaybookDetail

__all__ = ["PlaybooksScreen"]


class PlaybooksScreen(DeskScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", N_("Reload")),
        Binding("n", "new_case", N_("New case")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[PlaybookEntry] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProgressBar(id="playbook-progress", show_eta=False)
        with Horizontal():
            yield OptionList(id="playbook-list")
            with VerticalScroll(id="playbook-detail"):
                yield PlaybookDetail(_("Checking the playbooks…"), id="playbook-text")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Playbooks")
        self.query_one("#playbook-list").focus()

    def refresh_data(self) -> None:
        if not self.entries:  # files do not change under a running app often; r reloads
            bar = self.query_one("#playbook-progress", ProgressBar)
            bar.display = True
            bar.update(total=None, progress=0)

            def progress(done: int, total: int) -> None:
                self.app.call_from_thread(bar.update, total=total, progress=done)

            run_db(self, lambda: self.desk.playbooks(progress), self._show, group="playbooks", exclusive=True)

    def action_reload(self) -> None:
        self.entries = []
        self.refresh_data()

    def _show(self, entries: list[PlaybookEntry]) -> None:
        self.query_one("#playbook-progress", ProgressBar).display = False
        self.entries = entries
        options = self.query_one("#playbook-list", OptionList)
        options.clear_options()
        for index, entry in enumerate(entries):
            mark = Text("✔ ", style="green") if entry.ok else Text("✗ ", style="red")
            options.add_option(Option(mark + Text(shown(entry.id or entry.shown)), id=str(index)))
        if entries:
            options.highlighted = 0
            self._detail(entries[0])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None and self.entries:
            self._detail(self.entries[int(event.option.id)])

    def _detail(self, entry: PlaybookEntry) -> None:
        self.query_one(PlaybookDetail).show(entry)

    def action_new_case(self) -> None:
        self.app.action_new_case()  # type: ignore[attr-defined]
