"""The Textual app: wiring only. Screens act, widgets display, tui.desk talks to the engine.

Textual is imported here and below, never when another `trinn` command starts.
Another process's changes show within `refresh_seconds`: a timer reads one
cheap change mark in a worker and, when it moved, the screen on top reads again.

Every toast is plain text (what people typed is never markup, its controls are made
visible), and a crash ends the process with status 1, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.widgets import Input

from trinn.engine.errors import TrinnError
from trinn.engine.i18n import N_
from trinn.engine.shown import shown
from trinn.engine.status import OutboxStatus
from trinn.tui.desk import Desk, PlaybookEntry
from trinn.tui.i18n import gettext as _
from trinn.tui.i18n import ngettext
from trinn.tui.screens.base import DeskScreen, error_text, run_db, translate_keys
from trinn.tui.screens.cases import CasesScreen
from trinn.tui.screens.palette import TrinnCommands
from trinn.tui.sender import Sender, problem_text
from trinn.tui.widgets.plain import visible_controls

if TYPE_CHECKING:
    from textual.screen import Screen

    from trinn.notifiers.dispatch import DispatchReport
    from trinn.tui.screens.outbox import Retry

__all__ = ["TrinnApp"]


# Textual's own words, as its palette says them: marked here so that the catalogues translate them
_TEXTUAL_WORDS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Hide the keys and widget help panel"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)


def _tasks_screen() -> Screen[Any]:
    from trinn.tui.screens.tasks import MyTasksScreen  # the first screen is the cases: loaded late

    return MyTasksScreen()


def _playbooks_screen() -> Screen[Any]:
    from trinn.tui.screens.playbooks import PlaybooksScreen

    return PlaybooksScreen()


class TrinnApp(App[None]):
    CSS_PATH = Path(__file__).with_name("trinn.tcss")  # absolute: subclasses live elsewhere
    TITLE = "trinn"
    MODES: ClassVar[dict[str, Any]] = {
        "cases": CasesScreen,
        "tasks": _tasks_screen,
        "playbooks": _playbooks_screen,
    }
    DEFAULT_MODE = "cases"
    COMMANDS = App.COMMANDS | {TrinnCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", N_("Help")),
        Binding("f2", "show_cases", N_("Cases")),
        Binding("f3", "switch_mode('tasks')", N_("My tasks")),
        Binding("f4", "switch_mode('playbooks')", N_("Playbooks")),
        Binding("f5", "switch_mode('outbox')", N_("Outbox")),
        # Textual adds this one itself, with its description in English: here it is translated
        Binding("ctrl+p", "command_palette", N_("palette"), show=False, priority=True),
        # Tab moves the focus before the next key is read: as a plain binding it waits in the
        # focused field's queue, and the letters typed right after it land in the old field
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def __init__(
        self,
        desk: Desk,
        *,
        refresh_seconds: float = 2.0,
        retry: Retry | None = None,
        sender: Sender | None = None,
        send_seconds: float = 30.0,
    ) -> None:
        super().__init__()
        translate_keys(self)
        self.desk = desk
        self.refresh_seconds = refresh_seconds
        self.sender = sender
        self.send_seconds = send_seconds
        self.retry = retry if retry is not None or sender is None else sender.retry
        self.change_mark: tuple[int, ...] | None = None
        self.failures: list[Exception] = []  # errors that are bugs, shown and kept
        self.add_mode("outbox", self._outbox_screen)

    def _outbox_screen(self) -> Screen[Any]:
        from trinn.tui.screens.outbox import OutboxScreen

        return OutboxScreen(self.retry)

    def run(self, *args: Any, **kwargs: Any) -> None:
        """Run until quit; after a crash (Textual then sets return code 1) the process exits
        with that status, so a script or a service manager sees it failed."""
        super().run(*args, **kwargs)
        if self.return_code:
            raise SystemExit(self.return_code)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, always plain text: messages quote subjects, values and errors people typed."""
        super().notify(shown(message), title=shown(title), severity=severity, timeout=timeout, markup=False)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        """Every input of every screen and dialog (a field's own input is seen to by its
        FieldInput, which stops the event): a pasted terminal escape is shown as text, never
        drawn raw."""
        visible_controls(event.input)

    def action_command_palette(self) -> None:
        from trinn.tui.screens.palette import Palette

        if self.use_command_palette and not Palette.is_open(self):  # type: ignore[arg-type]
            # no id, unlike Textual's own: a palette just closed is still registered under its id
            # while Textual removes it, and ctrl+p then would be a DuplicateIds crash
            self.push_screen(Palette(placeholder=_("Search for commands…")))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands of the palette (Quit, Keys, Theme, ...) in the user's language."""
        for command in super().get_system_commands(screen):
            yield command._replace(title=_(command.title), help=_(command.help))

    def action_help_quit(self) -> None:
        """ctrl+c: Textual's own hint is markup, which our toasts never read."""
        self.notify(_("Press ctrl+q to quit."))

    def on_mount(self) -> None:
        self.sub_title = _("as {person}").format(person=shown(self.desk.actor))
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self.poll_changes)
        if self.sender is not None:
            run_db(self, self.sender.warnings, self._channel_warnings, self._sending_broken, group="send")
            if self.send_seconds > 0:  # rows waiting for their next try after a failure
                self.set_interval(self.send_seconds, self.send_outbox)

    # live refresh -------------------------------------------------------------

    def poll_changes(self) -> None:
        """Read the change mark in a worker; refresh the screen on top when it moved."""

        def moved(mark: tuple[int, ...]) -> None:
            previous, self.change_mark = self.change_mark, mark
            if previous is not None and previous != mark and isinstance(self.screen, DeskScreen):
                self.screen.refresh_data()
            if previous is None or previous[1] != mark[1]:  # new messages in the outbox
                self.send_outbox()

        run_db(self, self.desk.change_mark, moved, lambda exc: None, group="poll", exclusive=True)

    # sending the outbox --------------------------------------------------------

    def send_outbox(self) -> None:
        """Deliver due messages in a worker; what did not go out is said once, and waits."""
        if self.sender is not None:
            run_db(self, self.sender.send_due, self._sent, self._send_failed, group="send")

    def _channel_warnings(self, warnings: list[str]) -> None:
        for warning in warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.send_outbox()

    def _sent(self, report: DispatchReport | None) -> None:
        if report is None or not report.results:
            return
        for result in report.results:
            if result.status not in (OutboxStatus.SENT, OutboxStatus.SKIPPED):
                self.notify(problem_text(result), severity="warning", timeout=10)
        if report.sent:
            self.notify(
                ngettext("{count} message sent.", "{count} messages sent.", report.sent).format(
                    count=report.sent
                ),
                timeout=4,
            )
        if isinstance(self.screen, DeskScreen):
            self.screen.refresh_data()

    def _send_failed(self, exc: TrinnError) -> None:
        """The database or a channel failed this round: said; the next round tries again."""
        self.notify(
            _("Messages are not sent: {error}").format(error=error_text(exc)), severity="warning", timeout=10
        )

    def _sending_broken(self, exc: TrinnError) -> None:
        """A channels file that cannot be read: said once; sending stops until a restart, and
        the messages wait in the outbox (nothing is lost)."""
        self.sender = None
        self.notify(
            _("Messages are not sent: {error}").format(error=error_text(exc)), severity="error", timeout=15
        )

    # navigation ---------------------------------------------------------------

    def action_show_cases(self) -> None:
        """F2: the list of cases itself, not the case or dialog last left open over it; a case
        page with unsaved fields asks first."""
        from trinn.tui.screens.case import CaseScreen

        self.switch_mode("cases")
        stack = self.screen_stack
        unsaved = next((s for s in stack if isinstance(s, CaseScreen) and s.unsaved()), None)
        if unsaved is not None:
            if self.screen is unsaved:
                unsaved.action_back()
            return
        if len(stack) > 1:
            stack[0].pop_until_active()  # every screen above the list closes, dialogs first

    def open_case_screen(self, case_id: int, form: str | None = None, item: str | None = None) -> None:
        from trinn.tui.screens.case import CaseScreen  # not needed for the first screen: loaded late

        self.push_screen(CaseScreen(case_id, open_form=form, open_item=item))

    def action_help(self) -> None:
        from trinn.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_new_case(self) -> None:
        """Choose a playbook, then fill the fields it needs; the new case opens."""
        from trinn.tui.screens.dialogs import PickDialog

        def listed(entries: list[PlaybookEntry]) -> None:
            choices = [
                (
                    e.id or e.shown,
                    f"{e.title}  ({e.id})" if e.ok else f"{e.shown}: " + _("does not check"),
                    e.ok,
                )
                for e in entries
            ]
            self.push_screen(PickDialog(_("Open a case of which playbook?"), choices), picked)

        def picked(playbook: str | None) -> None:
            if playbook is not None:
                run_db(
                    self,
                    lambda: self.desk.playbook_spec(playbook),
                    lambda spec: self._ask_fields(playbook, spec),
                )

        run_db(self, self.desk.playbooks, listed)

    def _ask_fields(self, playbook: str, spec: Any) -> None:
        from trinn.engine.text import localize
        from trinn.tui.i18n import language
        from trinn.tui.screens.dialogs import FieldsDialog

        needed = [(name, field) for name, field in spec.fields.items() if field.required]
        title = _("New case: {playbook}").format(playbook=localize(spec.title, language(), spec.language))

        def opened(case: Any) -> None:
            if case is not None:
                self.notify(_("Case {id} opened.").format(id=case.id), timeout=4)
                self.open_case_screen(case.id)

        defaults = {name: field.default for name, field in needed}
        self.push_screen(
            FieldsDialog(
                title,
                needed,
                defaults,
                spec.language,
                lambda values: self.desk.open_case(playbook, values),
                zone=spec.timezone,
            ),
            opened,
        )

    def notify_error(self, exc: TrinnError) -> None:
        self.notify(error_text(exc), severity="error", timeout=10)
