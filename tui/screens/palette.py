"""The command palette's trinn commands: switch screen, open a case, act on the case shown."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.css.query import NoMatches

from trinn.engine.status import TaskStatus
from trinn.tui.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.tui.app import TrinnApp

__all__ = ["Palette", "TrinnCommands"]


class TrinnCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: TrinnApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Callable[[], object], str]] = [
            (_("Cases"), lambda: app.switch_mode("cases"), _("Show every case")),
            (_("My tasks"), lambda: app.switch_mode("tasks"), _("Open tasks of my roles")),
            (_("Playbooks"), lambda: app.switch_mode("playbooks"), _("Check status and diagrams")),
            (_("Outbox"), lambda: app.switch_mode("outbox"), _("Pending and failed messages")),
            (_("Open a new case"), app.action_new_case, _("Choose a playbook, fill its fields")),
            (_("Help"), app.action_help, _("Keys of every screen")),
        ]
        from trinn.tui.screens.case import CaseScreen

        under = self.screen  # the screen under the palette (app.screen is the palette itself)
        page = under.page if isinstance(under, CaseScreen) else None
        if isinstance(under, CaseScreen) and page is not None:
            screen: CaseScreen = under
            for p in page.possibilities:
                if p.allowed:
                    title = page.text(p.title) or p.trigger

                    def fire(trigger: str = p.trigger) -> None:
                        screen.fire(trigger)

                    do = _("Do: {action}").format(action=title)
                    commands.append((do, fire, _("an action possible now")))
            for index, record in enumerate(screen.task_table.records):
                if record.status == TaskStatus.OPEN:
                    task = page.spec.all_tasks().get(record.task_id)
                    title = page.text(task.title) if task else record.task_id

                    def complete(i: int = index) -> None:
                        screen.complete_task(i)

                    commands.append(
                        (_("Complete: {task}").format(task=title), complete, _("a task of this case"))
                    )
        return commands

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app: TrinnApp = self.app  # type: ignore[assignment]
        digits = query.strip().lstrip("#")
        if digits.isdigit():
            case_id = int(digits)
            yield Hit(
                1.0,
                _("Open case {id}").format(id=case_id),
                lambda: app.open_case_screen(case_id),
                help=_("by its number"),
            )
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)


class Palette(CommandPalette):
    """Textual's palette, without two crashes the random keys found in Textual 8.2: page
    up/down before the list is laid out (KeyError), and the commands gathered in a worker
    arriving after the palette closed (NoMatches, which fails the worker and ends the app)."""

    def _watch__list_visible(self) -> None:
        with contextlib.suppress(NoMatches):  # closed meanwhile: nothing left to show them in
            super()._watch__list_visible()

    def _action_command_list(self, action: str) -> None:
        with contextlib.suppress(KeyError):  # the list fills in a moment; a key is not worth a crash
            super()._action_command_list(action)
