"""A playbook as a diagram that reads in a terminal: each state, then the ways out of it.

● Registrert som mulig ny samarbeidspartner  (registrert, start)
  ├─ Vis interesse ──▶ Virksomheten viser interesse   [ledelsen]
  └─ Avslutt ──▶ Ikke aktuell ✔   [ledelsen] if begrunnelse != ''
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from trinn.engine.shown import shown
from trinn.engine.text import localize
from trinn.tui.i18n import gettext as _
from trinn.tui.i18n import language

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec
    from trinn.tui.desk import PlaybookEntry

__all__ = ["PlaybookDetail"]


class PlaybookDetail(Static):
    """One playbook of the Playbooks screen: its title and file, then its outline when it checks,
    else its problems at file:line:col."""

    def show(self, entry: PlaybookEntry) -> None:
        text = Text()
        text.append(shown(entry.title) + "\n", style="bold")
        text.append(shown(entry.shown) + "  ", style="dim")
        if entry.ok and entry.spec is not None:
            text.append(_("checks ok") + "\n\n", style="green")
            text.append_text(_outline(entry.spec))
        else:
            count = len(entry.problems)
            text.append(_("{count} problem(s)").format(count=count) + "\n\n", style="red")
            for problem in entry.problems:
                text.append(shown(problem) + "\n")
        self.update(text)


def _outline(spec: PlaybookSpec) -> Text:
    def say(value: object) -> str:
        return shown(localize(value, language(), spec.language))  # type: ignore[arg-type]

    def title(state_id: str) -> str:
        state = spec.states[state_id]
        return say(state.title) + (" ✔" if state.final else "")

    text = Text()
    for state_id, state in spec.states.items():
        start = ", " + _("start") if state_id == spec.initial else ""
        text.append("◉ " if state.final else "● ", style="green" if state.final else "cyan")
        text.append(title(state_id), style="bold")
        text.append(f"  ({state_id}{start})\n", style="dim")
        ways = [t for t in spec.transitions if state_id in spec.source_states(t)]
        for index, t in enumerate(ways):
            branch = "└─" if index == len(ways) - 1 else "├─"
            text.append(f"  {branch} {say(t.title) or t.trigger} ──▶ {title(t.to)}")
            by = ", ".join(t.roles)
            if by:
                text.append(f"   [{by}]", style="magenta")
            if t.when:
                text.append(" " + _("if") + " " + shown(t.when), style="yellow")
            text.append("\n")
    return text
