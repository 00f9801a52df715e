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


# how a key is written in the help (Textual's names for keys that are characters)
_KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "esc"}


def _written(key: str) -> str:
    return " / ".join(
        _KEY_NAMES.get(k, k.upper() if k.startswith("f") and k[1:].isdigit() else k) for k in key.split(",")
    )


def _bound(screen: type, explained: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`explained` and then every other key `screen` binds, with the label its footer shows:
    the help lists every key, and a key added to a screen is in the help without more ado."""
    told = {part.strip() for key, _what in explained for part in key.split("/")}
    rows = list(explained)
    for binding in getattr(screen, "BINDINGS", []):
        if not isinstance(binding, Binding) or not binding.description:
            continue
        key = _written(binding.key)
        if not {part.strip() for part in key.split("/")} <= told:
            label = _(binding.description)
            rows.append((key, label[:1].lower() + label[1:]))
            told.update(part.strip() for part in key.split("/"))
    return rows


def help_text() -> str:
    from trinn.tui.app import TrinnApp
    from trinn.tui.screens.case import CaseScreen
    from trinn.tui.screens.cases import CasesScreen
    from trinn.tui.screens.outbox import OutboxScreen
    from trinn.tui.screens.playbooks import PlaybooksScreen
    from trinn.tui.screens.tasks import MyTasksScreen

    rows = [
        (
            _("Everywhere"),
            _bound(
                TrinnApp,
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
        ),
        (
            _("Cases"),
            _bound(
                CasesScreen,
                [
                    ("enter", _("open the case")),
                    ("n", _("open a new case")),
                    ("/", _("search")),
                    ("f", _("filter by playbook, state, role, open/closed")),
                    ("x", _("only overdue")),
                    ("r", _("reload")),
                ],
            ),
        ),
        (
            _("A case"),
            _bound(
                CaseScreen,
                [
                    ("d", _("complete the chosen task (a note, or its form)")),
                    ("u", _("reopen a task")),
                    ("a", _("actions: ▶ possible now, ✗ not now and why")),
                    ("e", _("fields; ctrl+s saves")),
                    ("n", _("comment")),
                    ("h", _("history")),
                    ("1-6", _("the tabs: tasks, actions, fields, forms, history, messages")),
                    ("esc", _("back")),
                ],
            ),
        ),
        (_("My tasks"), _bound(MyTasksScreen, [("d", _("complete")), ("enter", _("open the case"))])),
        (_("Playbooks"), _bound(PlaybooksScreen, [])),
        (
            _("Outbox"),
            _bound(
                OutboxScreen,
                [
                    ("enter", _("read the message in full")),
                    ("t", _("retry")),
                    ("s", _("show sent messages too")),
                ],
            ),
        ),
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
