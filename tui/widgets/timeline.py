"""A case's history as a timeline (the History tab): when, who, what, and how the state moved."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from trinn.engine.history import history_entry
from trinn.engine.shown import shown
from trinn.engine.template import shown_value
from trinn.tui.i18n import gettext as _
from trinn.tui.i18n import language, local_datetime

if TYPE_CHECKING:
    from trinn.engine.history import HistoryEntry
    from trinn.tui.desk import CasePage

__all__ = ["Timeline"]


def _what(page: CasePage, entry: HistoryEntry, name_of: Callable[[str], str]) -> str:
    kind, name = entry.event.kind, entry.event.name
    spec = page.spec
    if kind == "open":
        return _("opened the case")
    if kind == "fire":
        transitions = page.compiled.by_trigger.get(name or "", [])
        title = page.text(transitions[0].spec.title) if transitions else ""
        return _("did “{action}”").format(action=title or name)
    if kind in ("done", "reopen"):
        task = spec.all_tasks().get(name or "")
        title = page.text(task.title) if task else name or ""
        return (_("completed “{task}”") if kind == "done" else _("reopened “{task}”")).format(task=title)
    if kind == "form":
        form = spec.forms.get(name or "")
        title = page.text(form.title) if form else name or ""
        if entry.via == "web":  # the outside party sent it itself, from its link
            return _("filled in “{form}” through the web form").format(form=title)
        return _("filled in “{form}”").format(form=title)
    if kind == "set":
        return _("changed fields")
    if kind == "assign":
        task = spec.all_tasks().get(name or "")
        return _("assigned “{task}” to {person}").format(
            task=page.text(task.title) if task else name, person=name_of(entry.assignee or "")
        )
    if kind == "comment":
        return _("commented")
    if kind == "tick":
        return _("timers: {what}").format(what="; ".join(entry.fired))
    return f"{kind} {name or ''}".strip()


def _change(page: CasePage, name: str, new: Any) -> str:
    """'Ledelsen deltar: ja', not `ledelsen_deltar = True`: a field's label and its value as
    people read it (option labels, local dates and amounts, yes/no)."""
    field = page.spec.fields.get(name)
    label = page.text(field.label) if field is not None else name
    if new is None or new == [] or new == "":
        return _("{field}: cleared").format(field=label)
    if isinstance(new, bool):
        value: Any = _("yes") if new else _("no")
    elif field is not None:
        value = shown_value(field, new, language(), page.spec.timezone)
        if field.option_labels:  # shown_value gives the labels as the playbook writes them
            value = (
                [page.text(field.option_labels.get(v, v)) for v in new]
                if isinstance(new, list)
                else page.text(field.option_labels.get(new, new))
            )
    else:
        value = new
    return f"{label}: {', '.join(map(str, value)) if isinstance(value, list) else value}"


class Timeline(Static):
    """A case's events, oldest first; each entry two lines at most, so it reads at 80 columns."""

    def show(self, page: CasePage, actor: str, name_of: Callable[[str], str] = str) -> None:
        """The events of `page`; those `actor` did are marked as yours; people by `name_of`."""
        self.update(_timeline(page, actor, name_of))


def _timeline(page: CasePage, actor: str, name_of: Callable[[str], str]) -> Text:
    text = Text()
    for entry in map(history_entry, page.events):
        event = entry.event
        who = shown(name_of(event.actor)) + (" " + _("(you)") if event.actor == actor else "")
        text.append(f"{local_datetime(event.at, page.spec.language, page.spec.timezone)}  ", style="dim")
        text.append(who, style="bold")
        text.append("  " + shown(_what(page, entry, name_of)))
        for done in entry.done:  # an outside party's task, recorded for them by a coordinator
            if done.item is not None:  # whose record: a for_each task's item
                text.append(" [" + shown(done.item) + "]")
            if done.on_behalf_of:
                role = page.spec.roles.get(done.on_behalf_of)
                title = page.text(role.title) if role else done.on_behalf_of
                text.append(" " + shown(_("on behalf of {role}").format(role=title)))
        if entry.moved_state and event.state_before:
            moved = f"{page.state_title(event.state_before)} → {page.state_title(event.state_after)}"
            text.append(f"\n    {shown(moved)}", style="green")
        for advised in entry.against_advice:  # kept in view: against the playbook's advice, and why
            said = _("against advice: {advice}; reason: {reason}").format(
                advice="; ".join(advised.advice), reason=advised.reason
            )
            text.append(f"\n    {shown(said)}", style="yellow")
        if entry.changes:
            changed = ", ".join(_change(page, name, new) for name, new in entry.changes.items())
            text.append(f"\n    {shown(changed)}", style="cyan")
        if event.note:
            text.append("\n    “" + shown(event.note) + "”", style="italic")
        text.append("\n")
    return text
