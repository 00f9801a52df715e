"""Cases, tasks and history as people read them on a terminal (views from engine.views).

Times are shown on the wall clock of the playbook's country; a deadline at
local midnight reads as the day it ends ("2026-12-08"), which is how people
say it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from trinn.engine.calendar import local_time
from trinn.engine.due import due_moment
from trinn.engine.status import TaskStatus
from trinn.tui.cli.columns import two_columns
from trinn.tui.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.engine.history import HistoryEntry

__all__ = ["case_text", "due_text", "field_line", "form_heading", "history_lines", "time_text", "value_text"]


def _parse(moment: str | dt.datetime | None) -> dt.datetime | None:
    if moment is None or isinstance(moment, dt.datetime):
        return moment
    return dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))


def time_text(moment: str | dt.datetime | None, language: str) -> str:
    parsed = _parse(moment)
    return "" if parsed is None else local_time(parsed, language).strftime("%Y-%m-%d %H:%M")


def due_text(moment: str | dt.datetime | None, language: str) -> str:
    parsed = _parse(moment)
    if parsed is None:
        return ""
    said = due_moment(parsed, language)
    return said.strftime("%Y-%m-%d %H:%M") if isinstance(said, dt.datetime) else said.isoformat()


def value_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def case_text(view: dict[str, Any], language: str, width: int | None = None) -> str:
    """`trinn show`: the case's header, fields and the tasks of its state, in two columns
    (tui/cli/columns.py) as wide as the terminal, or `width`."""
    rows: list[tuple[str, str]] = []
    rows.append((_("case"), f"{view['id']}: {view['subject'] or ''}".rstrip(": ")))
    rows.append((_("playbook"), f"{view['playbook']} " + _("version {n}").format(n=view["playbook_version"])))
    state = f"{view['state']} ({view['state_title']})"
    if view["closed"]:
        state += ", " + _("closed {at}").format(at=time_text(view["closed_at"], language))
        if view["outcome"]:
            state += f", {view['outcome']}"
    rows.append((_("state"), state))
    opened = _("{at} by {person}").format(at=time_text(view["opened_at"], language), person=view["opened_by"])
    rows.append((_("opened"), opened))
    last_at = time_text(view["updated_at"], language)
    last = _("last by {person} {at}").format(person=view["updated_by"], at=last_at)
    rows.append((_("version"), f"{view['row_version']} ({last})"))
    if view["parent"] is not None:
        rows.append((_("started by"), _("case {id}").format(id=view["parent"])))
    if view["children"]:
        rows.append((_("started"), ", ".join(_("case {id}").format(id=c) for c in view["children"])))
    local = view.get("local_fields", {})
    for name, value in view["fields"].items():
        rows.append((f"  {name}", local.get(name) or value_text(value)))
    for task in view["tasks"]:
        mark = "[x]" if task["status"] == TaskStatus.DONE else "[ ]"
        label = task["task"] + (f" [{task['item']}]" if task["item"] is not None else "")
        parts = [
            f"{mark} {label}: {task['title']}",
            f"({task['role']}" + (f", {task['assignee']}" if task["assignee"] else "") + ")",
        ]
        if task["status"] == TaskStatus.DONE:
            done_at = time_text(task["done_at"], language)
            parts.append(_("done by {person} {at}").format(person=task["done_by"], at=done_at))
        elif task["due_at"]:
            parts.append(
                _("due {day}").format(day=due_text(task["due_at"], language))
                + (" " + _("OVERDUE") if task["overdue"] else "")
            )
        if task["optional"]:
            parts.append(_("optional"))
        rows.append(("  " + _("task"), " ".join(parts)))
    for form in view.get("forms", []):
        rows.append(("  " + _("form"), form_heading(form)))
        for field in form["fields"]:
            rows.append(("", "  " + field_line(field)))
    for timed in view.get("timing", []):
        rows.append((f"  {timed['kind']}", timing_text(timed, language)))
    for step in view.get("against_advice", []):
        rows.append(("  " + _("against advice"), against_advice_text(step, language)))
    return two_columns(rows, width)


def against_advice_text(step: dict[str, Any], language: str) -> str:
    """One step taken against advice: what, by whom and when, the advice and the reason."""
    return _("{trigger} by {person} {at} (version {version}): {advice}; reason: {reason}").format(
        trigger=step["trigger"],
        person=step["actor"],
        at=time_text(step["at"], language),
        version=step["version"],
        advice="; ".join(step["advice"]),
        reason=step["reason"],
    )


def timing_text(timed: dict[str, Any], language: str) -> str:
    """One waiting reminder, timer or deadline: when, or the date it waits for."""
    if timed["kind"] == "deadline":
        return f"{timed['deadline']} ({timed['title']}): {time_text(timed['due_at'], language)}"
    what = timed["when"]
    if timed.get("task"):  # a task's meeting: which task (item)
        what = f"{timed['task']}: {what}"
    if timed["waiting_for"]:
        return f"{what}: " + _("no date yet")  # the field is empty: nothing waits
    if timed["kind"] == "meeting":
        invited = _("invited (sequence {n})").format(n=timed["sequence"])
        return f"{what}: {time_text(timed['due_at'], language)}, {invited}"
    if timed["due_at"] is None:
        return f"{what}: " + _("done")
    return f"{what}: {time_text(timed['due_at'], language)}"


def form_heading(form: dict[str, Any]) -> str:
    """'registrering: Registrering (task registrer_virksomhet)', from engine.views.form_view."""
    task = " (" + _("task {id}").format(id=form["task"]) + ")" if form.get("task") else ""
    return f"{form['form']}: {form['title']}{task}"


def field_line(field: dict[str, Any]) -> str:
    """'vedtak (choice of godkjent, underkjent; required): Vedtak': what `trinn form` takes."""
    kind = field["type"]
    if field["options"] is not None:
        kind = _("{type} of {options}").format(
            type=kind, options=", ".join(option["option"] for option in field["options"])
        )
    if field.get("accept"):  # a file field: FIELD=@PATH, of these kinds
        kind = _("{type} of {options}").format(type=kind, options=", ".join(field["accept"]))
    if field["required"]:
        kind += "; " + _("required")
    return f"{field['field']} ({kind}): {field['label']}"


def _file_said(value: Any) -> Any:
    """A file field's value as `avtale.pdf (51 B, pdf)` (its sha256 is in `--json`); others as they are."""
    if isinstance(value, dict) and set(value) == {"sha256", "name", "size", "type"}:
        from trinn.engine.files import described

        return described(value)
    return value


_HOOKS = {"task": "on_complete", "form": "on_submit"}


def _values(values: dict[str, Any]) -> str:
    """`name="value", ...`: fields as the history prints them (a file by its name)."""
    return ", ".join(
        f"{name}={json.dumps(_file_said(new), ensure_ascii=False)}" for name, new in values.items()
    )


def history_lines(
    entries: list[HistoryEntry], language: str, roles: dict[str, str] | None = None
) -> list[str]:
    """`trinn history`: one line per command, oldest first (lines, so they grep and never wrap).

    `roles` gives the titles of roles: a task of an outside party, recorded by a coordinator,
    reads "on behalf of Virksomheten".
    """
    lines = []
    for entry in entries:
        event = entry.event
        what = event.kind + (f" {event.name}" if event.name else "")
        if entry.fired:
            what += ": " + "; ".join(entry.fired)
        for done in entry.done:
            if event.kind != "done" or done.item:
                record = f": {_values(done.answers)}" if done.answers else ""  # an item's own record
                what += f" ({done.task}" + (f" [{done.item}]" if done.item else "") + record + ")"
            if done.on_behalf_of:
                role = (roles or {}).get(done.on_behalf_of, done.on_behalf_of)
                what += " " + _("on behalf of {role}").format(role=role)
        for date in entry.moved:
            said = due_text if date.task else time_text
            what += " (" + _("moved {what}").format(what=date.label)
            what += f": {said(date.before, language) or '-'} -> {said(date.after, language) or '-'})"
        for deadline, how in entry.deadlines:
            what += (
                " ("
                + _("deadline {id} {how}").format(id=deadline, how=_(how) if how == "started" else how)
                + ")"
            )
        for advised in entry.against_advice:
            what += (
                " ("
                + _("against advice: {advice}; reason: {reason}").format(
                    advice="; ".join(advised.advice), reason=advised.reason
                )
                + ")"
            )
        for kind, name in entry.hooks:  # what ran on completing a task or submitting a form
            what += " (" + _("{hook} of {name} ran").format(hook=_HOOKS.get(kind, kind), name=name) + ")"
        if entry.via == "web":
            what += " (" + _("through the web form") + ")"
        if entry.started:
            what += (
                " ("
                + _("started {cases}").format(
                    cases=", ".join(_("case {id}").format(id=c) for c in entry.started)
                )
                + ")"
            )
        state = f"{event.state_before} -> {event.state_after}" if entry.moved_state else event.state_after
        parts = [f"{event.case_version:>3}", time_text(event.at, language), event.actor, what, f"[{state}]"]
        changes = _values(entry.changes)
        if changes:
            parts.append(changes)
        if event.note:
            parts.append(_("note: {note}").format(note=event.note))
        lines.append("  ".join(parts))
    return lines
