"""The pages: a public form with its answers and problems, and the short notices.

Jinja2 with autoescaping renders them from tui/web/templates; every value a
page shows (a label, an answer typed back, a problem quoting it) passes the
escaping, so a script tag in an answer is shown as text. A field is drawn as the
type it has in the playbook, with a real <label>, its help and its problem tied
to it by aria-describedby.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trinn.engine.calendar import zone_of
from trinn.engine.field_types import FieldType
from trinn.engine.moments import local_moment_text
from trinn.engine.text import localize
from trinn.tui.web.texts import page_language, texts

if TYPE_CHECKING:
    from jinja2 import Environment

    from trinn.engine.spec import FieldSpec, FormSpec, PlaybookSpec

__all__ = ["FieldView", "form_page", "notice_page", "widget"]

HERE = Path(__file__).resolve().parent
# what each field type is typed into; `novalidate` on the form leaves checking to the server
_INPUTS = {
    FieldType.email: "email",
    FieldType.url: "url",
    FieldType.phone: "tel",
    FieldType.date: "date",
}


@dataclass
class FieldView:
    """One field of a form page, as the template draws it."""

    id: str
    label: str
    widget: str  # input, textarea, lines, radios, checkboxes, yesno
    input_type: str = "text"
    inputmode: str | None = None
    help: str | None = None
    required: bool = False
    value: str = ""
    chosen: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def described_by(self) -> str:
        ids = ([f"help-{self.id}"] if self.help else []) + ([f"err-{self.id}"] if self.error else [])
        return " ".join(ids)


def widget(spec: FieldSpec) -> tuple[str, str, str | None]:
    """The widget, input type and inputmode of a field of type `spec.type`."""
    kind = spec.type
    if kind is FieldType.long_text:
        return "textarea", "text", None
    if kind in (FieldType.text_list, FieldType.email_list, FieldType.person_list):
        return "lines", "text", None
    if kind is FieldType.choice:
        return "radios", "text", None
    if kind is FieldType.multi_choice:
        return "checkboxes", "text", None
    if kind is FieldType.bool:
        return "yesno", "text", None
    if kind in (FieldType.number, FieldType.money):
        return "input", "text", "decimal"  # "50 000" and "1,5" as people write them
    if kind is FieldType.file:
        return "input", "file", None  # sent as multipart/form-data; never shown back or served
    return "input", _INPUTS.get(kind, "text"), None


def field_views(
    spec: PlaybookSpec,
    form: FormSpec,
    values: dict[str, Any],
    errors: dict[str, str],
) -> list[FieldView]:
    """The form's fields with `values` (stored values, or what was typed) and their problems."""
    language = spec.language
    views = []
    for field_id in form.fields:
        field_spec = spec.fields[field_id]
        kind, input_type, inputmode = widget(field_spec)
        value = values.get(field_id)
        view = FieldView(
            id=field_id,
            label=localize(field_spec.label, language),
            widget=kind,
            input_type=input_type,
            inputmode=inputmode,
            help=localize(field_spec.help, language) if field_spec.help else None,
            required=field_spec.required,
            error=errors.get(field_id),
        )
        labels = field_spec.option_labels or {}
        view.options = [
            (o, localize(labels[o], language) if o in labels else o) for o in field_spec.options or []
        ]
        if field_spec.type is FieldType.file:
            pass  # a file input starts empty: the visitor picks the file (again)
        elif isinstance(value, list):
            view.chosen = [str(v) for v in value]
            view.value = "\n".join(view.chosen)
        elif isinstance(value, bool):
            view.value = "yes" if value else "no"
        elif field_spec.type is FieldType.datetime and isinstance(value, str) and value.endswith("Z"):
            # a stored moment (UTC) shown as people type it, on the playbook's clock; what
            # was typed (a form sent back with its problems) is shown as typed
            view.value = local_moment_text(value, zone_of(language, spec.timezone), language)
        elif value is not None:
            view.value = str(value)
            view.chosen = [view.value]
        views.append(view)
    return views


@functools.cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template is HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def form_page(
    spec: PlaybookSpec,
    form_id: str,
    *,
    subject: str | None,
    item: str | None = None,
    values: dict[str, Any],
    errors: dict[str, str],
    problem: str | None,
    csrf: str,
    action: str,
) -> str:
    form = spec.forms[form_id]
    language = page_language(spec.language)
    return (
        _environment()
        .get_template("form.html")
        .render(
            lang=language,
            t=texts(language),
            title=localize(form.title, spec.language),
            intro=localize(form.intro, spec.language) if form.intro else None,
            subject=subject,
            item=item,
            fields=field_views(spec, form, values, errors),
            problem=problem,
            has_errors=bool(errors) or problem is not None,
            csrf=csrf,
            action=action,
        )
    )


def notice_page(language: str, title_key: str, text_key: str) -> str:
    """A short page that says one thing: sent, not found, refused."""
    language = page_language(language)
    words = texts(language)
    return (
        _environment()
        .get_template("notice.html")
        .render(lang=language, t=words, title=words[title_key], text=words[text_key])
    )
