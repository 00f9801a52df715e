"""The help screen: every screen's keys, in the app's language."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from trinn.engine.i18n import N_
from trinn.tui.i18n import gettext as _
from trinn.tui.screens.base import Dialog

__all__ = ["HelpScreen"]


def help_text() -> str:
    rows = [
        (
            _("Everywhere"),
            [
                ("F2", _("Cases")),
                ("F3", _("My tasks")),
                ("F4", _("Playbooks")),
                ("F5", _("Outbox")),
                ("ctrl+p", _("command palette: open a case, act, switch screen")),
                ("F1 / ?", _("this help")),
                ("ctrl+q", _("quit")),
            ],
        ),
        (
            _("Cases"),
            [
                ("enter", _("open the case")),
                ("n", _("open a new case")),
                ("/", _("search")),
                ("f", _("filter by playbook, state, role, open/closed")),
                ("x", _("only overdue")),
                ("r", _("reload")),
            ],
        ),
        (
            _("A case"),
            [
                ("d", _("complete the chosen task (a note, or its form)")),
                ("u", _("reopen a task")),
                ("a", _("actions: ▶ possible now, ✗ not now and why")),
                ("e", _("fields; ctrl+s saves")),
                ("n", _("comment")),
                ("h", _("history")),
                ("escape", _("back")),
            ],
        ),
        (_("My tasks"), [("d", _("complete")), ("enter", _("open the case"))]),
        (_("Outbox"), [("t", _("retry")), ("s", _("show sent messages too"))]),
    ]
    lines = []
    for title, keys in rows:
        lines.append(f"[b]{title}[/b]")
        lines.extend(f"  {key:<8} {what}" for key, what in keys)
        lines.append("")
    return "\n".join(lines)


class HelpScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f1,question_mark", "close", N_("Close"))]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(_("trinn: keys"), classes="dialog-title")
            with VerticalScroll():
                yield Static(help_text(), markup=True)

    def action_close(self) -> None:
        self.close(None)
