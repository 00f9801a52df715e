"""`trinn forms PLAYBOOK [FORM]`: a playbook's forms and their fields, to fill with `trinn form`.

Each field with its type, whether it is required and a choice's options: what a script or a
person needs before `trinn form CASE FORM FIELD=VALUE...`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from trinn.engine.errors import PlaybookError, TrinnError
from trinn.engine.i18n import LANGUAGES
from trinn.tui.cli.output import err, fail, json_chosen, out, print_json
from trinn.tui.cli.render import field_line, form_heading
from trinn.tui.cli.settings import Settings

__all__ = ["COMMANDS"]


def forms(
    ctx: typer.Context,
    playbook: Annotated[str, typer.Argument(help="A playbook id (see `trinn playbooks`) or file.")],
    form: Annotated[str | None, typer.Argument(metavar="[FORM]", help="Only this form.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the forms as JSON.", callback=json_chosen)
    ] = False,
) -> None:
    """A playbook's forms: each field's id, type, options and label."""
    from trinn.engine.catalog import find_playbook
    from trinn.engine.loader import load_playbook
    from trinn.engine.views import form_view

    settings: Settings = ctx.obj
    try:
        spec = load_playbook(find_playbook(playbook, settings.playbook_dirs)).spec
    except PlaybookError as exc:
        err.print(exc.report(), markup=False)
        raise typer.Exit(1) from exc
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    if form is not None and form not in spec.forms:
        listed = ", ".join(spec.forms) or "none"
        raise fail(f"playbook '{spec.id}' has no form '{form}' (its forms: {listed})", 1)
    language = settings.language if settings.language in LANGUAGES else spec.language
    views = [form_view(spec, name, language) for name in ([form] if form else spec.forms)]
    if as_json:
        print_json(views)
        return
    for index, view in enumerate(views):
        if index:
            out.print("")
        out.print(form_heading(view), markup=False)
        for field in view["fields"]:
            out.print("  " + field_line(field), markup=False)


# the commands, by name (tui/cli/commands.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {"forms": forms}
