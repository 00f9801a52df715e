"""What the case commands share as typer declares them: their arguments and options (the values
themselves are read by tui/cli/arguments.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from trinn.tui.cli.arguments import service_of
from trinn.tui.cli.output import json_chosen
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.engine.service import Service

__all__ = ["CaseId", "Expect", "Item", "Json", "Note", "Now", "Sets", "service_for"]

Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.", callback=json_chosen)]
CaseId = Annotated[str, typer.Argument(help="The case id, as `trinn cases` shows it.", metavar="CASE")]
Note = Annotated[str | None, typer.Option("--note", help="A note for the history.")]
Item = Annotated[str | None, typer.Option("--item", help="Which item of a for-each task.")]
Expect = Annotated[
    int | None,
    typer.Option(
        "--expect-version",
        metavar="N",
        help="Refuse if the case is no longer at this row version (someone else acted).",
    ),
]
Sets = Annotated[
    list[str] | None, typer.Option("--set", metavar="FIELD=VALUE", help="A field value (repeat for more).")
]
Now = Annotated[
    str | None, typer.Option("--now", metavar="ISO-TIME", help="Act as if it were this time (default: now).")
]


@contextmanager
def service_for(ctx: typer.Context) -> Iterator[tuple[Service, Settings]]:
    settings: Settings = ctx.obj
    with service_of(settings) as service:
        yield service, settings
